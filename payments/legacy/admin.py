"""Support sets each shop's legacy form settings and sees every call made to its control URL."""

from django.contrib import admin
from django.http import HttpRequest

from .models import LegacyCall, LegacyPayment, LegacySettings

CALL_FIELDS = [
    "created_at",
    "action",
    "url",
    "http_status",
    "response_excerpt",
    "error",
    "accepted",
    "duration_ms",
]


class LegacyCallInline(admin.TabularInline):
    model = LegacyCall
    fields = CALL_FIELDS
    readonly_fields = CALL_FIELDS
    extra = 0
    can_delete = False
    ordering = ["-created_at", "-id"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a record of what happened, written only by the services


@admin.register(LegacySettings)
class LegacySettingsAdmin(admin.ModelAdmin):
    list_display = ["affilie", "merchant", "enabled", "control_url", "updated_at"]
    list_filter = ["enabled"]
    search_fields = ["affilie", "merchant__code", "merchant__name"]
    list_select_related = ["merchant"]
    autocomplete_fields = ["merchant"]
    fields = ["merchant", "affilie", "enabled", "control_url", "success_url", "failure_url"]


@admin.register(LegacyPayment)
class LegacyPaymentAdmin(admin.ModelAdmin):
    list_display = ["reference", "settings", "order", "action", "status", "attempts", "created_at"]
    list_filter = ["status", "action"]
    search_fields = ["reference", "=order__order_id", "settings__affilie"]
    list_select_related = ["settings", "order"]
    date_hierarchy = "created_at"
    fields = [
        "settings",
        "order",
        "reference",
        "sid",
        "action",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [LegacyCallInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # payments come from the shops' forms only


@admin.register(LegacyCall)
class LegacyCallAdmin(admin.ModelAdmin):
    # DETAIL checks that stopped a payment have no payment row: they are found here.
    list_display = ["created_at", "settings", "reference", "action", "http_status", "accepted"]
    list_filter = ["action", "accepted"]
    search_fields = ["reference", "settings__affilie"]
    list_select_related = ["settings"]
    date_hierarchy = "created_at"
    fields = ["settings", "payment", "reference", *CALL_FIELDS]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
