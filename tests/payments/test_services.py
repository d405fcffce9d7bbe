import re
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from payments.cards import CardData
from payments.errors import ErrorCode, OperationRefused
from payments.models import (
    ActorType,
    AuthorizationType,
    Operation,
    OperationKind,
    Order,
    OrderStatus,
    Remittance,
    RemittanceSale,
)
from payments.services import authorization, orders
from payments.services.common import BUYER, SYSTEM, Actor
from tests.factories import currency, make_api_account, make_merchant, make_order, remit

pytestmark = pytest.mark.django_db

YEAR = date.today().year + 3
APPROVED_PAN = "5555555555554444"
DO_NOT_HONOUR_PAN = "4000000000000002"
NO_FUNDS_PAN = "4000000000009995"


def card(pan: str = APPROVED_PAN) -> CardData:
    return CardData(pan=pan, expiry_month=12, expiry_year=YEAR, cvv="737", cardholder_name="Amira Ben Salah")


def api_actor(merchant=None) -> Actor:
    return Actor(type=ActorType.API, api_account=make_api_account(merchant=merchant))


def request(**fields) -> orders.OrderRequest:
    values = {"order_number": "CMD-1", "amount": 10_500, "return_url": "https://shop.example.tn/ok"} | fields
    return orders.OrderRequest(**values)


def refused(code: ErrorCode):
    """pytest.raises for an OperationRefused, checking its protocol code afterwards."""
    return _Refused(code)


class _Refused:
    def __init__(self, code: ErrorCode) -> None:
        self.code = code

    def __enter__(self):
        self._raises = pytest.raises(OperationRefused)
        self.info = self._raises.__enter__()
        return self.info

    def __exit__(self, *exc):
        suppressed = self._raises.__exit__(*exc)
        assert self.info.value.code == self.code, self.info.value.message
        return suppressed


def operations(order: Order, kind: str | None = None) -> list[Operation]:
    found = Operation.objects.filter(order=order)
    return list(found.filter(kind=kind) if kind else found)


# --- register -------------------------------------------------------------------------------------------


def test_register_uses_the_merchant_default_currency():
    merchant = make_merchant(currencies=("EUR", "TND"))
    order = orders.order_register(merchant=merchant, request=request(), actor=api_actor(merchant))
    assert order.currency_id == currency("EUR").numeric_code
    assert order.status == OrderStatus.REGISTERED
    assert order.action_code == -100


def test_register_in_an_allowed_other_currency():
    merchant = make_merchant(currencies=("TND", "EUR"))
    order = orders.order_register(
        merchant=merchant, request=request(currency=currency("EUR")), actor=api_actor(merchant)
    )
    assert order.currency.alpha_code == "EUR"


def test_register_refuses_a_currency_the_contract_does_not_allow():
    merchant = make_merchant(currencies=("TND", "EUR"))
    with refused(ErrorCode.BAD_CURRENCY):
        orders.order_register(merchant=merchant, request=request(currency=currency("USD")), actor=SYSTEM)
    assert not Order.objects.filter(merchant=merchant).exists()


def test_register_refuses_a_currency_of_an_inactive_contract():
    merchant = make_merchant(currencies=("TND",))
    merchant.contracts.update(is_active=False)
    with refused(ErrorCode.BAD_CURRENCY):
        orders.order_register(merchant=merchant, request=request(), actor=SYSTEM)
    assert not Order.objects.exists()


def test_register_refuses_two_phase_when_the_merchant_may_not():
    merchant = make_merchant(two_phase_allowed=False)
    with refused(ErrorCode.BAD_VALUE):
        orders.order_register(
            merchant=merchant,
            request=request(authorization_type=AuthorizationType.TWO_PHASE),
            actor=SYSTEM,
        )
    assert not Order.objects.exists()


def test_register_two_phase_when_allowed():
    merchant = make_merchant(two_phase_allowed=True)
    order = orders.order_register(
        merchant=merchant, request=request(authorization_type=AuthorizationType.TWO_PHASE), actor=SYSTEM
    )
    assert order.authorization_type == AuthorizationType.TWO_PHASE


def test_register_refuses_a_duplicate_order_number_of_the_same_merchant():
    merchant = make_merchant()
    first = orders.order_register(merchant=merchant, request=request(order_number="X-1"), actor=SYSTEM)
    with refused(ErrorCode.DUPLICATE):
        orders.order_register(merchant=merchant, request=request(order_number="X-1", amount=1), actor=SYSTEM)
    assert list(Order.objects.filter(merchant=merchant)) == [first]
    assert Order.objects.get().amount == 10_500


def test_the_same_order_number_is_free_for_another_merchant():
    orders.order_register(merchant=make_merchant(), request=request(order_number="X-1"), actor=SYSTEM)
    orders.order_register(merchant=make_merchant(), request=request(order_number="X-1"), actor=SYSTEM)
    assert Order.objects.filter(order_number="X-1").count() == 2


def test_register_keeps_buyer_contact_and_session_time():
    merchant = make_merchant()
    before = timezone.now()
    order = orders.order_register(
        merchant=merchant,
        request=request(json_params={"email": "a@b.tn", "phone": "+21620000000", "x": "y"}),
        actor=SYSTEM,
        session_seconds=600,
    )
    assert (order.buyer_email, order.buyer_phone) == ("a@b.tn", "+21620000000")
    assert before + timedelta(seconds=599) <= order.expires_at <= timezone.now() + timedelta(seconds=601)
    assert order.language == merchant.default_language


# --- authorize ------------------------------------------------------------------------------------------


def test_one_phase_approval_pays_the_order():
    order = make_order(amount=12_345)
    order = authorization.order_authorize(order_pk=order.pk, card=card(), actor=BUYER, buyer_ip="41.226.1.2")
    order.refresh_from_db()
    assert order.status == OrderStatus.DEPOSITED
    assert order.approved_amount == order.deposited_amount == 12_345
    assert order.refunded_amount == 0
    assert order.action_code == 0
    assert re.fullmatch(r"[0-9]{6}", order.approval_code)
    assert order.masked_pan == "555555**4444"
    assert order.card_brand == "MASTERCARD"
    assert order.card_expiry == f"{YEAR}12"
    assert order.authorized_at and order.deposited_at
    assert order.authorizing_until is None
    assert order.buyer_ip == "41.226.1.2"


def test_two_phase_approval_holds_the_amount():
    order = make_order(amount=12_345, two_phase=True)
    authorization.order_authorize(order_pk=order.pk, card=card(), actor=BUYER)
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED
    assert order.approved_amount == 12_345
    assert order.deposited_amount == 0
    assert order.deposited_at is None


def test_a_declined_attempt_leaves_the_order_payable_with_its_action_code():
    order = make_order()
    authorization.order_authorize(order_pk=order.pk, card=card(DO_NOT_HONOUR_PAN), actor=BUYER)
    order.refresh_from_db()
    assert order.status == OrderStatus.REGISTERED
    assert order.action_code == 5
    assert order.attempts == 1
    assert order.approved_amount == order.deposited_amount == 0
    assert order.authorizing_until is None
    [attempt] = operations(order, OperationKind.AUTHORIZE)
    assert (attempt.success, attempt.action_code) == (False, 5)


def test_a_declined_attempt_can_be_followed_by_an_approval():
    order = make_order()
    authorization.order_authorize(order_pk=order.pk, card=card(DO_NOT_HONOUR_PAN), actor=BUYER)
    authorization.order_authorize(order_pk=order.pk, card=card(), actor=BUYER)
    order.refresh_from_db()
    assert (order.status, order.action_code, order.attempts) == (OrderStatus.DEPOSITED, 0, 1)


def test_the_third_declined_attempt_declines_the_order():
    order = make_order()
    for pan in (DO_NOT_HONOUR_PAN, DO_NOT_HONOUR_PAN):
        authorization.order_authorize(order_pk=order.pk, card=card(pan), actor=BUYER)
        order.refresh_from_db()
        assert order.status == OrderStatus.REGISTERED
    authorization.order_authorize(order_pk=order.pk, card=card(NO_FUNDS_PAN), actor=BUYER)
    order.refresh_from_db()
    assert order.status == OrderStatus.DECLINED
    assert order.action_code == 116  # the last attempt's code
    assert order.attempts == authorization.MAX_ATTEMPTS == 3


def test_no_attempt_after_the_attempts_are_exhausted(monkeypatch):
    order = make_order(status=OrderStatus.DECLINED, attempts=3, action_code=5)
    asked = []
    monkeypatch.setattr(
        "payments.acquirer.simulator.SimulatorAcquirer.authorize", lambda s, r: asked.append(r)
    )
    with refused(ErrorCode.BAD_STATE):
        authorization.order_authorize(order_pk=order.pk, card=card(), actor=BUYER)
    order.refresh_from_db()
    assert order.status == OrderStatus.DECLINED
    assert asked == []


def test_an_expired_order_is_declined_with_session_expired(monkeypatch):
    order = make_order(expires_at=timezone.now() - timedelta(seconds=1))
    asked = []
    monkeypatch.setattr(
        "payments.acquirer.simulator.SimulatorAcquirer.authorize", lambda s, r: asked.append(r)
    )
    with refused(ErrorCode.BAD_STATE):
        authorization.order_authorize(order_pk=order.pk, card=card(), actor=BUYER)
    order.refresh_from_db()
    assert order.status == OrderStatus.DECLINED
    assert order.action_code == -2007
    assert asked == []  # the issuer was never asked
    [decline] = operations(order, OperationKind.DECLINE)
    assert (decline.action_code, decline.actor_type) == (-2007, ActorType.SYSTEM)


@pytest.mark.parametrize(
    "status", [OrderStatus.DEPOSITED, OrderStatus.APPROVED, OrderStatus.REVERSED, OrderStatus.REFUNDED]
)
def test_a_paid_order_cannot_be_authorized_again(status):
    order = make_order(status=status, remitted=status == OrderStatus.REFUNDED)
    before = Order.objects.values().get(pk=order.pk)
    with refused(ErrorCode.BAD_STATE):
        authorization.order_authorize(order_pk=order.pk, card=card(), actor=BUYER)
    after = Order.objects.values().get(pk=order.pk)
    assert after == before
    assert operations(order, OperationKind.AUTHORIZE) == []


def test_a_second_authorization_of_a_paid_order_is_refused():
    order = make_order()
    authorization.order_authorize(order_pk=order.pk, card=card(), actor=BUYER)
    approval = Order.objects.get(pk=order.pk).approval_code
    with refused(ErrorCode.BAD_STATE):
        authorization.order_authorize(order_pk=order.pk, card=card("4111111111111111"), actor=BUYER)
    order.refresh_from_db()
    assert (order.approval_code, order.masked_pan) == (approval, "555555**4444")
    assert len(operations(order, OperationKind.AUTHORIZE)) == 1


def test_an_order_being_authorized_refuses_a_second_attempt(monkeypatch):
    order = make_order(authorizing_until=timezone.now() + timedelta(seconds=60))
    asked = []
    monkeypatch.setattr(
        "payments.acquirer.simulator.SimulatorAcquirer.authorize", lambda s, r: asked.append(r)
    )
    with refused(ErrorCode.BAD_STATE):
        authorization.order_authorize(order_pk=order.pk, card=card(), actor=BUYER)
    assert asked == []


def test_a_stale_claim_does_not_block_the_buyer():
    order = make_order(authorizing_until=timezone.now() - timedelta(seconds=1))
    authorization.order_authorize(order_pk=order.pk, card=card(), actor=BUYER)
    order.refresh_from_db()
    assert order.status == OrderStatus.DEPOSITED


def test_an_acquirer_failure_is_a_decline_not_a_stuck_order(monkeypatch):
    def broken(self, request):
        raise ConnectionError("issuer down")

    monkeypatch.setattr("payments.acquirer.simulator.SimulatorAcquirer.authorize", broken)
    order = make_order()
    authorization.order_authorize(order_pk=order.pk, card=card(), actor=BUYER)
    order.refresh_from_db()
    assert (order.status, order.action_code, order.attempts) == (OrderStatus.REGISTERED, 910, 1)
    assert order.authorizing_until is None


def _text_values(row: dict) -> list[str]:
    return [str(value) for value in row.values() if value is not None]


@pytest.mark.parametrize("pan", [APPROVED_PAN, DO_NOT_HONOUR_PAN])
def test_the_card_number_and_cvv_are_never_stored(pan):
    order = make_order()
    authorization.order_authorize(order_pk=order.pk, card=card(pan), actor=BUYER)
    stored = _text_values(Order.objects.values().get(pk=order.pk))
    for operation in Operation.objects.filter(order=order).values():
        stored += _text_values(operation)
    assert stored, "nothing was read"
    assert Order.objects.get(pk=order.pk).masked_pan  # the card was recorded, masked
    for value in stored:
        assert pan not in value
        assert pan not in re.sub(r"[^0-9]", "", value)  # not even spread out with separators


def test_the_3ds_result_is_stored_with_the_order():
    order = make_order()
    three_ds = authorization.ThreeDSResult(eci="05", cavv="AAABBEg0VhI0VniQEjRWAAAAAAA=", xid="abc123")
    authorization.order_authorize(
        order_pk=order.pk, card=card("4970100000000006"), actor=BUYER, three_ds=three_ds
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.DEPOSITED
    assert (order.eci, order.cavv, order.xid) == ("05", "AAABBEg0VhI0VniQEjRWAAAAAAA=", "abc123")


def test_without_3ds_no_secure_auth_data_is_stored():
    order = make_order()
    authorization.order_authorize(order_pk=order.pk, card=card(), actor=BUYER)
    order.refresh_from_db()
    assert (order.eci, order.cavv, order.xid) == ("", "", "")


# --- deposit --------------------------------------------------------------------------------------------


def held(amount: int = 10_000, **fields) -> Order:
    return make_order(status=OrderStatus.APPROVED, two_phase=True, amount=amount, **fields)


def test_partial_deposit_completes_the_hold_for_less():
    order = held(10_000)
    orders.order_deposit(order_pk=order.pk, amount=4_000, actor=SYSTEM)
    order.refresh_from_db()
    assert (order.status, order.deposited_amount, order.approved_amount) == (
        OrderStatus.DEPOSITED,
        4_000,
        10_000,
    )
    assert order.deposited_at is not None


def test_deposit_of_zero_takes_the_whole_held_amount():
    order = held(10_000)
    orders.order_deposit(order_pk=order.pk, amount=0, actor=SYSTEM)
    order.refresh_from_db()
    assert (order.status, order.deposited_amount) == (OrderStatus.DEPOSITED, 10_000)


def test_deposit_of_exactly_the_held_amount():
    order = held(10_000)
    orders.order_deposit(order_pk=order.pk, amount=10_000, actor=SYSTEM)
    order.refresh_from_db()
    assert order.deposited_amount == 10_000


def test_deposit_above_the_held_amount_is_refused():
    order = held(10_000)
    with refused(ErrorCode.BAD_VALUE):
        orders.order_deposit(order_pk=order.pk, amount=10_001, actor=SYSTEM)
    order.refresh_from_db()
    assert (order.status, order.deposited_amount) == (OrderStatus.APPROVED, 0)
    assert operations(order, OperationKind.DEPOSIT) == []


@pytest.mark.parametrize(
    "status", [OrderStatus.REGISTERED, OrderStatus.DEPOSITED, OrderStatus.REVERSED, OrderStatus.DECLINED]
)
def test_deposit_needs_a_held_order(status):
    order = make_order(status=status, two_phase=True)
    with refused(ErrorCode.BAD_STATE):
        orders.order_deposit(order_pk=order.pk, amount=0, actor=SYSTEM)


def test_a_second_deposit_is_refused():
    order = held(10_000)
    orders.order_deposit(order_pk=order.pk, amount=3_000, actor=SYSTEM)
    with refused(ErrorCode.BAD_STATE):
        orders.order_deposit(order_pk=order.pk, amount=3_000, actor=SYSTEM)
    order.refresh_from_db()
    assert order.deposited_amount == 3_000


# --- reverse --------------------------------------------------------------------------------------------


def test_reverse_cancels_a_paid_order_not_yet_remitted():
    order = make_order(status=OrderStatus.DEPOSITED)
    orders.order_reverse(order_pk=order.pk, actor=SYSTEM)
    order.refresh_from_db()
    assert order.status == OrderStatus.REVERSED
    assert order.deposited_amount == 0
    assert order.remitted_at is None


def test_reverse_cancels_a_hold():
    order = held()
    orders.order_reverse(order_pk=order.pk, actor=SYSTEM)
    order.refresh_from_db()
    assert (order.status, order.deposited_amount) == (OrderStatus.REVERSED, 0)


def test_reverse_is_refused_once_remitted():
    order = make_order(status=OrderStatus.DEPOSITED, remitted=True)
    with refused(ErrorCode.BAD_STATE):
        orders.order_reverse(order_pk=order.pk, actor=SYSTEM)
    order.refresh_from_db()
    assert (order.status, order.deposited_amount) == (OrderStatus.DEPOSITED, 10_000)


@pytest.mark.parametrize("status", [OrderStatus.REGISTERED, OrderStatus.REVERSED, OrderStatus.DECLINED])
def test_reverse_needs_a_held_or_paid_order(status):
    order = make_order(status=status)
    with refused(ErrorCode.BAD_STATE):
        orders.order_reverse(order_pk=order.pk, actor=SYSTEM)
    assert operations(order, OperationKind.REVERSE) == []


# --- refund ---------------------------------------------------------------------------------------------


def remitted(amount: int = 10_000, **fields) -> Order:
    return make_order(status=OrderStatus.DEPOSITED, amount=amount, remitted=True, **fields)


def test_refund_is_refused_before_remittance():
    order = make_order(status=OrderStatus.DEPOSITED)
    with refused(ErrorCode.BAD_STATE):
        orders.order_refund(order_pk=order.pk, amount=1_000, actor=SYSTEM)
    order.refresh_from_db()
    assert order.refunded_amount == 0


@pytest.mark.parametrize(
    "status", [OrderStatus.REGISTERED, OrderStatus.APPROVED, OrderStatus.REVERSED, OrderStatus.DECLINED]
)
def test_refund_needs_a_paid_order(status):
    order = make_order(status=status)
    with refused(ErrorCode.BAD_STATE):
        orders.order_refund(order_pk=order.pk, amount=0, actor=SYSTEM)


def test_partial_refunds_then_the_rest_refund_the_order():
    order = remitted(10_000)
    orders.order_refund(order_pk=order.pk, amount=3_000, actor=SYSTEM)
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.DEPOSITED, 3_000)
    orders.order_refund(order_pk=order.pk, amount=0, actor=SYSTEM)
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, 10_000)
    assert [op.amount for op in operations(order, OperationKind.REFUND)] == [3_000, 7_000]


def test_refunds_adding_up_to_the_deposit_refund_the_order():
    order = remitted(10_000)
    for amount in (2_500, 2_500, 5_000):
        orders.order_refund(order_pk=order.pk, amount=amount, actor=SYSTEM)
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, 10_000)


def test_refund_cannot_exceed_the_deposited_amount():
    order = remitted(10_000)
    orders.order_refund(order_pk=order.pk, amount=6_000, actor=SYSTEM)
    with refused(ErrorCode.BAD_STATE):
        orders.order_refund(order_pk=order.pk, amount=4_001, actor=SYSTEM)
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.DEPOSITED, 6_000)


def test_refund_of_a_partial_deposit_is_bounded_by_the_deposit_not_the_amount():
    order = make_order(
        status=OrderStatus.DEPOSITED, two_phase=True, amount=10_000, deposited_amount=4_000, remitted=True
    )
    with refused(ErrorCode.BAD_STATE):
        orders.order_refund(order_pk=order.pk, amount=4_001, actor=SYSTEM)
    orders.order_refund(order_pk=order.pk, amount=0, actor=SYSTEM)
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, 4_000)


def test_a_fully_refunded_order_refunds_nothing_more():
    order = remitted(10_000)
    orders.order_refund(order_pk=order.pk, amount=0, actor=SYSTEM)
    with refused(ErrorCode.BAD_STATE):
        orders.order_refund(order_pk=order.pk, amount=0, actor=SYSTEM)
    with refused(ErrorCode.BAD_STATE):
        orders.order_refund(order_pk=order.pk, amount=1, actor=SYSTEM)
    order.refresh_from_db()
    assert order.refunded_amount == 10_000


def test_refund_is_idempotent_per_external_refund_id():
    order = remitted(10_000)
    for _ in range(3):
        orders.order_refund(order_pk=order.pk, amount=3_000, actor=SYSTEM, external_refund_id="R-1")
    orders.order_refund(order_pk=order.pk, amount=0, actor=SYSTEM, external_refund_id="R-1")
    order.refresh_from_db()
    assert order.refunded_amount == 3_000
    [refund] = operations(order, OperationKind.REFUND)
    assert (refund.amount, refund.idempotency_key) == (3_000, "refund:R-1")


def test_a_reused_external_refund_id_with_another_amount_is_refused():
    order = remitted(10_000)
    orders.order_refund(order_pk=order.pk, amount=3_000, actor=SYSTEM, external_refund_id="R-1")
    with refused(ErrorCode.BAD_VALUE):
        orders.order_refund(order_pk=order.pk, amount=2_000, actor=SYSTEM, external_refund_id="R-1")
    order.refresh_from_db()
    assert order.refunded_amount == 3_000


def test_distinct_external_refund_ids_refund_separately():
    order = remitted(10_000)
    orders.order_refund(order_pk=order.pk, amount=3_000, actor=SYSTEM, external_refund_id="R-1")
    orders.order_refund(order_pk=order.pk, amount=3_000, actor=SYSTEM, external_refund_id="R-2")
    order.refresh_from_db()
    assert order.refunded_amount == 6_000


def test_a_repeated_full_refund_with_its_id_answers_success_after_the_order_is_refunded():
    order = remitted(10_000)
    orders.order_refund(order_pk=order.pk, amount=0, actor=SYSTEM, external_refund_id="R-1")
    orders.order_refund(order_pk=order.pk, amount=0, actor=SYSTEM, external_refund_id="R-1")
    orders.order_refund(order_pk=order.pk, amount=10_000, actor=SYSTEM, external_refund_id="R-1")
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, 10_000)


def test_an_external_refund_id_is_scoped_to_its_order():
    first, second = remitted(10_000), remitted(10_000)
    orders.order_refund(order_pk=first.pk, amount=3_000, actor=SYSTEM, external_refund_id="R-1")
    orders.order_refund(order_pk=second.pk, amount=3_000, actor=SYSTEM, external_refund_id="R-1")
    assert [o.refunded_amount for o in Order.objects.filter(pk__in=[first.pk, second.pk])] == [3_000, 3_000]


# --- expiry ---------------------------------------------------------------------------------------------


def test_orders_expire_due_declines_overdue_unpaid_orders():
    past = timezone.now() - timedelta(minutes=1)
    overdue = make_order(expires_at=past)
    authenticating = make_order(status=OrderStatus.AUTHENTICATING, expires_at=past)
    on_time = make_order()
    paid = make_order(status=OrderStatus.DEPOSITED, expires_at=past)
    busy = make_order(expires_at=past, authorizing_until=timezone.now() + timedelta(seconds=60))
    assert orders.orders_expire_due() == 2
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses[overdue.pk] == statuses[authenticating.pk] == OrderStatus.DECLINED
    assert statuses[on_time.pk] == OrderStatus.REGISTERED
    assert statuses[paid.pk] == OrderStatus.DEPOSITED
    assert statuses[busy.pk] == OrderStatus.REGISTERED  # its authorization's result decides
    assert Order.objects.get(pk=overdue.pk).action_code == -2007
    assert orders.orders_expire_due() == 0  # idempotent
    assert Operation.objects.filter(kind=OperationKind.DECLINE).count() == 2


def test_order_decline_is_refused_for_a_paid_order():
    order = make_order(status=OrderStatus.DEPOSITED)
    with refused(ErrorCode.BAD_STATE):
        orders.order_decline(order_pk=order.pk, action_code=-2007, actor=SYSTEM)


# --- the operation log ----------------------------------------------------------------------------------


def test_every_transition_writes_one_operation_with_kind_amount_and_actor():
    merchant = make_merchant()
    api = api_actor(merchant)
    order = orders.order_register(
        merchant=merchant, request=request(amount=10_000, authorization_type="two_phase"), actor=api
    )
    authorization.order_authorize(order_pk=order.pk, card=card(DO_NOT_HONOUR_PAN), actor=BUYER)
    authorization.order_authorize(order_pk=order.pk, card=card(), actor=BUYER)
    orders.order_deposit(order_pk=order.pk, amount=8_000, actor=api)
    remit(order)
    orders.order_refund(order_pk=order.pk, amount=3_000, actor=api, external_refund_id="R-1")
    orders.order_refund(order_pk=order.pk, amount=3_000, actor=api, external_refund_id="R-1")  # a repeat
    orders.order_refund(order_pk=order.pk, amount=0, actor=api)

    log = [
        (op.kind, op.amount, op.success, op.action_code, op.actor_type, op.api_account_id)
        for op in operations(order)
    ]
    account = api.api_account.pk
    assert log == [
        (OperationKind.REGISTER, 10_000, True, None, ActorType.API, account),
        (OperationKind.AUTHORIZE, 10_000, False, 5, ActorType.BUYER, None),
        (OperationKind.AUTHORIZE, 10_000, True, 0, ActorType.BUYER, None),
        (OperationKind.DEPOSIT, 8_000, True, None, ActorType.API, account),
        (OperationKind.REFUND, 3_000, True, None, ActorType.API, account),
        (OperationKind.REFUND, 5_000, True, None, ActorType.API, account),
    ]


def test_reverse_and_decline_write_their_operation():
    paid = make_order(status=OrderStatus.DEPOSITED, amount=7_000)
    orders.order_reverse(order_pk=paid.pk, actor=SYSTEM)
    [reverse] = operations(paid, OperationKind.REVERSE)
    assert (reverse.amount, reverse.actor_type, reverse.success) == (7_000, ActorType.SYSTEM, True)

    unpaid = make_order()
    orders.order_decline(order_pk=unpaid.pk, action_code=-2006, actor=BUYER)
    [decline] = operations(unpaid, OperationKind.DECLINE)
    assert (decline.action_code, decline.actor_type) == (-2006, ActorType.BUYER)
    unpaid.refresh_from_db()
    assert (unpaid.status, unpaid.action_code) == (OrderStatus.DECLINED, -2006)


def test_a_refused_change_writes_no_operation():
    order = make_order(status=OrderStatus.DEPOSITED)
    count = Operation.objects.count()
    for change in (
        lambda: orders.order_refund(order_pk=order.pk, amount=1, actor=SYSTEM),
        lambda: orders.order_deposit(order_pk=order.pk, amount=1, actor=SYSTEM),
        lambda: orders.order_decline(order_pk=order.pk, action_code=5, actor=SYSTEM),
    ):
        with pytest.raises(OperationRefused):
            change()
    assert Operation.objects.count() == count


# --- the database's own invariants ----------------------------------------------------------------------


def rejects(update) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        update()


def test_the_database_rejects_refunded_above_deposited():
    order = remitted(10_000)
    rejects(lambda: Order.objects.filter(pk=order.pk).update(refunded_amount=F("deposited_amount") + 1))
    order.refresh_from_db()
    assert order.refunded_amount == 0


def test_the_database_rejects_deposited_above_approved_and_approved_above_amount():
    order = held(10_000)
    rejects(lambda: Order.objects.filter(pk=order.pk).update(deposited_amount=10_001))
    rejects(lambda: Order.objects.filter(pk=order.pk).update(approved_amount=10_001))


def test_the_database_rejects_negative_or_zero_amounts():
    order = remitted(10_000)
    rejects(lambda: Order.objects.filter(pk=order.pk).update(refunded_amount=-1))
    rejects(lambda: Order.objects.filter(pk=order.pk).update(amount=0))
    rejects(
        lambda: Operation.objects.create(
            order=order, kind=OperationKind.REFUND, amount=-1, success=True, actor_type=ActorType.SYSTEM
        )
    )


def test_the_database_rejects_an_unknown_status():
    order = make_order()
    rejects(lambda: Order.objects.filter(pk=order.pk).update(status=7))
    rejects(lambda: Order.objects.filter(pk=order.pk).update(authorization_type="three_phase"))
    rejects(
        lambda: Operation.objects.create(order=order, kind="steal", success=True, actor_type=ActorType.SYSTEM)
    )


def test_the_database_rejects_a_duplicate_order_number_of_one_merchant():
    order = make_order()
    rejects(lambda: make_order(merchant=order.merchant, order_number=order.order_number))


def sale(order_pk: int, *, remittance_pk: int | None = None) -> RemittanceSale:
    """A sale row written directly, as a faulty writer would: only the database stands in the way."""
    return RemittanceSale.objects.create(
        order_id=order_pk, remittance_id=remittance_pk, amount=1_000, remitted_at=timezone.now()
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers of PostgreSQL (migration 0006)")
def test_the_database_rejects_remittance_of_an_unpaid_reversed_or_missing_order():
    for status in (OrderStatus.REGISTERED, OrderStatus.REVERSED, OrderStatus.DECLINED, OrderStatus.APPROVED):
        order = make_order(status=status)
        rejects(lambda order=order: sale(order.pk))
    rejects(lambda: sale(Order.objects.order_by("pk").last().pk + 1_000))
    assert not RemittanceSale.objects.exists()
    sale(make_order(status=OrderStatus.DEPOSITED).pk)  # the same row for a paid order goes in


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers of PostgreSQL (migration 0006)")
def test_the_database_rejects_a_sale_in_a_missing_remittance():
    rejects(lambda: sale(make_order(status=OrderStatus.DEPOSITED).pk, remittance_pk=999_999))
    assert not RemittanceSale.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers of PostgreSQL (migration 0006)")
def test_the_database_keeps_a_remitted_order_paid():
    order = remitted(10_000)
    rejects(lambda: Order.objects.filter(pk=order.pk).update(status=OrderStatus.REVERSED))
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.REFUNDED)  # still paid
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers of PostgreSQL (migration 0006)")
def test_the_database_refuses_to_delete_a_remitted_order_or_a_remittance_with_sales():
    order = remitted(10_000)
    remittance = Remittance.objects.create(
        business_date=date(2025, 3, 12),
        merchant=order.merchant,
        contract=order.terminal.contract,
        currency=order.currency,
        cutoff_at=timezone.now(),
    )
    RemittanceSale.objects.filter(order=order).update(remittance=remittance)
    rejects(lambda: Order.objects.filter(pk=order.pk)._raw_delete(using="default"))
    rejects(lambda: Remittance.objects.filter(pk=remittance.pk)._raw_delete(using="default"))


def test_the_database_rejects_a_reused_idempotency_key_on_one_order_only():
    order, other = remitted(), remitted()

    def op(target: Order, key: str | None) -> Operation:
        return Operation.objects.create(
            order=target,
            kind=OperationKind.REFUND,
            amount=1,
            success=True,
            actor_type="api",
            idempotency_key=key,
        )

    op(order, "refund:R-1")
    op(other, "refund:R-1")  # another order: allowed
    op(order, None)
    op(order, None)  # operations without a key never collide
    rejects(lambda: op(order, "refund:R-1"))
