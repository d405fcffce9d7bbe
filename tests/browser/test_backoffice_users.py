"""A merchant's administrator adds an operator in a real browser and sees the temporary password once;
the operator's first sign-in sets up two-factor and replaces that password before anything else."""

from binascii import unhexlify
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.models import Membership, Role
from tests.backoffice.conftest import make_staff
from tests.browser.test_backoffice import sign_in
from tests.factories import make_merchant

# serialized_rollback: the flush after the test would drop the currencies of the data migration
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

OWN_PASSWORD = "my-own-long-passphrase-31"


def code_of(device: TOTPDevice) -> str:
    token = totp(unhexlify(device.key), step=device.step, t0=device.t0, digits=device.digits)
    return f"{token:0{device.digits}d}"


def test_admin_adds_an_operator_who_signs_in_with_the_temporary_password(
    live_server: Any, page: Any, browser: Any, artifacts: Path
) -> None:
    merchant = make_merchant()
    admin = make_staff(merchant=merchant, role=Role.ADMINISTRATOR)
    base = live_server.url
    sign_in(page, base, admin)

    page.click("[data-nav=users]")
    page.wait_for_url("**/mportal/users/")
    page.click("[data-action=user-create]")
    page.wait_for_url("**/mportal/users/new/")
    page.fill("#id_username", "nadia.op")
    page.fill("#id_first_name", "Nadia")
    page.fill("#id_last_name", "Trabelsi")
    page.fill("#id_email", "nadia@example.tn")
    page.select_option("#id_role", Role.OPERATOR)
    page.click("main form button[type=submit]")
    secret = page.locator("[data-secret]")
    secret.wait_for()
    password = secret.inner_text().strip()
    assert page.locator("[data-username]").inner_text().strip() == "nadia.op"
    user = get_user_model().objects.get(username="nadia.op")
    assert user.check_password(password)
    assert Membership.objects.get(user=user, merchant=merchant).role == Role.OPERATOR
    page.screenshot(path=str(artifacts / "backoffice-user-added.png"), full_page=True)

    # Shown once: the user's page and the list never show it again.
    page.click(f"a[href$='/mportal/users/{user.pk}/']")
    page.wait_for_url(f"**/mportal/users/{user.pk}/")
    assert password not in page.content()
    page.goto(f"{base}/mportal/users/")
    assert "nadia.op" in page.locator("table[data-users]").inner_text()
    assert password not in page.content()

    # The operator's first sign-in: password, two-factor set-up, then their own password first of all.
    context = browser.new_context(locale="fr-FR", viewport={"width": 1100, "height": 900})
    operator = context.new_page()
    operator.set_default_timeout(15_000)
    operator.goto(f"{base}/mportal/login/")
    operator.fill("#id_username", "nadia.op")
    operator.fill("#id_password", password)
    operator.click("main form button[type=submit]")
    operator.wait_for_url("**/mportal/login/setup/")
    operator.fill("#id_code", code_of(TOTPDevice.objects.get(user=user, confirmed=False)))
    operator.click("main form button[type=submit]")
    operator.wait_for_url("**/mportal/password/")
    assert operator.locator("[data-forced]").count() == 1
    operator.goto(f"{base}/mportal/orders/")
    assert operator.url.endswith("/mportal/password/")  # nothing else before the change
    operator.fill("#id_old_password", password)
    operator.fill("#id_new_password1", OWN_PASSWORD)
    operator.fill("#id_new_password2", OWN_PASSWORD)
    operator.click("main form button[type=submit]")
    operator.wait_for_selector("main .good")
    operator.goto(f"{base}/mportal/orders/")
    assert operator.url.endswith("/mportal/orders/")
    assert operator.locator("[data-nav=users]").count() == 0  # an operator does not manage users
    context.close()
    user.refresh_from_db()
    assert user.check_password(OWN_PASSWORD)
