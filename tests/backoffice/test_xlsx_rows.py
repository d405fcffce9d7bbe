"""The XLSX rows written a block at a time read back as openpyxl's own rows do: the same values, types,
number formats and raw sheet XML, for awkward text too."""

import io
import zipfile
from datetime import datetime
from decimal import Decimal

from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from backoffice import xlsx_rows
from backoffice.xlsx_rows import SheetRows

KINDS = ["text", "datetime", "int", "money", "text", "datetime"]
DATETIME = "yyyy-mm-dd hh:mm:ss"
ROWS = [
    (["ORD-1", datetime(2025, 3, 12, 22, 0, 59), 0, Decimal("10.500"), "TND", None], "0.000"),
    (["a & b < c > d", datetime(2008, 7, 1, 13, 30), 116, Decimal("0.010"), " spaced ", None], "0.000"),
    (['say "hi"\tthere', datetime(1999, 12, 31), -2007, Decimal("12.34"), "a\nb\r\nc", None], "0.00"),
    (["ünï ت", None, 5, Decimal("1234567.89"), "", datetime(2026, 1, 2, 3, 4, 5)], "0.00"),
    (["", None, None, Decimal("0"), "x", None], "0"),
]


def openpyxl_workbook() -> bytes:
    """The same rows through openpyxl's own cells: what SheetRows must write."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Orders")
    sheet.append(["Reference", "At", "Code", "Amount", "Text", "Remitted"])
    for values, money_format in ROWS:
        cells = []
        for kind, value in zip(KINDS, values, strict=True):
            if kind in ("money", "datetime") and value is not None:
                cell = WriteOnlyCell(sheet, value)
                cell.number_format = money_format if kind == "money" else DATETIME
                value = cell
            cells.append(value)
        sheet.append(cells)
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()


def block_workbook(rows=ROWS) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Orders")
    sheet.append(["Reference", "At", "Code", "Amount", "Text", "Remitted"])
    writer = SheetRows(sheet, KINDS, next_row=2, datetime_format=DATETIME)
    for values, money_format in rows:
        writer.append(values, money_format=money_format)
    writer.flush()
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()


def cells(content: bytes) -> list[list[tuple]]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [[(cell.value, cell.data_type, cell.number_format) for cell in row] for row in sheet.iter_rows()]


def sheet_xml(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return etree.tostring(etree.fromstring(archive.read("xl/worksheets/sheet1.xml")), method="c14n")


def test_rows_read_back_as_openpyxl_writes_them():
    ours, theirs = block_workbook(), openpyxl_workbook()
    assert cells(ours) == cells(theirs)
    assert cells(ours)[3][4][0] == "a\nb\r\nc" and cells(ours)[2][4][0] == " spaced "
    assert cells(ours)[1][3] == (10.5, "n", "0.000")
    assert cells(ours)[1][1] == (datetime(2025, 3, 12, 22, 0, 59), "d", DATETIME)


def test_the_sheet_xml_is_openpyxls():
    assert sheet_xml(block_workbook()) == sheet_xml(openpyxl_workbook())


def test_rows_beyond_a_block_keep_their_order_and_numbers(monkeypatch):
    monkeypatch.setattr(xlsx_rows, "BLOCK", 2)
    rows = [([f"ORD-{n}", None, n, Decimal(n), "", None], "0") for n in range(7)]
    read = cells(block_workbook(rows))
    assert [row[0][0] for row in read[1:]] == [f"ORD-{n}" for n in range(7)]
    assert [row[2][0] for row in read[1:]] == list(range(7))


def test_a_formula_stays_text_and_characters_xml_cannot_hold_are_dropped():
    rows = [(["=1+1", None, 1, Decimal(1), "bell\x07, nul\x00, \ufffe\uffff\ud800 and NEL\x85", None], "0")]
    read = cells(block_workbook(rows))
    assert read[1][0] == ("=1+1", "s", "General")
    assert read[1][4][0] == "bell, nul,  and NEL\x85"
