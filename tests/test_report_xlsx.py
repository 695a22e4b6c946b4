"""The workbook: a sheet per table, and text that looks like a formula stays text."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from reports.document import TABLE_COLUMNS, build_document
from reports.scope import Scope
from reports.words import JUDGEMENT_COLUMNS, title
from reports.xlsx import _plain, neutralise, write_xlsx
from tests.fixtures_reports import FORMULA, J, demo_data


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
    assert [c.value for c in freshness[1]] == ["Source", "As of (UTC)", "Age (hours)"]


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


def test_no_character_openpyxl_refuses_reaches_it(tmp_path: Path) -> None:
    """Each control character becomes visible text (ESC as `\\x1b`; VT and FF, Word's soft line
    breaks, as spaces); openpyxl would refuse the C0 ones and lose the whole workbook."""
    refused = [chr(n) for n in range(0x10000) if ILLEGAL_CHARACTERS_RE.match(chr(n))]
    assert len(refused) == 29  # all C0 controls but tab, line feed and carriage return
    book = Workbook()
    book.active.append([_plain(f"a{char}b") for char in refused])
    book.active.append([_plain("\x1b[8m\x7f\x9b"), _plain(["x\x00", "y"]), _plain(math.inf)])
    book.save(tmp_path / "x.xlsx")
    first, second = load_workbook(tmp_path / "x.xlsx").active.iter_rows(values_only=True)
    assert first[0] == "a\\x00b" and first[refused.index("\x0b")] == "a b"
    assert all(ILLEGAL_CHARACTERS_RE.search(value) is None for value in first)
    assert second[:3] == ("\\x1b[8m\\x7f\\x9b", "x\\x00\ny", None)


RATING_FILLS = {1: "D4351C", 2: "F47738", 3: "FFDD00", 4: "00703C"}  # the HTML's colours


def test_the_heat_map_is_coloured_by_rating_with_its_numbers_kept(workbook_path: Path) -> None:
    sheet = load_workbook(workbook_path)["heat_map"]
    header = [c.value for c in sheet[1]]
    rated = [title(c) for c in (*JUDGEMENT_COLUMNS.values(), "likelihood", "previous", "team")]
    seen = set()
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if header[cell.column - 1] in rated and cell.value is not None:
                assert cell.value in RATING_FILLS  # the number stays: never colour alone
                assert cell.fill.fill_type == "solid"
                assert cell.fill.fgColor.rgb.endswith(RATING_FILLS[cell.value])
                seen.add(cell.value)
            elif header[cell.column - 1] in ("Key", "Name"):
                assert cell.fill.fill_type is None
    assert seen == {1, 2, 3, 4}
    evidence = header.index(title("evidence")) + 1
    text = sheet.cell(row=2, column=evidence).value
    assert text.startswith("Degree of the challenge (") and text.count("\n") >= 4


def test_every_key_cell_links_to_its_ticket_or_record(workbook_path: Path) -> None:
    urls = Scope(demo_data()).urls()
    book = load_workbook(workbook_path)
    linked = 0
    for sheet in book.worksheets[1:]:
        header = [c.value for c in sheet[1]]
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if header[cell.column - 1] not in ("Key", "Priority key", "Strategy key"):
                    continue
                if cell.value in urls:
                    assert cell.hyperlink is not None and cell.hyperlink.target == urls[cell.value]
                    linked += 1
                else:
                    assert cell.hyperlink is None
    assert linked > 100
    assert book["decisions"]["A2"].hyperlink.target == urls["DEL-33"]
    heat = book["heat_map"]
    assert any(c.hyperlink and c.hyperlink.target == urls[J["S3"]] for c in heat["B"])
