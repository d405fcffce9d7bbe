"""POST /clicktopay/ (the shop's form) and /clicktopay/return/ (the buyer's way back through the gateway)."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from payments.checkout.shop_return import with_params
from payments.checkout.views import PAYABLE, form_page_url
from payments.models import Language
from payments.services import orders

from . import selectors, services
from .models import ControlAction
from .parsing import LegacyRefused, parse_form


def error_page(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return render(request, "legacy/error.html", {"message": message}, status=status)


def _buyer_language() -> str:
    # LocaleMiddleware chose it from Accept-Language (fr when nothing fits).
    language = (translation.get_language() or "")[:2]
    return language if language in Language.values else Language.FR


# Posted from the shop's own pages: no CSRF token can come with it. The DETAIL check is what protects it.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def legacy_form_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        message = _("This address receives the payment form posted by a shop. Start again from the shop.")
        return error_page(request, message, status=405)
    base = settings.PUBLIC_BASE_URL or f"{request.scheme}://{request.get_host()}"
    try:
        form = parse_form(request.POST)
        order = services.legacy_payment_start(
            form=form, language=_buyer_language(), return_url=base + reverse("legacy:return")
        )
    except LegacyRefused as refused:
        return error_page(request, refused.message, status=refused.status)
    return redirect(form_page_url(order, order.language, order.page_view == "MOBILE"))


# The payment page's own return (shop_return) may be an auto-submitted POST form, without a token.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def legacy_return_page(request: HttpRequest) -> HttpResponse:
    """The order has ended: have the shop told, and send the buyer to its success or failure URL.

    GET (or POST) with orderId and lang, as protocol section 5.6 appends them. The buyer goes on by GET
    with Reference and, when the shop sent one, sid.
    """
    payment = selectors.payment_for_buyer(request.POST.get("orderId") or request.GET.get("orderId", ""))
    if payment is None:
        raise Http404
    order = orders.order_expire_if_due(order=payment.order)
    lang = request.POST.get("lang") or request.GET.get("lang") or order.language
    if order.status in PAYABLE:  # not over yet: back to the payment page
        return redirect(form_page_url(order, lang if lang in Language.values else order.language, False))
    payment = services.payment_outcome_queue(payment_pk=payment.pk)
    legacy = payment.settings
    target = legacy.success_url if payment.action == ControlAction.ACCORD else legacy.failure_url
    params = {"Reference": payment.reference} | ({"sid": payment.sid} if payment.sid else {})
    return HttpResponseRedirect(with_params(target, params))
