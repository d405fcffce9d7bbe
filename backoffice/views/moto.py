"""MOTO: an operator types the card of a buyer on the telephone."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from payments.cards import CardData
from payments.errors import OperationRefused

from .. import selectors
from ..access import MerchantRequest, merchant_required
from ..forms import MotoForm
from ..models import Role
from ..moto import MotoRequest, moto_pay


@never_cache  # the page holds a card number while it is typed
@merchant_required(role=Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def moto_page(request: MerchantRequest) -> HttpResponse:
    currencies = selectors.merchant_currencies(merchant=request.merchant)
    form = MotoForm(
        request.POST or None,
        currencies=currencies,
        initial={"currency": request.merchant.default_currency.alpha_code},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        card = CardData(
            pan=data["pan"],
            expiry_month=data["expiry_month"],
            expiry_year=data["expiry_year"],
            cvv=data["cvv"],
        )
        moto = MotoRequest(
            card=card,
            amount=data["amount_minor"],
            currency=data["currency"],
            order_number=data["order_number"].strip(),
            buyer_email=data.get("buyer_email") or "",
        )
        try:
            result = moto_pay(request=request, merchant=request.merchant, moto=moto)
        except OperationRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            (messages.success if result.approved else messages.error)(request, result.message)
            return redirect("backoffice:order-detail", order_id=result.order.order_id)
    return render(request, "backoffice/moto.html", {"form": form})
