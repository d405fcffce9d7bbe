"""Who may use the merchant back-office, and the append-only journal of what they did."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    OPERATOR = "operator", _("Operator")
    VIEWER = "viewer", _("Viewer")


# Each role can do everything the roles below it can: a rank comparison is the whole permission model.
ROLE_RANK: dict[str, int] = {Role.VIEWER: 1, Role.OPERATOR: 2, Role.ADMINISTRATOR: 3}


class Membership(models.Model):
    """A staff user's access to one merchant. A user may belong to several (support staff)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    merchant = models.ForeignKey(
        "payments.Merchant", models.CASCADE, related_name="memberships", verbose_name=_("merchant")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.VIEWER)
    # Set off by the merchant's administrator: the user keeps their account and other merchants, not this one.
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("back-office membership")
        verbose_name_plural = _("back-office memberships")
        ordering = ["merchant", "user"]
        # Held by support supervisors: new API passwords, callback keys, user passwords and two-factor resets.
        permissions = [("reset_credentials", _("Can reset credentials, passwords and two-factor devices"))]
        constraints = [
            models.UniqueConstraint(fields=["user", "merchant"], name="membership_one_per_merchant"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.merchant} ({self.role})"

    def allows(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


class TemporaryPassword(models.Model):
    """A password someone else chose for the user (shown once to an administrator): it opens one session,
    which must replace it before anything else.

    It holds the hash it set: once the password is set any other way (by the user, or by support in the
    admin), the row no longer applies, without every writer of passwords having to know about it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        primary_key=True,
        related_name="temporary_password",
        verbose_name=_("user"),
    )
    merchant = models.ForeignKey(
        "payments.Merchant", models.CASCADE, related_name="+", verbose_name=_("merchant")
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    password_hash = models.CharField(max_length=128)
    # The confirmation form's key: the same form posted twice issues one password, not two.
    issue_key = models.UUIDField(unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("temporary password")
        verbose_name_plural = _("temporary passwords")

    def __str__(self) -> str:
        return f"{self.user_id} until {self.expires_at:%Y-%m-%d %H:%M}"

    def applies(self) -> bool:
        """The user's password is still the one this row set."""
        return self.password_hash == self.user.password

    def spent(self) -> bool:
        """Used for a sign-in already, or too old: it opens nothing more."""
        return self.used_at is not None or self.expires_at <= timezone.now()


class AuditAction(models.TextChoices):
    SIGN_IN = "sign_in", _("Sign-in")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    LOCKED_OUT = "locked_out", _("Locked out")
    SIGN_OUT = "sign_out", _("Sign-out")
    TWO_FACTOR_ADDED = "two_factor_added", _("Two-factor device added")
    PASSWORD_CHANGE = "password_change", _("Password change")
    USER_CHANGE = "user_change", _("User change")
    ORDER_CANCEL = "order_cancel", _("Cancellation")
    ORDER_REFUND = "order_refund", _("Refund")
    MOTO = "moto", _("MOTO payment")
    BLACKLIST_ADD = "blacklist_add", _("Card blacklisted")
    BLACKLIST_REMOVE = "blacklist_remove", _("Card removed from the blacklist")
    API_PASSWORD_CHANGE = "api_password_change", _("API password change")
    CALLBACK_KEY_CHANGE = "callback_key_change", _("Callback key change")
    EXPORT = "export", _("Export")
    EXTRACTION_SETTINGS = "extraction_settings", _("Daily extraction settings change")
    # Support staff in the Django admin (issue 7)
    ADMIN_ADD = "admin_add", _("Added in the admin")
    ADMIN_CHANGE = "admin_change", _("Changed in the admin")
    ADMIN_DELETE = "admin_delete", _("Deleted in the admin")
    API_ACCOUNT_CREATE = "api_account_create", _("API account created")
    USER_CREATE = "user_create", _("Back-office user created")
    TWO_FACTOR_RESET = "two_factor_reset", _("Two-factor devices reset")
    SUPPORT_VIEW_START = "support_view_start", _("View as merchant started")
    SUPPORT_VIEW_END = "support_view_end", _("View as merchant ended")
    MERCHANT_SWITCH = "merchant_switch", _("Merchant switched")


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    REFUSED = "refused", _("Refused")
    FAILURE = "failure", _("Failure")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    # Bulk edits would bypass the per-row guard below: the journal refuses them too.
    def update(self, **kwargs: Any) -> int:
        raise TypeError("The audit journal is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit journal is append-only.")


class AuditEvent(models.Model):
    """One thing someone did (or tried) in the back-office. Append-only: rows are never changed."""

    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False, db_index=True)
    merchant = models.ForeignKey(
        "payments.Merchant",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merchant"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # Kept as typed: a failed sign-in may name no existing user, and users can be renamed or deleted.
    username = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=24, choices=AuditAction)
    outcome = models.CharField(_("outcome"), max_length=8, choices=AuditOutcome, default=AuditOutcome.SUCCESS)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    object_type = models.CharField(_("object type"), max_length=32, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=AuditAction.values), name="audit_action_known"),
            models.CheckConstraint(condition=Q(outcome__in=AuditOutcome.values), name="audit_outcome_known"),
        ]
        indexes = [models.Index(fields=["merchant", "-created_at", "-id"], name="audit_merchant_recent")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("The audit journal is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit journal is append-only.")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class Export(models.Model):
    """An export of an orders search too large to download at once: written by a Celery task."""

    merchant = models.ForeignKey(
        "payments.Merchant", models.CASCADE, related_name="+", verbose_name=_("merchant")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    query = models.CharField(_("search"), max_length=2000, blank=True)  # the search's querystring
    language = models.CharField(_("language"), max_length=8, default="fr")  # labels and CSV decimals
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat)
    status = models.CharField(_("status"), max_length=8, choices=ExportStatus, default=ExportStatus.PENDING)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    progress_count = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), max_length=255, blank=True, editable=False)
    error = models.CharField(_("error"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(format__in=ExportFormat.values), name="export_format_known"),
            models.CheckConstraint(condition=Q(status__in=ExportStatus.values), name="export_status_known"),
            models.CheckConstraint(
                condition=~Q(status=ExportStatus.DONE) | ~Q(file=""), name="export_done_has_file"
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} {self.format} {self.status}"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return min(100, self.progress_count * 100 // self.row_count) if self.row_count else 0


class ExtractionSettings(models.Model):
    """The daily extraction option of a merchant: one file a day of what was remitted to the bank."""

    merchant = models.OneToOneField(
        "payments.Merchant", models.CASCADE, related_name="extraction_settings", verbose_name=_("merchant")
    )
    enabled = models.BooleanField(_("daily extraction enabled"), default=False)
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat, default=ExportFormat.XLSX)
    emails = models.CharField(
        _("e-mail addresses"), max_length=512, blank=True, help_text=_("Separated by commas.")
    )
    # SHA-256 of a random 256-bit token: enough for a secret that is never chosen by a person.
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    token_created_at = models.DateTimeField(_("token created"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("daily extraction settings")
        verbose_name_plural = _("daily extraction settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(format__in=ExportFormat.values), name="extraction_format_known"
            ),
            models.UniqueConstraint(
                fields=["token_hash"], condition=~Q(token_hash=""), name="extraction_token_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.format} {'on' if self.enabled else 'off'}"

    @property
    def email_list(self) -> list[str]:
        return [address.strip() for address in self.emails.split(",") if address.strip()]


class DailyExtraction(models.Model):
    """One merchant's file of one business day's remitted transactions. Built once, never changed."""

    merchant = models.ForeignKey(
        "payments.Merchant", models.CASCADE, related_name="daily_extractions", verbose_name=_("merchant")
    )
    business_date = models.DateField(_("business day"))
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat)
    file = models.FileField(_("file"), max_length=255, editable=False)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("daily extraction")
        verbose_name_plural = _("daily extractions")
        ordering = ["-business_date"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "business_date"], name="extraction_one_per_day"),
            models.CheckConstraint(
                condition=Q(format__in=ExportFormat.values), name="daily_extraction_format_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.business_date} {self.format}"
