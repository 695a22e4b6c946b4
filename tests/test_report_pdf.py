"""The PDF, printed from the same HTML: every section in its text, and nothing fetched."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from reports.pdf import as_images, write_pdf
from tests.fixtures_reports import XSS, demo_html, demo_stocktake_html
from tests.report_checks import REPORT_SECTIONS, REPORT_SUBSECTIONS, STOCKTAKE_SECTIONS

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


@needs_pdftotext
def test_the_cover_stands_alone_and_each_section_starts_a_page(report_pdf: Path) -> None:
    cover = pdf_text(report_pdf, 1, 1)
    assert "CRDO compliance report" in cover and "3 Nov 2025" in cover
    assert "Executive summary Of 4 priorities" in pdf_text(report_pdf, 2, 2)
    assert "Page 2 of" in pdf_text(report_pdf, 2, 2)


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
