"""The one writer of the audit journal."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.http import HttpRequest

from fraud.ip import client_ip, parse_ip
from payments.models import Merchant

from .models import AuditAction, AuditEvent, AuditOutcome


def request_ip(request: HttpRequest | None) -> str | None:
    """The caller's address under the trusted-proxy rule, or None (tests and shell callers have none)."""
    if request is None:
        return None
    address = client_ip(request)
    return address if parse_ip(address) else None


def audit_record(
    *,
    action: AuditAction,
    request: HttpRequest | None,
    user: AbstractBaseUser | AnonymousUser | None = None,
    username: str = "",
    merchant: Merchant | None = None,
    outcome: AuditOutcome = AuditOutcome.SUCCESS,
    target: models.Model | None = None,
    target_id: str = "",
    detail: str = "",
) -> AuditEvent:
    """Append one row to the journal. Never raises for missing context: a sign-in may know no user.

    Not idempotent: each call is one event (a retried action is a second thing someone did).
    """
    if user is None and request is not None:
        user = getattr(request, "user", None)
    real_user = user if user is not None and user.is_authenticated else None
    if merchant is None and request is not None:
        merchant = getattr(request, "merchant", None)
    if target is not None and not target_id:
        target_id = str(getattr(target, "order_id", None) or target.pk)
    return AuditEvent.objects.create(
        merchant=merchant,
        user=real_user,
        username=(username or (real_user.get_username() if real_user else ""))[:150],
        action=action,
        outcome=outcome,
        ip_address=request_ip(request),
        object_type=target._meta.model_name if target is not None else "",
        object_id=target_id[:64],
        detail=detail[:255],
    )
