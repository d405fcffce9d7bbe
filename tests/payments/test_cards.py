import hashlib
import hmac

import pytest

from payments.cards import CardData, card_brand, luhn_valid, mask_pan, pan_hmac

VISA = "4111111111111111"


@pytest.mark.parametrize(
    "pan",
    [VISA, "5555555555554444", "4970100000000006", "5200000000001096", "378282246310005", "2223003122003222"],
)
def test_luhn_accepts_valid_card_numbers(pan):
    assert luhn_valid(pan)


@pytest.mark.parametrize(
    "pan",
    [
        "4111111111111112",  # last digit off by one
        "5555555555554443",
        "1234567812345678",
        "41111111111",  # Luhn-valid shape but too short
        "4" + "0" * 19,  # 20 digits: too long
        "",
        "4111 1111 1111 1111",  # spaces are stripped before, never accepted here
        "４１１１１１１１１１１１１１１１",  # full-width digits
        "٤١١١١١١١١١١١١١١١",  # Arabic-Indic digits
    ],
)
def test_luhn_rejects_invalid_or_malformed_numbers(pan):
    assert not luhn_valid(pan)


def test_luhn_doubles_every_second_digit_from_the_right():
    # 59 is valid (5*2=10 -> 1, + 9 = 10) only if the doubling starts at the second digit from the right
    assert luhn_valid("0" * 10 + "59")
    assert not luhn_valid("0" * 10 + "95")


@pytest.mark.parametrize(
    ("pan", "brand"),
    [
        (VISA, "VISA"),
        ("4000000000000002", "VISA"),
        ("5100000000000008", "MASTERCARD"),
        ("5555555555554444", "MASTERCARD"),
        ("2221000000000009", "MASTERCARD"),
        ("2720990000000007", "MASTERCARD"),
        ("340000000000009", "AMEX"),
        ("378282246310005", "AMEX"),
        ("5000000000000009", ""),  # 50 is below the Mastercard range
        ("5600000000000003", ""),  # 56 is above it
        ("2220990000000006", ""),  # just below 2221
        ("2721000000000004", ""),  # just above 2720
        ("3500000000000000", ""),
        ("6011111111111117", ""),  # Discover: not a brand the gateway knows
        ("", ""),
        ("4", "VISA"),
        ("2", ""),  # too short to match a four-digit range
    ],
)
def test_card_brand_is_found_by_prefix_range(pan, brand):
    assert card_brand(pan) == brand


def test_card_brand_prefers_the_longest_matching_prefix(monkeypatch):
    # An overlapping narrower range wins over a wider one, whatever the table order.
    monkeypatch.setattr(
        "payments.cards._BRAND_RANGES", (("4", "4", "VISA"), ("4970", "4970", "NARROW"), ("49", "49", "WIDE"))
    )
    assert card_brand("4970100000000006") == "NARROW"
    assert card_brand("4900000000000000") == "WIDE"
    assert card_brand(VISA) == "VISA"


@pytest.mark.parametrize(
    ("pan", "masked"),
    [(VISA, "411111**1111"), ("5555555555554444", "555555**4444"), ("378282246310005", "378282**0005")],
)
def test_mask_shows_first_six_and_last_four(pan, masked):
    assert mask_pan(pan) == masked


def test_pan_hmac_is_a_keyed_sha256_with_the_key_id(settings):
    settings.CARD_HASH_KEY = "key-one"
    settings.CARD_HASH_KEY_ID = "k7"
    digest, key_id = pan_hmac(VISA)
    assert digest == hmac.new(b"key-one", VISA.encode(), hashlib.sha256).hexdigest()
    assert digest != hashlib.sha256(VISA.encode()).hexdigest()  # not a plain (brute-forceable) hash
    assert key_id == "k7"
    assert VISA not in digest


def test_pan_hmac_changes_with_the_key(settings):
    settings.CARD_HASH_KEY = "key-one"
    first, _ = pan_hmac(VISA)
    settings.CARD_HASH_KEY = "key-two"
    second, _ = pan_hmac(VISA)
    assert first != second


def test_pan_hmac_is_stable_for_one_key_and_differs_between_cards(settings):
    settings.CARD_HASH_KEY = "key-one"
    assert pan_hmac(VISA) == pan_hmac(VISA)
    assert pan_hmac(VISA)[0] != pan_hmac("5555555555554444")[0]


def test_card_data_repr_hides_the_number_and_cvv():
    card = CardData(pan=VISA, expiry_month=3, expiry_year=2031, cvv="737", cardholder_name="Amira Ben Salah")
    for shown in (repr(card), str(card), f"{card}", f"{card!r}", repr([card]), repr({"card": card})):
        assert VISA not in shown
        assert "737" not in shown
        assert "411111**1111" in shown


def test_card_data_expiry_is_yyyymm():
    assert CardData(pan=VISA, expiry_month=3, expiry_year=2031, cvv="737").expiry_yyyymm == "203103"
