"""The PDF's editions: the print edition charts exactly the targets that need attention and gives
every target's figures in a ledger, the full edition charts every target, and the print edition
leaves out nothing a CRDO needs (what it shortens, it says where to find whole)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from reports import build_report
from reports.document import build_document
from reports.edition import SHORT_STATUS
from reports.html import number, render_report
from reports.model import ReportData
from tests.fixtures_reports import demo_data
from tests.fixtures_reports_bulk import portfolio
from tests.report_checks import REPORT_SECTIONS, REPORT_SUBSECTIONS, Page, finding_said
from tests.test_report_pdf import needs_pdftotext, pdf_text, squash
from tests.test_report_targets import cards

OFF = ("Behind trajectory", "Missed")


def section(html: str, name: str) -> str:
    """The HTML of one section of the report, by its id."""
    return html.split(f'<section class="page" id="{name}">')[1].split("</section>")[0]


def text_of(html: str) -> str:
    return " ".join(" ".join(Page(html).text).split())


def ledger_lines(html: str) -> list[str]:
    """The ledger's lines as printed: its head, then a line per priority or target."""
    block = html.split('<div class="ledger">')[1].split("<pre>")[1].split("</pre>")[0]
    return [unescape(re.sub(r"<[^>]+>", "", line)) for line in block.splitlines()]


@pytest.mark.parametrize("data", [demo_data(), portfolio(1)], ids=["demo", "bulk"])
def test_the_print_edition_charts_exactly_the_targets_off_trajectory_that_need_a_decision(
    data: ReportData,
) -> None:
    document = build_document(data)
    rows = document.records("targets")
    decided = set(document.tables["decisions"]["key"])
    off = {r["key"] for r in rows if r["status"] in OFF}
    printed = render_report(document, "print")
    assert set(cards(printed)) == off & decided != set()
    assert off - decided  # an off-trajectory target that needs no decision is not charted
    focus = [name for name in document.charts if name.startswith("focus:")]
    assert printed.count("<svg") == len(off & decided) + 1 + len(focus)  # and the legend
    lede = f"{len(off & decided)} targets of {len(rows)} are off their trajectory and need"
    assert lede in text_of(section(printed, "trajectories"))
    assert set(cards(render_report(document))) == {r["key"] for r in rows}  # full: every one


def test_the_ledger_gives_every_target_its_figures_on_one_aligned_line() -> None:
    document = build_document(portfolio(1), charts=False)
    printed = render_report(document, "print")
    head, *lines = ledger_lines(printed)
    charted = set(cards(printed))
    levels = {p["key"]: p["level"] for p in document.records("problem_solving")}
    status_at, level_at = head.index("Status"), head.index("Level")
    for row in document.records("targets"):
        found = [line for line in lines if line[2:].split(" ")[0] == row["key"]]
        assert len(found) == 1, row["key"]
        line = found[0]
        assert line.startswith("▶ ") == (row["key"] in charted)
        status = SHORT_STATUS[row["status"]]
        assert line[status_at : status_at + len(status)] == status, line
        level = levels.get(row["key"])
        assert line[level_at : level_at + 5].strip() == ("" if level is None else str(level))
        for value in ("baseline_value", "latest_value", "planned_at_latest", "target_value"):
            assert f" {number(row[value])} " in f"{line} ", (row["key"], value, line)
        if row["progress"] is not None:
            assert f" {row['progress']}% " in line
    assert sum(1 for line in lines if line.startswith("▶ ")) == len(charted)


def test_the_print_edition_loses_nothing_a_crdo_needs() -> None:
    """Every section and subsection; every priority, and every strategy rated Red or Amber/Red,
    in the heat map with its evidence (the others counted, and where they are said); every Red
    or Amber/Red priority, outcome and strategy in problem solving (a target's level in the
    ledger); every finding in the appendix but the RD402 rows the ledger gives as Behind."""
    document = build_document(demo_data())
    printed = render_report(document, "print")
    text = text_of(printed)
    for name, heading in REPORT_SECTIONS:
        assert (heading if name != "trajectories" else "Targets") in text
    for heading in REPORT_SUBSECTIONS:
        assert heading in text
    heat = text_of(section(printed, "heatmap"))
    rows = document.records("heat_map")
    shown = [h for h in rows if h["kind"] != "strategy" or h["likelihood"] in (1, 2)]
    left = len(rows) - len(shown)
    assert left and f"the other {left} strategies" in heat
    for h in rows:
        assert (f"{h['key']} {h['name']}" in heat) == (h in shown), h["key"]
    assert len(re.findall(r'<tr class="evidence">', section(printed, "heatmap"))) == len(shown)
    problems = text_of(section(printed, "problems"))
    ledger = "\n".join(ledger_lines(printed))
    for p in document.records("problem_solving"):
        assert (p["key"] in problems) == (p["kind"] != "target"), p["key"]
        if p["kind"] == "target":
            assert re.search(rf"^..{re.escape(p['key'])} .* {p['level']} ", ledger, re.M)
    appendix = text_of(section(printed, "appendix"))
    for f in document.records("findings"):
        if f["code"] == "RD402":
            assert f["message"] not in appendix
            assert re.search(rf"^..{re.escape(f['key'])} .* Behind ", ledger, re.M), f["key"]
        elif not f["code"].startswith("RD9"):
            assert finding_said(appendix, f) and f["key"] in appendix, f["code"]
    assert "Off-trajectory findings (RD402) are the targets marked Behind" in appendix


@needs_pdftotext
def test_build_report_prints_the_print_edition_unless_asked_for_the_full_one(
    tmp_path: Path,
) -> None:
    data = demo_data()
    document = build_document(data, charts=False)
    printed = pdf_text(build_report(data, tmp_path / "print", ["pdf"])["pdf"])
    full = pdf_text(build_report(data, tmp_path / "full", ["pdf"], pdf_edition="full")["pdf"])
    assert "this print edition charts those" in printed and "Every target's figures" in printed
    assert "Trajectories" not in printed and "Trajectories" in full
    assert "Every target's figures" not in full
    for row in document.records("targets"):
        assert squash(row["key"]) in squash(printed) and squash(row["key"]) in squash(full)


def test_printed_evidence_is_a_line_of_its_judgements_in_order() -> None:
    """Paper cannot open a <details>: the print edition gives each item's evidence as the
    markup the HTML's list shows (its keys linked alike), its judgements one after another
    between " · "; no list or disclosure for WeasyPrint to lay out box by box."""
    document = build_document(demo_data(), charts=False)
    printed = section(render_report(document, "print"), "heatmap")
    full = section(render_report(document), "heatmap")
    rows = re.findall(r'<td colspan="\d+" data-key="([^"]+)">(.*?)</td></tr>', printed)
    assert rows and not re.search(r"<(details|summary|ul|li)\b", printed)
    for key, evidence in rows:
        shown = re.search(rf'data-key="{re.escape(key)}">(.*?)</td></tr>', full)
        assert shown is not None
        items = re.findall(r"<li>(.*?)</li>", shown[1])
        assert evidence == (" · ".join(items) if items else shown[1]), key
