"""The report as a workbook: a sheet per table, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reports.document import TABLE_TITLES, ReportDocument
from reports.text import printable

# A text cell starting with one of these is a formula to Excel, LibreOffice and Sheets
# (OWASP "CSV injection"); ticket summaries are typed by anyone, so they are never trusted.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 60


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
    for name, table in document.tables.items():
        sheet = book.create_sheet(title=name[:31])
        sheet.append([_header(column, table[column]) for column in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in table.itertuples(index=False, name=None):
            sheet.append([_plain(v) for v in values])
        neutralise(sheet)
        _widths(sheet)
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


def _plain(value: Any) -> Any:
    """A value Excel can hold: aware datetimes in UTC without a zone, NaN and infinities as
    empty, text with its control characters shown as escapes (openpyxl refuses them raw)."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list | tuple):
        return printable(", ".join(str(v) for v in value))
    return value


def _header(column: str, values: Any) -> str:
    """`as_of` -> "As of (UTC)": a datetime column says the zone its naive cells are in."""
    text = column.replace("_", " ").capitalize()
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
    rows.append([])
    rows.append(["Sheet", "What it holds"])
    rows += [[name[:31], title] for name, title in TABLE_TITLES.items()]
    return rows
