"""Support's "view as merchant": the merchant's back-office, read-only, marked on every page and logged."""

import pytest
from django.contrib.auth import get_user_model

from backoffice.models import AuditAction, AuditEvent, Role
from payments.models import OrderStatus
from tests.backoffice.conftest import make_staff
from tests.factories import make_merchant, make_order

from .conftest import client_for

pytestmark = pytest.mark.django_db


def start(client, merchant):  # type: ignore[no-untyped-def]
    response = client.post(f"/admin/payments/merchant/{merchant.pk}/view-as/")
    assert response.status_code == 302 and response["Location"] == "/mportal/"


def test_view_as_merchant_is_read_only_marked_and_logged(agent_client, agent):
    merchant = make_merchant()
    order = make_order(merchant=merchant, status=OrderStatus.DEPOSITED, amount=5_000, remitted=True)
    other = make_order(status=OrderStatus.DEPOSITED)
    start(agent_client, merchant)
    started = AuditEvent.objects.get(action=AuditAction.SUPPORT_VIEW_START)
    assert (started.merchant, started.user) == (merchant, agent)

    page = agent_client.get("/mportal/orders/").content.decode()
    assert "data-support-view" in page and merchant.name in page and order.order_number in page
    assert other.order_number not in page
    detail = agent_client.get(f"/mportal/orders/{order.order_id}/")
    assert detail.status_code == 200 and "data-support-view" in detail.content.decode()
    assert agent_client.get(f"/mportal/orders/{other.order_id}/").status_code == 404

    for url, data in [
        (f"/mportal/orders/{order.order_id}/cancel/", {}),
        (f"/mportal/orders/{order.order_id}/refund/", {"amount": "1", "key": "a" * 32}),
        (f"/mportal/orders/{order.order_id}/blacklist/", {"reason": "x"}),
        ("/mportal/contract/callback-key/", {}),
        ("/mportal/moto/", {}),
        ("/mportal/exports/", {}),
    ]:
        assert agent_client.post(url, data).status_code == 403, url
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.DEPOSITED, 0)
    merchant.refresh_from_db()
    assert merchant.callback_key == ""

    response = agent_client.post("/admin/payments/merchant/view-as/end/")
    assert response["Location"] == f"/admin/payments/merchant/{merchant.pk}/change/"
    ended = AuditEvent.objects.get(action=AuditAction.SUPPORT_VIEW_END)
    assert ended.merchant == merchant
    assert agent_client.get("/mportal/orders/")["Location"].startswith("/mportal/login/")


def test_staff_without_the_flag_do_not_get_in(agent_client):
    make_merchant()
    assert agent_client.get("/mportal/orders/")["Location"].startswith("/mportal/login/")


def test_the_flag_belongs_to_the_staff_member_who_opened_it(agent_client, agent):
    merchant = make_merchant()
    start(agent_client, merchant)
    agent.is_staff = False  # demoted meanwhile: the flag stops working
    agent.save(update_fields=["is_staff"])
    assert agent_client.get("/mportal/orders/")["Location"].startswith("/mportal/login/")


def test_view_as_needs_staff_view_permission(merchant_member_client):
    client, merchant = merchant_member_client
    assert client.post(f"/admin/payments/merchant/{merchant.pk}/view-as/").status_code == 302  # admin login
    assert not AuditEvent.objects.filter(action=AuditAction.SUPPORT_VIEW_START).exists()


@pytest.fixture
def merchant_member_client(db):  # type: ignore[no-untyped-def]
    merchant = make_merchant()
    user = make_staff(merchant=merchant, role=Role.ADMINISTRATOR)
    assert not get_user_model().objects.get(pk=user.pk).is_staff
    return client_for(user), merchant
