"""A merchant's administrator manages the merchant's users; a user of several merchants switches between them.

Every write locks the merchant's memberships first (ordered by pk, then the user row), so two
administrators acting at once are serialised: the second one decides on what the first one left (for
example, that they are no longer an administrator), and the merchant always keeps an active administrator.
Each write, and each refusal, appends one audit row.
"""

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from enum import StrEnum
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from payments.models import Merchant

from .access import ACTIVE_MERCHANT_SESSION_KEY
from .audit import audit_record
from .models import AuditAction, AuditOutcome, Membership, Role, TemporaryPassword

# Long enough to hand the password over and sign in; after that the administrator issues a new one.
TEMPORARY_PASSWORD_LIFETIME = timedelta(days=7)


class MemberRefused(Exception):
    """A user change that is not allowed; `message` is for the administrator who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MemberAction(StrEnum):
    ROLE = "role"
    DEACTIVATE = "deactivate"
    REACTIVATE = "reactivate"
    PASSWORD = "password"  # noqa: S105 (an action's name)
    TWO_FACTOR = "two_factor"


SHARED_CREDENTIALS = (MemberAction.PASSWORD, MemberAction.TWO_FACTOR)


def member_action_refusal(
    *, action: MemberAction, actor: Membership, target: Membership, elsewhere: bool
) -> str | None:
    """Why `actor` may not do `action` to `target`, or None. `elsewhere`: the target belongs to another
    merchant too. Written once: pages offer an action only when this is None, services ask again under lock.
    """
    if not (actor.is_active and actor.role == Role.ADMINISTRATOR):
        return _("Only an administrator of this merchant may manage its users.")
    if target.user_id == actor.user_id:
        if action == MemberAction.PASSWORD:
            return _("Change your own password on the Password page.")
        if action == MemberAction.TWO_FACTOR:
            return _("Another administrator must reset your own two-factor device.")
        return _("You cannot change your own role or access: ask another administrator.")
    if action in SHARED_CREDENTIALS:
        user = target.user
        if user.is_staff or user.is_superuser:
            return _("This account belongs to ClicToPay staff: only ClicToPay support may reset it.")
        if elsewhere:
            return _(
                "This user also has access to another merchant, which uses the same password and"
                " two-factor device: only ClicToPay support may reset them."
            )
    return None


def _elsewhere(target: Membership) -> bool:
    return Membership.objects.filter(user_id=target.user_id).exclude(merchant_id=target.merchant_id).exists()


def _has_administrator(memberships: dict[int, Membership]) -> bool:
    return any(m.is_active and m.role == Role.ADMINISTRATOR for m in memberships.values())


@contextmanager
def _change(*, request: HttpRequest, merchant: Merchant, action: str, target_id: str) -> Iterator[None]:
    """One transaction for the change. A refusal rolls it back, then is recorded (outside that
    transaction, so the row stays) and reaches the caller."""
    try:
        with transaction.atomic():
            yield
    except MemberRefused as refusal:
        audit_record(
            action=action,
            request=request,
            merchant=merchant,
            outcome=AuditOutcome.REFUSED,
            target_id=target_id,
            detail=refusal.message,
        )
        raise


def _known_role(role: str) -> None:
    if role not in Role.values:  # the forms offer only these; the database refuses others too
        raise MemberRefused(_("This role does not exist."))


def _lock(*, merchant: Merchant, request: HttpRequest) -> tuple[dict[int, Membership], Membership]:
    """Lock the merchant's memberships (by user id) and return them with the acting administrator's."""
    memberships = {
        m.user_id: m for m in Membership.objects.select_for_update().filter(merchant=merchant).order_by("pk")
    }
    actor = memberships.get(request.user.pk)
    if actor is None or not (actor.is_active and actor.role == Role.ADMINISTRATOR):
        raise MemberRefused(_("Only an administrator of this merchant may manage its users."))
    return memberships, actor


def _locked_target(
    memberships: dict[int, Membership], actor: Membership, user_id: int, action: MemberAction
) -> Membership:
    target = memberships.get(user_id)
    if target is None:
        raise MemberRefused(_("This user has no access to this merchant."))
    target.user = get_user_model().objects.select_for_update().get(pk=user_id)
    if why := member_action_refusal(action=action, actor=actor, target=target, elsewhere=_elsewhere(target)):
        raise MemberRefused(why)
    return target


def temporary_password_issue(*, request: HttpRequest, merchant: Merchant, user: Any, key: uuid.UUID) -> str:
    """Set a random password that opens one session, which must replace it. The old password (and every
    session signed in with it: Django checks a hash of the password per request) stops working."""
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    user.save(update_fields=["password"])
    temporary_password_mark(request=request, merchant=merchant, user=user, key=key)
    return password


def temporary_password_mark(*, request: HttpRequest, merchant: Merchant, user: Any, key: uuid.UUID) -> None:
    """The user's current password, which someone else chose, opens one session, which must replace it."""
    now = timezone.now()
    TemporaryPassword.objects.update_or_create(
        user=user,
        defaults={
            "merchant": merchant,
            "issued_by": request.user,
            "password_hash": user.password,
            "issue_key": key,
            "created_at": now,
            "expires_at": now + TEMPORARY_PASSWORD_LIFETIME,
            "used_at": None,
        },
    )


def member_create(
    *,
    request: HttpRequest,
    merchant: Merchant,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    key: uuid.UUID,
) -> tuple[Any, str | None]:
    """A new user of `merchant` with a temporary password, returned once (None: this form was done already).

    Raises MemberRefused when the user name exists (in any merchant: which one is not said) or the actor is
    not an administrator. Idempotent per `key`: the same form posted twice creates one user.
    """
    with _change(request=request, merchant=merchant, action=AuditAction.USER_CREATE, target_id=""):
        _lock(merchant=merchant, request=request)
        _known_role(role)
        done = TemporaryPassword.objects.filter(issue_key=key).select_related("user").first()
        if done is not None and done.merchant_id == merchant.pk:
            return done.user, None
        User = get_user_model()
        if done is not None or User.objects.filter(username__iexact=username).exists():
            raise MemberRefused(_("This user name is already taken. Choose another one."))
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    username=username, email=email, first_name=first_name, last_name=last_name
                )
        except IntegrityError as error:  # created meanwhile, by another merchant or support
            raise MemberRefused(_("This user name is already taken. Choose another one.")) from error
        Membership.objects.create(user=user, merchant=merchant, role=role)
        password = temporary_password_issue(request=request, merchant=merchant, user=user, key=key)
        audit_record(
            action=AuditAction.USER_CREATE,
            request=request,
            merchant=merchant,
            target=user,
            detail=f"{username} ({role})",
        )
    return user, password


def member_role_set(*, request: HttpRequest, merchant: Merchant, user_id: int, role: str) -> bool:
    """Give the user `role` in this merchant. Returns False when they had it already (nothing recorded).

    Raises MemberRefused: not an administrator, one's own role, or no active administrator left.
    """
    return _membership_set(
        request=request,
        merchant=merchant,
        user_id=user_id,
        action=MemberAction.ROLE,
        field="role",
        value=role,
    )


def member_active_set(*, request: HttpRequest, merchant: Merchant, user_id: int, active: bool) -> bool:
    """Open or close this merchant to the user (their account and other merchants are left alone).

    Returns False when it already was so. A deactivated user's open sessions lose this merchant at their
    next request (access is checked on each). Raises MemberRefused like member_role_set.
    """
    action = MemberAction.REACTIVATE if active else MemberAction.DEACTIVATE
    return _membership_set(
        request=request, merchant=merchant, user_id=user_id, action=action, field="is_active", value=active
    )


def _membership_set(
    *, request: HttpRequest, merchant: Merchant, user_id: int, action: MemberAction, field: str, value: Any
) -> bool:
    """Set one field of the user's membership under the lock, keeping an active administrator."""
    with _change(request=request, merchant=merchant, action=AuditAction.USER_CHANGE, target_id=str(user_id)):
        memberships, actor = _lock(merchant=merchant, request=request)
        target = _locked_target(memberships, actor, user_id, action)
        if action == MemberAction.ROLE:
            _known_role(value)
        before = getattr(target, field)
        if before == value:
            return False
        setattr(target, field, value)
        if not _has_administrator(memberships):
            raise MemberRefused(_("The merchant must keep at least one active administrator."))
        target.save(update_fields=[field])
        change = f"role {before} -> {value}" if action == MemberAction.ROLE else f"{action}d"
        audit_record(
            action=AuditAction.USER_CHANGE,
            request=request,
            merchant=merchant,
            target=target.user,
            detail=f"{target.user.get_username()}: {change}",
        )
    return True


def member_password_reset(
    *, request: HttpRequest, merchant: Merchant, user_id: int, key: uuid.UUID
) -> str | None:
    """A new temporary password for the user, returned once (None: this form was done already).

    Their old password and open sessions stop working. Raises MemberRefused: one's own password, staff,
    or a user of another merchant too. Idempotent per `key`.
    """
    with _change(request=request, merchant=merchant, action=AuditAction.USER_CHANGE, target_id=str(user_id)):
        memberships, actor = _lock(merchant=merchant, request=request)
        target = _locked_target(memberships, actor, user_id, MemberAction.PASSWORD)
        if TemporaryPassword.objects.filter(issue_key=key).exists():
            return None
        password = temporary_password_issue(request=request, merchant=merchant, user=target.user, key=key)
        audit_record(
            action=AuditAction.USER_CHANGE,
            request=request,
            merchant=merchant,
            target=target.user,
            detail=f"{target.user.get_username()}: password reset",
        )
    return password


def member_two_factor_reset(*, request: HttpRequest, merchant: Merchant, user_id: int) -> int:
    """Remove the user's two-factor devices: their sessions end, and they set one up at next sign-in.

    Returns how many were removed; idempotent (none left: 0, nothing recorded). Raises MemberRefused
    like member_password_reset.
    """
    with _change(
        request=request, merchant=merchant, action=AuditAction.TWO_FACTOR_RESET, target_id=str(user_id)
    ):
        memberships, actor = _lock(merchant=merchant, request=request)
        target = _locked_target(memberships, actor, user_id, MemberAction.TWO_FACTOR)
        deleted, _by_model = TOTPDevice.objects.filter(user=target.user).delete()
        if deleted:
            audit_record(
                action=AuditAction.TWO_FACTOR_RESET,
                request=request,
                merchant=merchant,
                target=target.user,
                detail=f"{target.user.get_username()}: {deleted} devices",
            )
    return deleted


def merchant_switch(*, request: HttpRequest, current: Membership, chosen: Membership) -> bool:
    """Work on `chosen`'s merchant from now on in this session (the caller found it among the user's
    usable memberships). Returns False when it was the current one already (nothing recorded)."""
    if chosen.user_id != request.user.pk:  # callers pass a selector's row; this is a second lock on the door
        raise PermissionError("another user's membership")
    if chosen.merchant_id == current.merchant_id:
        return False
    request.session[ACTIVE_MERCHANT_SESSION_KEY] = chosen.merchant_id
    audit_record(
        action=AuditAction.MERCHANT_SWITCH,
        request=request,
        merchant=chosen.merchant,
        target=chosen.merchant,
        detail=f"from {current.merchant.code}",
    )
    return True


# --- temporary passwords at sign-in ------------------------------------------------------------------


def _temporary(user: AbstractBaseUser) -> TemporaryPassword | None:
    return TemporaryPassword.objects.filter(user_id=user.pk, password_hash=user.password).first()


def temporary_password_spent(user: AbstractBaseUser) -> bool:
    """The user's password is a temporary one that opened a session already, or expired."""
    pending = _temporary(user)
    return pending is not None and pending.spent()


def temporary_password_claim(user: AbstractBaseUser) -> bool | None:
    """At the end of a sign-in: claim the temporary password for this session (compare-and-set, so two
    sign-ins racing with it cannot both pass). None: the password is not a temporary one; False: it was
    claimed by another sign-in meanwhile (or expired), so this one must stop."""
    if _temporary(user) is None:
        return None
    claimed = TemporaryPassword.objects.filter(
        user_id=user.pk, password_hash=user.password, used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(used_at=timezone.now())
    return claimed == 1
