"""Each order service, run for real, announces the right event (or none) to a shop with a callback URL."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from payments.cards import CardData
from payments.models import ActorType, Order, OrderStatus
from payments.notifications import services
from payments.notifications.events import checksum
from payments.notifications.models import CallbackDelivery, DeliveryStatus
from payments.services import authentication, authorization, orders
from payments.services.common import BUYER, SYSTEM, Actor
from tests.factories import make_api_account, make_merchant, make_order

pytestmark = pytest.mark.django_db

KEY = "k-callback-secret"
APPROVED_PAN = "5555555555554444"
DO_NOT_HONOUR_PAN = "4000000000000002"


def card(pan: str = APPROVED_PAN) -> CardData:
    return CardData(pan=pan, expiry_month=12, expiry_year=date.today().year + 3, cvv="737")


@pytest.fixture
def merchant(shop):  # type: ignore[no-untyped-def]
    return make_merchant(callback_url=shop.url, callback_key=KEY)


def deliveries(order: Order) -> list[CallbackDelivery]:
    return list(CallbackDelivery.objects.filter(order=order).order_by("id"))


def only_event(order: Order) -> CallbackDelivery:
    found = deliveries(order)
    assert len(found) == 1, [d.event for d in found]
    return found[0]


def test_register_announces_nothing(merchant, shop, django_capture_on_commit_callbacks):
    actor = Actor(type=ActorType.API, api_account=make_api_account(merchant=merchant))
    request = orders.OrderRequest(
        order_number="CMD-1", amount=10_500, return_url="https://shop.example.tn/ok"
    )
    with django_capture_on_commit_callbacks(execute=True):
        order = orders.order_register(merchant=merchant, request=request, actor=actor)
    assert deliveries(order) == []
    assert shop.received == []


def test_one_phase_authorization_announces_deposited(merchant, shop, django_capture_on_commit_callbacks):
    order = make_order(merchant=merchant, amount=10_500)
    with django_capture_on_commit_callbacks(execute=True):
        authorization.order_authorize(order_pk=order.pk, card=card(), actor=BUYER)
    delivery = only_event(order)
    assert delivery.event == "deposited"
    assert delivery.status == DeliveryStatus.DELIVERED
    sent = shop.received[0].params
    assert sent == {
        "mdOrder": str(order.order_id),
        "orderNumber": order.order_number,
        "operation": "deposited",
        "status": "1",
        "amount": "10500",
        "checksum": checksum(sent, KEY),
    }
    assert delivery.params == sent  # what was recorded is what the shop got


def test_two_phase_authorization_announces_approved(merchant, django_capture_on_commit_callbacks):
    order = make_order(merchant=merchant, two_phase=True)
    with django_capture_on_commit_callbacks(execute=True):
        authorization.order_authorize(order_pk=order.pk, card=card(), actor=BUYER)
    assert only_event(order).event == "approved"
    assert only_event(order).params["status"] == "1"


def test_deposit_announces_deposited_with_the_deposited_amount(merchant, django_capture_on_commit_callbacks):
    order = make_order(merchant=merchant, status=OrderStatus.APPROVED, two_phase=True, amount=9_000)
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_deposit(order_pk=order.pk, amount=7_000, actor=SYSTEM)
    delivery = only_event(order)
    assert (delivery.event, delivery.params["amount"], delivery.params["status"]) == (
        "deposited",
        "7000",
        "1",
    )


def test_reverse_announces_reversed(merchant, django_capture_on_commit_callbacks):
    order = make_order(merchant=merchant, status=OrderStatus.DEPOSITED)
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_reverse(order_pk=order.pk, actor=SYSTEM)
    assert only_event(order).event == "reversed"


def test_each_partial_refund_announces_refunded(merchant, django_capture_on_commit_callbacks):
    order = make_order(merchant=merchant, status=OrderStatus.DEPOSITED, remitted=True, amount=10_000)
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_refund(order_pk=order.pk, amount=4_000, actor=SYSTEM)
        orders.order_refund(order_pk=order.pk, amount=6_000, actor=SYSTEM)
    found = deliveries(order)
    assert [(d.event, d.params["amount"]) for d in found] == [("refunded", "4000"), ("refunded", "6000")]


def test_expiry_announces_declined_by_timeout(merchant, django_capture_on_commit_callbacks):
    order = make_order(merchant=merchant, expires_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert orders.order_expire(order_pk=order.pk)
    delivery = only_event(order)
    assert (delivery.event, delivery.params["status"], delivery.params["amount"]) == (
        "declinedByTimeout",
        "0",
        "0",
    )


def test_another_decline_announces_declined(merchant, django_capture_on_commit_callbacks):
    order = make_order(merchant=merchant)
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_decline(order_pk=order.pk, action_code=-2013, actor=SYSTEM)
    assert only_event(order).event == "declined"


def test_only_the_third_declined_attempt_announces_declined(merchant, django_capture_on_commit_callbacks):
    order = make_order(merchant=merchant, amount=5_000)
    for _attempt in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            authorization.order_authorize(order_pk=order.pk, card=card(DO_NOT_HONOUR_PAN), actor=BUYER)
    assert deliveries(order) == []  # still payable: nothing to tell the shop yet
    with django_capture_on_commit_callbacks(execute=True):
        order = authorization.order_authorize(order_pk=order.pk, card=card(DO_NOT_HONOUR_PAN), actor=BUYER)
    assert order.status == OrderStatus.DECLINED
    delivery = only_event(order)
    assert (delivery.event, delivery.params["status"], delivery.params["amount"]) == ("declined", "0", "5000")


def test_the_third_failed_3ds_authentication_announces_declined(merchant, django_capture_on_commit_callbacks):
    order = make_order(merchant=merchant)
    for _attempt in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            authentication.order_authentication_start(
                order_pk=order.pk, actor=BUYER, masked_pan="520000******1096"
            )
            order = authentication.order_authentication_fail(
                order_pk=order.pk, actor=BUYER, masked_pan="520000******1096"
            )
    assert order.status == OrderStatus.DECLINED
    assert only_event(order).event == "declined"


def test_no_delivery_when_the_merchant_has_no_callback_url(django_capture_on_commit_callbacks):
    order = make_order(merchant=make_merchant(callback_url=""))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        authorization.order_authorize(order_pk=order.pk, card=card(), actor=BUYER)
    assert not any(getattr(callback, "func", None) is services.delivery_create for callback in callbacks)
    assert deliveries(order) == []


def test_an_operation_is_never_queued_twice(merchant, shop, django_capture_on_commit_callbacks):
    order = make_order(merchant=merchant, status=OrderStatus.DEPOSITED)
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_reverse(order_pk=order.pk, actor=SYSTEM)
    delivery = only_event(order)
    again = services.delivery_create(operation_pk=delivery.operation_id, event="reversed")
    assert again == delivery
    assert len(shop.received) == 1
