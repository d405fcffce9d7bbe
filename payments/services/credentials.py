"""API account passwords: stored as Django password hashes, verified fast, rotated by the merchant."""

import hashlib
import hmac
import secrets
import time

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone

from payments.models import ApiAccount, Merchant

# Verified (user name, password, stored hash) triples, as keyed digests. The slow hash then runs once per
# process and password instead of on every call; a changed password changes the stored hash, so an old
# entry can never match again. Bounded, and entries expire.
_verified: dict[str, float] = {}
_VERIFIED_MAX = 10_000


def _digest(username: str, password: str, stored_hash: str) -> str:
    message = "\0".join((username, password, stored_hash)).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def api_account_verify(*, username: str, password: str) -> ApiAccount | None:
    """The active account with these credentials (and its merchant), or None."""
    found = ApiAccount.objects.select_related("merchant", "merchant__default_currency").filter(
        username=username, is_active=True, merchant__is_active=True
    )[:1]  # user names are unique: no ORDER BY (first() would add one)
    account = next(iter(found), None)
    if account is None:
        make_password(password)  # same work as a wrong password, so timing does not reveal user names
        return None
    digest = _digest(username, password, account.password)
    now = time.monotonic()
    if _verified.get(digest, 0) > now:
        return account
    if not check_password(password, account.password):
        return None
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[digest] = now + settings.API_AUTH_CACHE_SECONDS
    return account


def api_account_create(
    *, merchant: Merchant, username: str, password: str | None = None
) -> tuple[ApiAccount, str]:
    """Create an API account. Returns it with its clear password, to be shown once and never again."""
    password = password or secrets.token_urlsafe(18)
    account = ApiAccount.objects.create(
        merchant=merchant,
        username=username,
        password=make_password(password),
        password_changed_at=timezone.now(),
    )
    return account, password


def api_account_set_password(*, account: ApiAccount, password: str | None = None) -> str:
    """Replace the password (a new random one if none given); the old one is refused from now on."""
    password = password or secrets.token_urlsafe(18)
    account.password = make_password(password)
    account.password_changed_at = timezone.now()
    account.save(update_fields=["password", "password_changed_at"])
    return password
