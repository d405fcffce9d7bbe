"""Back-office writes: each calls the owning app's service and appends one audit row, success or not.

Services stay the only writers (payments.services for orders and API accounts, fraud.services for the
blacklist); this module adds who did it from where, and the portal's own idempotency keys.
"""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest

from fraud import services as fraud_services
from fraud.models import BlacklistEntry
from payments.errors import OperationRefused
from payments.models import ActorType, ApiAccount, Merchant, Order
from payments.services import credentials, orders
from payments.services.common import Actor

from .audit import audit_record
from .models import AuditAction, AuditOutcome, TemporaryPassword

# Refunds from the portal carry their own namespace, so a shop's externalRefundId can never collide.
PORTAL_REFUND_PREFIX = "mportal-"


def staff_actor(user: AbstractBaseUser) -> Actor:
    return Actor(type=ActorType.STAFF, user=user)


@contextmanager
def refusal_audited(
    *, action: str, request: HttpRequest, merchant: Merchant, target: Order, detail: str = ""
) -> Iterator[None]:
    """A refused attempt is audited too (outcome REFUSED, with the reason), then reaches the caller."""
    try:
        yield
    except (OperationRefused, fraud_services.FraudRefused) as refusal:
        audit_record(
            action=action,
            request=request,
            merchant=merchant,
            outcome=AuditOutcome.REFUSED,
            target=target,
            detail=f"{detail}{refusal.message}",
        )
        raise


def portal_order_cancel(*, request: HttpRequest, merchant: Merchant, order: Order) -> Order:
    """Cancel (reverse) the order. Raises OperationRefused (remitted, cancelled already, never paid).

    Idempotent by state: a second submission finds the order cancelled and is refused, changing nothing.
    """
    with refusal_audited(action=AuditAction.ORDER_CANCEL, request=request, merchant=merchant, target=order):
        order = orders.order_reverse(order_pk=order.pk, actor=staff_actor(request.user))
    audit_record(action=AuditAction.ORDER_CANCEL, request=request, merchant=merchant, target=order)
    return order


def portal_order_refund(
    *, request: HttpRequest, merchant: Merchant, order: Order, amount: int, idempotency_key: str
) -> tuple[Order, bool]:
    """Refund `amount` minor units. Returns the order and whether this call refunded (False: a repeat).

    Raises OperationRefused (not remitted, above what is left, key reused with another amount).
    Idempotent per `idempotency_key` (the form's hidden key): a double submission refunds once.
    """
    external_id = PORTAL_REFUND_PREFIX + idempotency_key
    repeat = order.operations.filter(idempotency_key=f"refund:{external_id}").exists()
    with refusal_audited(
        action=AuditAction.ORDER_REFUND,
        request=request,
        merchant=merchant,
        target=order,
        detail=f"{amount}: ",
    ):
        order = orders.order_refund(
            order_pk=order.pk, amount=amount, actor=staff_actor(request.user), external_refund_id=external_id
        )
    if not repeat:  # a repeated form is not a second thing someone did
        audit_record(
            action=AuditAction.ORDER_REFUND,
            request=request,
            merchant=merchant,
            target=order,
            detail=str(amount),
        )
    return order, not repeat


def portal_blacklist_add(
    *, request: HttpRequest, merchant: Merchant, order: Order, reason: str
) -> BlacklistEntry:
    """Blacklist the order's card. Raises FraudRefused. Idempotent (one live entry per card)."""
    with refusal_audited(action=AuditAction.BLACKLIST_ADD, request=request, merchant=merchant, target=order):
        entry = fraud_services.blacklist_add(merchant=merchant, order=order, reason=reason, user=request.user)
    audit_record(
        action=AuditAction.BLACKLIST_ADD,
        request=request,
        merchant=merchant,
        target=order,
        detail=f"{entry.masked_pan}: {reason}",
    )
    return entry


def portal_blacklist_remove(*, request: HttpRequest, merchant: Merchant, entry: BlacklistEntry) -> bool:
    """Take the entry's card off the blacklist (the entry is kept, marked removed). Raises nothing.

    Idempotent: returns False, and records nothing, when the entry was already removed.
    """
    if entry.merchant_id != merchant.pk:  # callers pass a selector's row; this is a second lock on the door
        raise PermissionError("another merchant's blacklist entry")
    with transaction.atomic():
        removed = fraud_services.blacklist_remove(entry=entry, user=request.user)
        if removed:  # a repeated confirmation is not a second thing someone did
            audit_record(
                action=AuditAction.BLACKLIST_REMOVE,
                request=request,
                merchant=merchant,
                target=entry,
                target_id=str(entry.pk),  # not the order's: the entry outlives it
                detail=f"{entry.masked_pan}: {entry.reason}",
            )
    return removed


def portal_api_password_change(*, request: HttpRequest, merchant: Merchant, account: ApiAccount) -> str:
    """A new random API password, returned once to be shown once; the old one is refused from now on."""
    if account.merchant_id != merchant.pk:  # callers pass a selector's row; this is a second lock on the door
        raise PermissionError("another merchant's API account")
    with transaction.atomic():
        password = credentials.api_account_set_password(account=account)
        audit_record(
            action=AuditAction.API_PASSWORD_CHANGE,
            request=request,
            merchant=merchant,
            target=account,
            detail=account.username,
        )
    return password


def merchant_callback_key_rotate(*, request: HttpRequest, merchant: Merchant) -> str:
    """A new random callback key for the checksums of notifications, returned once to be shown once."""
    key = secrets.token_hex(32)
    with transaction.atomic():
        Merchant.objects.filter(pk=merchant.pk).update(callback_key=key)
        merchant.callback_key = key
        audit_record(
            action=AuditAction.CALLBACK_KEY_CHANGE, request=request, merchant=merchant, target=merchant
        )
    return key


def user_password_change(*, request: HttpRequest, user: AbstractBaseUser, password: str) -> None:
    """Set the signed-in user's own password (already validated by the form); a temporary one is gone."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        TemporaryPassword.objects.filter(user_id=user.pk).delete()
        audit_record(action=AuditAction.PASSWORD_CHANGE, request=request, user=user, target=user)
