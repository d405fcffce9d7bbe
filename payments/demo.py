"""Demo data: the DEMO merchant of protocol section 9 and a few thousand realistic orders.

Orders are written in bulk rather than through the services: they describe a past that already
happened, each with the history the services would have written, and the database constraints
still check every row.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from fraud.demo import seed_bin_ranges
from payments.cards import card_brand, mask_pan, pan_hmac
from payments.models import (
    ActorType,
    ApiAccount,
    AuthorizationType,
    Contract,
    Currency,
    Merchant,
    Operation,
    OperationKind,
    Order,
    OrderStatus,
    PaymentMethod,
    Remittance,
    Terminal,
)
from payments.services import remittance
from payments.theming.demo import seed_theme

DEMO_CODE = "DEMO"
API_USERNAME = "demo-api"
API_PASSWORD = "demo-api-password"  # noqa: S105  demo only, printed and in the README
PORTAL_USERNAME = "demo"
PORTAL_PASSWORD = "demo-portal-password"  # noqa: S105  demo only, printed and in the README
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "demo-admin-password"  # noqa: S105  demo only, printed and in the README

APPROVED_CARDS = ["4111111111111111", "5555555555554444", "4970100000000006", "5200000000001096"]
DECLINES = [
    (5, "4000000000000002"),
    (116, "4000000000009995"),
    (101, "4000000000000069"),
    (910, "4000000000000119"),
    (-2006, "4970100000000006"),
    (-2007, ""),
    (-2013, "4000000000000002"),
]
NAMES = [
    "Amira Ben Salah",
    "Youssef Trabelsi",
    "Leila Haddad",
    "Karim Jaziri",
    "Sonia Gharbi",
    "Mehdi Bouazizi",
    "Claire Martin",
    "John Smith",
    "Fatma Chaabane",
    "Nizar Mansour",
]


@dataclass(frozen=True)
class DemoSummary:
    merchant: Merchant
    orders_created: int
    portal_totp_secret: str = ""  # base32, for the demo user's authenticator app


def demo_seed(*, order_count: int = 3000, seed: int = 42) -> DemoSummary:
    """Create the demo merchant, its accounts and orders. Safe to run twice: it never duplicates."""
    with transaction.atomic():
        merchant = _merchant()
        seed_theme(merchant)  # logo, colours and the PARTNER page view of the demo page
        seed_bin_ranges()  # card countries of the test cards, for the fraud rules
        created = 0 if merchant.orders.exists() else _orders(merchant, order_count, random.Random(seed))
        from backoffice.demo import seed_portal_user  # here: the back-office builds on payments

        secret = seed_portal_user(merchant, username=PORTAL_USERNAME)
    remit_past_days()  # yesterday's remittance and older ones, built by the remittance service
    from backoffice.demo import seed_extractions

    seed_extractions(merchant)  # the daily extraction option on, in XLSX, and yesterday's file
    return DemoSummary(merchant=merchant, orders_created=created, portal_totp_secret=secret)


def remit_past_days() -> list[Remittance]:
    """Build, day by day, the remittances the nightly job would have built, up to the last cut-off
    passed (so yesterday's exists). Safe to run twice: the service builds each day once.
    """
    now = timezone.now()
    waiting = Order.objects.filter(
        status__in=[OrderStatus.DEPOSITED, OrderStatus.REFUNDED], sale__isnull=True
    ).aggregate(first=Min("deposited_at"))["first"]
    if waiting is None:
        return []
    day, last = timezone.localdate(waiting), remittance.business_date_due(now)
    built = []
    while day <= last:
        # the service's clock: a few minutes after that day's cut-off, as the beat would have run it
        ran_at = min(remittance.cutoff_for(day) + timedelta(minutes=5), now)
        built += remittance.remittance_run(until=None, business_date=day, now=ran_at)
        day += timedelta(days=1)
    return built


def _merchant() -> Merchant:
    tnd, eur, usd = (Currency.objects.get(alpha_code=code) for code in ("TND", "EUR", "USD"))
    merchant, _ = Merchant.objects.get_or_create(
        code=DEMO_CODE,
        defaults={
            "name": "Boutique Démo",
            "default_currency": tnd,
            "two_phase_allowed": True,
            "callback_key": "demo-callback-key",
        },
    )
    contract = merchant.contracts.first() or Contract.objects.create(
        merchant=merchant, bank_name="Banque Démo", three_ds_enabled=True, commission_bps=150
    )
    contract.currencies.set([tnd, eur, usd])
    contract.payment_methods.set(PaymentMethod.objects.all())
    for terminal_id in ("DEMO0001", "DEMO0002", "DEMO0003"):
        Terminal.objects.get_or_create(terminal_id=terminal_id, defaults={"contract": contract})
    ApiAccount.objects.update_or_create(
        username=API_USERNAME,
        defaults={
            "merchant": merchant,
            "password": make_password(API_PASSWORD),
            "is_active": True,
            "password_changed_at": timezone.now(),
        },
    )
    users = get_user_model()
    if not users.objects.filter(username=PORTAL_USERNAME).exists():
        users.objects.create_user(PORTAL_USERNAME, "demo@example.tn", PORTAL_PASSWORD)
    if not users.objects.filter(username=ADMIN_USERNAME).exists():
        users.objects.create_superuser(ADMIN_USERNAME, "support@example.tn", ADMIN_PASSWORD)
    return merchant


def _orders(merchant: Merchant, count: int, rng: random.Random) -> int:
    now = timezone.now()
    terminals = list(Terminal.objects.filter(contract__merchant=merchant))
    currencies = {c.alpha_code: c for c in Currency.objects.all()}
    orders = [_order(merchant, index, now, rng, terminals, currencies) for index in range(count)]
    Order.objects.bulk_create(orders, batch_size=500)
    saved = {o.order_number: o for o in Order.objects.filter(merchant=merchant)}
    Operation.objects.bulk_create(
        [op for order in orders for op in _history(saved[order.order_number])], batch_size=1000
    )
    return count


def _order(merchant, index, now, rng, terminals, currencies) -> Order:  # type: ignore[no-untyped-def]
    # a dozen orders are minutes old, so the demo shows payments under way
    age = timedelta(minutes=rng.random() * 10) if index < 12 else timedelta(days=rng.random() * 90)
    created = now - age
    currency = currencies[rng.choices(["TND", "EUR", "USD"], weights=[8, 1, 1])[0]]
    unit = 10**currency.exponent
    amount = rng.randint(5, 900) * unit + rng.choice([0, 0, 500, 250, 990]) * unit // 1000
    two_phase = rng.random() < 0.15
    name = rng.choice(NAMES)
    email = name.lower().replace(" ", ".") + rng.choice(["@gmail.com", "@topnet.tn", "@yahoo.fr"])
    order = Order(
        merchant=merchant,
        terminal=rng.choice(terminals),
        order_number=f"CMD-{created:%Y%m%d}-{index:05d}",
        currency=currency,
        amount=amount,
        authorization_type=AuthorizationType.TWO_PHASE if two_phase else AuthorizationType.ONE_PHASE,
        return_url="https://shop.example.tn/return",
        fail_url="https://shop.example.tn/fail",
        description=f"Commande {index:05d}",
        language=rng.choice(["fr", "fr", "fr", "ar", "en"]),
        json_params={"email": email, "phone": f"+216{rng.randint(20000000, 99999999)}"},
        buyer_email=email,
        created_at=created,
        expires_at=created + timedelta(minutes=20),
        buyer_ip=f"41.226.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
    )
    order.buyer_phone = order.json_params["phone"]
    _give_outcome(order, rng, now, two_phase, name)
    return order


def _give_outcome(order: Order, rng: random.Random, now, two_phase: bool, name: str) -> None:  # type: ignore[no-untyped-def]
    recent = now - order.created_at < timedelta(minutes=15)
    roll = rng.random()
    if recent and roll < 0.5:
        order.status = rng.choice([OrderStatus.REGISTERED, OrderStatus.AUTHENTICATING])
        return
    if roll < 0.18:
        code, pan = rng.choice(DECLINES)
        order.status, order.action_code, order.attempts = (
            OrderStatus.DECLINED,
            code,
            3 if code == -2013 else 1,
        )
        if pan:
            _card(order, pan, name)
        return
    _card(order, rng.choice(APPROVED_CARDS), name)
    order.action_code, order.approved_amount, order.authorized_at = 0, order.amount, order.created_at
    order.approval_code, order.reference_number = (
        f"{rng.randint(0, 999999):06d}",
        f"{rng.randint(0, 10**12):012d}",
    )
    if order.masked_pan.startswith(("497010", "520000")):
        order.eci = "05" if order.card_brand == "VISA" else "02"
        order.cavv, order.xid = "AAABBEg0VhI0VniQEjRWAAAAAAA=", f"{rng.getrandbits(80):020x}"
    age = now - order.created_at
    if two_phase and age < timedelta(days=7) and rng.random() < 0.5:
        order.status = OrderStatus.APPROVED
        return
    order.status, order.deposited_amount, order.deposited_at = (
        OrderStatus.DEPOSITED,
        order.amount,
        order.created_at,
    )
    if rng.random() < 0.04:  # cancelled before the remittance
        order.status, order.deposited_amount = OrderStatus.REVERSED, 0
        return
    if age < timedelta(days=1):
        return
    # remitted later by remit_past_days, through the remittance service, as the nightly job would have
    refund = rng.random()
    if refund < 0.05:
        order.status, order.refunded_amount = OrderStatus.REFUNDED, order.deposited_amount
    elif refund < 0.1:
        order.refunded_amount = order.deposited_amount // 2


def _card(order: Order, pan: str, name: str) -> None:
    order.masked_pan, order.card_bin, order.card_last4 = mask_pan(pan), pan[:6], pan[-4:]
    order.card_brand, order.card_expiry, order.cardholder_name = card_brand(pan), "202912", name.upper()
    order.pan_hmac, order.pan_hmac_key_id = pan_hmac(pan)


def _history(order: Order) -> list[Operation]:
    def op(
        kind: str, amount: int, success: bool = True, code: int | None = None, actor: str = ActorType.API
    ) -> Operation:
        return Operation(
            order=order,
            kind=kind,
            amount=amount,
            success=success,
            action_code=code,
            actor_type=actor,
            created_at=order.created_at,
        )

    ops = [op(OperationKind.REGISTER, order.amount)]
    if order.masked_pan:
        ops.append(
            op(
                OperationKind.AUTHORIZE,
                order.amount,
                order.action_code == 0,
                order.action_code,
                ActorType.BUYER,
            )
        )
    if order.status == OrderStatus.DECLINED:
        ops.append(op(OperationKind.DECLINE, 0, True, order.action_code, ActorType.SYSTEM))
    if order.deposited_at and order.authorization_type == AuthorizationType.TWO_PHASE:
        ops.append(op(OperationKind.DEPOSIT, order.approved_amount))
    if order.status == OrderStatus.REVERSED:
        ops.append(op(OperationKind.REVERSE, order.approved_amount, actor=ActorType.STAFF))
    if order.refunded_amount:
        refund = op(OperationKind.REFUND, order.refunded_amount, actor=ActorType.STAFF)
        # a day after the sale, so after its remittance: a later remittance carries it as a credit line
        refund.created_at = min(order.created_at + timedelta(days=1, hours=1), timezone.now())
        ops.append(refund)
    return ops
