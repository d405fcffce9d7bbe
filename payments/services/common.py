"""What every order service shares: who acts, the transition table, the row lock and the history row."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from payments.errors import ErrorCode, OperationRefused
from payments.models import ActorType, ApiAccount, Operation, OperationKind, Order, OrderStatus


@dataclass(frozen=True)
class Actor:
    type: str
    api_account: ApiAccount | None = None
    user: AbstractBaseUser | None = None


SYSTEM = Actor(type=ActorType.SYSTEM)
BUYER = Actor(type=ActorType.BUYER)

# The one table of allowed moves: operation -> statuses it may start from.
ALLOWED_FROM: dict[str, frozenset[int]] = {
    OperationKind.AUTHORIZE: frozenset({OrderStatus.REGISTERED, OrderStatus.AUTHENTICATING}),
    OperationKind.DECLINE: frozenset({OrderStatus.REGISTERED, OrderStatus.AUTHENTICATING}),
    OperationKind.DEPOSIT: frozenset({OrderStatus.APPROVED}),
    OperationKind.REVERSE: frozenset({OrderStatus.APPROVED, OrderStatus.DEPOSITED}),
    OperationKind.REFUND: frozenset({OrderStatus.DEPOSITED}),
}


def lock_order(order_pk: int) -> Order:
    """Re-read the order holding its row lock; the caller must be inside transaction.atomic()."""
    return (
        Order.objects.select_for_update(of=("self",)).select_related("currency", "merchant").get(pk=order_pk)
    )


def check_transition(order: Order, kind: str) -> None:
    if order.status in ALLOWED_FROM[kind]:
        return
    messages = {
        OrderStatus.REVERSED: _("The order is already cancelled."),
        OrderStatus.REFUNDED: _("The order is already fully refunded."),
        OrderStatus.DECLINED: _("The order was declined."),
        OrderStatus.REGISTERED: _("The order has not been paid."),
        OrderStatus.AUTHENTICATING: _("The order has not been paid."),
        OrderStatus.DEPOSITED: _("The order is already paid."),
        OrderStatus.APPROVED: _("The order is only held, not paid yet."),
    }
    raise OperationRefused(ErrorCode.BAD_STATE, messages[OrderStatus(order.status)])


def record(
    order: Order,
    kind: str,
    *,
    actor: Actor,
    success: bool = True,
    amount: int = 0,
    action_code: int | None = None,
    idempotency_key: str | None = None,
    detail: str = "",
) -> Operation:
    return Operation.objects.create(
        order=order,
        kind=kind,
        amount=amount,
        success=success,
        action_code=action_code,
        actor_type=actor.type,
        api_account=actor.api_account,
        user=actor.user,
        idempotency_key=idempotency_key,
        detail=detail[:255],
    )
