"""API account passwords: stored as Django password hashes, verified fast, rotated by the merchant."""

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone

from payments.models import ApiAccount, Merchant

# Verified (user name, password, stored hash) triples, as keyed digests. The slow hash then runs once per
# process and password instead of on every call; a changed password changes the stored hash, so an old
# entry can never match again. Bounded, and entries expire.
_verified: dict[str, float] = {}
_VERIFIED_MAX = 10_000

# On PostgreSQL, also the verified account itself by (user name, password), with the row versions
# of the account and its merchant as read then. The API's hot statements re-check those versions inside
# the statement that does the work (see RowVersions), so a password change, a deactivation or any edit
# of the merchant is seen at once, at no extra round trip.
_accounts: dict[str, tuple[float, ApiAccount]] = {}


def _version(table: str) -> str:
    """A row's version as text: the transaction that wrote it, and where."""
    return f"({table}.xmin::text || ' ' || {table}.ctid::text)"


class StaleCredentials(Exception):
    """A guarded statement found the account or its merchant changed (or found nothing): verify again."""


@dataclass(frozen=True)
class RowVersions:
    """The account and merchant rows as verified: a statement guarded by them acts only if both are
    unchanged and active. Every UPDATE in PostgreSQL writes a new row version at a new place (ctid), by
    its transaction (xmin): the pair tells an unchanged row from a changed one, even when the same
    transaction wrote both versions."""

    account_id: int
    account_version: str
    merchant_version: str

    GUARD = (
        "SELECT 1 FROM payments_apiaccount a JOIN payments_merchant m ON m.id = a.merchant_id "  # noqa: S608 (constant)
        f"WHERE a.id = %s AND {_version('a')} = %s AND {_version('m')} = %s AND a.is_active AND m.is_active"
    )

    @property
    def params(self) -> list[object]:
        return [self.account_id, self.account_version, self.merchant_version]


def _digest(*parts: str) -> str:
    message = "\0".join(parts).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _versioned() -> bool:
    return connection.vendor == "postgresql"


def versions_of(account: ApiAccount | None) -> RowVersions | None:
    """The row versions of an account from api_account_cached (PostgreSQL only), else None."""
    return getattr(account, "row_versions", None)


def api_account_cached(*, username: str, password: str) -> ApiAccount | None:
    """The account verified earlier by this process with this password, not re-read: its `row_versions`
    must guard whatever is done with it. None when not known here (then call api_account_verify)."""
    entry = _accounts.get(_digest(username, password))
    if entry is None or entry[0] < time.monotonic():
        return None
    return entry[1]


def api_account_forget(*, username: str, password: str) -> None:
    _accounts.pop(_digest(username, password), None)


def api_account_verify(*, username: str, password: str) -> ApiAccount | None:
    """The active account with these credentials (and its merchant), read now, or None."""
    found = ApiAccount.objects.select_related("merchant", "merchant__default_currency").filter(
        username=username, is_active=True, merchant__is_active=True
    )
    if _versioned():
        found = found.annotate(
            # In the same read as the rows themselves, so the versions are those of what was verified.
            account_version=RawSQL(_version("payments_apiaccount"), ()),  # noqa: S611 (constant)
            merchant_version=RawSQL(_version("payments_merchant"), ()),  # noqa: S611 (constant)
        )
    account = next(iter(found[:1]), None)  # user names are unique: no ORDER BY (first() would add one)
    if account is None:
        make_password(password)  # same work as a wrong password, so timing does not reveal user names
        return None
    digest = _digest(username, password, account.password)
    now = time.monotonic()
    if _verified.get(digest, 0) <= now:
        if not check_password(password, account.password):
            return None
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()
        _verified[digest] = now + settings.API_AUTH_CACHE_SECONDS
    if _versioned():
        _remember(username, password, account, now)
    return account


def _remember(username: str, password: str, account: ApiAccount, now: float) -> None:
    # A copy: the one returned to the caller may be changed by it; the remembered one is only read.
    remembered = ApiAccount.from_db(
        "default",
        [f.attname for f in ApiAccount._meta.concrete_fields],
        [getattr(account, f.attname) for f in ApiAccount._meta.concrete_fields],
    )
    remembered.merchant = account.merchant
    remembered.row_versions = RowVersions(account.pk, account.account_version, account.merchant_version)
    if len(_accounts) >= _VERIFIED_MAX:
        _accounts.clear()
    _accounts[_digest(username, password)] = (now + settings.API_AUTH_CACHE_SECONDS, remembered)


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
