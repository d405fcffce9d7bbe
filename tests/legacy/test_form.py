"""POST /clicktopay/: each field of the shop's form, good and bad. A bad one is a clear 400, and no order."""

from decimal import Decimal

import pytest

from payments.legacy.models import LegacyCall
from payments.legacy.parsing import LegacyRefused, parse_montant
from payments.models import Order
from tests.factories import currency

pytestmark = pytest.mark.django_db

URL = "/clicktopay/"


def form(**fields: str) -> dict[str, str]:
    good = {
        "Reference": "CMD-1001",
        "Montant": "12.500",
        "Devise": "TND",
        "sid": "abc123",
        "affilie": "0870001",
    }
    return good | fields


@pytest.mark.parametrize(
    ("raw", "code", "expected"),
    [
        ("12.500", "TND", 12_500),
        ("12.5", "TND", 12_500),
        ("12", "TND", 12_000),
        (" 0.001 ", "TND", 1),
        ("10.50", "EUR", 1_050),
        ("999999999999999.999", "TND", 999_999_999_999_999_999),
    ],
)
def test_montant_becomes_minor_units_of_the_currency(raw, code, expected):
    assert parse_montant(raw, currency(code)) == (Decimal(raw.strip()), expected)


@pytest.mark.parametrize(
    "raw",
    [
        *("", "0", "0.000", "12.5001", "-12.500", "+12.500", "12,500", "1e3", "NaN", "Infinity"),
        *("12.", ".5", "١٢", "1 000", "1234567890123456"),
    ],
)
def test_bad_montant_is_refused(raw):
    with pytest.raises(LegacyRefused):
        parse_montant(raw, currency("TND"))


def test_euro_amount_with_three_decimals_is_refused():
    with pytest.raises(LegacyRefused, match="2"):
        parse_montant("10.505", currency("EUR"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"Montant": "12.5001"}, "more than 3 decimals"),
        ({"Montant": "0.000"}, "more than zero"),
        ({"Montant": "-1"}, "not an amount"),
        ({"Montant": "douze"}, "not an amount"),
        ({"Montant": ""}, "Montant) is missing"),
        ({"Devise": "XYZ"}, "not a known currency"),
        ({"Devise": "788"}, "not a known currency"),
        ({"Devise": ""}, "Devise) is missing"),
        ({"Reference": ""}, "Reference is missing"),
        ({"Reference": "R" * 37}, "Reference is longer than 36"),
        ({"Reference": "CMD\x001"}, "Reference contains characters"),
        ({"affilie": ""}, "affilie is missing"),
        ({"affilie": "9999999"}, "not known to the payment gateway"),
        ({"sid": "s" * 256}, "sid is longer than 255"),
        # A known currency, but not in the merchant's contract:
        ({"Devise": "USD", "Montant": "12.50"}, "USD is not accepted by this shop"),
    ],
)
def test_bad_field_is_a_400_page_naming_it_and_no_order(client, legacy, shop, fields, message):
    shop.amounts["CMD-1001"] = "12.500"
    response = client.post(URL, form(**fields), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert "Payment not started" in html
    assert not Order.objects.exists()
    assert shop.received == []  # refused before the shop was bothered


def test_error_page_follows_the_buyers_language_and_defaults_to_french(client, legacy, settings):
    settings.LANGUAGE_CODE = "fr"  # the default language, with its formats
    english = client.post(URL, form(Montant="0"), HTTP_ACCEPT_LANGUAGE="en")
    arabic = client.post(URL, form(Montant="0"), HTTP_ACCEPT_LANGUAGE="ar")
    neither = client.post(URL, form(Montant="0"), HTTP_ACCEPT_LANGUAGE="de")
    assert '<html lang="en" dir="ltr">' in english.content.decode()
    assert '<html lang="ar" dir="rtl">' in arabic.content.decode()
    assert '<html lang="fr" dir="ltr">' in neither.content.decode()


def test_get_is_a_clear_page_not_a_form(client):
    response = client.get(URL)
    assert response.status_code == 405
    assert "posted by a shop" in response.content.decode()


def test_disabled_settings_are_unknown_to_the_form(client, legacy, shop):
    legacy.enabled = False
    legacy.save()
    response = client.post(URL, form())
    assert response.status_code == 400
    assert not Order.objects.exists() and not LegacyCall.objects.exists()


def test_good_form_registers_the_order_with_reference_amount_currency_and_sid(client, legacy, shop):
    shop.amounts["CMD-1001"] = "12.500"
    response = client.post(URL, form(Devise="tnd"), HTTP_ACCEPT_LANGUAGE="en")
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == (
        f"/payment/merchants/{legacy.merchant.code}/payment_en.html?mdOrder={order.order_id}"
    )
    assert (order.order_number, order.amount, order.currency.alpha_code) == ("CMD-1001", 12_500, "TND")
    assert order.json_params == {"sid": "abc123"}
    assert order.language == "en"
    assert order.return_url == "http://testserver/clicktopay/return/" == order.fail_url
    assert order.legacy_payment.sid == "abc123"


def test_form_posted_again_while_unpaid_resumes_the_same_order(client, legacy, shop):
    shop.amounts["CMD-1001"] = "12.500"
    first = client.post(URL, form())
    second = client.post(URL, form())
    assert first["Location"] == second["Location"]
    assert Order.objects.count() == 1
    assert shop.actions() == ["DETAIL"]  # the amount was confirmed once


def test_reference_already_used_for_another_amount_or_by_the_api_is_refused(client, legacy, shop):
    shop.amounts["CMD-1001"] = "12.500"
    client.post(URL, form())
    response = client.post(URL, form(Montant="13.000"))
    assert response.status_code == 400
    assert "already used" in response.content.decode()
    assert Order.objects.count() == 1
