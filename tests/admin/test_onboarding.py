"""A merchant onboarded entirely in the admin takes a payment order with the credentials shown once."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.models import AuditAction, AuditEvent, Membership, Role
from payments.models import ApiAccount, Contract, Merchant, Order, OrderStatus, PaymentMethod, Terminal
from tests.backoffice.conftest import current_code
from tests.factories import currency, make_merchant

from .conftest import secrets_shown

pytestmark = pytest.mark.django_db


def empty_inlines(*prefixes: str) -> dict[str, str]:
    data = {}
    for prefix in prefixes:
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return data


def merchant_add_data() -> dict[str, Any]:
    return {
        "code": "newshop",
        "name": "New Shop",
        "is_active": "on",
        "default_language": "fr",
        "default_currency": currency("TND").pk,
        "return_method": "GET",
        "callback_url": "https://newshop.example.tn/callback",
        "callback_method": "POST",
        **empty_inlines("api_accounts", "memberships", "extraction_settings", "country_rule"),
        "contracts-TOTAL_FORMS": "1",
        "contracts-INITIAL_FORMS": "0",
        "contracts-MAX_NUM_FORMS": "1000",
        "contracts-0-bank_name": "STB",
        "contracts-0-currencies": [currency("TND").pk, currency("EUR").pk],
        "contracts-0-payment_methods": [PaymentMethod.objects.order_by("pk").first().pk],
        "contracts-0-three_ds_enabled": "on",
        "contracts-0-commission_bps": "175",
        "contracts-0-hold_days": "7",
        "contracts-0-is_active": "on",
    }


def onboard(client: Client) -> Merchant:
    response = client.post("/admin/payments/merchant/add/", merchant_add_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    merchant = Merchant.objects.get(code="newshop")
    contract = Contract.objects.get(merchant=merchant)
    change_page = client.get(f"/admin/payments/merchant/{merchant.pk}/change/").content.decode()
    assert f"/admin/payments/contract/{contract.pk}/change/" in change_page  # terminals are one click away
    for button in ("api-credentials", "callback-key", "first-administrator", "view-as"):
        assert f"/admin/payments/merchant/{merchant.pk}/{button}/" in change_page
    response = client.post(
        f"/admin/payments/contract/{contract.pk}/change/",
        {
            "merchant": merchant.pk,
            "bank_name": "STB",
            "currencies": [currency("TND").pk, currency("EUR").pk],
            "three_ds_enabled": "on",
            "commission_bps": "175",
            "hold_days": "7",
            "is_active": "on",
            "terminals-TOTAL_FORMS": "1",
            "terminals-INITIAL_FORMS": "0",
            "terminals-MAX_NUM_FORMS": "1000",
            "terminals-0-terminal_id": "E1000001",
            "terminals-0-is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return merchant


def test_merchant_onboarded_in_the_admin_registers_an_order_and_sees_it_in_mportal(superuser_client):
    merchant = onboard(superuser_client)
    assert Terminal.objects.get(terminal_id="E1000001").contract.merchant == merchant
    contract = merchant.contracts.get()
    assert (contract.commission_bps, contract.hold_days, contract.three_ds_enabled) == (175, 7, True)
    assert set(contract.currencies.values_list("alpha_code", flat=True)) == {"TND", "EUR"}

    response = superuser_client.post(
        f"/admin/payments/merchant/{merchant.pk}/api-credentials/", {"username": "api-newshop"}
    )
    username, password = secrets_shown(response)
    assert "no-store" in response["Cache-Control"]

    answer = (
        Client()
        .post(
            "/payment/rest/register.do",
            {
                "userName": username,
                "password": password,
                "orderNumber": "NEW-1",
                "amount": "12500",
                "returnUrl": "https://newshop.example.tn/ok",
            },
        )
        .json()
    )
    order = Order.objects.get(order_id=answer["orderId"])
    assert order.merchant == merchant and order.amount == 12_500
    # A buyer pays it on the hosted page (onboarding allowed one method; the test card needs Visa).
    merchant.contracts.get().payment_methods.set(PaymentMethod.objects.all())
    buyer = Client()
    card = {"pan": "4111111111111111", "expiry": "12/30", "cvv": "123", "cardholder_name": "New Buyer"}
    assert buyer.post(answer["formUrl"], card).status_code == 302
    order.refresh_from_db()
    assert (order.status, order.masked_pan) == (OrderStatus.DEPOSITED, "411111**1111")

    # The first back-office administrator signs in, enrols a TOTP device and sees the order.
    response = superuser_client.post(
        f"/admin/payments/merchant/{merchant.pk}/first-administrator/",
        {"username": "boss", "email": "boss@newshop.example.tn"},
    )
    bo_username, bo_password = secrets_shown(response)
    user = get_user_model().objects.get(username=bo_username)
    assert Membership.objects.get(user=user).role == Role.ADMINISTRATOR
    assert not TOTPDevice.objects.filter(user=user).exists()
    shop = Client()
    response = shop.post("/mportal/login/", {"username": bo_username, "password": bo_password})
    assert response["Location"].endswith("/mportal/login/setup/")
    shop.get("/mportal/login/setup/")
    device = TOTPDevice.objects.get(user=user)
    response = shop.post("/mportal/login/setup/", {"code": current_code(device)})
    # Support saw that password: it opens this one session, which must replace it first.
    assert response["Location"] == "/mportal/password/"
    assert shop.get("/mportal/orders/")["Location"] == "/mportal/password/"
    new = "boss-chose-this-passphrase-9"
    changed = shop.post(
        "/mportal/password/", {"old_password": bo_password, "new_password1": new, "new_password2": new}
    )
    assert changed.status_code == 200
    assert "NEW-1" in shop.get("/mportal/orders/").content.decode()
    assert "411111**1111" in shop.get(f"/mportal/orders/{order.order_id}/").content.decode()


def test_api_credentials_are_never_readable_again(superuser_client):
    merchant = make_merchant()
    url = f"/admin/payments/merchant/{merchant.pk}/api-credentials/"
    _username, password = secrets_shown(superuser_client.post(url, {"username": "api-shop"}))
    account = ApiAccount.objects.get(username="api-shop")
    assert account.password != password and account.password.startswith("md5$")  # a hash, tests' hasher

    pages = [
        superuser_client.get(url),  # the shown-once page is the POST's answer: a GET is the form again
        superuser_client.get(f"/admin/payments/merchant/{merchant.pk}/change/"),
        superuser_client.get(f"/admin/payments/apiaccount/{account.pk}/change/"),
        superuser_client.get("/admin/payments/apiaccount/"),
    ]
    for page in pages:
        assert page.status_code == 200
        content = page.content.decode()
        assert password not in content
        assert account.password not in content and account.password.split("$")[-1] not in content
        assert "data-secret" not in content
    assert superuser_client.get("/admin/payments/apiaccount/add/").status_code == 403  # no typed-in hash
    events = AuditEvent.objects.filter(action=AuditAction.API_ACCOUNT_CREATE, merchant=merchant)
    assert events.count() == 1


def test_callback_key_is_shown_once_and_never_on_the_merchant_page(superuser_client):
    merchant = make_merchant()
    response = superuser_client.post(f"/admin/payments/merchant/{merchant.pk}/callback-key/")
    (key,) = secrets_shown(response)
    merchant.refresh_from_db()
    assert merchant.callback_key == key
    assert key not in superuser_client.get(f"/admin/payments/merchant/{merchant.pk}/change/").content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.CALLBACK_KEY_CHANGE, merchant=merchant).exists()


def test_admin_saves_land_in_the_audit_journal_with_the_merchant(superuser_client):
    merchant = onboard(superuser_client)
    added = AuditEvent.objects.filter(action=AuditAction.ADMIN_ADD, merchant=merchant)
    assert added.filter(object_id=str(merchant.pk)).exists()
    assert AuditEvent.objects.filter(action=AuditAction.ADMIN_CHANGE, merchant=merchant).exists()  # contract


@pytest.mark.parametrize(("language", "direction"), [("fr", "ltr"), ("en", "ltr"), ("ar", "rtl")])
def test_the_merchant_page_speaks_the_support_agents_language(superuser_client, language, direction):
    merchant = make_merchant()
    response = superuser_client.get(
        f"/admin/payments/merchant/{merchant.pk}/change/", headers={"accept-language": language}
    )
    assert f'lang="{language}" dir="{direction}"' in response.content.decode()


def test_country_rule_is_set_on_the_merchant_page_after_seeing_its_impact(superuser_client):
    import re

    from fraud.models import CountryRule

    data = merchant_add_data() | {
        "country_rule-TOTAL_FORMS": "1",
        "country_rule-0-ip_mode": "block",
        "country_rule-0-ip_countries": "FR, us",
        "country_rule-0-ip_unknown": "allow",
        "country_rule-0-card_mode": "off",
        "country_rule-0-card_unknown": "allow",
    }
    onboard(superuser_client)  # the merchant exists; the rule is set on its change page
    merchant = Merchant.objects.get(code="newshop")
    contract = merchant.contracts.get()
    data |= {
        "contracts-INITIAL_FORMS": "1",
        "contracts-0-id": contract.pk,
        "contracts-0-merchant": merchant.pk,
        "api_accounts-TOTAL_FORMS": str(merchant.api_accounts.count()),
        "api_accounts-INITIAL_FORMS": str(merchant.api_accounts.count()),
    }
    for index, account in enumerate(merchant.api_accounts.all()):
        data |= {f"api_accounts-{index}-id": account.pk, f"api_accounts-{index}-merchant": merchant.pk}
    url = f"/admin/payments/merchant/{merchant.pk}/change/"
    first = superuser_client.post(url, data)
    page = first.content.decode()
    assert first.status_code == 200 and "would have refused 0 of the 0 orders" in page
    assert not CountryRule.objects.filter(merchant=merchant).exists()
    token = re.search(r'name="country_rule-0-impact_token" value="([0-9a-f]+)"', page).group(1)
    second = superuser_client.post(url, data | {"country_rule-0-impact_token": token})
    assert second.status_code == 302, second.content.decode()[:2000]
    rule = CountryRule.objects.get(merchant=merchant)
    assert (rule.ip_mode, rule.ip_countries, rule.set_by.username) == ("block", ["FR", "US"], "root")


def test_the_first_terminal_is_added_with_its_contract_on_the_merchant_page(superuser_client):
    data = merchant_add_data() | {"contracts-0-new_terminal_id": "T9000001"}
    response = superuser_client.post("/admin/payments/merchant/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    terminal = Terminal.objects.get(terminal_id="T9000001")
    assert terminal.contract.merchant.code == "newshop" and terminal.is_active
    assert AuditEvent.objects.filter(action=AuditAction.ADMIN_ADD, object_id=str(terminal.pk)).exists()
    again = superuser_client.post(
        "/admin/payments/merchant/add/", data | {"code": "othershop", "name": "Other"}
    )
    assert "This terminal id is already used." in again.content.decode()
