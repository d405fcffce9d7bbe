"""The blacklist page ("Liste noire"), removal by administrators, the order's explained fraud indicators."""

import re
import uuid
from datetime import timedelta
from importlib.metadata import version
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from backoffice.models import AuditAction, AuditEvent, Role
from fraud.models import BlacklistEntry, CountryRule
from payments.models import Merchant, Order, OrderStatus, PaymentMethod
from tests.backoffice.conftest import make_staff
from tests.factories import make_merchant, make_order

pytestmark = pytest.mark.django_db

CARD = "4111111111111111"
LIST_URL = "/mportal/blacklist/"


@pytest.fixture(autouse=True)
def _english(admin_client: Client, operator_client: Client, viewer_client: Client) -> None:
    # Sentences are asserted in English; fr is the default and its catalog is being translated.
    for client in (admin_client, operator_client, viewer_client):
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def listed(
    *, merchant: Merchant, pan: str = CARD, reason: str = "chargeback", **fields: Any
) -> BlacklistEntry:
    order = make_order(merchant=merchant, status=OrderStatus.DEPOSITED, pan=pan)
    return BlacklistEntry.objects.create(
        merchant=merchant,
        pan_hmac=order.pan_hmac,
        pan_hmac_key_id=order.pan_hmac_key_id,
        masked_pan=order.masked_pan,
        reason=reason,
        order=order,
        **fields,
    )


def remove_url(entry: BlacklistEntry) -> str:
    return f"{LIST_URL}{entry.pk}/remove/"


def form_key(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    return re.search(r'name="key" value="([0-9a-f-]{36})"', page.content.decode()).group(1)


def payable(merchant: Merchant) -> Order:
    for contract in merchant.contracts.all():
        contract.payment_methods.set(PaymentMethod.objects.all())
    return make_order(merchant=merchant, fail_url="https://shop.example.tn/fail")


def pay(order: Order, **meta: str) -> None:
    """The buyer types the card on the hosted payment page (English), as in tests/payments."""
    buyer = Client(HTTP_ACCEPT_LANGUAGE="en")
    url = f"/payment/merchants/{order.merchant.code}/payment_en.html?mdOrder={order.order_id}"
    fields = {"pan": CARD, "expiry": "12/30", "cvv": "123", "cardholder_name": "Amira Ben Salah"}
    response = buyer.post(url, fields, **meta)
    assert response.status_code in (200, 302)
    order.refresh_from_db()


def test_every_role_sees_the_list_and_the_menu_link(admin_client, operator_client, viewer_client, merchant):
    listed(merchant=merchant, reason="stolen card reported")
    for client in (admin_client, operator_client, viewer_client):
        content = client.get(LIST_URL).content.decode()
        assert "stolen card reported" in content and "411111**1111" in content
        assert f'href="{LIST_URL}"' in content  # in the navigation


def test_list_shows_who_added_it_when_expiry_order_and_state(admin_client, merchant):
    adder = make_staff(merchant=merchant, role=Role.OPERATOR, username="leila")
    active = listed(merchant=merchant, reason="active one", added_by=adder)
    expired = listed(
        merchant=merchant,
        pan="5555555555554444",
        reason="expired one",
        created_at=timezone.now() - timedelta(days=10),
        expires_at=timezone.now() - timedelta(days=1),
    )
    removed = listed(
        merchant=merchant, pan="4000000000000002", reason="removed one", removed_at=timezone.now()
    )
    content = admin_client.get(LIST_URL).content.decode()
    assert "leila" in content
    assert (
        f'href="/mportal/orders/{active.order.order_id}/"' in content and active.order.order_number in content
    )
    for entry, state in ((active, "active"), (expired, "expired"), (removed, "removed")):
        row = re.search(rf'<tr[^>]*id="entry-{entry.pk}".*?</tr>', content, re.S).group(0)
        assert f'data-state="{state}"' in row
        assert (remove_url(entry) in row) == (state != "removed")


def test_another_merchants_entries_are_never_shown_and_their_removal_is_404(admin_client, merchant):
    mine = listed(merchant=merchant, reason="mine")
    theirs = listed(merchant=make_merchant(), pan="5555555555554444", reason="their secret reason")
    content = admin_client.get(LIST_URL).content.decode()
    assert "mine" in content and "their secret reason" not in content
    assert remove_url(theirs) not in content and "555555**4444" not in content
    assert admin_client.get(remove_url(theirs)).status_code == 404
    assert admin_client.post(remove_url(theirs), {"key": str(uuid.uuid4())}).status_code == 404
    assert admin_client.get(f"{LIST_URL}999999/remove/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.removed_at is None
    assert mine.pk != theirs.pk
    assert not AuditEvent.objects.filter(action=AuditAction.BLACKLIST_REMOVE).exists()


@pytest.mark.parametrize("role_client", ["viewer_client", "operator_client"])
def test_only_administrators_can_remove(request, merchant, role_client):
    client = request.getfixturevalue(role_client)
    entry = listed(merchant=merchant)
    content = client.get(LIST_URL).content.decode()
    assert remove_url(entry) not in content
    assert client.get(remove_url(entry)).status_code == 403
    assert client.post(remove_url(entry), {"key": str(uuid.uuid4())}).status_code == 403
    entry.refresh_from_db()
    assert entry.removed_at is None


def test_administrator_removes_through_confirmation_and_the_card_pays_again(admin_client, merchant):
    first = make_order(merchant=merchant, status=OrderStatus.DEPOSITED, pan=CARD)
    url = f"/mportal/orders/{first.order_id}/blacklist/"
    admin_client.post(url, {"key": form_key(admin_client, url), "reason": "chargeback"})
    entry = BlacklistEntry.objects.get(merchant=merchant)

    refused = payable(merchant)
    pay(refused)
    assert (refused.status, refused.action_code) == (OrderStatus.DECLINED, -2000)

    assert remove_url(entry) in admin_client.get(LIST_URL).content.decode()
    confirm = admin_client.get(remove_url(entry)).content.decode()
    assert "Confirm the removal" in confirm and "chargeback" in confirm
    entry.refresh_from_db()
    assert entry.removed_at is None  # showing the confirmation changes nothing

    response = admin_client.post(remove_url(entry), {"key": form_key(admin_client, remove_url(entry))})
    assert (response.status_code, response["Location"]) == (302, LIST_URL)
    entry.refresh_from_db()
    assert entry.removed_at is not None and entry.removed_by is not None
    assert entry.removed_by.memberships.get().role == Role.ADMINISTRATOR
    event = AuditEvent.objects.get(action=AuditAction.BLACKLIST_REMOVE)
    assert (event.merchant, event.object_id, event.user) == (merchant, str(entry.pk), entry.removed_by)
    assert 'data-state="removed"' in admin_client.get(LIST_URL).content.decode()

    again = admin_client.post(remove_url(entry), {"key": str(uuid.uuid4())}, follow=True)
    assert "This card was already off the blacklist." in again.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.BLACKLIST_REMOVE).count() == 1

    # The refusal stays explained, with the entry's state now; the card may be listed again.
    refused_page = admin_client.get(f"/mportal/orders/{refused.order_id}/").content.decode()
    assert "Refused: Card blacklisted (action code -2000)." in refused_page
    assert "Blacklist entry now</dt><dd>Removed</dd>" in refused_page
    assert f"/mportal/orders/{refused.order_id}/blacklist/" in refused_page

    paid = payable(merchant)
    pay(paid)
    assert paid.status == OrderStatus.DEPOSITED


def test_order_page_explains_a_blacklist_refusal(operator_client, merchant):
    adder = make_staff(merchant=merchant, role=Role.OPERATOR, username="karim")
    entry = listed(merchant=merchant, reason="chargeback 2025-03", added_by=adder)
    order = payable(merchant)
    pay(order)
    assert (order.status, order.action_code) == (OrderStatus.DECLINED, -2000)
    content = operator_client.get(f"/mportal/orders/{order.order_id}/").content.decode()
    assert "Refused: Card blacklisted (action code -2000)." in content
    assert "Card 411111**1111, listed on" in content
    assert "by karim, for this reason: chargeback 2025-03" in content
    assert f'href="{LIST_URL}#entry-{entry.pk}"' in content
    assert "This refused the payment." in content
    assert f"iptocc {version('iptocc')}" in content
    assert "Not checked: the blacklist had already refused the card." not in content  # no rule set
    # The card is listed: the page says so and links the list instead of offering to add it again.
    assert "This card is on the blacklist." in content
    assert f"/mportal/orders/{order.order_id}/blacklist/" not in content
    assert "{" not in re.search(r'<section class="fraud-check".*?</section>', content, re.S).group(0)


def test_order_page_explains_an_ip_country_refusal(operator_client, merchant, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    CountryRule.objects.create(merchant=merchant, ip_mode="block", ip_countries=["FR"])
    order = payable(merchant)
    pay(order, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="90.1.1.1")
    assert (order.status, order.action_code) == (OrderStatus.DECLINED, -2001)
    content = operator_client.get(f"/mportal/orders/{order.order_id}/").content.decode()
    assert "Refused: IP country rule (action code -2001)." in content
    assert "90.1.1.1, located in FR." in content
    assert "Refuse these countries: FR. When the country is unknown: Accept." in content
    assert f"iptocc {version('iptocc')}" in content
    assert "Not on the blacklist" in content
    section = re.search(r'<section class="fraud-check".*?</section>', content, re.S).group(0)
    fired = re.findall(r'<dd class="bad">(.*?)</dd>', section, re.S)
    assert len(fired) == 1 and "Refuse these countries: FR." in fired[0]  # only the IP rule fired
    assert f"/mportal/orders/{order.order_id}/blacklist/" in content  # this card may still be listed
