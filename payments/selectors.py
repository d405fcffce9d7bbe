"""Read-side helpers: every look-up of an order is scoped to a merchant."""

import uuid

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
    """The order a buyer's page is about. Its random UUID, known only to the shop and the buyer, is the key."""
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
    """The translated description of an action code, in the active language ("" when unknown)."""
    found = next(iter(ActionCode.objects.filter(code=code).order_by()[:1]), None)  # the primary key
    return found.description if found else ""  # modeltranslation answers in the active language
