"""Back-office reads. Every function takes `merchant=` and filters by it: another merchant's row is a 404."""

import uuid
from datetime import date
from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_otp.plugins.otp_totp.models import TOTPDevice

from fraud.models import BlacklistEntry, FraudCheck
from fraud.selectors import blacklist_entry_for_order, fraud_checks_for_order
from payments.models import (
    ActionCode,
    ApiAccount,
    Contract,
    Currency,
    Merchant,
    Operation,
    Order,
    Remittance,
    Terminal,
)

from .access import usable_memberships
from .models import AuditEvent, DailyExtraction, Export, Membership


def order_list(*, merchant: Merchant) -> QuerySet[Order]:
    return Order.objects.filter(merchant=merchant).select_related("currency", "terminal", "sale")


def order_get(*, merchant: Merchant, order_id: uuid.UUID) -> Order:
    return get_object_or_404(
        Order.objects.select_related("currency", "terminal", "sale__remittance__contract"),
        merchant=merchant,
        order_id=order_id,
    )


def order_operations(*, merchant: Merchant, order: Order) -> QuerySet[Operation]:
    return Operation.objects.filter(order=order, order__merchant=merchant).select_related(
        "user", "api_account"
    )


def order_fraud_checks(*, merchant: Merchant, order: Order) -> QuerySet[FraudCheck]:
    return fraud_checks_for_order(merchant=merchant, order=order).select_related(
        "blacklist_entry", "blacklist_entry__added_by"
    )


def order_blacklist_entry(*, merchant: Merchant, order: Order) -> BlacklistEntry | None:
    return blacklist_entry_for_order(merchant=merchant, order=order)


def blacklist_entries(*, merchant: Merchant) -> QuerySet[BlacklistEntry]:
    """All the merchant's entries, removed ones too: the page shows each one's state, and the history."""
    return BlacklistEntry.objects.filter(merchant=merchant).select_related("order", "added_by", "removed_by")


def blacklist_entry_get(*, merchant: Merchant, entry_id: int) -> BlacklistEntry:
    """One of the merchant's entries, removed or not (a removed one is answered "already removed")."""
    return get_object_or_404(
        BlacklistEntry.objects.select_related("order", "added_by"), pk=entry_id, merchant=merchant
    )


def order_deliveries(*, merchant: Merchant, order: Order) -> list[Any] | None:
    """The order's notifications to the shop with their attempts; None when that app is not installed."""
    if not apps.is_installed("payments.notifications"):
        return None
    try:
        from payments.notifications.models import CallbackDelivery
    except ImportError:  # being built alongside: the page works without it
        return None
    return list(
        CallbackDelivery.objects.filter(order=order, order__merchant=merchant)
        .select_related("operation")
        .prefetch_related("attempt_log")
        .order_by("created_at", "id")
    )


def action_code_descriptions() -> dict[int, str]:
    """Code -> description in the active language (a few dozen rows: read once per page)."""
    return {row.code: row.description for row in ActionCode.objects.all()}


def merchant_terminals(*, merchant: Merchant) -> QuerySet[Terminal]:
    return Terminal.objects.filter(contract__merchant=merchant).order_by("terminal_id")


def merchant_currencies(*, merchant: Merchant) -> QuerySet[Currency]:
    """Currencies of the merchant's active contracts: what MOTO may charge in."""
    return Currency.objects.filter(
        numeric_code__in=Contract.currencies.through.objects.filter(
            contract__merchant=merchant, contract__is_active=True
        ).values("currency_id")
    ).order_by("alpha_code")


def merchant_contracts(*, merchant: Merchant) -> QuerySet[Contract]:
    return (
        Contract.objects.filter(merchant=merchant)
        .prefetch_related("terminals", "currencies", "payment_methods")
        .order_by("pk")
    )


def merchant_api_accounts(*, merchant: Merchant) -> QuerySet[ApiAccount]:
    return ApiAccount.objects.filter(merchant=merchant).order_by("username")


def api_account_get(*, merchant: Merchant, account_id: int) -> ApiAccount:
    return get_object_or_404(ApiAccount, pk=account_id, merchant=merchant)


def audit_list(*, merchant: Merchant) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(merchant=merchant).select_related("user")


def member_list(*, merchant: Merchant) -> QuerySet[Membership]:
    """The merchant's users (deactivated ones too), with whether they set up two-factor and whether they
    also belong to another merchant (never which one: that is the other merchant's business)."""
    return (
        Membership.objects.filter(merchant=merchant)
        .select_related("user", "user__temporary_password")
        .annotate(
            two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)),
            elsewhere=Exists(
                Membership.objects.filter(user=OuterRef("user")).exclude(merchant=OuterRef("merchant"))
            ),
        )
        .order_by("user__username")
    )


def member_get(*, merchant: Merchant, user_id: int) -> Membership:
    """One of the merchant's users by user id; another merchant's user is a 404."""
    return get_object_or_404(member_list(merchant=merchant), user_id=user_id)


def switchable_membership_get(*, user: Any, merchant_id: int) -> Membership:
    """The user's usable membership of `merchant_id`; any other merchant (or a deactivated one) is a 404."""
    return get_object_or_404(usable_memberships(user).select_related("merchant"), merchant_id=merchant_id)


def remittance_list(*, merchant: Merchant) -> QuerySet[Remittance]:
    return (
        Remittance.objects.filter(merchant=merchant)
        .select_related("contract", "currency")
        .order_by("-business_date", "-pk")
    )


def remittance_get(*, merchant: Merchant, remittance_id: int) -> Remittance:
    return get_object_or_404(
        Remittance.objects.select_related("contract", "currency"), pk=remittance_id, merchant=merchant
    )


def export_get(*, merchant: Merchant, export_id: int) -> Export:
    return get_object_or_404(Export, pk=export_id, merchant=merchant)


def extraction_list(*, merchant: Merchant) -> QuerySet[DailyExtraction]:
    return DailyExtraction.objects.filter(merchant=merchant).order_by("-business_date")


def extraction_get(*, merchant: Merchant, business_date: date, format: str | None = None) -> DailyExtraction:
    found = DailyExtraction.objects.filter(merchant=merchant, business_date=business_date)
    return get_object_or_404(found.filter(format=format) if format else found)


def parse_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise Http404 from error
