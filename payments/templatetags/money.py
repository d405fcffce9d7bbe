"""The one place amounts are formatted for people: `{{ order.amount|money:order.currency }}`."""

from django import template
from django.utils import translation

from payments.models import Currency
from payments.money import to_major

register = template.Library()

_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# Per language: the currency's sign, and whether it goes after the amount.
_SIGNS = {
    "fr": {"TND": "DT", "EUR": "€", "USD": "$"},
    "ar": {"TND": "د.ت", "EUR": "€", "USD": "$"},
}
_SEPARATORS = {"fr": (",", "\u202f"), "en": (".", ","), "ar": ("٫", "٬")}  # (decimal, grouping)


def format_money(amount: int, currency: Currency, language: str | None = None) -> str:
    """`10500` TND -> `10,500 DT` (fr), `10.500 TND` (en), `١٠٫٥٠٠ د.ت` (ar): the currency's decimals."""
    language = (language or translation.get_language() or "fr")[:2]
    decimal_sep, group_sep = _SEPARATORS.get(language, _SEPARATORS["en"])
    major = to_major(amount, currency.exponent)
    whole, _, fraction = f"{major:,.{currency.exponent}f}".partition(".")
    text = whole.replace(",", group_sep) + (decimal_sep + fraction if fraction else "")
    sign = _SIGNS.get(language, {}).get(currency.alpha_code, currency.alpha_code)
    if language == "ar":
        text = text.translate(_ARABIC_DIGITS)
    return f"{text}\u00a0{sign}"


@register.filter
def money(amount: int, currency: Currency) -> str:
    return format_money(amount, currency)
