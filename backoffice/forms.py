"""Back-office forms. Amounts are typed in major units and leave here as minor units."""

import uuid
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from payments.cards import digits_only, luhn_valid
from payments.models import Currency

from .amounts import parse_major, to_minor_exact
from .models import Role


class SignInForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class NewPasswordForm(PasswordChangeForm):
    """The password change form, refusing to keep the current password (a temporary one above all)."""

    def clean_new_password1(self) -> str:
        password: str = self.cleaned_data["new_password1"]
        if self.user.check_password(password):
            raise forms.ValidationError(_("Choose a password different from the current one."))
        return password


class IdempotentForm(forms.Form):
    """A confirmation form carrying a key made when the page was shown: the same form posted twice
    carries the same key, so the work is done once."""

    key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("key", uuid.uuid4())
        super().__init__(*args, **kwargs)


class CancelForm(IdempotentForm):
    pass


class RefundForm(IdempotentForm):
    amount = forms.CharField(label=_("Amount to refund"), max_length=24)

    def __init__(self, *args: Any, currency: Currency, refundable: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.refundable = refundable

    def clean_amount(self) -> int:
        value = parse_major(self.cleaned_data["amount"])
        minor = to_minor_exact(value, self.currency) if value is not None else None
        if minor is None:
            raise forms.ValidationError(
                _("Enter an amount with at most %(decimals)s decimals."),
                params={"decimals": self.currency.exponent},
            )
        if minor <= 0:
            raise forms.ValidationError(_("Enter an amount greater than zero."))
        if minor > self.refundable:
            raise forms.ValidationError(_("The amount exceeds what is left to refund."))
        return minor


class BlacklistForm(IdempotentForm):
    reason = forms.CharField(label=_("Reason"), max_length=255)


class NoEchoInput(forms.TextInput):
    """A text box that never writes back what was typed: a card number must not travel back in HTML."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        return super().get_context(name, None, attrs)


class MotoForm(forms.Form):
    pan = forms.CharField(
        label=_("Card number"),
        max_length=23,
        widget=NoEchoInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    expiry_month = forms.IntegerField(label=_("Expiry month"), min_value=1, max_value=12)
    expiry_year = forms.IntegerField(label=_("Expiry year"), min_value=2000, max_value=2099)
    cvv = forms.CharField(
        label=_("Security code (CVV)"),
        max_length=4,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
    amount = forms.CharField(label=_("Amount"), max_length=24)
    currency = forms.ModelChoiceField(
        label=_("Currency"), queryset=Currency.objects.none(), to_field_name="alpha_code"
    )
    order_number = forms.CharField(label=_("Order reference"), max_length=36)
    buyer_email = forms.EmailField(label=_("Buyer e-mail"), required=False, max_length=254)

    def __init__(self, *args: Any, currencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].queryset = currencies

    def clean_pan(self) -> str:
        pan = digits_only(self.cleaned_data["pan"])
        if not luhn_valid(pan):
            raise forms.ValidationError(_("This card number is not valid."))
        return pan

    def clean_cvv(self) -> str:
        cvv = self.cleaned_data["cvv"].strip()
        if not (cvv.isascii() and cvv.isdigit() and len(cvv) in (3, 4)):
            raise forms.ValidationError(_("Enter the 3 or 4 digits of the security code."))
        return cvv

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        month, year = data.get("expiry_month"), data.get("expiry_year")
        today = date.today()
        if month and year and (year, month) < (today.year, today.month):
            self.add_error("expiry_month", _("This card has expired."))
        currency, raw = data.get("currency"), data.get("amount")
        if currency and raw is not None:
            value = parse_major(raw)
            minor = to_minor_exact(value, currency) if value is not None else None
            if minor is None or minor <= 0:
                self.add_error(
                    "amount",
                    _("Enter an amount greater than zero with at most %(decimals)s decimals.")
                    % {"decimals": currency.exponent},
                )
            else:
                data["amount_minor"] = minor
        return data


class BlacklistRemoveForm(IdempotentForm):
    pass


class ExtractionSettingsForm(forms.Form):
    enabled = forms.BooleanField(label=_("Daily extraction enabled"), required=False)
    format = forms.ChoiceField(label=_("Format"), choices=[("xlsx", "XLSX"), ("csv", "CSV")])
    emails = forms.CharField(
        label=_("Send to these e-mail addresses"),
        required=False,
        max_length=512,
        help_text=_("Optional; separated by commas."),
    )

    def clean_emails(self) -> str:
        addresses = [part.strip() for part in self.cleaned_data["emails"].split(",") if part.strip()]
        for address in addresses:
            forms.EmailField().clean(address)
        return ", ".join(addresses)


class MemberCreateForm(IdempotentForm):
    username = forms.CharField(label=_("User name"), max_length=150, validators=[UnicodeUsernameValidator()])
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)

    def clean_username(self) -> str:
        username: str = get_user_model().normalize_username(self.cleaned_data["username"].strip())
        return username


class MemberRoleForm(IdempotentForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class MerchantSwitchForm(forms.Form):
    merchant = forms.IntegerField(widget=forms.HiddenInput)
