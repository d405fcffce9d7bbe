"""The legacy form protocol (protocol section 7): each shop's settings, its payments and every call to it."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ControlAction(models.TextChoices):
    # The protocol's own words: shops compare them, so they are never translated.
    DETAIL = "DETAIL", "DETAIL"
    ACCORD = "ACCORD", "ACCORD"
    REFUS = "REFUS", "REFUS"
    ANNULATION = "ANNULATION", "ANNULATION"
    ERREUR = "ERREUR", "ERREUR"


class AnnouncementStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for the payment's outcome")
    PENDING = "pending", _("To be sent")
    DONE = "done", _("Acknowledged by the shop")
    FAILED = "failed", _("Given up")


class LegacySettings(models.Model):
    merchant = models.OneToOneField(
        "payments.Merchant", models.CASCADE, related_name="legacy_settings", verbose_name=_("merchant")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    affilie = models.CharField(
        _("affiliation code"), max_length=64, unique=True, help_text=_("The shop's form sends it as affilie.")
    )
    control_url = models.URLField(
        _("control URL"),
        max_length=512,
        help_text=_("The shop's script asked for the amount (DETAIL) and told the outcome."),
    )
    success_url = models.URLField(_("success URL"), max_length=512)
    failure_url = models.URLField(_("failure URL"), max_length=512)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("legacy form settings")
        verbose_name_plural = _("legacy form settings")
        ordering = ["affilie"]

    def __str__(self) -> str:
        return self.affilie


class LegacyPayment(models.Model):
    """An order started by the legacy form, and the outbox of its outcome announcement to the shop."""

    order = models.OneToOneField(
        "payments.Order", models.PROTECT, related_name="legacy_payment", verbose_name=_("order")
    )
    settings = models.ForeignKey(
        LegacySettings, models.PROTECT, related_name="payments", verbose_name=_("legacy form settings")
    )
    reference = models.CharField(_("reference"), max_length=36)
    sid = models.CharField(_("shop session"), max_length=255, blank=True)
    # Decided once, when the order ends; "" until then.
    action = models.CharField(_("outcome announced"), max_length=10, choices=ControlAction, blank=True)
    status = models.CharField(
        _("announcement"), max_length=8, choices=AnnouncementStatus, default=AnnouncementStatus.WAITING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("legacy form payment")
        verbose_name_plural = _("legacy form payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AnnouncementStatus.values), name="legacy_payment_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status=AnnouncementStatus.WAITING, action="")
                | (~Q(status=AnnouncementStatus.WAITING) & Q(action__in=ControlAction.values)),
                name="legacy_payment_action_once_decided",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="legacy_payment_due")]

    def __str__(self) -> str:
        return f"{self.settings_id}/{self.reference}"


class LegacyCall(models.Model):
    """One HTTP request to a shop's control URL, as it went: an append-only record for support."""

    settings = models.ForeignKey(
        LegacySettings, models.CASCADE, related_name="calls", verbose_name=_("legacy form settings")
    )
    # None for a DETAIL check that stopped the payment: no order was created.
    payment = models.ForeignKey(
        LegacyPayment, models.CASCADE, null=True, blank=True, related_name="calls", verbose_name=_("payment")
    )
    reference = models.CharField(_("reference"), max_length=36)
    action = models.CharField(_("action"), max_length=10, choices=ControlAction)
    url = models.CharField(_("URL"), max_length=1024)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response_excerpt = models.CharField(_("response (start)"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    accepted = models.BooleanField(_("answer accepted"), default=False)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False, db_index=True)

    class Meta:
        verbose_name = _("call to the control URL")
        verbose_name_plural = _("calls to the control URL")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.reference}: {self.http_status or self.error}"
