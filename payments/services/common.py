"""What every order service shares: who acts, the transition table, the row lock and the history row."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from payments.cards import CardData, card_brand, mask_pan, pan_hmac
from payments.errors import ErrorCode, OperationRefused
from payments.models import ActorType, ApiAccount, Operation, OperationKind, Order, OrderStatus
from payments.notifications.services import operation_notify


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


def operation_values(
    kind: str,
    *,
    actor: Actor,
    success: bool = True,
    amount: int = 0,
    action_code: int | None = None,
    idempotency_key: str | None = None,
    detail: str = "",
) -> dict[str, object]:
    """The fields of the history row of `kind`, by attname, its order aside."""
    return {
        "kind": kind,
        "amount": amount,
        "success": success,
        "action_code": action_code,
        "actor_type": actor.type,
        "api_account_id": actor.api_account.pk if actor.api_account else None,
        "user_id": actor.user.pk if actor.user else None,
        "idempotency_key": idempotency_key,
        "detail": detail[:255],
    }


def build_operation(order: Order, kind: str, *, actor: Actor, **facts: object) -> Operation:
    """The history row of `kind` on `order` (see operation_values), not saved yet."""
    operation = Operation(order=order, **operation_values(kind, actor=actor, **facts))  # type: ignore[arg-type]
    operation.api_account, operation.user = actor.api_account, actor.user  # loaded already: no query later
    return operation


def record(order: Order, kind: str, *, actor: Actor, **facts: object) -> Operation:
    """Write the history row of `kind` on `order` (see build_operation), and queue its notification."""
    operation = build_operation(order, kind, actor=actor, **facts)  # type: ignore[arg-type]
    operation.save(force_insert=True)
    # Locked orders come with their merchant: a shop without a callback URL costs no query here.
    if order.merchant.callback_url:
        operation_notify(order=order, operation=operation)  # the notification is queued on commit
    return operation


def store_card(order: Order, card: CardData, *, country: str = "", issuer: str = "") -> None:
    """Write on the order what may be kept of a card: masked number, BIN, keyed hash; never the number."""
    order.masked_pan = mask_pan(card.pan)
    order.card_bin = card.pan[:6]
    order.card_last4 = card.pan[-4:]
    order.card_brand = card_brand(card.pan)
    order.card_expiry = card.expiry_yyyymm
    order.cardholder_name = card.cardholder_name[:128]
    order.card_country = country[:2]
    order.card_issuer = issuer[:128]
    order.pan_hmac, order.pan_hmac_key_id = pan_hmac(card.pan)
