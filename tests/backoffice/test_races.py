"""Portal actions racing each other and the remittance job, on PostgreSQL with real threads.

Each thread posts through the portal's own views (a fresh Client, its own database connection), so what
is checked is what a merchant's staff would get: the right outcome, a clear refusal, never a 500.
"""

import random
import time as clock
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from backoffice.models import Role
from payments.models import OperationKind, Order, OrderStatus, Remittance
from payments.services import remittance
from tests.backoffice.conftest import make_staff, signed_in
from tests.concurrency import run_in_threads
from tests.factories import make_merchant, make_order

pytestmark = [
    # serialized_rollback: the flush after each test would drop the currencies of the data migration
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

BUSINESS_DATE = date(2025, 3, 10)
ITERATIONS = 20
# What the loser reads: the form's check, the service's check under the lock, or the page's reason.
REFUSALS = ("exceeds what is left to refund", "The order is already fully refunded.")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path  # the remittance files


def _url(order: Order, action: str) -> str:
    return f"/mportal/orders/{order.order_id}/{action}/"


def _cancel_or_remit(client: Client, order: Order, index: int) -> Any:
    if index == 0:
        clock.sleep(random.random() * 0.03)  # the run needs a few queries before its UPDATE: vary who wins
        return client.post(_url(order, "cancel"), {"key": str(uuid.uuid4())}, HTTP_ACCEPT_LANGUAGE="en")
    built = remittance.remittance_run(until=timezone.now(), business_date=BUSINESS_DATE)
    return "remitted" if built else "none"


def test_portal_cancel_racing_the_remittance_is_cancelled_or_remitted_never_both() -> None:
    outcomes = {"cancelled": 0, "remitted": 0}
    for _ in range(ITERATIONS):
        merchant = make_merchant()
        client = signed_in(make_staff(merchant=merchant, role=Role.OPERATOR))
        order = make_order(
            merchant=merchant,
            status=OrderStatus.DEPOSITED,
            deposited_at=timezone.now() - timedelta(seconds=1),
        )
        cancel, remit = run_in_threads(lambda i, c=client, o=order: _cancel_or_remit(c, o, i), count=2)
        assert not isinstance(cancel, Exception) and cancel.status_code == 302, cancel  # never a 500
        assert not isinstance(remit, Exception), remit
        order.refresh_from_db()
        reversals = order.operations.filter(kind=OperationKind.REVERSE, success=True).count()
        if order.status == OrderStatus.REVERSED:
            assert remit == "none" and reversals == 1
            assert order.remitted_at is None and order.remittance is None and order.deposited_amount == 0
            assert not Remittance.objects.filter(merchant=merchant).exists()
            outcomes["cancelled"] += 1
        else:
            assert remit == "remitted" and reversals == 0
            assert order.status == OrderStatus.DEPOSITED and order.remitted_at is not None
            assert order.remittance.gross_amount == order.deposited_amount == 10_000
            outcomes["remitted"] += 1
    assert sum(outcomes.values()) == ITERATIONS
    print(f"cancel vs remittance outcomes: {outcomes}")


def _refund(client: Client, order: Order, amount: str) -> Any:
    # A separate GET then POST, as two people at two screens would: both may see the whole deposit left.
    url = _url(order, "refund")
    client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    return client.post(url, {"key": str(uuid.uuid4()), "amount": amount}, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize("amounts", [("6.000", "6.000"), ("7.500", "4.000"), ("10.000", "0.001")])
def test_two_portal_refunds_racing_never_exceed_the_deposit(amounts: tuple[str, str]) -> None:
    merchant = make_merchant()
    clients = [signed_in(make_staff(merchant=merchant, role=Role.OPERATOR)) for _ in amounts]
    order = make_order(merchant=merchant, status=OrderStatus.DEPOSITED, remitted=True, amount=10_000)
    answers = run_in_threads(lambda i: _refund(clients[i], order, amounts[i]), count=2)
    for answer in answers:
        assert not isinstance(answer, Exception), answer
        assert answer.status_code in (200, 302), answer.status_code  # refused or done, never a 500
    won = [answer for answer in answers if answer.status_code == 302]
    lost = [answer for answer in answers if answer.status_code == 200]
    assert len(won) == 1 and len(lost) == 1
    assert any(text in lost[0].content.decode() for text in REFUSALS), lost[0].content.decode()
    order.refresh_from_db()
    refunds = list(order.operations.filter(kind=OperationKind.REFUND, success=True))
    assert len(refunds) == 1
    assert order.refunded_amount == refunds[0].amount <= order.deposited_amount == 10_000
