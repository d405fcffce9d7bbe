"""The order ledger. Money is an integer count of the currency's minor units, never a float."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.IntegerChoices):
    # Integers, not text: the protocol exposes these exact codes to shops.
    REGISTERED = 0, _("Registered, not paid")
    APPROVED = 1, _("Amount held")
    DEPOSITED = 2, _("Paid")
    REVERSED = 3, _("Cancelled")
    REFUNDED = 4, _("Refunded")
    AUTHENTICATING = 5, _("3-D Secure in progress")
    DECLINED = 6, _("Declined")


PAYMENT_STATE = {
    OrderStatus.REGISTERED: "CREATED",
    OrderStatus.APPROVED: "APPROVED",
    OrderStatus.DEPOSITED: "DEPOSITED",
    OrderStatus.REVERSED: "REVERSED",
    OrderStatus.REFUNDED: "REFUNDED",
    OrderStatus.AUTHENTICATING: "CREATED",
    OrderStatus.DECLINED: "DECLINED",
}


class AuthorizationType(models.TextChoices):
    ONE_PHASE = "one_phase", _("One phase")
    TWO_PHASE = "two_phase", _("Two phases (pre-authorization)")
    MOTO = "moto", _("Mail or telephone order")


class ThreeDSStatus(models.TextChoices):
    NOT_APPLICABLE = "", _("Not applicable")
    NOT_ENROLLED = "N", _("Card not enrolled")
    AUTHENTICATED = "Y", _("Authenticated")
    FAILED = "F", _("Authentication failed")


class ReturnMethod(models.TextChoices):
    GET = "GET", "GET"
    POST = "POST", "POST"


class Language(models.TextChoices):
    FR = "fr", _("French")
    EN = "en", _("English")
    AR = "ar", _("Arabic")


class Currency(models.Model):
    numeric_code = models.CharField(_("numeric code"), max_length=3, primary_key=True)
    alpha_code = models.CharField(_("alphabetic code"), max_length=3, unique=True)
    exponent = models.PositiveSmallIntegerField(_("decimals"))
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")
        ordering = ["alpha_code"]
        constraints = [
            models.CheckConstraint(condition=Q(exponent__lte=4), name="currency_exponent_small"),
        ]

    def __str__(self) -> str:
        return self.alpha_code


class ActionCode(models.Model):
    """Result of a payment attempt; the description is translated (django-modeltranslation)."""

    code = models.IntegerField(_("code"), primary_key=True)
    description = models.CharField(_("description"), max_length=255)

    class Meta:
        verbose_name = _("action code")
        verbose_name_plural = _("action codes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}: {self.description}"


class PaymentMethod(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    description = models.CharField(_("description"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("payment method")
        verbose_name_plural = _("payment methods")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Merchant(models.Model):
    code = models.SlugField(_("merchant code"), max_length=32, unique=True, help_text=_("Used in formUrl."))
    name = models.CharField(_("display name"), max_length=128)
    default_language = models.CharField(
        _("default language"), max_length=2, choices=Language, default=Language.FR
    )
    default_currency = models.ForeignKey(
        Currency, models.PROTECT, related_name="+", verbose_name=_("default currency")
    )
    return_method = models.CharField(
        _("return to the shop by"), max_length=4, choices=ReturnMethod, default=ReturnMethod.GET
    )
    immediate_return = models.BooleanField(_("immediate return (no ticket)"), default=False)
    callback_url = models.URLField(_("callback URL"), max_length=512, blank=True)
    callback_method = models.CharField(
        _("callback method"), max_length=4, choices=ReturnMethod, default=ReturnMethod.GET
    )
    callback_key = models.CharField(_("callback key"), max_length=128, blank=True)
    two_phase_allowed = models.BooleanField(_("two-phase payments allowed"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Contract(models.Model):
    merchant = models.ForeignKey(
        Merchant, models.CASCADE, related_name="contracts", verbose_name=_("merchant")
    )
    bank_name = models.CharField(_("acquiring bank"), max_length=128)
    currencies = models.ManyToManyField(Currency, related_name="+", verbose_name=_("allowed currencies"))
    payment_methods = models.ManyToManyField(
        PaymentMethod, related_name="contracts", blank=True, verbose_name=_("payment methods")
    )
    three_ds_enabled = models.BooleanField(_("3-D Secure enabled"), default=True)
    # Basis points (1/100 of a percent): 175 = 1.75 %. Integers keep money arithmetic exact.
    commission_bps = models.PositiveIntegerField(_("commission (basis points)"), default=0)
    # Pre-authorization holds never deposited are released (reversed) after this many days.
    hold_days = models.PositiveSmallIntegerField(_("hold period (days)"), default=7)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_bps__lte=10_000), name="contract_commission_at_most_100pc"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant.code} / {self.bank_name}"


class Terminal(models.Model):
    contract = models.ForeignKey(
        Contract, models.CASCADE, related_name="terminals", verbose_name=_("contract")
    )
    terminal_id = models.CharField(_("terminal id"), max_length=16, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("terminal")
        verbose_name_plural = _("terminals")
        ordering = ["terminal_id"]

    def __str__(self) -> str:
        return self.terminal_id


class ApiAccount(models.Model):
    merchant = models.ForeignKey(
        Merchant, models.CASCADE, related_name="api_accounts", verbose_name=_("merchant")
    )
    username = models.CharField(_("user name"), max_length=64, unique=True)
    password = models.CharField(_("password hash"), max_length=256)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("API account")
        verbose_name_plural = _("API accounts")

    def __str__(self) -> str:
        return self.username


class Order(models.Model):
    order_id = models.UUIDField(_("order id"), default=uuid.uuid4, unique=True, editable=False)
    # Few, chosen indexes (Meta): every index costs each write of an order.
    merchant = models.ForeignKey(
        Merchant, models.PROTECT, related_name="orders", db_index=False, verbose_name=_("merchant")
    )
    terminal = models.ForeignKey(
        Terminal,
        models.PROTECT,
        related_name="orders",
        null=True,
        blank=True,
        db_index=False,
        verbose_name=_("terminal"),
    )
    order_number = models.CharField(_("order number"), max_length=36)
    currency = models.ForeignKey(
        Currency, models.PROTECT, related_name="+", db_index=False, verbose_name=_("currency")
    )
    amount = models.BigIntegerField(_("amount"))  # minor units of `currency`, like every *_amount
    approved_amount = models.BigIntegerField(_("approved amount"), default=0)
    deposited_amount = models.BigIntegerField(_("deposited amount"), default=0)
    refunded_amount = models.BigIntegerField(_("refunded amount"), default=0)
    status = models.PositiveSmallIntegerField(
        _("status"), choices=OrderStatus, default=OrderStatus.REGISTERED
    )
    authorization_type = models.CharField(
        _("authorization type"), max_length=16, choices=AuthorizationType, default=AuthorizationType.ONE_PHASE
    )
    action_code = models.IntegerField(_("action code"), default=-100)
    attempts = models.PositiveSmallIntegerField(_("payment attempts"), default=0)
    # Set while the acquirer is being asked, so two submissions cannot authorize the same order twice.
    authorizing_until = models.DateTimeField(null=True, blank=True, editable=False)

    return_url = models.CharField(_("return URL"), max_length=512)
    fail_url = models.CharField(_("failure URL"), max_length=512, blank=True)
    description = models.CharField(_("description"), max_length=598, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language, default=Language.FR)
    page_view = models.CharField(_("page view"), max_length=16, default="DESKTOP")
    client_id = models.CharField(_("client id"), max_length=255, blank=True)
    json_params = models.JSONField(_("shop parameters"), default=dict, blank=True)
    buyer_email = models.CharField(_("buyer e-mail"), max_length=254, blank=True)
    buyer_phone = models.CharField(_("buyer phone"), max_length=32, blank=True)
    buyer_ip = models.GenericIPAddressField(_("buyer IP"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))

    masked_pan = models.CharField(_("card"), max_length=19, blank=True)
    card_bin = models.CharField(_("BIN"), max_length=8, blank=True)
    card_last4 = models.CharField(_("card last 4"), max_length=4, blank=True)
    card_brand = models.CharField(_("card brand"), max_length=16, blank=True)
    card_expiry = models.CharField(_("card expiry (YYYYMM)"), max_length=6, blank=True)
    cardholder_name = models.CharField(_("cardholder"), max_length=128, blank=True)
    card_country = models.CharField(_("card country"), max_length=2, blank=True)
    card_issuer = models.CharField(_("issuing bank"), max_length=128, blank=True)
    # Keyed HMAC of the card number, for look-ups such as the blacklist; the number itself is never stored.
    pan_hmac = models.CharField(max_length=64, blank=True, editable=False)
    pan_hmac_key_id = models.CharField(max_length=16, blank=True, editable=False)

    approval_code = models.CharField(_("approval code"), max_length=6, blank=True)
    reference_number = models.CharField(_("reference number"), max_length=12, blank=True)
    three_ds_status = models.CharField(
        _("3-D Secure"), max_length=1, choices=ThreeDSStatus, default=ThreeDSStatus.NOT_APPLICABLE, blank=True
    )
    eci = models.CharField(_("ECI"), max_length=2, blank=True)
    cavv = models.CharField(_("CAVV"), max_length=64, blank=True)
    xid = models.CharField(_("XID"), max_length=64, blank=True)

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    authorized_at = models.DateTimeField(_("authorized"), null=True, blank=True)
    deposited_at = models.DateTimeField(_("deposited"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "order_number"], name="order_number_unique_per_merchant"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="order_amount_positive"),
            models.CheckConstraint(condition=Q(refunded_amount__gte=0), name="order_refunded_not_negative"),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=F("deposited_amount")), name="order_refund_within_deposit"
            ),
            models.CheckConstraint(
                condition=Q(deposited_amount__lte=F("approved_amount")), name="order_deposit_within_approval"
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__lte=F("amount")), name="order_approval_within_amount"
            ),
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_known"),
            models.CheckConstraint(
                condition=Q(authorization_type__in=AuthorizationType.values),
                name="order_authorization_type_known",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "-created_at", "-id"], name="order_merchant_recent"),
            models.Index(fields=["merchant", "buyer_email"], name="order_merchant_email"),
            models.Index(fields=["merchant", "card_last4"], name="order_merchant_card_last4"),
            # The back-office search by amount, and its list sorted by amount (keyset on amount, id).
            models.Index(fields=["merchant", "amount", "id"], name="order_merchant_amount"),
            # Not listed, PostgreSQL only (migration 0004): order_number_trigram, a trigram GIN index on
            # UPPER(order_number) for "reference contains". Listing it would break SQLite table rebuilds.
            # Unpaid orders only, for the expiry job.
            models.Index(
                fields=["expires_at"],
                condition=Q(status__in=[OrderStatus.REGISTERED, OrderStatus.AUTHENTICATING]),
                name="order_unpaid_expiry",
            ),
            # Paid orders by terminal, currency and deposit time: where the remittance looks for what it
            # takes, a range per group (and a first entry tells whether a group has any).
            models.Index(
                fields=["terminal", "currency", "deposited_at"],
                condition=Q(status__in=[OrderStatus.DEPOSITED, OrderStatus.REFUNDED]),
                name="order_paid_by_terminal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_number} ({self.order_id})"

    @property
    def refundable_amount(self) -> int:
        return self.deposited_amount - self.refunded_amount

    @property
    def sale_remitted(self) -> "RemittanceSale | None":
        """The order's sale as handed to the bank, or None before that (select_related("sale") saves
        the query)."""
        try:
            return self.sale
        except RemittanceSale.DoesNotExist:
            return None

    @property
    def is_remitted(self) -> bool:
        return self.sale_remitted is not None

    @property
    def remitted_at(self) -> datetime | None:
        return sale.remitted_at if (sale := self.sale_remitted) else None

    @property
    def remittance(self) -> "Remittance | None":
        return sale.remittance if (sale := self.sale_remitted) else None


class OperationKind(models.TextChoices):
    REGISTER = "register", _("Registration")
    AUTHENTICATE = "authenticate", _("3-D Secure authentication")
    AUTHORIZE = "authorize", _("Authorization")
    DEPOSIT = "deposit", _("Deposit")
    REVERSE = "reverse", _("Cancellation")
    REFUND = "refund", _("Refund")
    DECLINE = "decline", _("Decline")


class ActorType(models.TextChoices):
    API = "api", _("Merchant API")
    STAFF = "staff", _("Back-office user")
    BUYER = "buyer", _("Buyer")
    SYSTEM = "system", _("System")


class Operation(models.Model):
    """Append-only history of an order: one row per change, and one per payment attempt, approved or not.

    A request the services refuse changes nothing and writes nothing here."""

    # No index of its own: the unique (order, idempotency_key) index serves every look-up by order.
    order = models.ForeignKey(
        Order, models.PROTECT, related_name="operations", verbose_name=_("order"), db_index=False
    )
    kind = models.CharField(_("operation"), max_length=16, choices=OperationKind)
    amount = models.BigIntegerField(_("amount"), default=0)
    success = models.BooleanField(_("success"))
    action_code = models.IntegerField(_("action code"), null=True, blank=True)
    actor_type = models.CharField(_("by"), max_length=8, choices=ActorType)
    api_account = models.ForeignKey(
        ApiAccount, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("API account")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
        db_index=False,  # see Meta.indexes
    )
    # NULL, not "": operations without a key must not collide in the unique constraint.
    idempotency_key = models.CharField(_("idempotency key"), max_length=128, null=True, blank=True)  # noqa: DJ001
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    # Refunds only: the remittance that passed this refund to the bank as a credit line (exactly once).
    remittance = models.ForeignKey(
        "Remittance",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("remittance"),
        editable=False,
        db_index=False,  # see Meta.indexes
    )
    # Not indexed: no query reads operations by time but the remittance's, which has its own index.
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("operation")
        verbose_name_plural = _("operations")
        ordering = ["created_at", "id"]
        constraints = [
            # Also the index of every look-up by order (the foreign key has none of its own): keep the
            # order first and the constraint unconditional.
            models.UniqueConstraint(
                fields=["order", "idempotency_key"], name="operation_idempotency_key_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="operation_amount_not_negative"),
            models.CheckConstraint(condition=Q(kind__in=OperationKind.values), name="operation_kind_known"),
            models.CheckConstraint(
                condition=Q(remittance__isnull=True) | Q(kind=OperationKind.REFUND, success=True),
                name="operation_remitted_only_refunds",
            ),
        ]
        indexes = [
            # The refunds the next remittance will credit: small, since credited refunds leave it.
            models.Index(
                fields=["created_at"],
                condition=Q(kind=OperationKind.REFUND, success=True, remittance__isnull=True),
                name="operation_refund_awaiting",
            ),
            # Most operations have neither (the API's and the buyers'): indexing only the others spares
            # every insert two index entries. A look-up by value (`user_id = x`) still uses them.
            models.Index(fields=["user"], condition=Q(user__isnull=False), name="operation_by_user"),
            models.Index(
                fields=["remittance"], condition=Q(remittance__isnull=False), name="operation_by_remittance"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.order_id})"


class RemittanceStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    STARTED = "started", _("Started")  # being built, or interrupted: a human checks before a retry
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")  # rolled back cleanly; the next run retries


class Remittance(models.Model):
    """One day's hand-over to the bank for a merchant, contract and currency (see services/remittance.py).

    Amounts are minor units of `currency`. commission = round half up (gross x commission_bps / 10 000);
    net = gross - refunds - commission, negative when refunds outweigh the day's sales.
    """

    business_date = models.DateField(_("business day"))
    merchant = models.ForeignKey(
        Merchant, models.PROTECT, related_name="remittances", verbose_name=_("merchant")
    )
    contract = models.ForeignKey(
        Contract, models.PROTECT, related_name="remittances", verbose_name=_("contract")
    )
    currency = models.ForeignKey(Currency, models.PROTECT, related_name="+", verbose_name=_("currency"))
    status = models.CharField(
        _("status"), max_length=8, choices=RemittanceStatus, default=RemittanceStatus.PENDING
    )
    cutoff_at = models.DateTimeField(_("orders deposited before"))
    commission_bps = models.PositiveIntegerField(_("commission (basis points)"), default=0)
    order_count = models.PositiveIntegerField(_("orders"), default=0)
    gross_amount = models.BigIntegerField(_("gross amount"), default=0)
    refund_count = models.PositiveIntegerField(_("refunds"), default=0)
    refund_amount = models.BigIntegerField(_("refunded amount"), default=0)
    commission_amount = models.BigIntegerField(_("commission"), default=0)
    net_amount = models.BigIntegerField(_("net amount"), default=0)
    file = models.FileField(_("bank file"), max_length=255, blank=True, editable=False)
    error = models.CharField(_("last error"), max_length=255, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("remittance")
        verbose_name_plural = _("remittances")
        ordering = ["-business_date", "merchant", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_date", "merchant", "contract", "currency"], name="remittance_one_per_day"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RemittanceStatus.values), name="remittance_status_known"
            ),
            models.CheckConstraint(
                condition=Q(gross_amount__gte=0, refund_amount__gte=0, commission_amount__gte=0),
                name="remittance_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(net_amount=F("gross_amount") - F("refund_amount") - F("commission_amount")),
                name="remittance_net_balances",
            ),
            models.CheckConstraint(
                condition=~Q(status=RemittanceStatus.DONE) | (Q(finished_at__isnull=False) & ~Q(file="")),
                name="remittance_done_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.business_date} {self.merchant_id}/{self.contract_id} {self.currency_id}"

    @property
    def orders(self) -> "models.QuerySet[Order]":
        """The orders whose sales this remittance handed to the bank."""
        return Order.objects.filter(sale__remittance=self)

    @property
    def is_stuck(self) -> bool:
        """STARTED for longer than any run takes: interrupted, and waiting for a human."""
        limit = timezone.now() - timedelta(seconds=settings.REMITTANCE_STUCK_AFTER)
        return self.status == RemittanceStatus.STARTED and (
            self.started_at is None or self.started_at < limit
        )


class RemittanceSale(models.Model):
    """An order's sale handed to the bank: the D record of a remittance file. At most one per order, so
    an order is remitted once; its existence is what "remitted" means (a cancel is refused from then on).

    A row of its own rather than columns of the order: marking a million orders remitted then inserts a
    million narrow rows instead of rewriting a million wide ones, each with every index of the orders
    table. `remittance` is empty only for orders remitted before remittances were recorded.

    The references are checked by triggers (migration 0006), not by foreign keys: a foreign key checks
    each row apart, by a query of its own (12 of the 35 s of a million-row remittance); the triggers
    check each statement's rows together, that every sale's order exists and is paid and that its
    remittance exists, and refuse to delete an order or a remittance a sale refers to.
    """

    order = models.OneToOneField(
        Order,
        models.PROTECT,
        primary_key=True,
        related_name="sale",
        db_constraint=False,
        verbose_name=_("order"),
    )
    remittance = models.ForeignKey(
        Remittance,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="sales",
        db_index=False,  # the (remittance, order) index below serves it
        db_constraint=False,
        verbose_name=_("remittance"),
    )
    amount = models.BigIntegerField(_("amount"))  # the deposited amount handed over, minor units
    remitted_at = models.DateTimeField(_("remitted to the bank"))

    class Meta:
        verbose_name = _("remitted sale")
        verbose_name_plural = _("remitted sales")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="remittance_sale_amount_positive"),
        ]
        indexes = [models.Index(fields=["remittance", "order"], name="remittance_sale_by_remittance")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.amount} ({self.remittance_id})"
