"""Support's fraud tools. Writes go through fraud.services so who did what is always recorded."""

import json
from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fraud import services
from fraud.forms import BinCsvImportForm, BinRangeForm, BlacklistAddForm, CountryRuleForm
from fraud.models import BinRange, BlacklistEntry, CountryRule, FraudCheck


@admin.register(BinRange)
class BinRangeAdmin(admin.ModelAdmin):
    form = BinRangeForm
    list_display = ["low", "high", "brand", "country", "issuer", "source", "updated_by", "updated_at"]
    list_filter = ["country", "brand", "source"]
    search_fields = ["low", "high", "issuer", "country"]
    readonly_fields = ["updated_by", "updated_at"]
    change_list_template = "admin/fraud/binrange/change_list.html"

    def save_model(self, request: HttpRequest, obj: BinRange, form: Any, change: bool) -> None:
        services.bin_range_save(bin_range=obj, user=request.user)  # type: ignore[arg-type]

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.import_csv_view)
        return [path("import-csv/", view, name="fraud_binrange_import"), *super().get_urls()]

    def import_csv_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            return HttpResponse(status=403)
        form = BinCsvImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = request.FILES["file"]
            created, updated = services.bin_ranges_import(
                rows=form.cleaned_data["file"],
                user=request.user,  # type: ignore[arg-type]
                source=f"csv:{upload.name}",  # a record, kept untranslated like every stored source
            )
            self.message_user(
                request,
                _("BIN table imported: %(created)s ranges added, %(updated)s replaced.")
                % {"created": created, "updated": updated},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:fraud_binrange_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Import BIN ranges"),
        }
        return TemplateResponse(request, "admin/fraud/binrange/import_csv.html", context)


class BlacklistStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("active", gettext_lazy("Active")),
            ("expired", gettext_lazy("Expired")),
            ("removed", gettext_lazy("Removed")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[BlacklistEntry]) -> QuerySet[BlacklistEntry]:
        now = timezone.now()
        live = queryset.filter(removed_at__isnull=True)
        if self.value() == "active":
            return live.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        if self.value() == "expired":
            return live.filter(expires_at__lte=now)
        if self.value() == "removed":
            return queryset.filter(removed_at__isnull=False)
        return queryset


@admin.register(BlacklistEntry)
class BlacklistEntryAdmin(admin.ModelAdmin):
    list_display = ["masked_pan", "merchant", "reason", "added_by", "created_at", "expires_at", "removed_at"]
    list_filter = [BlacklistStateFilter, "merchant"]
    search_fields = ["masked_pan", "reason", "merchant__code", "merchant__name", "order__order_number"]
    list_select_related = ["merchant", "added_by"]
    raw_id_fields = ["order"]
    actions = ["remove_entries"]
    fields_when_changing = [
        "merchant",
        "masked_pan",
        "reason",
        "order",
        "added_by",
        "created_at",
        "expires_at",
        "removed_at",
        "removed_by",
        "pan_hmac_key_id",
    ]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = BlacklistAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["order", "reason", "expires_at"] if obj is None else self.fields_when_changing

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Entries are never edited in place: remove one and add another, so the history stays true.
        return [] if obj is None else self.fields_when_changing

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # removal keeps the row (fraud checks point at it): use the action

    def save_model(self, request: HttpRequest, obj: BlacklistEntry, form: Any, change: bool) -> None:
        if change:
            return  # nothing is editable on an existing entry
        order = form.cleaned_data["order"]
        entry = services.blacklist_add(
            merchant=order.merchant,
            order=order,
            reason=form.cleaned_data["reason"],
            user=request.user,  # type: ignore[arg-type]
            expires_at=form.cleaned_data["expires_at"],
        )
        obj.pk, obj.merchant_id, obj._state.adding = entry.pk, entry.merchant_id, False

    @admin.action(description=gettext_lazy("Remove the selected cards from the blacklist"))
    def remove_entries(self, request: HttpRequest, queryset: QuerySet[BlacklistEntry]) -> None:
        removed = sum(
            services.blacklist_remove(entry=entry, user=request.user)  # type: ignore[arg-type]
            for entry in queryset.filter(removed_at__isnull=True)
        )
        self.message_user(request, _("%(count)s cards removed from the blacklist.") % {"count": removed})


@admin.register(CountryRule)
class CountryRuleAdmin(admin.ModelAdmin):
    """Saving asks twice: the first submission shows how many recent orders the rule would have refused."""

    form = CountryRuleForm
    list_display = [
        "merchant",
        "ip_mode",
        "ip_countries",
        "card_mode",
        "card_countries",
        "set_by",
        "updated_at",
    ]
    list_filter = ["ip_mode", "card_mode"]
    search_fields = ["merchant__code", "merchant__name"]
    readonly_fields = ["set_by", "updated_at"]
    fieldsets = [
        (None, {"fields": ["merchant", "impact_token"]}),
        (gettext_lazy("Buyer's IP country"), {"fields": ["ip_mode", "ip_countries", "ip_unknown"]}),
        (gettext_lazy("Card country"), {"fields": ["card_mode", "card_countries", "card_unknown"]}),
        (None, {"fields": ["set_by", "updated_at"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*self.readonly_fields, "merchant"] if obj else list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: CountryRule, form: Any, change: bool) -> None:
        services.country_rule_save(rule=obj, user=request.user)  # type: ignore[arg-type]


@admin.register(FraudCheck)
class FraudCheckAdmin(admin.ModelAdmin):
    """Decisions are evidence: readable, never edited."""

    list_display = ["created_at", "order", "decision", "action_code", "fired", "ip_country", "card_country"]
    list_filter = ["decision", "fired", "ip_country", "card_country"]
    search_fields = ["order__order_number", "=order__order_id", "order__merchant__code"]
    list_select_related = ["order"]
    exclude = ["explanation"]
    readonly_fields = ["explanation_pretty"]

    @admin.display(description=gettext_lazy("explanation"))
    def explanation_pretty(self, obj: FraudCheck) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.explanation, indent=2, ensure_ascii=False))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
