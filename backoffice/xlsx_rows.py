"""The data rows of a write-only openpyxl sheet, written as openpyxl writes them, a block at a time.

openpyxl turns every value into a cell object and writes each through lxml, element by element: for
the 19 cells of an order that was three quarters of an XLSX export's time. Here a block of rows is
formatted as text (the same XML: inline strings, numbers as "%.16g", the workbook's own style ids for
the number formats) and handed to the sheet's lxml writer as parsed elements. openpyxl still writes
everything else: the workbook, its styles, the header row and the sheet around the rows. The result is
the file openpyxl gives (tested), with two deliberate differences: text starting with "=" stays text
(openpyxl would make it a formula, which a shop's order reference must never become), and characters
XML cannot hold are dropped (openpyxl refuses the whole file).
"""

import re
from collections.abc import Sequence
from typing import Any

from lxml import etree
from openpyxl.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

BLOCK = 500  # rows parsed and written at once
MAX_TEXT = 32_767  # Excel's longest cell text, as openpyxl truncates it
# What XML 1.0 cannot hold: C0 controls but tab, LF and CR; lone surrogates; U+FFFE and U+FFFF.
ILLEGAL_CHARACTERS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What lxml escapes in text, and CR, which a parser would read back as LF.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


class SheetRows:
    """Append rows of values to a write-only sheet, after the rows openpyxl wrote (at least one).

    Column i holds `kinds[i]`: "money" (a number, in the row's `money_format`), "datetime" (naive, in
    `datetime_format`) or anything else (str, int or None: None leaves the cell out). Call flush()
    before saving the workbook.
    """

    def __init__(self, sheet: Any, kinds: Sequence[str], *, next_row: int, datetime_format: str) -> None:
        if sheet._rows is None:
            raise ValueError("openpyxl writes the first row (the header): it opens the sheet's stream")
        self.sheet = sheet
        self.columns = [(get_column_letter(n), kind) for n, kind in enumerate(kinds, start=1)]
        self.epoch = sheet.parent.epoch
        self.datetime_format = datetime_format
        self.styles: dict[str, str] = {}
        self.row = next_row
        self.block: list[str] = []
        # From here on, what is appended to the sheet is a block of rows as XML text: written as is.
        sheet._values_to_row = lambda values, row_idx: values
        sheet._writer.write_row = _write_block

    def append(self, values: Sequence[Any], *, money_format: str) -> None:
        number = self.row
        parts = [f'<row r="{number}">']
        for (letter, kind), value in zip(self.columns, values, strict=True):
            if kind == "money":
                style = self._style(money_format)
                parts.append(f'<c r="{letter}{number}" s="{style}" t="n"><v>{_number(value)}</v></c>')
            elif value is None:
                continue
            elif kind == "datetime":
                serial = _number(to_excel(value, self.epoch))
                style = self._style(self.datetime_format)
                parts.append(f'<c r="{letter}{number}" s="{style}" t="n"><v>{serial}</v></c>')
            elif isinstance(value, str):
                parts.append(_text_cell(f"{letter}{number}", value))
            else:
                parts.append(f'<c r="{letter}{number}" t="n"><v>{_number(value)}</v></c>')
        parts.append("</row>")
        self.block.append("".join(parts))
        self.row += 1
        if len(self.block) >= BLOCK:
            self.flush()

    def flush(self) -> None:
        """Write the rows appended so far (appending may go on afterwards)."""
        if self.block:
            self.sheet.append(["".join(self.block)])
            self.block = []

    def _style(self, number_format: str) -> str:
        """The workbook's style id for cells of `number_format` (registered as openpyxl would)."""
        style = self.styles.get(number_format)
        if style is None:
            cell = Cell(self.sheet)
            cell.number_format = number_format
            style = self.styles[number_format] = str(cell.style_id)
        return style


def _number(value: Any) -> str:
    return format(float(value), ".16g")  # openpyxl's "%.16g" % value


def _text_cell(reference: str, value: str) -> str:
    value = ILLEGAL_CHARACTERS_RE.sub("", value[:MAX_TEXT])
    if not value:
        return f'<c r="{reference}" t="inlineStr"/>'
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'<c r="{reference}" t="inlineStr"><is><t{space}>{value.translate(_ESCAPES)}</t></is></c>'


def _write_block(xf: Any, rows: list[str], row_idx: int) -> None:
    for row in etree.fromstring(f"<rows>{rows[0]}</rows>"):
        xf.write(row)
