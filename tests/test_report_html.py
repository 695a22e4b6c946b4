"""The HTML report: every section, text escaped, and no request leaves the page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest

from reports.html import change_text, day, number
from tests.fixtures_reports import XSS, demo_html, demo_stocktake_html
from tests.report_checks import (
    REPORT_SECTIONS,
    REPORT_SUBSECTIONS,
    STOCKTAKE_SECTIONS,
    Page,
    off_page_references,
)


@pytest.fixture(scope="module")
def page() -> Page:
    return Page(demo_html())


def test_every_section_is_present_with_its_heading(page: Page) -> None:
    text = " ".join(page.text)
    assert [id_ for id_, _ in REPORT_SECTIONS if id_ not in page.ids()] == []
    for _, heading in REPORT_SECTIONS:
        assert heading in text
    for heading in REPORT_SUBSECTIONS:
        assert heading in text


def test_a_summary_of_script_tags_shows_as_text(page: Page) -> None:
    html = demo_html()
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert XSS in " ".join(page.text)  # what a reader sees
    assert not [tag for tag, _ in page.tags if tag == "script"]


@pytest.mark.parametrize("render", [demo_html, demo_stocktake_html], ids=["report", "stocktake"])
def test_no_request_leaves_the_page(render: Callable[[], str]) -> None:
    html = render()
    assert off_page_references(html) == []
    assert "default-src 'none'" in html  # and the browser is told to refuse any


def test_the_checker_catches_what_would_fetch() -> None:
    bad = (
        '<link rel="stylesheet" href="https://cdn.example/x.css">'
        '<img src="//tracker.example/p.gif"><div style="background: url(http://x.example/a)">'
        '<svg><use xlink:href="http://x.example/s.svg#a"/></svg><script src="a.js"></script>'
    )
    assert off_page_references(bad) == [
        "<link>",
        "<script>",
        "<link href='https://cdn.example/x.css'>",
        "<img src='//tracker.example/p.gif'>",
        "<use xlink:href='http://x.example/s.svg#a'>",
        "<script src='a.js'>",
        "url(http://x.example/a)",
    ]
    assert off_page_references('<a href="#summary">x</a><img src="data:image/png;base64,AA">') == []


def test_every_chart_is_inline_svg(page: Page) -> None:
    svgs = [attrs for tag, attrs in page.tags if tag == "svg"]
    assert len(svgs) == 7 + 1  # a chart per target, and the legend


def test_the_stocktake_pack_has_its_three_parts() -> None:
    page = Page(demo_stocktake_html("DEL-30"))
    text = " ".join(page.text)
    for id_, heading in STOCKTAKE_SECTIONS:
        assert id_ in page.ids() and heading in text
    assert "Timely mental health care for young people" in text
    assert "Open hubs 5 to 8" in text  # the overdue milestone, under next steps


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(80.6, "%", "80.6%"), (2.75, "hours", "2.75 hours"), (93000, "people", "93,000 people"),
     (70.82, "%", "70.8%"), (None, "%", "—"), (142.0, "per 1,000", "142 per 1,000")],
)  # fmt: skip
def test_numbers_read_as_a_briefing_writes_them(value: float, unit: str, text: str) -> None:
    assert number(value, unit) == text


def test_dates_and_changes_in_words() -> None:
    assert day(date(2025, 11, 3)) == "3 Nov 2025"
    assert day(datetime.fromisoformat("2025-11-03T08:30+00:00")) == "3 Nov 2025, 08:30 UTC"
    assert change_text(1, 3) == ("▼", "down from Amber/Green")
    assert change_text(4, 3) == ("▲", "up from Amber/Green")
    assert change_text(3, None) == ("•", "new")
