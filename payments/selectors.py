"""Read-side helpers: every look-up of an order is scoped to a merchant."""

import time
import uuid

from django.conf import settings
from django.utils import translation

from payments.models import ActionCode, Merchant, Order


def order_by_order_id(*, merchant: Merchant, order_id: str) -> Order | None:
    """The merchant's order with this public UUID; None when unknown, malformed or another merchant's."""
    try:
        key = uuid.UUID(order_id)
    except (ValueError, AttributeError):
        return None
    # [:1], not first(): order_id is unique, and first()'s ORDER BY id lets the planner walk the merchant's
    # orders in id order instead of using the order_id index (seen with fresh statistics).
    found = Order.objects.select_related("currency", "terminal").filter(merchant=merchant, order_id=key)[:1]
    return next(iter(found), None)


def order_for_buyer(order_id: str) -> Order | None:
    """The order a buyer's page is about: its random UUID, known only to shop and buyer, is the key."""
    try:
        key = uuid.UUID(str(order_id))
    except ValueError:
        return None
    return Order.objects.select_related("merchant", "currency", "terminal").filter(order_id=key).first()


def order_by_order_number(*, merchant: Merchant, order_number: str) -> Order | None:
    """The merchant's order with this shop reference; None when unknown or another merchant's."""
    if "\x00" in order_number:  # no order number holds one, and PostgreSQL refuses it in a query
        return None
    found = Order.objects.select_related("currency", "terminal").filter(
        merchant=merchant, order_number=order_number
    )[:1]  # unique per merchant: no ORDER BY needed (see order_by_order_id)
    return next(iter(found), None)


def action_code_description(code: int) -> str:
    """The translated description of an action code, in the active language ("" when unknown).

    Every status answer shows one: the small table is kept in memory for a minute rather than read each time.
    """
    global _descriptions, _descriptions_until
    if time.monotonic() > _descriptions_until:
        fields = [f"description_{lang}" for lang, _name in settings.LANGUAGES]
        _descriptions = {
            row[0]: dict(zip(fields, row[1:], strict=True))
            for row in ActionCode.objects.values_list("code", *fields)
        }
        _descriptions_until = time.monotonic() + 60
    found = _descriptions.get(code)
    if not found:
        return ""
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return found.get(f"description_{language}") or found.get(f"description_{settings.LANGUAGE_CODE}") or ""


_descriptions: dict[int, dict[str, str]] = {}
_descriptions_until = 0.0
