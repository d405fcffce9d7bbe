"""The status answers, key for key as shop plugins read them."""

from typing import Any

from django.utils.translation import gettext as _
from django_countries import countries

from payments import selectors
from payments.models import PAYMENT_STATE, Order, OrderStatus


def _ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000)


def order_status(order: Order) -> dict[str, Any]:
    """getOrderStatus.do: capitalised keys; ErrorCode 2 only for a declined order."""
    declined = order.status == OrderStatus.DECLINED
    answer: dict[str, Any] = {
        "ErrorCode": "2" if declined else "0",
        "ErrorMessage": _("Payment is declined") if declined else "Success",
        "OrderStatus": order.status,
        "OrderNumber": order.order_number,
        "Amount": order.amount,
        "currency": order.currency_id,
        "depositAmount": order.deposited_amount,
        "authCode": 2,
        "clientId": order.client_id,
    }
    if order.masked_pan:
        answer |= {
            "Pan": order.masked_pan,
            "expiration": order.card_expiry,
            "cardholderName": order.cardholder_name,
            "approvalCode": order.approval_code,
        }
    if order.buyer_ip:
        answer["Ip"] = order.buyer_ip
    return answer


def order_status_extended(order: Order) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "errorCode": "0",
        "errorMessage": "Success",
        "orderNumber": order.order_number,
        "orderStatus": order.status,
        "actionCode": order.action_code,
        "actionCodeDescription": selectors.action_code_description(order.action_code),
        "amount": order.amount,
        "currency": order.currency_id,
        "date": _ms(order.created_at),
        "orderDescription": order.description,
        "ip": order.buyer_ip or "",
        "merchantOrderParams": [{"name": k, "value": v} for k, v in order.json_params.items()],
        "attributes": [{"name": "mdOrder", "value": str(order.order_id)}],
        "terminalId": order.terminal.terminal_id if order.terminal else "",
        "paymentAmountInfo": {
            "paymentState": PAYMENT_STATE[OrderStatus(order.status)],
            "approvedAmount": order.approved_amount,
            "depositedAmount": order.deposited_amount,
            "refundedAmount": order.refunded_amount,
        },
    }
    if order.authorized_at:
        answer["authDateTime"] = _ms(order.authorized_at)
    if order.reference_number:
        answer["authRefNum"] = order.reference_number
    if order.masked_pan:
        answer["cardAuthInfo"] = _card_auth_info(order)
        answer["bankInfo"] = {
            "bankName": order.card_issuer,
            "bankCountryCode": order.card_country or "UNKNOWN",
            "bankCountryName": countries.name(order.card_country) or _("unknown"),
        }
    return answer


def _card_auth_info(order: Order) -> dict[str, Any]:
    info: dict[str, Any] = {
        "maskedPan": order.masked_pan,
        "expiration": order.card_expiry,
        "cardholderName": order.cardholder_name,
        "approvalCode": order.approval_code,
        "paymentSystem": order.card_brand,
    }
    if order.eci:
        info["secureAuthInfo"] = {"eci": order.eci, "threeDSInfo": {"cavv": order.cavv, "xid": order.xid}}
    return info
