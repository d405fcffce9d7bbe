"""What the order details page offers now, and why not when it does not.

Mirrors the services' rules (payments.services.orders) so nothing is offered that would be refused; the
services still decide, under the row lock, when the form comes back.
"""

from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from fraud.models import BlacklistEntry
from payments.models import Order, OrderStatus

CANCEL, REFUND, BLACKLIST = "cancel", "refund", "blacklist"


@dataclass(frozen=True)
class ActionState:
    name: str
    allowed: bool
    reason: str = ""  # translated sentence shown when not allowed


def _day(order: Order) -> str:
    assert order.remitted_at is not None
    return formats.date_format(timezone.localtime(order.remitted_at), "SHORT_DATE_FORMAT")


def cancel_state(order: Order) -> ActionState:
    if order.status in (OrderStatus.APPROVED, OrderStatus.DEPOSITED) and not order.is_remitted:
        return ActionState(CANCEL, True)
    if order.is_remitted:
        reason = _("Remitted on %(day)s: refund instead of cancel.") % {"day": _day(order)}
    elif order.status == OrderStatus.REVERSED:
        reason = _("The order is already cancelled.")
    else:
        reason = _("Only a paid or held order can be cancelled.")
    return ActionState(CANCEL, False, reason)


def refund_state(order: Order) -> ActionState:
    if order.status == OrderStatus.DEPOSITED and order.is_remitted and order.refundable_amount > 0:
        return ActionState(REFUND, True)
    if order.status in (OrderStatus.APPROVED, OrderStatus.DEPOSITED) and not order.is_remitted:
        reason = _("Not remitted to the bank yet: cancel instead of refund.")
    elif order.status == OrderStatus.REFUNDED:
        reason = _("The order is already fully refunded.")
    else:
        reason = _("Only a paid order can be refunded.")
    return ActionState(REFUND, False, reason)


def blacklist_state(order: Order, entry: BlacklistEntry | None) -> ActionState:
    if entry is not None:
        return ActionState(BLACKLIST, False, _("This card is already on the blacklist."))
    if not order.pan_hmac:
        return ActionState(BLACKLIST, False, _("No card was used for this order."))
    return ActionState(BLACKLIST, True)


def order_action_states(order: Order, entry: BlacklistEntry | None) -> dict[str, ActionState]:
    states = (cancel_state(order), refund_state(order), blacklist_state(order, entry))
    return {state.name: state for state in states}
