import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from payments import demo
from payments.models import (
    ApiAccount,
    AuthorizationType,
    Contract,
    Merchant,
    Operation,
    OperationKind,
    Order,
    OrderStatus,
    Terminal,
)
from tests.factories import currency

pytestmark = pytest.mark.django_db

ORDERS = 300


@pytest.fixture
def seeded():
    call_command("seed_demo", "--orders", str(ORDERS), stdout=io.StringIO())
    return Merchant.objects.get(code="DEMO")


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Merchant, Contract, Terminal, ApiAccount, Order, Operation)
    }


def test_seed_demo_twice_creates_no_duplicates(seeded):
    first = counts()
    assert first["Order"] == ORDERS
    call_command("seed_demo", "--orders", str(ORDERS), stdout=io.StringIO())
    assert counts() == first
    assert (first["Merchant"], first["Contract"], first["Terminal"], first["ApiAccount"]) == (1, 1, 3, 1)


def test_the_demo_api_account_registers_an_order(seeded, client):
    answer = client.post(
        "/payment/rest/register.do",
        {
            "userName": demo.API_USERNAME,
            "password": demo.API_PASSWORD,
            "orderNumber": "DEMO-TEST-1",
            "amount": "10500",
            "currency": "978",
            "returnUrl": "https://shop.example.tn/ok",
        },
    ).json()
    assert "errorCode" not in answer, answer
    order = Order.objects.get(order_id=answer["orderId"])
    assert (order.merchant, order.currency.alpha_code) == (seeded, "EUR")
    assert "/payment/merchants/DEMO/payment_fr.html?mdOrder=" in answer["formUrl"]


def test_the_demo_merchant_matches_the_protocol(seeded):
    assert seeded.default_currency == currency("TND")
    assert seeded.two_phase_allowed
    assert seeded.default_language == "fr"
    contract = seeded.contracts.get()
    assert contract.three_ds_enabled
    assert {c.numeric_code for c in contract.currencies.all()} == {"788", "978", "840"}


def test_demo_orders_exist_in_every_status(seeded):
    statuses = set(Order.objects.filter(merchant=seeded).values_list("status", flat=True))
    assert statuses == set(OrderStatus.values)


def test_demo_orders_use_both_authorization_types_and_several_terminals(seeded):
    demo_orders = Order.objects.filter(merchant=seeded)
    assert set(demo_orders.values_list("authorization_type", flat=True)) == {
        AuthorizationType.ONE_PHASE,
        AuthorizationType.TWO_PHASE,
    }
    assert demo_orders.values("terminal").distinct().count() >= 2


def test_demo_paid_orders_older_than_a_day_are_remitted_and_recent_ones_not(seeded):
    paid = Order.objects.filter(merchant=seeded, status__in=[OrderStatus.DEPOSITED, OrderStatus.REFUNDED])
    old = paid.filter(deposited_at__lt=datetime.now(UTC) - timedelta(days=1))
    assert old.exists()
    assert not old.filter(sale__isnull=True).exists()
    recent = paid.filter(created_at__gt=datetime.now(UTC) - timedelta(hours=12))
    assert not recent.filter(sale__isnull=False).exists()


def test_demo_remittances_happen_after_the_deposit_and_not_in_the_future(seeded):
    now = datetime.now(UTC)
    for order in Order.objects.filter(merchant=seeded, sale__isnull=False).select_related("sale"):
        assert order.deposited_at <= order.remitted_at <= now, order


def test_demo_amounts_fit_each_status(seeded):
    for order in Order.objects.filter(merchant=seeded):
        assert 0 <= order.refunded_amount <= order.deposited_amount <= order.approved_amount <= order.amount
        if order.status in (OrderStatus.REGISTERED, OrderStatus.AUTHENTICATING, OrderStatus.DECLINED):
            assert order.approved_amount == 0
        if order.status == OrderStatus.APPROVED:
            assert (order.approved_amount, order.deposited_amount) == (order.amount, 0)
        if order.status == OrderStatus.REFUNDED:
            assert order.refunded_amount == order.deposited_amount > 0
        if order.status == OrderStatus.REVERSED:
            assert order.deposited_amount == 0 and order.remitted_at is None


def test_every_demo_order_has_its_history(seeded):
    for order in Order.objects.filter(merchant=seeded).prefetch_related("operations"):
        kinds = [op.kind for op in order.operations.all()]
        assert kinds[0] == OperationKind.REGISTER
        if order.status == OrderStatus.DECLINED:
            assert OperationKind.DECLINE in kinds
        if order.refunded_amount:
            assert sum(op.amount for op in order.operations.all() if op.kind == OperationKind.REFUND) == (
                order.refunded_amount
            )
