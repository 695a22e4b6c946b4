"""The targets table and its badges: a badge says what the rating read, never the opposite."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from html import unescape
from typing import Any

import pytest

from connector.cli.report import report_data
from connector.sandbox.server import start_sandbox
from connector.sync.state import StateStore
from mappings.graph import Architecture
from reports.document import build_document
from reports.html import render_report
from reports.model import ReportData
from reports.scope import Scope
from reports.targets import badge, targets
from rules.model import JUDGEMENTS
from tests.campaign import configure, sync
from tests.conftest import ANCHOR, site_clock
from tests.fixtures_reports import PROBLEMS, demo_data, measurements
from tests.fixtures_reports_bulk import portfolio

GOOD_NEWS = ("On trajectory", "Reached")


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReportData]:
    """The demo portfolio as `rdsync demo` reports it: read from the sandbox, rated by rdsync."""
    folder = tmp_path_factory.mktemp("demo")
    with start_sandbox(seed="demo", anchor=ANCHOR, clock=site_clock()) as site:
        config = configure(folder, site)
        sync(config, site.clock)
        store = StateStore(config.state_path, site.clock)
        try:
            data = report_data(config, store)
        finally:
            store.close()
        assert isinstance(data, ReportData)
        yield data


def cards(html: str) -> dict[str, str]:
    """The text of each chart card by target key."""
    found = {}
    for card in html.split('<div class="card">')[1:]:
        inline = re.sub(r"</?(a|span|strong)\b[^>]*>", "", card.split("<svg")[0])
        text = " ".join(unescape(re.sub(r"<[^>]+>", " ", inline)).split())
        found[text.split()[0]] = text
    return found


def check_badges(data: ReportData) -> list[dict[str, Any]]:
    """Every badge against the rating beside it; returns the rows checked."""
    rows = targets(Scope(data)).to_dict("records")
    fresh = data.thresholds.freshness_days
    missing = fresh * data.likelihood.stale_as_missing
    shown = cards(render_report(build_document(data, charts=False)))
    for row in rows:
        age, said = row["latest_age_days"], badge(row)
        if age is not None and age > missing:  # the rating counts it as missing
            assert row["status"] == "Stale, counted as missing" and row["progress"] is None
            assert said == f"Stale: last reading {age} days old, counted as missing"
        elif age is not None and age > fresh:
            assert said.endswith(f"stale: last reading {age} days old"), row["key"]
        else:
            assert "stale" not in said.lower()
        if row["status"] in GOOD_NEWS and (row["likelihood"] or 4) < 4:
            assert row["held_back_by"], row["key"]
            assert f"Held back by: {row['held_back_by']}" in shown[row["key"]]
        assert said in shown[row["key"]]
    return rows


def test_no_badge_contradicts_its_rating_in_the_demo(synced: ReportData) -> None:
    """On the demo as rated: good news only where Evidence of progress found it (3 or 4), a
    reading counted as missing says so, and a target on trajectory but rated low says why."""
    rows = check_badges(synced)
    statuses = {row["status"] for row in rows}
    assert {"On trajectory", "Stale, counted as missing"} <= statuses
    low = [r for r in rows if r["status"] in GOOD_NEWS and r["likelihood"] <= 2]
    assert low  # DEL-64: on trajectory, Amber/Red for its missing target date
    no_data = synced.likelihood.no_data_rating
    for row in rows:
        evidence = dict((n, r) for n, r, _ in synced.assessments[row["key"]].judged)[JUDGEMENTS[4]]
        if row["status"] in GOOD_NEWS:
            assert evidence >= 3, row["key"]
        if row["status"] == "Stale, counted as missing":
            assert evidence <= no_data, row["key"]


def test_no_badge_contradicts_its_rating_in_the_bulk_portfolio() -> None:
    rows = check_badges(portfolio(2))
    assert [r for r in rows if r["status"] in GOOD_NEWS and r["likelihood"] <= 2]


def test_a_stale_reading_is_read_as_its_rating_reads_it() -> None:
    """DEL-33's indicator was last measured 187 days before the report: stale (over 120), not
    yet missing (over 240). On 31 Dec 2025 it counts as missing."""
    data = demo_data()
    row = next(r for r in targets(Scope(data)).to_dict("records") if r["key"] == "DEL-33")
    assert (row["latest_age_days"], row["stale"], row["status"]) == (187, True, "Behind trajectory")
    assert badge(row) == (
        "Behind trajectory, 25% of the planned gain; stale: last reading 187 days old"
    )
    older = data.model_copy(update={"generated_at": data.generated_at.replace(month=12, day=31)})
    row = next(r for r in targets(Scope(older)).to_dict("records") if r["key"] == "DEL-33")
    assert row["status"] == "Stale, counted as missing" and row["progress"] is None
    assert badge(row) == "Stale: last reading 245 days old, counted as missing"


def test_measurements_before_the_baseline_are_flagged(synced: ReportData) -> None:
    data = demo_data()
    later = [
        e.model_copy(update={"baseline_date": date(2024, 9, 1)}) if e.key == "DEL-4" else e
        for e in data.architecture.entities.values()
    ]
    data = data.model_copy(update={"architecture": Architecture(later, measurements(), PROBLEMS)})
    rows = {r["key"]: r for r in targets(Scope(data)).to_dict("records")}
    assert rows["DEL-4"]["before_baseline"] == 2  # 30 Apr and 31 Jul 2024
    assert rows["DEL-6"]["before_baseline"] == 0
    shown = cards(render_report(build_document(data, charts=False)))
    assert "2 measurements dated before the baseline (Sep 2024)" in shown["DEL-4"]
    assert "before the baseline" not in shown["DEL-6"]
    demo = {r["key"]: r for r in targets(Scope(synced)).to_dict("records")}
    assert [k for k, r in demo.items() if r["before_baseline"]]  # the demo has such a target


def test_the_badge_of_a_target_with_no_indicator_says_so() -> None:
    data = demo_data()
    orphan = [
        e.model_copy(update={"parent_key": None}) if e.key == "DEL-9" else e
        for e in data.architecture.entities.values()
    ]
    data = data.model_copy(update={"architecture": Architecture(orphan, measurements(), [])})
    row = next(r for r in targets(Scope(data)).to_dict("records") if r["key"] == "DEL-9")
    assert (row["status"], row["indicator"]) == ("No indicator", "")
