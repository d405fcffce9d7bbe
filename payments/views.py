"""The buyer's pages. Until the payment page lands, formUrl tells the buyer where they are."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from payments import selectors
from payments.models import Language, Merchant


def payment_page(request: HttpRequest, merchant_code: str, lang: str, mobile: bool = False) -> HttpResponse:
    merchant = Merchant.objects.filter(code=merchant_code, is_active=True).first()
    order = merchant and selectors.order_by_order_id(
        merchant=merchant, order_id=request.GET.get("mdOrder", "")
    )
    if order is None:
        raise Http404
    language = lang if lang in Language.values else order.language
    with translation.override(language):
        return render(request, "payments/payment_unavailable.html", {"order": order, "merchant": merchant})
