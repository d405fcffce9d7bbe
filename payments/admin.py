from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
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
    RemittanceSale,
    Terminal,
)


@admin.register(Currency)
class CurrencyAdmin(admin.ModelAdmin):
    list_display = ["alpha_code", "numeric_code", "exponent", "name"]


@admin.register(ActionCode)
class ActionCodeAdmin(TranslationAdmin):
    list_display = ["code", "description"]
    search_fields = ["code", "description"]  # modeltranslation searches the current language's column


@admin.register(PaymentMethod)
class PaymentMethodAdmin(TranslationAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class TerminalInline(admin.TabularInline):
    model = Terminal
    extra = 0


CONTRACT_FIELDS = [
    "bank_name",
    "currencies",
    "payment_methods",
    "three_ds_enabled",
    "commission_bps",
    "hold_days",
    "is_active",
]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["merchant", "bank_name", "three_ds_enabled", "commission_bps", "hold_days", "is_active"]
    list_filter = ["is_active", "three_ds_enabled", "currencies"]
    search_fields = ["merchant__code", "merchant__name", "bank_name", "terminals__terminal_id"]
    list_select_related = ["merchant"]
    autocomplete_fields = ["merchant"]
    fields = ["merchant", *CONTRACT_FIELDS]
    filter_horizontal = ["currencies", "payment_methods"]
    inlines = [TerminalInline]


class ContractInlineForm(forms.ModelForm):
    """A contract, and a terminal to add with it, so a merchant is onboarded from one page."""

    new_terminal_id = forms.CharField(
        label=_("add a terminal"),
        max_length=16,
        required=False,
        help_text=_("The terminal id given by the bank; more terminals on the contract's page."),
    )

    class Meta:
        model = Contract
        fields = CONTRACT_FIELDS

    def clean_new_terminal_id(self) -> str:
        terminal_id = self.cleaned_data["new_terminal_id"].strip()
        if terminal_id and Terminal.objects.filter(terminal_id=terminal_id).exists():
            raise forms.ValidationError(gettext("This terminal id is already used."))
        return terminal_id


class ContractInline(admin.StackedInline):
    """Contracts edited on the merchant's page, each with a first terminal; more on the contract's page."""

    model = Contract
    form = ContractInlineForm
    extra = 0
    fields = [*CONTRACT_FIELDS, "new_terminal_id", "terminals_link"]
    readonly_fields = ["terminals_link"]
    filter_horizontal = ["currencies", "payment_methods"]
    show_change_link = True

    @admin.display(description=_("terminals"))
    def terminals_link(self, contract: Contract) -> str:
        if contract.pk is None:
            return "—"
        ids = ", ".join(contract.terminals.values_list("terminal_id", flat=True)) or "—"
        url = reverse("admin:payments_contract_change", args=[contract.pk])
        return format_html('{} · <a href="{}">{}</a>', ids, url, gettext("Edit the terminals"))


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "default_currency", "callback_url", "is_active", "created_at"]
    list_filter = ["is_active", "default_language", "two_phase_allowed", "immediate_return", "return_method"]
    search_fields = ["code", "name", "callback_url", "api_accounts__username"]
    date_hierarchy = "created_at"
    list_select_related = ["default_currency"]
    # The callback key never appears: it is generated and shown once by a button.
    fieldsets = [
        (None, {"fields": ["code", "name", "is_active", "default_language", "default_currency"]}),
        (_("Payments"), {"fields": ["two_phase_allowed", "immediate_return", "return_method"]}),
        (_("Notifications"), {"fields": ["callback_url", "callback_method", "callback_key_state"]}),
    ]
    readonly_fields = ["callback_key_state"]
    inlines = [ContractInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description=_("callback key"))
    def callback_key_state(self, merchant: Merchant) -> str:
        return gettext("Set (never shown again)") if merchant.callback_key else gettext("Not set")


class ApiAccountInline(admin.TabularInline):
    """Shown on the merchant's page; created and reset by the credential buttons, never typed in."""

    model = ApiAccount
    extra = 0
    fields = ["username", "is_active", "created_at", "password_changed_at"]
    readonly_fields = ["username", "created_at", "password_changed_at"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ApiAccount)
class ApiAccountAdmin(admin.ModelAdmin):
    """Neither the password nor its hash is ever shown; accounts are made by the merchant's button."""

    list_display = ["username", "merchant", "is_active", "created_at", "password_changed_at"]
    list_filter = ["is_active"]
    search_fields = ["username", "merchant__code", "merchant__name"]
    list_select_related = ["merchant"]
    fields = ["merchant", "username", "is_active", "created_at", "password_changed_at"]
    readonly_fields = ["merchant", "username", "created_at", "password_changed_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a typed-in "password" would be stored as its own hash: use the merchant's button


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money changes go through the services with their audit trail, never through the admin."""

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


class ReadOnlyInline(admin.TabularInline):
    """An order's records, shown as they are: `fields`, none of them editable."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None) -> list[str]:  # type: ignore[no-untyped-def]
        return list(self.fields or [])

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


class OperationInline(ReadOnlyInline):
    model = Operation
    fields = ["created_at", "kind", "amount", "success", "action_code", "actor_type", "detail"]


class RemittanceSaleInline(ReadOnlyInline):
    """When and in which remittance the order was handed to the bank."""

    model = RemittanceSale
    fields = ["remitted_at", "remittance", "amount"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["order_number", "merchant", "amount", "currency", "status", "action_code", "created_at"]
    list_filter = ["status", "authorization_type", "currency"]
    search_fields = ["order_number", "=order_id", "buyer_email", "=card_last4"]
    date_hierarchy = "created_at"
    list_select_related = ["merchant", "currency"]
    show_full_result_count = False
    inlines = [RemittanceSaleInline, OperationInline]


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
