"""The buyer's way back to the shop (protocol section 5.6): orderId and lang, by GET or auto-POST."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from payments.models import Order, OrderStatus, ReturnMethod


def return_target(order: Order) -> str:
    """returnUrl when paid or held, else failUrl (or returnUrl when the shop gave none)."""
    if order.status in (OrderStatus.APPROVED, OrderStatus.DEPOSITED):
        return order.return_url
    return order.fail_url or order.return_url


def with_params(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return urlunsplit(parts._replace(query=query))


def shop_return(request: HttpRequest, order: Order, lang: str) -> HttpResponse:
    params = {"orderId": str(order.order_id), "lang": lang}
    target = return_target(order)
    if order.merchant.return_method == ReturnMethod.POST:
        context = {"action": target, "fields": params, "merchant": order.merchant}
        return render(request, "payments/return_post.html", context)
    return HttpResponseRedirect(with_params(target, params))
