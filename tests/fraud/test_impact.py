from datetime import timedelta

import pytest
from django.utils import timezone

from fraud.demo import seed_bin_ranges
from fraud.models import CountryRule, RuleMode, UnknownCountry
from fraud.selectors import country_rule_impact, recent_tried_orders
from payments.models import OrderStatus
from tests.factories import make_merchant, make_order

pytestmark = pytest.mark.django_db

TN_IP, FR_IP, US_IP = "41.226.12.34", "90.1.1.1", "8.8.8.8"


@pytest.fixture
def merchant():  # type: ignore[no-untyped-def]
    seed_bin_ranges()
    merchant = make_merchant()
    paid = OrderStatus.DEPOSITED
    make_order(merchant=merchant, status=paid, buyer_ip=FR_IP, pan="5555555555554444")  # FR ip, TN card
    make_order(merchant=merchant, status=paid, buyer_ip=FR_IP, pan="5555555555554444")
    make_order(merchant=merchant, status=paid, buyer_ip=TN_IP, pan="4970100000000006")  # TN ip, FR card
    make_order(merchant=merchant, status=paid, buyer_ip=US_IP, pan="4111111111111111")  # US ip, US card
    make_order(merchant=merchant, status=paid, buyer_ip="10.0.0.1", pan="5105105105105100")  # unknown both
    make_order(merchant=merchant)  # never tried: not counted
    old = make_order(merchant=merchant, status=paid, buyer_ip=FR_IP, pan="5555555555554444")
    old.created_at = timezone.now() - timedelta(days=31)
    old.save()
    other = make_merchant()
    make_order(merchant=other, status=paid, buyer_ip=FR_IP, pan="5555555555554444")
    return merchant


@pytest.mark.parametrize(
    ("rule", "refused"),
    [
        ({}, 0),
        ({"ip_mode": RuleMode.BLOCK, "ip_countries": ["FR"]}, 2),
        ({"ip_mode": RuleMode.ALLOW_ONLY, "ip_countries": ["TN"]}, 3),
        ({"ip_mode": RuleMode.ALLOW_ONLY, "ip_countries": ["TN"], "ip_unknown": UnknownCountry.ALLOW}, 3),
        ({"ip_mode": RuleMode.BLOCK, "ip_countries": ["FR"], "ip_unknown": UnknownCountry.REFUSE}, 3),
        ({"card_mode": RuleMode.BLOCK, "card_countries": ["US", "FR"]}, 2),
        (
            {
                "card_mode": RuleMode.ALLOW_ONLY,
                "card_countries": ["TN"],
                "card_unknown": UnknownCountry.REFUSE,
            },
            3,
        ),
        (
            {
                "ip_mode": RuleMode.BLOCK,
                "ip_countries": ["FR"],
                "card_mode": RuleMode.BLOCK,
                "card_countries": ["US"],
            },
            3,
        ),
    ],
)
def test_impact_counts_the_recent_orders_the_rule_would_have_refused(merchant, rule, refused):
    # An unsaved rule: the admin previews it before saving.
    assert country_rule_impact(merchant=merchant, rule=CountryRule(merchant=merchant, **rule)) == refused


def test_only_recent_tried_orders_of_the_merchant_count(merchant):
    assert recent_tried_orders(merchant=merchant).count() == 5


def test_impact_looks_each_bin_up_once(merchant, django_assert_max_num_queries):
    rule = CountryRule(merchant=merchant, card_mode=RuleMode.BLOCK, card_countries=["US"])
    with django_assert_max_num_queries(5):  # 1 grouped read + 4 distinct BINs
        assert country_rule_impact(merchant=merchant, rule=rule) == 1
