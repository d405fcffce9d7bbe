"""Which event an operation announces, and the signed parameters sent for it (protocol section 6).

The mapping and the meaning given to `status` (1 money held, taken or returned; 0 declined) are set out
in the package docstring, payments/notifications/__init__.py.
"""

import hashlib
import hmac
from collections.abc import Mapping

from payments.models import Operation, OperationKind, Order, OrderStatus

from .models import CallbackEvent

EXPIRED_ACTION_CODE = -2007  # as payments.services.orders; not imported, to keep this module free of services
UNSIGNED = frozenset({"checksum", "sign_alias"})
FAILURE_EVENTS = frozenset({CallbackEvent.DECLINED, CallbackEvent.DECLINED_BY_TIMEOUT})

_ALWAYS: dict[str, CallbackEvent] = {
    OperationKind.DEPOSIT: CallbackEvent.DEPOSITED,
    OperationKind.REVERSE: CallbackEvent.REVERSED,
    OperationKind.REFUND: CallbackEvent.REFUNDED,
}
_AUTHORIZED: dict[int, CallbackEvent] = {
    OrderStatus.APPROVED: CallbackEvent.APPROVED,
    OrderStatus.DEPOSITED: CallbackEvent.DEPOSITED,
}


def event_for(
    *, kind: str, success: bool, action_code: int | None, order_status: int
) -> CallbackEvent | None:
    """The event to announce for an operation, given the order's status right after it; None for none."""
    if kind == OperationKind.DECLINE:
        return (
            CallbackEvent.DECLINED_BY_TIMEOUT
            if action_code == EXPIRED_ACTION_CODE
            else CallbackEvent.DECLINED
        )
    if not success:
        # A declined attempt only matters to the shop once it ends the order (the third one).
        final = (
            kind in (OperationKind.AUTHORIZE, OperationKind.AUTHENTICATE)
            and order_status == OrderStatus.DECLINED
        )
        return CallbackEvent.DECLINED if final else None
    if kind == OperationKind.AUTHORIZE:
        return _AUTHORIZED.get(order_status)
    return _ALWAYS.get(kind)


def checksum(params: Mapping[str, str], key: str) -> str:
    """HMAC-SHA256 of `name;value;` for each parameter but checksum and sign_alias, by name; upper hex."""
    message = "".join(f"{name};{params[name]};" for name in sorted(params) if name not in UNSIGNED)
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest().upper()


def signed_params(*, order: Order, operation: Operation, event: str, key: str) -> dict[str, str]:
    """The parameters of one notification, checksum last. Strings only: they are sent and signed as text."""
    params = {
        "mdOrder": str(order.order_id),
        "orderNumber": order.order_number,
        "operation": event,
        "status": "0" if event in FAILURE_EVENTS else "1",
        "amount": str(operation.amount),
    }
    # An empty key still yields a checksum (the protocol always sends one), but it proves nothing:
    # support should give every merchant with a callback URL a key.
    params["checksum"] = checksum(params, key)
    return params
