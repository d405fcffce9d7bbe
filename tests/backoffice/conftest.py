"""Back-office test helpers: staff users with a role and a TOTP device, and clients signed in with both."""

import itertools
from binascii import unhexlify
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.models import Membership, Role
from payments.models import Merchant
from tests.factories import make_merchant

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-9"


def make_staff(
    *, merchant: Merchant, role: str = Role.OPERATOR, device: bool = True, username: str = ""
) -> Any:
    user = get_user_model().objects.create_user(username or f"staff{next(_seq)}", password=PASSWORD)
    Membership.objects.create(user=user, merchant=merchant, role=role)
    if device:
        TOTPDevice.objects.create(user=user, name="mportal", confirmed=True)
    return user


def current_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    totp = TOTP(unhexlify(device.key), step=device.step, t0=device.t0, digits=device.digits)
    totp.time += offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def signed_in(user: Any) -> Client:
    """A client past both factors, without walking the sign-in pages (tested on their own)."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()
    return client


@pytest.fixture
def merchant(db: Any) -> Merchant:
    return make_merchant(currencies=("TND", "EUR", "USD"))


@pytest.fixture
def operator(merchant: Merchant) -> Any:
    return make_staff(merchant=merchant, role=Role.OPERATOR)


@pytest.fixture
def admin_client(merchant: Merchant) -> Client:
    return signed_in(make_staff(merchant=merchant, role=Role.ADMINISTRATOR))


@pytest.fixture
def operator_client(operator: Any) -> Client:
    return signed_in(operator)


@pytest.fixture
def viewer_client(merchant: Merchant) -> Client:
    return signed_in(make_staff(merchant=merchant, role=Role.VIEWER))
