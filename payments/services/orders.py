"""Order services: the only code that changes an order. Each runs in one transaction on a locked row."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from payments.cards import CardData
from payments.errors import ErrorCode, OperationRefused
from payments.models import (
    AuthorizationType,
    Currency,
    Merchant,
    OperationKind,
    Order,
    OrderStatus,
    Terminal,
)

from . import credentials, register_statement
from .common import SYSTEM, Actor, check_transition, lock_order, operation_values, record, store_card

EXPIRED_ACTION_CODE = -2007
UNPAID = frozenset({OrderStatus.REGISTERED, OrderStatus.AUTHENTICATING})


@dataclass(frozen=True)
class OrderRequest:
    """A shop's registration, already parsed and checked for shape by the caller."""

    order_number: str
    amount: int
    return_url: str
    currency: Currency | None = None  # None: the merchant's default
    fail_url: str = ""
    description: str = ""
    language: str = ""
    page_view: str = "DESKTOP"
    client_id: str = ""
    json_params: dict[str, str] = field(default_factory=dict)
    expires_at: datetime | None = None
    authorization_type: str = AuthorizationType.ONE_PHASE


def terminal_for(*, merchant: Merchant, currency: Currency) -> Terminal:
    """The first active terminal of an active contract allowing the currency. Raises OperationRefused (3)."""
    terminal = (
        Terminal.objects.filter(
            is_active=True,
            contract__merchant=merchant,
            contract__is_active=True,
            contract__currencies=currency,
        )
        .order_by("contract_id", "pk")
        .first()
    )
    if terminal is None:
        raise OperationRefused(
            ErrorCode.BAD_CURRENCY,
            _("The currency %(currency)s is not allowed for this merchant.")
            % {"currency": currency.numeric_code},
        )
    return terminal


def order_register(
    *, merchant: Merchant, request: OrderRequest, actor: Actor, session_seconds: int = 1200
) -> Order:
    """Create an order waiting for payment.

    Raises OperationRefused: 3 currency not allowed, 5 two phases not allowed, 1 orderNumber already used.
    Not idempotent: the same orderNumber twice is refused (the database's unique constraint decides).
    """
    currency = request.currency or merchant.default_currency
    if request.authorization_type == AuthorizationType.TWO_PHASE and not merchant.two_phase_allowed:
        raise OperationRefused(
            ErrorCode.BAD_VALUE, _("Two-phase payments are not allowed for this merchant.")
        )
    fields = {
        "order_number": request.order_number,
        "amount": request.amount,
        "authorization_type": request.authorization_type,
        "return_url": request.return_url,
        "fail_url": request.fail_url,
        "description": request.description,
        "language": request.language or merchant.default_language,
        "page_view": request.page_view,
        "client_id": request.client_id,
        "json_params": request.json_params,
        "buyer_email": request.json_params.get("email", "")[:254],
        "buyer_phone": request.json_params.get("phone", "")[:32],
        "expires_at": request.expires_at or timezone.now() + timedelta(seconds=session_seconds),
    }
    try:
        if (versions := credentials.versions_of(actor.api_account)) is not None:
            return register_statement.insert_registered(
                merchant=merchant,
                currency=currency,
                order_values=fields,
                operation_values=operation_values(OperationKind.REGISTER, actor=actor, amount=request.amount),
                versions=versions,
            )
        order = Order(merchant=merchant, currency=currency, **fields)
        order.terminal = terminal_for(merchant=merchant, currency=currency)
        with transaction.atomic():
            order.save()
            record(order, OperationKind.REGISTER, actor=actor, amount=order.amount)
    except IntegrityError as error:
        if not Order.objects.filter(merchant=merchant, order_number=request.order_number).exists():
            raise
        raise OperationRefused(
            ErrorCode.DUPLICATE, _("The order number is already used by this merchant.")
        ) from error
    return order


def order_deposit(*, order_pk: int, amount: int, actor: Actor) -> Order:
    """Complete a two-phase hold (status 1 -> 2) for `amount`, 0 meaning all that is held.

    Raises OperationRefused: 7 not held, 5 amount above the held amount. Not idempotent (the state guards it).
    """
    with transaction.atomic():
        order = lock_order(order_pk)
        check_transition(order, OperationKind.DEPOSIT)
        amount = amount or order.approved_amount
        if amount > order.approved_amount:
            raise OperationRefused(
                ErrorCode.BAD_VALUE,
                _("The amount %(amount)s exceeds the held amount %(held)s.")
                % {"amount": amount, "held": order.approved_amount},
            )
        order.deposited_amount = amount
        order.status = OrderStatus.DEPOSITED
        order.deposited_at = timezone.now()
        order.save(update_fields=["deposited_amount", "status", "deposited_at", "updated_at"])
        record(order, OperationKind.DEPOSIT, actor=actor, amount=amount)
    return order


def order_reverse(*, order_pk: int, actor: Actor) -> Order:
    """Cancel a held or paid order before it is remitted to the bank (status 1 or 2 -> 3).

    Raises OperationRefused 7 when remitted already, already cancelled or never paid. The buyer is never
    debited: a reversed order is left out of every remittance.
    """
    with transaction.atomic():
        order = lock_order(order_pk)
        if order.status != OrderStatus.REFUNDED and order.is_remitted:
            raise OperationRefused(
                ErrorCode.BAD_STATE, _("The order was already remitted to the bank: refund it instead.")
            )
        check_transition(order, OperationKind.REVERSE)
        amount = order.deposited_amount or order.approved_amount
        order.status = OrderStatus.REVERSED
        order.deposited_amount = 0
        order.save(update_fields=["status", "deposited_amount", "updated_at"])
        record(order, OperationKind.REVERSE, actor=actor, amount=amount)
    return order


def order_refund(*, order_pk: int, amount: int, actor: Actor, external_refund_id: str = "") -> Order:
    """Refund part or all (`amount` 0) of a remitted order; status 4 once all is refunded.

    Raises OperationRefused: 7 not remitted, not paid or above what is left; 5 `external_refund_id`
    reused with another amount. Idempotent per `external_refund_id`: a repeat refunds nothing more.
    """
    key = f"refund:{external_refund_id}" if external_refund_id else None
    with transaction.atomic():
        order = lock_order(order_pk)
        if key and (done := order.operations.filter(idempotency_key=key).first()):
            if amount not in (0, done.amount):
                raise OperationRefused(
                    ErrorCode.BAD_VALUE, _("This externalRefundId was already used for another amount.")
                )
            return order  # a retried request gets the first answer, not a second refund
        if order.status == OrderStatus.DEPOSITED and not order.is_remitted:
            raise OperationRefused(
                ErrorCode.BAD_STATE, _("The order has not been remitted to the bank yet: cancel it instead.")
            )
        check_transition(order, OperationKind.REFUND)
        left = order.refundable_amount
        amount = amount or left
        if amount > left:
            raise OperationRefused(
                ErrorCode.BAD_STATE,
                _("The amount %(amount)s exceeds what is left to refund (%(left)s).")
                % {"amount": amount, "left": left},
            )
        order.refunded_amount += amount  # safe: we hold the row lock
        if order.refunded_amount == order.deposited_amount:
            order.status = OrderStatus.REFUNDED
        order.save(update_fields=["refunded_amount", "status", "updated_at"])
        record(order, OperationKind.REFUND, actor=actor, amount=amount, idempotency_key=key)
    return order


def order_decline(
    *,
    order_pk: int,
    action_code: int,
    actor: Actor,
    detail: str = "",
    card: CardData | None = None,
    card_country: str = "",
    card_issuer: str = "",
    buyer_ip: str | None = None,
) -> Order:
    """Decline an unpaid order (status 0 or 5 -> 6) with `action_code`, keeping the refused card's facts.

    Raises OperationRefused 7 if the order is paid or closed. Not idempotent (the state guards it).
    """
    with transaction.atomic():
        order = lock_order(order_pk)
        check_transition(order, OperationKind.DECLINE)
        if card:
            store_card(order, card, country=card_country, issuer=card_issuer)
            order.buyer_ip = buyer_ip or order.buyer_ip
            order.save()
        decline_locked(order, action_code=action_code, actor=actor, detail=detail)
    return order


def decline_locked(order: Order, *, action_code: int, actor: Actor, detail: str = "") -> None:
    order.status = OrderStatus.DECLINED
    order.action_code = action_code
    order.authorizing_until = None
    order.save(update_fields=["status", "action_code", "authorizing_until", "updated_at"])
    record(order, OperationKind.DECLINE, actor=actor, success=True, action_code=action_code, detail=detail)


def is_overdue(order: Order, now: datetime | None = None) -> bool:
    """Unpaid past its expiry, and not in the middle of an authorization (its result decides)."""
    now = now or timezone.now()
    busy = order.authorizing_until is not None and order.authorizing_until > now
    return order.status in UNPAID and order.expires_at <= now and not busy


def order_expire_if_due(*, order: Order) -> Order:
    """The order as it stands now: declined first (-2007) if its time ran out while nobody looked."""
    if is_overdue(order) and order_expire(order_pk=order.pk):
        order.refresh_from_db()
    return order


def order_expire(*, order_pk: int) -> bool:
    """Decline an unpaid order whose time is up (action code -2007). Idempotent; True if it expired now."""
    with transaction.atomic():
        order = lock_order(order_pk)
        if not is_overdue(order):
            return False
        decline_locked(order, action_code=EXPIRED_ACTION_CODE, actor=SYSTEM, detail="session expired")
    return True


def orders_expire_due(*, limit: int = 10_000) -> int:
    """Expire every overdue unpaid order. Idempotent; returns how many expired."""
    due = Order.objects.filter(status__in=UNPAID, expires_at__lte=timezone.now()).values_list(
        "pk", flat=True
    )[:limit]
    return sum(order_expire(order_pk=pk) for pk in list(due))
