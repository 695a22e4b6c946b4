"""The HTML report: every section, text escaped, and no request leaves the page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from html.parser import HTMLParser

import pytest
from markupsafe import escape

from mappings.graph import Architecture
from reports.document import build_document
from reports.html import change_text, day, number, render_report
from reports.scope import APPROACHES, Scope
from tests.fixtures_reports import (
    JIRA_SITE,
    JOBS_TABLE,
    XSS,
    J,
    demo_data,
    demo_html,
    demo_stocktake_html,
    measurements,
)
from tests.report_checks import (
    REPORT_SECTIONS,
    REPORT_SUBSECTIONS,
    STOCKTAKE_SECTIONS,
    Page,
    keyless,
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
    ticket = '<a class="keyref" href="https://x.atlassian.net/browse/DEL-1">DEL-1</a>'
    assert off_page_references(ticket) == []  # followed on a click, never fetched
    assert off_page_references('<a href="javascript:alert(1)">x</a>') == [
        "<a href='javascript:alert(1)'>"
    ]


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


class Cells(HTMLParser):
    """The text of each `<td data-key>` (the heat map's evidence rows), and each link and
    plain key with its text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.evidence: dict[str, str] = {}
        self.details: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (text, href)
        self.plain: list[str] = []  # keys shown without a link
        self._key: str | None = None
        self._depth = 0
        self._anchor: tuple[str, str] | None = None
        self._span = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "td" and "data-key" in found:
            self._key, self._depth = found["data-key"], 1
            self.evidence[self._key] = ""
        elif tag == "td" and self._key is not None:
            self._depth += 1
        if tag == "details" and self._key is not None:
            self.details.add(self._key)
        if tag == "a" and "keyref" in found.get("class", ""):
            self._anchor = ("", found["href"])
        self._span = tag == "span" and found.get("class") == "keyref"

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._key is not None:
            self._depth -= 1
            if self._depth == 0:
                self._key = None
        if tag == "a" and self._anchor is not None:
            self.links.append(self._anchor)
            self._anchor = None
        self._span = False

    def handle_data(self, data: str) -> None:
        if self._key is not None:
            self.evidence[self._key] += data
        if self._anchor is not None:
            self._anchor = (self._anchor[0] + data, self._anchor[1])
        if self._span:
            self.plain.append(data)


@pytest.fixture(scope="module")
def cells() -> Cells:
    return Cells(demo_html())


def test_every_heat_map_judgement_shows_its_evidence(cells: Cells) -> None:
    """Each row of the heat map opens (a <details> on screen) onto each judgement's rating
    and evidence and the caps: the words the numbers were made from."""
    data = demo_data()
    heat = build_document(data, charts=False).records("heat_map")
    assert [r["key"] for r in heat] == list(cells.evidence)
    assessed = [r["key"] for r in heat if r["key"] in data.assessments]
    assert assessed and set(assessed) <= cells.details
    for key in assessed:
        text = " ".join(cells.evidence[key].split())
        assessment = data.assessments[key]
        for j in assessment.judgements:
            assert f"{j.name} ({j.rating} {j.rating.label}): {j.rationale}" in text, (key, j.name)
        for cap in assessment.caps:
            assert cap in text
    assert "Capped: a Red strategy drives it" in cells.evidence["DEL-30"]


def test_every_key_links_to_its_ticket_or_record(cells: Cells) -> None:
    """A key with an address opens it (Jira's browse page, Airtable's record); a key the
    report cannot place (a measurement record with a bad value) is plain text."""
    urls = Scope(demo_data()).urls()
    assert len(urls) == len(demo_data().architecture)  # the fixture gives every entity one
    document = build_document(demo_data(), charts=False)
    shown = {
        key
        for table in document.tables.values()
        for column in ("key", "priority_key")
        if column in table.columns
        for key in table[column]
        if key in urls
    }
    assert len(shown) > 25 and shown <= {text for text, _ in cells.links}
    for text, href in cells.links:
        assert href == urls[text], text
    assert cells.links and not [key for key in cells.plain if key in urls]
    assert cells.plain == ["recMs7Lr2Qd9Xw4Ta"]  # RD901 on a Measurements record, no entity
    assert urls["DEL-4"] == f"{JIRA_SITE}/browse/DEL-4"
    assert urls[J["S1"]] == f"{JOBS_TABLE}/{J['S1']}"


def test_a_key_links_only_to_a_web_address() -> None:
    """An address a state store holds that is not http(s) (javascript:, file:) is no link."""
    data = demo_data()
    entities = [
        e.model_copy(update={"url": "javascript:alert(1)"}) if e.key == "DEL-4" else e
        for e in data.architecture.entities.values()
    ]
    arch = Architecture(entities, measurements(), [])
    html = render_report(build_document(data.model_copy(update={"architecture": arch})))
    assert "javascript:" not in html
    assert off_page_references(html) == []
    assert "DEL-4" not in Scope(data.model_copy(update={"architecture": arch})).urls()


def test_the_appendix_says_each_rule_once_and_leaves_data_quality_to_its_section() -> None:
    """The appendix lists each finding with its fix under its rule, named once; the data
    quality findings (RD9xx) are not repeated there: their section has them with field and fix."""
    from markupsafe import escape

    html = demo_html()
    quality = html[html.index('id="quality"') : html.index('id="appendix"')]
    appendix = html[html.index('id="appendix"') : html.index("How this report rates")]
    findings = build_document(demo_data(), charts=False).records("findings")
    shown = [f for f in findings if not f["code"].startswith("RD9")]
    assert shown and len(shown) < len(findings)  # the demo has both kinds
    for f in findings:
        message = str(escape(f["message"]))
        if f["code"].startswith("RD9"):
            assert message in quality and message not in appendix
        else:
            rule = appendix[appendix.index(f'<span class="code">{f["code"]}</span>') :]
            rule = rule[: rule.index("</table>")]
            shared = keyless(message, f["key"])
            assert appendix.count(message) == 1 or (
                f"<strong>Finding, for each:</strong> {shared}" in rule and f">{f['key']}</" in rule
            ), f["key"]
    for code in {f["code"] for f in shown}:
        assert appendix.count(f'<span class="code">{code}</span>') == 1
    assert '<td class="key">' not in appendix  # no code column repeating the heading


def test_a_fix_every_finding_of_a_rule_shares_is_said_once() -> None:
    """The appendix does not repeat a rule's fix on each of its findings: said once under the
    rule's heading (the demo's two RD305 findings share theirs); a rule whose findings need
    different fixes keeps a Fix column."""
    html = demo_html()
    appendix = html[html.index('id="appendix"') : html.index("How this report rates")]
    findings = build_document(demo_data(), charts=False).records("findings")
    shared = [f for f in findings if f["code"] == "RD305"]
    assert len(shared) == 2 and shared[0]["fix"] == shared[1]["fix"]
    assert appendix.count(shared[0]["fix"]) == 1
    rule = appendix[appendix.index('<span class="code">RD305</span>') :]
    rule = rule[: rule.index("</table>")]
    assert f"<strong>Fix, for each:</strong> {shared[0]['fix']}" in rule
    assert "<th" in rule and ">Fix</th>" not in rule
    for f in shared:
        assert f">{f['key']}</a>" in rule
    own = [f for f in findings if f["code"] == "RD308"]  # two findings, a fix each
    assert len({f["fix"].replace(f["key"], "") for f in own}) == 2  # not only by their key
    other = appendix[appendix.index('<span class="code">RD308</span>') :]
    other = other[: other.index("</table>")]
    assert ">Fix</th>" in other and all(str(escape(f["fix"])) in other for f in own)


def test_a_finding_every_finding_of_a_rule_says_but_for_its_key_is_said_once() -> None:
    """The demo's RD305 findings say "<key> has no delivery chain": said once above the rule's
    items as "This item has no delivery chain", instead of a Finding column repeating it on
    every row, with no notation to learn; each
    item is listed with its key; the print edition too."""
    for html in (demo_html(), render_report(build_document(demo_data()), "print")):
        appendix = html[html.index('id="appendix"') : html.index("How this report rates")]
        rule = appendix[appendix.index('<span class="code">RD305</span>') :]
        rule = rule[: rule.index("</table>")]
        said = "<strong>Finding, for each:</strong> This item has no delivery chain"
        assert said in rule and "[key]" not in rule
        assert ">Finding</th>" not in rule and "has no delivery chain</td>" not in rule
        findings = build_document(demo_data(), charts=False).records("findings")
        shared = [f for f in findings if f["code"] == "RD305"]
        assert len(shared) == 2
        assert all(f["message"] == f"{f['key']} has no delivery chain" for f in shared)
        assert all(f">{f['key']}</a>" in rule for f in shared)
        rule = appendix[appendix.index('<span class="code">RD107</span>') :]
        rule = rule[: rule.index("</table>")]  # fixes alike but for their key: said once too
        fix = "<strong>Fix, for each:</strong> Set Accountable owner on this item to one person."
        assert fix in rule and ">Fix</th>" not in rule and ">Finding</th>" not in rule


def test_problem_solving_names_each_level_once_above_its_items() -> None:
    """Rule 8's level and its approach head the items triaged at it (the untriaged first),
    instead of filling two columns of every row."""
    html = demo_html()
    section = html[html.index('id="problems"') : html.index('id="quality"')]
    rows = build_document(demo_data(), charts=False).records("problem_solving")
    assert ">Approach</th>" not in section and ">Level</th>" not in section
    heads = ["Not triaged"] + [f"Level {n}: {APPROACHES[n]}" for n in (4, 3, 2, 1)]
    at = [section.index(h) for h in heads]
    assert at == sorted(at) and all(section.count(h) == 1 for h in heads)
    for row in rows:
        level = 0 if row["level"] is None else 5 - row["level"]
        where = section.index(f">{row['key']}</a>")
        assert at[level] < where and (level == len(at) - 1 or where < at[level + 1]), row["key"]
