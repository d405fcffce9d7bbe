"""MOTO: approved, declined by the issuer, refused by a fraud rule; never the card number stored."""

from datetime import date

import pytest
from django.apps import apps

from backoffice.models import AuditAction, AuditEvent, AuditOutcome
from fraud.models import BlacklistEntry
from payments.cards import mask_pan, pan_hmac
from payments.models import AuthorizationType, Order, OrderStatus, ThreeDSStatus

pytestmark = pytest.mark.django_db

APPROVED_PAN = "4111111111111111"
DECLINED_PAN = "4000000000009995"  # insufficient funds (116) at the simulator


def moto(client, **overrides):  # type: ignore[no-untyped-def]
    data = {
        "pan": APPROVED_PAN,
        "expiry_month": "12",
        "expiry_year": str(date.today().year + 2),
        "cvv": "123",
        "amount": "125.500",
        "currency": "TND",
        "order_number": "TEL-1",
        "buyer_email": "amira@example.tn",
    } | overrides
    return client.post("/mportal/moto/", data)


def test_moto_approved_is_paid_without_3ds(operator_client, merchant):
    response = moto(operator_client)
    order = Order.objects.get(merchant=merchant, order_number="TEL-1")
    assert response.status_code == 302 and response["Location"] == f"/mportal/orders/{order.order_id}/"
    assert (order.status, order.amount, order.authorization_type) == (
        OrderStatus.DEPOSITED,
        125_500,
        AuthorizationType.MOTO,
    )
    assert order.three_ds_status == ThreeDSStatus.NOT_APPLICABLE
    assert (order.masked_pan, order.buyer_email, order.action_code) == (
        mask_pan(APPROVED_PAN),
        "amira@example.tn",
        0,
    )
    assert AuditEvent.objects.get(action=AuditAction.MOTO).outcome == AuditOutcome.SUCCESS


def test_moto_declined_by_the_issuer_closes_the_order(operator_client, merchant):
    moto(operator_client, pan=DECLINED_PAN)
    order = Order.objects.get(merchant=merchant, order_number="TEL-1")
    assert (order.status, order.action_code) == (OrderStatus.DECLINED, 116)
    assert AuditEvent.objects.get(action=AuditAction.MOTO).outcome == AuditOutcome.FAILURE


def test_moto_refused_by_the_blacklist(operator_client, merchant):
    digest, key_id = pan_hmac(APPROVED_PAN)
    BlacklistEntry.objects.create(
        merchant=merchant,
        pan_hmac=digest,
        pan_hmac_key_id=key_id,
        masked_pan=mask_pan(APPROVED_PAN),
        reason="test",
    )
    moto(operator_client)
    order = Order.objects.get(merchant=merchant, order_number="TEL-1")
    assert (order.status, order.action_code) == (OrderStatus.DECLINED, -2000)
    assert order.fraud_checks.get().fired == "blacklist"
    assert not order.operations.filter(kind="authorize").exists()  # the issuer was never asked
    assert AuditEvent.objects.get(action=AuditAction.MOTO).outcome == AuditOutcome.REFUSED


def test_moto_in_euros_uses_two_decimals(operator_client, merchant):
    moto(operator_client, amount="10.50", currency="EUR")
    assert Order.objects.get(order_number="TEL-1").amount == 1_050
    response = moto(operator_client, amount="10.505", currency="EUR", order_number="TEL-2")
    assert response.status_code == 200 and not Order.objects.filter(order_number="TEL-2").exists()


def test_moto_twice_with_the_same_reference_charges_once(operator_client, merchant):
    moto(operator_client)
    response = moto(operator_client)
    assert response.status_code == 200
    assert Order.objects.filter(merchant=merchant, order_number="TEL-1").count() == 1


def test_moto_refuses_a_bad_card_number_and_never_echoes_it(operator_client, merchant):
    response = moto(operator_client, pan="4111111111111112")
    assert response.status_code == 200
    assert "4111111111111112" not in response.content.decode()
    assert not Order.objects.exists()


def test_moto_never_stores_the_card_number(operator_client, merchant):
    moto(operator_client)
    moto(operator_client, pan=DECLINED_PAN, order_number="TEL-2")
    for model in apps.get_models():
        text_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if f.get_internal_type() in ("CharField", "TextField", "JSONField")
        ]
        for row in model._default_manager.values_list(*text_fields) if text_fields else []:
            flat = " ".join(str(value) for value in row)
            assert APPROVED_PAN not in flat and DECLINED_PAN not in flat, model


def test_a_viewer_cannot_use_moto(viewer_client, merchant):
    assert viewer_client.get("/mportal/moto/").status_code == 403
    assert moto(viewer_client).status_code == 403
    assert not Order.objects.exists()


def test_moto_page_shows_the_form(operator_client):
    response = operator_client.get("/mportal/moto/")
    assert response.status_code == 200 and 'name="pan"' in response.content.decode()
