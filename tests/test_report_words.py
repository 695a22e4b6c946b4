"""One vocabulary: a column has the same title in the HTML, the PDF, the XLSX and the JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from reports.build import build_report
from reports.document import TABLE_COLUMNS
from reports.json_out import SCHEMA_FILE
from reports.schema import DOCS_FILE
from reports.words import JUDGEMENT_COLUMNS, TITLES, title
from tests.fixtures_reports import demo_data, demo_stocktake_html
from tests.report_checks import Page

# What the HTML shows of the targets, the heat map and the changes, by column.
SHOWN = (
    "baseline_value",
    "latest_value",
    "planned_at_latest",
    "target_value",
    "progress",
    "held_back_by",
    "likelihood",
    "change",
    "previous",
    "team",
    *JUDGEMENT_COLUMNS.values(),
)
# Words the formats once used for the same columns, each its own way.
DRIFTED = ("Planned now", "Planned then", "Planned_now", "Age hours")


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_report(demo_data(), tmp_path_factory.mktemp("words"))


def test_every_column_has_a_title() -> None:
    columns = {c for columns in TABLE_COLUMNS.values() for c in columns}
    assert columns <= set(TITLES)


def test_the_xlsx_headers_are_the_titles(paths: dict[str, Path]) -> None:
    book = load_workbook(paths["xlsx"])
    for name, columns in TABLE_COLUMNS.items():
        header = [c.value for c in book[name][1]]
        assert [h.removesuffix(" (UTC)") for h in header] == [title(c) for c in columns], name


def test_the_json_schema_and_its_docs_carry_the_titles() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    docs = DOCS_FILE.read_text()
    for name, columns in TABLE_COLUMNS.items():
        properties = schema["$defs"][name]["properties"]
        for column in columns:
            assert properties[column]["title"] == title(column)
            assert f"| `{column}` | {title(column)} |" in docs


def test_the_html_pdf_and_stocktake_use_the_same_titles(paths: dict[str, Path]) -> None:
    from tests.test_report_pdf import PDFTOTEXT, pdf_text

    html = " ".join(Page(paths["html"].read_text(encoding="utf-8")).text)
    pack = " ".join(Page(demo_stocktake_html("DEL-1")).text)
    for column in SHOWN:
        assert title(column) in html, column
    for column in ("baseline_value", "latest_value", "planned_at_latest", "status", "likelihood"):
        assert title(column) in pack, column
    texts = [html, pack, paths["json"].read_text(encoding="utf-8"), DOCS_FILE.read_text()]
    book = load_workbook(paths["xlsx"])
    texts += [str(c.value) for sheet in book.worksheets for c in sheet[1]]
    if PDFTOTEXT is not None:
        printed = pdf_text(paths["pdf"])
        texts.append(printed)
        assert title("planned_at_latest") in printed and title("progress") in printed
    for text in texts:
        assert not [word for word in DRIFTED if word in text]
