import time
from datetime import date

import pytest
from django.db import connection
from django.test import Client

from payments.acquirer.simulator import SimulatorAcquirer
from payments.cards import CardData
from payments.errors import OperationRefused
from payments.models import Operation, OperationKind, Order, OrderStatus
from payments.services import authorization
from payments.services.common import BUYER
from tests.concurrency import run_in_threads
from tests.factories import API_PASSWORD, make_api_account, make_order

pytestmark = [
    # serialized_rollback: the flush after each test would drop the currencies of the data migration
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def call(method: str, account, **values) -> dict:
    """One protocol call from a fresh client, as a separate shop request would be."""
    data = {"userName": account.username, "password": API_PASSWORD, "language": "en"} | values
    response = Client().post(f"/payment/rest/{method}.do", data)
    assert response.status_code == 200
    return response.json()


def assert_no_system_error(answers: list) -> None:
    for answer in answers:
        assert isinstance(answer, dict), answer  # an exception in the thread would be returned instead
        assert answer.get("errorMessage") != "System error.", answer


def test_parallel_partial_refunds_never_exceed_the_deposit():
    account = make_api_account()
    order = make_order(merchant=account.merchant, status=OrderStatus.DEPOSITED, amount=10_000, remitted=True)
    answers = run_in_threads(
        lambda i: call("refund", account, orderId=str(order.order_id), amount="3000"), count=6
    )
    assert_no_system_error(answers)
    codes = sorted(answer["errorCode"] for answer in answers)
    assert codes == ["0", "0", "0", "7", "7", "7"]
    for answer in answers:
        if answer["errorCode"] == "7":
            assert "exceeds" in answer["errorMessage"]
    order.refresh_from_db()
    assert order.refunded_amount == 9_000
    assert order.status == OrderStatus.DEPOSITED
    refunds = Operation.objects.filter(order=order, kind=OperationKind.REFUND)
    assert sum(op.amount for op in refunds) == 9_000


def test_parallel_full_and_partial_refunds_refund_the_deposit_exactly_once():
    account = make_api_account()
    order = make_order(merchant=account.merchant, status=OrderStatus.DEPOSITED, amount=10_000, remitted=True)
    amounts = ["0", "0", "4000", "6000", "10000", "1"]
    answers = run_in_threads(
        lambda i: call("refund", account, orderId=str(order.order_id), amount=amounts[i]), count=len(amounts)
    )
    assert_no_system_error(answers)
    assert {answer["errorCode"] for answer in answers} <= {"0", "7"}
    order.refresh_from_db()
    assert order.refunded_amount <= order.deposited_amount == 10_000
    refunds = Operation.objects.filter(order=order, kind=OperationKind.REFUND)
    assert sum(op.amount for op in refunds) == order.refunded_amount
    assert len(refunds) == sum(answer["errorCode"] == "0" for answer in answers)


@pytest.mark.parametrize(("is_remitted", "winner"), [(True, "refund"), (False, "reverse")])
def test_reverse_racing_refund_lets_only_the_allowed_one_win(is_remitted, winner):
    account = make_api_account()
    order = make_order(
        merchant=account.merchant, status=OrderStatus.DEPOSITED, amount=10_000, remitted=is_remitted
    )
    methods = ["reverse", "refund"] * 3
    answers = run_in_threads(
        lambda i: call(methods[i], account, orderId=str(order.order_id), amount="0"), count=len(methods)
    )
    assert_no_system_error(answers)
    outcome = {(method, answer["errorCode"]) for method, answer in zip(methods, answers, strict=True)}
    loser = "reverse" if winner == "refund" else "refund"
    assert (loser, "0") not in outcome
    assert (winner, "0") in outcome
    order.refresh_from_db()
    if winner == "refund":
        assert (order.status, order.refunded_amount, order.deposited_amount) == (
            OrderStatus.REFUNDED,
            10_000,
            10_000,
        )
        assert not Operation.objects.filter(order=order, kind=OperationKind.REVERSE).exists()
        assert Operation.objects.filter(order=order, kind=OperationKind.REFUND).count() == 1
    else:
        assert (order.status, order.refunded_amount) == (OrderStatus.REVERSED, 0)
        assert not Operation.objects.filter(order=order, kind=OperationKind.REFUND).exists()
        assert Operation.objects.filter(order=order, kind=OperationKind.REVERSE).count() == 1


def test_the_same_order_number_registered_concurrently_makes_one_order():
    account = make_api_account()
    answers = run_in_threads(
        lambda i: call(
            "register",
            account,
            orderNumber="SAME-1",
            amount=str(1000 + i),
            returnUrl="https://shop.example.tn/ok",
        ),
        count=8,
    )
    assert_no_system_error(answers)
    winners = [answer for answer in answers if "orderId" in answer]
    assert len(winners) == 1
    assert "errorCode" not in winners[0]
    assert sorted(answer.get("errorCode") for answer in answers if answer not in winners) == ["1"] * 7
    [order] = Order.objects.filter(merchant=account.merchant)
    assert str(order.order_id) == winners[0]["orderId"]
    assert Operation.objects.filter(order=order, kind=OperationKind.REGISTER).count() == 1


def test_concurrent_authorizations_of_one_order_authorize_at_most_once(monkeypatch):
    order = make_order(amount=10_000)
    asked = []
    approve = SimulatorAcquirer.authorize

    def slow_issuer(self, request):
        asked.append(request.order_id)
        time.sleep(0.2)  # keep the first claim held while the others arrive
        return approve(self, request)

    monkeypatch.setattr(SimulatorAcquirer, "authorize", slow_issuer)
    card = CardData(pan="4111111111111111", expiry_month=12, expiry_year=date.today().year + 2, cvv="123")
    results = run_in_threads(
        lambda i: authorization.order_authorize(order_pk=order.pk, card=card, actor=BUYER), count=4
    )
    paid = [result for result in results if isinstance(result, Order)]
    assert len(paid) == 1
    assert all(isinstance(result, OperationRefused) for result in results if result not in paid)
    assert len(asked) == 1  # the issuer was asked once
    order.refresh_from_db()
    assert (order.status, order.deposited_amount, order.authorizing_until) == (
        OrderStatus.DEPOSITED,
        10_000,
        None,
    )
    assert Operation.objects.filter(order=order, kind=OperationKind.AUTHORIZE).count() == 1


def test_concurrent_declined_attempts_never_pass_the_attempt_limit():
    order = make_order(amount=10_000)
    card = CardData(pan="4000000000000002", expiry_month=12, expiry_year=date.today().year + 2, cvv="123")
    for _ in range(3):
        run_in_threads(
            lambda i: authorization.order_authorize(order_pk=order.pk, card=card, actor=BUYER), count=4
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.DECLINED
    assert order.attempts == authorization.MAX_ATTEMPTS
    assert Operation.objects.filter(order=order, kind=OperationKind.AUTHORIZE).count() == 3


def test_the_same_external_refund_id_sent_concurrently_refunds_once():
    account = make_api_account()
    order = make_order(merchant=account.merchant, status=OrderStatus.DEPOSITED, amount=10_000, remitted=True)
    answers = run_in_threads(
        lambda i: call(
            "refund", account, orderId=str(order.order_id), amount="3000", externalRefundId="R-42"
        ),
        count=6,
    )
    assert_no_system_error(answers)
    assert [answer["errorCode"] for answer in answers] == ["0"] * 6
    order.refresh_from_db()
    assert order.refunded_amount == 3_000
    assert Operation.objects.filter(order=order, kind=OperationKind.REFUND).count() == 1
