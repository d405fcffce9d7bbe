"""django-tables2 tables of the back-office. Amounts go through the `money` formatter only."""

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from payments.models import Order
from payments.templatetags.money import format_money

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
