"""register.do and getOrderStatusExtended.do for an account this process verified already (PostgreSQL).

They then run one guarded statement (payments.services.register_statement, payments.protocol.lookup),
which must write and answer exactly what the ordinary path does, and see any change of the account or
its merchant at once.
"""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payments.models import ApiAccount, Currency, Operation, OperationKind, Order, OrderStatus
from tests.factories import make_api_account, make_merchant, make_order
from tests.payments.test_protocol_transport import ORDER, credentials_of, post

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the guarded statements are PostgreSQL's (xmin, ctid)"
)

# Columns that differ between any two orders, whatever path wrote them.
UNIQUE_PER_ORDER = {"id", "order_id", "order_number", "created_at", "updated_at", "expires_at"}


@pytest.fixture
def account() -> ApiAccount:
    return make_api_account(merchant=make_merchant(two_phase_allowed=True))


def _register(client: Any, account: ApiAccount, number: str, **extra: str) -> dict[str, Any]:
    return post(client, "register", {**credentials_of(account), **ORDER, "orderNumber": number, **extra})


def _work(queries: CaptureQueriesContext) -> list[str]:
    # Savepoints are the test transaction's; PREPARE runs once per connection.
    return [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "PREPARE"))
    ]


@pytest.mark.django_db
def test_a_known_account_registers_in_one_statement(client, account):
    _register(client, account, "T-1")  # verifies the account: the ordinary path

    with CaptureQueriesContext(connection) as queries:
        answer = _register(client, account, "T-2")

    assert "orderId" in answer
    assert len(_work(queries)) == 1
    assert Order.objects.get(order_number="T-2").operations.get().kind == OperationKind.REGISTER


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["register", "registerPreAuth"])
def test_both_paths_write_the_same_order_and_operation(client, account, method):
    extra = {"description": "Deux cafés", "jsonParams": '{"email": "a@b.tn", "phone": "+21622000000"}'}
    first = post(client, method, {**credentials_of(account), **ORDER, **extra, "orderNumber": "T-1"})
    second = post(client, method, {**credentials_of(account), **ORDER, **extra, "orderNumber": "T-2"})

    ordinary = Order.objects.filter(order_id=first["orderId"]).values().get()
    guarded = Order.objects.filter(order_id=second["orderId"]).values().get()
    assert {k: v for k, v in guarded.items() if k not in UNIQUE_PER_ORDER} == {
        k: v for k, v in ordinary.items() if k not in UNIQUE_PER_ORDER
    }
    assert guarded["json_params"] == {"email": "a@b.tn", "phone": "+21622000000"}
    operations = [Operation.objects.filter(order_id=row["id"]).values().get() for row in (ordinary, guarded)]
    for operation in operations:
        del operation["id"], operation["order_id"], operation["created_at"]
    assert operations[0] == operations[1]
    assert second["formUrl"].endswith(f"mdOrder={second['orderId']}")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "revoke",
    [
        lambda account: ApiAccount.objects.filter(pk=account.pk).update(is_active=False),
        lambda account: type(account.merchant).objects.filter(pk=account.merchant_id).update(is_active=False),
    ],
    ids=["account deactivated", "merchant deactivated"],
)
@pytest.mark.parametrize("method", ["register", "getOrderStatusExtended"])
def test_a_revoked_account_is_refused_at_once(client, account, revoke, method):
    order = make_order(merchant=account.merchant)
    values = {**credentials_of(account), **ORDER, "orderId": str(order.order_id), "language": "en"}
    assert post(client, method, values).get("errorCode", "0") == "0"

    revoke(account)

    assert post(client, method, {**values, "orderNumber": "T-2"}) == {
        "errorCode": "5",
        "errorMessage": "Access denied.",
    }
    assert not Order.objects.filter(order_number="T-2").exists()


@pytest.mark.django_db
def test_a_change_of_the_merchant_is_seen_at_once(client, account):
    _register(client, account, "T-1")
    type(account.merchant).objects.filter(pk=account.merchant_id).update(default_language="ar")

    answer = _register(client, account, "T-2")

    assert "/payment_ar.html?" in answer["formUrl"]
    assert Order.objects.get(order_number="T-2").language == "ar"


@pytest.mark.django_db
def test_a_currency_without_terminal_and_a_taken_number_get_their_own_errors(client, account):
    _register(client, account, "T-1")
    usd = Currency.objects.get(alpha_code="USD").numeric_code

    not_allowed = _register(client, account, "T-2", currency=usd, language="en")
    taken = _register(client, account, "T-1", language="en")

    assert not_allowed["errorCode"] == "3"
    assert taken == {"errorCode": "1", "errorMessage": "The order number is already used by this merchant."}
    assert list(Order.objects.values_list("order_number", flat=True)) == ["T-1"]
    assert Operation.objects.count() == 1


# serialized_rollback, as the other tests with real commits (see tests/legacy/test_announce.py).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_the_statement_is_atomic_on_its_own(client, account):
    _register(client, account, "T-1")
    assert "orderId" in _register(client, account, "T-2")

    assert _register(client, account, "T-2", language="en")["errorCode"] == "1"
    assert "orderId" in _register(client, account, "T-3")  # the connection is still usable
    connection.close()  # a new session knows no prepared statement: it prepares again
    assert "orderId" in _register(client, account, "T-4")
    assert sorted(Order.objects.values_list("order_number", flat=True)) == ["T-1", "T-2", "T-3", "T-4"]
    assert Operation.objects.count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["orderId", "orderNumber"])
def test_a_known_account_reads_a_status_in_one_statement(client, account, key):
    order = make_order(merchant=account.merchant, status=OrderStatus.DEPOSITED)
    Order.objects.filter(pk=order.pk).update(json_params={"email": "a@b.tn"}, buyer_ip="196.203.1.1")
    values = {**credentials_of(account), "orderId": str(order.order_id), "orderNumber": order.order_number}
    values.pop("orderNumber" if key == "orderId" else "orderId")
    ordinary = post(client, "getOrderStatusExtended", values)

    with CaptureQueriesContext(connection) as queries:
        guarded = post(client, "getOrderStatusExtended", values)

    assert guarded == ordinary
    assert guarded["orderNumber"] == order.order_number
    assert guarded["merchantOrderParams"] == [{"name": "email", "value": "a@b.tn"}]
    assert guarded["ip"] == "196.203.1.1"
    assert guarded["cardAuthInfo"]["maskedPan"] == order.masked_pan
    assert guarded["terminalId"] == order.terminal.terminal_id
    assert len(_work(queries)) == 1


@pytest.mark.django_db
def test_a_known_account_still_cannot_read_an_unknown_or_foreign_order(client, account):
    mine = make_order(merchant=account.merchant)
    foreign = make_order(merchant=make_merchant())
    values = {**credentials_of(account), "language": "en"}
    post(client, "getOrderStatusExtended", {**values, "orderId": str(mine.order_id)})

    for order_id in (str(foreign.order_id), "0b053986-d364-4b77-b86a-d8ef1fa67d3a", "not-a-uuid"):
        answer = post(client, "getOrderStatusExtended", {**values, "orderId": order_id})
        assert answer == {"errorCode": "6", "errorMessage": "The order is not known."}
    answer = post(client, "getOrderStatusExtended", {**values, "orderNumber": foreign.order_number})
    assert answer == {"errorCode": "6", "errorMessage": "The order is not known."}


def _fields(order: Order) -> dict[str, Any]:
    return {f.attname: getattr(order, f.attname) for f in Order._meta.concrete_fields}


@pytest.mark.django_db
@pytest.mark.parametrize("watched", [False, True], ids=["bare instance", "a post_init receiver"])
def test_the_order_a_guarded_statement_returns_is_the_row_written_and_read(account, watched):
    from django.db.models.signals import post_init

    from payments.protocol import lookup
    from payments.services import credentials, orders
    from payments.services.common import Actor

    seen: list[Order] = []

    def receiver(sender: type, instance: Order, **kwargs: object) -> None:
        seen.append(instance)

    password = "fast-path-password"
    credentials.api_account_set_password(account=account, password=password)
    credentials.api_account_verify(username=account.username, password=password)
    known = credentials.api_account_cached(username=account.username, password=password)
    assert known is not None and credentials.versions_of(known) is not None
    if watched:
        post_init.connect(receiver, sender=Order)
    assert post_init.has_listeners(Order) == watched  # else the test would not try the path it names
    try:
        request = orders.OrderRequest(
            order_number="T-1", amount=10500, return_url=ORDER["returnUrl"], json_params={"email": "a@b.tn"}
        )
        actor = Actor(type="api", api_account=known)
        registered = orders.order_register(merchant=known.merchant, request=request, actor=actor)
        found = lookup.order_guarded(account=known, order_id=str(registered.order_id))
    finally:
        post_init.disconnect(receiver, sender=Order)

    stored = Order.objects.select_related("terminal").get(pk=registered.pk)
    assert registered.get_deferred_fields() == found.get_deferred_fields() == set()
    assert not registered._state.adding and registered._state.db == "default"
    assert len(seen) == (2 if watched else 0)  # the receiver saw both instances, built through __init__
    with CaptureQueriesContext(connection) as queries:
        assert _fields(found) == _fields(stored)
        assert _fields(registered) == _fields(stored)
        assert registered.merchant.pk == found.merchant.pk == account.merchant_id
        assert registered.currency.pk == stored.currency_id
        assert found.terminal.terminal_id == stored.terminal.terminal_id
    assert len(queries) == 0
    assert found.terminal.contract_id == stored.terminal.contract_id  # deferred: read on first use
