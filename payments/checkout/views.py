"""The hosted payment page at formUrl, the result page ("ticket") and the way back to the shop."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fraud import services as fraud_services
from fraud.ip import client_ip
from fraud.services import FraudDecision
from payments import selectors
from payments.acquirer import get_acquirer
from payments.cards import CardData, mask_pan
from payments.errors import OperationRefused
from payments.models import Language, Merchant, Order, OrderStatus, ThreeDSStatus
from payments.services import authentication, authorization, orders
from payments.services.authorization import MAX_ATTEMPTS, ThreeDSResult
from payments.services.common import BUYER
from payments.theming.selectors import page_template, theme_context

from .forms import CardForm
from .shop_return import shop_return
from .vault import vault_drop, vault_get, vault_put

PAYABLE = (OrderStatus.REGISTERED, OrderStatus.AUTHENTICATING)


def page_language(requested: str, order: Order) -> str:
    return requested if requested in Language.values else order.language


def result_url(order: Order, lang: str) -> str:
    return reverse("payments:result", args=[order.order_id]) + f"?lang={lang}"


def form_page_url(order: Order, lang: str, mobile: bool) -> str:
    name = "payments:payment-page-mobile" if mobile else "payments:payment-page"
    return (
        reverse(name, kwargs={"merchant_code": order.merchant.code, "lang": lang})
        + f"?mdOrder={order.order_id}"
    )


def _order_or_404(merchant_code: str, md_order: str) -> Order:
    merchant = Merchant.objects.filter(code=merchant_code, is_active=True).first()
    order = merchant and selectors.order_by_order_id(merchant=merchant, order_id=md_order)
    if not order:
        raise Http404
    return order


@require_http_methods(["GET", "POST"])
def payment_page(request: HttpRequest, merchant_code: str, lang: str, mobile: bool = False) -> HttpResponse:
    order = orders.order_expire_if_due(order=_order_or_404(merchant_code, request.GET.get("mdOrder", "")))
    lang = page_language(lang, order)
    with translation.override(lang):
        if order.status not in PAYABLE:
            return finish(request, order, lang)
        if request.method == "POST":
            return _pay(request, order, lang, mobile)
        return render_form(request, order, CardForm(accepted_methods=accepted_methods(order)), lang, mobile)


def accepted_methods(order: Order) -> set[str]:
    return (
        set(order.terminal.contract.payment_methods.values_list("code", flat=True))
        if order.terminal
        else set()
    )


def render_form(
    request: HttpRequest,
    order: Order,
    form: CardForm,
    lang: str,
    mobile: bool,
    *,
    notice: str = "",
    kept: str = "",
) -> HttpResponse:
    methods = order.terminal.contract.payment_methods.all() if order.terminal else []
    context = {
        "order": order,
        "merchant": order.merchant,
        "form": form,
        "methods": methods,
        "notice": notice,
        "kept": kept,
        "kept_masked": mask_pan(form.kept_pan) if form.kept_pan else "",
        "mobile": mobile,
        "languages": [(code, name, form_page_url(order, code, mobile)) for code, name in Language.choices],
        "attempts_left": MAX_ATTEMPTS - order.attempts,
        "lang": lang,
        "form_action": form_page_url(order, lang, mobile),  # also when shown after the issuer's page
    }
    context |= theme_context(merchant=order.merchant, language=lang)
    template = page_template(merchant=order.merchant, page_view=order.page_view)
    return render(request, template, context, status=200 if not form.errors else 422)


def _pay(request: HttpRequest, order: Order, lang: str, mobile: bool) -> HttpResponse:
    kept = request.POST.get("kept", "")
    kept_entry = vault_get(kept, order_id=str(order.order_id)) if kept else None
    form = CardForm(
        request.POST,
        accepted_methods=accepted_methods(order),
        kept_pan=kept_entry[0].pan if kept_entry else "",
    )
    if not form.is_valid():
        pan = form.cleaned_data.get("pan", "")
        token = kept if kept_entry and pan == form.kept_pan else ""
        if pan and not token:  # a good number is kept on our side, never written back into the page
            token = vault_put(
                card=CardData(pan=pan, expiry_month=1, expiry_year=2000, cvv=""), order_id=str(order.order_id)
            )
        form.kept_pan = pan
        return render_form(request, order, form, lang, mobile, kept=token)
    vault_drop(kept)
    card = form.card()
    buyer_ip = client_ip(request)
    decision = fraud_services.fraud_screen(order=order, card=card, buyer_ip=buyer_ip)
    if decision.refused:
        return _refuse(request, order, card, decision, buyer_ip, lang)
    origin = {"card_country": decision.card_country, "card_issuer": decision.card_issuer}
    contract = order.terminal.contract if order.terminal else None
    if contract and contract.three_ds_enabled and get_acquirer().is_enrolled(card.pan):
        try:
            authentication.order_authentication_start(
                order_pk=order.pk, actor=BUYER, masked_pan=mask_pan(card.pan)
            )
        except OperationRefused:
            return finish(request, orders.order_expire_if_due(order=Order.objects.get(pk=order.pk)), lang)
        token = vault_put(
            card=card, order_id=str(order.order_id), lang=lang, mobile=mobile, buyer_ip=buyer_ip, **origin
        )
        return redirect(reverse("acs:challenge", args=[token]) + f"?md={order.order_id}")
    three_ds = (
        ThreeDSResult(status=ThreeDSStatus.NOT_ENROLLED) if contract and contract.three_ds_enabled else None
    )
    return authorize(
        request, order, card, buyer_ip=buyer_ip, three_ds=three_ds, lang=lang, mobile=mobile, **origin
    )


def _refuse(
    request: HttpRequest, order: Order, card: CardData, decision: FraudDecision, buyer_ip: str, lang: str
) -> HttpResponse:
    """A fraud rule refused the card or the buyer: the order is declined, the buyer told why."""
    try:
        order = orders.order_decline(
            order_pk=order.pk,
            action_code=decision.action_code or 0,
            actor=BUYER,
            detail="refused by a fraud rule",
            card=card,
            card_country=decision.card_country,
            card_issuer=decision.card_issuer,
            buyer_ip=buyer_ip,
        )
    except OperationRefused:
        return finish(request, Order.objects.select_related("merchant", "currency").get(pk=order.pk), lang)
    if order.merchant.immediate_return:
        return shop_return(request, order, lang)
    return render_result(request, order, lang, reason=decision.message)


def authorize(
    request: HttpRequest,
    order: Order,
    card: CardData,
    *,
    buyer_ip: str | None,
    three_ds: ThreeDSResult | None,
    lang: str,
    mobile: bool,
    card_country: str = "",
    card_issuer: str = "",
) -> HttpResponse:
    try:
        order = authorization.order_authorize(
            order_pk=order.pk,
            card=card,
            actor=BUYER,
            buyer_ip=buyer_ip,
            three_ds=three_ds,
            card_country=card_country,
            card_issuer=card_issuer,
        )
    except OperationRefused:
        return finish(request, Order.objects.select_related("merchant", "currency").get(pk=order.pk), lang)
    return outcome(request, order, lang, mobile)


def outcome(request: HttpRequest, order: Order, lang: str, mobile: bool) -> HttpResponse:
    """After an attempt: the form again with the reason while attempts are left, else the end."""
    if order.status not in PAYABLE:
        return finish(request, order, lang)
    reason = selectors.action_code_description(order.action_code)
    notice = _("The payment was declined (%(reason)s). You can try again with another card.") % {
        "reason": reason
    }
    form = CardForm(accepted_methods=accepted_methods(order))
    return render_form(request, order, form, lang, mobile, notice=notice)


def finish(request: HttpRequest, order: Order, lang: str) -> HttpResponse:
    """The payment is over (or cannot go on): the ticket, or straight back to the shop."""
    if order.merchant.immediate_return and order.status not in PAYABLE:
        return shop_return(request, order, lang)
    return redirect(result_url(order, lang))


def result_page(request: HttpRequest, order_id: str) -> HttpResponse:
    order = selectors.order_for_buyer(order_id)
    if order is None:
        raise Http404
    order = orders.order_expire_if_due(order=order)
    lang = page_language(request.GET.get("lang", ""), order)
    if order.status in PAYABLE:
        return redirect(form_page_url(order, lang, order.page_view == "MOBILE"))
    return render_result(request, order, lang)


def render_result(request: HttpRequest, order: Order, lang: str, *, reason: str = "") -> HttpResponse:
    """The ticket: outcome, masked card, amount, approval code, date, merchant, and the way back."""
    with translation.override(lang):
        context = {
            "order": order,
            "merchant": order.merchant,
            "paid": order.status in (OrderStatus.APPROVED, OrderStatus.DEPOSITED),
            "reason": reason or selectors.action_code_description(order.action_code),
            "exhausted": order.status == OrderStatus.DECLINED and order.attempts >= MAX_ATTEMPTS,
            "exhausted_reason": selectors.action_code_description(
                authorization.ATTEMPTS_EXHAUSTED_ACTION_CODE
            ),
            "lang": lang,
            "languages": [(code, name, result_url(order, code)) for code, name in Language.choices],
            **theme_context(merchant=order.merchant, language=lang),
        }
        return render(request, "payments/result.html", context)


@require_http_methods(["GET", "POST"])
def back_to_shop(request: HttpRequest, order_id: str) -> HttpResponse:
    """The buyer leaves for the shop: an unpaid order is declined now (with its last action code)."""
    order = selectors.order_for_buyer(order_id)
    if order is None:
        raise Http404
    lang = page_language(request.POST.get("lang") or request.GET.get("lang", ""), order)
    if order.status in PAYABLE:
        try:
            order = orders.order_decline(
                order_pk=order.pk,
                action_code=order.action_code,
                actor=BUYER,
                detail="buyer went back to the shop",
            )
        except OperationRefused:
            order.refresh_from_db()
    with translation.override(lang):
        return shop_return(request, order, lang)
