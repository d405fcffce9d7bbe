"""The shop's form (Reference, Montant, Devise, sid, affilie), read strictly: refused, never guessed."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from payments.models import Currency

REFERENCE_MAX = 36  # the order number's length (protocol section 2)
SID_MAX = 255
AFFILIE_MAX = 64
# Digits, then optionally a point and digits: no sign, exponent, comma or grouping to misread.
_AMOUNT = re.compile(r"[0-9]{1,15}(?:\.[0-9]+)?", re.ASCII)
_ALPHA_CODE = re.compile(r"[A-Z]{3}", re.ASCII)


class LegacyRefused(Exception):
    """The payment cannot start (or go on); `message` is for the buyer, already translated."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class LegacyForm:
    reference: str
    amount: int  # minor units of `currency`
    montant: Decimal  # as the shop wrote it, compared with the shop's DETAIL answer
    currency: Currency
    sid: str
    affilie: str


def parse_form(data: Mapping[str, str]) -> LegacyForm:
    """The form's values, checked. Raises LegacyRefused naming the faulty field."""
    affilie = _text(data, "affilie", max_length=AFFILIE_MAX, required=True)
    reference = _text(data, "Reference", max_length=REFERENCE_MAX, required=True)
    currency = parse_devise(data.get("Devise", ""))
    montant, amount = parse_montant(data.get("Montant", ""), currency)
    sid = _text(data, "sid", max_length=SID_MAX, required=False)
    return LegacyForm(
        reference=reference, amount=amount, montant=montant, currency=currency, sid=sid, affilie=affilie
    )


def parse_devise(raw: str) -> Currency:
    code = raw.strip().upper()
    if not code:
        raise LegacyRefused(_("The currency (Devise) is missing."))
    currency = Currency.objects.filter(alpha_code=code).first() if _ALPHA_CODE.fullmatch(code) else None
    if currency is None:
        raise LegacyRefused(
            _("The currency (Devise) “%(value)s” is not a known currency code such as TND.")
            % {"value": raw.strip()[:8]}
        )
    return currency


def parse_montant(raw: str, currency: Currency) -> tuple[Decimal, int]:
    """`12.500` TND -> (Decimal("12.500"), 12500): at most the currency's decimals, more than zero."""
    text = raw.strip()
    if not text:
        raise LegacyRefused(_("The amount (Montant) is missing."))
    if not _AMOUNT.fullmatch(text):
        raise LegacyRefused(
            _("The amount (Montant) “%(value)s” is not an amount such as 12.500.") % {"value": text[:20]}
        )
    montant = Decimal(text)
    if -montant.as_tuple().exponent > currency.exponent:  # type: ignore[operator]
        raise LegacyRefused(
            _("The amount (Montant) has more than %(places)s decimals for %(currency)s.")
            % {"places": currency.exponent, "currency": currency.alpha_code}
        )
    if montant <= 0:
        raise LegacyRefused(_("The amount (Montant) must be more than zero."))
    return montant, int(montant.scaleb(currency.exponent))


def _text(data: Mapping[str, str], name: str, *, max_length: int, required: bool) -> str:
    value = data.get(name, "").strip()
    if required and not value:
        raise LegacyRefused(_("The field %(name)s is missing.") % {"name": name})
    if len(value) > max_length:
        raise LegacyRefused(
            _("The field %(name)s is longer than %(max)s characters.") % {"name": name, "max": max_length}
        )
    if not value.isprintable():  # control characters (and NUL, which PostgreSQL refuses) are never meant
        message = _("The field %(name)s contains characters that are not allowed.")
        raise LegacyRefused(message % {"name": name})
    return value
