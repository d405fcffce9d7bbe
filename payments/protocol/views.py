"""The merchant REST API (`/payment/rest/<method>.do`), exactly as ../shared/protocol.md sections 1-3."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from payments import selectors
from payments.errors import ErrorCode, OperationRefused
from payments.models import ActorType, ApiAccount, AuthorizationType, Order
from payments.services import credentials, orders
from payments.services.common import Actor

from . import lookup, params, render
from .endpoint import SUCCESS, protocol_method


def _actor(account: ApiAccount) -> Actor:
    return Actor(type=ActorType.API, api_account=account)


def _register(
    request: HttpRequest, values: dict[str, str], account: ApiAccount, auth_type: str
) -> dict[str, Any]:
    for name in ("orderNumber", "amount", "returnUrl"):
        params.required(values, name)
    return_url = params.url(values, "returnUrl")
    fail_url = params.url(values, "failUrl") if values.get("failUrl") else ""
    order_number = params.text(values, "orderNumber", max_length=36)
    amount = params.amount(values["amount"], allow_zero=False)
    currency = params.currency(values.get("currency", ""))
    order_request = orders.OrderRequest(
        order_number=order_number,
        amount=amount,
        return_url=return_url,
        fail_url=fail_url,
        currency=currency,
        description=params.text(values, "description", max_length=598),
        language=params.language(values.get("language", "")),
        page_view=params.page_view(values.get("pageView", ""), merchant=account.merchant),
        client_id=params.text(values, "clientId", max_length=255),
        json_params=params.json_params(values.get("jsonParams", "")),
        expires_at=params.expiration_date(values.get("expirationDate", "")),
        authorization_type=auth_type,
    )
    order = orders.order_register(
        merchant=account.merchant,
        request=order_request,
        actor=_actor(account),
        session_seconds=params.session_seconds(values.get("sessionTimeoutSecs", "")),
    )
    return {"orderId": str(order.order_id), "formUrl": form_url(request, order)}


def form_url(request: HttpRequest, order: Order) -> str:
    base = settings.PUBLIC_BASE_URL or f"{request.scheme}://{request.get_host()}"
    prefix = "mobile_" if order.page_view == "MOBILE" else ""
    page = f"{prefix}payment_{order.language}.html"
    return f"{base}/payment/merchants/{order.merchant.code}/{page}?mdOrder={order.order_id}"


@protocol_method(guarded=True)
def register(request: HttpRequest, values: dict[str, str], account: ApiAccount) -> dict[str, Any]:
    return _register(request, values, account, AuthorizationType.ONE_PHASE)


@protocol_method(guarded=True)
def register_pre_auth(request: HttpRequest, values: dict[str, str], account: ApiAccount) -> dict[str, Any]:
    return _register(request, values, account, AuthorizationType.TWO_PHASE)


def _order_for_change(values: dict[str, str], account: ApiAccount) -> Order:
    order_id = params.required(values, "orderId", code=ErrorCode.BAD_VALUE)
    order = selectors.order_by_order_id(merchant=account.merchant, order_id=order_id)
    if order is None:
        raise OperationRefused(ErrorCode.NOT_FOUND, _("The order is not known."))
    return order


def _amount_param(values: dict[str, str]) -> int:
    return params.amount(params.required(values, "amount", code=ErrorCode.BAD_VALUE), allow_zero=True)


@protocol_method()
def deposit(request: HttpRequest, values: dict[str, str], account: ApiAccount) -> dict[str, Any]:
    order = _order_for_change(values, account)
    orders.order_deposit(order_pk=order.pk, amount=_amount_param(values), actor=_actor(account))
    return SUCCESS


@protocol_method()
def reverse(request: HttpRequest, values: dict[str, str], account: ApiAccount) -> dict[str, Any]:
    order = _order_for_change(values, account)
    orders.order_reverse(order_pk=order.pk, actor=_actor(account))
    return SUCCESS


@protocol_method()
def refund(request: HttpRequest, values: dict[str, str], account: ApiAccount) -> dict[str, Any]:
    order = _order_for_change(values, account)
    amount = _amount_param(values)
    external_id = params.text(values, "externalRefundId", max_length=100)
    orders.order_refund(
        order_pk=order.pk, amount=amount, actor=_actor(account), external_refund_id=external_id
    )
    return SUCCESS


@protocol_method(capitalised=True)
def get_order_status(request: HttpRequest, values: dict[str, str], account: ApiAccount) -> dict[str, Any]:
    order = orders.order_expire_if_due(order=_order_for_change(values, account))
    return render.order_status(order)


@protocol_method(guarded=True)
def get_order_status_extended(
    request: HttpRequest, values: dict[str, str], account: ApiAccount
) -> dict[str, Any]:
    order_id, order_number = values.get("orderId", ""), values.get("orderNumber", "")
    if not (order_id or order_number):
        raise OperationRefused(ErrorCode.NO_REFERENCE, _("The parameter orderId or orderNumber is missing."))
    if credentials.versions_of(account) is not None:
        order = lookup.order_guarded(account=account, order_id=order_id, order_number=order_number)
    elif order_id:
        order = selectors.order_by_order_id(merchant=account.merchant, order_id=order_id)
    else:
        order = selectors.order_by_order_number(merchant=account.merchant, order_number=order_number)
    if order is None:
        raise OperationRefused(ErrorCode.NOT_FOUND, _("The order is not known."))
    return render.order_status_extended(orders.order_expire_if_due(order=order))
