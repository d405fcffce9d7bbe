"""django-tables2 tables of the back-office. Amounts go through the `money` formatter only."""

from datetime import datetime
from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from fraud.models import BlacklistEntry
from payments.models import Order, Remittance
from payments.templatetags.money import format_money

from .fraud_display import EntryState, entry_state, when
from .models import AuditEvent

# Columns the orders list can be sorted by: each is NOT NULL, so keyset pagination can walk it.
ORDER_SORTABLE = {"created_at", "order_number", "amount", "status", "action_code"}


class OrderTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name=_("Date"), short=True)
    order_number = tables.Column(verbose_name=_("Order reference"))
    amount = tables.Column(verbose_name=_("Amount"), attrs={"td": {"class": "num"}})
    status = tables.Column(verbose_name=_("Status"))
    action_code = tables.Column(verbose_name=_("Action code"))
    masked_pan = tables.Column(verbose_name=_("Card"), orderable=False)
    buyer_email = tables.Column(verbose_name=_("Buyer e-mail"), orderable=False)
    authorization_type = tables.Column(verbose_name=_("Type"), orderable=False)
    terminal = tables.Column(verbose_name=_("Terminal"), orderable=False, accessor="terminal__terminal_id")
    remitted_at = tables.DateColumn(verbose_name=_("Remitted"), orderable=False, short=True)

    class Meta:
        model = Order
        fields = ()
        sequence = (
            "created_at",
            "order_number",
            "amount",
            "status",
            "action_code",
            "masked_pan",
            "buyer_email",
            "authorization_type",
            "terminal",
            "remitted_at",
        )
        order_by_field = "sort"
        attrs = {"class": "grid"}
        empty_text = _("No order matches this search.")

    def __init__(self, *args: Any, descriptions: dict[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.descriptions = descriptions

    def render_order_number(self, value: str, record: Order) -> str:
        url = reverse("backoffice:order-detail", args=[record.order_id])
        return format_html('<a href="{}">{}</a>', url, value)

    def render_amount(self, value: int, record: Order) -> str:
        return format_money(value, record.currency)

    def render_status(self, value: Any, record: Order) -> str:
        return record.get_status_display()

    def render_action_code(self, value: int, record: Order) -> str:
        description = self.descriptions.get(value, "")
        return format_html('<span title="{}">{}</span> {}', description, value, description)


class AuditTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name=_("Time"), format="SHORT_DATETIME_FORMAT")
    username = tables.Column(verbose_name=_("User"), empty_values=())
    action = tables.Column(verbose_name=_("Action"))
    outcome = tables.Column(verbose_name=_("Outcome"))
    ip_address = tables.Column(verbose_name=_("IP address"))
    object_id = tables.Column(verbose_name=_("Object"))
    detail = tables.Column(verbose_name=_("Detail"))

    class Meta:
        model = AuditEvent
        fields = ()
        sequence = ("created_at", "username", "action", "outcome", "ip_address", "object_id", "detail")
        orderable = False
        attrs = {"class": "grid"}
        empty_text = _("Nothing recorded yet.")


class BlacklistTable(tables.Table):
    masked_pan = tables.Column(verbose_name=_("Card"))
    reason = tables.Column(verbose_name=_("Reason"))
    added_by = tables.Column(verbose_name=_("Added by"), empty_values=())
    created_at = tables.DateTimeColumn(verbose_name=_("Added"), format="SHORT_DATETIME_FORMAT")
    expires_at = tables.Column(verbose_name=_("Expires"), empty_values=())
    order = tables.Column(verbose_name=_("From order"))
    state = tables.Column(verbose_name=_("State"), empty_values=())
    remove = tables.Column(verbose_name="", empty_values=())

    class Meta:
        model = BlacklistEntry
        fields = ()
        sequence = (
            "masked_pan",
            "reason",
            "added_by",
            "created_at",
            "expires_at",
            "order",
            "state",
            "remove",
        )
        orderable = False
        attrs = {"class": "grid"}
        row_attrs = {"id": lambda record: f"entry-{record.pk}"}  # the order page links to its entry
        empty_text = _("No card is on the blacklist.")

    def __init__(self, *args: Any, may_remove: bool, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.may_remove = may_remove
        self.now = now
        if not may_remove:
            self.columns.hide("remove")

    def render_added_by(self, record: BlacklistEntry) -> str:
        return record.added_by.get_username() if record.added_by else "—"

    def render_expires_at(self, record: BlacklistEntry) -> str:
        return when(record.expires_at) if record.expires_at else str(_("Never"))

    def render_order(self, value: Order) -> str:
        url = reverse("backoffice:order-detail", args=[value.order_id])
        return format_html('<a href="{}">{}</a>', url, value.order_number)

    def render_state(self, record: BlacklistEntry) -> str:
        state = entry_state(record, at=self.now)
        if state == EntryState.REMOVED and record.removed_at:
            by = record.removed_by.get_username() if record.removed_by else "—"
            detail = _("Removed on %(date)s by %(user)s") % {"date": when(record.removed_at), "user": by}
            return format_html('<span class="muted" data-state="{}">{}</span>', state.value, detail)
        css = "bad" if state == EntryState.ACTIVE else "muted"
        return format_html('<span class="{}" data-state="{}">{}</span>', css, state.value, state.label)

    def render_remove(self, record: BlacklistEntry) -> str:
        if record.removed_at is not None:
            return ""
        url = reverse("backoffice:blacklist-remove", args=[record.pk])
        return format_html('<a class="button secondary" href="{}">{}</a>', url, _("Remove"))


class RemittanceTable(tables.Table):
    business_date = tables.DateColumn(verbose_name=_("Business day"), short=True)
    contract = tables.Column(verbose_name=_("Contract"), accessor="contract__bank_name")
    currency = tables.Column(verbose_name=_("Currency"), accessor="currency__alpha_code")
    order_count = tables.Column(verbose_name=_("Orders"), attrs={"td": {"class": "num"}})
    gross_amount = tables.Column(verbose_name=_("Gross"), attrs={"td": {"class": "num"}})
    refund_amount = tables.Column(verbose_name=_("Refunds"), attrs={"td": {"class": "num"}})
    commission_amount = tables.Column(verbose_name=_("Commission"), attrs={"td": {"class": "num"}})
    net_amount = tables.Column(verbose_name=_("Net"), attrs={"td": {"class": "num"}})
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = Remittance
        fields = ()
        sequence = (
            "business_date",
            "contract",
            "currency",
            "order_count",
            "gross_amount",
            "refund_amount",
            "commission_amount",
            "net_amount",
            "status",
        )
        orderable = False  # newest first; a merchant has one row per day, contract and currency
        attrs = {"class": "grid"}
        row_attrs = {"data-remittance": lambda record: record.pk}
        empty_text = _("No remittance yet.")

    def render_business_date(self, value: Any, record: Remittance) -> str:
        url = reverse("backoffice:remittance-detail", args=[record.pk])
        return format_html('<a href="{}">{}</a>', url, when_day(value))

    def render_contract(self, value: str, record: Remittance) -> str:
        return f"{value} · {record.contract_id}"

    def render_gross_amount(self, value: int, record: Remittance) -> str:
        return format_money(value, record.currency)

    def render_refund_amount(self, value: int, record: Remittance) -> str:
        return format_money(value, record.currency)

    def render_commission_amount(self, value: int, record: Remittance) -> str:
        return format_money(value, record.currency)

    def render_net_amount(self, value: int, record: Remittance) -> str:
        return format_money(value, record.currency)

    def render_status(self, value: Any, record: Remittance) -> str:
        return record.get_status_display()


def when_day(value: Any) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")
