"""The report as a workbook: a sheet per table, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import math
from collections.abc import Callable
from copy import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reports.document import TABLE_TITLES, ReportDocument
from reports.text import printable
from reports.words import RATED_COLUMNS, title

# A text cell starting with one of these is a formula to Excel, LibreOffice and Sheets
# (OWASP "CSV injection"); ticket summaries are typed by anyone, so they are never trusted.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 60
# The rating colours of the HTML and PDF, and the text colour that reads on each.
FILLS = {1: ("D4351C", "FFFFFF"), 2: ("F47738", "0B0C0C"), 3: ("FFDD00", "0B0C0C"),
         4: ("00703C", "FFFFFF")}  # fmt: skip
KEY_COLUMNS = ("key", "priority_key", "strategy_key", "rated_key")  # cells linked to a ticket
LINES_COLUMNS = ("reasons", "evidence")  # a line per reason or judgement, wrapped


def write_xlsx(document: ReportDocument, path: Path) -> Path:
    """Write the workbook: an "about" sheet first, then one sheet per table of the report."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    about = book.active
    about.title = "about"
    for row in _about(document):
        about.append([_plain(v) for v in row])
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 70
    urls = document.scope.urls()
    for name, table in document.tables.items():
        sheet = book.create_sheet(title=name[:31])
        sheet.append([_header(column, table[column]) for column in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in table.itertuples(index=False, name=None):
            sheet.append([_plain(v) for v in values])
        neutralise(sheet)
        _widths(sheet)
        _dress(sheet, list(table.columns), urls)
        sheet.freeze_panes = "A2"
        if sheet.max_row > 1:
            sheet.auto_filter.ref = sheet.dimensions
    neutralise(about)
    book.save(path)
    return path


def neutralise(sheet: Any) -> None:
    """Store every text cell that would start a formula as text, with Excel's quote prefix.

    openpyxl makes any string beginning with "=" a formula; the cell is set back to a string
    type (so the file holds the text, not a formula) and flagged like a typed apostrophe, so
    that editing the cell in Excel does not turn it into a formula either.
    """
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"
                cell.quotePrefix = True


def _dress(sheet: Any, columns: list[str], urls: dict[str, str]) -> None:
    """Rating cells filled in their rating's colour (the number stays: colour is never the
    only sign), and key cells linked to their ticket or record."""
    from openpyxl.styles import Alignment, Font

    fills = {value: _filled(fill, ink) for value, (fill, ink) in FILLS.items()}
    link = _setting(font=Font(color="1D70B8", underline="single"))
    dressed = Dressed()
    for index, column in enumerate(columns, start=1):
        cells = [c for (c,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index)]
        if column in RATED_COLUMNS:
            for cell in cells:
                if isinstance(cell.value, int) and cell.value in fills:
                    dressed.dress(cell, cell.value, fills[cell.value])
        elif column in LINES_COLUMNS:
            wrap = _setting(alignment=Alignment(wrap_text=True, vertical="top"))
            for cell in cells:
                dressed.dress(cell, "wrap", wrap)
        elif column in KEY_COLUMNS:
            for cell in cells:
                url = urls.get(cell.value) if isinstance(cell.value, str) else None
                if url is not None:
                    cell.hyperlink = url
                    dressed.dress(cell, "link", link)


def _filled(fill: str, ink: str) -> Callable[[Any], None]:
    from openpyxl.styles import Font, PatternFill

    return _setting(fill=PatternFill("solid", fgColor=fill), font=Font(color=ink, bold=True))


def _setting(**style: Any) -> Callable[[Any], None]:
    """A change of a cell's style: set each named attribute (font, fill, alignment)."""

    def change(cell: Any) -> None:
        for name, value in style.items():
            setattr(cell, name, value)

    return change


class Dressed:
    """Styles cells, each change worked out once per style a cell starts from and copied after:
    openpyxl looks every style set on a cell up in the workbook's lists by hashing it, which
    costs more than the rest of a large sheet's dressing."""

    def __init__(self) -> None:
        self.made: dict[tuple[object, ...], Any] = {}

    def dress(self, cell: Any, kind: object, change: Callable[[Any], None]) -> None:
        """Apply `change` (named `kind`) to `cell`'s style: a quoted formula start stays."""
        key = (kind, *(cell._style or ()))  # None: openpyxl's default style, unset yet
        made = self.made.get(key)
        if made is None:
            change(cell)
            self.made[key] = copy(cell._style)
        else:  # openpyxl's own idiom for a cell's style (WorksheetCopy)
            cell._style = copy(made)


def _plain(value: Any) -> Any:
    """A value Excel can hold: aware datetimes in UTC without a zone, NaN and infinities as
    empty, text with its control characters shown as escapes (openpyxl refuses them raw)."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list | tuple):  # reasons and evidence: a line each
        return printable("\n".join(str(v) for v in value))
    return value


def _header(column: str, values: Any) -> str:
    """`as_of` -> "As of (UTC)": the column's title (reports.words), and for a datetime column
    the zone its naive cells are in."""
    text = title(column)
    aware = any(isinstance(v, datetime) and v.tzinfo is not None for v in values)
    return f"{text} (UTC)" if aware else text


def _widths(sheet: Any) -> None:
    for column in sheet.columns:
        longest = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        sheet.column_dimensions[column[0].column_letter].width = min(MAX_WIDTH, longest + 2)


def _about(document: ReportDocument) -> list[list[Any]]:
    data = document.data
    rows: list[list[Any]] = [
        [data.title, data.department or "All departments"],
        ["Generated (UTC)", data.generated_at],
        ["Previous report (UTC)", data.previous_generated_at],
    ]
    rows += [[f"{source} data as of (UTC)", at] for source, at in sorted(data.data_as_of.items())]
    rows.append(["Ratings", "1 Red, 2 Amber/Red, 3 Amber/Green, 4 Green: each rating cell is "
                 "filled in its colour. Every key links to its ticket or record."])  # fmt: skip
    rows.append([])
    rows.append(["Sheet", "What it holds"])
    rows += [[name[:31], title] for name, title in TABLE_TITLES.items()]
    return rows
