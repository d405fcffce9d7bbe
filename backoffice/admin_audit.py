"""Every change made in the Django admin also lands in the back-office's audit journal.

Observation only: the receiver copies the admin's own LogEntry (written by every ModelAdmin, whichever app
it belongs to) into an AuditEvent, with the merchant the object belongs to. No business logic hangs on it.
The admin writes one LogEntry per object with save(), except for bulk deletions of several rows, which use
bulk_create and send no signal: the bulk "delete selected" action is switched off site-wide (apps.py), and
AuditedAdminMixin.log_deletions records them anyway for the admins using it.
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db.models import Model, QuerySet
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest

from payments.models import Merchant

from .audit import audit_record
from .models import AuditAction, Membership

ACTIONS = {
    ADDITION: AuditAction.ADMIN_ADD,
    CHANGE: AuditAction.ADMIN_CHANGE,
    DELETION: AuditAction.ADMIN_DELETE,
}


def merchant_of(obj: Model | None) -> Merchant | None:
    """The merchant an object belongs to, when it has one (directly, or through a contract or an order)."""
    if obj is None:
        return None
    if isinstance(obj, Merchant):
        return obj
    for path in ("merchant", "contract", "order"):
        related = getattr(obj, path, None)
        if isinstance(related, Merchant):
            return related
        if isinstance(related, Model) and path != "merchant":
            return merchant_of(related)
    if hasattr(obj, "memberships"):  # a user: the first merchant they belong to
        membership = Membership.objects.filter(user=obj).select_related("merchant").order_by("pk").first()
        return membership.merchant if membership else None
    return None


def _record(entry: LogEntry, obj: Model | None, request: HttpRequest | None = None) -> None:
    merchant = merchant_of(obj)
    if entry.action_flag == DELETION and obj == merchant:
        merchant = None  # the journal's row would protect the merchant from its own deletion
    audit_record(
        action=ACTIONS[entry.action_flag],
        request=request,
        user=entry.user,
        merchant=merchant,
        target_id=str(entry.object_id or ""),
        detail=f"{entry.content_type.app_label}.{entry.content_type.model}: {entry.object_repr}"
        f" {entry.get_change_message()}".strip(),
    )


@receiver(post_save, sender=LogEntry, dispatch_uid="backoffice_audit_admin_log_entry")
def audit_admin_log_entry(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    if not created or instance.action_flag not in ACTIONS:
        return
    try:
        obj = instance.get_edited_object()  # still there: deletions are logged before the delete
    except Exception:
        obj = None
    _record(instance, obj)


class AuditedAdminMixin(admin.ModelAdmin):
    """Bulk deletions of several rows skip the signal (bulk_create): record them one by one here."""

    def log_deletions(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        objects = list(queryset)
        entries = super().log_deletions(request, queryset)
        if isinstance(entries, list) and len(entries) > 1:
            for entry, obj in zip(entries, objects, strict=False):
                _record(entry, obj, request)
        return entries
