from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from .models import (
    ActionCode,
    ApiAccount,
    Contract,
    Currency,
    Merchant,
    Operation,
    Order,
    PaymentMethod,
    Remittance,
    Terminal,
)


@admin.register(Currency)
class CurrencyAdmin(admin.ModelAdmin):
    list_display = ["alpha_code", "numeric_code", "exponent", "name"]


@admin.register(ActionCode)
class ActionCodeAdmin(TranslationAdmin):
    list_display = ["code", "description"]
    search_fields = ["code", "description"]


@admin.register(PaymentMethod)
class PaymentMethodAdmin(TranslationAdmin):
    list_display = ["code", "name"]


class TerminalInline(admin.TabularInline):
    model = Terminal
    extra = 0


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["merchant", "bank_name", "three_ds_enabled", "commission_bps", "is_active"]
    list_filter = ["is_active", "three_ds_enabled"]
    inlines = [TerminalInline]


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "default_currency", "is_active"]
    search_fields = ["code", "name"]
    exclude = ["callback_key"]


@admin.register(ApiAccount)
class ApiAccountAdmin(admin.ModelAdmin):
    list_display = ["username", "merchant", "is_active", "password_changed_at"]
    search_fields = ["username", "merchant__code"]
    readonly_fields = ["password", "password_changed_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money changes go through the services with their audit trail, never through the admin."""

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


class OperationInline(admin.TabularInline):
    model = Operation
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "amount", "success", "action_code", "actor_type", "detail"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["order_number", "merchant", "amount", "currency", "status", "action_code", "created_at"]
    list_filter = ["status", "authorization_type", "currency"]
    search_fields = ["order_number", "=order_id", "buyer_email", "=card_last4"]
    date_hierarchy = "created_at"
    list_select_related = ["merchant", "currency"]
    show_full_result_count = False
    inlines = [OperationInline]


@admin.register(Remittance)
class RemittanceAdmin(ReadOnlyAdmin):
    list_display = [
        "business_date", "merchant", "contract", "currency", "status", "order_count", "gross_amount",
        "refund_count", "refund_amount", "commission_amount", "net_amount", "file", "finished_at",
    ]  # fmt: skip
    list_filter = ["status", "business_date", "currency"]
    search_fields = ["merchant__code", "merchant__name"]
    date_hierarchy = "business_date"
    list_select_related = ["merchant", "contract__merchant", "currency"]
