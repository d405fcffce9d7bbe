"""Every /mportal page as a user of another merchant: their objects are 404, their data never shown."""

import uuid
from datetime import date

import pytest
from django.urls import URLPattern, get_resolver
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.models import AuditAction, AuditEvent, DailyExtraction, Export, Role
from fraud.models import BlacklistEntry
from payments.models import OrderStatus, Remittance
from tests.backoffice.conftest import PASSWORD, make_staff, signed_in
from tests.factories import make_api_account, make_merchant, make_order

pytestmark = pytest.mark.django_db

# Pages that name an object of one merchant: another merchant's user must get 404 on GET and POST.
OBJECT_PAGES = {
    "order-detail",
    "order-cancel",
    "order-refund",
    "order-blacklist",
    "api-password",
    "blacklist-remove",
    "export-detail",
    "export-download",
    "extraction-download",
    "remittance-detail",
    "remittance-file",
    "user-detail",
    "user-role",
    "user-deactivate",
    "user-reactivate",
    "user-password",
    "user-two-factor",
}
# Pages about the signed-in user's own merchant (or no merchant at all).
OWN_PAGES = {
    "home",
    "order-list",
    "moto",
    "contract",
    "callback-key",
    "audit",
    "password-change",
    "blacklist",
    "export-create",
    "extraction-list",
    "extraction-token",
    "remittance-list",
    "user-list",
    "user-create",
    "merchant-switch",
}
USER_ACTIONS = (AuditAction.USER_CHANGE, AuditAction.USER_CREATE, AuditAction.TWO_FACTOR_RESET)
SIGN_IN_PAGES = {"login", "login-code", "login-setup", "logout", "language"}
# Reached with a merchant's API token, not a session: tests/backoffice/test_extractions.py covers it.
TOKEN_PAGES = {"extraction-api"}


def backoffice_patterns() -> dict[str, URLPattern]:
    resolver = get_resolver()
    (namespace_resolver,) = [
        p for p in resolver.url_patterns if getattr(p, "namespace", None) == "backoffice"
    ]
    return {p.name: p for p in namespace_resolver.url_patterns}


def test_every_page_is_classified():
    # A new page must be added to one of the sets above, so this test walks it too.
    assert set(backoffice_patterns()) == OBJECT_PAGES | OWN_PAGES | SIGN_IN_PAGES | TOKEN_PAGES


@pytest.fixture
def theirs(db):  # type: ignore[no-untyped-def]
    merchant = make_merchant()
    return {
        "deposited": make_order(
            merchant=merchant,
            status=OrderStatus.DEPOSITED,
            pan="4111111111111111",
            order_number="THEIR-1",
            buyer_email="their.buyer@example.tn",
        ),
        "remitted": make_order(
            merchant=merchant, status=OrderStatus.DEPOSITED, remitted=True, order_number="THEIR-2"
        ),
        "account": make_api_account(merchant=merchant),
        "member": make_staff(merchant=merchant, role=Role.OPERATOR, username="their-operator"),
        "entry": BlacklistEntry.objects.create(
            merchant=merchant,
            pan_hmac="0" * 64,
            pan_hmac_key_id="k1",
            masked_pan="411111**1111",
            reason="THEIR-3",
        ),
        "export": Export.objects.create(merchant=merchant, format="csv", query="reference=THEIR-1"),
        "extraction": DailyExtraction.objects.create(
            merchant=merchant, business_date=date(2026, 1, 15), format="csv", file="extractions/their.csv"
        ),
        "remittance": Remittance.objects.create(
            business_date=date(2026, 1, 15),
            merchant=merchant,
            contract=merchant.contracts.get(),
            currency_id=merchant.default_currency_id,
            cutoff_at=timezone.now(),
        ),
    }


def object_urls(theirs) -> list[str]:  # type: ignore[no-untyped-def]
    deposited, remitted = theirs["deposited"].order_id, theirs["remitted"].order_id
    return [
        f"/mportal/orders/{deposited}/",
        f"/mportal/orders/{deposited}/cancel/",
        f"/mportal/orders/{remitted}/refund/",
        f"/mportal/orders/{deposited}/blacklist/",
        f"/mportal/contract/api-accounts/{theirs['account'].pk}/password/",
        f"/mportal/blacklist/{theirs['entry'].pk}/remove/",
        f"/mportal/exports/{theirs['export'].pk}/",
        f"/mportal/exports/{theirs['export'].pk}/download/",
        "/mportal/extractions/2026-01-15/download/",
        f"/mportal/remittances/{theirs['remittance'].pk}/",
        f"/mportal/remittances/{theirs['remittance'].pk}/file/",
        f"/mportal/users/{theirs['member'].pk}/",
        f"/mportal/users/{theirs['member'].pk}/role/",
        f"/mportal/users/{theirs['member'].pk}/deactivate/",
        f"/mportal/users/{theirs['member'].pk}/reactivate/",
        f"/mportal/users/{theirs['member'].pk}/password/",
        f"/mportal/users/{theirs['member'].pk}/two-factor/",
    ]


def test_another_merchants_objects_are_404_on_every_page(theirs):
    mine = make_merchant()
    client = signed_in(make_staff(merchant=mine, role=Role.ADMINISTRATOR))  # the strongest role
    urls = object_urls(theirs)
    assert len(urls) == len(OBJECT_PAGES)
    post = {"key": str(uuid.uuid4()), "amount": "1", "reason": "x", "role": Role.ADMINISTRATOR}
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, post).status_code == 404, url
    deposited, remitted = theirs["deposited"], theirs["remitted"]
    deposited.refresh_from_db()
    remitted.refresh_from_db()
    assert deposited.status == OrderStatus.DEPOSITED and remitted.refunded_amount == 0
    assert not deposited.operations.exists() and not remitted.operations.exists()
    theirs["account"].refresh_from_db()
    from django.contrib.auth.hashers import check_password

    from tests.factories import API_PASSWORD

    assert check_password(API_PASSWORD, theirs["account"].password)
    theirs["entry"].refresh_from_db()
    assert theirs["entry"].removed_at is None
    member = theirs["member"]
    membership = member.memberships.get()
    assert (membership.role, membership.is_active) == (Role.OPERATOR, True)
    member.refresh_from_db()
    assert member.check_password(PASSWORD) and TOTPDevice.objects.filter(user=member).exists()
    assert not AuditEvent.objects.filter(action__in=USER_ACTIONS).exists()  # not even a refusal


def test_switching_to_another_merchant_is_404(theirs):
    mine = make_merchant()
    client = signed_in(make_staff(merchant=mine, role=Role.ADMINISTRATOR))
    their_merchant = theirs["member"].memberships.get().merchant
    response = client.post("/mportal/merchant/", {"merchant": their_merchant.pk})
    assert response.status_code == 404
    assert client.get("/mportal/").context["request"].merchant == mine


def test_unknown_and_malformed_order_ids_are_404(operator_client):
    assert operator_client.get(f"/mportal/orders/{uuid.uuid4()}/").status_code == 404
    assert operator_client.get("/mportal/orders/not-a-uuid/").status_code == 404


def test_own_pages_never_show_another_merchants_data(theirs):
    client = signed_in(make_staff(merchant=make_merchant(), role=Role.ADMINISTRATOR))
    for url in (
        "/mportal/",
        "/mportal/orders/",
        "/mportal/moto/",
        "/mportal/contract/",
        "/mportal/audit/",
        "/mportal/blacklist/",
        "/mportal/remittances/",
        "/mportal/extractions/",
        "/mportal/users/",
        "/mportal/users/new/",
        "/mportal/orders/?reference=THEIR-1",
        "/mportal/orders/?buyer_email=their.buyer@example.tn",
        f"/mportal/orders/?reference={theirs['deposited'].order_id}",
    ):
        content = client.get(url).content.decode()
        for secret in (
            "THEIR-1",
            "THEIR-2",
            "THEIR-3",
            theirs["account"].username,
            theirs["member"].username,
            str(theirs["deposited"].order_id),
        ):
            if secret in url:
                content = content.replace(
                    secret, "", content.count(secret)
                )  # the search echoes what was typed
            assert secret not in content, (url, secret)


def test_moto_as_another_merchant_creates_the_order_for_the_own_merchant_only(theirs):
    mine = make_merchant()
    client = signed_in(make_staff(merchant=mine, role=Role.OPERATOR))
    client.post(
        "/mportal/moto/",
        {
            "pan": "4111111111111111",
            "expiry_month": "12",
            "expiry_year": "2099",
            "cvv": "123",
            "amount": "1",
            "currency": "TND",
            "order_number": "THEIR-1",
        },
    )
    assert mine.orders.filter(order_number="THEIR-1").exists()  # the same reference, but in its own shop
    assert theirs["deposited"].merchant.orders.filter(order_number="THEIR-1").count() == 1
