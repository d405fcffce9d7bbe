"""The hosted payment page through Django's test client: every rule of protocol section 5."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from payments.models import OperationKind, Order, OrderStatus, PaymentMethod, ReturnMethod, ThreeDSStatus
from tests.factories import make_merchant, make_order

pytestmark = pytest.mark.django_db

GOOD = {"expiry": "12/30", "cvv": "123", "cardholder_name": "Amira Ben Salah"}


def payable_order(**fields) -> Order:
    merchant = fields.pop("merchant", None) or make_merchant()
    for contract in merchant.contracts.all():
        contract.payment_methods.set(PaymentMethod.objects.all())
    return make_order(merchant=merchant, fail_url="https://shop.example.tn/fail", **fields)


def page_url(order: Order, lang: str = "fr", mobile: bool = False) -> str:
    prefix = "mobile_" if mobile else ""
    return f"/payment/merchants/{order.merchant.code}/{prefix}payment_{lang}.html?mdOrder={order.order_id}"


def pay(client: Client, order: Order, pan: str, lang: str = "fr", **fields):
    return client.post(page_url(order, lang), {"pan": pan, **GOOD, **fields})


def through_3ds(client: Client, response, otp: str = "123456"):
    """Follow the buyer to the issuer's page, type the code, and come back through the MPI."""
    assert response.status_code == 302 and "/acs/challenge/" in response["Location"]
    challenge = client.get(response["Location"])
    assert 'autocomplete="one-time-code"' in challenge.content.decode()
    posted = client.post(response["Location"], {"otp": otp})
    fields = dict(re.findall(r'name="(token|md)" value="([^"]+)"', posted.content.decode()))
    return client.post("/payment/mpi/return/", fields)


def test_page_shows_merchant_amount_and_card_fields_with_autocomplete(client):
    order = payable_order(amount=10_500, description="Deux cafés")
    html = client.get(page_url(order)).content.decode()
    assert order.merchant.name in html and "Deux cafés" in html
    assert "10,500\xa0DT" in html
    for attribute in ("cc-number", "cc-exp", "cc-csc", "cc-name"):
        assert f'autocomplete="{attribute}"' in html
    assert f"payment_ar.html?mdOrder={order.order_id}" in html  # the language switch keeps the order


@pytest.mark.parametrize(
    ("lang", "amount", "direction"),
    [("fr", "10,500\xa0DT", "ltr"), ("en", "10.500\xa0TND", "ltr"), ("ar", "١٠٫٥٠٠\xa0د.ت", "rtl")],
)
def test_amount_is_formatted_for_the_language_and_arabic_is_right_to_left(client, lang, amount, direction):
    order = payable_order(amount=10_500)
    html = client.get(page_url(order, lang)).content.decode()
    assert amount in html
    assert f'dir="{direction}"' in html


def test_euro_amounts_have_two_decimals(client):
    order = payable_order(amount=1_050, currency_code="EUR")
    assert "10.50\xa0EUR" in client.get(page_url(order, "en")).content.decode()


def test_unknown_order_or_another_merchants_code_is_404(client):
    order = payable_order()
    other = make_merchant()
    assert (
        client.get(f"/payment/merchants/{order.merchant.code}/payment_fr.html?mdOrder=nope").status_code
        == 404
    )
    assert client.get(page_url(order).replace(order.merchant.code, other.code)).status_code == 404


def test_malformed_card_is_corrected_on_the_form_and_is_not_an_attempt(client):
    order = payable_order()
    response = pay(client, order, "4111111111111112", lang="en", cvv="987")
    html = response.content.decode()
    assert response.status_code == 422
    assert "This card number is not valid" in html
    assert 'value="12/30"' in html and 'value="Amira Ben Salah"' in html  # what the buyer typed stays
    cvv_input = re.search(r'<input type="password" name="cvv"[^>]*>', html).group(0)
    assert "value=" not in cvv_input  # except the CVV (random tokens on the page may hold any digits)
    order.refresh_from_db()
    assert (order.status, order.attempts, order.action_code) == (OrderStatus.REGISTERED, 0, -100)


def test_a_good_number_is_kept_masked_never_echoed_when_another_field_is_wrong(client):
    order = payable_order()
    response = pay(client, order, "4111 1111 1111 1111", lang="en", cvv="12")
    html = response.content.decode()
    assert "4111111111111111" not in html and "4111 1111 1111 1111" not in html
    assert "411111**1111" in html
    kept = re.search(r'name="kept" value="([^"]+)"', html).group(1)
    response = client.post(page_url(order, "en"), {"pan": "", "kept": kept, **GOOD})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.DEPOSITED and order.masked_pan == "411111**1111"


def test_card_type_not_allowed_by_the_contract_is_refused_on_the_form(client):
    order = payable_order()
    order.terminal.contract.payment_methods.set(PaymentMethod.objects.filter(code="visa"))
    response = pay(client, order, "5555555555554444", lang="en")
    assert "not accepted by the merchant" in response.content.decode()


def test_expired_card_date_is_refused_on_the_form(client):
    order = payable_order()
    response = pay(client, order, "4111111111111111", lang="en", expiry="01/20")
    assert "This card has expired" in response.content.decode()


def test_approved_card_without_3ds_enrolment_pays_the_order(client):
    order = payable_order()
    response = pay(client, order, "4111111111111111")
    assert response["Location"] == f"/payment/result/{order.order_id}/?lang=fr"
    order.refresh_from_db()
    assert order.status == OrderStatus.DEPOSITED
    assert order.deposited_amount == order.approved_amount == order.amount
    assert order.three_ds_status == ThreeDSStatus.NOT_ENROLLED and order.eci == ""
    html = client.get(response["Location"]).content.decode()
    assert "411111**1111" in html and order.approval_code in html


def test_two_phase_order_ends_the_page_held(client):
    order = payable_order(two_phase=True)
    pay(client, order, "5555555555554444")
    order.refresh_from_db()
    assert (order.status, order.approved_amount, order.deposited_amount) == (
        OrderStatus.APPROVED,
        order.amount,
        0,
    )


def test_declined_attempt_shows_the_reason_and_allows_another_try(client):
    order = payable_order()
    response = pay(client, order, "4000000000009995", lang="en")
    assert "Insufficient funds" in response.content.decode()
    order.refresh_from_db()
    assert (order.status, order.action_code, order.attempts) == (OrderStatus.REGISTERED, 116, 1)
    pay(client, order, "4111111111111111")
    order.refresh_from_db()
    assert order.status == OrderStatus.DEPOSITED


def test_third_declined_attempt_declines_the_order_and_a_further_one_shows_attempts_exhausted(client):
    order = payable_order()
    for _attempt in range(3):
        response = pay(client, order, "4000000000000002", lang="en")
    order.refresh_from_db()
    assert (order.status, order.action_code, order.attempts) == (OrderStatus.DECLINED, 5, 3)
    response = pay(client, order, "4111111111111111", lang="en")
    html = client.get(response["Location"]).content.decode()
    assert "Payment attempts exhausted" in html
    order.refresh_from_db()
    assert order.status == OrderStatus.DECLINED and order.attempts == 3


def test_3ds_enrolled_card_goes_to_the_issuer_then_pays_with_the_right_code(client):
    order = payable_order()
    response = pay(client, order, "5200000000001096", lang="ar")
    order.refresh_from_db()
    assert order.status == OrderStatus.AUTHENTICATING
    back = through_3ds(client, response)
    assert back["Location"] == f"/payment/result/{order.order_id}/?lang=ar"
    order.refresh_from_db()
    assert (order.status, order.eci, order.three_ds_status) == (
        OrderStatus.DEPOSITED,
        "02",
        ThreeDSStatus.AUTHENTICATED,
    )
    assert order.cavv and order.xid
    kinds = list(order.operations.values_list("kind", "success"))
    assert kinds == [  # the factory wrote no registration
        (OperationKind.AUTHENTICATE, True),
        (OperationKind.AUTHORIZE, True),
    ]


def test_visa_3ds_gives_eci_05(client):
    order = payable_order()
    through_3ds(client, pay(client, order, "4970100000000006"))
    order.refresh_from_db()
    assert order.eci == "05"


def test_wrong_one_time_code_is_a_declined_attempt_with_2006(client):
    order = payable_order()
    back = through_3ds(client, pay(client, order, "4970100000000006", lang="en"), otp="000000")
    assert back.status_code == 200 and "3-D Secure authentication failed" in back.content.decode()
    order.refresh_from_db()
    assert (order.status, order.action_code, order.attempts) == (OrderStatus.REGISTERED, -2006, 1)
    assert order.three_ds_status == ThreeDSStatus.FAILED


def test_contract_without_3ds_authorizes_an_enrolled_card_directly(client):
    order = payable_order()
    order.terminal.contract.three_ds_enabled = False
    order.terminal.contract.save()
    response = pay(client, order, "5200000000001096")
    assert "/acs/" not in response["Location"]
    order.refresh_from_db()
    assert order.status == OrderStatus.DEPOSITED and order.three_ds_status == ThreeDSStatus.NOT_APPLICABLE


def test_mpi_return_with_a_forged_token_is_a_failed_authentication(client):
    order = payable_order()
    pay(client, order, "5200000000001096")
    client.post("/payment/mpi/return/", {"md": str(order.order_id), "token": "forged"})
    order.refresh_from_db()
    assert (order.status, order.action_code) == (OrderStatus.REGISTERED, -2006)


def test_expired_order_shows_a_clear_page_and_returns_to_the_fail_url(client):
    order = payable_order(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(page_url(order, "en"))
    order.refresh_from_db()
    assert (order.status, order.action_code) == (OrderStatus.DECLINED, -2007)
    html = client.get(response["Location"]).content.decode()
    assert "Payment session expired" in html
    back = client.post(f"/payment/back/{order.order_id}/", {"lang": "en"})
    assert back["Location"] == f"https://shop.example.tn/fail?orderId={order.order_id}&lang=en"


def test_paid_order_cannot_be_paid_again(client):
    order = payable_order(status=OrderStatus.DEPOSITED)
    response = pay(client, order, "4111111111111111")
    assert response["Location"].startswith(f"/payment/result/{order.order_id}/")
    assert order.operations.count() == 0


@pytest.mark.parametrize("status", [OrderStatus.REVERSED, OrderStatus.DECLINED])
def test_reversed_or_declined_order_cannot_be_paid(client, status):
    order = payable_order(status=status)
    pay(client, order, "4111111111111111")
    order.refresh_from_db()
    assert order.status == status and order.masked_pan in ("", "411111**1111")
    assert not order.operations.filter(kind=OperationKind.AUTHORIZE).exists()


def test_back_to_shop_from_an_unpaid_order_declines_it_and_goes_to_the_fail_url(client):
    order = payable_order(return_url="https://shop.example.tn/return?cart=7")
    back = client.post(f"/payment/back/{order.order_id}/", {"lang": "ar"})
    assert back["Location"] == f"https://shop.example.tn/fail?orderId={order.order_id}&lang=ar"
    order.refresh_from_db()
    assert (order.status, order.action_code) == (OrderStatus.DECLINED, -100)


def test_return_after_payment_goes_to_the_return_url_with_order_id_and_lang(client):
    order = payable_order(return_url="https://shop.example.tn/return?cart=7")
    pay(client, order, "4111111111111111", lang="en")
    back = client.post(f"/payment/back/{order.order_id}/", {"lang": "en"})
    query = parse_qs(urlsplit(back["Location"]).query)
    assert back["Location"].startswith("https://shop.example.tn/return?")
    assert query == {"cart": ["7"], "orderId": [str(order.order_id)], "lang": ["en"]}


def test_merchant_returning_by_post_gets_an_auto_submitted_form(client):
    merchant = make_merchant(return_method=ReturnMethod.POST)
    order = payable_order(merchant=merchant)
    pay(client, order, "4111111111111111")
    html = client.post(f"/payment/back/{order.order_id}/", {"lang": "fr"}).content.decode()
    assert 'action="https://shop.example.tn/return"' in html and 'method="post"' in html
    assert f'name="orderId" value="{order.order_id}"' in html and 'name="lang" value="fr"' in html


def test_immediate_return_skips_the_ticket(client):
    merchant = make_merchant(immediate_return=True)
    order = payable_order(merchant=merchant)
    response = pay(client, order, "4111111111111111", lang="en")
    assert response["Location"] == f"https://shop.example.tn/return?orderId={order.order_id}&lang=en"


def test_mobile_page_is_served_too(client):
    order = payable_order()
    response = client.get(page_url(order, "fr", mobile=True))
    assert response.status_code == 200 and 'class="mobile"' in response.content.decode()


def test_card_form_requires_the_csrf_token():
    order = payable_order()
    response = Client(enforce_csrf_checks=True).post(page_url(order), {"pan": "4111111111111111", **GOOD})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.REGISTERED


# Fraud rules on the payment page (issue 5): refused before the acquirer, declined with the protocol's code.


def test_blacklisted_card_is_refused_with_2000_and_a_clear_message(client):
    from fraud import services as fraud_services

    paid = payable_order(status=OrderStatus.DEPOSITED, pan="4111111111111111")
    fraud_services.blacklist_add(merchant=paid.merchant, order=paid, reason="chargeback", user=None)
    order = payable_order(merchant=paid.merchant)
    response = pay(client, order, "4111111111111111", lang="en")
    assert response.status_code == 200
    assert "This card cannot be used to pay this merchant" in response.content.decode()
    order.refresh_from_db()
    assert (order.status, order.action_code, order.masked_pan) == (
        OrderStatus.DECLINED,
        -2000,
        "411111**1111",
    )
    assert not order.operations.filter(kind=OperationKind.AUTHORIZE).exists()
    from fraud.models import FraudCheck

    check = FraudCheck.objects.get(order=order)
    assert (check.action_code, check.fired) == (-2000, "blacklist")


def test_ip_country_rule_refuses_a_french_buyer_behind_a_trusted_proxy_with_2001(client, settings):
    from fraud.models import CountryRule, RuleMode

    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    order = payable_order()
    CountryRule.objects.create(merchant=order.merchant, ip_mode=RuleMode.BLOCK, ip_countries=["FR"])
    response = client.post(
        page_url(order, "en"),
        {"pan": "4111111111111111", **GOOD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="90.1.1.1",
    )
    assert "does not accept payments from your location" in response.content.decode()
    order.refresh_from_db()
    assert (order.status, order.action_code, order.buyer_ip) == (OrderStatus.DECLINED, -2001, "90.1.1.1")


def test_spoofed_forwarded_header_from_an_untrusted_address_is_ignored(client, settings):
    from fraud.models import CountryRule, RuleMode

    settings.TRUSTED_PROXIES = []
    order = payable_order()
    CountryRule.objects.create(merchant=order.merchant, ip_mode=RuleMode.BLOCK, ip_countries=["TN"])
    client.post(
        page_url(order),
        {"pan": "4111111111111111", **GOOD},
        REMOTE_ADDR="90.1.1.1",
        HTTP_X_FORWARDED_FOR="41.226.12.34",
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.DEPOSITED


def test_card_country_rule_refuses_with_4005_and_the_country_is_kept(client):
    from fraud.demo import seed_bin_ranges
    from fraud.models import CountryRule, RuleMode

    seed_bin_ranges()
    order = payable_order()
    CountryRule.objects.create(merchant=order.merchant, card_mode=RuleMode.BLOCK, card_countries=["US"])
    pay(client, order, "4111111111111111")
    order.refresh_from_db()
    assert (order.status, order.action_code, order.card_country) == (OrderStatus.DECLINED, 4005, "US")
    other = payable_order(merchant=order.merchant)
    pay(client, other, "5555555555554444")
    other.refresh_from_db()
    assert (other.status, other.card_country) == (OrderStatus.DEPOSITED, "TN")
