"""Order exports: the one list of columns, and two streaming writers (CSV and XLSX).

Used by the back-office export of a search and by the daily extraction files, so both carry the same
columns in the same formats.

- Rows come from `values_list(...).iterator(chunk_size=CHUNK)`: a server-side cursor on PostgreSQL, so
  memory stays flat whatever the row count; CSV text is written CHUNK rows at a time, not row by row.
  On PostgreSQL the CSV rows are PostgreSQL's own `COPY ... TO STDOUT`, byte for byte the same text
  (see export_copy.py): a third of the time.
- Amounts are numbers in major units with the currency's decimals (TND 3, EUR/USD 2), from `Decimal`.
- CSV: UTF-8 with a BOM (Excel then reads the accents right), `;`-separated. The decimal separator
  follows the user's language so a spreadsheet in that language reads the amounts as numbers: `,` for
  fr and ar, `.` for en. Digits stay ASCII (Western Arabic) in every language: files are for import.
  Times are local (Africa/Tunis) as `YYYY-MM-DD HH:MM:SS`.
- XLSX: openpyxl write-only mode, typed cells: amounts are numbers with the format "0.000" (TND) or
  "0.00" (EUR, USD), times are datetimes. A sheet holds at most XLSX_MAX_ROWS data rows under its header:
  a larger export is refused (`ExportTooLarge`) rather than split.
"""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from itertools import islice
from typing import IO, Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from payments.models import AuthorizationType, Order, OrderStatus, ThreeDSStatus
from payments.money import to_major

from .export_copy import copy_supported, csv_copy_chunks
from .selectors import action_code_descriptions
from .xlsx_rows import SheetRows

CHUNK = 2000  # rows per database fetch and per write
XLSX_MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows, less the header
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
CSV_DATETIME = "%Y-%m-%d %H:%M:%S"
COMMA_DECIMAL_LANGUAGES = {"fr", "ar"}

# Called with the number of rows written so far, once per chunk (once at the end for a CSV by COPY).
Progress = Callable[[int], None]


class ExportTooLarge(Exception):
    """The rows do not fit in one XLSX sheet. str() is the translated message for the user."""


# The fields read per order, in this order; `Row` below indexes them by name.
FIELDS = (
    "order_number",
    "order_id",
    "created_at",
    "status",
    "action_code",
    "amount",
    "approved_amount",
    "deposited_amount",
    "refunded_amount",
    "currency__alpha_code",
    "currency__exponent",
    "masked_pan",
    "card_brand",
    "authorization_type",
    "terminal__terminal_id",
    "buyer_email",
    "three_ds_status",
    "sale__remitted_at",
    "sale__remittance_id",
)
_AT = {name: index for index, name in enumerate(FIELDS)}
_EXPONENT = _AT["currency__exponent"]


@dataclass(frozen=True)
class Column:
    header: str | Promise
    kind: str  # "text", "int", "money" or "datetime"


COLUMNS = (
    Column(_("Order reference"), "text"),
    Column(_("Order id"), "text"),
    Column(_("Created at"), "datetime"),
    Column(_("Status"), "text"),
    Column(_("Action code"), "int"),
    Column(_("Action code description"), "text"),
    Column(_("Amount"), "money"),
    Column(_("Approved amount"), "money"),
    Column(_("Deposited amount"), "money"),
    Column(_("Refunded amount"), "money"),
    Column(_("Currency"), "text"),
    Column(_("Card"), "text"),
    Column(_("Card brand"), "text"),
    Column(_("Authorization type"), "text"),
    Column(_("Terminal id"), "text"),
    Column(_("Buyer e-mail"), "text"),
    Column(_("3-D Secure"), "text"),
    Column(_("Remitted at"), "datetime"),
    Column(_("Remittance id"), "int"),
)


def headers() -> list[str]:
    return [str(column.header) for column in COLUMNS]


def xlsx_check(row_count: int) -> None:
    """Raise ExportTooLarge when `row_count` rows cannot fit in one XLSX sheet."""
    if row_count > XLSX_MAX_ROWS:
        raise ExportTooLarge(
            gettext(
                "This search selects more than %(limit)s orders, the most an XLSX sheet can hold. "
                "Narrow the search (a shorter period, for example) or export it as CSV."
            )
            % {"limit": f"{XLSX_MAX_ROWS:,}"}
        )


@dataclass(frozen=True)
class Labels:
    """What an export writes for codes, in the active language, resolved once per export, not per cell."""

    statuses: dict[int, str]
    types: dict[str, str]
    three_ds: dict[str, str]
    descriptions: dict[int, str]
    zone: Any  # the current time zone: files carry local times

    @classmethod
    def current(cls) -> "Labels":
        return cls(
            statuses={value: str(label) for value, label in OrderStatus.choices},
            types={value: str(label) for value, label in AuthorizationType.choices},
            three_ds={value: str(label) for value, label in ThreeDSStatus.choices},
            descriptions=action_code_descriptions(),
            zone=timezone.get_current_timezone(),
        )


def raw_chunks(queryset: QuerySet[Order]) -> Iterator[list[tuple[Any, ...]]]:
    """The FIELDS of every order, CHUNK tuples at a time, from a server-side cursor on PostgreSQL."""
    values = queryset.values_list(*FIELDS)
    if connections[values.db].vendor == "sqlite":
        yield from _sqlite_chunks(values)
        return
    rows = values.iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        yield chunk


def _sqlite_chunks(values: QuerySet[Order]) -> Iterator[list[tuple[Any, ...]]]:
    """raw_chunks on SQLite: the same tuples, converted here rather than by Django's per-value converters
    (half the time of a CSV export there). SQLite gives datetimes naive, in UTC, and UUIDs as 32 hex
    digits; the other fields come back as they are. The order id comes as its text (all the rows' users
    want). Tested against values_list."""
    try:
        query, params = values.query.get_compiler(using=values.db).as_sql()
    except EmptyResultSet:  # a search that cannot match (a malformed criterion): no rows
        return
    times = [_AT["created_at"], _AT["sale__remitted_at"]]
    order_id = _AT["order_id"]
    with connections[values.db].cursor() as cursor:
        cursor.execute(query, params)
        while chunk := cursor.fetchmany(CHUNK):
            rows = []
            for fetched in chunk:
                row = list(fetched)
                digits = row[order_id]  # str(UUID(digits)), without the UUID
                row[order_id] = f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
                for index in times:
                    if (moment := row[index]) is not None:
                        if not isinstance(moment, datetime):  # the text of a column in an expression
                            moment = datetime.fromisoformat(moment)
                        row[index] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
                rows.append(tuple(row))
            yield rows


def export_rows(queryset: QuerySet[Order]) -> Iterator[tuple[list[Any], int]]:
    """(cells, currency exponent) per order, typed: str, int, Decimal (major units), naive local datetime.

    Labels are in the active language. Datetimes are made naive in local time: XLSX has no time zones.
    """
    labels = Labels.current()
    zone = labels.zone

    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(zone).replace(tzinfo=None) if moment is not None else None

    moneys: dict[int, Callable[[int], Decimal]] = {}
    for chunk in raw_chunks(queryset):
        for row in chunk:
            exponent = row[_EXPONENT]
            money = moneys.get(exponent) or moneys.setdefault(exponent, partial(to_major, exponent=exponent))
            yield _cells(row, labels, local, money), exponent


def _cells(
    row: tuple[Any, ...], labels: Labels, when: Callable[[Any], Any], money: Callable[[int], Any]
) -> list[Any]:
    """One order's cells in COLUMNS order; `when` and `money` give the datetime and amount cells."""
    status, code, kind, three_ds = row[3], row[4], row[13], row[16]
    return [
        row[0],
        str(row[1]),
        when(row[2]),
        labels.statuses.get(status, str(status)),
        code,
        labels.descriptions.get(code, ""),
        money(row[5]),
        money(row[6]),
        money(row[7]),
        money(row[8]),
        row[9],
        row[11],
        row[12],
        labels.types.get(kind, kind),
        row[14] or "",
        row[15],
        labels.three_ds.get(three_ds, three_ds),
        when(row[17]),
        row[18],
    ]


def decimal_text(amount: int, exponent: int, point: str = ".") -> str:
    """`10500`, 3 -> `10.500`: what f"{Decimal(amount).scaleb(-exponent):.{exponent}f}" gives, exactly,
    in integer arithmetic (no Decimal per cell)."""
    if not exponent:
        return str(amount)
    whole, fraction = divmod(abs(amount), 10**exponent)
    return f"{'-' if amount < 0 else ''}{whole}{point}{fraction:0{exponent}d}"


# --- CSV -------------------------------------------------------------------------------------------


def csv_chunks(
    queryset: QuerySet[Order], *, language: str | None = None, progress: Progress | None = None
) -> Iterator[bytes]:
    """The CSV file as UTF-8 byte chunks of about CHUNK rows, BOM first.

    Labels and decimals in `language` (default: the active one). A response streams this after the
    view has returned, hence the language is fixed when the generator is made, not when it runs.
    """
    language = language or translation.get_language() or "fr"
    return _csv_chunks(queryset, language=language, progress=progress)


def _csv_chunks(queryset: QuerySet[Order], *, language: str, progress: Progress | None) -> Iterator[bytes]:
    with translation.override(language):
        point = "," if language[:2] in COMMA_DECIMAL_LANGUAGES else "."
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        buffer.write("\ufeff")
        writer.writerow(headers())
        labels = Labels.current()
        if copy_supported(queryset, labels.zone):
            yield _drain(buffer)
            yield from csv_copy_chunks(queryset, labels=labels, point=point, progress=progress)
            return
        zone = labels.zone

        def when(moment: datetime | None) -> str:
            return moment.astimezone(zone).strftime(CSV_DATETIME) if moment is not None else ""

        moneys: dict[int, Callable[[int], str]] = {}
        written = 0
        for chunk in raw_chunks(queryset):
            for row in chunk:
                exponent = row[_EXPONENT]
                money = moneys.get(exponent) or moneys.setdefault(
                    exponent, partial(decimal_text, exponent=exponent, point=point)
                )
                writer.writerow(_cells(row, labels, when, money))
            written += len(chunk)
            yield _drain(buffer)
            if progress:
                progress(written)
        if not written:
            yield _drain(buffer)
            if progress:
                progress(written)


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return data


def csv_write(queryset: QuerySet[Order], target: IO[bytes], *, progress: Progress | None = None) -> int:
    """Write the CSV file to `target`; return the number of data rows."""
    rows = [0]

    def counted(done: int) -> None:
        rows[0] = done
        if progress:
            progress(done)

    for chunk in csv_chunks(queryset, progress=counted):
        target.write(chunk)
    return rows[0]


# --- XLSX ------------------------------------------------------------------------------------------


def xlsx_write(
    queryset: QuerySet[Order], target: IO[bytes] | str, *, progress: Progress | None = None
) -> int:
    """Write the XLSX workbook to `target`; return the number of data rows.

    Raises ExportTooLarge on the first row beyond XLSX_MAX_ROWS (callers check the count first; this
    guards against rows added since).
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=gettext("Orders")[:31])
    sheet.append(headers())
    rows = SheetRows(sheet, [column.kind for column in COLUMNS], next_row=2, datetime_format=DATETIME_FORMAT)
    written = 0
    try:
        for written, (cells, exponent) in enumerate(export_rows(queryset), start=1):
            if written > XLSX_MAX_ROWS:
                xlsx_check(written)
            rows.append(cells, money_format=_money_format(exponent))
            if progress and written % CHUNK == 0:
                progress(written)
        rows.flush()
    except BaseException:
        sheet.close()  # ends openpyxl's temporary sheet file cleanly before giving up
        raise
    workbook.save(target)
    if progress:
        progress(written)
    return written


def _money_format(exponent: int) -> str:
    return "0." + "0" * exponent if exponent else "0"
