"""Dashboard figures: read-only aggregates of one merchant's orders, one GROUP BY per figure.

Definitions (the same on every figure):
- an order counts on the day it was created (`created_at`, local day in settings.TIME_ZONE);
- accepted: the issuer approved it (`approved_amount > 0`), whatever happened next (paid, refunded or
  cancelled by the merchant: statuses 1 to 4). Its amount is the approved amount;
- refused: status 6 (declined). Its amount is the amount asked for;
- orders still waiting for the buyer (statuses 0 and 5) are neither, and stay out of the rate;
- acceptance rate: accepted / (accepted + refused), counted in orders, all currencies together;
- awaiting remittance: paid orders (status 2 or 4) not yet remitted, deposited minus refunded, at any date.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from payments.models import Contract, Currency, Merchant, Order, OrderStatus
from payments.selectors import action_code_description
from payments.services import remittance
from payments.services.remittance import DEFAULT_HOLD_DAYS

ACCEPTED = Q(approved_amount__gt=0)
REFUSED = Q(status=OrderStatus.DECLINED)
PAID = (OrderStatus.DEPOSITED, OrderStatus.REFUNDED)
PERIODS = (7, 30, 90)  # days the period selector offers
DEFAULT_PERIOD = 30
CHART_DAYS = 30
TOP_REASONS = 5


@dataclass
class CurrencyFigures:
    currency: Currency
    accepted_count: int = 0
    accepted_amount: int = 0
    refused_count: int = 0
    refused_amount: int = 0


@dataclass
class Figures:
    """Accepted and refused orders of a span, per currency, and the acceptance rate over all of them."""

    per_currency: list[CurrencyFigures] = field(default_factory=list)

    @property
    def accepted_count(self) -> int:
        return sum(row.accepted_count for row in self.per_currency)

    @property
    def refused_count(self) -> int:
        return sum(row.refused_count for row in self.per_currency)

    @property
    def acceptance_rate(self) -> float | None:
        """Percentage (0-100), None when nothing was decided: "no data" is not "0 %"."""
        decided = self.accepted_count + self.refused_count
        return None if decided == 0 else 100 * self.accepted_count / decided


@dataclass(frozen=True)
class RefusalReason:
    action_code: int
    description: str
    count: int


@dataclass(frozen=True)
class DayFigures:
    day: date
    accepted: int
    refused: int


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: date) -> datetime:
    """Midnight of a local day, as an aware datetime (the column is compared raw: its index is used)."""
    return datetime.combine(day, time.min, tzinfo=_tz())


def period_start(*, days: int, today: date | None = None) -> datetime:
    """The start of the last `days` days, today included."""
    today = today or timezone.localdate()
    return day_start(today - timedelta(days=days - 1))


def _orders(*, merchant: Merchant, since: datetime) -> QuerySet[Order]:
    return Order.objects.filter(merchant=merchant, created_at__gte=since)


def figures(*, merchant: Merchant, since: datetime) -> Figures:
    """Accepted and refused counts and amounts per currency, for orders created since `since`."""
    rows = (
        _orders(merchant=merchant, since=since)
        .filter(ACCEPTED | REFUSED)
        .values("currency")
        .annotate(
            accepted_count=Count("pk", filter=ACCEPTED),
            accepted_amount=Sum("approved_amount", filter=ACCEPTED, default=0),
            refused_count=Count("pk", filter=REFUSED),
            refused_amount=Sum("amount", filter=REFUSED, default=0),
        )
        .order_by("currency")
    )
    currencies = Currency.objects.in_bulk()  # three rows: cheaper than a join on every order
    return Figures(
        per_currency=[
            CurrencyFigures(
                currency=currencies[row["currency"]],
                accepted_count=row["accepted_count"],
                accepted_amount=row["accepted_amount"],
                refused_count=row["refused_count"],
                refused_amount=row["refused_amount"],
            )
            for row in rows
        ]
    )


def top_refusal_reasons(
    *, merchant: Merchant, since: datetime, limit: int = TOP_REASONS
) -> list[RefusalReason]:
    """The most frequent action codes of refused orders since `since`, with their translated description."""
    rows = (
        _orders(merchant=merchant, since=since)
        .filter(REFUSED)
        .values("action_code")
        .annotate(count=Count("pk"))
        .order_by("-count", "action_code")[:limit]
    )
    return [
        RefusalReason(row["action_code"], action_code_description(row["action_code"]), row["count"])
        for row in rows
    ]


def awaiting_remittance(*, merchant: Merchant) -> list[tuple[Currency, int]]:
    """Per currency: what the next remittances will hand to the bank (deposited minus refunded): the
    paid orders they look for (since the last remittances), not the merchant's whole history."""
    since = remittance.waiting_since(merchant_id=merchant.pk)
    # A paid order was created at most its longest hold before its deposit; and the merchant's orders are
    # indexed by creation time.
    contracts = Contract.objects.filter(merchant=merchant)
    hold_days = max([DEFAULT_HOLD_DAYS, *contracts.values_list("hold_days", flat=True)])
    rows = (
        Order.objects.filter(
            merchant=merchant,
            status__in=PAID,
            sale__isnull=True,
            created_at__gte=since - timedelta(days=hold_days),
            deposited_at__gte=since,
        )
        .values("currency")
        .annotate(total=Sum(F("deposited_amount") - F("refunded_amount"), default=0))
        .order_by("currency")
    )
    currencies = Currency.objects.in_bulk()
    return [(currencies[row["currency"]], row["total"]) for row in rows if row["total"]]


def daily_counts(
    *, merchant: Merchant, days: int = CHART_DAYS, today: date | None = None
) -> list[DayFigures]:
    """Accepted and refused orders per local day over the last `days` days, oldest first, gaps as 0."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    rows = (
        _orders(merchant=merchant, since=day_start(first))
        .filter(ACCEPTED | REFUSED)
        .annotate(day=TruncDate("created_at", tzinfo=_tz()))
        .values("day")
        .annotate(accepted=Count("pk", filter=ACCEPTED), refused=Count("pk", filter=REFUSED))
        .order_by("day")
    )
    found = {row["day"]: row for row in rows}
    result = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = found.get(day, {"accepted": 0, "refused": 0})
        result.append(DayFigures(day, row["accepted"], row["refused"]))
    return result


def parse_period(value: str | None) -> int:
    """The period selector's `days` parameter; anything unknown falls back to the default."""
    try:
        days = int(value or DEFAULT_PERIOD)
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD
