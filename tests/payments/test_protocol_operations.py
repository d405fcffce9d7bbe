"""deposit.do, reverse.do and refund.do through the real URLs (protocol.md sections 2 and 3)."""

import uuid
from typing import Any

import pytest

from payments.cards import CardData
from payments.models import ActorType, OperationKind, Order, OrderStatus
from payments.services import authorization
from payments.services.common import BUYER
from tests.factories import API_PASSWORD, make_api_account, make_merchant, make_order, remit

S = OrderStatus
SUCCESS = {"errorCode": "0", "errorMessage": "Success"}


def call(client: Any, method: str, account: Any, **values: str) -> dict[str, Any]:
    data = {"userName": account.username, "password": API_PASSWORD, **values}
    response = client.post(f"/payment/rest/{method}.do", data)
    assert response.status_code == 200
    return response.json()


def history(order: Order) -> list[tuple[str, int]]:
    return [(op.kind, op.amount) for op in order.operations.all()]


def assert_refused(answer: dict[str, Any], code: str, message: str | None = None) -> None:
    assert set(answer) == {"errorCode", "errorMessage"}
    assert answer["errorCode"] == code
    assert answer["errorMessage"]
    if message is not None:
        assert answer["errorMessage"] == message


def amounts(order: Order) -> tuple[int, int, int, int]:
    order.refresh_from_db()
    return order.status, order.approved_amount, order.deposited_amount, order.refunded_amount


@pytest.fixture
def account() -> Any:
    return make_api_account(merchant=make_merchant(two_phase_allowed=True))


def held(account: Any, amount: int = 10_000) -> Order:
    return make_order(merchant=account.merchant, status=S.APPROVED, two_phase=True, amount=amount)


def paid(account: Any, amount: int = 10_000, *, remitted: bool = False) -> Order:
    return make_order(merchant=account.merchant, status=S.DEPOSITED, amount=amount, remitted=remitted)


# --- deposit.do -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_deposit_completes_a_hold_for_the_given_amount(client, account):
    order = held(account)
    answer = call(client, "deposit", account, orderId=str(order.order_id), amount="6000")

    assert answer == SUCCESS
    assert amounts(order) == (S.DEPOSITED, 10_000, 6_000, 0)
    assert order.deposited_at is not None
    assert history(order) == [(OperationKind.DEPOSIT, 6_000)]
    op = order.operations.get()
    assert (op.actor_type, op.api_account, op.success) == (ActorType.API, account, True)


@pytest.mark.django_db
def test_deposit_of_zero_takes_the_whole_hold(client, account):
    order = held(account, amount=7_500)
    answer = call(client, "deposit", account, orderId=str(order.order_id), amount="0")

    assert answer == SUCCESS
    assert amounts(order) == (S.DEPOSITED, 7_500, 7_500, 0)
    assert history(order) == [(OperationKind.DEPOSIT, 7_500)]


@pytest.mark.django_db
def test_deposit_of_exactly_the_held_amount_works(client, account):
    order = held(account)
    answer = call(client, "deposit", account, orderId=str(order.order_id), amount="10000")

    assert answer == SUCCESS
    assert amounts(order) == (S.DEPOSITED, 10_000, 10_000, 0)


@pytest.mark.django_db
def test_deposit_above_the_held_amount_is_error_5(client, account):
    order = held(account)
    answer = call(client, "deposit", account, orderId=str(order.order_id), amount="10001", language="en")

    assert_refused(answer, "5", "The amount 10001 exceeds the held amount 10000.")
    assert amounts(order) == (S.APPROVED, 10_000, 0, 0)
    assert history(order) == []


@pytest.mark.django_db
def test_deposit_without_amount_is_error_5(client, account):
    order = held(account)
    answer = call(client, "deposit", account, orderId=str(order.order_id), language="en")

    assert_refused(answer, "5", "The parameter amount is missing.")
    assert amounts(order) == (S.APPROVED, 10_000, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["-1", "10.5", "abc", "1e3"])
def test_deposit_with_a_bad_amount_is_error_5(client, account, amount):
    order = held(account)
    answer = call(client, "deposit", account, orderId=str(order.order_id), amount=amount, language="en")

    assert_refused(answer, "5", "The parameter amount must be a positive whole number of minor units.")
    assert amounts(order) == (S.APPROVED, 10_000, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status", [S.REGISTERED, S.DEPOSITED, S.REVERSED, S.REFUNDED, S.AUTHENTICATING, S.DECLINED]
)
def test_deposit_of_an_order_that_is_not_held_is_error_7(client, account, status):
    order = make_order(merchant=account.merchant, status=status, two_phase=True)
    before = amounts(order)
    answer = call(client, "deposit", account, orderId=str(order.order_id), amount="0", language="en")

    assert_refused(answer, "7")
    assert amounts(order) == before
    assert history(order) == []


@pytest.mark.django_db
def test_deposit_twice_is_error_7_the_second_time(client, account):
    order = held(account)
    call(client, "deposit", account, orderId=str(order.order_id), amount="4000")
    again = call(client, "deposit", account, orderId=str(order.order_id), amount="4000", language="en")

    assert_refused(again, "7", "The order is already paid.")
    assert amounts(order) == (S.DEPOSITED, 10_000, 4_000, 0)
    assert history(order) == [(OperationKind.DEPOSIT, 4_000)]


# --- reverse.do -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reverse_cancels_a_held_order(client, account):
    order = held(account)
    answer = call(client, "reverse", account, orderId=str(order.order_id))

    assert answer == SUCCESS
    assert amounts(order) == (S.REVERSED, 10_000, 0, 0)
    assert history(order) == [(OperationKind.REVERSE, 10_000)]
    assert order.operations.get().api_account == account


@pytest.mark.django_db
def test_reverse_cancels_a_paid_order_not_yet_remitted(client, account):
    order = paid(account)
    answer = call(client, "reverse", account, orderId=str(order.order_id))

    assert answer == SUCCESS
    assert amounts(order) == (S.REVERSED, 10_000, 0, 0)
    assert order.remitted_at is None
    assert history(order) == [(OperationKind.REVERSE, 10_000)]


@pytest.mark.django_db
def test_reverse_of_a_remitted_order_is_error_7_saying_refund_instead(client, account):
    order = paid(account, remitted=True)
    answer = call(client, "reverse", account, orderId=str(order.order_id), language="en")

    assert_refused(answer, "7", "The order was already remitted to the bank: refund it instead.")
    assert amounts(order) == (S.DEPOSITED, 10_000, 10_000, 0)
    assert history(order) == []


@pytest.mark.django_db
def test_reverse_of_a_reversed_order_is_error_7(client, account):
    order = held(account)
    call(client, "reverse", account, orderId=str(order.order_id))
    again = call(client, "reverse", account, orderId=str(order.order_id), language="en")

    assert_refused(again, "7", "The order is already cancelled.")
    assert amounts(order) == (S.REVERSED, 10_000, 0, 0)
    assert history(order) == [(OperationKind.REVERSE, 10_000)]


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.REGISTERED, S.AUTHENTICATING, S.DECLINED, S.REFUNDED])
def test_reverse_of_an_unpaid_declined_or_refunded_order_is_error_7(client, account, status):
    order = make_order(merchant=account.merchant, status=status)
    before = amounts(order)
    answer = call(client, "reverse", account, orderId=str(order.order_id), language="en")

    assert_refused(answer, "7")
    assert amounts(order) == before
    assert history(order) == []


# --- refund.do --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_refund_before_remittance_is_error_7(client, account):
    order = paid(account, remitted=False)
    answer = call(client, "refund", account, orderId=str(order.order_id), amount="1000", language="en")

    assert_refused(answer, "7", "The order has not been remitted to the bank yet: cancel it instead.")
    assert amounts(order) == (S.DEPOSITED, 10_000, 10_000, 0)
    assert history(order) == []


@pytest.mark.django_db
def test_refund_in_several_parts_ends_refunded(client, account):
    order = paid(account, remitted=True)

    first = call(client, "refund", account, orderId=str(order.order_id), amount="3000")
    assert first == SUCCESS
    assert amounts(order) == (S.DEPOSITED, 10_000, 10_000, 3_000)

    second = call(client, "refund", account, orderId=str(order.order_id), amount="2000")
    assert second == SUCCESS
    assert amounts(order) == (S.DEPOSITED, 10_000, 10_000, 5_000)

    last = call(client, "refund", account, orderId=str(order.order_id), amount="5000")
    assert last == SUCCESS
    assert amounts(order) == (S.REFUNDED, 10_000, 10_000, 10_000)
    assert history(order) == [
        (OperationKind.REFUND, 3_000),
        (OperationKind.REFUND, 2_000),
        (OperationKind.REFUND, 5_000),
    ]
    assert {op.api_account for op in order.operations.all()} == {account}


@pytest.mark.django_db
def test_refund_cannot_exceed_what_is_left(client, account):
    order = paid(account, remitted=True)
    call(client, "refund", account, orderId=str(order.order_id), amount="6000")
    answer = call(client, "refund", account, orderId=str(order.order_id), amount="4001", language="en")

    assert_refused(answer, "7", "The amount 4001 exceeds what is left to refund (4000).")
    assert amounts(order) == (S.DEPOSITED, 10_000, 10_000, 6_000)
    assert history(order) == [(OperationKind.REFUND, 6_000)]


@pytest.mark.django_db
def test_refund_cannot_exceed_the_deposited_amount(client, account):
    order = paid(account, remitted=True)
    answer = call(client, "refund", account, orderId=str(order.order_id), amount="10001")

    assert_refused(answer, "7")
    assert amounts(order) == (S.DEPOSITED, 10_000, 10_000, 0)


@pytest.mark.django_db
def test_refund_of_zero_refunds_all_that_is_left(client, account):
    order = paid(account, remitted=True)
    call(client, "refund", account, orderId=str(order.order_id), amount="2500")
    answer = call(client, "refund", account, orderId=str(order.order_id), amount="0")

    assert answer == SUCCESS
    assert amounts(order) == (S.REFUNDED, 10_000, 10_000, 10_000)
    assert history(order) == [(OperationKind.REFUND, 2_500), (OperationKind.REFUND, 7_500)]


@pytest.mark.django_db
def test_refund_is_limited_to_the_deposited_not_the_approved_amount(client, account):
    order = make_order(
        merchant=account.merchant,
        status=S.DEPOSITED,
        amount=10_000,
        deposited_amount=6_000,
        remitted=True,
        two_phase=True,
    )
    refused = call(client, "refund", account, orderId=str(order.order_id), amount="6001")
    answer = call(client, "refund", account, orderId=str(order.order_id), amount="0")

    assert_refused(refused, "7")
    assert answer == SUCCESS
    assert amounts(order) == (S.REFUNDED, 10_000, 6_000, 6_000)
    assert history(order) == [(OperationKind.REFUND, 6_000)]


@pytest.mark.django_db
def test_refund_of_a_fully_refunded_order_is_error_7(client, account):
    order = make_order(merchant=account.merchant, status=S.REFUNDED, remitted=True)
    answer = call(client, "refund", account, orderId=str(order.order_id), amount="0", language="en")

    assert_refused(answer, "7", "The order is already fully refunded.")
    assert amounts(order) == (S.REFUNDED, 10_000, 10_000, 10_000)
    assert history(order) == []


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.REGISTERED, S.APPROVED, S.REVERSED, S.AUTHENTICATING, S.DECLINED])
def test_refund_of_an_order_never_paid_or_cancelled_is_error_7(client, account, status):
    order = make_order(merchant=account.merchant, status=status, two_phase=True)
    before = amounts(order)
    answer = call(client, "refund", account, orderId=str(order.order_id), amount="100", language="en")

    assert_refused(answer, "7")
    assert amounts(order) == before
    assert history(order) == []


@pytest.mark.django_db
def test_refund_without_amount_is_error_5(client, account):
    order = paid(account, remitted=True)
    answer = call(client, "refund", account, orderId=str(order.order_id), language="en")

    assert_refused(answer, "5", "The parameter amount is missing.")
    assert amounts(order) == (S.DEPOSITED, 10_000, 10_000, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["-1", "10.5", "abc"])
def test_refund_with_a_bad_amount_is_error_5(client, account, amount):
    order = paid(account, remitted=True)
    answer = call(client, "refund", account, orderId=str(order.order_id), amount=amount, language="en")

    assert_refused(answer, "5", "The parameter amount must be a positive whole number of minor units.")
    assert amounts(order) == (S.DEPOSITED, 10_000, 10_000, 0)


@pytest.mark.django_db
def test_same_external_refund_id_twice_refunds_once_and_succeeds_both_times(client, account):
    order = paid(account, remitted=True)
    values = {"orderId": str(order.order_id), "amount": "3000", "externalRefundId": "R-1"}

    assert call(client, "refund", account, **values) == SUCCESS
    assert call(client, "refund", account, **values) == SUCCESS

    assert amounts(order) == (S.DEPOSITED, 10_000, 10_000, 3_000)
    assert history(order) == [(OperationKind.REFUND, 3_000)]


@pytest.mark.django_db
def test_repeating_the_refund_that_completed_the_order_still_succeeds(client, account):
    order = paid(account, remitted=True)
    values = {"orderId": str(order.order_id), "amount": "10000", "externalRefundId": "ALL"}

    assert call(client, "refund", account, **values) == SUCCESS
    assert call(client, "refund", account, **values) == SUCCESS

    assert amounts(order) == (S.REFUNDED, 10_000, 10_000, 10_000)
    assert history(order) == [(OperationKind.REFUND, 10_000)]


@pytest.mark.django_db
def test_external_refund_id_reused_with_another_amount_is_error_5(client, account):
    order = paid(account, remitted=True)
    call(client, "refund", account, orderId=str(order.order_id), amount="3000", externalRefundId="R-1")
    answer = call(
        client,
        "refund",
        account,
        orderId=str(order.order_id),
        amount="2000",
        externalRefundId="R-1",
        language="en",
    )

    assert_refused(answer, "5", "This externalRefundId was already used for another amount.")
    assert amounts(order) == (S.DEPOSITED, 10_000, 10_000, 3_000)
    assert history(order) == [(OperationKind.REFUND, 3_000)]


@pytest.mark.django_db
def test_different_external_refund_ids_refund_each_time(client, account):
    order = paid(account, remitted=True)
    call(client, "refund", account, orderId=str(order.order_id), amount="3000", externalRefundId="R-1")
    call(client, "refund", account, orderId=str(order.order_id), amount="3000", externalRefundId="R-2")

    assert amounts(order) == (S.DEPOSITED, 10_000, 10_000, 6_000)
    assert history(order) == [(OperationKind.REFUND, 3_000), (OperationKind.REFUND, 3_000)]


@pytest.mark.django_db
def test_external_refund_id_is_scoped_to_the_order(client, account):
    first, second = paid(account, remitted=True), paid(account, remitted=True)
    call(client, "refund", account, orderId=str(first.order_id), amount="3000", externalRefundId="R-1")
    answer = call(
        client, "refund", account, orderId=str(second.order_id), amount="1000", externalRefundId="R-1"
    )

    assert answer == SUCCESS
    assert amounts(first)[3] == 3_000
    assert amounts(second)[3] == 1_000


# --- every operation: orderId, other merchants, languages ------------------------------------------------

OPERATIONS = [("deposit", {"amount": "0"}), ("reverse", {}), ("refund", {"amount": "0"})]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "extra"), OPERATIONS)
def test_operation_without_order_id_is_error_5(client, account, method, extra):
    answer = call(client, method, account, language="en", **extra)

    assert_refused(answer, "5", "The parameter orderId is missing.")


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "extra"), OPERATIONS)
@pytest.mark.parametrize("order_id", [str(uuid.uuid4()), "not-a-uuid", "12345"])
def test_operation_on_an_unknown_order_is_error_6(client, account, method, extra, order_id):
    answer = call(client, method, account, orderId=order_id, language="en", **extra)

    assert_refused(answer, "6", "The order is not known.")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "extra", "status"),
    [
        ("deposit", {"amount": "0"}, S.APPROVED),
        ("reverse", {}, S.APPROVED),
        ("reverse", {}, S.DEPOSITED),
        ("refund", {"amount": "0"}, S.DEPOSITED),
    ],
)
def test_operation_on_another_merchants_order_is_error_6_and_changes_nothing(
    client, account, method, extra, status
):
    other = make_merchant(two_phase_allowed=True)
    order = make_order(merchant=other, status=status, two_phase=True, remitted=status == S.DEPOSITED)
    before = amounts(order)
    answer = call(client, method, account, orderId=str(order.order_id), language="en", **extra)

    assert_refused(answer, "6", "The order is not known.")
    assert amounts(order) == before
    assert history(order) == []


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en", "ar"])
def test_operation_success_says_success_in_every_language(client, account, language):
    order = held(account)
    deposit = call(client, "deposit", account, orderId=str(order.order_id), amount="0", language=language)
    reverse = call(client, "reverse", account, orderId=str(order.order_id), language=language)
    remitted = paid(account, remitted=True)
    refund = call(client, "refund", account, orderId=str(remitted.order_id), amount="0", language=language)

    assert deposit == reverse == refund == SUCCESS


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "ar"])
def test_operation_errors_have_a_message_in_other_languages(client, account, language):
    order = paid(account, remitted=True)
    answer = call(client, "reverse", account, orderId=str(order.order_id), language=language)

    assert_refused(answer, "7")


# --- the whole life of orders, through the real services -------------------------------------------------


def _pay(order_id: str) -> Order:
    order = Order.objects.get(order_id=order_id)
    card = CardData(
        pan="4111111111111111", expiry_month=12, expiry_year=2030, cvv="123", cardholder_name="A B"
    )
    return authorization.order_authorize(order_pk=order.pk, card=card, actor=BUYER, buyer_ip="196.203.1.2")


@pytest.mark.django_db
def test_pre_authorized_order_is_held_deposited_then_refunded_after_remittance(client, account):
    registered = call(
        client,
        "registerPreAuth",
        account,
        orderNumber="LIFE-1",
        amount="20000",
        returnUrl="https://shop.example.tn/ok",
    )
    order_id = registered["orderId"]
    order = _pay(order_id)
    assert amounts(order) == (S.APPROVED, 20_000, 0, 0)

    assert call(client, "refund", account, orderId=order_id, amount="0")["errorCode"] == "7"
    assert call(client, "deposit", account, orderId=order_id, amount="15000") == SUCCESS
    assert amounts(order) == (S.DEPOSITED, 20_000, 15_000, 0)

    remit(order)  # the day's remittance ran
    assert call(client, "reverse", account, orderId=order_id)["errorCode"] == "7"
    assert call(client, "refund", account, orderId=order_id, amount="5000") == SUCCESS
    assert call(client, "refund", account, orderId=order_id, amount="0") == SUCCESS
    assert amounts(order) == (S.REFUNDED, 20_000, 15_000, 15_000)
    assert history(order) == [
        (OperationKind.REGISTER, 20_000),
        (OperationKind.AUTHORIZE, 20_000),
        (OperationKind.DEPOSIT, 15_000),
        (OperationKind.REFUND, 5_000),
        (OperationKind.REFUND, 10_000),
    ]


@pytest.mark.django_db
def test_one_phase_order_paid_then_reversed_before_remittance(client, account):
    registered = call(
        client,
        "register",
        account,
        orderNumber="LIFE-2",
        amount="9000",
        returnUrl="https://shop.example.tn/ok",
    )
    order = _pay(registered["orderId"])
    assert amounts(order) == (S.DEPOSITED, 9_000, 9_000, 0)

    assert call(client, "deposit", account, orderId=registered["orderId"], amount="0")["errorCode"] == "7"
    assert call(client, "reverse", account, orderId=registered["orderId"]) == SUCCESS
    assert amounts(order) == (S.REVERSED, 9_000, 0, 0)
    assert history(order) == [
        (OperationKind.REGISTER, 9_000),
        (OperationKind.AUTHORIZE, 9_000),
        (OperationKind.REVERSE, 9_000),
    ]


@pytest.mark.django_db
def test_reverse_of_a_remitted_fully_refunded_order_says_it_is_refunded(client, account):
    order = make_order(merchant=account.merchant, status=S.REFUNDED, remitted=True)
    answer = call(client, "reverse", account, orderId=str(order.order_id), language="en")

    assert_refused(answer, "7", "The order is already fully refunded.")
