"""The demo back-office user: administrator of the demo merchant, with a fixed TOTP secret to type in."""

from base64 import b32decode
from binascii import hexlify

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from payments.models import Merchant

from .models import Membership, Role
from .two_factor import DEVICE_NAME

# Fixed so the README and seed_demo can print it; demo only (anyone reading this can sign in).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPCLICTOPAYDEMO234"  # noqa: S105  demo only, printed by seed_demo


def seed_portal_user(merchant: Merchant, username: str = "demo") -> str:
    """Make `username` the merchant's administrator with a confirmed TOTP device. Returns its base32
    secret. Safe to run twice: nothing is duplicated, and the secret stays the same."""
    user = get_user_model().objects.get(username=username)
    Membership.objects.update_or_create(user=user, merchant=merchant, defaults={"role": Role.ADMINISTRATOR})
    key = hexlify(b32decode(DEMO_TOTP_SECRET)).decode()
    TOTPDevice.objects.update_or_create(user=user, name=DEVICE_NAME, defaults={"key": key, "confirmed": True})
    return DEMO_TOTP_SECRET


def seed_extractions(merchant: Merchant) -> None:
    """Turn the daily extraction option on (XLSX) and build yesterday's file, as the nightly job would
    have. Safe to run twice: the file of a day is built once."""
    from datetime import timedelta

    from django.utils import timezone

    from .extractions import extraction_build, extraction_settings_update

    extraction_settings_update(merchant=merchant, enabled=True, format="xlsx", emails="")
    extraction_build(merchant=merchant, business_date=timezone.localdate() - timedelta(days=1))
