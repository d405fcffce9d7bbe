"""The orders search ("Commandes"). Every criterion is optional and they combine with AND.

Amounts are typed in major units; without a chosen currency they match in every currency at its own
number of decimals (10.5 is 10500 TND millimes or 1050 EUR cents), never through a float.
"""

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.db.models.fields import BLANK_CHOICE_DASH
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payments.models import AuthorizationType, Currency, Merchant, Order, OrderStatus, ThreeDSStatus

from .amounts import parse_major, to_minor_at_least, to_minor_at_most, to_minor_exact
from .selectors import action_code_descriptions, merchant_terminals
from .widgets import lean_selects

NOT_APPLICABLE = "none"  # ThreeDSStatus.NOT_APPLICABLE is "", which a form cannot tell from "any"


def _day_start(day: date) -> datetime:
    # Days are the merchant's local (TIME_ZONE) days; comparing the raw column keeps its index usable.
    return timezone.make_aware(datetime.combine(day, time.min))


class AmountField(forms.CharField):
    def clean(self, value: Any) -> Decimal | None:
        text = super().clean(value)
        if not text:
            return None
        parsed = parse_major(text)
        if parsed is None:
            raise forms.ValidationError(_("Enter an amount such as 125.500."))
        return parsed


class AmountFilter(django_filters.Filter):
    field_class = AmountField


class OrderFilter(django_filters.FilterSet):
    created_from = django_filters.DateFilter(label=_("From"), method="filter_created_from")
    created_to = django_filters.DateFilter(label=_("To"), method="filter_created_to")
    reference = django_filters.CharFilter(label=_("Order reference"), method="filter_reference")
    reference_match = django_filters.ChoiceFilter(
        label=_("Reference match"),
        choices=[("exact", _("Exact")), ("partial", _("Contains"))],
        method="filter_nothing",
        empty_label=None,
    )
    amount = AmountFilter(label=_("Amount"), method="filter_amount")
    amount_min = AmountFilter(label=_("Amount from"), method="filter_amount")
    amount_max = AmountFilter(label=_("Amount up to"), method="filter_amount")
    currency = django_filters.ModelChoiceFilter(
        label=_("Currency"),
        queryset=Currency.objects.all(),
        to_field_name="alpha_code",
        field_name="currency",
    )
    buyer_email = django_filters.CharFilter(label=_("Buyer e-mail"), method="filter_email")
    authorization_type = django_filters.ChoiceFilter(
        label=_("Authorization type"), choices=AuthorizationType.choices
    )
    terminal = django_filters.ModelChoiceFilter(
        label=_("Terminal"), queryset=None, to_field_name="terminal_id", field_name="terminal"
    )
    # Typed choice fields have no empty choice of their own: without one, a browser sends the first option.
    status = django_filters.TypedChoiceFilter(
        label=_("Status"), choices=[*BLANK_CHOICE_DASH, *OrderStatus.choices], coerce=int
    )
    action_code = django_filters.TypedChoiceFilter(label=_("Action code"), choices=[], coerce=int)
    card_last4 = django_filters.CharFilter(label=_("Card last 4 digits"), method="filter_last4")
    three_ds = django_filters.ChoiceFilter(label=_("3-D Secure"), choices=[], method="filter_three_ds")
    remitted = django_filters.ChoiceFilter(
        label=_("Remitted"),
        choices=[("yes", _("Remitted")), ("no", _("Not remitted"))],
        method="filter_remitted",
    )
    # The merchant's remittance id (links from the Remises page); the queryset is already the merchant's.
    remittance = django_filters.NumberFilter(label=_("Remittance"), field_name="sale__remittance")

    class Meta:
        model = Order
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, merchant: Merchant, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.merchant = merchant
        self.filters["terminal"].queryset = merchant_terminals(merchant=merchant)
        self.descriptions = action_code_descriptions()  # the page's table shows them too: read once
        self.filters["action_code"].extra["choices"] = [
            *BLANK_CHOICE_DASH,
            *((code, f"{code} · {text}") for code, text in sorted(self.descriptions.items())),
        ]
        self.filters["three_ds"].extra["choices"] = [
            (value or NOT_APPLICABLE, label) for value, label in ThreeDSStatus.choices
        ]
        self.form.fields["reference_match"].required = False
        lean_selects(self.form)

    # --- criteria ------------------------------------------------------------------------------------

    def filter_nothing(self, queryset: QuerySet[Order], name: str, value: Any) -> QuerySet[Order]:
        return queryset  # read by filter_reference

    def filter_created_from(self, queryset: QuerySet[Order], name: str, value: date) -> QuerySet[Order]:
        return queryset.filter(created_at__gte=_day_start(value))

    def filter_created_to(self, queryset: QuerySet[Order], name: str, value: date) -> QuerySet[Order]:
        return queryset.filter(created_at__lt=_day_start(value + timedelta(days=1)))  # the whole last day

    def filter_reference(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        value = value.strip()
        if not value:
            return queryset
        if self.form.cleaned_data.get("reference_match") == "partial":
            return queryset.filter(order_number__icontains=value)
        try:  # the gateway's order id is a reference too: people paste it from e-mails
            return queryset.filter(Q(order_number=value) | Q(order_id=uuid.UUID(value)))
        except ValueError:
            return queryset.filter(order_number=value)

    def filter_amount(self, queryset: QuerySet[Order], name: str, value: Decimal | None) -> QuerySet[Order]:
        if value is None:
            return queryset
        chosen = self.form.cleaned_data.get("currency")
        currencies = [chosen] if chosen else list(Currency.objects.all())
        matches = Q(pk__in=[])  # no currency can hold the amount: nothing matches
        for currency in currencies:
            if name == "amount":
                minor = to_minor_exact(value, currency)
                if minor is not None:
                    matches |= Q(currency=currency, amount=minor)
            elif name == "amount_min":
                matches |= Q(currency=currency, amount__gte=to_minor_at_least(value, currency))
            else:
                matches |= Q(currency=currency, amount__lte=to_minor_at_most(value, currency))
        return queryset.filter(matches)

    def filter_email(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        value = value.strip()
        # An exact match keeps the buyer_email index; the lower-cased spelling catches the usual variant.
        return queryset.filter(buyer_email__in={value, value.lower()}) if value else queryset

    def filter_last4(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        value = value.strip()
        if not (len(value) == 4 and value.isdigit()):
            return queryset.none()
        return queryset.filter(card_last4=value)

    def filter_three_ds(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        return queryset.filter(three_ds_status="" if value == NOT_APPLICABLE else value)

    def filter_remitted(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        return queryset.filter(sale__isnull=value != "yes")
