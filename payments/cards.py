"""Card-number facts: Luhn, brand by prefix, masking and the keyed hash. The number is never stored."""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings

# Public issuer identification ranges of the schemes; the longest matching prefix wins.
_BRAND_RANGES: tuple[tuple[str, str, str], ...] = (
    ("4", "4", "VISA"),
    ("51", "55", "MASTERCARD"),
    ("2221", "2720", "MASTERCARD"),
    ("34", "34", "AMEX"),
    ("37", "37", "AMEX"),
)


def digits_only(value: str) -> str:
    return "".join(ch for ch in value if ch in "0123456789")


def luhn_valid(pan: str) -> bool:
    if not pan.isascii() or not pan.isdigit() or not 12 <= len(pan) <= 19:
        return False
    total = 0
    for index, char in enumerate(reversed(pan)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def card_brand(pan: str) -> str:
    """The scheme of a card number, or "" when no known range matches."""
    best, best_len = "", 0
    for low, high, brand in _BRAND_RANGES:
        width = len(low)
        prefix = pan[:width]
        if len(prefix) == width and low <= prefix <= high and width > best_len:
            best, best_len = brand, width
    return best


def mask_pan(pan: str) -> str:
    """First six, `**`, last four: the shape ClicToPay answers with (`411111**1111`)."""
    return f"{pan[:6]}**{pan[-4:]}"


def pan_hmac(pan: str, *, key_id: str | None = None) -> tuple[str, str]:
    """Keyed hash of the card number, with the id of the key that made it (so keys can rotate).

    `key_id` may name a retired key of CARD_HASH_OLD_KEYS, to match hashes stored before a rotation.
    Raises KeyError for an id that is neither the current key nor a retired one.
    """
    key_id = key_id or settings.CARD_HASH_KEY_ID
    if key_id == settings.CARD_HASH_KEY_ID:
        key = settings.CARD_HASH_KEY
    else:
        key = settings.CARD_HASH_OLD_KEYS[key_id]
    digest = hmac.new(key.encode(), pan.encode(), hashlib.sha256).hexdigest()
    return digest, key_id


@dataclass(frozen=True)
class CardData:
    """What the buyer typed. Lives only in memory during an authorization."""

    pan: str
    expiry_month: int
    expiry_year: int  # four digits
    cvv: str
    cardholder_name: str = ""

    def __repr__(self) -> str:  # keep the number and CVV out of logs and tracebacks
        return f"CardData({mask_pan(self.pan)}, {self.expiry_month:02d}/{self.expiry_year})"

    @property
    def expiry_yyyymm(self) -> str:
        return f"{self.expiry_year:04d}{self.expiry_month:02d}"
