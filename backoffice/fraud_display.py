"""How fraud facts read in the back-office: a blacklist entry's state, and a fraud check explained.

A FraudCheck keeps its facts as JSON (fraud.services._facts and fraud.rules.rule_snapshot). This module
turns them into translated lines, so the order page never shows raw JSON and old checks stay readable
after the rule or the list has changed. Missing keys are tolerated: older or hand-made checks have less.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fraud.models import BlacklistEntry, Fired, FraudCheck, RuleMode, UnknownCountry


class EntryState(models.TextChoices):
    ACTIVE = "active", gettext_lazy("Active")
    EXPIRED = "expired", gettext_lazy("Expired")
    REMOVED = "removed", gettext_lazy("Removed")


def entry_state(entry: BlacklistEntry, *, at: datetime | None = None) -> EntryState:
    if entry.removed_at is not None:
        return EntryState.REMOVED
    if entry.expires_at is not None and entry.expires_at <= (at or timezone.now()):
        return EntryState.EXPIRED
    return EntryState.ACTIVE


def when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


@dataclass(frozen=True)
class Fact:
    label: str
    text: str
    fired: bool = False  # this is what refused the payment
    url: str = ""
    link_text: str = ""


@dataclass(frozen=True)
class CheckExplained:
    check: FraudCheck
    facts: list[Fact] = field(default_factory=list)


def fraud_check_explained(check: FraudCheck) -> CheckExplained:
    """The check as labelled sentences: the buyer's address, the card, the blacklist, the rules."""
    facts: dict[str, Any] = check.explanation or {}
    ip: dict[str, Any] = facts.get("ip") or {}
    card: dict[str, Any] = facts.get("card") or {}
    # Facts found (address, card) come first; "fired" marks only what decided: the list or a rule.
    lines = [Fact(_("Buyer IP"), _ip_text(check, ip))]
    if ip.get("iptocc_version"):
        lines.append(Fact(_("IP country data"), f"iptocc {ip['iptocc_version']}"))
    lines.append(Fact(_("Card country"), _card_text(check, card)))
    if card.get("issuer"):
        lines.append(Fact(_("Issuing bank"), card["issuer"]))
    lines.append(_blacklist_fact(check, facts.get("blacklist") or {}))
    if check.blacklist_entry is not None and entry_state(check.blacklist_entry) != EntryState.ACTIVE:
        lines.append(Fact(_("Blacklist entry now"), entry_state(check.blacklist_entry).label))
    rule = facts.get("rule")
    for side, label, fired in (
        ("ip", _("IP country rule"), Fired.IP_COUNTRY),
        ("card", _("Card country rule"), Fired.CARD_COUNTRY),
    ):
        lines.append(Fact(label, _rule_text(check, rule, side), fired=check.fired == fired))
    return CheckExplained(check=check, facts=lines)


def _ip_text(check: FraudCheck, ip: dict[str, Any]) -> str:
    address = ip.get("address") or check.ip_address or ""
    country = ip.get("country") or check.ip_country
    note = ip.get("note", "")
    if country:
        return _("%(address)s, located in %(country)s.") % {"address": address or "—", "country": country}
    if note == "missing" or not address:
        return _("No address was received: the country is unknown.")
    notes = {
        "private": _("%(address)s is a private address: the country is unknown."),
        "loopback": _("%(address)s is a loopback address: the country is unknown."),
        "reserved": _("%(address)s is a reserved address: the country is unknown."),
        "invalid": _("%(address)s is not a valid address: the country is unknown."),
    }
    default = _("%(address)s is not in the registry data: the country is unknown.")
    return notes.get(note, default) % {"address": address}


def _card_text(check: FraudCheck, card: dict[str, Any]) -> str:
    country = card.get("country") or check.card_country
    found = card.get("bin_range") or {}
    card_bin = card.get("bin", "")
    if country and found:
        return _("%(country)s, from the BIN range %(low)s–%(high)s.") % {
            "country": country,
            "low": found.get("low", ""),
            "high": found.get("high", ""),
        }
    if country:
        return country
    if found:
        return _("Unknown: the BIN range %(low)s–%(high)s gives no country.") % {
            "low": found.get("low", ""),
            "high": found.get("high", ""),
        }
    if card_bin:
        return _("Unknown: no BIN range matches %(bin)s.") % {"bin": card_bin}
    return _("Unknown.")


def _blacklist_fact(check: FraudCheck, listed: dict[str, Any]) -> Fact:
    label = _("Blacklist")
    entry = check.blacklist_entry
    if entry is None and check.fired == Fired.BLACKLIST:
        return Fact(label, _("The card was on the blacklist."), fired=True)
    if entry is None:
        keys = ", ".join(listed.get("checked_key_ids") or [])
        if keys:
            return Fact(label, _("Not on the blacklist (card hash keys checked: %(keys)s).") % {"keys": keys})
        return Fact(label, _("Not on the blacklist."))
    values = {"card": entry.masked_pan, "date": when(entry.created_at), "reason": entry.reason}
    if entry.added_by is not None:
        text = _("Card %(card)s, listed on %(date)s by %(user)s, for this reason: %(reason)s") % {
            **values,
            "user": entry.added_by.get_username(),
        }
    else:
        text = _("Card %(card)s, listed on %(date)s, for this reason: %(reason)s") % values
    url = reverse("backoffice:blacklist") + f"#entry-{entry.pk}"
    return Fact(label, text, fired=check.fired == Fired.BLACKLIST, url=url, link_text=_("See the blacklist"))


def _rule_text(check: FraudCheck, rule: dict[str, Any] | None, side: str) -> str:
    snapshot = rule or {}
    mode = snapshot.get(f"{side}_mode", RuleMode.OFF)
    if mode not in RuleMode.values or mode == RuleMode.OFF:
        text = _("No rule.")
    else:
        unknown = snapshot.get(f"{side}_unknown", UnknownCountry.ALLOW)
        text = _("%(mode)s: %(countries)s. When the country is unknown: %(unknown)s.") % {
            "mode": RuleMode(mode).label,
            "countries": ", ".join(snapshot.get(f"{side}_countries") or []) or "—",
            "unknown": UnknownCountry(unknown).label if unknown in UnknownCountry.values else unknown,
        }
    if check.fired == Fired.BLACKLIST and mode != RuleMode.OFF:
        text = f"{text} " + _("Not checked: the blacklist had already refused the card.")
    return text
