"""Outcome calls: retried until the shop says OK, decided by the safety net, never on the buyer's path."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from payments import background
from payments.legacy import services
from payments.legacy.models import AnnouncementStatus, LegacyPayment, LegacySettings
from payments.models import Order, OrderStatus
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def legacy_order(legacy: LegacySettings, *, status: int, **fields) -> LegacyPayment:
    order: Order = make_order(merchant=legacy.merchant, status=status, **fields)
    return LegacyPayment.objects.create(order=order, settings=legacy, reference=order.order_number)


def test_unpaid_order_has_nothing_to_announce(legacy, shop):
    payment = legacy_order(legacy, status=OrderStatus.REGISTERED)
    assert services.payment_outcome_queue(payment_pk=payment.pk).status == AnnouncementStatus.WAITING
    assert services.legacy_announce_due() == 0
    assert shop.received == []


@pytest.mark.parametrize(
    ("status", "action_code", "expected"),
    [
        (OrderStatus.DEPOSITED, 0, "ACCORD"),
        (OrderStatus.REVERSED, 0, "ACCORD"),  # cancelled since, but it was paid
        (OrderStatus.DECLINED, 5, "REFUS"),
        (OrderStatus.DECLINED, 116, "REFUS"),
        (OrderStatus.DECLINED, -2013, "REFUS"),
        (OrderStatus.DECLINED, -100, "ANNULATION"),
        (OrderStatus.DECLINED, -2007, "ANNULATION"),
        (OrderStatus.DECLINED, 910, "ERREUR"),
    ],
)
def test_outcome_follows_the_order(legacy, status, action_code, expected):
    payment = legacy_order(legacy, status=status, action_code=action_code)
    assert services.outcome_action(payment.order) == expected


def test_unacknowledged_call_is_retried_until_the_shop_says_ok(
    legacy, shop, settings, django_capture_on_commit_callbacks
):
    settings.LEGACY_RETRY_DELAYS = [0, 0]
    shop.bodies += ["Internal error", "Reference=ORD&Action=ACCORD&Reponse=KO"]
    payment = legacy_order(legacy, status=OrderStatus.DEPOSITED)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_outcome_queue(payment_pk=payment.pk)
    payment.refresh_from_db()
    assert (payment.status, payment.attempts) == (AnnouncementStatus.PENDING, 1)

    assert services.legacy_announce_due() == 1  # second try: the shop answers KO
    assert services.legacy_announce_due() == 1  # third: OK
    payment.refresh_from_db()
    assert (payment.status, payment.attempts) == (AnnouncementStatus.DONE, 3)
    assert [call.accepted for call in payment.calls.order_by("pk")] == [False, False, True]
    assert services.legacy_announce_due() == 0
    assert len(shop.received) == 3


def test_call_is_given_up_after_the_last_retry(legacy, shop, settings):
    settings.LEGACY_RETRY_DELAYS = [0]
    shop.status = 503
    payment = legacy_order(legacy, status=OrderStatus.DECLINED, action_code=5)
    services.legacy_announce_due()
    services.legacy_announce_due()
    payment.refresh_from_db()
    assert (payment.status, payment.attempts) == (AnnouncementStatus.FAILED, 2)
    assert services.legacy_announce_due() == 0


def test_retry_waits_for_its_time(legacy, shop, settings):
    settings.LEGACY_RETRY_DELAYS = [3600]
    shop.status = 500
    payment = legacy_order(legacy, status=OrderStatus.DEPOSITED)
    services.legacy_announce_due()
    assert services.legacy_announce_due() == 0
    payment.refresh_from_db()
    assert payment.next_attempt_at > timezone.now() + timedelta(minutes=59)


def test_safety_net_announces_orders_nobody_came_back_for(legacy, shop):
    paid = legacy_order(legacy, status=OrderStatus.DEPOSITED)
    past = timezone.now() - timedelta(minutes=1)
    expired = legacy_order(legacy, status=OrderStatus.DECLINED, action_code=-2007, expires_at=past)
    call_command("legacy_announce_due", stdout=open("/dev/null", "w"))  # noqa: SIM115
    received = {query["Reference"]: query["Action"] for query in shop.received}
    assert received == {paid.reference: "ACCORD", expired.reference: "ANNULATION"}


def test_call_claimed_by_another_worker_is_not_sent_twice(legacy, shop):
    payment = legacy_order(legacy, status=OrderStatus.DEPOSITED)
    services.payment_outcome_queue(payment_pk=payment.pk)  # in the test's transaction: not sent yet
    in_flight = timezone.now() + timedelta(seconds=services.LEASE_SECONDS)
    LegacyPayment.objects.filter(pk=payment.pk).update(attempts=1, next_attempt_at=in_flight)
    assert services.payment_announce(payment_pk=payment.pk) is None
    assert services.legacy_announce_due() == 0
    assert shop.received == []


# Real commits and a real background thread. serialized_rollback, as in the other such tests: a plain
# flush would recreate content types that the next serialized_rollback test loads again.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_embedded_mode_calls_a_slow_shop_in_the_background(client, legacy, shop, settings):
    settings.LEGACY_EAGER_BACKGROUND = True
    shop.delay = 1.0
    payment = legacy_order(legacy, status=OrderStatus.DECLINED, action_code=-100)
    started = time.monotonic()
    response = client.get(f"/clicktopay/return/?orderId={payment.order.order_id}")
    assert time.monotonic() - started < 0.8  # the buyer did not wait for the shop
    assert response["Location"].startswith(legacy.failure_url)
    assert background.background_drain(timeout=10)
    payment.refresh_from_db()
    assert payment.status == AnnouncementStatus.DONE
