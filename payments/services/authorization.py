"""Card authorization: the payment page and MOTO pay an order through here."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from payments.acquirer import AuthorizationRequest, AuthorizationResult, get_acquirer
from payments.cards import CardData
from payments.errors import ErrorCode, OperationRefused
from payments.models import AuthorizationType, OperationKind, Order, OrderStatus, ThreeDSStatus

from .common import ALLOWED_FROM, SYSTEM, Actor, check_transition, lock_order, record, store_card
from .orders import EXPIRED_ACTION_CODE, decline_locked, is_overdue

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
ATTEMPTS_EXHAUSTED_ACTION_CODE = -2013
ISSUER_UNAVAILABLE_ACTION_CODE = 910
# Long enough for a slow issuer; after it a stuck claim no longer blocks the buyer.
CLAIM_SECONDS = 90


@dataclass(frozen=True)
class ThreeDSResult:
    status: str = ThreeDSStatus.AUTHENTICATED
    eci: str = ""
    cavv: str = ""
    xid: str = ""


def order_authorize(
    *,
    order_pk: int,
    card: CardData,
    actor: Actor,
    buyer_ip: str | None = None,
    three_ds: ThreeDSResult | None = None,
    card_country: str = "",
    card_issuer: str = "",
) -> Order:
    """Ask the acquirer to authorize the order with `card` (its country and issuer from the BIN table).

    A decline is not an exception: the order comes back with the decline's action code, still payable
    (status 0) until the third declined attempt declines it (status 6). Raises OperationRefused (7) when
    the order cannot be paid now: expired (it is then declined with -2007), paid, declined, or already
    being authorized by another request. Not idempotent: each call is one attempt.
    """
    refusal, request = _claim(order_pk, card, three_ds or ThreeDSResult())
    if refusal:
        raise refusal
    try:
        result = get_acquirer().authorize(request)
    except Exception:  # the issuer link failed: answer the buyer, never a half-done order
        logger.exception("acquirer failed for order %s", request.order_id)
        result = AuthorizationResult(approved=False, action_code=ISSUER_UNAVAILABLE_ACTION_CODE)
    with transaction.atomic():
        order = lock_order(order_pk)
        _apply(
            order,
            card=card,
            result=result,
            actor=actor,
            buyer_ip=buyer_ip,
            three_ds=three_ds,
            card_country=card_country,
            card_issuer=card_issuer,
        )
    return order


def _claim(
    order_pk: int, card: CardData, three_ds: ThreeDSResult
) -> tuple[OperationRefused | None, AuthorizationRequest]:
    now = timezone.now()
    with transaction.atomic():
        order = lock_order(order_pk)
        request = AuthorizationRequest(
            order_id=str(order.order_id),
            terminal_id=order.terminal.terminal_id if order.terminal_id else "",
            amount=order.amount,
            currency=order.currency_id,
            card=card,
            eci=three_ds.eci,
            cavv=three_ds.cavv,
            xid=three_ds.xid,
        )
        if is_overdue(order, now):
            decline_locked(order, action_code=EXPIRED_ACTION_CODE, actor=SYSTEM, detail="session expired")
            return OperationRefused(
                ErrorCode.BAD_STATE, _("The time to pay this order has run out.")
            ), request
        if order.status == OrderStatus.DECLINED and order.attempts >= MAX_ATTEMPTS:
            return OperationRefused(
                ErrorCode.BAD_STATE, _("The number of payment attempts for this order is exhausted.")
            ), request
        try:
            check_transition(order, OperationKind.AUTHORIZE)
        except OperationRefused as refusal:
            return refusal, request
        if order.authorizing_until and order.authorizing_until > now:
            return OperationRefused(
                ErrorCode.BAD_STATE, _("A payment for this order is already being processed.")
            ), request
        order.authorizing_until = now + timedelta(seconds=CLAIM_SECONDS)
        order.save(update_fields=["authorizing_until", "updated_at"])
    return None, request


def _apply(
    order: Order,
    *,
    card: CardData,
    result: AuthorizationResult,
    actor: Actor,
    buyer_ip: str | None,
    three_ds: ThreeDSResult | None,
    card_country: str,
    card_issuer: str,
) -> None:
    now = timezone.now()
    if order.status not in ALLOWED_FROM[OperationKind.AUTHORIZE]:  # cannot happen while the claim holds
        logger.error("order %s changed during its authorization; result %s ignored", order.order_id, result)
        return
    store_card(order, card, country=card_country, issuer=card_issuer)
    order.buyer_ip = buyer_ip or order.buyer_ip
    if three_ds:
        order.three_ds_status = three_ds.status
        order.eci, order.cavv, order.xid = three_ds.eci, three_ds.cavv, three_ds.xid
    order.action_code = result.action_code
    order.authorizing_until = None
    if result.approved:
        order.approval_code = result.approval_code
        order.reference_number = result.reference_number
        order.approved_amount = order.amount
        order.authorized_at = now
        if order.authorization_type == AuthorizationType.TWO_PHASE:
            order.status = OrderStatus.APPROVED
        else:
            order.status = OrderStatus.DEPOSITED
            order.deposited_amount = order.amount
            order.deposited_at = now
    else:
        order.attempts += 1
        order.status = OrderStatus.DECLINED if order.attempts >= MAX_ATTEMPTS else OrderStatus.REGISTERED
    order.save()
    record(
        order,
        OperationKind.AUTHORIZE,
        actor=actor,
        success=result.approved,
        amount=order.amount,
        action_code=result.action_code,
        detail=order.masked_pan,
    )
