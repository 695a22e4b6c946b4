"""A report is compared with the previous report of its own scope, never another department's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from connector.cli.report import build_reports, report_data
from connector.sandbox.server import Sandbox
from connector.sync.state import StateStore
from reports.model import ReportData
from tests.campaign import configure, sync, team_edits

HEALTH = "Department of Health and Social Services"


def test_the_previous_report_is_the_last_one_of_the_same_scope(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """Health's report after run 1, the all-departments report after run 2 (the team's edits
    between them move ratings), then after run 3: Health's report compares with Health's
    report of run 1, the all-departments one with its own of run 2."""
    site = make_sandbox(seed="demo")
    config = configure(tmp_path, site)
    clock = site.clock
    sync(config, clock)
    store = StateStore(config.state_path, clock)
    try:
        build_reports(config, store, tmp_path / "r1", ["json"], department=HEALTH)
        health_at = clock.now()
        clock.advance(timedelta(days=7))
        team_edits(site, "jira")
        sync(config, clock)
        build_reports(config, store, tmp_path / "r2", ["json"])
        all_at = clock.now()
        clock.advance(timedelta(days=7))
        sync(config, clock)
        health = report_data(config, store, HEALTH)
        everything = report_data(config, store)
        runs = store.runs(10)
        by_run = {r.id: store.assessments(r.id) for r in runs}
    finally:
        store.close()
    assert isinstance(health, ReportData) and isinstance(everything, ReportData)
    run1 = {k: a.likelihood for k, a in by_run[runs[-1].id].items()}
    run2 = {k: a.likelihood for k, a in by_run[runs[-2].id].items()}
    assert run1 != run2  # the team's edits moved ratings: the two candidates differ
    # the store keeps whole seconds; the reports are a week apart
    assert health.previous_generated_at is not None and everything.previous_generated_at
    assert abs(health.previous_generated_at - health_at) < timedelta(seconds=5)
    assert health.previous == run1
    assert abs(everything.previous_generated_at - all_at) < timedelta(seconds=5)
    assert everything.previous == run2
