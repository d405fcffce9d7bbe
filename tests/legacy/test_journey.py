"""A buyer's whole journey through the test client: shop form, DETAIL, card page, outcome call, shop page."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from payments.legacy.models import AnnouncementStatus, ControlAction, LegacyCall, LegacyPayment
from payments.models import Order, OrderStatus

pytestmark = pytest.mark.django_db

FORM = {
    "Reference": "CMD-3001",
    "Montant": "25.750",
    "Devise": "TND",
    "sid": "PHPSESSID-42",
    "affilie": "0870001",
}
CARD = {"expiry": "12/30", "cvv": "123", "cardholder_name": "Amira Ben Salah"}


def start(client: Client, shop, lang: str = "fr") -> tuple[Order, str]:
    shop.amounts[FORM["Reference"]] = FORM["Montant"]
    response = client.post("/clicktopay/", FORM, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 302 and "/payment/merchants/" in response["Location"]
    assert client.get(response["Location"]).status_code == 200  # the card form
    return Order.objects.get(order_number=FORM["Reference"]), response["Location"]


def back_to_shop(client: Client, order: Order, django_capture_on_commit_callbacks) -> str:
    """Press "back to the shop" and follow the gateway's return: where the buyer's browser ends."""
    response = client.post(f"/payment/back/{order.order_id}/", {"lang": "fr"})
    assert response.status_code == 302
    gateway_return = response["Location"]
    assert gateway_return.startswith("http://testserver/clicktopay/return/?orderId=")
    with django_capture_on_commit_callbacks(execute=True):
        final = client.get(gateway_return)
    assert final.status_code == 302
    return final["Location"]


def test_paid_order_is_announced_with_its_approval_code_and_the_buyer_ends_at_the_success_url(
    client, legacy, shop, django_capture_on_commit_callbacks
):
    order, page = start(client, shop)
    paid = client.post(page, {"pan": "4111111111111111", **CARD})
    assert paid.status_code == 302 and "/payment/result/" in paid["Location"]  # the ticket
    order.refresh_from_db()
    assert order.status == OrderStatus.DEPOSITED and order.approval_code

    landing = back_to_shop(client, order, django_capture_on_commit_callbacks)

    assert landing == "https://shop.example.tn/paiement/ok.php?Reference=CMD-3001&sid=PHPSESSID-42"
    assert shop.received[-1] == {"Reference": "CMD-3001", "Action": "ACCORD", "Param": order.approval_code}
    payment = LegacyPayment.objects.get()
    assert (payment.action, payment.status, payment.attempts) == ("ACCORD", AnnouncementStatus.DONE, 1)
    call = payment.calls.get(action=ControlAction.ACCORD)
    assert call.accepted and call.http_status == 200
    assert call.response_excerpt == "Reference=CMD-3001&Action=ACCORD&Reponse=OK"


def test_three_declined_attempts_are_announced_as_refus_and_end_at_the_failure_url(
    client, legacy, shop, django_capture_on_commit_callbacks
):
    order, page = start(client, shop, lang="en")
    for _attempt in range(3):
        client.post(page, {"pan": "4000000000000002", **CARD})
    order.refresh_from_db()
    assert order.status == OrderStatus.DECLINED and order.action_code == 5

    landing = back_to_shop(client, order, django_capture_on_commit_callbacks)

    assert landing == "https://shop.example.tn/paiement/echec.php?step=3&Reference=CMD-3001&sid=PHPSESSID-42"
    assert shop.received[-1] == {"Reference": "CMD-3001", "Action": "REFUS"}
    assert LegacyPayment.objects.get().status == AnnouncementStatus.DONE


def test_buyer_going_back_without_paying_is_announced_as_annulation(
    client, legacy, shop, django_capture_on_commit_callbacks
):
    order, _page = start(client, shop)
    landing = back_to_shop(client, order, django_capture_on_commit_callbacks)
    order.refresh_from_db()
    assert order.status == OrderStatus.DECLINED and order.action_code == -100
    assert urlsplit(landing).path == "/paiement/echec.php"
    assert shop.actions() == ["DETAIL", "ANNULATION"]


def test_one_decline_then_going_back_is_refus(client, legacy, shop, django_capture_on_commit_callbacks):
    order, page = start(client, shop)
    client.post(page, {"pan": "4000000000000002", **CARD})
    back_to_shop(client, order, django_capture_on_commit_callbacks)
    assert shop.actions()[-1] == "REFUS"


def test_issuer_unavailable_is_announced_as_erreur(client, legacy, shop, django_capture_on_commit_callbacks):
    order, page = start(client, shop)
    for _attempt in range(3):
        client.post(page, {"pan": "4000000000000119", **CARD})  # 910 issuer unavailable
    back_to_shop(client, order, django_capture_on_commit_callbacks)
    assert shop.actions()[-1] == "ERREUR"


def test_return_is_announced_once_however_often_the_buyer_comes_back(
    client, legacy, shop, django_capture_on_commit_callbacks
):
    order, _page = start(client, shop)
    back_to_shop(client, order, django_capture_on_commit_callbacks)
    again = back_to_shop(client, order, django_capture_on_commit_callbacks)
    assert urlsplit(again).path == "/paiement/echec.php"
    assert shop.actions() == ["DETAIL", "ANNULATION"]
    assert LegacyCall.objects.filter(action=ControlAction.ANNULATION).count() == 1


def test_return_by_post_form_passes_through_the_gateway_too(
    client, legacy, shop, django_capture_on_commit_callbacks
):
    legacy.merchant.return_method = "POST"
    legacy.merchant.save()
    order, _page = start(client, shop)
    form = client.post(f"/payment/back/{order.order_id}/", {"lang": "fr"})
    assert 'action="http://testserver/clicktopay/return/"' in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        final = Client(enforce_csrf_checks=True).post(
            "/clicktopay/return/", {"orderId": str(order.order_id), "lang": "fr"}
        )
    assert final.status_code == 302 and final["Location"].startswith(legacy.failure_url)
    assert shop.actions()[-1] == "ANNULATION"


def test_return_before_the_end_sends_the_buyer_back_to_the_payment_page(client, legacy, shop):
    order, page = start(client, shop)
    response = client.get(f"/clicktopay/return/?orderId={order.order_id}&lang=fr")
    assert response.status_code == 302 and response["Location"] == page
    assert shop.actions() == ["DETAIL"]


@pytest.mark.parametrize("order_id", ["", "nope", "00000000-0000-0000-0000-000000000000"])
def test_return_for_an_unknown_order_is_404(client, order_id):
    assert client.get(f"/clicktopay/return/?orderId={order_id}").status_code == 404


def test_return_for_an_order_not_started_by_the_legacy_form_is_404(client, legacy):
    from tests.factories import make_order

    order = make_order(merchant=legacy.merchant, status=OrderStatus.DEPOSITED)
    assert client.get(f"/clicktopay/return/?orderId={order.order_id}").status_code == 404


def test_sid_is_left_out_of_the_return_when_the_shop_sent_none(
    client, legacy, shop, django_capture_on_commit_callbacks
):
    shop.amounts["CMD-3001"] = "25.750"
    client.post("/clicktopay/", FORM | {"sid": ""})
    order = Order.objects.get()
    landing = back_to_shop(client, order, django_capture_on_commit_callbacks)
    assert parse_qs(urlsplit(landing).query) == {"step": ["3"], "Reference": ["CMD-3001"]}
