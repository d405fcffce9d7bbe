"""TOTP second factor for staff (django-otp): enrolment with a shown secret, and code checks."""

from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote, urlencode

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

ISSUER = "ClicToPay"
DEVICE_NAME = "mportal"


def confirmed_device(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def device_for_enrolment(user: AbstractBaseUser) -> TOTPDevice:
    """The user's unconfirmed device, created on first need; its secret is shown until a code confirms it."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        )
        return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def device_confirm(device: TOTPDevice) -> None:
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    device.confirmed = True


def secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in (RFC 4648 base32, no padding)."""
    return b32encode(unhexlify(device.key)).decode().rstrip("=")


def otpauth_uri(device: TOTPDevice, username: str) -> str:
    """The key-URI format authenticator apps import (also what a QR code would carry)."""
    label = quote(f"{ISSUER}:{username}")
    query = urlencode(
        {"secret": secret_base32(device), "issuer": ISSUER, "digits": device.digits, "period": device.step}
    )
    return f"otpauth://totp/{label}?{query}"


def code_is_valid(device: TOTPDevice, code: str) -> bool:
    """Checks the code within django-otp's throttle (repeated failures slow further tries down)."""
    code = "".join(code.split())
    if not code.isdigit():
        return False
    allowed, _why = device.verify_is_allowed()
    return bool(allowed) and device.verify_token(code)
