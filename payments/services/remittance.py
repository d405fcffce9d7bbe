"""Remittance to the bank ("remise en banque") and the release of stale pre-authorization holds.

A remittance covers one business day (Africa/Tunis) for one merchant, contract and currency. It takes
every paid order (status 2 or 4) deposited before the cut-off and not yet remitted, with its deposited
amount, and every successful refund made since the previous remittance, as a credit line. Reversed
orders (status 3, deposited amount 0) never match. Once a remittance of a day is DONE it never changes:
orders deposited later go to the next day's remittance. A run looks for paid orders deposited in the
REMITTANCE_LOOKBACK_DAYS before its cut-off (days of orders, not the whole history; an outage longer
than that is caught up with a longer lookback).

Bank file: CSV, UTF-8, `;`-separated, one record per line. Amounts are integers in minor units of the
currency (TND 3 decimals, EUR/USD 2), times ISO 8601 in Africa/Tunis, dates YYYYMMDD.

    H;CTPREM1;<business date>;<remittance id>;<bank>;<merchant code>;<contract id>;<currency numeric>;
      <exponent>;<cut-off>;<order count>;<gross>;<refund count>;<refunds>;<commission bps>;<commission>;<net>
    D;<seq>;<order id>;<order number>;<terminal>;<deposited at>;<approval code>;<reference>;<card>;<amount>
    C;<seq>;<order id>;<order number>;<terminal>;<refunded at>;<approval code>;<reference>;<card>;<amount>
    T;<D+C records>;<order count>;<gross>;<refund count>;<refunds>;<commission>;<net>

(the header is one line). A field holding `;`, `"`, CR or LF is quoted, `"` doubled. D records are sales
(orders by id), C records refunds credited to the buyer (by operation id); `seq` runs from 1 over D then
C records. gross = sum of D amounts, refunds = sum of C amounts, commission = gross x bps / 10 000
rounded half up (integer arithmetic, on the sales only: the acquirer keeps its fee on refunded sales),
net = gross - refunds - commission (may be negative).

Safety. Orders are claimed by one INSERT ... SELECT per group into RemittanceSale (whose primary key,
the order, remits an order once). On PostgreSQL the SELECT takes FOR SHARE locks on the orders it
claims, so under READ COMMITTED it waits for an `order_reverse` holding a row lock and then re-checks
the status on the new row version: a cancelled order (status 3) no longer matches; and a reverse that
waited for us reads the sale once we commit, and refuses. The Remittance row is claimed by
compare-and-set PENDING/FAILED -> STARTED and committed before the file is written; the claim of the
orders, the file and DONE then commit together. An exception rolls all of that back, deletes the file
and leaves FAILED (the next run retries). A process killed mid-way leaves STARTED: the bank may have
received the file, so the group is flagged and skipped until a human calls `remittance_release`.

Cost, for a million orders (bench/remittance.py): the claim inserts narrow sale rows instead of
rewriting wide order rows (each with every index of the orders table: five times the time). On
PostgreSQL the D and C records are formatted by the database (COPY ... CSV, in the transaction's time
zone) rather than row by row in Python.
"""

import csv
import io
import itertools
import logging
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import sql

from payments.errors import ErrorCode, OperationRefused
from payments.models import (
    Contract,
    Currency,
    Operation,
    OperationKind,
    Order,
    OrderStatus,
    Remittance,
    RemittanceStatus,
    Terminal,
)

from . import orders
from .common import SYSTEM, lock_order

logger = logging.getLogger(__name__)

FILE_FORMAT = "CTPREM1"
PAID = (OrderStatus.DEPOSITED, OrderStatus.REFUNDED)
CHUNK = 5000  # rows per fetch while streaming the file: memory stays flat whatever the day's volume
FILE_BLOCK = 1 << 20
DEFAULT_HOLD_DAYS = 7  # holds on orders without a terminal (hence without a contract)
# A deposit stamped before a cut-off may commit after that day's claim read the orders: the next day
# looks this far before the previous cut-off for it (deposits commit within seconds).
LATE_COMMIT = timedelta(days=1)


@dataclass(frozen=True, order=True)
class Group:
    merchant_id: int
    contract_id: int
    currency_id: str


def cutoff_for(business_date: date) -> datetime:
    """The cut-off of a business day: settings.REMITTANCE_CUTOFF (HH:MM, default 23:00) Africa/Tunis."""
    hour, minute = (int(part) for part in settings.REMITTANCE_CUTOFF.split(":"))
    return datetime.combine(business_date, time(hour, minute), tzinfo=ZoneInfo(settings.TIME_ZONE))


def business_date_due(now: datetime | None = None) -> date:
    """The latest business day whose cut-off has passed (a late or missed beat catches up)."""
    today = timezone.localdate(now)
    return today if (now or timezone.now()) >= cutoff_for(today) else today - timedelta(days=1)


def remittance_run(
    *,
    until: datetime | None,
    business_date: date,
    now: datetime | None = None,
    lookback_days: int | None = None,
) -> list[Remittance]:
    """Remit, for `business_date`, everything paid before `until` (None: the day's cut-off; never later
    than now) and every refund made since the previous remittance. Returns the remittances built now.

    Idempotent: a group whose remittance of the day is DONE is left alone, so a second run builds
    nothing. Groups blocked by a STARTED remittance are logged and skipped. Re-raises the first error
    of a group (after marking its remittance FAILED and rolling it back); groups done before it stay.
    `now` is the clock (tests, demo history). Orders deposited more than `lookback_days` (default
    settings.REMITTANCE_LOOKBACK_DAYS) before the cut-off are not looked for.
    """
    now = now or timezone.now()
    cutoff = min(until or cutoff_for(business_date), now)
    floor = cutoff - timedelta(
        days=settings.REMITTANCE_LOOKBACK_DAYS if lookback_days is None else lookback_days
    )
    # An explicit lookback is a catch-up: it looks at all of it. Otherwise a group looks back to its last
    # remittance, which took everything deposited before its own cut-off.
    last = {} if lookback_days is not None else _last_cutoffs(business_date)

    def since(group: Group) -> datetime:
        return _looked_back(floor, last.get(group))

    built = []
    for group, refunds in _groups(cutoff, since).items():
        remittance = _claim(group, business_date=business_date, cutoff=cutoff, now=now)
        if remittance is None:
            continue
        if (done := _build_or_fail(remittance, refunds=refunds, since=since(group), now=now)) is not None:
            built.append(done)
    return built


def waiting_since(*, merchant_id: int, now: datetime | None = None) -> datetime:
    """From when the merchant's orders may still wait for a remittance: its groups' last remittances
    (less LATE_COMMIT), or REMITTANCE_LOOKBACK_DAYS for a group never remitted yet."""
    now = now or timezone.now()
    floor = now - timedelta(days=settings.REMITTANCE_LOOKBACK_DAYS)
    pairs = Contract.currencies.through.objects.filter(contract__merchant_id=merchant_id)
    groups = {Group(merchant_id, *pair) for pair in pairs.values_list("contract_id", "currency_id")}
    last = _last_cutoffs(timezone.localdate(now) + timedelta(days=1), merchant_id=merchant_id)
    if not groups or any(group not in last for group in groups):
        return floor
    return _looked_back(floor, min(last[group] for group in groups))


def _looked_back(floor: datetime, last_cutoff: datetime | None) -> datetime:
    """Where a search for waiting orders starts: the previous remittance's cut-off less LATE_COMMIT (it
    took everything older), never before `floor`; `floor` when there was none."""
    return floor if last_cutoff is None else max(floor, last_cutoff - LATE_COMMIT)


def _last_cutoffs(business_date: date, *, merchant_id: int | None = None) -> dict[Group, datetime]:
    """Per group, the cut-off of its latest DONE remittance of an earlier business day (within the
    lookback: an older one bounds nothing)."""
    oldest = business_date - timedelta(days=settings.REMITTANCE_LOOKBACK_DAYS + 1)
    done = Remittance.objects.filter(
        status=RemittanceStatus.DONE, business_date__lt=business_date, business_date__gte=oldest
    )
    if merchant_id is not None:
        done = done.filter(merchant_id=merchant_id)
    done = (
        done.order_by()
        .values_list("merchant_id", "contract_id", "currency_id")
        .annotate(last=Max("cutoff_at"))
    )
    return {Group(merchant, contract, currency): last for merchant, contract, currency, last in done}


def _groups(cutoff: datetime, since: Callable[[Group], datetime]) -> dict[Group, list[int]]:
    """The (merchant, contract, currency) groups with orders or refunds waiting to be remitted, in order,
    each with the pks of its waiting refunds. Refunds are few: they are sorted into groups here, by one
    query, because looking for them group by group reads every order of the merchant each time.
    """
    contract_of = dict(Terminal.objects.values_list("pk", "contract_id"))
    merchant_of = dict(Contract.objects.values_list("pk", "merchant_id"))

    def group(terminal: int, currency: str) -> Group:
        return Group(merchant_of[contract_of[terminal]], contract_of[terminal], currency)

    refunds: dict[Group, list[int]] = defaultdict(list)
    found = _waiting_refunds(cutoff).order_by().values_list("pk", "order__terminal_id", "order__currency_id")
    for pk, terminal, currency in found.iterator(chunk_size=CHUNK):
        refunds[group(terminal, currency)].append(pk)
    keys = set(refunds)
    currencies = list(Currency.objects.values_list("pk", flat=True))
    for terminal, currency in itertools.product(contract_of, currencies):
        # A range of the paid orders' index (terminal, currency, deposited_at): its first entry is enough.
        key = group(terminal, currency)
        waiting = _waiting_orders(cutoff, since(key)).filter(terminal_id=terminal, currency_id=currency)
        if key not in keys and waiting.exists():
            keys.add(key)
    return {key: refunds.get(key, []) for key in sorted(keys)}


def _waiting_orders(cutoff: datetime, since: datetime) -> Any:
    return Order.objects.filter(
        status__in=PAID,
        sale__isnull=True,
        deposited_at__lt=cutoff,
        deposited_at__gte=since,
        terminal__isnull=False,
    )


def _waiting_refunds(cutoff: datetime) -> Any:
    return Operation.objects.filter(
        kind=OperationKind.REFUND,
        success=True,
        remittance__isnull=True,
        created_at__lt=cutoff,
        order__sale__isnull=False,
        order__terminal__isnull=False,
    )


def _claim(group: Group, *, business_date: date, cutoff: datetime, now: datetime) -> Remittance | None:
    """The group's remittance of the day, moved to STARTED by compare-and-set; None if not ours to build."""
    key = {
        "merchant_id": group.merchant_id,
        "contract_id": group.contract_id,
        "currency_id": group.currency_id,
    }
    same_group = Remittance.objects.filter(**key)
    if blocker := same_group.filter(status=RemittanceStatus.STARTED).first():
        _flag(blocker)
        return None
    bps = Contract.objects.values_list("commission_bps", flat=True).get(pk=group.contract_id)
    remittance, _created = Remittance.objects.get_or_create(
        business_date=business_date, **key, defaults={"cutoff_at": cutoff, "commission_bps": bps}
    )
    if remittance.status == RemittanceStatus.DONE:
        return None  # the day is closed for this group: later deposits go to the next day
    claimed = Remittance.objects.filter(
        pk=remittance.pk, status__in=[RemittanceStatus.PENDING, RemittanceStatus.FAILED]
    ).update(status=RemittanceStatus.STARTED, started_at=now, cutoff_at=cutoff, commission_bps=bps, error="")
    if claimed != 1:
        _flag(Remittance.objects.get(pk=remittance.pk))
        return None
    return Remittance.objects.select_related("merchant", "contract", "currency").get(pk=remittance.pk)


def _flag(remittance: Remittance) -> None:
    if remittance.is_stuck:
        logger.error(
            "Remittance %s (%s) is stuck in STARTED since %s: check whether the bank received %r, then "
            "call remittance_release. Its group is skipped until then.",
            remittance.pk,
            remittance,
            remittance.started_at,
            remittance.file.name,
        )
    else:
        logger.warning(
            "Remittance %s (%s) is being built by another run: skipped.", remittance.pk, remittance
        )


def _build_or_fail(
    remittance: Remittance, *, refunds: list[int], since: datetime, now: datetime
) -> Remittance | None:
    try:
        with transaction.atomic():
            return _build(remittance, refunds=refunds, since=since, now=now)
    except Exception as error:
        # Rolled back: no order or refund points at it any more. The file goes too.
        if remittance.file.name:
            default_storage.delete(remittance.file.name)
        Remittance.objects.filter(pk=remittance.pk, status=RemittanceStatus.STARTED).update(
            status=RemittanceStatus.FAILED, error=f"{type(error).__name__}: {error}"[:255]
        )
        logger.exception("Remittance %s (%s) failed and was rolled back.", remittance.pk, remittance)
        raise


def _build(
    remittance: Remittance, *, refunds: list[int], since: datetime, now: datetime
) -> Remittance | None:
    """Claim the group's orders and `refunds` (pks), write the file and record totals (in one transaction)."""
    terminals = dict(
        Terminal.objects.filter(contract=remittance.contract_id).values_list("pk", "terminal_id")
    )
    with tempfile.TemporaryFile() as sales:
        _claim_sales(remittance, list(terminals), since=since, now=now, records=sales)
        refund_count = _claim_refunds(remittance, refunds)
        order_count, gross = _sales_totals(remittance)
        if not (order_count or refund_count):
            remittance.delete()  # everything waiting was cancelled meanwhile: nothing to hand over
            return None
        credited = remittance.refunds.aggregate(total=Sum("amount"))["total"] or 0
        commission = (gross * remittance.commission_bps + 5_000) // 10_000  # half up, gross >= 0
        remittance.order_count, remittance.gross_amount = order_count, gross
        remittance.refund_count, remittance.refund_amount = refund_count, credited
        remittance.commission_amount, remittance.net_amount = commission, gross - credited - commission
        _write_file(remittance, terminals, sales)
    remittance.status, remittance.finished_at = RemittanceStatus.DONE, now
    remittance.save()
    return remittance


def _sales_totals(remittance: Remittance) -> tuple[int, int]:
    totals = remittance.sales.aggregate(count=Count("pk"), gross=Sum("amount"))
    return totals["count"], totals["gross"] or 0


# The group's waiting orders (the conditions of _waiting_orders), picked set-wise. On PostgreSQL under
# FOR SHARE locks (see the module docstring), and in one statement with their D records: the orders
# are read once, and PostgreSQL formats the records (COPY ... CSV) in the transaction's time zone.
_PICK = """
SELECT o.id, o.order_id, o.order_number, o.terminal_id, o.deposited_at, o.approval_code,
       o.reference_number, o.masked_pan, o.deposited_amount
FROM payments_order o
WHERE o.merchant_id = {merchant} AND o.currency_id = {currency} AND o.terminal_id IN ({terminals})
  AND o.status IN ({paid}) AND o.deposited_at < {cutoff} AND o.deposited_at >= {since}
  AND NOT EXISTS (SELECT 1 FROM payments_remittancesale s WHERE s.order_id = o.id)
"""
_INSERT_SALES = """
INSERT INTO payments_remittancesale (order_id, remittance_id, amount, remitted_at)
SELECT id, {remittance}, deposited_amount, {now} FROM picked
"""
# Empty text goes out as NULL, which COPY writes bare (it would quote an empty string). The same bytes
# as _records_written (tested).
_COPY_SALES = """
COPY (
    WITH picked AS MATERIALIZED ({pick} FOR SHARE OF o), claimed AS ({insert})
    SELECT 'D', row_number() OVER (ORDER BY p.id), p.order_id, NULLIF(p.order_number, ''), t.terminal_id,
           to_char(p.deposited_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'), NULLIF(p.approval_code, ''),
           NULLIF(p.reference_number, ''), NULLIF(p.masked_pan, ''), p.deposited_amount
    FROM picked p JOIN payments_terminal t ON t.id = p.terminal_id
    ORDER BY p.id
) TO STDOUT WITH (FORMAT csv, DELIMITER ';')
"""


def _claim_sales(
    remittance: Remittance, terminals: list[int], *, since: datetime, now: datetime, records: IO[bytes]
) -> None:
    """Make the group's waiting orders sales of `remittance`. On PostgreSQL their D records go to
    `records` as well; elsewhere _records writes them from the sales afterwards."""
    if not terminals:
        return
    ints = {
        "merchant": _ints([remittance.merchant_id]),
        "remittance": _ints([remittance.pk]),
        "terminals": _ints(terminals),
        "paid": _ints(PAID),
    }
    if connection.vendor != "postgresql":
        moment = connection.ops.adapt_datetimefield_value  # as the ORM stores it (SQLite: UTC text)
        values = ints | {"currency": "%s", "cutoff": "%s", "since": "%s", "now": "%s"}
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH picked AS ({_PICK.format(**values)}) {_INSERT_SALES.format(**values)}",
                [remittance.currency_id, moment(remittance.cutoff_at), moment(since), moment(now)],
            )
        return
    # COPY takes no parameters: the values are written in as literals.
    values = {key: sql.SQL(text) for key, text in ints.items()} | {
        "currency": sql.Literal(remittance.currency_id),
        "cutoff": sql.Literal(remittance.cutoff_at),
        "since": sql.Literal(since),
        "now": sql.Literal(now),
    }
    with connection.cursor() as cursor, _local_time_zone(cursor):
        # Key lookups and a sort: JIT compilation of a large group's plan would cost more than it saves.
        cursor.execute("SELECT set_config('jit', 'off', true)")
        query = sql.SQL(_COPY_SALES).format(
            pick=sql.SQL(_PICK).format(**values), insert=sql.SQL(_INSERT_SALES).format(**values)
        )
        with cursor.copy(query.as_string(cursor.connection)) as copy:
            for block in copy:
                records.write(block)


def _ints(values: Iterable[int]) -> str:
    """Integers as SQL text: int() makes sure nothing else gets in."""
    return ", ".join(str(int(value)) for value in values)


def _claim_refunds(remittance: Remittance, refunds: list[int]) -> int:
    """Point the waiting refunds at the remittance, re-checking on each row that none was taken since."""
    claimed = 0
    for start in range(0, len(refunds), CHUNK):  # a bounded number of parameters per statement
        claimed += Operation.objects.filter(
            pk__in=refunds[start : start + CHUNK], remittance__isnull=True
        ).update(remittance=remittance)
    return claimed


def file_name(remittance: Remittance) -> str:
    day = remittance.business_date
    return (
        f"remittances/{day:%Y/%m}/{day:%Y%m%d}-{remittance.merchant.code}-{remittance.contract_id}-"
        f"{remittance.currency.alpha_code}.csv"
    )


def _write_file(remittance: Remittance, terminals: dict[int, str], sales: IO[bytes]) -> None:
    """Stream the records to a temporary file, then hand it to the storage (flat memory). `sales` holds
    the D records already (PostgreSQL) or nothing."""
    with tempfile.TemporaryFile() as raw:
        raw.write(_csv_line(_header(remittance)))
        for block in _records(remittance, terminals, sales):
            raw.write(block)
        raw.write(_csv_line(_trailer(remittance, remittance.order_count + remittance.refund_count)))
        raw.seek(0)
        # Remembered on the instance at once, so a failure after this point deletes the file.
        remittance.file.name = default_storage.save(file_name(remittance), File(raw))


def _header(r: Remittance) -> list[Any]:
    return [
        "H", FILE_FORMAT, f"{r.business_date:%Y%m%d}", r.pk, r.contract.bank_name, r.merchant.code,
        r.contract_id, r.currency.numeric_code, r.currency.exponent, _local(r.cutoff_at),
        r.order_count, r.gross_amount, r.refund_count, r.refund_amount, r.commission_bps,
        r.commission_amount, r.net_amount,
    ]  # fmt: skip


def _trailer(r: Remittance, records: int) -> list[Any]:
    return [
        "T", records, r.order_count, r.gross_amount, r.refund_count, r.refund_amount,
        r.commission_amount, r.net_amount,
    ]  # fmt: skip


def _records(
    remittance: Remittance, terminals: dict[int, str], sales: IO[bytes]
) -> Iterator[bytes | memoryview]:
    """The D then C records, encoded. PostgreSQL formats them itself (COPY): for a million rows that is
    seconds less than converting each row in Python. Both ways give the same bytes (tested)."""
    if connection.vendor != "postgresql":
        yield from _records_written(remittance, terminals)
        return
    sales.seek(0)
    while block := sales.read(FILE_BLOCK):
        yield block
    yield from _credits_copied(remittance)


def _records_written(remittance: Remittance, terminals: dict[int, str]) -> Iterator[bytes]:
    columns = ["terminal_id", "deposited_at", "approval_code", "reference_number", "masked_pan"]
    sales = remittance.orders.order_by("pk").values_list("order_id", "order_number", *columns, "sale__amount")
    credits = remittance.refunds.order_by("pk").values_list(
        "order__order_id", "order__order_number", "order__terminal_id", "created_at",
        *(f"order__{column}" for column in columns[2:]), "amount",
    )  # fmt: skip
    seq, tz = 0, _tz()
    for kind, rows in (("D", sales), ("C", credits)):
        for row in rows.iterator(chunk_size=CHUNK):
            seq += 1
            yield _csv_line(_record(kind, seq, row, terminals, tz))


def _record(kind: str, seq: int, row: tuple[Any, ...], terminals: dict[int, str], tz: ZoneInfo) -> list[Any]:
    order_id, number, terminal, at, approval, reference, card, amount = row
    at = at.astimezone(tz).isoformat(timespec="seconds")
    return [kind, seq, order_id, number, terminals[terminal], at, approval, reference, card, amount]


# The C records of _records_written, as _COPY_SALES writes the D records.
_COPY_CREDITS = """
COPY (
    SELECT 'C', {orders} + row_number() OVER (ORDER BY r.id), o.order_id, NULLIF(o.order_number, ''),
           t.terminal_id, to_char(r.created_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'),
           NULLIF(o.approval_code, ''), NULLIF(o.reference_number, ''), NULLIF(o.masked_pan, ''), r.amount
    FROM payments_operation r
    JOIN payments_order o ON o.id = r.order_id JOIN payments_terminal t ON t.id = o.terminal_id
    WHERE r.remittance_id = {remittance}
    ORDER BY r.id
) TO STDOUT WITH (FORMAT csv, DELIMITER ';')
"""


def _credits_copied(remittance: Remittance) -> Iterator[bytes | memoryview]:
    params = {"remittance": sql.Literal(remittance.pk), "orders": sql.Literal(remittance.order_count)}
    # Django's cursor passes no parameters to COPY: the two integers are written in as literals.
    with connection.cursor() as cursor, _local_time_zone(cursor):
        query = sql.SQL(_COPY_CREDITS).format(**params).as_string(cursor.connection)
        with cursor.copy(query) as copy:
            yield from copy


@contextmanager
def _local_time_zone(cursor: Any) -> Iterator[None]:
    """Times formatted by PostgreSQL in settings.TIME_ZONE, for this transaction only."""
    cursor.execute("SELECT current_setting('TimeZone')")
    (session_zone,) = cursor.fetchone()
    cursor.execute("SELECT set_config('TimeZone', %s, true)", [settings.TIME_ZONE])
    yield
    cursor.execute("SELECT set_config('TimeZone', %s, true)", [session_zone])


def _csv_line(values: list[Any]) -> bytes:
    """One record, `;`-separated, a field quoted when it holds `;`, `"`, CR or LF (as COPY ... CSV does;
    csv.writer would leave a bare CR, which readers take for the end of the line)."""
    return (";".join(_csv_field("" if value is None else str(value)) for value in values) + "\n").encode()


def _csv_field(text: str) -> str:
    if any(char in text for char in ';"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _local(moment: datetime) -> str:
    return moment.astimezone(_tz()).isoformat(timespec="seconds")


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def remittances_stuck() -> list[Remittance]:
    """Remittances interrupted in STARTED, waiting for a human (see remittance_release)."""
    started = Remittance.objects.filter(status=RemittanceStatus.STARTED).select_related(
        "merchant", "currency"
    )
    return [remittance for remittance in started if remittance.is_stuck]


def remittance_release(*, remittance_id: int) -> Remittance:
    """After a human checked the bank did not take its file: STARTED -> FAILED, file deleted, so the
    next run rebuilds it. Raises OperationRefused (7) unless STARTED. Idempotent in effect: a second
    call is refused and changes nothing.
    """
    with transaction.atomic():
        remittance = Remittance.objects.select_for_update().get(pk=remittance_id)
        if remittance.status != RemittanceStatus.STARTED:
            raise OperationRefused(ErrorCode.BAD_STATE, _("Only a remittance left started can be released."))
        # A killed run rolled back its claim: no order points here. Refuse if that ever were not so.
        if remittance.orders.exists() or remittance.refunds.exists():
            raise OperationRefused(
                ErrorCode.BAD_STATE, _("This remittance holds orders: it cannot be rebuilt.")
            )
        if remittance.file.name:
            default_storage.delete(remittance.file.name)
        remittance.file.name = ""
        remittance.status, remittance.error = RemittanceStatus.FAILED, "released by an operator"
        remittance.save(update_fields=["file", "status", "error"])
    logger.warning("Remittance %s (%s) released for a rebuild.", remittance.pk, remittance)
    return remittance


def holds_reverse_expired(*, now: datetime | None = None) -> list[int]:
    """Reverse (as SYSTEM, through order_reverse) two-phase holds (status 1) authorized longer ago than
    their contract's hold_days. Returns the order pks reversed now. Idempotent: a reversed order is no
    longer a hold; a hold deposited meanwhile is refused by order_reverse's checks and left alone.
    """
    now = now or timezone.now()
    shortest = min([DEFAULT_HOLD_DAYS, *Contract.objects.values_list("hold_days", flat=True)])
    candidates = Order.objects.filter(
        status=OrderStatus.APPROVED, authorized_at__lt=now - timedelta(days=shortest)
    ).values_list("pk", "authorized_at", "terminal__contract__hold_days")
    due = [
        pk
        for pk, at, days in candidates
        if at < now - timedelta(days=DEFAULT_HOLD_DAYS if days is None else days)
    ]
    return [pk for pk in due if _reverse_hold(pk)]


def _reverse_hold(order_pk: int) -> bool:
    with transaction.atomic():
        # order_reverse also cancels paid orders: hold the lock while checking it is still only a hold.
        if lock_order(order_pk).status != OrderStatus.APPROVED:
            return False  # deposited or cancelled since we looked
        orders.order_reverse(order_pk=order_pk, actor=SYSTEM)
    return True


def lines_of(remittance: Remittance) -> Iterable[list[str]]:
    """The records of a remittance's file, parsed (tests, back-office checks)."""
    with default_storage.open(remittance.file.name, "rb") as raw:
        yield from csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""), delimiter=";")
