"""Malformed input thrown at register.do and refund.do: the answer is always a protocol answer."""

import json
from urllib.parse import urlencode

import pytest
from django.utils import translation
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from payments.models import ApiAccount, Order, OrderStatus
from tests.factories import API_PASSWORD, make_api_account, make_order

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

REGISTER_NAMES = [
    "orderNumber",
    "amount",
    "currency",
    "returnUrl",
    "failUrl",
    "description",
    "language",
    "pageView",
    "clientId",
    "jsonParams",
    "sessionTimeoutSecs",
    "expirationDate",
]
REFUND_NAMES = ["orderId", "amount", "externalRefundId", "language"]
JUNK_NAMES = st.one_of(
    st.sampled_from(["AMOUNT", "Amount", "orderid", "userName ", "", "amount[]", "x" * 300, "\x00"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
)

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=10,
)
odd_json = st.one_of(
    json_values.map(json.dumps),
    st.sampled_from(
        [
            "{",
            "[]",
            "null",
            '{"email": null}',
            '{"email": 5}',
            '{"email": true}',
            '{"email": "\\u0000"}',
            '{"\\u0000": "x"}',
            '{"a": NaN, "b": Infinity}',
            '{"a": 1e999}',
            '{"email": "' + "e" * 1000 + '@x.tn"}',
            '{"a": ' + "9" * 5000 + "}",
            "[" * 100_000 + "]" * 100_000,
            '{"a":' * 50_000 + "1" + "}" * 50_000,
            "\ufeff{}",
        ]
    ),
)
deep_json = st.builds(
    lambda brackets, depth: brackets[0] * depth + "1" + brackets[1] * depth,
    st.sampled_from([("[", "]"), ('{"a":', "}")]),
    st.integers(1, 100_000),
)
urls = st.builds(
    lambda scheme, rest: scheme + rest,
    st.sampled_from(["http://", "https://", "https://shop.example.tn/", "ftp://", "", "http:"]),
    st.one_of(
        text, st.sampled_from(["[", "[::1", "[::1]:80", "a]b", "℀", "ﬀ.tn", "x:99999999999", "@", "#"])
    ),
)
UNICODE_DIGITS = ["١٠٠٠", "１０００", "۱۲۳", "१२३", "𝟏𝟎𝟎", "¹²³", "Ⅻ"]
values = st.one_of(
    text,
    st.integers().map(str),
    st.integers(min_value=10**15 - 2, max_value=10**40).map(str),
    st.integers(max_value=-1).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
    st.sampled_from(UNICODE_DIGITS),
    st.sampled_from(["0", "00", "+1", " 1", "1 ", "1e3", "0x10", "1_000", "9" * 18, "9" * 19, "-0"]),
    text.map(lambda value: value + "\x00"),
    st.builds(
        lambda char, size: char * size, st.sampled_from(["9", "a", "é", "\x00", "/"]), st.integers(0, 5000)
    ),
    odd_json,
    deep_json,
    urls,
    st.sampled_from(
        [
            "https://shop.example.tn/ok",
            "http://[",
            "http://ex\u2100ample.tn/",
            "https://",
            "javascript:alert(1)",
            "//shop.example.tn/",
            "https://shop.example.tn/" + "a" * 600,
            "788",
            "978",
            "840",
            "999",
            "fr",
            "ar",
            "EN",
            "MOBILE",
            "desktop",
            "2099-01-01T00:00:00",
            "2000-01-01T00:00:00",
            "9999-12-31T23:59:59",
            "٢٠٩٩-٠١-٠١T00:00:00",
            "2099-02-30T00:00:00",
        ]
    ),
)

# A valid registration, so that fuzzing one value at a time reaches the deep checks.
VALID_REGISTER = {"amount": "10500", "returnUrl": "https://shop.example.tn/ok", "currency": "788"}


def junk_params(names: list[str]) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.one_of(st.sampled_from(names), JUNK_NAMES), values, max_size=len(names) + 3)


def send(client, path: str, params: dict[str, str], how: str):
    if how == "get":
        return client.get(path, params)
    if how == "split":  # half in the query string, half in the form body
        items = list(params.items())
        query, body = dict(items[::2]), dict(items[1::2])
        return client.post(f"{path}?{urlencode(query)}", body)
    return client.post(path, params)


def system_error_messages() -> set[str]:
    messages = set()
    for language in ("fr", "en", "ar"):
        with translation.override(language):
            messages.add(translation.gettext("System error."))
    return messages


def assert_protocol_answer(response, codes: set[str]) -> dict:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    answer = response.json()
    assert isinstance(answer, dict)
    if "errorCode" in answer:
        assert isinstance(answer["errorCode"], str)
        assert answer["errorCode"] in codes, answer
        assert isinstance(answer["errorMessage"], str) and answer["errorMessage"]
        assert answer["errorMessage"] not in system_error_messages(), answer
    return answer


@FUZZ
@given(
    params=junk_params(REGISTER_NAMES),
    base=st.sampled_from([{}, VALID_REGISTER]),
    number=st.one_of(st.none(), st.uuids().map(str)),
    method=st.sampled_from(["register", "registerPreAuth"]),
    how=st.sampled_from(["post", "get", "split"]),
)
def test_register_answers_malformed_input_with_a_protocol_error(client, params, base, number, method, how):
    account = _account()
    data = base | ({"orderNumber": number[:36]} if number else {}) | params
    data |= {"userName": account.username, "password": API_PASSWORD}
    before = Order.objects.count()
    response = send(client, f"/payment/rest/{method}.do", data, how)
    answer = assert_protocol_answer(response, {"1", "3", "4", "5"})
    if "errorCode" in answer:
        assert Order.objects.count() == before  # a refused registration leaves nothing behind
    else:
        assert set(answer) == {"orderId", "formUrl"}
        assert Order.objects.count() == before + 1
        order = Order.objects.get(order_id=answer["orderId"])
        assert order.amount > 0
        assert order.status == OrderStatus.REGISTERED


def _account() -> ApiAccount:
    """One API account per test (its rows roll back with it; hypothesis runs the body many times)."""
    account = ApiAccount.objects.filter(username="fuzz-api").select_related("merchant").first()
    return account or make_api_account(username="fuzz-api")


@FUZZ
@given(name=st.sampled_from(REGISTER_NAMES), value=values, how=st.sampled_from(["post", "get"]))
@example(name="returnUrl", value="http://[", how="post")
@example(name="failUrl", value="http://ex\u2100ample.tn/", how="post")
@example(name="jsonParams", value="[" * 100_000 + "]" * 100_000, how="post")
@example(name="jsonParams", value='{"a":' * 50_000 + "1" + "}" * 50_000, how="post")
def test_register_answers_one_bad_value_with_a_protocol_error(client, name, value, how):
    account = _account()
    data = VALID_REGISTER | {"orderNumber": f"ONE-{Order.objects.count()}", name: value}
    data |= {"userName": account.username, "password": API_PASSWORD}
    before = Order.objects.count()
    answer = assert_protocol_answer(
        send(client, "/payment/rest/register.do", data, how), {"1", "3", "4", "5"}
    )
    assert Order.objects.count() == before + ("errorCode" not in answer)


@FUZZ
@given(
    params=junk_params(REGISTER_NAMES),
    username=st.one_of(st.just("fuzz-api"), values),
    password=values,
    how=st.sampled_from(["post", "get"]),
)
@example(params={}, username="fuzz-api\x00", password="x", how="post")
@example(params={}, username="\x00", password=API_PASSWORD, how="get")
def test_register_with_wrong_credentials_is_always_access_denied(client, params, username, password, how):
    _account()
    data = VALID_REGISTER | {"orderNumber": "N-1"} | params | {"userName": username, "password": password}
    before = Order.objects.count()
    response = send(client, "/payment/rest/register.do", data, how)
    answer = assert_protocol_answer(response, {"5"})
    assert answer["errorCode"] == "5"
    assert Order.objects.count() == before


@FUZZ
@given(
    params=junk_params(REFUND_NAMES),
    order_id=st.sampled_from(["remitted", "unremitted", "foreign", "none", "junk"]),
    amount=st.one_of(st.none(), st.integers(0, 12_000).map(str)),
    external_id=st.one_of(st.none(), st.sampled_from(["R-1", "R-2"]), text),
    how=st.sampled_from(["post", "get", "split"]),
)
def test_refund_answers_malformed_input_without_over_refunding(
    client, params, order_id, amount, external_id, how
):
    account = _account()
    mine = make_order(merchant=account.merchant, status=OrderStatus.DEPOSITED, amount=10_000, remitted=True)
    unremitted = make_order(merchant=account.merchant, status=OrderStatus.DEPOSITED, amount=10_000)
    foreign = make_order(status=OrderStatus.DEPOSITED, amount=10_000, remitted=True)
    targets = {"remitted": mine, "unremitted": unremitted, "foreign": foreign}
    data = {"orderId": str(targets[order_id].order_id) if order_id in targets else order_id}
    if amount is not None:
        data["amount"] = amount
    if external_id is not None:
        data["externalRefundId"] = external_id
    data |= params | {"userName": account.username, "password": API_PASSWORD}
    for _ in range(2):  # a repeat must not refund beyond the deposit either
        response = send(client, "/payment/rest/refund.do", data, how)
        answer = assert_protocol_answer(response, {"0", "5", "6", "7"})
        assert "errorCode" in answer
    for order in (mine, unremitted, foreign):
        order.refresh_from_db()
        assert 0 <= order.refunded_amount <= order.deposited_amount == 10_000
        assert order.status in (OrderStatus.DEPOSITED, OrderStatus.REFUNDED)
    assert unremitted.refunded_amount == foreign.refunded_amount == 0  # never refundable here
