"""The DETAIL check against a shop on loopback: the payment starts only when the shop confirms the amount."""

import socket

import pytest

from payments.legacy.models import ControlAction, LegacyCall
from payments.models import Order

pytestmark = pytest.mark.django_db

URL = "/clicktopay/"
FORM = {"Reference": "CMD-2001", "Montant": "12.500", "Devise": "TND", "sid": "s-77", "affilie": "0870001"}


def test_matching_amount_starts_the_payment_and_the_check_is_recorded(client, legacy, shop):
    shop.amounts["CMD-2001"] = "12.500"
    response = client.post(URL, FORM)
    assert response.status_code == 302
    assert shop.received == [{"Reference": "CMD-2001", "Action": "DETAIL"}]
    call = LegacyCall.objects.get()
    order = Order.objects.get()
    assert call.action == ControlAction.DETAIL and call.accepted and call.http_status == 200
    assert call.payment == order.legacy_payment
    assert call.response_excerpt == "Reference=CMD-2001&Action=DETAIL&Reponse=12.500"
    assert call.url.startswith(shop.url + "?Reference=CMD-2001&Action=DETAIL")


@pytest.mark.parametrize("answer", ["12.5", "12.500\n", "12"])
def test_same_amount_written_otherwise_matches(client, legacy, shop, answer):
    shop.amounts["CMD-2001"] = answer
    response = client.post(URL, FORM | {"Montant": "12.500" if answer != "12" else "12.000"})
    assert response.status_code == 302


def test_control_url_with_its_own_query_keeps_it(client, legacy, shop):
    legacy.control_url = shop.url + "?module=clictopay"
    legacy.save()
    shop.amounts["CMD-2001"] = "12.500"
    assert client.post(URL, FORM).status_code == 302
    assert shop.received[0] == {"module": "clictopay", "Reference": "CMD-2001", "Action": "DETAIL"}


@pytest.mark.parametrize("answer", ["12.400", "12.5001", "13"])
def test_other_amount_aborts_with_a_clear_page_and_no_order(client, legacy, shop, answer):
    shop.amounts["CMD-2001"] = answer
    response = client.post(URL, FORM, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "The amount does not match the shop" in response.content.decode()
    assert not Order.objects.exists()
    assert not LegacyCall.objects.get().accepted


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("Reference=CMD-9999&Action=DETAIL&Reponse=12.500", 200),  # another order's answer
        ("Reference=CMD-2001&Action=ACCORD&Reponse=12.500", 200),
        ("Reference=CMD-2001&Action=DETAIL&Reponse=", 200),
        ("Reference=CMD-2001&Action=DETAIL&Reponse=-12.500", 200),
        ("Reference=CMD-2001&Action=DETAIL&Reponse=12,500", 200),
        ("<html><body>Fatal error</body></html>", 200),
        ("", 200),
        ("Reference=CMD-2001&Action=DETAIL&Reponse=12.500", 500),
        ("Reference=CMD-2001&Action=DETAIL&Reponse=12.500", 302),
    ],
)
def test_malformed_answer_aborts_the_payment(client, legacy, shop, body, status):
    shop.bodies.append(body)
    shop.status = status
    response = client.post(URL, FORM, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 502
    assert "could not be read" in response.content.decode()
    assert not Order.objects.exists()
    assert LegacyCall.objects.get().http_status == status


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_shop_aborts_the_payment(client, legacy):
    legacy.control_url = f"http://127.0.0.1:{_closed_port()}/control.php"
    legacy.save()
    response = client.post(URL, FORM, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 502
    assert "could not be reached" in response.content.decode()
    assert not Order.objects.exists()
    call = LegacyCall.objects.get()
    assert call.http_status is None and "Connection refused" in call.error


def test_slow_shop_times_out_and_aborts_the_payment(client, legacy, shop, settings):
    settings.LEGACY_DETAIL_TIMEOUT = 0.3
    shop.delay = 1.0
    shop.amounts["CMD-2001"] = "12.500"
    response = client.post(URL, FORM)
    assert response.status_code == 502
    assert not Order.objects.exists()
    assert "timed out" in LegacyCall.objects.get().error


def test_control_url_that_is_not_http_is_never_opened(client, legacy):
    legacy.control_url = "file:///etc/passwd"
    legacy.save()
    assert client.post(URL, FORM).status_code == 502
    assert LegacyCall.objects.get().error == "unsupported URL scheme"
