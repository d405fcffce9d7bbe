"""Order exports: the one list of columns, and two streaming writers (CSV and XLSX).

Used by the back-office export of a search and by the daily extraction files, so both carry the same
columns in the same formats.

- Rows come from `values_list(...).iterator(chunk_size=CHUNK)`: a server-side cursor on PostgreSQL, so
  memory stays flat whatever the row count; CSV text is written CHUNK rows at a time, not row by row.
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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from payments.models import AuthorizationType, Order, OrderStatus, ThreeDSStatus

from .selectors import action_code_descriptions

CHUNK = 2000  # rows per database fetch and per write
XLSX_MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows, less the header
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
CSV_DATETIME = "%Y-%m-%d %H:%M:%S"
COMMA_DECIMAL_LANGUAGES = {"fr", "ar"}

Progress = Callable[[int], None]  # called with the number of rows written so far, once per chunk


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
    "remitted_at",
    "remittance_id",
)
_AT = {name: index for index, name in enumerate(FIELDS)}


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
MONEY_COLUMNS = [index for index, column in enumerate(COLUMNS) if column.kind == "money"]
DATETIME_COLUMNS = [index for index, column in enumerate(COLUMNS) if column.kind == "datetime"]


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


def export_rows(queryset: QuerySet[Order]) -> Iterator[tuple[list[Any], int]]:
    """(cells, currency exponent) per order, typed: str, int, Decimal (major units), naive local datetime.

    Labels are in the active language. Datetimes are made naive in local time: XLSX has no time zones.
    """
    descriptions = action_code_descriptions()
    # Labels translated once per export, not once per cell: a third of the CSV time otherwise.
    statuses = {value: str(label) for value, label in OrderStatus.choices}
    types = {value: str(label) for value, label in AuthorizationType.choices}
    three_ds = {value: str(label) for value, label in ThreeDSStatus.choices}
    zone = timezone.get_current_timezone()
    for row in queryset.values_list(*FIELDS).iterator(chunk_size=CHUNK):
        exponent = row[_AT["currency__exponent"]]
        code = row[_AT["action_code"]]
        yield (
            [
                row[_AT["order_number"]],
                str(row[_AT["order_id"]]),
                _local(row[_AT["created_at"]], zone),
                statuses.get(row[_AT["status"]], str(row[_AT["status"]])),
                code,
                descriptions.get(code, ""),
                *(
                    Decimal(row[_AT[name]]).scaleb(-exponent)
                    for name in ("amount", "approved_amount", "deposited_amount", "refunded_amount")
                ),
                row[_AT["currency__alpha_code"]],
                row[_AT["masked_pan"]],
                row[_AT["card_brand"]],
                types.get(row[_AT["authorization_type"]], row[_AT["authorization_type"]]),
                row[_AT["terminal__terminal_id"]] or "",
                row[_AT["buyer_email"]],
                three_ds.get(row[_AT["three_ds_status"]], row[_AT["three_ds_status"]]),
                _local(row[_AT["remitted_at"]], zone),
                row[_AT["remittance_id"]],
            ],
            exponent,
        )


def _local(moment: datetime | None, zone: Any) -> datetime | None:
    return timezone.localtime(moment, zone).replace(tzinfo=None) if moment is not None else None


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
        comma = language[:2] in COMMA_DECIMAL_LANGUAGES
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        buffer.write("\ufeff")
        writer.writerow(headers())
        written = 0
        for cells, exponent in export_rows(queryset):
            for index in MONEY_COLUMNS:
                text = f"{cells[index]:.{exponent}f}"
                cells[index] = text.replace(".", ",") if comma else text
            for index in DATETIME_COLUMNS:
                cells[index] = cells[index].strftime(CSV_DATETIME) if cells[index] else ""
            writer.writerow(cells)
            written += 1
            if written % CHUNK == 0:
                yield _drain(buffer)
                if progress:
                    progress(written)
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
    written = 0
    try:
        for written, (cells, exponent) in enumerate(export_rows(queryset), start=1):
            if written > XLSX_MAX_ROWS:
                xlsx_check(written)
            sheet.append(_typed(sheet, cells, exponent))
            if progress and written % CHUNK == 0:
                progress(written)
    except BaseException:
        sheet.close()  # ends openpyxl's temporary sheet file cleanly before giving up
        raise
    workbook.save(target)
    if progress:
        progress(written)
    return written


_NUMBER_FORMATS: dict[int, str] = {}


def _typed(sheet: Any, cells: list[Any], exponent: int) -> Iterable[Any]:
    number_format = _NUMBER_FORMATS.setdefault(exponent, "0." + "0" * exponent if exponent else "0")
    for index in MONEY_COLUMNS:
        cell = WriteOnlyCell(sheet, value=cells[index])
        cell.number_format = number_format
        cells[index] = cell
    for index in DATETIME_COLUMNS:
        if cells[index] is not None:
            cell = WriteOnlyCell(sheet, value=cells[index])
            cell.number_format = DATETIME_FORMAT
            cells[index] = cell
    return cells
