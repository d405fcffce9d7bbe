from datetime import date

import pytest
from django.utils import translation

from fraud import services
from fraud.demo import seed_bin_ranges
from fraud.ip import iptocc_version
from fraud.models import CountryRule, Decision, Fired, FraudCheck, RuleMode, UnknownCountry
from payments.cards import CardData
from payments.models import OrderStatus
from payments.services import orders
from payments.services.common import BUYER
from tests.factories import make_merchant, make_order

pytestmark = pytest.mark.django_db

TN_IP, FR_IP, US_IP, PRIVATE_IP = "41.226.12.34", "90.1.1.1", "8.8.8.8", "192.168.1.20"
US_CARD, TN_CARD, FR_CARD, TN_CARD_3DS, US_DECLINE = (
    "4111111111111111",
    "5555555555554444",
    "4970100000000006",
    "5200000000001096",
    "4000000000000002",
)
UNKNOWN_CARD = "5105105105105100"  # Luhn-valid Mastercard outside the demo BIN table
YEAR = date.today().year + 3


@pytest.fixture(autouse=True)
def _bins():  # type: ignore[no-untyped-def]
    seed_bin_ranges()


def screen(merchant, *, ip: str | None = TN_IP, pan: str = TN_CARD):  # type: ignore[no-untyped-def]
    order = make_order(merchant=merchant)
    card = CardData(pan=pan, expiry_month=12, expiry_year=YEAR, cvv="123")
    return services.fraud_screen(order=order, card=card, buyer_ip=ip)


def merchant_with(**rule):  # type: ignore[no-untyped-def]
    merchant = make_merchant()
    CountryRule.objects.create(merchant=merchant, **rule)
    return merchant


def test_no_rule_passes_everyone_and_still_records_the_check():
    merchant = make_merchant()
    decision = screen(merchant, ip=US_IP, pan=US_CARD)
    assert not decision.refused and decision.action_code is None and decision.message == ""
    check = FraudCheck.objects.get(pk=decision.check_id)
    assert check.decision == Decision.PASSED and check.fired == ""
    assert (check.ip_country, check.card_country) == ("US", "US")


@pytest.mark.parametrize(
    ("ip", "refused"), [(FR_IP, True), (TN_IP, False), (US_IP, False), (f"::ffff:{FR_IP}", True)]
)
def test_ip_block_list(ip, refused):
    merchant = merchant_with(ip_mode=RuleMode.BLOCK, ip_countries=["FR"])
    decision = screen(merchant, ip=ip)
    assert decision.refused is refused
    assert decision.action_code == (-2001 if refused else None)


@pytest.mark.parametrize(("ip", "refused"), [(TN_IP, False), (FR_IP, True), (US_IP, True)])
def test_ip_allow_only(ip, refused):
    merchant = merchant_with(ip_mode=RuleMode.ALLOW_ONLY, ip_countries=["TN"])
    assert screen(merchant, ip=ip).refused is refused


@pytest.mark.parametrize(
    ("pan", "refused"),
    [(US_CARD, True), (US_DECLINE, True), (TN_CARD, False), (TN_CARD_3DS, False), (FR_CARD, False)],
)
def test_card_block_list_with_the_test_cards(pan, refused):
    merchant = merchant_with(card_mode=RuleMode.BLOCK, card_countries=["US"])
    decision = screen(merchant, pan=pan)
    assert decision.refused is refused
    assert decision.action_code == (4005 if refused else None)


@pytest.mark.parametrize(
    ("pan", "refused"), [(TN_CARD, False), (TN_CARD_3DS, False), (FR_CARD, True), (US_CARD, True)]
)
def test_card_allow_only_with_the_test_cards(pan, refused):
    merchant = merchant_with(card_mode=RuleMode.ALLOW_ONLY, card_countries=["TN"])
    assert screen(merchant, pan=pan).refused is refused


@pytest.mark.parametrize(
    ("unknown", "ip", "refused"),
    [
        (UnknownCountry.ALLOW, PRIVATE_IP, False),
        (UnknownCountry.REFUSE, PRIVATE_IP, True),
        (UnknownCountry.REFUSE, "127.0.0.1", True),
        (UnknownCountry.REFUSE, "", True),
        (UnknownCountry.REFUSE, TN_IP, False),
    ],
)
def test_unknown_ip_country_follows_the_rule(unknown, ip, refused):
    merchant = merchant_with(ip_mode=RuleMode.BLOCK, ip_countries=["FR"], ip_unknown=unknown)
    decision = screen(merchant, ip=ip)
    assert decision.refused is refused
    if refused:
        assert FraudCheck.objects.get(pk=decision.check_id).ip_country == ""


@pytest.mark.parametrize(
    ("unknown", "refused"), [(UnknownCountry.ALLOW, False), (UnknownCountry.REFUSE, True)]
)
def test_unknown_card_country_follows_the_rule(unknown, refused):
    merchant = merchant_with(card_mode=RuleMode.ALLOW_ONLY, card_countries=["TN"], card_unknown=unknown)
    decision = screen(merchant, pan=UNKNOWN_CARD)
    assert decision.refused is refused
    if refused:
        assert decision.message == "This merchant does not accept this card. Please use another card."


def test_unknown_is_ignored_when_the_rule_is_off():
    merchant = merchant_with(ip_unknown=UnknownCountry.REFUSE, card_unknown=UnknownCountry.REFUSE)
    assert not screen(merchant, ip=PRIVATE_IP, pan=UNKNOWN_CARD).refused


def test_ip_rule_fires_before_the_card_rule():
    merchant = merchant_with(
        ip_mode=RuleMode.BLOCK, ip_countries=["FR"], card_mode=RuleMode.BLOCK, card_countries=["FR"]
    )
    decision = screen(merchant, ip=FR_IP, pan=FR_CARD)
    assert decision.action_code == -2001
    assert FraudCheck.objects.get(pk=decision.check_id).fired == Fired.IP_COUNTRY


def test_the_check_explains_what_was_checked_and_what_fired():
    merchant = merchant_with(ip_mode=RuleMode.BLOCK, ip_countries=["FR"], ip_unknown=UnknownCountry.REFUSE)
    rule = merchant.country_rule
    decision = screen(merchant, ip=FR_IP, pan=US_CARD)
    check = FraudCheck.objects.get(pk=decision.check_id)
    assert (check.country_rule, check.ip_address, check.action_code) == (rule, FR_IP, -2001)
    explanation = check.explanation
    assert explanation["fired"] == "ip_country"
    assert explanation["ip"] == {
        "address": FR_IP,
        "country": "FR",
        "note": "",
        "iptocc_version": iptocc_version(),
    }
    assert explanation["card"]["bin"] == "411111" and explanation["card"]["country"] == "US"
    assert explanation["card"]["brand"] == "VISA" and explanation["card"]["bin_range"]["low"] == "411111"
    assert explanation["rule"]["id"] == rule.pk and explanation["rule"]["ip_countries"] == ["FR"]
    assert explanation["rule"]["ip_unknown"] == "refuse"
    assert explanation["blacklist"]["entry_id"] is None
    assert (decision.ip_country, decision.card_country, decision.card_issuer) == (
        "FR",
        "US",
        "Simulator Bank US",
    )


def test_private_address_is_explained_as_such():
    decision = screen(make_merchant(), ip=PRIVATE_IP)
    assert FraudCheck.objects.get(pk=decision.check_id).explanation["ip"]["note"] == "private"
    decision = screen(make_merchant(), ip="")
    assert FraudCheck.objects.get(pk=decision.check_id).explanation["ip"]["note"] == "missing"


def test_refusal_messages_are_translated_sentences():
    merchant = merchant_with(card_mode=RuleMode.BLOCK, card_countries=["US"])
    with translation.override("en"):
        message = screen(merchant, pan=US_CARD).message
    assert message == "This merchant does not accept cards issued in this country. Please use another card."
    assert message.endswith(".")


def test_the_caller_declines_the_order_with_the_action_code():
    merchant = merchant_with(ip_mode=RuleMode.BLOCK, ip_countries=["FR"])
    order = make_order(merchant=merchant)
    card = CardData(pan=TN_CARD, expiry_month=12, expiry_year=YEAR, cvv="123")
    decision = services.fraud_screen(order=order, card=card, buyer_ip=FR_IP)
    order.refresh_from_db()
    assert order.status == OrderStatus.REGISTERED  # screening itself never declines
    orders.order_decline(order_pk=order.pk, action_code=decision.action_code, actor=BUYER, detail="fraud")
    order.refresh_from_db()
    assert (order.status, order.action_code) == (OrderStatus.DECLINED, -2001)
    assert order.fraud_checks.get().pk == decision.check_id


def test_moto_has_no_buyer_address_so_only_the_card_rules_apply():
    merchant = merchant_with(
        ip_mode=RuleMode.ALLOW_ONLY,
        ip_countries=["TN"],
        ip_unknown=UnknownCountry.REFUSE,
        card_mode=RuleMode.BLOCK,
        card_countries=["US"],
    )
    assert not screen(merchant, ip=None, pan=TN_CARD).refused  # an unknown IP would have been refused
    refused = screen(merchant, ip=None, pan=US_CARD)
    assert (refused.refused, refused.action_code) == (True, 4005)
    check = FraudCheck.objects.get(pk=refused.check_id)
    assert check.explanation["ip"]["note"] == "not applicable"
