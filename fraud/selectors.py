"""Fraud reads. Merchant-facing selectors take `merchant=` and filter by it: others' rows are a 404."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Length
from django.shortcuts import get_object_or_404
from django.utils import timezone

from fraud.ip import ip_country
from fraud.models import BIN_MAX_DIGITS, BinRange, BlacklistEntry, CountryRule, FraudCheck
from fraud.rules import rule_fires
from payments.cards import digits_only, pan_hmac
from payments.models import Merchant, Order

IMPACT_DAYS = 30


@dataclass(frozen=True)
class BinInfo:
    range_id: int
    low: str
    high: str
    brand: str
    country: str
    issuer: str
    source: str


def bin_lookup(pan: str) -> BinInfo | None:
    """The issuer facts of the longest BIN range matching the card number (or a BIN); None if none does.

    A 6-digit BIN can only match ranges of at most 6 digits: an unknown is never completed by a guess.
    """
    digits = digits_only(pan)[:BIN_MAX_DIGITS]
    if not digits:
        return None
    matches = Q()
    for width in range(1, len(digits) + 1):
        prefix = digits[:width]
        matches |= Q(width=width, low__lte=prefix, high__gte=prefix)
    found = (
        BinRange.objects.annotate(width=Length("low"))
        .filter(matches)
        .order_by("-width", "-low", "high")  # longest prefix, then the narrowest range at that length
        .first()
    )
    if found is None:
        return None
    return BinInfo(
        range_id=found.pk,
        low=found.low,
        high=found.high,
        brand=found.brand,
        country=found.country,
        issuer=found.issuer,
        source=found.source,
    )


def card_hash_key_ids() -> list[str]:
    """The current key id first, then the retired ones still configured."""
    return [settings.CARD_HASH_KEY_ID, *settings.CARD_HASH_OLD_KEYS]


def blacklist_active(*, merchant: Merchant, at: datetime | None = None) -> QuerySet[BlacklistEntry]:
    """Entries that refuse cards now: not removed and not expired."""
    at = at or timezone.now()
    return BlacklistEntry.objects.filter(merchant=merchant, removed_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=at)
    )


def blacklist_match(*, merchant: Merchant, pan: str, at: datetime | None = None) -> BlacklistEntry | None:
    """The merchant's active entry for this card, hashed under every known key (lists survive rotation)."""
    under_any_key = Q()
    for key_id in card_hash_key_ids():
        digest, _key_id = pan_hmac(pan, key_id=key_id)
        under_any_key |= Q(pan_hmac=digest, pan_hmac_key_id=key_id)
    return (
        blacklist_active(merchant=merchant, at=at).filter(under_any_key).order_by("created_at", "id").first()
    )


def blacklist_entry_for_order(*, merchant: Merchant, order: Order) -> BlacklistEntry | None:
    """The active entry for the card an order was paid with (same key only: we hold no card number)."""
    if not order.pan_hmac or order.merchant_id != merchant.pk:
        return None
    return (
        blacklist_active(merchant=merchant)
        .filter(pan_hmac=order.pan_hmac, pan_hmac_key_id=order.pan_hmac_key_id)
        .first()
    )


def blacklist_list(*, merchant: Merchant) -> QuerySet[BlacklistEntry]:
    """The merchant's entries not removed, newest first (expired ones too, shown as such)."""
    return BlacklistEntry.objects.filter(merchant=merchant, removed_at__isnull=True).select_related(
        "order", "added_by"
    )


def blacklist_entry_get(*, merchant: Merchant, entry_id: int) -> BlacklistEntry:
    return get_object_or_404(BlacklistEntry, pk=entry_id, merchant=merchant, removed_at__isnull=True)


def country_rule_for(*, merchant: Merchant) -> CountryRule | None:
    return CountryRule.objects.filter(merchant=merchant).first()


def fraud_checks_for_order(*, merchant: Merchant, order: Order) -> QuerySet[FraudCheck]:
    """The order's fraud indicators, newest first."""
    return FraudCheck.objects.filter(order=order, order__merchant=merchant)


def recent_tried_orders(*, merchant: Merchant, now: datetime | None = None) -> QuerySet[Order]:
    """Orders of the last IMPACT_DAYS that reached a payment attempt (a card or a buyer address)."""
    since = (now or timezone.now()) - timedelta(days=IMPACT_DAYS)
    return Order.objects.filter(merchant=merchant, created_at__gte=since).filter(
        Q(buyer_ip__isnull=False) | ~Q(card_bin="")
    )


def country_rule_impact(*, merchant: Merchant, rule: CountryRule, now: datetime | None = None) -> int:
    """How many of the merchant's orders of the last 30 days `rule` (saved or not) would have refused.

    Uses what orders keep: the buyer's address and the BIN, against today's iptocc data and BIN table.
    Orders are grouped by (address, BIN) so each distinct pair is looked up once.
    """
    groups = (
        recent_tried_orders(merchant=merchant, now=now)
        .values("buyer_ip", "card_bin")
        .annotate(count=Count("id"))
        .order_by()
    )
    bin_countries: dict[str, str] = {}
    refused = 0
    for group in groups:
        card_bin = group["card_bin"]
        if card_bin not in bin_countries:
            info = bin_lookup(card_bin) if card_bin else None
            bin_countries[card_bin] = info.country if info else ""
        if rule_fires(rule, ip_country=ip_country(group["buyer_ip"]), card_country=bin_countries[card_bin]):
            refused += group["count"]
    return refused
