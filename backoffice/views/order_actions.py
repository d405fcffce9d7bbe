"""Cancel, refund and blacklist: a confirmation page (GET), then the action (POST). Operators and up."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fraud.services import FraudRefused
from payments.errors import OperationRefused
from payments.models import Order
from payments.money import to_major

from .. import selectors, services
from ..access import MerchantRequest, merchant_required
from ..actions import blacklist_state, cancel_state, refund_state
from ..forms import BlacklistForm, CancelForm, RefundForm
from ..models import Role


def _order(request: MerchantRequest, order_id: str) -> Order:
    return selectors.order_get(merchant=request.merchant, order_id=selectors.parse_uuid(order_id))


def _back(order: Order) -> HttpResponse:
    return redirect("backoffice:order-detail", order_id=order.order_id)


@merchant_required(role=Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def order_cancel_page(request: MerchantRequest, order_id: str) -> HttpResponse:
    order = _order(request, order_id)
    state = cancel_state(order)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_order_cancel(request=request, merchant=request.merchant, order=order)
        except OperationRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("The order is cancelled."))
        return _back(order)
    context = {"order": order, "form": form, "state": state}
    return render(request, "backoffice/order_cancel.html", context)


@merchant_required(role=Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def order_refund_page(request: MerchantRequest, order_id: str) -> HttpResponse:
    order = _order(request, order_id)
    state = refund_state(order)
    form = RefundForm(
        request.POST or None,
        currency=order.currency,
        refundable=order.refundable_amount,
        initial={"amount": to_major(order.refundable_amount, order.currency.exponent)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            _order_after, refunded_now = services.portal_order_refund(
                request=request,
                merchant=request.merchant,
                order=order,
                amount=form.cleaned_data["amount"],
                idempotency_key=str(form.cleaned_data["key"]),
            )
        except OperationRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            if refunded_now:
                messages.success(request, _("The refund is recorded."))
            else:
                messages.info(request, _("This refund was already recorded; nothing more was refunded."))
            return _back(order)
    context = {"order": order, "form": form, "state": state}
    return render(request, "backoffice/order_refund.html", context)


@merchant_required(role=Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def order_blacklist_page(request: MerchantRequest, order_id: str) -> HttpResponse:
    order = _order(request, order_id)
    entry = selectors.order_blacklist_entry(merchant=request.merchant, order=order)
    state = blacklist_state(order, entry)
    form = BlacklistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_blacklist_add(
                request=request, merchant=request.merchant, order=order, reason=form.cleaned_data["reason"]
            )
        except FraudRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("The card is on the blacklist."))
        return _back(order)
    context = {"order": order, "form": form, "state": state}
    return render(request, "backoffice/order_blacklist.html", context)
