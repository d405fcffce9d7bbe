"""Support staff attach users to merchants here; the audit journal is read-only everywhere."""

from django.contrib import admin
from django.http import HttpRequest

from . import admin_support  # noqa: F401  registers the support staff's merchant, API account and user admins
from .admin_audit import AuditedAdminMixin
from .models import AuditEvent, DailyExtraction, ExtractionSettings, Membership


@admin.register(Membership)
class MembershipAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "merchant", "role", "created_at"]
    list_filter = ["role", "merchant__is_active"]
    search_fields = ["user__username", "user__email", "merchant__code", "merchant__name"]
    autocomplete_fields = ["merchant"]
    raw_id_fields = ["user"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "username", "merchant", "action", "outcome", "ip_address", "object_id"]
    list_filter = ["action", "outcome"]
    search_fields = ["username", "object_id", "detail"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False


@admin.register(ExtractionSettings)
class ExtractionSettingsAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["merchant", "enabled", "format", "emails", "token_created_at"]
    list_filter = ["enabled", "format"]
    autocomplete_fields = ["merchant"]


@admin.register(DailyExtraction)
class DailyExtractionAdmin(admin.ModelAdmin):
    list_display = ["business_date", "merchant", "format", "row_count", "created_at", "emailed_at"]
    list_filter = ["format"]
    date_hierarchy = "business_date"
