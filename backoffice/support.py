"""Support staff's writes from the Django admin, each with one audit row, and the "view as merchant" session.

Secrets made here (API passwords, callback keys, user passwords) are returned once to be shown once: only
their hashes are stored (the callback key excepted: it signs notifications, so the gateway needs it clear,
but no page ever shows it again).
"""

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from payments.models import ApiAccount, Merchant
from payments.services import credentials

from . import members, services
from .audit import audit_record
from .models import AuditAction, Membership, Role

RESET_PERMISSION = "backoffice.reset_credentials"
VIEW_AS_PERMISSION = "payments.view_merchant"
SUPPORT_VIEW_SESSION_KEY = "bo_support_view"


class SupportRefused(Exception):
    """A support action that cannot be done; `message` is for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def can_reset_credentials(user: Any) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm(RESET_PERMISSION))


def _merchant_of_user(user: Any) -> Merchant | None:
    membership = Membership.objects.filter(user=user).select_related("merchant").order_by("pk").first()
    return membership.merchant if membership else None


def support_api_credentials_issue(
    *, request: HttpRequest, merchant: Merchant, username: str
) -> tuple[ApiAccount, str, bool]:
    """Create the merchant's API account `username`, or give an existing one a new password.

    Returns (account, clear password, created). Raises SupportRefused when the name belongs to another
    merchant, or when resetting without the supervisor permission. Not idempotent: each call is a new secret.
    """
    with transaction.atomic():
        account = ApiAccount.objects.select_for_update().filter(username=username).first()
        if account is not None and account.merchant_id != merchant.pk:
            raise SupportRefused(_("This user name belongs to another merchant."))
        if account is not None:
            if not can_reset_credentials(request.user):
                raise SupportRefused(_("Only a support supervisor may reset a password."))
            password = credentials.api_account_set_password(account=account)
            action = AuditAction.API_PASSWORD_CHANGE
        else:
            try:
                with transaction.atomic():
                    account, password = credentials.api_account_create(merchant=merchant, username=username)
            except IntegrityError as error:  # created meanwhile by someone else
                raise SupportRefused(_("This user name is already taken.")) from error
            action = AuditAction.API_ACCOUNT_CREATE
        audit_record(action=action, request=request, merchant=merchant, target=account, detail=username)
    return account, password, action == AuditAction.API_ACCOUNT_CREATE


def support_callback_key_issue(*, request: HttpRequest, merchant: Merchant) -> str:
    """A callback key for the merchant, returned once. Replacing an existing key is a supervisor's reset."""
    if merchant.callback_key and not can_reset_credentials(request.user):
        raise SupportRefused(_("Only a support supervisor may replace a callback key."))
    return services.merchant_callback_key_rotate(request=request, merchant=merchant)


def support_backoffice_admin_create(
    *, request: HttpRequest, merchant: Merchant, username: str, email: str
) -> tuple[Any, str]:
    """A new back-office user, administrator of `merchant`, with a temporary password returned once.

    At first sign-in the user enrols a TOTP device, then must replace the password, which support saw
    (see members.temporary_password_issue). Raises SupportRefused when the user name is taken.
    """
    User = get_user_model()
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, email=email)
            Membership.objects.create(user=user, merchant=merchant, role=Role.ADMINISTRATOR)
            password = members.temporary_password_issue(
                request=request, merchant=merchant, user=user, key=uuid.uuid4()
            )
            audit_record(
                action=AuditAction.USER_CREATE,
                request=request,
                merchant=merchant,
                target=user,
                detail=f"{username} ({Role.ADMINISTRATOR})",
            )
    except IntegrityError as error:
        raise SupportRefused(_("This user name is already taken.")) from error
    return user, password


def _require_reset(request: HttpRequest) -> None:
    if not can_reset_credentials(request.user):
        raise SupportRefused(_("Only a support supervisor may reset credentials."))


def support_user_password_reset(*, request: HttpRequest, user: AbstractBaseUser) -> str:
    """A new password for a user, returned once; temporary for a back-office user, who must replace it
    at the next sign-in. Supervisors only (SupportRefused)."""
    _require_reset(request)
    merchant = _merchant_of_user(user)
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        if merchant is not None:  # a back-office user, whose back-office asks them to replace it
            members.temporary_password_mark(request=request, merchant=merchant, user=user, key=uuid.uuid4())
        audit_record(
            action=AuditAction.PASSWORD_CHANGE,
            request=request,
            merchant=merchant,
            target=user,
            detail=f"reset by support: {user.get_username()}",
        )
    return password


def support_user_password_chosen(*, request: HttpRequest, user: AbstractBaseUser) -> bool:
    """Support chose `user`'s password in the admin's own forms. For a back-office user it opens one
    session, which must replace it, as the passwords support generates do (True); others keep it."""
    merchant = _merchant_of_user(user)
    if merchant is None or not user.has_usable_password():
        return False
    members.temporary_password_mark(request=request, merchant=merchant, user=user, key=uuid.uuid4())
    return True


def support_user_two_factor_reset(*, request: HttpRequest, user: AbstractBaseUser) -> int:
    """Delete the user's TOTP devices: they enrol a new one at next sign-in. Supervisors only.

    Returns how many devices were deleted; idempotent (a second call deletes none, and is still recorded).
    """
    _require_reset(request)
    with transaction.atomic():
        deleted, _by_model = TOTPDevice.objects.filter(user=user).delete()
        audit_record(
            action=AuditAction.TWO_FACTOR_RESET,
            request=request,
            merchant=_merchant_of_user(user),
            target=user,
            detail=f"{user.get_username()}: {deleted} devices",
        )
    return deleted


# --- view as merchant --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupportView:
    merchant: Merchant
    support_user_id: int


def support_view_start(*, request: HttpRequest, merchant: Merchant) -> None:
    """Open the merchant's back-office read-only in this session, and record it."""
    if not (request.user.is_staff and request.user.has_perm(VIEW_AS_PERMISSION)):
        raise SupportRefused(_("You may not view merchants."))
    request.session[SUPPORT_VIEW_SESSION_KEY] = {"merchant_id": merchant.pk, "user_id": request.user.pk}
    audit_record(action=AuditAction.SUPPORT_VIEW_START, request=request, merchant=merchant, target=merchant)


def support_view_get(request: HttpRequest) -> SupportView | None:
    """The support view of this session, while the signed-in user is still the staff member who opened it."""
    flag = request.session.get(SUPPORT_VIEW_SESSION_KEY)
    user = request.user
    if not flag or not user.is_authenticated:
        return None
    if flag.get("user_id") != user.pk or not (user.is_active and user.is_staff):
        return None
    if not user.has_perm(VIEW_AS_PERMISSION):
        return None
    merchant = Merchant.objects.select_related("default_currency").filter(pk=flag.get("merchant_id")).first()
    return SupportView(merchant=merchant, support_user_id=user.pk) if merchant else None


def support_view_end(*, request: HttpRequest) -> Merchant | None:
    """Close the support view of this session, and record it. Idempotent: nothing open, nothing recorded."""
    view = support_view_get(request)
    request.session.pop(SUPPORT_VIEW_SESSION_KEY, None)
    if view is None:
        return None
    audit_record(
        action=AuditAction.SUPPORT_VIEW_END, request=request, merchant=view.merchant, target=view.merchant
    )
    return view.merchant
