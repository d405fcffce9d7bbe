"""MOTO (mail or telephone order): staff type the buyer's card; the same services as the payment page.

No 3-D Secure (the buyer is not there to authenticate), the merchant's fraud rules still apply, and the
card number lives only in memory for the length of the request.
"""

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.translation import gettext as _

from fraud.services import fraud_screen
from payments.cards import CardData
from payments.errors import OperationRefused
from payments.models import AuthorizationType, Currency, Merchant, Order, OrderStatus
from payments.services import authorization, orders

from .audit import audit_record
from .models import AuditAction, AuditOutcome
from .services import staff_actor

# MOTO has no buyer's browser to come back to; the column is required, so it says where it came from.
MOTO_RETURN_URL = "mportal:moto"


@dataclass(frozen=True)
class MotoRequest:
    card: CardData
    amount: int  # minor units of `currency`
    currency: Currency
    order_number: str
    buyer_email: str = ""


@dataclass(frozen=True)
class MotoResult:
    order: Order
    approved: bool
    message: str  # translated, for the operator


def moto_pay(*, request: HttpRequest, merchant: Merchant, moto: MotoRequest) -> MotoResult:
    """Register a MOTO order and authorize it once. Raises OperationRefused when it cannot be registered
    (order reference used, currency not allowed): nothing is written then.

    A fraud refusal or an issuer decline closes the order as declined (one attempt: the operator has
    the buyer on the line and starts again). Not idempotent, but a repeated form reuses its order
    reference, which the unique constraint refuses.
    """
    actor = staff_actor(request.user)
    json_params = {"email": moto.buyer_email} if moto.buyer_email else {}
    try:
        order = orders.order_register(
            merchant=merchant,
            request=orders.OrderRequest(
                order_number=moto.order_number,
                amount=moto.amount,
                currency=moto.currency,
                return_url=MOTO_RETURN_URL,
                json_params=json_params,
                authorization_type=AuthorizationType.MOTO,
            ),
            actor=actor,
        )
    except OperationRefused as refusal:
        _audit(request, merchant, None, AuditOutcome.REFUSED, f"{moto.order_number}: {refusal.message}")
        raise
    # No buyer address on the line: the IP rules see an unknown country, as the merchant configured.
    decision = fraud_screen(order=order, card=moto.card, buyer_ip=None)  # no buyer online
    if decision.refused:
        order = orders.order_decline(
            order_pk=order.pk,
            action_code=decision.action_code or 0,
            actor=actor,
            detail="MOTO refused by a fraud rule",
            card=moto.card,
            card_country=decision.card_country,
            card_issuer=decision.card_issuer,
        )
        _audit(request, merchant, order, AuditOutcome.REFUSED, f"fraud {decision.action_code}")
        return MotoResult(order, False, decision.message)
    order = authorization.order_authorize(
        order_pk=order.pk,
        card=moto.card,
        actor=actor,
        buyer_ip=None,
        three_ds=None,
        card_country=decision.card_country,
        card_issuer=decision.card_issuer,
    )
    approved = order.status == OrderStatus.DEPOSITED
    if not approved and order.status == OrderStatus.REGISTERED:
        # The payment page leaves room for another card; by telephone the operator starts over.
        order = orders.order_decline(
            order_pk=order.pk,
            action_code=order.action_code,
            actor=actor,
            detail="MOTO declined by the issuer",
        )
    _audit(
        request,
        merchant,
        order,
        AuditOutcome.SUCCESS if approved else AuditOutcome.FAILURE,
        str(order.action_code),
    )
    message = _("The payment is approved.") if approved else _("The payment was declined.")
    return MotoResult(order, approved, message)


def _audit(request: HttpRequest, merchant: Merchant, order: Order | None, outcome: str, detail: str) -> None:
    audit_record(
        action=AuditAction.MOTO,
        request=request,
        merchant=merchant,
        outcome=AuditOutcome(outcome),
        target=order,
        detail=detail,
    )
