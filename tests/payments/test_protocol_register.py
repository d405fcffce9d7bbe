"""register.do and registerPreAuth.do through the real URLs (protocol.md section 2)."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from payments.models import ActorType, AuthorizationType, OperationKind, Order, OrderStatus
from tests.factories import API_PASSWORD, make_api_account, make_merchant

REGISTER_METHODS = ["register", "registerPreAuth"]


def call(client: Any, method: str, account: Any, **values: str) -> dict[str, Any]:
    data = {"userName": account.username, "password": API_PASSWORD, **values}
    response = client.post(f"/payment/rest/{method}.do", data)
    assert response.status_code == 200
    return response.json()


def order_values(**overrides: str) -> dict[str, str]:
    values = {"orderNumber": "SHOP-1", "amount": "10500", "returnUrl": "https://shop.example.tn/ok"}
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def assert_refused(answer: dict[str, Any], code: str, message: str | None = None) -> None:
    assert answer["errorCode"] == code
    assert answer["errorMessage"]
    assert set(answer) == {"errorCode", "errorMessage"}
    if message is not None:
        assert answer["errorMessage"] == message


# --- success -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_register_answers_order_id_and_form_url_without_error_code(client):
    account = make_api_account()
    answer = call(client, "register", account, **order_values())

    assert set(answer) == {"orderId", "formUrl"}
    assert len(answer["orderId"]) == 36
    assert str(uuid.UUID(answer["orderId"])) == answer["orderId"]
    code = account.merchant.code
    assert answer["formUrl"] == (
        f"http://testserver/payment/merchants/{code}/payment_fr.html?mdOrder={answer['orderId']}"
    )


@pytest.mark.django_db
def test_register_creates_an_unpaid_one_phase_order(client):
    account = make_api_account()
    answer = call(client, "register", account, **order_values(description="Two books", clientId="C-77"))

    order = Order.objects.get(order_id=answer["orderId"])
    assert order.merchant == account.merchant
    assert order.order_number == "SHOP-1"
    assert order.amount == 10500
    assert order.currency_id == "788"
    assert order.status == OrderStatus.REGISTERED
    assert order.action_code == -100
    assert order.authorization_type == AuthorizationType.ONE_PHASE
    assert order.return_url == "https://shop.example.tn/ok"
    assert order.fail_url == ""
    assert order.description == "Two books"
    assert order.client_id == "C-77"
    assert order.language == "fr"
    assert order.page_view == "DESKTOP"
    assert order.terminal is not None
    assert order.terminal.contract.merchant == account.merchant
    assert (order.approved_amount, order.deposited_amount, order.refunded_amount) == (0, 0, 0)
    ops = list(order.operations.all())
    assert [(op.kind, op.amount, op.success) for op in ops] == [(OperationKind.REGISTER, 10500, True)]
    assert ops[0].actor_type == ActorType.API
    assert ops[0].api_account == account


@pytest.mark.django_db
def test_register_pre_auth_creates_a_two_phase_order(client):
    account = make_api_account(merchant=make_merchant(two_phase_allowed=True))
    answer = call(client, "registerPreAuth", account, **order_values())

    assert set(answer) == {"orderId", "formUrl"}
    order = Order.objects.get(order_id=answer["orderId"])
    assert order.authorization_type == AuthorizationType.TWO_PHASE
    assert order.status == OrderStatus.REGISTERED


@pytest.mark.django_db
def test_register_keeps_fail_url(client):
    account = make_api_account()
    answer = call(client, "register", account, **order_values(failUrl="http://shop.example.tn/ko?x=1"))

    assert Order.objects.get(order_id=answer["orderId"]).fail_url == "http://shop.example.tn/ko?x=1"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en", "ar"])
def test_register_success_has_no_error_code_in_any_language(client, language):
    account = make_api_account()
    answer = call(client, "register", account, **order_values(language=language))

    assert set(answer) == {"orderId", "formUrl"}
    assert f"/payment_{language}.html?mdOrder=" in answer["formUrl"]
    assert Order.objects.get(order_id=answer["orderId"]).language == language


@pytest.mark.django_db
def test_form_url_uses_the_mobile_page_for_page_view_mobile(client):
    account = make_api_account()
    answer = call(client, "register", account, **order_values(pageView="MOBILE", language="en"))

    code = account.merchant.code
    assert answer["formUrl"] == (
        f"http://testserver/payment/merchants/{code}/mobile_payment_en.html?mdOrder={answer['orderId']}"
    )
    assert Order.objects.get(order_id=answer["orderId"]).page_view == "MOBILE"


@pytest.mark.django_db
def test_form_url_desktop_page_view_is_the_plain_page(client):
    account = make_api_account()
    answer = call(client, "register", account, **order_values(pageView="DESKTOP"))

    assert "/payment_fr.html?" in answer["formUrl"]
    assert "mobile_" not in answer["formUrl"]


@pytest.mark.django_db
def test_form_url_follows_the_merchant_default_language(client):
    account = make_api_account(merchant=make_merchant(default_language="ar"))
    answer = call(client, "register", account, **order_values())

    assert "/payment_ar.html?mdOrder=" in answer["formUrl"]
    assert Order.objects.get(order_id=answer["orderId"]).language == "ar"


@pytest.mark.django_db
def test_form_url_uses_the_public_base_url_setting(client, settings):
    settings.PUBLIC_BASE_URL = "https://pay.clictopay.example"
    account = make_api_account()
    answer = call(client, "register", account, **order_values())

    assert answer["formUrl"] == (
        f"https://pay.clictopay.example/payment/merchants/{account.merchant.code}/payment_fr.html"
        f"?mdOrder={answer['orderId']}"
    )


@pytest.mark.django_db
def test_form_url_defaults_to_the_request_scheme_and_host(client, settings):
    settings.PUBLIC_BASE_URL = ""
    settings.ALLOWED_HOSTS = ["gateway.example.tn"]
    account = make_api_account()
    response = client.post(
        "/payment/rest/register.do",
        {"userName": account.username, "password": API_PASSWORD, **order_values()},
        secure=True,
        headers={"host": "gateway.example.tn"},
    )

    answer = response.json()
    assert answer["formUrl"].startswith(
        f"https://gateway.example.tn/payment/merchants/{account.merchant.code}/payment_fr.html?mdOrder="
    )


@pytest.mark.django_db
def test_form_url_leads_to_the_payment_page(client):
    account = make_api_account()
    answer = call(client, "register", account, **order_values())

    assert client.get(answer["formUrl"].removeprefix("http://testserver")).status_code == 200


# --- orderNumber -----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("method", REGISTER_METHODS)
def test_order_number_already_used_is_error_1(client, method):
    account = make_api_account()
    first = call(client, method, account, **order_values(orderNumber="DUP"))
    again = call(client, method, account, **order_values(orderNumber="DUP", amount="99", language="en"))

    assert "orderId" in first
    assert_refused(again, "1", "The order number is already used by this merchant.")
    orders = Order.objects.filter(merchant=account.merchant)
    assert [(o.order_number, o.amount) for o in orders] == [("DUP", 10500)]


@pytest.mark.django_db
def test_order_number_is_unique_per_merchant_only(client):
    mine, theirs = make_api_account(), make_api_account()
    call(client, "register", theirs, **order_values(orderNumber="SAME"))
    answer = call(client, "register", mine, **order_values(orderNumber="SAME"))

    assert "errorCode" not in answer
    assert Order.objects.filter(order_number="SAME").count() == 2


@pytest.mark.django_db
def test_order_number_of_36_characters_is_accepted(client):
    account = make_api_account()
    answer = call(client, "register", account, **order_values(orderNumber="N" * 36))

    assert Order.objects.get(order_id=answer["orderId"]).order_number == "N" * 36


# --- currency --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_absent_currency_means_the_merchant_default(client):
    account = make_api_account(merchant=make_merchant(currencies=("EUR", "TND")))
    answer = call(client, "register", account, **order_values())

    assert Order.objects.get(order_id=answer["orderId"]).currency_id == "978"


@pytest.mark.django_db
def test_allowed_currency_is_used(client):
    account = make_api_account(merchant=make_merchant(currencies=("TND", "EUR")))
    answer = call(client, "register", account, **order_values(currency="978"))

    order = Order.objects.get(order_id=answer["orderId"])
    assert order.currency_id == "978"
    assert order.terminal.contract.currencies.filter(numeric_code="978").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("currency", ["999", "TND", "78", "7880", "-788", "788.0"])
def test_unknown_currency_is_error_3(client, currency):
    account = make_api_account()
    answer = call(client, "register", account, **order_values(currency=currency, language="en"))

    assert_refused(answer, "3")
    assert not Order.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("method", REGISTER_METHODS)
def test_currency_not_allowed_by_the_contract_is_error_3(client, method):
    account = make_api_account(merchant=make_merchant(currencies=("TND", "EUR")))
    answer = call(client, method, account, **order_values(currency="840", language="en"))

    assert_refused(answer, "3", "The currency 840 is not allowed for this merchant.")
    assert not Order.objects.exists()


# --- missing parameters (4) -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("method", REGISTER_METHODS)
@pytest.mark.parametrize("missing", ["orderNumber", "amount", "returnUrl"])
def test_missing_required_parameter_is_error_4_naming_it(client, method, missing):
    account = make_api_account()
    answer = call(client, method, account, **order_values(**{missing: None}, language="en"))

    assert_refused(answer, "4", f"The parameter {missing} is missing.")
    assert not Order.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["orderNumber", "amount", "returnUrl"])
def test_empty_required_parameter_is_error_4(client, missing):
    account = make_api_account()
    answer = call(client, "register", account, **order_values(**{missing: ""}, language="en"))

    assert_refused(answer, "4", f"The parameter {missing} is missing.")


@pytest.mark.django_db
def test_parameter_names_are_case_sensitive(client):
    account = make_api_account()
    values = order_values(orderNumber=None, language="en")
    answer = call(client, "register", account, ordernumber="SHOP-1", **values)

    assert_refused(answer, "4", "The parameter orderNumber is missing.")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["returnUrl", "failUrl"])
@pytest.mark.parametrize(
    "url",
    ["/shop/return", "shop.example.tn/ok", "ftp://shop.example.tn/ok", "javascript:alert(1)", "https://"],
)
def test_return_and_fail_url_must_be_absolute_http_urls(client, name, url):
    account = make_api_account()
    answer = call(client, "register", account, **order_values(**{name: url}, language="en"))

    assert_refused(answer, "4", f"The parameter {name} must be an absolute http(s) URL.")
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_missing_parameters_are_checked_before_bad_values(client):
    account = make_api_account(merchant=make_merchant(two_phase_allowed=False))
    answer = call(
        client,
        "registerPreAuth",
        account,
        amount="0",
        currency="999",
        returnUrl="https://shop.example.tn/ok",
        language="xx",
        pageView="TABLET",
    )

    assert answer["errorCode"] == "4"
    assert "orderNumber" in answer["errorMessage"]


@pytest.mark.django_db
def test_missing_return_url_is_checked_before_a_bad_amount(client):
    account = make_api_account()
    answer = call(client, "register", account, **order_values(returnUrl=None, amount="-1", language="en"))

    assert_refused(answer, "4", "The parameter returnUrl is missing.")


@pytest.mark.django_db
def test_authentication_is_checked_before_missing_parameters(client):
    account = make_api_account()
    answer = client.post(
        "/payment/rest/register.do", {"userName": account.username, "password": "wrong", "language": "en"}
    ).json()

    assert_refused(answer, "5", "Access denied.")


# --- wrong values (5) ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("method", REGISTER_METHODS)
@pytest.mark.parametrize(
    "amount", ["0", "-100", "10.5", "10,5", "1e3", "abc", " 100", "99999999999999999999"]
)
def test_bad_amount_is_error_5_naming_amount(client, method, amount):
    account = make_api_account()
    answer = call(client, method, account, **order_values(amount=amount, language="en"))

    assert_refused(answer, "5", "The parameter amount must be a positive whole number of minor units.")
    assert not Order.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "limit"), [("orderNumber", 36), ("returnUrl", 512), ("failUrl", 512), ("description", 598)]
)
def test_too_long_value_is_error_5_naming_the_parameter(client, name, limit):
    account = make_api_account()
    too_long = "x" * (limit + 1)
    if name.endswith("Url"):
        too_long = "https://shop.example.tn/" + "p" * (limit + 1 - len("https://shop.example.tn/"))
    assert len(too_long) == limit + 1
    answer = call(client, "register", account, **order_values(**{name: too_long}, language="en"))

    assert_refused(answer, "5", f"The parameter {name} is longer than {limit} characters.")
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_values_at_their_maximum_length_are_accepted(client):
    account = make_api_account()
    url = "https://shop.example.tn/" + "p" * (512 - len("https://shop.example.tn/"))
    answer = call(
        client,
        "register",
        account,
        **order_values(orderNumber="N" * 36, returnUrl=url, failUrl=url, description="d" * 598),
    )

    order = Order.objects.get(order_id=answer["orderId"])
    assert (len(order.order_number), len(order.return_url), len(order.fail_url)) == (36, 512, 512)
    assert len(order.description) == 598


@pytest.mark.django_db
@pytest.mark.parametrize("page_view", ["TABLET", "PHONE", "desktop?"])
def test_unknown_page_view_is_error_5(client, page_view):
    account = make_api_account()
    answer = call(client, "register", account, **order_values(pageView=page_view, language="en"))

    assert_refused(answer, "5", "The parameter pageView is not valid.")
    assert not Order.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "FR", "english", "f"])
def test_bad_language_is_error_5(client, language):
    account = make_api_account()
    answer = call(client, "register", account, **order_values(language=language))

    assert_refused(answer, "5")
    assert "language" in answer["errorMessage"]
    assert not Order.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("seconds", ["0", "-60", "abc", "60.5", "99999999999", "604801"])
def test_bad_session_timeout_is_error_5(client, seconds):
    account = make_api_account()
    answer = call(client, "register", account, **order_values(sessionTimeoutSecs=seconds, language="en"))

    assert_refused(answer, "5", "The parameter sessionTimeoutSecs is not valid.")
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_session_timeout_sets_the_expiry(client):
    account = make_api_account()
    before = timezone.now()
    answer = call(client, "register", account, **order_values(sessionTimeoutSecs="600"))

    expires_at = Order.objects.get(order_id=answer["orderId"]).expires_at
    assert before + timedelta(seconds=600) <= expires_at <= timezone.now() + timedelta(seconds=600)


@pytest.mark.django_db
def test_default_session_is_1200_seconds(client):
    account = make_api_account()
    before = timezone.now()
    answer = call(client, "register", account, **order_values())

    expires_at = Order.objects.get(order_id=answer["orderId"]).expires_at
    assert before + timedelta(seconds=1200) <= expires_at <= timezone.now() + timedelta(seconds=1200)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value", ["2030-13-01T10:00:00", "2030-01-01", "2030-01-01 10:00:00", "tomorrow", "2000-01-01T10:00:00"]
)
def test_bad_expiration_date_is_error_5(client, value):
    account = make_api_account()
    answer = call(client, "register", account, **order_values(expirationDate=value, language="en"))

    assert_refused(answer, "5", "The parameter expirationDate is not valid.")
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_expiration_date_wins_over_session_timeout(client):
    account = make_api_account()
    moment = timezone.localtime(timezone.now() + timedelta(days=2)).replace(microsecond=0)
    answer = call(
        client,
        "register",
        account,
        **order_values(sessionTimeoutSecs="600", expirationDate=moment.strftime("%Y-%m-%dT%H:%M:%S")),
    )

    assert Order.objects.get(order_id=answer["orderId"]).expires_at == moment


@pytest.mark.django_db
@pytest.mark.parametrize(
    "json_params",
    ["not json", "[1, 2]", '"text"', '{"a": {"b": "c"}}', '{"a": ["b"]}', '{"a": true}', '{"a": null}'],
)
def test_bad_json_params_is_error_5(client, json_params):
    account = make_api_account()
    answer = call(client, "register", account, **order_values(jsonParams=json_params, language="en"))

    assert_refused(answer, "5")
    assert "jsonParams" in answer["errorMessage"]
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_json_params_are_kept_with_the_buyer_email_and_phone(client):
    account = make_api_account()
    json_params = '{"email": "buyer@example.tn", "phone": "+21698765432", "cart": "42"}'
    answer = call(client, "register", account, **order_values(jsonParams=json_params))

    order = Order.objects.get(order_id=answer["orderId"])
    assert order.json_params == {"email": "buyer@example.tn", "phone": "+21698765432", "cart": "42"}
    assert order.buyer_email == "buyer@example.tn"
    assert order.buyer_phone == "+21698765432"


@pytest.mark.django_db
def test_two_phase_not_allowed_for_the_merchant_is_error_5(client):
    account = make_api_account(merchant=make_merchant(two_phase_allowed=False))
    answer = call(client, "registerPreAuth", account, **order_values(language="en"))

    assert_refused(answer, "5", "Two-phase payments are not allowed for this merchant.")
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_one_phase_works_for_a_merchant_without_two_phase(client):
    account = make_api_account(merchant=make_merchant(two_phase_allowed=False))
    answer = call(client, "register", account, **order_values())

    assert Order.objects.get(order_id=answer["orderId"]).authorization_type == AuthorizationType.ONE_PHASE


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "ar"])
def test_error_messages_are_given_in_other_languages_too(client, language):
    account = make_api_account()
    answer = call(client, "register", account, **order_values(amount="0", language=language))

    assert_refused(answer, "5")
