"""Keyword-only helpers that build rows for tests. They write directly: they set up a past, not a change."""

import itertools
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from payments.cards import card_brand, mask_pan, pan_hmac
from payments.models import (
    ApiAccount,
    AuthorizationType,
    Contract,
    Currency,
    Merchant,
    Order,
    OrderStatus,
    Remittance,
    RemittanceSale,
    Terminal,
)

_seq = itertools.count(1)
API_PASSWORD = "s3cret-api-password"


def currency(alpha_code: str = "TND") -> Currency:
    return Currency.objects.get(alpha_code=alpha_code)


def make_merchant(
    *,
    code: str | None = None,
    currencies: tuple[str, ...] = ("TND", "EUR"),
    two_phase_allowed: bool = True,
    **fields: Any,
) -> Merchant:
    n = next(_seq)
    merchant = Merchant.objects.create(
        code=code or f"M{n}",
        name=f"Shop {n}",
        default_currency=currency(currencies[0]),
        two_phase_allowed=two_phase_allowed,
        **fields,
    )
    contract = Contract.objects.create(merchant=merchant, bank_name="Test Bank", commission_bps=150)
    contract.currencies.set([currency(c) for c in currencies])
    Terminal.objects.create(contract=contract, terminal_id=f"T{n:07d}")
    return merchant


def make_api_account(
    *,
    merchant: Merchant | None = None,
    username: str | None = None,
    password: str = API_PASSWORD,
    is_active: bool = True,
) -> ApiAccount:
    merchant = merchant or make_merchant()
    return ApiAccount.objects.create(
        merchant=merchant,
        username=username or f"api-{merchant.code.lower()}",
        password=make_password(password),
        is_active=is_active,
    )


def make_order(
    *,
    merchant: Merchant | None = None,
    status: int = OrderStatus.REGISTERED,
    amount: int = 10_000,
    currency_code: str | None = None,
    remitted: bool = False,
    pan: str = "",
    two_phase: bool = False,
    **fields: Any,
) -> Order:
    """An order in `status` with amounts that fit it: paid orders are fully approved and deposited."""
    merchant = merchant or make_merchant()
    n = next(_seq)
    values: dict[str, Any] = {
        "merchant": merchant,
        "terminal": Terminal.objects.filter(contract__merchant=merchant).first(),
        "order_number": f"ORD-{n}",
        "currency": currency(currency_code) if currency_code else merchant.default_currency,
        "amount": amount,
        "status": status,
        "return_url": "https://shop.example.tn/return",
        "expires_at": timezone.now() + timedelta(minutes=20),
        "authorization_type": AuthorizationType.TWO_PHASE if two_phase else AuthorizationType.ONE_PHASE,
    }
    if status in (OrderStatus.APPROVED, OrderStatus.DEPOSITED, OrderStatus.REVERSED, OrderStatus.REFUNDED):
        pan = pan or "4111111111111111"
        values |= {
            "approved_amount": amount,
            "action_code": 0,
            "authorized_at": timezone.now(),
            "approval_code": "123456",
            "reference_number": "000000000001",
        }
    if status in (OrderStatus.DEPOSITED, OrderStatus.REFUNDED):
        values |= {"deposited_amount": amount, "deposited_at": timezone.now()}
    if status == OrderStatus.REFUNDED:
        values["refunded_amount"] = amount
    if pan:
        digest, key_id = pan_hmac(pan)
        values |= {
            "masked_pan": mask_pan(pan),
            "card_bin": pan[:6],
            "card_last4": pan[-4:],
            "card_brand": card_brand(pan),
            "card_expiry": "203012",
            "cardholder_name": "TEST BUYER",
            "pan_hmac": digest,
            "pan_hmac_key_id": key_id,
        }
    remitted_at = fields.pop("remitted_at", timezone.now() if remitted else None)
    remittance = fields.pop("remittance", None)
    values |= fields
    order = Order.objects.create(**values)
    if remitted_at is not None:
        remit(order, at=remitted_at, remittance=remittance)
    return order


def remit(
    order: Order, *, at: datetime | None = None, remittance: Remittance | None = None
) -> RemittanceSale:
    """Mark `order` remitted to the bank with what it holds deposited now, as the remittance job would."""
    amount = Order.objects.values_list("deposited_amount", flat=True).get(pk=order.pk)
    return RemittanceSale.objects.create(
        order_id=order.pk, remittance=remittance, amount=amount, remitted_at=at or timezone.now()
    )
