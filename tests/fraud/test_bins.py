import pytest
from django.db import DataError, IntegrityError, transaction

from fraud.demo import TEST_CARD_BINS, seed_bin_ranges
from fraud.models import BinRange
from fraud.selectors import bin_lookup
from payments.demo import demo_seed

pytestmark = pytest.mark.django_db


def test_longest_prefix_wins():
    BinRange.objects.create(low="4", high="4", brand="VISA", country="")
    BinRange.objects.create(low="4111", high="4199", brand="VISA", country="GB", issuer="Wide")
    BinRange.objects.create(low="41111111", high="41111111", brand="VISA", country="TN", issuer="Narrow")
    assert bin_lookup("4111111111111111").country == "TN"
    assert bin_lookup("4111112222222222").country == "GB"
    assert bin_lookup("4999999999999999").country == ""
    assert bin_lookup("5555555555554444") is None


def test_a_six_digit_bin_never_matches_a_longer_range():
    BinRange.objects.create(low="41111111", high="41111111", country="TN")
    assert bin_lookup("411111") is None


def test_ranges_compare_as_numbers_of_the_same_length():
    BinRange.objects.create(low="510000", high="519999", brand="MASTERCARD", country="TN")
    assert bin_lookup("5123456789012346").country == "TN"
    assert bin_lookup("5200000000001096") is None
    assert bin_lookup("") is None


@pytest.mark.parametrize(
    ("low", "high", "country"),
    [("5", "4", ""), ("4111", "41111", ""), ("411111111", "411111111", ""), ("4", "4", "T")],
)
def test_the_database_refuses_malformed_ranges(low, high, country):
    # PostgreSQL stops a 9-digit prefix at the column width (DataError), SQLite at the check constraint.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        BinRange.objects.create(low=low, high=high, country=country)


def test_seed_gives_the_test_cards_their_countries_and_is_safe_twice():
    assert seed_bin_ranges() == len(TEST_CARD_BINS)
    assert seed_bin_ranges() == 0
    expected = {
        "4111111111111111": "US",
        "5555555555554444": "TN",
        "4970100000000006": "FR",
        "5200000000001096": "TN",
        "4000000000000002": "US",
        "4000000000009995": "US",
        "4000000000000069": "US",
        "4000000000000119": "US",
    }
    assert {pan: bin_lookup(pan).country for pan in expected} == expected
    assert BinRange.objects.count() == len(TEST_CARD_BINS)


def test_demo_seed_fills_the_bin_table():
    demo_seed(order_count=5)
    demo_seed(order_count=5)
    assert BinRange.objects.count() == len(TEST_CARD_BINS)
    assert bin_lookup("4970100000000006").country == "FR"
