"""Fraud writes: the blacklist, country rules, the BIN table and the screening of a payment attempt."""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fraud.ip import UNKNOWN, IPAddress, ip_country, ip_note, iptocc_version, parse_ip
from fraud.models import BinRange, BlacklistEntry, CountryRule, Decision, Fired, FraudCheck
from fraud.rules import ACTION_CODES, rule_fires, rule_snapshot
from fraud.selectors import BinInfo, bin_lookup, blacklist_match, card_hash_key_ids, country_rule_for
from payments.cards import CardData, digits_only
from payments.models import Merchant, Order

logger = logging.getLogger(__name__)

User = AbstractBaseUser


class FraudRefused(Exception):
    """A fraud write that cannot be done; `message` is translated, for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FraudDecision:
    """What the caller needs: refuse or go on to the acquirer, with the buyer's message and the facts."""

    refused: bool
    action_code: int | None  # None when the payment may go on
    message: str  # translated whole sentence for the buyer; "" when not refused
    check_id: int
    ip_country: str  # "" when unknown; the caller may store these on the order
    card_country: str
    card_issuer: str


def blacklist_add(
    *,
    merchant: Merchant,
    order: Order,
    reason: str,
    user: User | None,
    expires_at: datetime | None = None,
) -> BlacklistEntry:
    """Blacklist the card an order was paid with, from the order's stored hash (no card number needed).

    Raises FraudRefused when the order is another merchant's, has no card, or the expiry is past.
    Idempotent: a card already listed (active) gives back the existing entry unchanged; an expired one
    is retired and replaced.
    """
    if order.merchant_id != merchant.pk or not order.pan_hmac:
        raise FraudRefused(_("This order has no card that could be blacklisted."))
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise FraudRefused(_("The expiry date of a blacklist entry must be in the future."))
    with transaction.atomic():
        live = (
            BlacklistEntry.objects.select_for_update()
            .filter(merchant=merchant, pan_hmac_key_id=order.pan_hmac_key_id, pan_hmac=order.pan_hmac)
            .filter(removed_at__isnull=True)
            .first()
        )
        if live and live.is_active_at(now):
            return live
        if live:  # expired: retire it so the unique live entry can be the new one
            BlacklistEntry.objects.filter(pk=live.pk).update(removed_at=now, removed_by=user)
        entry = BlacklistEntry.objects.create(
            merchant=merchant,
            pan_hmac=order.pan_hmac,
            pan_hmac_key_id=order.pan_hmac_key_id,
            masked_pan=order.masked_pan,
            reason=reason[:255],
            order=order,
            added_by=user,
            created_at=now,
            expires_at=expires_at,
        )
    logger.info("card %s blacklisted for merchant %s (entry %s)", entry.masked_pan, merchant.code, entry.pk)
    return entry


def blacklist_remove(*, entry: BlacklistEntry, user: User | None) -> bool:
    """Take a card off the blacklist; the entry is kept, marked removed. Idempotent: True if removed now."""
    removed = BlacklistEntry.objects.filter(pk=entry.pk, removed_at__isnull=True).update(
        removed_at=timezone.now(), removed_by=user
    )
    entry.refresh_from_db(fields=["removed_at", "removed_by"])
    return removed == 1


def country_rule_save(*, rule: CountryRule, user: User | None) -> CountryRule:
    """Save a merchant's country rule (built and validated by the caller's form), noting who set it."""
    rule.ip_countries = sorted({code.upper() for code in rule.ip_countries})
    rule.card_countries = sorted({code.upper() for code in rule.card_countries})
    rule.set_by = user
    rule.save()
    logger.info("country rule of merchant %s set: %s", rule.merchant_id, rule_snapshot(rule))
    return rule


def bin_range_save(*, bin_range: BinRange, user: User | None) -> BinRange:
    bin_range.updated_by = user
    bin_range.save()
    return bin_range


def bin_ranges_import(*, rows: list[dict[str, str]], user: User | None, source: str) -> tuple[int, int]:
    """Create or replace BIN ranges (keyed by low and high) from validated rows, all in one transaction.

    Returns (created, updated). Idempotent: importing the same file twice changes nothing more.
    """
    bounds = {(row["low"], row["high"]) for row in rows}
    with transaction.atomic():
        # The table is small (thousands of rows): one read beats an IN list past SQLite's variable limit.
        existing = len(bounds & set(BinRange.objects.values_list("low", "high")))
        BinRange.objects.bulk_create(
            [BinRange(**row, source=source[:128], updated_by=user) for row in rows],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["low", "high"],
            update_fields=["brand", "country", "issuer", "source", "updated_by", "updated_at"],
        )
    logger.info("BIN table import from %s: %s rows", source, len(rows))
    return len(bounds) - existing, existing


def fraud_screen(*, order: Order, card: CardData, buyer_ip: str | None) -> FraudDecision:
    """Screen a payment attempt before authorization: blacklist -2000, IP country -2001, card country 4005.

    `buyer_ip` None means no buyer online (MOTO): the operator's address says nothing of the buyer, so
    the IP-country rule does not apply; the blacklist and the card-country rule do.

    Records one FraudCheck with the full explanation either way. It does not decline the order: a
    refused caller calls payments.services.orders.order_decline with `action_code`. Raises nothing for
    bad input (an unreadable address is an unknown country). Not idempotent: each call is one record.
    """
    merchant = order.merchant
    address = parse_ip(buyer_ip) if buyer_ip is not None else None
    info = bin_lookup(card.pan)
    facts = _facts(card, buyer_ip, address, info)
    entry = blacklist_match(merchant=merchant, pan=card.pan)
    rule = country_rule_for(merchant=merchant)
    fired = (
        Fired.BLACKLIST
        if entry
        else rule_fires(
            rule,
            ip_country=facts["ip"]["country"] if buyer_ip is not None else None,
            card_country=facts["card"]["country"],
        )
    )
    facts["blacklist"] = {"checked_key_ids": card_hash_key_ids(), "entry_id": entry.pk if entry else None}
    facts["rule"] = rule_snapshot(rule)
    facts["fired"] = str(fired)
    check = FraudCheck.objects.create(
        order=order,
        decision=Decision.REFUSED if fired else Decision.PASSED,
        action_code=ACTION_CODES.get(fired),
        fired=fired,
        ip_address=str(address) if address else None,
        ip_country=facts["ip"]["country"],
        card_country=facts["card"]["country"],
        blacklist_entry=entry,
        country_rule=rule,
        explanation=facts,
    )
    if fired:
        logger.info("order %s refused by fraud check %s: %s", order.order_id, check.pk, fired)
    return FraudDecision(
        refused=bool(fired),
        action_code=check.action_code,
        message=refusal_message(fired, card_country=check.card_country),
        check_id=check.pk,
        ip_country=check.ip_country,
        card_country=check.card_country,
        card_issuer=info.issuer if info else "",
    )


def _facts(
    card: CardData, buyer_ip: str | None, address: IPAddress | None, info: BinInfo | None
) -> dict[str, Any]:
    # Only the BIN and masked facts: the explanation must never carry the card number.
    # None: no buyer online (MOTO), so no address to judge
    note = "not applicable" if buyer_ip is None else ip_note(address) if buyer_ip.strip() else "missing"
    return {
        "ip": {
            "address": str(address) if address else None,
            "country": ip_country(str(address)) if address else UNKNOWN,
            "note": note,
            "iptocc_version": iptocc_version(),
        },
        "card": {
            "bin": digits_only(card.pan)[:6],
            "country": info.country if info else UNKNOWN,
            "brand": info.brand if info else "",
            "issuer": info.issuer if info else "",
            "bin_range": {"id": info.range_id, "low": info.low, "high": info.high, "source": info.source}
            if info
            else None,
        },
    }


def refusal_message(fired: str, *, card_country: str = "") -> str:
    """The buyer's message for a refusal; vague on purpose about lists, precise about what to do."""
    if fired == Fired.BLACKLIST:
        return _("This card cannot be used to pay this merchant. Please use another card.")
    if fired == Fired.IP_COUNTRY:
        return _("This merchant does not accept payments from your location.")
    if fired == Fired.CARD_COUNTRY and card_country:
        return _("This merchant does not accept cards issued in this country. Please use another card.")
    if fired == Fired.CARD_COUNTRY:
        return _("This merchant does not accept this card. Please use another card.")
    return ""
