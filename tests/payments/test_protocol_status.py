"""getOrderStatus.do and getOrderStatusExtended.do through the real URLs (protocol.md sections 2-4)."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from payments.models import ActorType, OperationKind, Order, OrderStatus
from tests.factories import API_PASSWORD, make_api_account, make_merchant, make_order

S = OrderStatus


def call(client: Any, method: str, account: Any, **values: str) -> dict[str, Any]:
    data = {"userName": account.username, "password": API_PASSWORD, **values}
    response = client.post(f"/payment/rest/{method}.do", data)
    assert response.status_code == 200
    return response.json()


def status(client: Any, account: Any, order: Order, **values: str) -> dict[str, Any]:
    return call(client, "getOrderStatus", account, orderId=str(order.order_id), **values)


def extended(client: Any, account: Any, order: Order, **values: str) -> dict[str, Any]:
    return call(client, "getOrderStatusExtended", account, orderId=str(order.order_id), **values)


def ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000)


@pytest.fixture
def account() -> Any:
    return make_api_account()


def expired_order(account: Any, **fields: Any) -> Order:
    return make_order(merchant=account.merchant, expires_at=timezone.now() - timedelta(seconds=1), **fields)


# --- getOrderStatus.do ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_get_order_status_answers_capitalised_keys_for_a_paid_order(client, account):
    order = make_order(
        merchant=account.merchant, status=S.DEPOSITED, amount=12_500, buyer_ip="196.203.1.2", client_id="C42"
    )
    answer = status(client, account, order)

    assert answer == {
        "ErrorCode": "0",
        "ErrorMessage": "Success",
        "OrderStatus": 2,
        "OrderNumber": order.order_number,
        "Amount": 12_500,
        "currency": "788",
        "depositAmount": 12_500,
        "Pan": "411111**1111",
        "expiration": "203012",
        "cardholderName": "TEST BUYER",
        "approvalCode": "123456",
        "Ip": "196.203.1.2",
        "authCode": 2,
        "clientId": "C42",
    }


@pytest.mark.django_db
def test_get_order_status_masks_the_card_number_like_clictopay(client, account):
    order = make_order(merchant=account.merchant, status=S.DEPOSITED, pan="5555555555554444")
    answer = status(client, account, order)

    assert answer["Pan"] == "555555**4444"


@pytest.mark.django_db
def test_get_order_status_of_an_unpaid_order_has_no_card(client, account):
    order = make_order(merchant=account.merchant, status=S.REGISTERED)
    answer = status(client, account, order)

    assert answer["ErrorCode"] == "0"
    assert answer["ErrorMessage"] == "Success"
    assert answer["OrderStatus"] == 0
    assert answer["depositAmount"] == 0
    assert answer["authCode"] == 2
    assert "Pan" not in answer


@pytest.mark.django_db
@pytest.mark.parametrize("order_status", [S.REGISTERED, S.APPROVED, S.DEPOSITED, S.REVERSED, S.REFUNDED, 5])
@pytest.mark.parametrize("language", ["fr", "en", "ar"])
def test_get_order_status_says_exactly_success_for_every_order_not_declined(
    client, account, order_status, language
):
    order = make_order(merchant=account.merchant, status=order_status, two_phase=True)
    answer = status(client, account, order, language=language)

    assert answer["ErrorCode"] == "0"
    assert answer["ErrorMessage"] == "Success"
    assert answer["OrderStatus"] == order_status


@pytest.mark.django_db
def test_get_order_status_of_a_declined_order_is_error_code_2(client, account):
    order = make_order(merchant=account.merchant, status=S.DECLINED, action_code=116)
    answer = status(client, account, order, language="en")

    assert answer["ErrorCode"] == "2"
    assert answer["ErrorMessage"] == "Payment is declined"
    assert answer["OrderStatus"] == 6
    assert answer["authCode"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "ar"])
def test_get_order_status_declined_message_is_given_in_other_languages(client, account, language):
    order = make_order(merchant=account.merchant, status=S.DECLINED, action_code=5)
    answer = status(client, account, order, language=language)

    assert answer["ErrorCode"] == "2"
    assert isinstance(answer["ErrorMessage"], str)
    assert answer["ErrorMessage"]
    assert answer["ErrorMessage"] != "Success"


@pytest.mark.django_db
def test_get_order_status_without_order_id_is_error_5(client, account):
    answer = call(client, "getOrderStatus", account, language="en")

    assert answer == {"ErrorCode": "5", "ErrorMessage": "The parameter orderId is missing."}


@pytest.mark.django_db
@pytest.mark.parametrize("order_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_get_order_status_of_an_unknown_order_is_error_6(client, account, order_id):
    answer = call(client, "getOrderStatus", account, orderId=order_id, language="en")

    assert answer == {"ErrorCode": "6", "ErrorMessage": "The order is not known."}


@pytest.mark.django_db
def test_get_order_status_of_another_merchants_order_is_error_6(client, account):
    order = make_order(merchant=make_merchant(), status=S.DEPOSITED)
    answer = status(client, account, order, language="en")

    assert answer == {"ErrorCode": "6", "ErrorMessage": "The order is not known."}


@pytest.mark.django_db
def test_get_order_status_access_denied_uses_capitalised_keys(client, account):
    order = make_order(merchant=account.merchant)
    answer = client.post(
        "/payment/rest/getOrderStatus.do",
        {"userName": account.username, "password": "wrong", "orderId": str(order.order_id), "language": "en"},
    ).json()

    assert answer == {"ErrorCode": "5", "ErrorMessage": "Access denied."}


@pytest.mark.django_db
def test_get_order_status_declines_an_unpaid_order_past_its_expiry(client, account):
    order = expired_order(account)
    answer = status(client, account, order, language="en")

    assert answer["ErrorCode"] == "2"
    assert answer["OrderStatus"] == 6
    order.refresh_from_db()
    assert (order.status, order.action_code) == (S.DECLINED, -2007)
    assert [(op.kind, op.action_code, op.actor_type) for op in order.operations.all()] == [
        (OperationKind.DECLINE, -2007, ActorType.SYSTEM)
    ]


@pytest.mark.django_db
def test_get_order_status_of_a_paid_order_past_its_expiry_stays_paid(client, account):
    order = expired_order(account, status=S.DEPOSITED)
    answer = status(client, account, order)

    assert (answer["ErrorCode"], answer["OrderStatus"]) == ("0", 2)
    order.refresh_from_db()
    assert order.status == S.DEPOSITED
    assert not order.operations.exists()


# --- getOrderStatusExtended.do ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_extended_answers_camel_case_keys_for_a_paid_order(client, account):
    order = make_order(
        merchant=account.merchant,
        status=S.DEPOSITED,
        amount=12_500,
        description="Two books",
        buyer_ip="196.203.1.2",
        json_params={"email": "b@example.tn", "cart": "42"},
        card_country="US",
        card_issuer="Issuer Bank",
    )
    answer = extended(client, account, order, language="en")

    assert answer == {
        "errorCode": "0",
        "errorMessage": "Success",
        "orderNumber": order.order_number,
        "orderStatus": 2,
        "actionCode": 0,
        "actionCodeDescription": "Approved",
        "amount": 12_500,
        "currency": "788",
        "date": ms(order.created_at),
        "orderDescription": "Two books",
        "ip": "196.203.1.2",
        "merchantOrderParams": answer["merchantOrderParams"],
        "attributes": [{"name": "mdOrder", "value": str(order.order_id)}],
        "cardAuthInfo": {
            "maskedPan": "411111**1111",
            "expiration": "203012",
            "cardholderName": "TEST BUYER",
            "approvalCode": "123456",
            "paymentSystem": "VISA",
        },
        "authDateTime": ms(order.authorized_at),
        "terminalId": order.terminal.terminal_id,
        "authRefNum": "000000000001",
        "paymentAmountInfo": {
            "paymentState": "DEPOSITED",
            "approvedAmount": 12_500,
            "depositedAmount": 12_500,
            "refundedAmount": 0,
        },
        "bankInfo": answer["bankInfo"],
    }
    # jsonb keeps no key order on PostgreSQL: compare the pairs, not their order
    assert sorted(answer["merchantOrderParams"], key=lambda p: p["name"]) == [
        {"name": "cart", "value": "42"},
        {"name": "email", "value": "b@example.tn"},
    ]
    assert answer["bankInfo"]["bankName"] == "Issuer Bank"
    assert answer["bankInfo"]["bankCountryCode"] == "US"
    assert answer["bankInfo"]["bankCountryName"]


@pytest.mark.django_db
def test_extended_dates_are_integer_milliseconds(client, account):
    order = make_order(merchant=account.merchant, status=S.APPROVED, two_phase=True)
    answer = extended(client, account, order)

    assert type(answer["date"]) is int
    assert type(answer["authDateTime"]) is int
    assert abs(answer["date"] - ms(timezone.now())) < 60_000
    assert answer["authDateTime"] == ms(order.authorized_at)


@pytest.mark.django_db
def test_extended_finds_an_order_by_order_number(client, account):
    order = make_order(merchant=account.merchant, status=S.APPROVED, two_phase=True)
    answer = call(client, "getOrderStatusExtended", account, orderNumber=order.order_number)

    assert answer["errorCode"] == "0"
    assert answer["attributes"] == [{"name": "mdOrder", "value": str(order.order_id)}]
    assert answer["orderStatus"] == 1


@pytest.mark.django_db
def test_extended_order_id_wins_over_order_number(client, account):
    wanted = make_order(merchant=account.merchant, status=S.DEPOSITED)
    other = make_order(merchant=account.merchant, status=S.REGISTERED)
    answer = call(
        client,
        "getOrderStatusExtended",
        account,
        orderId=str(wanted.order_id),
        orderNumber=other.order_number,
    )

    assert answer["orderNumber"] == wanted.order_number
    assert answer["orderStatus"] == 2


@pytest.mark.django_db
def test_extended_unknown_order_id_is_error_6_even_with_a_known_order_number(client, account):
    other = make_order(merchant=account.merchant)
    answer = call(
        client,
        "getOrderStatusExtended",
        account,
        orderId=str(uuid.uuid4()),
        orderNumber=other.order_number,
        language="en",
    )

    assert answer == {"errorCode": "6", "errorMessage": "The order is not known."}


@pytest.mark.django_db
def test_extended_without_order_id_or_order_number_is_error_1(client, account):
    answer = call(client, "getOrderStatusExtended", account, language="en")

    assert answer == {"errorCode": "1", "errorMessage": "The parameter orderId or orderNumber is missing."}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "reference", [{"orderId": str(uuid.uuid4())}, {"orderId": "nonsense"}, {"orderNumber": "NOPE"}]
)
def test_extended_unknown_order_is_error_6(client, account, reference):
    answer = call(client, "getOrderStatusExtended", account, language="en", **reference)

    assert answer == {"errorCode": "6", "errorMessage": "The order is not known."}


@pytest.mark.django_db
@pytest.mark.parametrize("reference", [{"orderNumber": "A\x00B"}, {"orderId": "\x00"}])
def test_extended_reference_with_a_nul_character_is_an_unknown_order(client, account, reference):
    answer = call(client, "getOrderStatusExtended", account, language="en", **reference)

    assert answer == {"errorCode": "6", "errorMessage": "The order is not known."}


@pytest.mark.django_db
@pytest.mark.parametrize("by", ["orderId", "orderNumber"])
def test_extended_another_merchants_order_is_error_6(client, account, by):
    order = make_order(merchant=make_merchant(), status=S.DEPOSITED)
    reference = str(order.order_id) if by == "orderId" else order.order_number
    answer = call(client, "getOrderStatusExtended", account, language="en", **{by: reference})

    assert answer == {"errorCode": "6", "errorMessage": "The order is not known."}


@pytest.mark.django_db
def test_extended_of_a_declined_order_is_success_with_status_6_and_its_action_code(client, account):
    order = make_order(
        merchant=account.merchant,
        status=S.DECLINED,
        action_code=116,
        attempts=3,
        masked_pan="400000**9995",
        card_brand="VISA",
        card_expiry="203012",
    )
    answer = extended(client, account, order, language="en")

    assert answer["errorCode"] == "0"
    assert answer["errorMessage"] == "Success"
    assert answer["orderStatus"] == 6
    assert answer["actionCode"] == 116
    assert answer["actionCodeDescription"] == "Insufficient funds"
    assert answer["paymentAmountInfo"]["paymentState"] == "DECLINED"
    assert answer["cardAuthInfo"]["maskedPan"] == "400000**9995"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "ar"])
def test_extended_action_code_description_follows_the_language(client, account, language):
    order = make_order(merchant=account.merchant, status=S.DECLINED, action_code=116)
    answer = extended(client, account, order, language=language)

    assert answer["errorMessage"] == "Success"
    assert answer["actionCodeDescription"]
    assert answer["actionCodeDescription"] != "Insufficient funds"


@pytest.mark.django_db
def test_extended_omits_card_blocks_until_a_card_was_used(client, account):
    order = make_order(merchant=account.merchant, status=S.REGISTERED)
    answer = extended(client, account, order, language="en")

    assert answer["errorCode"] == "0"
    assert answer["actionCode"] == -100
    assert answer["actionCodeDescription"] == "No payment attempt yet"
    for key in ("cardAuthInfo", "bankInfo", "authDateTime", "authRefNum"):
        assert key not in answer
    assert answer["paymentAmountInfo"] == {
        "paymentState": "CREATED",
        "approvedAmount": 0,
        "depositedAmount": 0,
        "refundedAmount": 0,
    }


@pytest.mark.django_db
def test_extended_secure_auth_info_appears_only_when_an_eci_is_set(client, account):
    plain = make_order(merchant=account.merchant, status=S.DEPOSITED)
    secured = make_order(
        merchant=account.merchant, status=S.DEPOSITED, eci="05", cavv="AAABBBCCC=", xid="XID123="
    )

    assert "secureAuthInfo" not in extended(client, account, plain)["cardAuthInfo"]
    assert extended(client, account, secured)["cardAuthInfo"]["secureAuthInfo"] == {
        "eci": "05",
        "threeDSInfo": {"cavv": "AAABBBCCC=", "xid": "XID123="},
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("order_status", "state"),
    [
        (S.REGISTERED, "CREATED"),
        (S.APPROVED, "APPROVED"),
        (S.DEPOSITED, "DEPOSITED"),
        (S.REVERSED, "REVERSED"),
        (S.REFUNDED, "REFUNDED"),
        (S.AUTHENTICATING, "CREATED"),
        (S.DECLINED, "DECLINED"),
    ],
)
def test_extended_payment_state_follows_the_status_table(client, account, order_status, state):
    order = make_order(merchant=account.merchant, status=order_status, two_phase=True)
    answer = extended(client, account, order)

    assert answer["orderStatus"] == order_status
    assert answer["paymentAmountInfo"]["paymentState"] == state


@pytest.mark.django_db
def test_extended_amounts_of_a_partly_refunded_order(client, account):
    order = make_order(
        merchant=account.merchant,
        status=S.DEPOSITED,
        amount=10_000,
        deposited_amount=8_000,
        refunded_amount=3_000,
        remitted=True,
        two_phase=True,
    )
    answer = extended(client, account, order)

    assert answer["paymentAmountInfo"] == {
        "paymentState": "DEPOSITED",
        "approvedAmount": 10_000,
        "depositedAmount": 8_000,
        "refundedAmount": 3_000,
    }


@pytest.mark.django_db
def test_extended_declines_an_unpaid_order_past_its_expiry(client, account):
    order = expired_order(account)
    answer = extended(client, account, order, language="en")

    assert answer["errorCode"] == "0"
    assert answer["orderStatus"] == 6
    assert answer["actionCode"] == -2007
    assert answer["actionCodeDescription"] == "Payment session expired"
    assert answer["paymentAmountInfo"]["paymentState"] == "DECLINED"
    order.refresh_from_db()
    assert (order.status, order.action_code) == (S.DECLINED, -2007)
    assert [op.kind for op in order.operations.all()] == [OperationKind.DECLINE]


@pytest.mark.django_db
def test_extended_declines_an_order_left_at_the_issuer_past_its_expiry(client, account):
    order = expired_order(account, status=S.AUTHENTICATING)
    answer = call(client, "getOrderStatusExtended", account, orderNumber=order.order_number)

    assert (answer["orderStatus"], answer["actionCode"]) == (6, -2007)


@pytest.mark.django_db
def test_expired_order_is_declined_only_once(client, account):
    order = expired_order(account)
    status(client, account, order)
    extended(client, account, order)
    status(client, account, order)

    assert [op.kind for op in order.operations.all()] == [OperationKind.DECLINE]


@pytest.mark.django_db
def test_unpaid_order_before_its_expiry_is_not_declined(client, account):
    order = make_order(merchant=account.merchant, expires_at=timezone.now() + timedelta(minutes=1))
    answer = extended(client, account, order)

    assert (answer["orderStatus"], answer["actionCode"]) == (0, -100)
    order.refresh_from_db()
    assert order.status == S.REGISTERED


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en", "ar"])
def test_extended_says_success_in_every_language(client, account, language):
    order = make_order(merchant=account.merchant, status=S.DEPOSITED)
    answer = extended(client, account, order, language=language)

    assert (answer["errorCode"], answer["errorMessage"]) == ("0", "Success")


@pytest.mark.django_db
def test_extended_access_denied_is_error_5(client, account):
    order = make_order(merchant=account.merchant)
    answer = client.post(
        "/payment/rest/getOrderStatusExtended.do",
        {"userName": account.username, "password": "wrong", "orderId": str(order.order_id), "language": "en"},
    ).json()

    assert answer == {"errorCode": "5", "errorMessage": "Access denied."}


@pytest.mark.django_db
def test_status_of_an_order_registered_through_the_api(client, account):
    registered = call(
        client,
        "register",
        account,
        orderNumber="REG-1",
        amount="4500",
        currency="978",
        returnUrl="https://shop.example.tn/ok",
        description="Tea",
        jsonParams='{"phone": "+21612345678"}',
    )
    legacy = call(client, "getOrderStatus", account, orderId=registered["orderId"])
    answer = call(client, "getOrderStatusExtended", account, orderId=registered["orderId"])

    assert (legacy["OrderNumber"], legacy["Amount"], legacy["currency"]) == ("REG-1", 4500, "978")
    assert (answer["orderNumber"], answer["amount"], answer["currency"]) == ("REG-1", 4500, "978")
    assert answer["orderDescription"] == "Tea"
    assert answer["merchantOrderParams"] == [{"name": "phone", "value": "+21612345678"}]
    assert answer["ip"] == ""


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "name"), [("en", "Tunisia"), ("fr", "Tunisie"), ("ar", "تونس")])
def test_extended_bank_info_names_the_card_country_in_the_request_language(client, account, language, name):
    order = make_order(
        merchant=account.merchant, status=OrderStatus.DEPOSITED, card_country="TN", card_issuer="Banque X"
    )
    answer = extended(client, account, order, language=language)
    assert answer["bankInfo"] == {"bankName": "Banque X", "bankCountryCode": "TN", "bankCountryName": name}
