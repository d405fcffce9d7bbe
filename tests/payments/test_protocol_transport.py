"""What every `*.do` method shares: HTTP, parameters, JSON types, authentication (protocol.md section 1-2)."""

import time
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings

from payments.models import Order, OrderStatus
from payments.services import credentials
from tests.factories import API_PASSWORD, make_api_account, make_merchant, make_order

URL = "/payment/rest/{}.do"
FORM = "application/x-www-form-urlencoded"
ORDER = {"orderNumber": "T-1", "amount": "10500", "returnUrl": "https://shop.example.tn/ok"}

# Every method with parameters that would succeed; {order} is replaced by a fitting order's id.
METHODS: list[tuple[str, dict[str, str], int]] = [
    ("register", ORDER, OrderStatus.REGISTERED),
    ("registerPreAuth", ORDER, OrderStatus.REGISTERED),
    ("deposit", {"orderId": "{order}", "amount": "0"}, OrderStatus.APPROVED),
    ("reverse", {"orderId": "{order}"}, OrderStatus.APPROVED),
    ("refund", {"orderId": "{order}", "amount": "0"}, OrderStatus.DEPOSITED),
    ("getOrderStatus", {"orderId": "{order}"}, OrderStatus.DEPOSITED),
    ("getOrderStatusExtended", {"orderId": "{order}"}, OrderStatus.DEPOSITED),
]
METHOD_IDS = [m[0] for m in METHODS]


def credentials_of(account: Any, password: str = API_PASSWORD) -> dict[str, str]:
    return {"userName": account.username, "password": password}


def post(client: Any, method: str, values: dict[str, str], ip: str = "127.0.0.1") -> dict[str, Any]:
    response = client.post(URL.format(method), values, REMOTE_ADDR=ip)
    assert response.status_code == 200
    return response.json()


def code_of(answer: dict[str, Any]) -> str:
    return answer["ErrorCode"] if "ErrorCode" in answer else answer.get("errorCode", "0")


def method_values(account: Any, params: dict[str, str], order_status: int) -> dict[str, str]:
    if "orderId" not in params:
        return dict(params)
    order = make_order(
        merchant=account.merchant,
        status=order_status,
        two_phase=True,
        remitted=order_status == OrderStatus.DEPOSITED,
    )
    return {**params, "orderId": str(order.order_id)}


@pytest.fixture
def account() -> Any:
    return make_api_account(merchant=make_merchant(two_phase_allowed=True))


class Clock:
    """Moves time.time() forward, which the local-memory cache uses for expiry."""

    def __init__(self, monkeypatch: Any) -> None:
        self.offset = 0.0
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + self.offset)

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    if "locmem" not in django_settings.CACHES["default"]["BACKEND"]:
        pytest.skip("moving the clock only works with the local-memory cache")
    return Clock(monkeypatch)


# --- HTTP and parameters ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "params", "order_status"), METHODS, ids=METHOD_IDS)
def test_every_method_works_with_get(client, account, method, params, order_status):
    values = {**credentials_of(account), **method_values(account, params, order_status)}
    response = client.get(URL.format(method), values)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert code_of(response.json()) == "0"


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "params", "order_status"), METHODS, ids=METHOD_IDS)
def test_every_method_works_with_a_form_post(client, account, method, params, order_status):
    body = urlencode({**credentials_of(account), **method_values(account, params, order_status)})
    response = client.post(URL.format(method), body, content_type=FORM)

    assert response.status_code == 200
    assert code_of(response.json()) == "0"


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "params", "order_status"), METHODS, ids=METHOD_IDS)
def test_every_method_works_with_an_empty_post_body_and_all_in_the_query(
    client, account, method, params, order_status
):
    query = urlencode({**credentials_of(account), **method_values(account, params, order_status)})
    response = client.post(f"{URL.format(method)}?{query}", "", content_type=FORM)

    assert response.status_code == 200
    assert code_of(response.json()) == "0"


@pytest.mark.django_db
def test_register_by_get_creates_the_order(client, account):
    answer = client.get(URL.format("register"), {**credentials_of(account), **ORDER}).json()

    order = Order.objects.get(order_id=answer["orderId"])
    assert (order.order_number, order.amount) == ("T-1", 10500)


@pytest.mark.django_db
def test_body_wins_over_the_query_string(client, account):
    query = urlencode({"orderNumber": "FROM-QUERY", "amount": "1", "returnUrl": "https://query.example/ok"})
    body = urlencode({**credentials_of(account), **ORDER, "orderNumber": "FROM-BODY"})
    answer = client.post(f"{URL.format('register')}?{query}", body, content_type=FORM).json()

    order = Order.objects.get(order_id=answer["orderId"])
    assert (order.order_number, order.amount, order.return_url) == (
        "FROM-BODY",
        10500,
        "https://shop.example.tn/ok",
    )
    assert not Order.objects.filter(order_number="FROM-QUERY").exists()


@pytest.mark.django_db
def test_query_and_body_parameters_are_merged(client, account):
    query = urlencode({"orderNumber": "Q-ONLY", "description": "from the query"})
    body = urlencode({**credentials_of(account), "amount": "700", "returnUrl": "https://shop.example.tn/ok"})
    answer = client.post(f"{URL.format('register')}?{query}", body, content_type=FORM).json()

    order = Order.objects.get(order_id=answer["orderId"])
    assert (order.order_number, order.amount, order.description) == ("Q-ONLY", 700, "from the query")


@pytest.mark.django_db
def test_password_in_the_body_wins_over_the_query(client, account):
    order = make_order(merchant=account.merchant)
    query = urlencode({"userName": account.username, "password": "wrong", "orderId": str(order.order_id)})
    right = client.post(
        f"{URL.format('getOrderStatus')}?{query}", urlencode({"password": API_PASSWORD}), content_type=FORM
    )
    wrong_query = urlencode({**credentials_of(account), "orderId": str(order.order_id)})
    wrong = client.post(
        f"{URL.format('getOrderStatus')}?{wrong_query}", urlencode({"password": "wrong"}), content_type=FORM
    )

    assert right.json()["ErrorCode"] == "0"
    assert wrong.json()["ErrorCode"] == "5"


@pytest.mark.django_db
def test_multipart_post_works_too(client, account):
    answer = client.post(URL.format("register"), {**credentials_of(account), **ORDER}).json()

    assert Order.objects.filter(order_id=answer["orderId"]).exists()


@pytest.mark.django_db
def test_unknown_parameters_are_ignored(client, account):
    values = {
        **credentials_of(account),
        **ORDER,
        "merchantLogin": "someone",
        "features": "FORCE_TDS",
        "bindingId": "x",
        "ORDERNUMBER": "IGNORED",
        "x": "",
    }
    answer = post(client, "register", values)

    assert "errorCode" not in answer
    assert Order.objects.get(order_id=answer["orderId"]).order_number == "T-1"


@pytest.mark.django_db
def test_utf8_form_values_are_kept(client, account):
    body = urlencode({**credentials_of(account), **ORDER, "description": "كتابان و café"})
    answer = client.post(URL.format("register"), body, content_type=FORM).json()
    status = post(client, "getOrderStatusExtended", {**credentials_of(account), "orderId": answer["orderId"]})

    assert Order.objects.get(order_id=answer["orderId"]).description == "كتابان و café"
    assert status["orderDescription"] == "كتابان و café"


@pytest.mark.django_db
@pytest.mark.parametrize("http_method", ["put", "delete", "patch"])
def test_other_http_methods_are_a_transport_fault(client, account, http_method):
    response = getattr(client, http_method)(URL.format("getOrderStatus"))

    assert response.status_code == 405


# --- answers: HTTP 200, string error codes, JSON types -----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "values", "code"),
    [
        ("register", {**ORDER, "currency": "999"}, "3"),
        ("register", {"amount": "1"}, "4"),
        ("register", {**ORDER, "amount": "0"}, "5"),
        ("deposit", {"orderId": str(uuid.UUID(int=1)), "amount": "0"}, "6"),
        ("reverse", {"orderId": str(uuid.UUID(int=1))}, "6"),
        ("refund", {"orderId": str(uuid.UUID(int=1)), "amount": "0"}, "6"),
        ("getOrderStatusExtended", {}, "1"),
    ],
)
def test_business_errors_answer_http_200_with_a_string_error_code(client, account, method, values, code):
    answer = post(client, method, {**credentials_of(account), **values})

    assert answer["errorCode"] == code
    assert isinstance(answer["errorCode"], str)
    assert isinstance(answer["errorMessage"], str)


@pytest.mark.django_db
def test_json_types_of_a_status_answer(client, account):
    order = make_order(merchant=account.merchant, status=OrderStatus.DEPOSITED, remitted=True)
    legacy = post(client, "getOrderStatus", {**credentials_of(account), "orderId": str(order.order_id)})
    answer = post(
        client, "getOrderStatusExtended", {**credentials_of(account), "orderId": str(order.order_id)}
    )

    assert type(legacy["ErrorCode"]) is str
    assert type(legacy["OrderStatus"]) is int
    assert type(legacy["Amount"]) is int
    assert type(legacy["depositAmount"]) is int
    assert type(legacy["authCode"]) is int
    assert legacy["currency"] == "788"
    assert type(answer["errorCode"]) is str
    assert type(answer["orderStatus"]) is int
    assert type(answer["actionCode"]) is int
    assert type(answer["amount"]) is int
    assert answer["currency"] == "788"
    assert all(type(v) is int for k, v in answer["paymentAmountInfo"].items() if k != "paymentState")


@pytest.mark.django_db
def test_an_unexpected_failure_is_error_7_not_an_http_500(client, account, monkeypatch):
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr("payments.services.orders.order_register", broken)
    response = client.post(URL.format("register"), {**credentials_of(account), **ORDER, "language": "en"})

    assert response.status_code == 200
    assert response.json() == {"errorCode": "7", "errorMessage": "System error."}


@pytest.mark.django_db
def test_an_unexpected_failure_in_get_order_status_keeps_capitalised_keys(client, account, monkeypatch):
    def broken(order: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("payments.protocol.render.order_status", broken)
    order = make_order(merchant=account.merchant)
    answer = post(
        client,
        "getOrderStatus",
        {**credentials_of(account), "orderId": str(order.order_id), "language": "en"},
    )

    assert answer == {"ErrorCode": "7", "ErrorMessage": "System error."}


# --- authentication ----------------------------------------------------------------------------------------


def _denied(answer: dict[str, Any], method: str) -> None:
    if method == "getOrderStatus":
        assert answer == {"ErrorCode": "5", "ErrorMessage": "Access denied."}
    else:
        assert answer == {"errorCode": "5", "errorMessage": "Access denied."}


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "params", "order_status"), METHODS, ids=METHOD_IDS)
@pytest.mark.parametrize(
    "login",
    [
        {"password": "wrong"},
        {"password": API_PASSWORD.upper()},
        {"password": ""},
        {"password": None},
        {"userName": "nobody"},
        {"userName": None},
        {"userName": None, "password": None},
    ],
    ids=["wrong", "wrong-case", "empty", "no-password", "unknown-user", "no-user", "nothing"],
)
def test_every_method_denies_bad_credentials_with_error_5(
    client, account, method, params, order_status, login
):
    values = {**credentials_of(account), **method_values(account, params, order_status), "language": "en"}
    values.update(login)
    values = {k: v for k, v in values.items() if v is not None}
    before = list(Order.objects.values_list("status", "deposited_amount", "refunded_amount"))
    answer = post(client, method, values)

    _denied(answer, method)
    assert list(Order.objects.values_list("status", "deposited_amount", "refunded_amount")) == before


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "ar"])
def test_access_denied_has_a_message_in_other_languages(client, account, language):
    answer = post(client, "register", {**credentials_of(account, "wrong"), **ORDER, "language": language})

    assert answer["errorCode"] == "5"
    assert answer["errorMessage"]


@pytest.mark.django_db
def test_error_messages_follow_the_merchant_default_language_when_none_is_asked(client):
    account = make_api_account(merchant=make_merchant(default_language="en"))
    answer = post(client, "register", {**credentials_of(account), **ORDER, "amount": "0"})

    assert answer == {
        "errorCode": "5",
        "errorMessage": "The parameter amount must be a positive whole number of minor units.",
    }


@pytest.mark.django_db
def test_parameter_names_of_credentials_are_case_sensitive(client, account):
    values = {"username": account.username, "Password": API_PASSWORD, **ORDER, "language": "en"}
    answer = post(client, "register", values)

    _denied(answer, "register")


@pytest.mark.django_db
@pytest.mark.parametrize("login", [{"userName": "api\x00"}, {"password": "pass\x00word"}])
def test_credentials_with_a_nul_character_are_access_denied(client, account, login):
    answer = post(client, "register", {**credentials_of(account), **ORDER, "language": "en", **login})

    _denied(answer, "register")


@pytest.mark.django_db
def test_another_merchants_password_does_not_open_this_account(client, account):
    other = make_api_account(password="other-password")
    answer = post(client, "register", {"userName": account.username, "password": "other-password", **ORDER})

    assert answer["errorCode"] == "5"
    assert post(client, "register", {**credentials_of(other, "other-password"), **ORDER})["orderId"]


@pytest.mark.django_db
def test_inactive_account_is_refused(client):
    account = make_api_account(is_active=False)
    answer = post(client, "register", {**credentials_of(account), **ORDER, "language": "en"})

    _denied(answer, "register")
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_account_deactivated_after_a_call_is_refused_at_once(client, account):
    assert "orderId" in post(client, "register", {**credentials_of(account), **ORDER})
    account.is_active = False
    account.save(update_fields=["is_active"])
    answer = post(client, "register", {**credentials_of(account), **ORDER, "orderNumber": "T-2"})

    assert answer["errorCode"] == "5"
    assert not Order.objects.filter(order_number="T-2").exists()


@pytest.mark.django_db
def test_account_of_an_inactive_merchant_is_refused(client):
    account = make_api_account(merchant=make_merchant(is_active=False))
    answer = post(client, "register", {**credentials_of(account), **ORDER})

    assert answer["errorCode"] == "5"
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_changed_password_refuses_the_old_one_at_once(client, account):
    assert "orderId" in post(client, "register", {**credentials_of(account), **ORDER})
    credentials.api_account_set_password(account=account, password="the-new-password")

    old = post(
        client, "register", {**credentials_of(account), **ORDER, "orderNumber": "T-2", "language": "en"}
    )
    new = post(
        client, "register", {**credentials_of(account, "the-new-password"), **ORDER, "orderNumber": "T-3"}
    )

    _denied(old, "register")
    assert "orderId" in new
    assert set(Order.objects.values_list("order_number", flat=True)) == {"T-1", "T-3"}


@pytest.mark.django_db
def test_random_new_password_is_returned_and_works(client, account):
    password = credentials.api_account_set_password(account=account)

    assert password != API_PASSWORD
    assert post(client, "register", {**credentials_of(account, password), **ORDER})["orderId"]
    assert (
        post(client, "register", {**credentials_of(account), **ORDER, "orderNumber": "T-2"})["errorCode"]
        == "5"
    )


@pytest.mark.django_db
def test_created_account_stores_its_password_hashed_and_works(client):
    merchant = make_merchant()
    account, password = credentials.api_account_create(merchant=merchant, username="new-api")
    account.refresh_from_db()

    assert len(password) >= 16
    assert password not in account.password
    assert "orderId" in post(client, "register", {**credentials_of(account, password), **ORDER})


# --- per-address limit on failed sign-ins ----------------------------------------------------------------


def _fail(client: Any, account: Any, ip: str, times: int) -> None:
    for _ in range(times):
        assert post(client, "getOrderStatus", credentials_of(account, "wrong"), ip=ip)["ErrorCode"] == "5"


def _works(client: Any, account: Any, ip: str, number: str) -> bool:
    answer = post(client, "register", {**credentials_of(account), **ORDER, "orderNumber": number}, ip=ip)
    return "orderId" in answer


@pytest.mark.django_db
def test_ten_failures_block_the_address_even_with_the_right_password(client, account):
    _fail(client, account, "10.0.0.1", 10)
    answer = post(client, "register", {**credentials_of(account), **ORDER, "language": "en"}, ip="10.0.0.1")

    _denied(answer, "register")
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_nine_failures_do_not_block(client, account):
    _fail(client, account, "10.0.0.1", 9)

    assert _works(client, account, "10.0.0.1", "OK-1")


@pytest.mark.django_db
def test_a_blocked_address_does_not_lock_the_merchant_out_elsewhere(client, account):
    _fail(client, account, "10.0.0.1", 10)

    assert _works(client, account, "10.0.0.2", "OK-1")
    assert not _works(client, account, "10.0.0.1", "KO-1")
    assert list(Order.objects.values_list("order_number", flat=True)) == ["OK-1"]


@pytest.mark.django_db
def test_failures_are_counted_per_address_across_methods_and_accounts(client, account):
    other = make_api_account()
    _fail(client, account, "10.0.0.1", 5)
    for _ in range(5):
        post(client, "register", {**credentials_of(other, "wrong"), **ORDER}, ip="10.0.0.1")

    assert not _works(client, account, "10.0.0.1", "KO-1")
    assert not _works(client, other, "10.0.0.1", "KO-2")


@pytest.mark.django_db
def test_successful_calls_do_not_reset_the_failure_count(client, account):
    _fail(client, account, "10.0.0.1", 9)
    assert _works(client, account, "10.0.0.1", "OK-1")
    _fail(client, account, "10.0.0.1", 1)

    assert not _works(client, account, "10.0.0.1", "KO-1")


@pytest.mark.django_db
def test_the_block_lasts_fifteen_minutes(client, account, clock):
    _fail(client, account, "10.0.0.1", 10)

    clock.advance(15 * 60 - 5)
    assert not _works(client, account, "10.0.0.1", "KO-1")
    clock.advance(10)
    assert _works(client, account, "10.0.0.1", "OK-1")


@pytest.mark.django_db
def test_failures_older_than_five_minutes_are_forgotten(client, account, clock):
    _fail(client, account, "10.0.0.1", 9)
    clock.advance(5 * 60 + 5)
    _fail(client, account, "10.0.0.1", 9)

    assert _works(client, account, "10.0.0.1", "OK-1")


@pytest.mark.django_db
def test_failures_within_five_minutes_add_up(client, account, clock):
    _fail(client, account, "10.0.0.1", 5)
    clock.advance(4 * 60)
    _fail(client, account, "10.0.0.1", 5)

    assert not _works(client, account, "10.0.0.1", "KO-1")


@pytest.mark.django_db
def test_requests_while_blocked_do_not_extend_the_block(client, account, clock):
    _fail(client, account, "10.0.0.1", 10)
    clock.advance(10 * 60)
    _fail(client, account, "10.0.0.1", 3)
    clock.advance(5 * 60 + 5)

    assert _works(client, account, "10.0.0.1", "OK-1")


def test_the_limits_are_those_of_the_protocol():
    assert django_settings.API_AUTH_MAX_FAILURES == 10
    assert django_settings.API_AUTH_FAILURE_WINDOW == 5 * 60
    assert django_settings.API_AUTH_BLOCK_SECONDS == 15 * 60
