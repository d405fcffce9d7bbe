"""Amounts typed in major units ("10.5") to exact minor units of a currency. Decimal, never float."""

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

from payments.models import Currency


def parse_major(text: str) -> Decimal | None:
    """`10,500` or `10.500` -> Decimal("10.500"); None when it is not a plain non-negative number."""
    cleaned = text.strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
    if not cleaned or cleaned.count(".") > 1:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def to_minor_exact(value: Decimal, currency: Currency) -> int | None:
    """Minor units, or None when the value has more decimals than the currency (10.505 EUR)."""
    scaled = value.scaleb(currency.exponent)
    return int(scaled) if scaled == scaled.to_integral_value() else None


def to_minor_at_least(value: Decimal, currency: Currency) -> int:
    """Smallest whole minor amount >= value: a range's lower bound never widens."""
    return int(value.scaleb(currency.exponent).to_integral_value(rounding=ROUND_CEILING))


def to_minor_at_most(value: Decimal, currency: Currency) -> int:
    return int(value.scaleb(currency.exponent).to_integral_value(rounding=ROUND_FLOOR))
