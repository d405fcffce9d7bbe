"""Support staff's admin: merchant onboarding in one page, credentials shown once, users and "view as".

The merchant and API account admins of payments are extended here (not there) because the buttons write
through backoffice.support, which keeps the audit journal; payments does not depend on the back-office.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fraud import services as fraud_services
from fraud.forms import CountryRuleForm
from fraud.models import CountryRule
from payments.admin import ApiAccountAdmin, ApiAccountInline, MerchantAdmin
from payments.models import ApiAccount, Contract, Merchant, Terminal

from . import members, support
from .admin_audit import AuditedAdminMixin
from .models import ExtractionSettings, Membership

User = get_user_model()


class ApiCredentialsForm(forms.Form):
    username = forms.SlugField(label=gettext_lazy("API user name"), max_length=64)


class FirstAdministratorForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("user name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("e-mail address"))


class ConfirmForm(forms.Form):
    pass


def shown_once(
    request: HttpRequest, *, title: str, secrets: list[tuple[str, str]], back: str
) -> HttpResponse:
    """The answer of the POST that made the secrets: never stored, redirected to or cached."""
    context = {**admin.site.each_context(request), "title": title, "secrets": secrets, "back_url": back}
    response = TemplateResponse(request, "admin/backoffice/secret_shown.html", context)
    response["Cache-Control"] = "no-store"
    return response


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "is_active", "created_at"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["user"]


class CountryRuleInline(admin.StackedInline):
    """The merchant's country rule, set on its own page like the rest (supervisors: the permission decides).

    Its form asks twice, as on the rule's own page: the first save shows what it would have refused.
    """

    model = CountryRule
    form = CountryRuleForm
    fields = [
        "ip_mode",
        "ip_countries",
        "ip_unknown",
        "card_mode",
        "card_countries",
        "card_unknown",
        "impact_token",
    ]
    max_num = 1
    can_delete = False


class ExtractionSettingsInline(admin.StackedInline):
    model = ExtractionSettings
    fields = ["enabled", "format", "emails"]
    max_num = 1
    can_delete = False


admin.site.unregister(Merchant)


@admin.register(Merchant)
class OnboardingMerchantAdmin(AuditedAdminMixin, MerchantAdmin):
    """The merchant's page: its contracts, API accounts, back-office users and daily extraction."""

    change_form_template = "admin/payments/merchant/onboarding_change_form.html"
    inlines = [
        *MerchantAdmin.inlines,
        ApiAccountInline,
        MembershipInline,
        ExtractionSettingsInline,
        CountryRuleInline,
    ]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is Contract:
            super().save_formset(request, form, formset, change)
            for contract_form in formset.forms:  # the first terminal typed with its contract
                terminal_id = (
                    contract_form.cleaned_data.get("new_terminal_id") if contract_form.is_valid() else ""
                )
                if terminal_id and contract_form.instance.pk:
                    terminal = Terminal.objects.create(
                        contract=contract_form.instance, terminal_id=terminal_id
                    )
                    self.log_addition(request, terminal, [{"added": {}}])  # into the audit journal too
            return None
        if formset.model is not CountryRule:
            return super().save_formset(request, form, formset, change)
        for rule in formset.save(commit=False):  # through the service: it notes who set the rule
            fraud_services.country_rule_save(rule=rule, user=request.user)
        return None

    def get_urls(self) -> list[URLPattern]:
        def route(suffix: str, view: Any, name: str) -> URLPattern:
            return path(f"<int:merchant_id>/{suffix}/", self.admin_site.admin_view(view), name=name)

        return [
            route("api-credentials", self.api_credentials_view, "payments_merchant_api_credentials"),
            route("callback-key", self.callback_key_view, "payments_merchant_callback_key"),
            route("first-administrator", self.first_administrator_view, "payments_merchant_first_admin"),
            route("view-as", self.view_as_view, "payments_merchant_view_as"),
            path(
                "view-as/end/",
                self.admin_site.admin_view(self.view_as_end_view),
                name="payments_merchant_view_as_end",
            ),
            *super().get_urls(),
        ]

    def _form_page(
        self, request: HttpRequest, merchant: Merchant, form: forms.Form, title: str, text: str
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": merchant,
            "form": form,
            "title": title,
            "text": text,
        }
        return TemplateResponse(request, "admin/backoffice/support_form.html", context)

    def _back(self, merchant: Merchant) -> str:
        return reverse("admin:payments_merchant_change", args=[merchant.pk])

    def api_credentials_view(self, request: HttpRequest, merchant_id: int) -> HttpResponse:
        merchant = get_object_or_404(Merchant, pk=merchant_id)
        if not request.user.has_perm("payments.add_apiaccount"):
            raise PermissionDenied
        form = ApiCredentialsForm(request.POST or None, initial={"username": f"api-{merchant.code}".lower()})
        if request.method == "POST" and form.is_valid():
            try:
                account, password, _created = support.support_api_credentials_issue(
                    request=request, merchant=merchant, username=form.cleaned_data["username"]
                )
            except support.SupportRefused as refusal:
                form.add_error("username", refusal.message)
            else:
                secrets = [(_("API user name"), account.username), (_("API password"), password)]
                return shown_once(
                    request, title=_("API credentials"), secrets=secrets, back=self._back(merchant)
                )
        text = _(
            "A new account is created, or an existing account of this merchant gets a new password"
            " (support supervisors only). The password is shown once."
        )
        return self._form_page(request, merchant, form, _("Generate API credentials"), text)

    def callback_key_view(self, request: HttpRequest, merchant_id: int) -> HttpResponse:
        merchant = get_object_or_404(Merchant, pk=merchant_id)
        if not self.has_change_permission(request, merchant):
            raise PermissionDenied
        form = ConfirmForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                key = support.support_callback_key_issue(request=request, merchant=merchant)
            except support.SupportRefused as refusal:
                self.message_user(request, refusal.message, messages.ERROR)
                return HttpResponseRedirect(self._back(merchant))
            return shown_once(
                request,
                title=_("Callback key"),
                secrets=[(_("Callback key"), key)],
                back=self._back(merchant),
            )
        text = _("The merchant's notifications will be signed with a new key; the old one stops working.")
        return self._form_page(request, merchant, form, _("Generate callback key"), text)

    def first_administrator_view(self, request: HttpRequest, merchant_id: int) -> HttpResponse:
        merchant = get_object_or_404(Merchant, pk=merchant_id)
        if not (
            request.user.has_perm("auth.add_user") and request.user.has_perm("backoffice.add_membership")
        ):
            raise PermissionDenied
        form = FirstAdministratorForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                user, password = support.support_backoffice_admin_create(
                    request=request, merchant=merchant, **form.cleaned_data
                )
            except support.SupportRefused as refusal:
                form.add_error("username", refusal.message)
            else:
                secrets = [(_("user name"), user.get_username()), (_("password"), password)]
                return shown_once(
                    request, title=_("Back-office administrator"), secrets=secrets, back=self._back(merchant)
                )
        text = _(
            "The user signs in at /mportal/ with this password within %(days)s days, sets up an"
            " authenticator app, then chooses a new password: this one opens a single session."
        ) % {"days": members.TEMPORARY_PASSWORD_LIFETIME.days}
        return self._form_page(request, merchant, form, _("Create the first back-office administrator"), text)

    def view_as_view(self, request: HttpRequest, merchant_id: int) -> HttpResponse:
        merchant = get_object_or_404(Merchant, pk=merchant_id)
        if not self.has_view_permission(request, merchant):
            raise PermissionDenied
        form = ConfirmForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            support.support_view_start(request=request, merchant=merchant)
            return HttpResponseRedirect(reverse("backoffice:home"))
        text = _("You will see the merchant's back-office read-only; the session is recorded in the journal.")
        return self._form_page(request, merchant, form, _("View as merchant"), text)

    def view_as_end_view(self, request: HttpRequest) -> HttpResponse:
        # The banner's "end" button on every back-office page posts here; any staff member may end their own.
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        merchant = support.support_view_end(request=request)
        if merchant is None:
            return HttpResponseRedirect(reverse("admin:payments_merchant_changelist"))
        return HttpResponseRedirect(self._back(merchant))


admin.site.unregister(ApiAccount)


@admin.register(ApiAccount)
class SupportApiAccountAdmin(AuditedAdminMixin, ApiAccountAdmin):
    actions = ["reset_password"]

    def has_reset_credentials_permission(self, request: HttpRequest) -> bool:
        return support.can_reset_credentials(request.user)

    @admin.action(description=gettext_lazy("New password (shown once)"), permissions=["reset_credentials"])
    def reset_password(self, request: HttpRequest, queryset: QuerySet[ApiAccount]) -> HttpResponse | None:
        shown = []
        for account in queryset.select_related("merchant"):
            _account, password, _created = support.support_api_credentials_issue(
                request=request, merchant=account.merchant, username=account.username
            )
            shown.append((account.username, password))
        back = reverse("admin:payments_apiaccount_changelist")
        return shown_once(request, title=_("New API passwords"), secrets=shown, back=back)


class UserMembershipInline(MembershipInline):
    fields = ["merchant", "role", "is_active", "created_at"]
    autocomplete_fields = ["merchant"]
    raw_id_fields = []


admin.site.unregister(User)


@admin.register(User)
class SupportUserAdmin(AuditedAdminMixin, UserAdmin):
    """Back-office users with their memberships; passwords and two-factor reset by supervisors only."""

    list_display = ["username", "email", "merchants", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "memberships__role"]
    search_fields = ["username", "email", "first_name", "last_name", "memberships__merchant__code"]
    inlines = [UserMembershipInline]
    actions = ["reset_password", "reset_two_factor"]

    @admin.display(description=gettext_lazy("merchants"))
    def merchants(self, user: Any) -> str:
        return ", ".join(f"{m.merchant.code} ({m.get_role_display()})" for m in user.memberships.all())

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("memberships__merchant")

    def has_reset_credentials_permission(self, request: HttpRequest) -> bool:
        return support.can_reset_credentials(request.user)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        if not support.can_reset_credentials(request.user):
            raise PermissionDenied  # an agent may not choose someone's password either
        user = self.get_object(request, unquote(id)) if request.method == "POST" else None
        if user is None:  # the form shown, or an unknown user: Django answers
            return super().user_change_password(request, id, form_url)
        before = user.password
        response = super().user_change_password(request, id, form_url)
        user.refresh_from_db(fields=["password"])
        if user.password != before and support.support_user_password_chosen(request=request, user=user):
            self._say_temporary(request)
        return response

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # the memberships: now it is known whose
        if not change and support.support_user_password_chosen(request=request, user=form.instance):
            self._say_temporary(request)

    def _say_temporary(self, request: HttpRequest) -> None:
        days = members.TEMPORARY_PASSWORD_LIFETIME.days
        message = _(
            "This password opens one back-office session, within %(days)s days, which must replace it."
        )
        self.message_user(request, message % {"days": days}, messages.INFO)

    @admin.action(description=gettext_lazy("New password (shown once)"), permissions=["reset_credentials"])
    def reset_password(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        shown = [
            (user.get_username(), support.support_user_password_reset(request=request, user=user))
            for user in queryset
        ]
        back = reverse("admin:auth_user_changelist")
        return shown_once(request, title=_("New passwords"), secrets=shown, back=back)

    @admin.action(
        description=gettext_lazy("Reset two-factor (enrol again)"), permissions=["reset_credentials"]
    )
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for user in queryset:
            support.support_user_two_factor_reset(request=request, user=user)
        self.message_user(
            request,
            _("%(count)s users will set up their authenticator app again at next sign-in.")
            % {"count": len(queryset)},
            messages.SUCCESS,
        )
