"""Notification services: queue a delivery when an operation commits, send attempts, retry, replay.

Delivery is at least once: a shop may see a notification twice (a replay, a worker that died after
sending), never zero times while retries remain. Shops deduplicate on (mdOrder, operation).

Where the HTTP request runs, so a slow or dead shop never slows the buyer's page:
- worker mode (REDIS_URL set): the Celery task `callback_deliver`, queued on commit; retries are queued
  with a countdown and, as a safety net, re-queued by the every-minute beat task `callbacks_retry_due`.
- embedded mode (eager Celery): `.delay()` would run the request inline, in the buyer's request. The
  first attempt goes to a small background thread pool instead (CALLBACK_EAGER_BACKGROUND); retries wait
  for `callbacks_retry_due` (beat, or `manage.py callbacks_retry_due` from cron), since eager Celery
  ignores countdowns.
"""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from payments.background import run_in_background
from payments.models import Operation, Order

from . import transport
from .events import event_for, signed_params
from .models import CallbackAttempt, CallbackDelivery, DeliveryStatus

logger = logging.getLogger(__name__)

# An attempt in flight pushes next_attempt_at this far ahead: longer than any request (CALLBACK_TIMEOUT),
# so the retry run does not send it twice at once, yet a worker that died mid-attempt is retried after.
LEASE_SECONDS = 120
DUE_BATCH = 500
# Longer waits are left to the beat: Redis redelivers tasks held past its visibility timeout anyway.
COUNTDOWN_LIMIT = 600

# Embedded mode only (see the module docstring). Threads start on first use, so forking servers that
# import this module before forking are unaffected.


def operation_notify(*, order: Order, operation: Operation) -> None:
    """Announce `operation` to the shop once the caller's transaction commits, if it is an event.

    Called by payments.services.common.record() only when the merchant has a callback URL; `order` carries
    the status the operation left it in. No query here: the delivery row is written on commit.
    """
    event = event_for(
        kind=operation.kind,
        success=operation.success,
        action_code=operation.action_code,
        order_status=order.status,
    )
    if event is not None:
        # robust: the payment is committed whatever happens here; a failure is logged, not shown the buyer.
        transaction.on_commit(partial(delivery_create, operation_pk=operation.pk, event=event), robust=True)


def delivery_create(*, operation_pk: int, event: str) -> CallbackDelivery | None:
    """The delivery of `event` for an operation, created and dispatched on first call.

    Idempotent: one delivery per (operation, event), so a second call neither creates nor sends. Returns
    None when the merchant no longer has a callback URL. The URL, method and signed parameters are fixed
    now: retries and replays send exactly what was recorded.
    """
    operation = Operation.objects.select_related("order__merchant").get(pk=operation_pk)
    merchant = operation.order.merchant
    if not merchant.callback_url:
        return None
    params = signed_params(order=operation.order, operation=operation, event=event, key=merchant.callback_key)
    delivery, created = CallbackDelivery.objects.get_or_create(
        operation=operation,
        event=event,
        defaults={
            "order": operation.order,
            "params": params,
            "url": merchant.callback_url,
            "method": merchant.callback_method,
            # Due at once: should the dispatch below be lost (a crash), the retry run still sends it.
            "next_attempt_at": timezone.now(),
        },
    )
    if created:
        transaction.on_commit(partial(delivery_dispatch, delivery_pk=delivery.pk))
    return delivery


def delivery_dispatch(*, delivery_pk: int) -> None:
    """Have an attempt made off the caller's thread in production (see the module docstring)."""
    from . import tasks  # the tasks call these services: imported here to avoid an import cycle

    if settings.CELERY_TASK_ALWAYS_EAGER and settings.CALLBACK_EAGER_BACKGROUND:
        run_in_background(
            partial(callback_deliver, delivery_pk=delivery_pk), label=f"notification {delivery_pk}"
        )
    else:  # a worker's queue; or, eager with the background off (tests), inline before returning
        tasks.callback_deliver.delay(delivery_pk)


def callback_deliver(*, delivery_pk: int) -> CallbackAttempt | None:
    """Make the delivery's next attempt if it is pending and due, and record it.

    Idempotent: a delivery already delivered or failed, not due yet, or claimed by another worker at the
    same moment is left alone and None returned. Network trouble is recorded, never raised.
    """
    now = timezone.now()
    delivery = CallbackDelivery.objects.filter(pk=delivery_pk).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    if not _claim(delivery, now, CallbackDelivery.objects.filter(due, status=DeliveryStatus.PENDING)):
        return None
    return _attempt(delivery)


def callback_replay(*, delivery: CallbackDelivery) -> CallbackAttempt | None:
    """A new attempt now, whatever the delivery's status (support, from the admin), recorded like any other.

    An HTTP 200 marks the delivery delivered; a failure schedules the next retry while attempts remain
    (a delivered delivery stays delivered: the shop had it). Returns None if another attempt claimed the
    delivery at the same moment. Not idempotent: each call sends once more.
    """
    delivery.refresh_from_db()
    if not _claim(delivery, timezone.now(), CallbackDelivery.objects.all()):
        return None
    return _attempt(delivery)


def callbacks_retry_due(*, limit: int = DUE_BATCH) -> int:
    """Dispatch every pending delivery whose next attempt is due. Harmless twice (the claim decides)."""
    due = CallbackDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
    pks = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    for pk in pks:
        delivery_dispatch(delivery_pk=pk)
    return len(pks)


def retry_delay(attempts: int) -> int | None:
    """Seconds before the next attempt after `attempts` made, or None when the delivery is given up."""
    delays: list[int] = settings.CALLBACK_RETRY_DELAYS
    return delays[attempts - 1] if 0 < attempts <= len(delays) else None


def _claim(delivery: CallbackDelivery, now: datetime, candidates: QuerySet[CallbackDelivery]) -> bool:
    # Compare-and-set on the attempt count: of two workers that read the same row, one update wins.
    claimed = candidates.filter(pk=delivery.pk, attempts=delivery.attempts).update(
        attempts=F("attempts") + 1, next_attempt_at=now + timedelta(seconds=LEASE_SECONDS), updated_at=now
    )
    delivery.attempts += 1
    return claimed == 1


def _attempt(delivery: CallbackDelivery) -> CallbackAttempt:
    started = timezone.now()
    response = transport.send(
        url=delivery.url, method=delivery.method, params=delivery.params, timeout=settings.CALLBACK_TIMEOUT
    )
    with transaction.atomic():
        current = CallbackDelivery.objects.select_for_update().get(pk=delivery.pk)
        attempt = CallbackAttempt.objects.create(
            delivery=current,
            created_at=started,
            http_status=response.http_status,
            response_excerpt=response.excerpt,
            error=response.error,
            duration_ms=response.duration_ms,
        )
        delay = _settle(current, succeeded=response.http_status == 200)
        current.save(update_fields=["status", "next_attempt_at", "updated_at"])
        if delay is not None:
            transaction.on_commit(partial(_retry_later, delivery_pk=current.pk, delay=delay))
    logger.info(
        "notification %s (%s) attempt %s: %s",
        delivery.pk,
        delivery.event,
        current.attempts,
        response.http_status or response.error,
    )
    return attempt


def _settle(delivery: CallbackDelivery, *, succeeded: bool) -> int | None:
    """Set the locked delivery's status after an attempt; the delay before a retry, if one is due."""
    if succeeded or delivery.status == DeliveryStatus.DELIVERED:  # a failed replay: the shop had it already
        delivery.status, delivery.next_attempt_at = DeliveryStatus.DELIVERED, None
        return None
    delay = retry_delay(delivery.attempts)
    if delay is None:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        return None
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    return delay


def _retry_later(*, delivery_pk: int, delay: int) -> None:
    # Eager Celery ignores countdowns and would retry at once in the same thread: leave it to the retry run.
    if settings.CELERY_TASK_ALWAYS_EAGER or delay > COUNTDOWN_LIMIT:
        return
    from . import tasks

    tasks.callback_deliver.apply_async((delivery_pk,), countdown=delay)
