"""Fraud data: card-country table, card blacklist, per-merchant country rules and the decisions taken."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

BIN_MAX_DIGITS = 8


class BinRange(models.Model):
    """Issuer facts for the card numbers starting with `low`..`high` (prefixes of the same length).

    Overlaps are allowed on purpose: a longer prefix refines a shorter one, and the longest wins.
    """

    low = models.CharField(_("lowest prefix"), max_length=BIN_MAX_DIGITS)
    high = models.CharField(_("highest prefix"), max_length=BIN_MAX_DIGITS)
    brand = models.CharField(_("brand"), max_length=16, blank=True)
    country = models.CharField(_("country (ISO alpha-2)"), max_length=2, blank=True)
    issuer = models.CharField(_("issuer"), max_length=128, blank=True)
    source = models.CharField(_("source"), max_length=128, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("BIN range")
        verbose_name_plural = _("BIN ranges")
        ordering = ["low", "high"]
        constraints = [
            models.UniqueConstraint(fields=["low", "high"], name="binrange_unique_bounds"),
            models.CheckConstraint(condition=Q(low__lte=models.F("high")), name="binrange_low_le_high"),
            # Equal lengths make the text comparison low <= prefix <= high a numeric one.
            models.CheckConstraint(
                condition=Exact(Length("low"), Length("high")), name="binrange_same_length"
            ),
            models.CheckConstraint(condition=GreaterThanOrEqual(Length("low"), 1), name="binrange_not_empty"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("low"), BIN_MAX_DIGITS), name="binrange_at_most_8_digits"
            ),
            models.CheckConstraint(
                condition=Q(country="") | Exact(Length("country"), 2), name="binrange_country_alpha2"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.low}-{self.high} {self.brand} {self.country}".strip()


class BlacklistEntry(models.Model):
    """A card a merchant refuses, known only by its keyed hash (with the key's id) and its masked number."""

    merchant = models.ForeignKey(
        "payments.Merchant", models.CASCADE, related_name="blacklist_entries", verbose_name=_("merchant")
    )
    pan_hmac = models.CharField(_("card hash"), max_length=64, editable=False)
    pan_hmac_key_id = models.CharField(_("hash key id"), max_length=16, editable=False)
    masked_pan = models.CharField(_("card"), max_length=19)
    reason = models.CharField(_("reason"), max_length=255)
    order = models.ForeignKey(
        "payments.Order",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from order"),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    # Removal is recorded, not deleted: fraud checks point at entries and must stay explainable.
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True, editable=False)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removed by"),
    )

    class Meta:
        verbose_name = _("blacklisted card")
        verbose_name_plural = _("blacklisted cards")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live entry per card and key; expiry is time-dependent, so it cannot be in the index.
            models.UniqueConstraint(
                fields=["merchant", "pan_hmac_key_id", "pan_hmac"],
                condition=Q(removed_at__isnull=True),
                name="blacklist_one_live_entry_per_card",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("created_at")),
                name="blacklist_expires_after_creation",
            ),
            models.CheckConstraint(condition=~Q(pan_hmac=""), name="blacklist_hash_not_empty"),
        ]
        indexes = [models.Index(fields=["pan_hmac"], name="blacklist_hash")]

    def __str__(self) -> str:
        return f"{self.masked_pan} ({self.merchant_id})"

    def is_active_at(self, moment: datetime) -> bool:
        return self.removed_at is None and (self.expires_at is None or self.expires_at > moment)


class RuleMode(models.TextChoices):
    OFF = "off", _("No rule")
    BLOCK = "block", _("Refuse these countries")
    ALLOW_ONLY = "allow_only", _("Accept only these countries")


class UnknownCountry(models.TextChoices):
    ALLOW = "allow", _("Accept")
    REFUSE = "refuse", _("Refuse")


class CountryRule(models.Model):
    """A merchant's country rules, set by support: one for the buyer's IP country, one for the card's."""

    merchant = models.OneToOneField(
        "payments.Merchant", models.CASCADE, related_name="country_rule", verbose_name=_("merchant")
    )
    ip_mode = models.CharField(_("IP country rule"), max_length=16, choices=RuleMode, default=RuleMode.OFF)
    ip_countries = models.JSONField(_("IP countries"), default=list, blank=True)
    ip_unknown = models.CharField(
        _("when the IP country is unknown"),
        max_length=8,
        choices=UnknownCountry,
        default=UnknownCountry.ALLOW,
    )
    card_mode = models.CharField(
        _("card country rule"), max_length=16, choices=RuleMode, default=RuleMode.OFF
    )
    card_countries = models.JSONField(_("card countries"), default=list, blank=True)
    card_unknown = models.CharField(
        _("when the card country is unknown"),
        max_length=8,
        choices=UnknownCountry,
        default=UnknownCountry.ALLOW,
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set by"),
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("country rule")
        verbose_name_plural = _("country rules")
        ordering = ["merchant"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ip_mode__in=RuleMode.values), name="countryrule_ip_mode_known"
            ),
            models.CheckConstraint(
                condition=Q(card_mode__in=RuleMode.values), name="countryrule_card_mode_known"
            ),
            models.CheckConstraint(
                condition=Q(ip_unknown__in=UnknownCountry.values), name="countryrule_ip_unknown_known"
            ),
            models.CheckConstraint(
                condition=Q(card_unknown__in=UnknownCountry.values), name="countryrule_card_unknown_known"
            ),
        ]

    def __str__(self) -> str:
        return str(self.merchant)


class Decision(models.TextChoices):
    PASSED = "passed", _("Passed")
    REFUSED = "refused", _("Refused")


class Fired(models.TextChoices):
    NOTHING = "", _("Nothing")
    BLACKLIST = "blacklist", _("Card blacklisted")
    IP_COUNTRY = "ip_country", _("IP country rule")
    CARD_COUNTRY = "card_country", _("Card country rule")


class FraudCheck(models.Model):
    """One screening of a payment attempt: the decision and everything it was based on."""

    order = models.ForeignKey(
        "payments.Order", models.PROTECT, related_name="fraud_checks", verbose_name=_("order")
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False, db_index=True)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision)
    action_code = models.IntegerField(_("action code"), null=True, blank=True)
    fired = models.CharField(_("refused by"), max_length=16, choices=Fired, blank=True)
    ip_address = models.GenericIPAddressField(_("buyer IP"), null=True, blank=True)
    ip_country = models.CharField(_("IP country"), max_length=2, blank=True)
    card_country = models.CharField(_("card country"), max_length=2, blank=True)
    blacklist_entry = models.ForeignKey(
        BlacklistEntry,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("blacklist entry"),
    )
    country_rule = models.ForeignKey(
        CountryRule, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("country rule")
    )
    # The full facts (rule as it was, data versions...), so the decision stays explainable after changes.
    explanation = models.JSONField(_("explanation"), default=dict)

    class Meta:
        verbose_name = _("fraud check")
        verbose_name_plural = _("fraud checks")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=Decision.values), name="fraudcheck_decision_known"
            ),
            models.CheckConstraint(condition=Q(fired__in=Fired.values), name="fraudcheck_fired_known"),
            # A refusal always names its cause and action code; a pass has neither.
            models.CheckConstraint(
                condition=Q(decision=Decision.PASSED, action_code__isnull=True, fired="")
                | (Q(decision=Decision.REFUSED, action_code__isnull=False) & ~Q(fired="")),
                name="fraudcheck_refusal_explained",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.order_id})"
