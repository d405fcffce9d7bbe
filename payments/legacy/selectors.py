"""Read-side helpers for the legacy form protocol."""

import uuid

from .models import LegacyPayment


def payment_for_buyer(order_id: str) -> LegacyPayment | None:
    """The legacy payment of the order a buyer returns from; its random UUID is the key."""
    try:
        key = uuid.UUID(str(order_id))
    except ValueError:
        return None
    found = LegacyPayment.objects.select_related("order__merchant", "order__currency", "settings").filter(
        order__order_id=key
    )[:1]
    return next(iter(found), None)
