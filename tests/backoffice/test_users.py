"""A merchant's administrator manages its users: who may, what each change does, and what it refuses."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.models import AuditAction, AuditEvent, AuditOutcome, Membership, Role, TemporaryPassword
from tests.backoffice.conftest import PASSWORD, current_code, make_staff, signed_in
from tests.factories import make_merchant

pytestmark = pytest.mark.django_db

HOME = "/mportal/"
NEW_PASSWORD = "a-passphrase-of-my-own-77"


@pytest.fixture
def admin(merchant: Any) -> Any:
    return make_staff(merchant=merchant, role=Role.ADMINISTRATOR, username="amina")


@pytest.fixture
def client_of_admin(admin: Any) -> Client:
    return signed_in(admin)


def named_merchant(name: str) -> Any:
    merchant = make_merchant()
    merchant.name = name
    merchant.save(update_fields=["name"])
    return merchant


def key() -> str:
    return str(uuid.uuid4())


def add_user(client: Client, username: str = "sami", role: str = Role.OPERATOR, **extra: str) -> Any:
    data = {
        "key": key(),
        "username": username,
        "first_name": "Sami",
        "last_name": "Ben Ali",
        "email": f"{username}@example.tn",
        "role": role,
        **extra,
    }
    return client.post("/mportal/users/new/", data)


def shown_password(response: Any) -> str:
    content = response.content.decode()
    start = content.index("data-secret>") + len("data-secret>")
    return content[start : content.index("<", start)]


def sign_in(client: Client, username: str, password: str) -> Any:
    """Both steps of the sign-in: the password, then the code (or the enrolment of a first device)."""
    response = client.post("/mportal/login/", {"username": username, "password": password})
    if response.status_code != 302:
        return response
    user = get_user_model().objects.get(username=username)
    if response["Location"] == "/mportal/login/setup/":
        client.get("/mportal/login/setup/")
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        return client.post("/mportal/login/setup/", {"code": current_code(device)})
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    device.last_t = -1  # several sign-ins within one 30 s step: a code is otherwise refused the second time
    device.save(update_fields=["last_t"])
    return client.post("/mportal/login/code/", {"code": current_code(device)})


def change_password(client: Client, old: str, new: str = NEW_PASSWORD) -> Any:
    return client.post(
        "/mportal/password/", {"old_password": old, "new_password1": new, "new_password2": new}
    )


def membership_of(user: Any, merchant: Any) -> Membership:
    return Membership.objects.get(user=user, merchant=merchant)


# --- who may -----------------------------------------------------------------------------------------


def test_users_pages_are_for_administrators_only(merchant, operator_client, viewer_client, client_of_admin):
    someone = make_staff(merchant=merchant, role=Role.VIEWER)
    urls = ["/mportal/users/", "/mportal/users/new/", f"/mportal/users/{someone.pk}/"]
    for action in ("role", "deactivate", "reactivate", "password", "two-factor"):
        urls.append(f"/mportal/users/{someone.pk}/{action}/")
    for client in (operator_client, viewer_client):
        for url in urls:
            assert client.get(url).status_code == 403, url
            assert client.post(url, {"key": key(), "role": Role.ADMINISTRATOR}).status_code == 403, url
        assert 'data-nav="users"' not in client.get(HOME).content.decode()
    assert membership_of(someone, merchant).role == Role.VIEWER
    assert client_of_admin.get("/mportal/users/").status_code == 200
    assert 'data-nav="users"' in client_of_admin.get(HOME).content.decode()


def test_users_page_lists_the_merchants_users_with_their_state(merchant, admin, client_of_admin):
    enrolled = make_staff(merchant=merchant, role=Role.OPERATOR, username="karim")
    enrolled.first_name, enrolled.email, enrolled.last_login = "Karim", "karim@example.tn", timezone.now()
    enrolled.save()
    newcomer = make_staff(merchant=merchant, role=Role.VIEWER, device=False, username="leila")
    Membership.objects.filter(user=newcomer).update(is_active=False)
    make_staff(merchant=make_merchant(), username="stranger")

    page = client_of_admin.get("/mportal/users/")
    rows = {row.user.username: row for row in page.context["members"]}
    assert set(rows) == {"amina", "karim", "leila"}
    assert (rows["karim"].role, rows["karim"].is_active, rows["karim"].two_factor) == (
        Role.OPERATOR,
        True,
        True,
    )
    assert (rows["leila"].is_active, rows["leila"].two_factor) == (False, False)
    content = page.content.decode()
    assert "karim@example.tn" in content and "Karim" in content and "Deactivated" in content
    assert "Not set up yet" in content and "Never" in content
    assert "stranger" not in content


# --- adding a user -------------------------------------------------------------------------------------


def test_admin_adds_a_user_who_gets_a_temporary_password_shown_once(merchant, client_of_admin):
    response = add_user(client_of_admin, "sami", Role.OPERATOR)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    password = shown_password(response)
    user = get_user_model().objects.get(username="sami")
    assert (user.first_name, user.last_name, user.email) == ("Sami", "Ben Ali", "sami@example.tn")
    assert user.check_password(password)
    assert membership_of(user, merchant).role == Role.OPERATOR
    assert TemporaryPassword.objects.get(user=user).merchant == merchant
    detail = client_of_admin.get(f"/mportal/users/{user.pk}/").content.decode()
    assert password not in detail  # never readable again
    event = AuditEvent.objects.get(action=AuditAction.USER_CREATE)
    assert (event.merchant, event.object_id, event.ip_address) == (merchant, str(user.pk), "127.0.0.1")
    assert password not in event.detail


def test_the_same_add_form_posted_twice_creates_one_user(merchant, client_of_admin):
    data = {
        "key": key(),
        "username": "sami",
        "first_name": "S",
        "last_name": "B",
        "email": "s@example.tn",
        "role": Role.VIEWER,
    }
    first = client_of_admin.post("/mportal/users/new/", data)
    second = client_of_admin.post("/mportal/users/new/", data)
    assert first.status_code == 200 and "data-secret" in first.content.decode()
    assert second.status_code == 302  # to the user's page, saying it was done already
    user = get_user_model().objects.get(username="sami")
    assert user.check_password(shown_password(first))
    assert AuditEvent.objects.filter(action=AuditAction.USER_CREATE).count() == 1


def test_an_existing_user_name_is_refused_without_saying_where(merchant, client_of_admin):
    elsewhere = named_merchant("Secret Shop SARL")
    make_staff(merchant=elsewhere, username="Taken.Name")
    for attempt in ("Taken.Name", "taken.name"):
        response = add_user(client_of_admin, attempt)
        content = response.content.decode()
        assert response.status_code == 200 and "This user name is already taken" in content
        assert "Secret Shop" not in content and elsewhere.code not in content
    assert not Membership.objects.filter(merchant=merchant, user__username__iexact="taken.name").exists()
    assert (
        AuditEvent.objects.filter(action=AuditAction.USER_CREATE, outcome=AuditOutcome.REFUSED).count() == 2
    )


def test_the_temporary_password_opens_one_session_that_must_change_it(merchant, client_of_admin):
    password = shown_password(add_user(client_of_admin, "sami"))
    client = Client()
    response = sign_in(client, "sami", password)  # first sign-in: sets up two-factor, as always
    assert response["Location"] == "/mportal/password/"
    for url in (HOME, "/mportal/orders/", "/mportal/moto/"):
        assert client.get(url)["Location"] == "/mportal/password/", url  # nothing else before the change
    assert "data-forced" in client.get("/mportal/password/").content.decode()
    change_password(client, password, password)  # keeping it is no change
    assert client.get(HOME).status_code == 302
    assert change_password(client, password).status_code == 200
    assert client.get(HOME).status_code == 200
    assert not TemporaryPassword.objects.filter(user__username="sami").exists()

    client.post("/mportal/logout/")
    refused = Client()
    assert "wrong" in sign_in(refused, "sami", password).content.decode()
    assert sign_in(Client(), "sami", NEW_PASSWORD)["Location"] == HOME


def test_an_unchanged_temporary_password_does_not_open_a_second_session(merchant, client_of_admin):
    password = shown_password(add_user(client_of_admin, "sami"))
    first = Client()
    sign_in(first, "sami", password)
    first.post("/mportal/logout/")  # left without changing it
    response = sign_in(Client(), "sami", password)
    assert (
        response.status_code == 200
        and "temporary password was used or has expired" in response.content.decode()
    )
    event = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).get()
    assert (event.username, event.detail) == ("sami", "temporary password spent")


def test_two_sign_ins_racing_with_one_temporary_password_open_one_session(
    merchant, operator, client_of_admin
):
    response = client_of_admin.post(f"/mportal/users/{operator.pk}/password/", {"key": key()})
    password = shown_password(response)
    first, second = Client(), Client()
    for client in (first, second):  # both give the password before either gives a code
        response = client.post("/mportal/login/", {"username": operator.username, "password": password})
        assert response["Location"] == "/mportal/login/code/"
    device = TOTPDevice.objects.get(user=operator)
    assert (
        first.post("/mportal/login/code/", {"code": current_code(device)})["Location"] == "/mportal/password/"
    )
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # the same code again, for the test's sake
    response = second.post("/mportal/login/code/", {"code": current_code(device)})
    assert response["Location"] == "/mportal/login/"  # the claim is taken: no second session
    assert second.get(HOME).status_code == 302
    assert "temporary password was used" in second.get("/mportal/login/").content.decode()
    assert first.get("/mportal/password/").status_code == 200


def test_an_expired_temporary_password_is_refused(merchant, client_of_admin):
    password = shown_password(add_user(client_of_admin, "sami"))
    TemporaryPassword.objects.filter(user__username="sami").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = sign_in(Client(), "sami", password)
    assert response.status_code == 200 and "has expired" in response.content.decode()


# --- changing a user -----------------------------------------------------------------------------------


def test_role_change_applies_at_the_users_next_page(merchant, operator, operator_client, client_of_admin):
    assert operator_client.get("/mportal/moto/").status_code == 200
    page = client_of_admin.get(f"/mportal/users/{operator.pk}/role/")
    assert page.status_code == 200 and "data-refusal" not in page.content.decode()
    response = client_of_admin.post(
        f"/mportal/users/{operator.pk}/role/", {"key": key(), "role": Role.VIEWER}
    )
    assert response["Location"] == f"/mportal/users/{operator.pk}/"
    assert membership_of(operator, merchant).role == Role.VIEWER
    assert operator_client.get("/mportal/moto/").status_code == 403
    event = AuditEvent.objects.get(action=AuditAction.USER_CHANGE)
    assert (event.outcome, event.object_id) == (AuditOutcome.SUCCESS, str(operator.pk))
    assert "operator -> viewer" in event.detail
    # The same form again changes nothing and records nothing more.
    client_of_admin.post(f"/mportal/users/{operator.pk}/role/", {"key": key(), "role": Role.VIEWER})
    assert AuditEvent.objects.filter(action=AuditAction.USER_CHANGE).count() == 1


def test_an_administrator_cannot_demote_or_deactivate_themselves(merchant, admin, client_of_admin):
    make_staff(merchant=merchant, role=Role.ADMINISTRATOR)  # even with another administrator
    page = client_of_admin.get(f"/mportal/users/{admin.pk}/").content.decode()
    assert 'data-action="role"' not in page and 'data-action="deactivate"' not in page
    client_of_admin.post(f"/mportal/users/{admin.pk}/role/", {"key": key(), "role": Role.VIEWER})
    client_of_admin.post(f"/mportal/users/{admin.pk}/deactivate/", {"key": key()})
    mine = membership_of(admin, merchant)
    assert (mine.role, mine.is_active) == (Role.ADMINISTRATOR, True)
    refusals = AuditEvent.objects.filter(action=AuditAction.USER_CHANGE, outcome=AuditOutcome.REFUSED)
    assert refusals.count() == 2 and "ask another administrator" in refusals.first().detail


def test_a_demoted_administrator_can_no_longer_demote_the_other(merchant, admin, client_of_admin):
    other = make_staff(merchant=merchant, role=Role.ADMINISTRATOR)
    other_client = signed_in(other)
    stale_form = other_client.get(f"/mportal/users/{admin.pk}/role/")  # opened before being demoted
    assert stale_form.status_code == 200
    client_of_admin.post(f"/mportal/users/{other.pk}/role/", {"key": key(), "role": Role.OPERATOR})
    response = other_client.post(f"/mportal/users/{admin.pk}/role/", {"key": key(), "role": Role.OPERATOR})
    assert response.status_code == 403
    assert membership_of(admin, merchant).role == Role.ADMINISTRATOR
    assert Membership.objects.filter(merchant=merchant, role=Role.ADMINISTRATOR, is_active=True).count() == 1


def test_the_services_keep_an_administrator_even_without_the_pages(merchant, admin, rf):
    # The rules hold in the service itself (under its lock), whatever a page offered.
    from backoffice import members

    request = rf.post("/")
    request.user = admin
    with pytest.raises(members.MemberRefused):
        members.member_role_set(request=request, merchant=merchant, user_id=admin.pk, role=Role.VIEWER)
    with pytest.raises(members.MemberRefused):
        members.member_active_set(request=request, merchant=merchant, user_id=admin.pk, active=False)
    stranger = make_staff(merchant=make_merchant(), role=Role.ADMINISTRATOR)
    with pytest.raises(members.MemberRefused):  # not a member here: nothing to change
        members.member_role_set(request=request, merchant=merchant, user_id=stranger.pk, role=Role.VIEWER)
    request.user = stranger
    with pytest.raises(members.MemberRefused):  # an administrator elsewhere only
        members.member_role_set(request=request, merchant=merchant, user_id=admin.pk, role=Role.VIEWER)
    assert membership_of(admin, merchant).role == Role.ADMINISTRATOR


def test_a_deactivated_user_cannot_reach_the_portal_until_reactivated(merchant, operator, client_of_admin):
    session = signed_in(operator)
    assert session.get("/mportal/orders/").status_code == 200
    page = client_of_admin.get(f"/mportal/users/{operator.pk}/deactivate/")
    assert "data-refusal" not in page.content.decode()
    client_of_admin.post(f"/mportal/users/{operator.pk}/deactivate/", {"key": key()})
    assert membership_of(operator, merchant).is_active is False
    for url in (HOME, "/mportal/orders/", "/mportal/password/"):
        assert session.get(url).status_code == 403, url  # the open session: at its next request
    fresh = Client()
    sign_in(fresh, operator.username, PASSWORD)
    assert fresh.get(HOME).status_code == 403 and "No merchant" in fresh.get(HOME).content.decode()
    assert AuditEvent.objects.get(action=AuditAction.USER_CHANGE).detail.endswith("deactivated")

    client_of_admin.post(f"/mportal/users/{operator.pk}/reactivate/", {"key": key()})
    assert session.get("/mportal/orders/").status_code == 200


def test_deactivation_closes_only_this_merchant(merchant, operator, client_of_admin):
    other = make_merchant()
    Membership.objects.create(user=operator, merchant=other, role=Role.VIEWER)
    session = signed_in(operator)
    session.post("/mportal/merchant/", {"merchant": merchant.pk})
    client_of_admin.post(f"/mportal/users/{operator.pk}/deactivate/", {"key": key()})
    response = session.get(HOME)
    assert response.status_code == 200 and response.context["request"].merchant == other
    assert session.post("/mportal/merchant/", {"merchant": merchant.pk}).status_code == 404


def test_password_reset_ends_sessions_and_the_old_password(merchant, operator, client_of_admin):
    session = signed_in(operator)
    page = client_of_admin.get(f"/mportal/users/{operator.pk}/password/")
    assert "data-refusal" not in page.content.decode()
    form_key = key()
    response = client_of_admin.post(f"/mportal/users/{operator.pk}/password/", {"key": form_key})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    temporary = shown_password(response)
    assert session.get(HOME).status_code == 302  # signed out everywhere
    assert "wrong" in sign_in(Client(), operator.username, PASSWORD).content.decode()
    # The same confirmation posted twice issues one password: the first stays valid.
    again = client_of_admin.post(f"/mportal/users/{operator.pk}/password/", {"key": form_key})
    assert again.status_code == 302 and "data-secret" not in again.content.decode()
    operator.refresh_from_db()
    assert operator.check_password(temporary)
    client = Client()
    assert sign_in(client, operator.username, temporary)["Location"] == "/mportal/password/"
    assert change_password(client, temporary).status_code == 200
    assert client.get(HOME).status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.USER_CHANGE)
    assert event.detail.endswith("password reset") and temporary not in event.detail


def test_two_factor_reset_ends_sessions_and_forces_setup(merchant, operator, client_of_admin):
    session = signed_in(operator)
    client_of_admin.post(f"/mportal/users/{operator.pk}/two-factor/", {"key": key()})
    assert not TOTPDevice.objects.filter(user=operator).exists()
    assert session.get(HOME).status_code == 302
    response = Client().post("/mportal/login/", {"username": operator.username, "password": PASSWORD})
    assert response["Location"] == "/mportal/login/setup/"
    event = AuditEvent.objects.get(action=AuditAction.TWO_FACTOR_RESET)
    assert (event.merchant, event.object_id, event.outcome) == (
        merchant,
        str(operator.pk),
        AuditOutcome.SUCCESS,
    )
    # A second time there is nothing to remove, and nothing more is recorded.
    client_of_admin.post(f"/mportal/users/{operator.pk}/two-factor/", {"key": key()})
    assert AuditEvent.objects.filter(action=AuditAction.TWO_FACTOR_RESET).count() == 1


def test_a_user_of_another_merchant_too_keeps_their_password_and_device(merchant, operator, client_of_admin):
    Membership.objects.create(user=operator, merchant=make_merchant(), role=Role.ADMINISTRATOR)
    page = client_of_admin.get(f"/mportal/users/{operator.pk}/").content.decode()
    assert 'data-action="password"' not in page and 'data-action="two_factor"' not in page
    assert "only ClicToPay support may reset them" in page
    assert 'data-action="role"' in page  # their membership here is this merchant's business
    client_of_admin.post(f"/mportal/users/{operator.pk}/password/", {"key": key()})
    client_of_admin.post(f"/mportal/users/{operator.pk}/two-factor/", {"key": key()})
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD) and TOTPDevice.objects.filter(user=operator).exists()
    refused = AuditEvent.objects.filter(outcome=AuditOutcome.REFUSED).values_list("action", flat=True)
    assert sorted(refused) == [AuditAction.TWO_FACTOR_RESET, AuditAction.USER_CHANGE]
    client_of_admin.post(f"/mportal/users/{operator.pk}/role/", {"key": key(), "role": Role.VIEWER})
    assert membership_of(operator, merchant).role == Role.VIEWER


def test_own_password_and_staff_accounts_are_not_reset_here(merchant, admin, client_of_admin):
    staff = make_staff(merchant=merchant, role=Role.VIEWER)
    staff.is_staff = True
    staff.save()
    for user in (admin, staff):
        client_of_admin.post(f"/mportal/users/{user.pk}/password/", {"key": key()})
        client_of_admin.post(f"/mportal/users/{user.pk}/two-factor/", {"key": key()})
        user.refresh_from_db()
        assert user.check_password(PASSWORD) and TOTPDevice.objects.filter(user=user).exists()
    assert client_of_admin.get(HOME).status_code == 200


def test_another_merchants_user_is_404_even_for_an_administrator(client_of_admin):
    stranger = make_staff(merchant=make_merchant(), role=Role.OPERATOR)
    assert client_of_admin.get(f"/mportal/users/{stranger.pk}/").status_code == 404
    assert client_of_admin.post(f"/mportal/users/{stranger.pk}/password/", {"key": key()}).status_code == 404
    assert client_of_admin.get(f"/mportal/users/{stranger.pk + 1000}/").status_code == 404


# --- switching merchants -------------------------------------------------------------------------------


def test_a_user_of_several_merchants_switches_between_them(merchant, admin, client_of_admin):
    other = named_merchant("Second Shop")
    Membership.objects.create(user=admin, merchant=other, role=Role.VIEWER)
    home = client_of_admin.get(HOME).content.decode()
    assert "data-merchant-switch" in home and "Second Shop" in home
    response = client_of_admin.post("/mportal/merchant/", {"merchant": other.pk})
    assert response["Location"] == HOME
    page = client_of_admin.get(HOME)
    assert page.context["request"].merchant == other
    assert client_of_admin.session["bo_merchant_id"] == other.pk
    assert client_of_admin.get("/mportal/users/").status_code == 403  # a viewer there
    event = AuditEvent.objects.get(action=AuditAction.MERCHANT_SWITCH)
    assert (event.merchant, event.user, event.detail) == (other, admin, f"from {merchant.code}")
    client_of_admin.post("/mportal/merchant/", {"merchant": merchant.pk})
    assert client_of_admin.get("/mportal/users/").status_code == 200


def test_switching_only_to_an_active_membership(merchant, admin, client_of_admin):
    closed = make_merchant()
    Membership.objects.create(user=admin, merchant=closed, role=Role.ADMINISTRATOR, is_active=False)
    inactive = make_merchant()
    inactive.is_active = False
    inactive.save()
    Membership.objects.create(user=admin, merchant=inactive, role=Role.ADMINISTRATOR)
    stranger = make_merchant()
    assert "data-merchant-switch" not in client_of_admin.get(HOME).content.decode()
    for target in (closed.pk, inactive.pk, stranger.pk, 999_999):
        assert client_of_admin.post("/mportal/merchant/", {"merchant": target}).status_code == 404
    assert client_of_admin.get("/mportal/merchant/").status_code == 405
    assert client_of_admin.get(HOME).context["request"].merchant == merchant
    assert not AuditEvent.objects.filter(action=AuditAction.MERCHANT_SWITCH).exists()


def test_support_viewing_as_the_merchant_sees_its_users_and_changes_nothing(merchant, operator):
    from tests.admin.conftest import AGENT_GROUP, client_for, make_support_user

    client = client_for(make_support_user(group=AGENT_GROUP))
    client.post(f"/admin/payments/merchant/{merchant.pk}/view-as/")
    page = client.get("/mportal/users/")
    assert page.status_code == 200 and operator.username in page.content.decode()
    assert client.get(f"/mportal/users/{operator.pk}/").status_code == 200
    for action in ("role", "deactivate", "password", "two-factor"):
        url = f"/mportal/users/{operator.pk}/{action}/"
        assert client.post(url, {"key": key(), "role": Role.VIEWER}).status_code == 403, url
    assert add_user(client, "intruder").status_code == 403
    membership = membership_of(operator, merchant)
    assert (membership.role, membership.is_active) == (Role.OPERATOR, True)
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD) and TOTPDevice.objects.filter(user=operator).exists()
    assert not get_user_model().objects.filter(username="intruder").exists()


def test_services_refuse_an_unknown_role(merchant, admin, operator, rf):
    from backoffice import members

    request = rf.post("/")
    request.user = admin
    with pytest.raises(members.MemberRefused):
        members.member_role_set(request=request, merchant=merchant, user_id=operator.pk, role="owner")
    assert membership_of(operator, merchant).role == Role.OPERATOR
