"""Sign-in: password then TOTP code, enrolment of a first device, lockout, idle timeout, password change."""

import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.middleware import IDLE_SECONDS, LAST_SEEN_SESSION_KEY
from backoffice.models import AuditAction, AuditEvent, AuditOutcome, Role
from backoffice.two_factor import otpauth_uri, secret_base32
from tests.backoffice.conftest import PASSWORD, current_code, make_staff, signed_in

pytestmark = pytest.mark.django_db

HOME = "/mportal/"


def sign_in_password(client: Client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/mportal/login/", {"username": username, "password": password})


def test_a_stranger_is_sent_to_the_sign_in_page(client):
    response = client.get("/mportal/orders/")
    assert response.status_code == 302
    assert response["Location"].startswith("/mportal/login/?next=/mportal/orders/")


def test_password_then_code_signs_in(client, merchant):
    user = make_staff(merchant=merchant)
    response = sign_in_password(client, user.username)
    assert response.status_code == 302 and response["Location"] == "/mportal/login/code/"
    assert client.get(HOME).status_code == 302  # the password alone opens nothing
    device = TOTPDevice.objects.get(user=user)
    response = client.post("/mportal/login/code/", {"code": current_code(device)})
    assert response.status_code == 302 and response["Location"] == HOME
    assert client.get(HOME).status_code == 200
    assert AuditEvent.objects.filter(user=user, action=AuditAction.SIGN_IN, merchant=merchant).count() == 1


def test_sign_in_returns_to_the_page_asked_for(client, merchant):
    user = make_staff(merchant=merchant)
    client.post("/mportal/login/?next=/mportal/orders/", {"username": user.username, "password": PASSWORD})
    response = client.post("/mportal/login/code/", {"code": current_code(TOTPDevice.objects.get(user=user))})
    assert response["Location"] == "/mportal/orders/"


def test_sign_in_never_returns_to_another_site(client, merchant):
    user = make_staff(merchant=merchant)
    client.post(
        "/mportal/login/?next=https://evil.example/", {"username": user.username, "password": PASSWORD}
    )
    response = client.post("/mportal/login/code/", {"code": current_code(TOTPDevice.objects.get(user=user))})
    assert response["Location"] == HOME


def test_a_wrong_code_does_not_sign_in_and_is_audited(client, merchant):
    user = make_staff(merchant=merchant)
    sign_in_password(client, user.username)
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = client.post("/mportal/login/code/", {"code": wrong})
    assert response.status_code == 200
    assert client.get(HOME).status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert (event.username, event.outcome, event.detail) == (user.username, AuditOutcome.FAILURE, "code")


def test_code_page_without_a_password_step_goes_back_to_sign_in(client):
    assert client.get("/mportal/login/code/")["Location"] == "/mportal/login/"


def test_a_user_without_device_enrols_with_the_shown_secret(client, merchant):
    user = make_staff(merchant=merchant, device=False)
    response = sign_in_password(client, user.username)
    assert response["Location"] == "/mportal/login/setup/"
    page = client.get("/mportal/login/setup/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = secret_base32(device)
    content = page.content.decode()
    assert secret in content
    assert otpauth_uri(device, user.username).replace("&", "&amp;") in content
    assert otpauth_uri(device, user.username).startswith(
        f"otpauth://totp/ClicToPay%3A{user.username}?secret={secret}"
    )
    response = client.post("/mportal/login/setup/", {"code": current_code(device)})
    assert response["Location"] == HOME
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get(HOME).status_code == 200
    assert AuditEvent.objects.filter(user=user, action=AuditAction.TWO_FACTOR_ADDED).exists()


def test_enrolment_is_not_offered_to_a_user_who_has_a_device(client, merchant):
    user = make_staff(merchant=merchant)
    sign_in_password(client, user.username)
    assert client.get("/mportal/login/setup/")["Location"] == "/mportal/login/"


def test_wrong_password_is_refused_and_audited(client, merchant):
    user = make_staff(merchant=merchant)
    response = sign_in_password(client, user.username, "wrong-password")
    assert response.status_code == 200
    assert "/mportal/login/code/" not in response.get("Location", "")
    event = AuditEvent.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert (event.username, event.outcome, event.ip_address) == (
        user.username,
        AuditOutcome.FAILURE,
        "127.0.0.1",
    )


def test_five_failures_lock_the_user_out_even_with_the_right_password(client, merchant):
    user = make_staff(merchant=merchant)
    for _ in range(5):
        sign_in_password(client, user.username, "wrong-password")
    response = sign_in_password(client, user.username)
    assert response.status_code == 429
    assert "/mportal/login/code/" not in response.get("Location", "")
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT, username=user.username).exists()
    # Another user from the same address is not blocked: the lock is per user name and address.
    other = make_staff(merchant=merchant)
    assert sign_in_password(client, other.username)["Location"] == "/mportal/login/code/"


def test_wrong_codes_count_towards_the_lockout(client, merchant):
    user = make_staff(merchant=merchant)
    sign_in_password(client, user.username)
    for _ in range(5):
        client.post("/mportal/login/code/", {"code": "000000"})
    device = TOTPDevice.objects.get(user=user)
    device.throttling_failure_count = 0  # django-otp's own throttle would refuse too: test axes alone
    device.save()
    response = client.post("/mportal/login/code/", {"code": current_code(device)})
    assert response.status_code == 429
    assert client.get(HOME).status_code == 302


def test_idle_session_ends_after_15_minutes(merchant):
    client = signed_in(make_staff(merchant=merchant))
    assert client.get(HOME).status_code == 200
    session = client.session
    assert session.get_expiry_age() == IDLE_SECONDS
    session[LAST_SEEN_SESSION_KEY] = time.time() - IDLE_SECONDS - 1
    session.save()
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith("/mportal/login/")
    assert "15 minutes" in client.get(response["Location"]).content.decode()
    assert client.get(HOME).status_code == 302


def test_activity_keeps_the_session_alive(merchant):
    client = signed_in(make_staff(merchant=merchant))
    client.get(HOME)
    session = client.session
    session[LAST_SEEN_SESSION_KEY] = time.time() - IDLE_SECONDS + 60  # 14 minutes idle: still in
    session.save()
    assert client.get(HOME).status_code == 200
    assert time.time() - client.session[LAST_SEEN_SESSION_KEY] < 5  # the window slid


def test_pages_in_quick_succession_do_not_rewrite_the_session(merchant):
    client = signed_in(make_staff(merchant=merchant))
    client.get(HOME)
    seen = client.session[LAST_SEEN_SESSION_KEY]

    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200

    assert client.session[LAST_SEEN_SESSION_KEY] == seen
    assert not [
        q for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]
    ]


def test_password_change(merchant):
    user = make_staff(merchant=merchant)
    client = signed_in(user)
    new = "another-long-passphrase-42"
    response = client.post(
        "/mportal/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(new)
    assert client.get(HOME).status_code == 200  # still signed in here
    assert AuditEvent.objects.filter(user=user, action=AuditAction.PASSWORD_CHANGE).exists()


def test_password_change_needs_the_old_password(merchant):
    user = make_staff(merchant=merchant)
    client = signed_in(user)
    new = "another-long-passphrase-42"
    client.post("/mportal/password/", {"old_password": "nope", "new_password1": new, "new_password2": new})
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_sign_out(merchant):
    user = make_staff(merchant=merchant)
    client = signed_in(user)
    assert client.post("/mportal/logout/").status_code == 302
    assert client.get(HOME).status_code == 302
    assert AuditEvent.objects.filter(user=user, action=AuditAction.SIGN_OUT).exists()


def test_a_user_without_merchant_gets_no_page(db):
    from tests.factories import make_merchant

    user = make_staff(merchant=make_merchant())
    user.memberships.all().delete()
    assert signed_in(user).get("/mportal/orders/").status_code == 403


def test_seed_portal_user_gives_a_working_fixed_secret(db):
    from django.contrib.auth import get_user_model

    from backoffice.demo import DEMO_TOTP_SECRET, seed_portal_user
    from tests.factories import make_merchant

    merchant = make_merchant()
    get_user_model().objects.create_user("demo", password="demo-portal-password")
    assert seed_portal_user(merchant) == DEMO_TOTP_SECRET
    assert seed_portal_user(merchant) == DEMO_TOTP_SECRET  # twice: nothing duplicated
    device = TOTPDevice.objects.get(user__username="demo")
    assert secret_base32(device) == DEMO_TOTP_SECRET
    client = Client()
    client.post("/mportal/login/", {"username": "demo", "password": "demo-portal-password"})
    assert client.post("/mportal/login/code/", {"code": current_code(device)})["Location"] == HOME
    assert client.get("/mportal/contract/").status_code == 200  # administrator
    assert device.user.memberships.get().role == Role.ADMINISTRATOR
