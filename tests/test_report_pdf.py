"""The PDF, printed from the same HTML: every section in its text, and nothing fetched."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from reports.document import build_document
from reports.frames import DECISION_LIMIT
from reports.pdf import as_images, write_pdf
from reports.scope import Scope
from tests.fixtures_reports import XSS, J, demo_data, demo_html, demo_stocktake_html
from tests.report_checks import (
    REPORT_SECTIONS,
    REPORT_SUBSECTIONS,
    STOCKTAKE_SECTIONS,
    Page,
    keyless,
)

PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(
    PDFTOTEXT is None, reason="pdftotext (Debian package poppler-utils) is not installed"
)


def pdf_text(path: Path, first: int | None = None, last: int | None = None) -> str:
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    assert PDFTOTEXT is not None
    done = subprocess.run([PDFTOTEXT, *pages, str(path), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode("utf-8").split())  # lines joined, as a reader reads


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pdf(demo_html(), tmp_path_factory.mktemp("pdf") / "report.pdf")


@needs_pdftotext
def test_every_section_is_in_the_pdf_text(report_pdf: Path) -> None:
    text = pdf_text(report_pdf)
    for _, heading in REPORT_SECTIONS:
        assert heading in text
    for heading in REPORT_SUBSECTIONS:
        assert heading in text
    # the summary prints as the text it is (a line may break inside it: compare without spaces)
    assert XSS.replace(" ", "") in text.replace(" ", "")


def squash(text: str) -> str:
    """Text as compared with a PDF's: pdftotext breaks lines at spaces, slashes and hyphens
    (and drops a hyphen at a line's end), so spaces and hyphens are left out of both."""
    return re.sub(r"[\s-]", "", text)


@needs_pdftotext
def test_page_one_carries_the_verdict(report_pdf: Path) -> None:
    """Counts by rating, what changed since the previous report of the same scope, and every
    decision of page 1 with the reasons for its rating in words."""
    page = pdf_text(report_pdf, 1, 1)
    document = build_document(demo_data(), charts=False)
    assert "CRDO compliance report 3 Nov 2025" in page
    assert "Of 4 priorities: 1 Red, 1 Amber/Red, 1 Amber/Green, 1 Green." in page
    for row in document.records("likelihood_counts"):
        counts = [row[c] for c in ("red", "amber_red", "amber_green", "green", "not_assessed")]
        assert f"{row['kind'].capitalize()} {' '.join(map(str, counts))} {row['total']}" in page
    assert "Previous report" in page and "8 Sep 2025, 08:30 UTC, All departments" in page
    assert "What changed since the previous report of 8 Sep 2025" in page
    assert squash(
        "▼ 2 DEL-34 Integrated youth service hubs in 12 communities: Amber/Green to Red"
    ) in squash(page)
    decisions = document.records("decisions")
    assert len(decisions) > DECISION_LIMIT  # so that page 1 shows its few, and says so
    assert f"the first {DECISION_LIMIT} of {len(decisions)}" in page
    for d in decisions[:DECISION_LIMIT]:
        assert squash(f"{d['key']} {d['name']}") in squash(page)
        assert len(d["reasons"]) >= 2, d["key"]
        for reason in d["reasons"]:
            assert squash(reason) in squash(page), (d["key"], reason)
    assert "Why: Red." not in page
    assert "because: DEL-9 has no strategy that drives it (RD105 target-without-strategy)" in page
    assert "Page 2 of" in pdf_text(report_pdf, 2, 2)  # the executive summary starts page 2


@needs_pdftotext
def test_every_key_of_the_pdf_links_to_its_ticket(report_pdf: Path) -> None:
    """The PDF keeps the links of the HTML it is printed from: one per key shown."""
    done = subprocess.run(["pdfinfo", "-url", str(report_pdf)], capture_output=True, check=True)
    printed = {line.split()[-1] for line in done.stdout.decode().splitlines()[1:] if line.strip()}
    shown = {
        href
        for tag, attrs in Page(demo_html()).tags
        if (href := attrs.get("href", "")) and tag == "a" and href.startswith("https://")
    }
    urls = Scope(demo_data()).urls()
    assert shown and printed == shown
    assert shown <= set(urls.values())
    for key in ("DEL-33", "DEL-34", J["S3"]):  # a decision, a change, an Airtable record
        assert urls[key] in printed


@needs_pdftotext
def test_the_stocktake_shared_view_is_one_page(tmp_path: Path) -> None:
    path = write_pdf(demo_stocktake_html("DEL-1"), tmp_path / "stocktake.pdf")
    first, second = pdf_text(path, 1, 1), pdf_text(path, 2, 2)
    assert STOCKTAKE_SECTIONS[0][1] in first and "Strategies" in first
    assert STOCKTAKE_SECTIONS[1][1] not in first
    assert second.startswith("2. Deep dives")


class _Counter(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    _Counter.hits = []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_printing_fetches_nothing_even_when_the_page_asks(loopback: str, tmp_path: Path) -> None:
    html = (
        f'<link rel="stylesheet" href="{loopback}/style.css">'
        f'<p>Report</p><img src="{loopback}/pixel.png">'
        f'<div style="background: url({loopback}/bg.png)">x</div>'
    )
    path = write_pdf(html, tmp_path / "x.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    assert _Counter.hits == []


def test_the_loopback_server_would_have_counted_a_fetch(loopback: str) -> None:
    from urllib.request import urlopen

    with pytest.raises(OSError):
        urlopen(f"{loopback}/probe", timeout=5)  # a 404, after the server saw it
    assert _Counter.hits == ["/probe"]


def test_charts_print_from_the_same_svg() -> None:
    html = '<div class="card"><svg xmlns="http://www.w3.org/2000/svg"><path d="M 0 0"/></svg></div>'
    printed = as_images(html)
    assert printed.startswith(
        '<div class="card"><img class="chart" alt="" src="data:image/svg+xml;'
    )
    assert "<svg" not in printed


@needs_pdftotext
def test_the_printed_appendix_says_a_shared_fix_once_and_loses_nothing(report_pdf: Path) -> None:
    """Every finding of the appendix prints with its message and its fix; a fix all findings
    of a rule share prints once, under the rule (the demo's two RD305 findings)."""
    text = squash(pdf_text(report_pdf))
    appendix = text[text.rindex(squash("All findings and how to fix them")) :]
    findings = build_document(demo_data(), charts=False).records("findings")
    for f in findings:
        if not f["code"].startswith("RD9"):
            for field, label in (("message", "Finding"), ("fix", "Fix")):
                shared = squash(f"{label}, for each: {keyless(f[field], f['key'])}")
                said = squash(f[field]) in appendix or shared in appendix
                assert said and squash(f["key"]) in appendix, (f["key"], field)
    shared = {f["fix"] for f in findings if f["code"] == "RD305"}
    assert len(shared) == 1 and appendix.count(squash(shared.pop())) == 1


@needs_pdftotext
def test_printed_problem_solving_keeps_every_item_under_its_level(report_pdf: Path) -> None:
    """Each Red and Amber/Red item prints with its key, name, kind, reason and leader, after
    the heading of its level and approach (said once) and before the next level's."""
    from reports.scope import APPROACHES

    text = squash(pdf_text(report_pdf))
    start = text.index(squash("Problem solving Every Red"))
    section = text[start : text.index("Dataquality", start)]
    heads = [squash("Not triaged")] + [squash(f"Level {n}: {APPROACHES[n]}") for n in (4, 3, 2)]
    heads.append(squash(f"Level 1: {APPROACHES[1]}"))
    at = [section.index(h) for h in heads]
    assert at == sorted(at)
    for row in build_document(demo_data(), charts=False).records("problem_solving"):
        level = 0 if row["level"] is None else 5 - row["level"]
        where = section.index(squash(f"{row['key']} {row['name']}"))
        assert at[level] < where and (level == 4 or where < at[level + 1]), row["key"]
        line = section[where : where + 400]
        for part in (row["kind"], row["reason"], row["leader"]):
            assert squash(part) in line, (row["key"], part)


def test_printing_pauses_the_cyclic_collector_and_restores_it(tmp_path: Path) -> None:
    """WeasyPrint's boxes are millions of young objects the collector would walk again and
    again: it stays off while a page prints, and is as it was after (on, or still off)."""
    import gc
    import sys

    printing: list[str] = []

    def noted(phase: str, info: dict[str, int]) -> None:
        frame = sys._getframe(1)
        while frame is not None:  # a collection started from inside WeasyPrint's own code
            if phase == "start" and "weasyprint" in frame.f_code.co_filename:
                printing.append(frame.f_code.co_name)
                return
            frame = frame.f_back

    html = demo_html()
    write_pdf(html, tmp_path / "first.pdf")  # WeasyPrint's modules imported (not printing)
    gc.callbacks.append(noted)
    try:
        write_pdf(html, tmp_path / "on.pdf")
        assert printing == [] and gc.isenabled()
        gc.disable()
        try:
            write_pdf("<p>Report</p>", tmp_path / "off.pdf")
            assert not gc.isenabled()
        finally:
            gc.enable()
    finally:
        gc.callbacks.remove(noted)
