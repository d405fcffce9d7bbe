"""Support agents manage accounts, never money, country rules or credential resets; supervisors reset."""

from datetime import datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.models import AuditAction, AuditEvent, Role, TemporaryPassword
from fraud.models import CountryRule
from payments.models import Order, OrderStatus
from tests.backoffice.conftest import current_code, make_staff
from tests.factories import make_api_account, make_merchant, make_order, remit

from .conftest import AGENT_GROUP, SUPERVISOR_GROUP, secrets_shown

pytestmark = pytest.mark.django_db


def test_groups_hold_the_right_permissions():
    agent = set(Group.objects.get(name=AGENT_GROUP).permissions.values_list("codename", flat=True))
    supervisor = set(Group.objects.get(name=SUPERVISOR_GROUP).permissions.values_list("codename", flat=True))
    assert {
        "view_order",
        "view_remittance",
        "view_blacklistentry",
        "change_merchant",
        "add_terminal",
    } <= agent
    assert {
        "change_order",
        "add_order",
        "delete_order",
        "change_countryrule",
        "reset_credentials",
    }.isdisjoint(agent)
    assert {"change_countryrule", "reset_credentials"} <= supervisor
    assert "change_order" not in supervisor


def test_agent_cannot_change_an_orders_money(agent_client):
    order = make_order(status=OrderStatus.DEPOSITED, amount=10_000)
    url = f"/admin/payments/order/{order.pk}/"
    remitted_on = timezone.make_aware(datetime(2025, 3, 12, 22, 0))
    remit(order, at=remitted_on)
    page = agent_client.get(f"{url}change/")
    assert page.status_code == 200  # read-only page, with the remittance of the sale
    assert 'id="sale-group"' in page.content.decode() and "March 12, 2025" in page.content.decode()
    data = {"amount": "1", "deposited_amount": "0", "status": OrderStatus.REFUNDED}
    assert agent_client.post(f"{url}change/", data).status_code == 403
    assert agent_client.post("/admin/payments/order/add/", data).status_code == 403
    assert agent_client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    action = {"action": "delete_selected", "_selected_action": [order.pk], "post": "yes"}
    agent_client.post("/admin/payments/order/", action)
    order.refresh_from_db()
    assert (order.amount, order.deposited_amount, order.status) == (10_000, 10_000, OrderStatus.DEPOSITED)
    assert Order.objects.filter(pk=order.pk).exists()


def test_even_a_superuser_cannot_change_an_order_in_the_admin(superuser_client):
    order = make_order(status=OrderStatus.DEPOSITED)
    assert superuser_client.post(f"/admin/payments/order/{order.pk}/change/", {}).status_code == 403
    assert superuser_client.post("/admin/payments/remittance/add/", {}).status_code == 403


def test_agent_may_onboard_but_not_touch_country_rules(agent_client):
    merchant = make_merchant()
    assert agent_client.get(f"/admin/payments/merchant/{merchant.pk}/change/").status_code == 200
    assert agent_client.get("/admin/fraud/countryrule/add/").status_code == 403
    response = agent_client.post(
        f"/admin/payments/merchant/{merchant.pk}/first-administrator/",
        {"username": "shopadmin", "email": "a@shop.example.tn"},
    )
    assert len(secrets_shown(response)) == 2
    assert not CountryRule.objects.filter(merchant=merchant).exists()


def test_agent_cannot_reset_credentials(agent_client):
    account = make_api_account()
    merchant = account.merchant
    response = agent_client.post(
        f"/admin/payments/merchant/{merchant.pk}/api-credentials/", {"username": account.username}
    )
    assert secrets_shown(response) == []
    assert "Only a support supervisor" in response.content.decode()
    old_hash = account.password
    account.refresh_from_db()
    assert account.password == old_hash

    user = make_staff(merchant=merchant, role=Role.ADMINISTRATOR)
    old_user_hash = user.password
    changelist = agent_client.get("/admin/auth/user/").content.decode()
    assert "reset_password" not in changelist and "reset_two_factor" not in changelist
    for action in ("reset_password", "reset_two_factor"):
        agent_client.post("/admin/auth/user/", {"action": action, "_selected_action": [user.pk]})
    assert agent_client.get(f"/admin/auth/user/{user.pk}/password/").status_code == 403
    user.refresh_from_db()
    assert user.password == old_user_hash
    assert TOTPDevice.objects.filter(user=user).exists()

    merchant.callback_key = "k" * 64
    merchant.save(update_fields=["callback_key"])
    agent_client.post(f"/admin/payments/merchant/{merchant.pk}/callback-key/")
    merchant.refresh_from_db()
    assert merchant.callback_key == "k" * 64


def test_supervisor_resets_passwords_and_two_factor(supervisor_client, client):
    merchant = make_merchant()
    user = make_staff(merchant=merchant, role=Role.OPERATOR)
    response = supervisor_client.post(
        "/admin/auth/user/", {"action": "reset_password", "_selected_action": [user.pk]}
    )
    (password,) = secrets_shown(response)
    user.refresh_from_db()
    assert user.check_password(password)
    # Support saw it: the user must replace it at the next sign-in, which it opens once.
    signing_in = Client()
    response = signing_in.post("/mportal/login/", {"username": user.username, "password": password})
    device = TOTPDevice.objects.get(user=user)
    response = signing_in.post(response["Location"], {"code": current_code(device)})
    assert response["Location"] == "/mportal/password/"
    assert TemporaryPassword.objects.get(user=user).used_at is not None

    supervisor_client.post("/admin/auth/user/", {"action": "reset_two_factor", "_selected_action": [user.pk]})
    assert not TOTPDevice.objects.filter(user=user).exists()
    actions = set(AuditEvent.objects.filter(merchant=merchant).values_list("action", flat=True))
    assert {AuditAction.PASSWORD_CHANGE, AuditAction.TWO_FACTOR_RESET} <= actions

    account = make_api_account(merchant=merchant)
    response = supervisor_client.post(
        "/admin/payments/apiaccount/", {"action": "reset_password", "_selected_action": [account.pk]}
    )
    (new_password,) = secrets_shown(response)
    assert account.username in response.content.decode()
    answer = client.post(
        "/payment/rest/register.do",
        {
            "userName": account.username,
            "password": new_password,
            "orderNumber": "R-1",
            "amount": "100",
            "returnUrl": "https://shop.example.tn/ok",
        },
    ).json()
    assert "orderId" in answer


def test_agent_changes_are_audited_with_the_merchant(agent_client):
    merchant = make_merchant()
    data = {
        "code": merchant.code,
        "name": "Renamed",
        "is_active": "on",
        "default_language": "fr",
        "default_currency": merchant.default_currency_id,
        "return_method": "GET",
        "callback_method": "GET",
    }
    contract = merchant.contracts.get()
    for prefix, total in (
        ("contracts", 1),
        ("api_accounts", 0),
        ("memberships", 0),
        ("extraction_settings", 0),
        ("country_rule", 0),
    ):
        data |= {
            f"{prefix}-TOTAL_FORMS": total,
            f"{prefix}-INITIAL_FORMS": total,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
    data |= {
        "contracts-0-id": contract.pk,
        "contracts-0-merchant": merchant.pk,
        "contracts-0-bank_name": contract.bank_name,
        "contracts-0-currencies": list(contract.currencies.values_list("pk", flat=True)),
        "contracts-0-commission_bps": contract.commission_bps,
        "contracts-0-hold_days": contract.hold_days,
        "contracts-0-is_active": "on",
    }
    response = agent_client.post(f"/admin/payments/merchant/{merchant.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action=AuditAction.ADMIN_CHANGE, merchant=merchant)
    assert "Renamed" in event.detail and event.user is not None


def test_bulk_deletion_is_not_offered_and_a_single_deletion_is_audited(superuser_client):
    from fraud.models import BinRange

    bins = BinRange.objects.create(low="999999", high="999999", brand="VISA", country="TN", issuer="Test")
    listing = superuser_client.get("/admin/fraud/binrange/").content.decode()
    assert 'value="delete_selected"' not in listing
    response = superuser_client.post(f"/admin/fraud/binrange/{bins.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not BinRange.objects.filter(pk=bins.pk).exists()
    event = AuditEvent.objects.get(action=AuditAction.ADMIN_DELETE)
    assert "binrange" in event.detail and event.object_id == str(bins.pk)


def _forced_to_change(username: str, password: str) -> bool:
    """Signs in (password, then a first TOTP device) and says whether the password page comes first."""
    from django.contrib.auth import get_user_model

    client = Client()
    response = client.post("/mportal/login/", {"username": username, "password": password})
    user = get_user_model().objects.get(username=username)
    if response["Location"] == "/mportal/login/setup/":
        client.get("/mportal/login/setup/")
    device = TOTPDevice.objects.filter(user=user).latest("pk")
    response = client.post(response["Location"], {"code": current_code(device)})
    return response["Location"] == "/mportal/password/"


def test_a_password_a_supervisor_chooses_in_the_admin_must_be_replaced(supervisor_client):
    chosen = "support-chose-this-9-words"
    merchant = make_merchant()
    user = make_staff(merchant=merchant, role=Role.OPERATOR)
    form = {"password1": chosen, "password2": chosen, "usable_password": "true"}
    assert supervisor_client.get(f"/admin/auth/user/{user.pk}/password/").status_code == 200

    response = supervisor_client.post(f"/admin/auth/user/{user.pk}/password/", form, follow=True)

    assert "opens one back-office session, within 7 days" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(chosen)
    assert TemporaryPassword.objects.get(user=user).password_hash == user.password
    assert _forced_to_change(user.username, chosen)


def test_a_user_a_supervisor_adds_with_a_membership_must_replace_the_password(supervisor_client):
    from django.contrib.auth import get_user_model

    chosen = "support-chose-this-9-words"
    merchant = make_merchant()
    inline = "memberships"
    response = supervisor_client.post(
        "/admin/auth/user/add/",
        {
            "username": "newcomer",
            "password1": chosen,
            "password2": chosen,
            "usable_password": "true",
            f"{inline}-TOTAL_FORMS": "1",
            f"{inline}-INITIAL_FORMS": "0",
            f"{inline}-MAX_NUM_FORMS": "1000",
            f"{inline}-0-merchant": str(merchant.pk),
            f"{inline}-0-role": Role.OPERATOR,
            f"{inline}-0-is_active": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    user = get_user_model().objects.get(username="newcomer")
    assert user.memberships.get().merchant == merchant
    assert _forced_to_change("newcomer", chosen)
    # A support colleague added without a merchant keeps the password chosen for them.
    supervisor_client.post(
        "/admin/auth/user/add/",
        {
            "username": "colleague",
            "password1": chosen,
            "password2": chosen,
            "usable_password": "true",
            f"{inline}-TOTAL_FORMS": "0",
            f"{inline}-INITIAL_FORMS": "0",
            f"{inline}-MAX_NUM_FORMS": "1000",
        },
    )
    assert not TemporaryPassword.objects.filter(user__username="colleague").exists()
    assert get_user_model().objects.get(username="colleague").check_password(chosen)
