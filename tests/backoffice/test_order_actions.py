"""Order details and its actions: cancel before remittance, refund after, blacklist; roles; no double work."""

import re
import uuid
from datetime import datetime

import pytest
from django.utils import timezone

from backoffice.models import AuditAction, AuditEvent, AuditOutcome
from fraud.models import BlacklistEntry, Decision, Fired, FraudCheck
from payments.models import OperationKind, OrderStatus
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def detail(order) -> str:  # type: ignore[no-untyped-def]
    return f"/mportal/orders/{order.order_id}/"


def form_key(client, url: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(url)
    assert page.status_code == 200
    return re.search(r'name="key" value="([0-9a-f-]{36})"', page.content.decode()).group(1)


def test_detail_shows_every_section(operator_client, merchant):
    order = make_order(
        merchant=merchant,
        status=OrderStatus.DEPOSITED,
        pan="4111111111111111",
        buyer_email="amira@example.tn",
        card_country="TN",
        buyer_ip="41.226.1.2",
    )
    FraudCheck.objects.create(order=order, decision=Decision.PASSED, ip_country="TN", card_country="TN")
    content = operator_client.get(detail(order)).content.decode()
    for text in (order.order_number, "411111**1111", "amira@example.tn", "41.226.1.2", str(order.order_id)):
        assert text in content
    assert "4111111111111111" not in content


def test_detail_shows_a_blacklist_hit(operator_client, merchant):
    order = make_order(
        merchant=merchant, status=OrderStatus.DECLINED, pan="4111111111111111", action_code=-2000
    )
    entry = BlacklistEntry.objects.create(
        merchant=merchant,
        pan_hmac=order.pan_hmac,
        pan_hmac_key_id=order.pan_hmac_key_id,
        masked_pan=order.masked_pan,
        reason="fraud",
    )
    FraudCheck.objects.create(
        order=order,
        decision=Decision.REFUSED,
        action_code=-2000,
        fired=Fired.BLACKLIST,
        blacklist_entry=entry,
    )
    content = operator_client.get(detail(order)).content.decode()
    assert "This card is on the blacklist." in content


def test_cancel_before_remittance(operator_client, merchant):
    order = make_order(merchant=merchant, status=OrderStatus.DEPOSITED)
    url = detail(order) + "cancel/"
    response = operator_client.post(url, {"key": form_key(operator_client, url)})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.REVERSED
    op = order.operations.get(kind=OperationKind.REVERSE)
    assert op.user is not None and op.actor_type == "staff"
    event = AuditEvent.objects.get(action=AuditAction.ORDER_CANCEL)
    assert (event.outcome, event.object_id, event.merchant) == (
        AuditOutcome.SUCCESS,
        str(order.order_id),
        merchant,
    )


def test_cancel_twice_cancels_once(operator_client, merchant):
    order = make_order(merchant=merchant, status=OrderStatus.DEPOSITED)
    url = detail(order) + "cancel/"
    key = form_key(operator_client, url)
    operator_client.post(url, {"key": key})
    operator_client.post(url, {"key": key})
    assert order.operations.filter(kind=OperationKind.REVERSE).count() == 1


def test_cancel_is_not_offered_after_remittance_and_says_why(operator_client, merchant, settings):
    settings.LANGUAGE_CODE = "fr"  # the portal's default language, with its formats
    order = make_order(
        merchant=merchant,
        status=OrderStatus.DEPOSITED,
        remitted=True,
        remitted_at=timezone.make_aware(datetime(2025, 3, 12, 22, 0)),
    )
    content = operator_client.get(detail(order)).content.decode()
    assert "/cancel/" not in content
    assert "Remise en banque le 12/03/2025 : effectuez un remboursement plutôt" in content
    response = operator_client.post(detail(order) + "cancel/", {"key": str(uuid.uuid4())})
    order.refresh_from_db()
    assert order.status == OrderStatus.DEPOSITED
    assert response.status_code == 302
    assert AuditEvent.objects.get(action=AuditAction.ORDER_CANCEL).outcome == AuditOutcome.REFUSED


def test_refund_is_not_offered_before_remittance(operator_client, merchant):
    order = make_order(merchant=merchant, status=OrderStatus.DEPOSITED)
    content = operator_client.get(detail(order)).content.decode()
    assert "/refund/" not in content
    operator_client.post(detail(order) + "refund/", {"key": str(uuid.uuid4()), "amount": "1"})
    order.refresh_from_db()
    assert order.refunded_amount == 0


def test_partial_then_full_refund_after_remittance(operator_client, merchant, settings):
    settings.LANGUAGE_CODE = "fr"  # the portal's default language, with its formats
    order = make_order(merchant=merchant, status=OrderStatus.DEPOSITED, remitted=True, amount=10_500)
    url = detail(order) + "refund/"
    page = operator_client.get(url).content.decode()
    assert "10,500" in page  # what is left, in major units
    response = operator_client.post(url, {"key": form_key(operator_client, url), "amount": "4,250"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.refunded_amount, order.status) == (4_250, OrderStatus.DEPOSITED)
    operator_client.post(url, {"key": form_key(operator_client, url), "amount": "6.250"})
    order.refresh_from_db()
    assert (order.refunded_amount, order.status) == (10_500, OrderStatus.REFUNDED)
    assert (
        AuditEvent.objects.filter(action=AuditAction.ORDER_REFUND, outcome=AuditOutcome.SUCCESS).count() == 2
    )


def test_refund_above_what_is_left_is_refused(operator_client, merchant):
    order = make_order(
        merchant=merchant, status=OrderStatus.DEPOSITED, remitted=True, amount=10_500, refunded_amount=10_000
    )
    url = detail(order) + "refund/"
    response = operator_client.post(url, {"key": form_key(operator_client, url), "amount": "0.501"})
    assert response.status_code == 200
    assert "exceeds what is left" in response.content.decode()
    order.refresh_from_db()
    assert order.refunded_amount == 10_000


def test_refund_with_too_many_decimals_is_refused(operator_client, merchant):
    order = make_order(
        merchant=merchant, status=OrderStatus.DEPOSITED, remitted=True, amount=10_00, currency_code="EUR"
    )
    url = detail(order) + "refund/"
    response = operator_client.post(url, {"key": form_key(operator_client, url), "amount": "1.001"})
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.refunded_amount == 0


def test_double_submission_refunds_once(operator_client, merchant):
    order = make_order(merchant=merchant, status=OrderStatus.DEPOSITED, remitted=True, amount=10_500)
    url = detail(order) + "refund/"
    key = form_key(operator_client, url)
    first = operator_client.post(url, {"key": key, "amount": "1"})
    second = operator_client.post(url, {"key": key, "amount": "1"})
    assert first.status_code == second.status_code == 302
    order.refresh_from_db()
    assert order.refunded_amount == 1_000
    assert order.operations.filter(kind=OperationKind.REFUND).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.ORDER_REFUND).count() == 1


def test_blacklist_the_card(operator_client, merchant):
    order = make_order(merchant=merchant, status=OrderStatus.DEPOSITED, pan="4111111111111111")
    url = detail(order) + "blacklist/"
    operator_client.post(url, {"key": form_key(operator_client, url), "reason": "chargeback"})
    entry = BlacklistEntry.objects.get(merchant=merchant)
    assert (entry.pan_hmac, entry.reason) == (order.pan_hmac, "chargeback")
    assert AuditEvent.objects.get(action=AuditAction.BLACKLIST_ADD).outcome == AuditOutcome.SUCCESS
    content = operator_client.get(detail(order)).content.decode()
    assert "This card is already on the blacklist." in content


@pytest.mark.parametrize("action", ["cancel", "refund", "blacklist"])
def test_a_viewer_sees_no_action_and_cannot_post_one(viewer_client, merchant, action):
    order = make_order(
        merchant=merchant, status=OrderStatus.DEPOSITED, remitted=action == "refund", pan="4111111111111111"
    )
    content = viewer_client.get(detail(order)).content.decode()
    assert f"/{order.order_id}/{action}/" not in content  # the menu's /mportal/blacklist/ is not an action
    assert viewer_client.get(detail(order) + f"{action}/").status_code == 403
    response = viewer_client.post(
        detail(order) + f"{action}/", {"key": str(uuid.uuid4()), "amount": "1", "reason": "x"}
    )
    assert response.status_code == 403
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.DEPOSITED, 0)
    assert not BlacklistEntry.objects.exists()


def test_history_shows_who_did_what(operator_client, operator, merchant):
    order = make_order(merchant=merchant, status=OrderStatus.DEPOSITED, remitted=True)
    url = detail(order) + "refund/"
    operator_client.post(url, {"key": form_key(operator_client, url), "amount": "2"})
    content = operator_client.get(detail(order)).content.decode()
    assert operator.username in content
