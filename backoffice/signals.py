"""Sign-in events into the audit journal. Observation only: no business logic hangs on these signals."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from .audit import audit_record
from .models import AuditAction, AuditOutcome, Membership

# Set on the request by our views to say which step failed or why a session ended.
FAILURE_REASON_ATTR = "bo_failure_reason"
LOGOUT_REASON_ATTR = "bo_logout_reason"


def _merchant_of(user: Any) -> Any:
    membership = Membership.objects.filter(user=user).select_related("merchant").order_by("pk").first()
    return membership.merchant if membership else None


@receiver(user_logged_in, dispatch_uid="backoffice_audit_sign_in")
def audit_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(action=AuditAction.SIGN_IN, request=request, user=user, merchant=_merchant_of(user))


@receiver(user_login_failed, dispatch_uid="backoffice_audit_sign_in_failed")
def audit_sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    reason = getattr(request, FAILURE_REASON_ATTR, "password")
    if getattr(request, "axes_locked_out", False):
        reason = "locked out"
    audit_record(
        action=AuditAction.SIGN_IN_FAILED,
        request=request,
        user=None,
        username=str(credentials.get("username", "")),
        outcome=AuditOutcome.FAILURE,
        detail=reason,
    )


@receiver(user_locked_out, dispatch_uid="backoffice_audit_locked_out")
def audit_locked_out(sender: Any, request: HttpRequest | None, username: str | None, **kwargs: Any) -> None:
    audit_record(
        action=AuditAction.LOCKED_OUT,
        request=request,
        user=None,
        username=username or "",
        outcome=AuditOutcome.REFUSED,
        detail=str(kwargs.get("ip_address") or ""),
    )


@receiver(user_logged_out, dispatch_uid="backoffice_audit_sign_out")
def audit_sign_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    audit_record(
        action=AuditAction.SIGN_OUT,
        request=request,
        user=user,
        merchant=_merchant_of(user),
        detail=getattr(request, LOGOUT_REASON_ATTR, ""),
    )
