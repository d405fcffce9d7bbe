"""Legacy form services: start a payment after the shop's DETAIL check, and announce its outcome.

Where the outcome call runs, so a slow or dead shop never slows the buyer:
- worker mode (REDIS_URL set): the Celery task `legacy_announce`, queued on commit;
- embedded mode (eager Celery): `.delay()` would run inline in the buyer's request, so the call goes to a
  small background thread pool instead (LEGACY_EAGER_BACKGROUND, on unless a test turns it off).
Either way `legacy_announce_due` (beat, or `manage.py legacy_announce_due` from cron) is the safety net:
it decides the outcome of orders that ended without the buyer coming back, and retries failed calls.
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from payments import selectors
from payments.background import run_in_background
from payments.errors import OperationRefused
from payments.models import Order, OrderStatus
from payments.services import orders
from payments.services.authorization import ISSUER_UNAVAILABLE_ACTION_CODE
from payments.services.common import SYSTEM
from payments.services.orders import UNPAID, OrderRequest

from . import control
from .models import AnnouncementStatus, ControlAction, LegacyCall, LegacyPayment, LegacySettings
from .parsing import LegacyForm, LegacyRefused

logger = logging.getLogger(__name__)

DETAIL_TIMEOUT = 5.0  # seconds: the buyer waits for this one
# An outcome call in flight pushes next_attempt_at this far ahead, so the retry run does not send it twice.
LEASE_SECONDS = 120
DUE_BATCH = 500
NO_ATTEMPT_ACTION_CODE = -100
ABANDONED = frozenset({NO_ATTEMPT_ACTION_CODE, orders.EXPIRED_ACTION_CODE})
TECHNICAL = frozenset({ISSUER_UNAVAILABLE_ACTION_CODE})


def _setting(name: str, default: object) -> object:
    return getattr(settings, name, default)


def retry_delays() -> list[int]:
    """Seconds before each retry of an outcome call the shop did not acknowledge."""
    return list(_setting("LEGACY_RETRY_DELAYS", [60, 300, 1800, 7200]))  # type: ignore[call-overload]


def legacy_payment_start(*, form: LegacyForm, language: str, return_url: str) -> Order:
    """The order to pay for the shop's form, registered once the shop's DETAIL answer confirms the amount.

    Raises LegacyRefused (unknown affilie, currency not allowed, reference already used, DETAIL failed).
    Idempotent for a form posted again while its order waits for payment: the same order comes back.
    """
    legacy = (
        LegacySettings.objects.select_related("merchant")
        .filter(affilie=form.affilie, enabled=True, merchant__is_active=True)
        .first()
    )
    if legacy is None:
        raise LegacyRefused(_("This shop is not known to the payment gateway (affilie)."))
    existing = selectors.order_by_order_number(merchant=legacy.merchant, order_number=form.reference)
    if existing is not None:
        return _resume(existing, form)
    try:
        orders.terminal_for(merchant=legacy.merchant, currency=form.currency)  # before bothering the shop
    except OperationRefused as refused:  # its message names the numeric code: legacy shops know TND
        message = _("The currency %(currency)s is not accepted by this shop.")
        raise LegacyRefused(message % {"currency": form.currency.alpha_code}) from refused
    call = detail_check(legacy=legacy, form=form)
    request = OrderRequest(
        order_number=form.reference,
        amount=form.amount,
        currency=form.currency,
        return_url=return_url,
        fail_url=return_url,  # the same gateway page: it sends the buyer on by the order's status
        language=language,
        json_params={"sid": form.sid} if form.sid else {},
    )
    try:
        with transaction.atomic():
            order = orders.order_register(merchant=legacy.merchant, request=request, actor=SYSTEM)
            payment = LegacyPayment.objects.create(
                order=order, settings=legacy, reference=form.reference, sid=form.sid
            )
            LegacyCall.objects.filter(pk=call.pk).update(payment=payment)
    except OperationRefused as refused:  # the same form posted twice at once: one of them wins
        raise LegacyRefused(refused.message) from refused
    return order


def _resume(order: Order, form: LegacyForm) -> Order:
    same = order.amount == form.amount and order.currency_id == form.currency.pk
    if same and order.status in UNPAID and LegacyPayment.objects.filter(order=order).exists():
        return order  # the buyer posted the shop's form again (back button, reload)
    raise LegacyRefused(_("This order reference was already used for a payment. Go back to the shop."))


def detail_check(*, legacy: LegacySettings, form: LegacyForm) -> LegacyCall:
    """Ask the shop the order's amount (Action=DETAIL) and compare it with Montant; the call is recorded.

    Raises LegacyRefused when the shop cannot be reached, answers something else, or another amount.
    """
    answer = control.call(
        url=legacy.control_url,
        params={"Reference": form.reference, "Action": ControlAction.DETAIL},
        timeout=float(_setting("LEGACY_DETAIL_TIMEOUT", DETAIL_TIMEOUT)),  # type: ignore[arg-type]
    )
    amount = answer.detail_amount(reference=form.reference)
    matches = amount == form.montant
    call = _record(legacy, None, form.reference, ControlAction.DETAIL, answer, accepted=matches)
    if answer.http_status is None:
        raise LegacyRefused(
            _("The shop could not be reached to confirm your order. No payment was made: try again later."),
            status=502,
        )
    if amount is None:
        raise LegacyRefused(
            _("The shop's confirmation of your order could not be read. No payment was made."), status=502
        )
    if amount != form.montant:
        raise LegacyRefused(
            _("The amount does not match the shop's order. No payment was made: go back to the shop.")
        )
    return call


def _record(
    legacy: LegacySettings,
    payment: LegacyPayment | None,
    reference: str,
    action: str,
    answer: control.ControlAnswer,
    *,
    accepted: bool,
) -> LegacyCall:
    return LegacyCall.objects.create(
        settings=legacy,
        payment=payment,
        reference=reference,
        action=action,
        url=answer.url[:1024],
        http_status=answer.http_status,
        response_excerpt=answer.excerpt,
        error=answer.error,
        accepted=accepted,
        duration_ms=answer.duration_ms,
    )


def outcome_action(order: Order) -> str | None:
    """What to tell the shop about an order that has ended; None while it can still be paid."""
    if order.status in UNPAID:
        return None
    if order.approved_amount > 0 or order.status in (OrderStatus.APPROVED, OrderStatus.DEPOSITED):
        return ControlAction.ACCORD  # also when cancelled or refunded since: it was paid
    if order.action_code in TECHNICAL:
        return ControlAction.ERREUR
    if order.action_code in ABANDONED:
        return ControlAction.ANNULATION  # back to the shop, or timed out, with no refusal last
    return ControlAction.REFUS


def payment_outcome_queue(*, payment_pk: int) -> LegacyPayment:
    """Decide the outcome to announce once the order has ended, and have it sent after commit.

    Idempotent: the outcome is decided once (compare-and-set on the WAITING status); later calls change
    nothing and send nothing. Raises LegacyPayment.DoesNotExist.
    """
    payment = LegacyPayment.objects.select_related("order").get(pk=payment_pk)
    action = outcome_action(payment.order)
    if action is None or payment.status != AnnouncementStatus.WAITING:
        return payment
    now = timezone.now()
    decided = LegacyPayment.objects.filter(pk=payment_pk, status=AnnouncementStatus.WAITING).update(
        action=action, status=AnnouncementStatus.PENDING, next_attempt_at=now, updated_at=now
    )
    if decided == 1:
        transaction.on_commit(partial(announce_dispatch, payment_pk=payment_pk))
    payment.refresh_from_db()
    return payment


def announce_dispatch(*, payment_pk: int) -> None:
    """Have the outcome call made off the caller's thread in production (see the module docstring)."""
    from . import tasks  # the task calls these services: imported here to avoid an import cycle

    if settings.CELERY_TASK_ALWAYS_EAGER and _setting("LEGACY_EAGER_BACKGROUND", True):
        run_in_background(
            partial(payment_announce, payment_pk=payment_pk), label=f"legacy payment {payment_pk}"
        )
    else:  # a worker's queue; or, eager with the background off (tests), inline before returning
        tasks.legacy_announce.delay(payment_pk)


def payment_announce(*, payment_pk: int) -> LegacyCall | None:
    """Call the shop's control URL with the decided outcome if it is due, and record the call.

    Idempotent: a payment not pending, not due, or claimed by another worker at the same moment is left
    alone and None returned. Network trouble is recorded and retried later, never raised.
    """
    now = timezone.now()
    # Compare-and-set: of two workers that read the same due payment, one update wins the lease.
    lease = now + timedelta(seconds=LEASE_SECONDS)
    claimed = LegacyPayment.objects.filter(
        pk=payment_pk, status=AnnouncementStatus.PENDING, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=lease, updated_at=now)
    if claimed != 1:
        return None
    payment = LegacyPayment.objects.select_related("order", "settings").get(pk=payment_pk)
    params = {"Reference": payment.reference, "Action": payment.action}
    if payment.action == ControlAction.ACCORD:
        params["Param"] = payment.order.approval_code  # the authorization number
    answer = control.call(url=payment.settings.control_url, params=params, timeout=_call_timeout())
    accepted = answer.acknowledges(reference=payment.reference, action=payment.action)
    with transaction.atomic():
        call = _record(
            payment.settings, payment, payment.reference, payment.action, answer, accepted=accepted
        )
        _settle(payment, accepted=accepted)
    logger.info("legacy %s %s: %s", payment.action, payment.reference, answer.http_status or answer.error)
    return call


def _call_timeout() -> float:
    return float(_setting("LEGACY_CALL_TIMEOUT", 10))  # type: ignore[arg-type]


def _settle(payment: LegacyPayment, *, accepted: bool) -> None:
    delays = retry_delays()
    if accepted:
        payment.status, payment.next_attempt_at = AnnouncementStatus.DONE, None
    elif payment.attempts > len(delays):
        payment.status, payment.next_attempt_at = AnnouncementStatus.FAILED, None
    else:
        payment.next_attempt_at = timezone.now() + timedelta(seconds=delays[payment.attempts - 1])
    payment.save(update_fields=["status", "next_attempt_at", "updated_at"])


def legacy_announce_due(*, limit: int = DUE_BATCH) -> int:
    """The safety net: decide the outcome of ended orders nobody came back for, and send what is due.

    Harmless twice (the decision and the claims are compare-and-set). Returns how many calls were queued.
    """
    ended = (
        LegacyPayment.objects.filter(status=AnnouncementStatus.WAITING)
        .exclude(order__status__in=UNPAID)
        .values_list("pk", flat=True)[:limit]
    )
    for pk in list(ended):
        payment_outcome_queue(payment_pk=pk)  # queues its own call on commit (now: no transaction open)
    due = LegacyPayment.objects.filter(status=AnnouncementStatus.PENDING, next_attempt_at__lte=timezone.now())
    pks = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    for pk in pks:
        announce_dispatch(payment_pk=pk)
    return len(pks)
