"""Minor-unit amounts: parsing and display. Decimal only at the edges, never float."""

from decimal import Decimal

from django.utils.formats import number_format


def to_major(amount: int, exponent: int) -> Decimal:
    return Decimal(amount).scaleb(-exponent)


def format_amount(amount: int, exponent: int, *, use_l10n: bool = True) -> str:
    """`10500, 3` -> `10,500` in French, `10.500` in English: always the currency's decimals."""
    return number_format(
        to_major(amount, exponent), decimal_pos=exponent, use_l10n=use_l10n, force_grouping=True
    )
