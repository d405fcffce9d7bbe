"""Minor-unit amounts: parsing and display. Decimal only at the edges, never float."""

from decimal import Decimal


def to_major(amount: int, exponent: int) -> Decimal:
    return Decimal(amount).scaleb(-exponent)
