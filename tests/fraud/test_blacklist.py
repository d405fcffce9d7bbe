from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone, translation

from fraud import selectors, services
from fraud.models import BlacklistEntry, CountryRule, Decision, Fired, RuleMode
from fraud.services import FraudRefused
from payments.cards import CardData, pan_hmac
from payments.models import OrderStatus
from tests.factories import make_merchant, make_order

pytestmark = pytest.mark.django_db

VISA = "4111111111111111"
MASTERCARD = "5555555555554444"
YEAR = date.today().year + 3


def card(pan: str = VISA) -> CardData:
    return CardData(pan=pan, expiry_month=12, expiry_year=YEAR, cvv="123")


def paid_order(merchant, pan: str = VISA):  # type: ignore[no-untyped-def]
    return make_order(merchant=merchant, status=OrderStatus.DEPOSITED, pan=pan)


@pytest.fixture
def staff():  # type: ignore[no-untyped-def]
    return get_user_model().objects.create_user("support", "support@example.tn", "x" * 16)


def test_blacklisted_card_is_refused_with_2000(staff):
    merchant = make_merchant()
    entry = services.blacklist_add(
        merchant=merchant, order=paid_order(merchant), reason="chargeback", user=staff
    )
    with translation.override("en"):
        decision = services.fraud_screen(
            order=make_order(merchant=merchant), card=card(), buyer_ip="41.226.12.34"
        )
    assert decision.refused and decision.action_code == -2000
    assert decision.message == "This card cannot be used to pay this merchant. Please use another card."
    assert entry.masked_pan == "411111**1111" and entry.added_by == staff and entry.pan_hmac_key_id == "k1"


def test_other_cards_and_other_merchants_are_not_refused(staff):
    merchant, other = make_merchant(), make_merchant()
    services.blacklist_add(merchant=merchant, order=paid_order(merchant), reason="fraud", user=staff)
    assert not services.fraud_screen(
        order=make_order(merchant=merchant), card=card(MASTERCARD), buyer_ip=""
    ).refused
    assert not services.fraud_screen(order=make_order(merchant=other), card=card(), buyer_ip="").refused


def test_expired_entries_no_longer_refuse(staff):
    merchant = make_merchant()
    entry = services.blacklist_add(
        merchant=merchant,
        order=paid_order(merchant),
        reason="for a week",
        user=staff,
        expires_at=timezone.now() + timedelta(days=7),
    )
    assert selectors.blacklist_match(merchant=merchant, pan=VISA) == entry
    later = timezone.now() + timedelta(days=8)
    assert selectors.blacklist_match(merchant=merchant, pan=VISA, at=later) is None
    assert (
        selectors.blacklist_match(merchant=merchant, pan=VISA, at=timezone.now() + timedelta(days=6)) == entry
    )


def test_a_past_expiry_is_refused(staff):
    merchant = make_merchant()
    with pytest.raises(FraudRefused):
        services.blacklist_add(
            merchant=merchant, order=paid_order(merchant), reason="x", user=staff, expires_at=timezone.now()
        )


def test_adding_twice_returns_the_live_entry_and_an_expired_one_is_replaced(staff):
    merchant = make_merchant()
    first = services.blacklist_add(merchant=merchant, order=paid_order(merchant), reason="a", user=staff)
    again = services.blacklist_add(merchant=merchant, order=paid_order(merchant), reason="b", user=staff)
    assert again.pk == first.pk
    BlacklistEntry.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(days=2), expires_at=timezone.now() - timedelta(days=1)
    )
    renewed = services.blacklist_add(merchant=merchant, order=paid_order(merchant), reason="c", user=staff)
    first.refresh_from_db()
    assert renewed.pk != first.pk and first.removed_at is not None
    assert selectors.blacklist_match(merchant=merchant, pan=VISA) == renewed


def test_orders_without_a_card_or_of_another_merchant_cannot_be_blacklisted(staff):
    merchant = make_merchant()
    with pytest.raises(FraudRefused):
        services.blacklist_add(merchant=merchant, order=make_order(merchant=merchant), reason="x", user=staff)
    with pytest.raises(FraudRefused):
        services.blacklist_add(merchant=merchant, order=paid_order(make_merchant()), reason="x", user=staff)
    assert not BlacklistEntry.objects.exists()


def test_removed_entries_stop_refusing_and_removal_is_idempotent(staff):
    merchant = make_merchant()
    entry = services.blacklist_add(merchant=merchant, order=paid_order(merchant), reason="x", user=staff)
    assert services.blacklist_remove(entry=entry, user=staff) is True
    assert services.blacklist_remove(entry=entry, user=staff) is False
    assert entry.removed_by == staff and entry.removed_at is not None
    assert not services.fraud_screen(order=make_order(merchant=merchant), card=card(), buyer_ip="").refused
    assert list(selectors.blacklist_list(merchant=merchant)) == []
    # Removed entries stay for the record, and the card can be listed again.
    assert (
        services.blacklist_add(merchant=merchant, order=paid_order(merchant), reason="y", user=staff).pk
        != entry.pk
    )


def test_the_database_holds_one_live_entry_per_card(staff):
    merchant = make_merchant()
    entry = services.blacklist_add(merchant=merchant, order=paid_order(merchant), reason="x", user=staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        BlacklistEntry.objects.create(
            merchant=merchant, pan_hmac=entry.pan_hmac, pan_hmac_key_id="k1", masked_pan="x", reason="dup"
        )


def test_entry_for_order_and_merchant_scoped_get(staff):
    merchant, other = make_merchant(), make_merchant()
    order = paid_order(merchant)
    entry = services.blacklist_add(merchant=merchant, order=order, reason="x", user=staff)
    assert selectors.blacklist_entry_for_order(merchant=merchant, order=paid_order(merchant)) == entry
    assert selectors.blacklist_entry_for_order(merchant=other, order=order) is None
    assert selectors.blacklist_entry_get(merchant=merchant, entry_id=entry.pk) == entry
    with pytest.raises(Http404):
        selectors.blacklist_entry_get(merchant=other, entry_id=entry.pk)


def test_a_list_made_under_an_old_key_still_matches_after_rotation(settings, staff):
    settings.CARD_HASH_KEY, settings.CARD_HASH_KEY_ID, settings.CARD_HASH_OLD_KEYS = "old-secret", "k0", {}
    merchant = make_merchant()
    entry = services.blacklist_add(merchant=merchant, order=paid_order(merchant), reason="x", user=staff)
    assert entry.pan_hmac_key_id == "k0"

    settings.CARD_HASH_KEY, settings.CARD_HASH_KEY_ID = "new-secret", "k1"
    settings.CARD_HASH_OLD_KEYS = {"k0": "old-secret"}
    decision = services.fraud_screen(order=make_order(merchant=merchant), card=card(), buyer_ip="")
    assert decision.refused and decision.action_code == -2000
    check = merchant.orders.latest("pk").fraud_checks.get()
    assert check.blacklist_entry == entry
    assert check.explanation["blacklist"] == {"checked_key_ids": ["k1", "k0"], "entry_id": entry.pk}

    settings.CARD_HASH_OLD_KEYS = {}  # the old key dropped: its hashes can no longer be matched
    assert not services.fraud_screen(order=make_order(merchant=merchant), card=card(), buyer_ip="").refused


def test_pan_hmac_uses_the_key_named_by_its_id(settings):
    settings.CARD_HASH_KEY, settings.CARD_HASH_KEY_ID = "new-secret", "k1"
    settings.CARD_HASH_OLD_KEYS = {"k0": "old-secret"}
    current, current_id = pan_hmac(VISA)
    old, old_id = pan_hmac(VISA, key_id="k0")
    assert (current_id, old_id) == ("k1", "k0") and current != old
    settings.CARD_HASH_KEY, settings.CARD_HASH_KEY_ID = "old-secret", "k0"
    assert pan_hmac(VISA)[0] == old
    with pytest.raises(KeyError):
        pan_hmac(VISA, key_id="k9")


def test_blacklist_is_checked_before_country_rules(staff):
    merchant = make_merchant()
    services.blacklist_add(merchant=merchant, order=paid_order(merchant), reason="x", user=staff)
    CountryRule.objects.create(merchant=merchant, ip_mode=RuleMode.BLOCK, ip_countries=["FR"])
    decision = services.fraud_screen(order=make_order(merchant=merchant), card=card(), buyer_ip="90.1.1.1")
    check = merchant.orders.latest("pk").fraud_checks.get()
    assert decision.action_code == -2000 and check.fired == Fired.BLACKLIST
    assert check.decision == Decision.REFUSED and check.ip_country == "FR"  # still recorded, for the record
