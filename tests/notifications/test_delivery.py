"""Sending notifications to a real HTTP server on loopback: retries, dead shops, methods, replay, speed."""

import socket
import time
from datetime import date

import pytest
from django.contrib import messages
from django.db import connection

from payments import background
from payments.cards import CardData
from payments.models import OrderStatus
from payments.notifications import services, tasks
from payments.notifications.models import CallbackAttempt, CallbackDelivery, DeliveryStatus
from payments.services import authorization, orders
from payments.services.common import BUYER, SYSTEM
from tests.factories import make_merchant, make_order

KEY = "k-callback-secret"


def pay(order_pk: int) -> None:
    card = CardData(pan="5555555555554444", expiry_month=12, expiry_year=date.today().year + 3, cvv="737")
    authorization.order_authorize(order_pk=order_pk, card=card, actor=BUYER)


def reverse_with_callback(url: str, captured, **merchant_fields) -> CallbackDelivery:  # type: ignore[no-untyped-def]
    order = make_order(
        merchant=make_merchant(callback_url=url, callback_key=KEY, **merchant_fields),
        status=OrderStatus.DEPOSITED,
    )
    with captured(execute=True):
        orders.order_reverse(order_pk=order.pk, actor=SYSTEM)
    return CallbackDelivery.objects.get(order=order)


def statuses(delivery: CallbackDelivery) -> list[int | None]:
    return list(delivery.attempt_log.order_by("id").values_list("http_status", flat=True))


def closed_port_url() -> str:
    with socket.socket() as probe:  # bound then closed: nothing listens there any more
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/notify"


@pytest.mark.django_db
def test_a_shop_failing_twice_gets_the_notification_on_the_third_attempt(
    shop, django_capture_on_commit_callbacks
):
    shop.statuses = [500, 500]
    delivery = reverse_with_callback(shop.url, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.next_attempt_at is not None

    assert tasks.callbacks_retry_due() == 1  # the beat's task: second attempt, 500 again
    assert services.callbacks_retry_due() == 1  # third attempt: 200

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.DELIVERED,
        3,
        None,
    )
    assert statuses(delivery) == [500, 500, 200]
    first, *_rest, last = delivery.attempt_log.order_by("id")
    assert first.response_excerpt == "shop error 500"
    assert last.response_excerpt == "OK"
    assert [r.params for r in shop.received] == [delivery.params] * 3  # the same signed parameters each time
    assert services.callbacks_retry_due() == 0  # nothing left to send


@pytest.mark.django_db
def test_a_shop_that_never_answers_200_ends_failed_after_the_last_retry(
    shop, settings, django_capture_on_commit_callbacks
):
    settings.CALLBACK_RETRY_DELAYS = [0, 0]
    shop.statuses = [503] * 5
    delivery = reverse_with_callback(shop.url, django_capture_on_commit_callbacks)
    while services.callbacks_retry_due():
        pass
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.FAILED, 3, None)
    assert statuses(delivery) == [503, 503, 503]


@pytest.mark.django_db
def test_a_dead_shop_records_the_error_and_schedules_a_retry(settings, django_capture_on_commit_callbacks):
    settings.CALLBACK_RETRY_DELAYS = [30, 30, 30, 300]
    delivery = reverse_with_callback(closed_port_url(), django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    attempt = delivery.attempt_log.get()
    assert attempt.http_status is None
    assert "refused" in attempt.error.lower()
    assert delivery.status == DeliveryStatus.PENDING
    assert 25 <= (delivery.next_attempt_at - attempt.created_at).total_seconds() <= 35
    assert services.callbacks_retry_due() == 0  # not due for 30 s


@pytest.mark.django_db
def test_a_retry_that_is_not_due_or_already_delivered_sends_nothing(shop, django_capture_on_commit_callbacks):
    delivery = reverse_with_callback(shop.url, django_capture_on_commit_callbacks)
    assert (
        services.callback_deliver(delivery_pk=delivery.pk) is None
    )  # delivered already: the task is idempotent
    assert len(shop.received) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_merchant_method_is_used(shop, method, django_capture_on_commit_callbacks):
    delivery = reverse_with_callback(
        shop.url + "?shop=1", django_capture_on_commit_callbacks, callback_method=method
    )
    received = shop.received[0]
    assert received.method == method
    if method == "POST":  # a form body; the shop's own query stays in the URL
        assert received.content_type == "application/x-www-form-urlencoded"
        assert (received.form, received.query) == (delivery.params, {"shop": "1"})
    else:  # everything in the query, the shop's own parameter kept
        assert (received.form, received.query) == ({}, delivery.params | {"shop": "1"})


@pytest.mark.django_db
def test_a_redirect_is_not_a_delivery(shop, django_capture_on_commit_callbacks):
    shop.statuses = [302]
    delivery = reverse_with_callback(shop.url, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert statuses(delivery) == [302]
    assert delivery.status == DeliveryStatus.PENDING


@pytest.mark.django_db
def test_replay_records_a_new_attempt_even_when_delivered(shop, django_capture_on_commit_callbacks):
    delivery = reverse_with_callback(shop.url, django_capture_on_commit_callbacks)
    shop.statuses = [500]
    assert services.callback_replay(delivery=delivery).http_status == 500
    assert services.callback_replay(delivery=delivery).http_status == 200
    delivery.refresh_from_db()
    assert statuses(delivery) == [200, 500, 200]
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 3)  # the shop had it all along


@pytest.mark.django_db
def test_replay_of_a_failed_delivery_that_succeeds_marks_it_delivered(
    settings, shop, django_capture_on_commit_callbacks
):
    settings.CALLBACK_RETRY_DELAYS = []
    shop.statuses = [500]
    delivery = reverse_with_callback(shop.url, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    services.callback_replay(delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert statuses(delivery) == [500, 200]


@pytest.mark.django_db
def test_admin_replay_action_sends_again(admin_client, shop, django_capture_on_commit_callbacks):
    delivery = reverse_with_callback(shop.url, django_capture_on_commit_callbacks)
    response = admin_client.post(
        "/admin/notifications/callbackdelivery/",
        {"action": "replay", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert [m.level for m in response.context["messages"]] == [messages.SUCCESS]
    assert statuses(delivery) == [200, 200]
    page = admin_client.get(f"/admin/notifications/callbackdelivery/{delivery.pk}/change/")
    assert page.status_code == 200
    assert page.content.count(b'<td class="field-http_status">') == 2  # both attempts listed


# Real commits and a real background thread: the buyer's request must not wait for the shop.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_slow_shop_never_slows_the_buyer(settings, shop):
    settings.CALLBACK_EAGER_BACKGROUND = True
    shop.delay = 3.0
    order = make_order(merchant=make_merchant(callback_url=shop.url, callback_key=KEY))
    started = time.monotonic()
    pay(order.pk)
    assert time.monotonic() - started < 1.0
    assert background.background_drain(timeout=15)
    attempt = CallbackAttempt.objects.get(delivery__order=order)
    assert attempt.http_status == 200
    assert attempt.duration_ms >= 2900
    if connection.vendor == "sqlite":
        connection.close()  # nothing to do for in-memory SQLite; keeps PostgreSQL's connection count tidy
