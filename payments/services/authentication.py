"""3-D Secure around an authorization: the order waits at status 5 while the buyer is at the issuer."""

from django.db import transaction
from django.utils.translation import gettext as _

from payments.errors import ErrorCode, OperationRefused
from payments.models import OperationKind, Order, OrderStatus, ThreeDSStatus

from .authorization import MAX_ATTEMPTS
from .common import Actor, lock_order, record
from .orders import EXPIRED_ACTION_CODE, decline_locked, is_overdue

AUTHENTICATION_FAILED_ACTION_CODE = -2006


def order_authentication_start(*, order_pk: int, actor: Actor, masked_pan: str) -> Order:
    """Send the order to the issuer's authentication (status 0 -> 5).

    Raises OperationRefused 7 when the order is not waiting for payment or its time ran out (it is then
    declined with -2007). Idempotent for an order already at status 5 (the buyer pressed twice).
    """
    with transaction.atomic():
        order = lock_order(order_pk)
        if is_overdue(order):
            decline_locked(order, action_code=EXPIRED_ACTION_CODE, actor=actor, detail="session expired")
            refusal = OperationRefused(ErrorCode.BAD_STATE, _("The time to pay this order has run out."))
        elif order.status in (OrderStatus.REGISTERED, OrderStatus.AUTHENTICATING):
            order.status = OrderStatus.AUTHENTICATING
            order.save(update_fields=["status", "updated_at"])
            record(order, OperationKind.AUTHENTICATE, actor=actor, amount=order.amount, detail=masked_pan)
            return order
        else:
            refusal = OperationRefused(ErrorCode.BAD_STATE, _("This order cannot be paid any more."))
    raise refusal


def order_authentication_fail(*, order_pk: int, actor: Actor, masked_pan: str) -> Order:
    """The issuer did not authenticate the buyer: a declined attempt (-2006); the third declines the order.

    Raises OperationRefused 7 when the order is no longer at status 5. Not idempotent: one call, one attempt.
    """
    with transaction.atomic():
        order = lock_order(order_pk)
        if order.status != OrderStatus.AUTHENTICATING:
            raise OperationRefused(ErrorCode.BAD_STATE, _("This order is not waiting for 3-D Secure."))
        order.attempts += 1
        order.action_code = AUTHENTICATION_FAILED_ACTION_CODE
        order.three_ds_status = ThreeDSStatus.FAILED
        order.status = OrderStatus.DECLINED if order.attempts >= MAX_ATTEMPTS else OrderStatus.REGISTERED
        order.save(update_fields=["attempts", "action_code", "three_ds_status", "status", "updated_at"])
        record(
            order,
            OperationKind.AUTHENTICATE,
            actor=actor,
            success=False,
            amount=order.amount,
            action_code=AUTHENTICATION_FAILED_ACTION_CODE,
            detail=masked_pan,
        )
    return order
