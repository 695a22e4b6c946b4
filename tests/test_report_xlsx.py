"""The workbook: a sheet per table, and text that looks like a formula stays text."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from reports.document import TABLE_COLUMNS, build_document
from reports.xlsx import neutralise, write_xlsx
from tests.fixtures_reports import FORMULA, demo_data


@pytest.fixture(scope="module")
def workbook_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    document = build_document(demo_data(), charts=False)
    return write_xlsx(document, tmp_path_factory.mktemp("xlsx") / "report.xlsx")


def test_a_sheet_per_table_after_the_about_sheet(workbook_path: Path) -> None:
    book = load_workbook(workbook_path)
    assert book.sheetnames == ["about", *TABLE_COLUMNS]
    heat = book["heat_map"]
    assert [c.value for c in heat[1]][:3] == ["Priority key", "Key", "Name"]
    assert heat.freeze_panes == "A2"
    freshness = book["freshness"]
    assert [c.value for c in freshness[1]] == ["Source", "As of (UTC)", "Age hours"]


def test_a_cell_that_began_with_equals_is_stored_as_text(workbook_path: Path) -> None:
    sheet = load_workbook(workbook_path)["findings"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == FORMULA]
    assert cells, "the risk named like a formula is in the findings sheet"
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    with zipfile.ZipFile(workbook_path) as archive:
        xml = "".join(
            archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
        )
    assert "<f>" not in xml and "<f " not in xml  # no formula anywhere in the workbook


@pytest.mark.parametrize("text", ["=1+2", "+SUM(A1:A9)", "-2+3", "@cmd", "\t=1"])
def test_every_formula_start_is_neutralised(text: str, tmp_path: Path) -> None:
    book = Workbook()
    book.active.append([text, -3.5, "plain"])
    neutralise(book.active)
    book.save(tmp_path / "x.xlsx")
    a, b, c = load_workbook(tmp_path / "x.xlsx").active[1]
    assert (a.value, a.data_type, a.quotePrefix) == (text, "s", True)
    assert (b.value, b.data_type) == (-3.5, "n")  # numbers stay numbers
    assert not c.quotePrefix
