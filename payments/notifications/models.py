"""What was sent to shops (protocol section 6): one delivery per event, one row per HTTP attempt."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payments.models import Operation, Order, ReturnMethod


class CallbackEvent(models.TextChoices):
    # The values are the protocol's `operation` parameter, sent as they are.
    APPROVED = "approved", _("Amount held")
    DEPOSITED = "deposited", _("Paid")
    REVERSED = "reversed", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    DECLINED_BY_TIMEOUT = "declinedByTimeout", _("Declined: time ran out")
    DECLINED = "declined", _("Declined")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # waiting for its first attempt or for a retry
    DELIVERED = "delivered", _("Delivered")  # the shop answered HTTP 200
    FAILED = "failed", _("Failed")  # every retry used up; only a replay sends it again


class CallbackDelivery(models.Model):
    order = models.ForeignKey(
        Order, models.PROTECT, related_name="callback_deliveries", verbose_name=_("order")
    )
    operation = models.ForeignKey(
        Operation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="callback_deliveries",
        verbose_name=_("operation"),
    )
    event = models.CharField(_("event"), max_length=20, choices=CallbackEvent)
    # Exactly what is sent, checksum included: a retry or a replay sends the same bytes.
    params = models.JSONField(_("parameters"))
    url = models.CharField(_("URL"), max_length=512)
    method = models.CharField(_("method"), max_length=4, choices=ReturnMethod)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the next attempt is due; while an attempt runs it is pushed ahead (a lease, see services).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("shop notification")
        verbose_name_plural = _("shop notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["operation", "event"], name="callback_delivery_once_per_event"),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="callback_delivery_status_known"
            ),
            models.CheckConstraint(
                condition=Q(event__in=CallbackEvent.values), name="callback_delivery_event_known"
            ),
            models.CheckConstraint(
                condition=Q(method__in=ReturnMethod.values), name="callback_delivery_method_known"
            ),
        ]
        indexes = [
            # What the every-minute retry run looks for: small, since finished deliveries leave it.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status=DeliveryStatus.PENDING),
                name="callback_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} ({self.order_id})"


class CallbackAttempt(models.Model):
    """One HTTP request to the shop. Append-only: the back-office shows them all."""

    delivery = models.ForeignKey(
        CallbackDelivery, models.CASCADE, related_name="attempt_log", verbose_name=_("notification")
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response_excerpt = models.CharField(_("response (start)"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("notification attempt")
        verbose_name_plural = _("notification attempts")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.http_status or self.error[:40]} ({self.created_at:%Y-%m-%d %H:%M:%S})"

    @property
    def succeeded(self) -> bool:
        return self.http_status == 200
