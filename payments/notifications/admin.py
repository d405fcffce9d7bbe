"""Support sees every notification sent to a shop, each HTTP attempt, and can send one again."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy, ngettext

from . import services
from .models import CallbackAttempt, CallbackDelivery


class CallbackAttemptInline(admin.TabularInline):
    model = CallbackAttempt
    fields = ["created_at", "http_status", "response_excerpt", "error", "duration_ms"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-created_at", "-id"]  # the latest attempt first

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # attempts are a record of what happened, written only by the services


@admin.register(CallbackDelivery)
class CallbackDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "order", "event", "status", "attempts", "next_attempt_at", "created_at"]
    list_filter = ["status", "event", "method"]
    search_fields = ["order__order_number", "=order__order_id", "order__merchant__code"]
    list_select_related = ["order"]
    date_hierarchy = "created_at"
    fields = [
        "order",
        "operation",
        "event",
        "status",
        "attempts",
        "next_attempt_at",
        "method",
        "url",
        "params",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [CallbackAttemptInline]
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # deliveries come from operations only

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # the attempt log is evidence for disputes with the shop

    @admin.action(description=gettext_lazy("Send the selected notifications again now"))
    def replay(self, request: HttpRequest, queryset: QuerySet[CallbackDelivery]) -> None:
        delivered = failed = 0
        for delivery in queryset:
            attempt = services.callback_replay(delivery=delivery)
            if attempt is not None and attempt.succeeded:
                delivered += 1
            else:
                failed += 1
        if delivered:
            self.message_user(
                request,
                ngettext("%(count)d notification delivered.", "%(count)d notifications delivered.", delivered)
                % {"count": delivered},
                messages.SUCCESS,
            )
        if failed:
            self.message_user(
                request,
                ngettext(
                    "%(count)d notification not delivered: see its attempts.",
                    "%(count)d notifications not delivered: see their attempts.",
                    failed,
                )
                % {"count": failed},
                messages.WARNING,
            )
