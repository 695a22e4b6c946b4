"""Retention: after it, the report, `explain`, RD403's comparison, the history and the comment
that says why a rating moved answer as they did before it, from a store a fraction the size."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.cli.explanation import explain
from connector.cli.report import report_data
from connector.config import Config, load_config
from connector.sandbox.server import Sandbox, start_sandbox
from connector.sync.history import RatingChanges
from connector.sync.keys import by_architecture, unqualified
from connector.sync.retention import kept_whole, retain
from connector.sync.state import StateStore
from mappings.graph import Architecture
from tests.campaign import configure, sync, team_edits
from tests.conftest import ANCHOR, site_clock

pytestmark = pytest.mark.e2e

# The team moves three indicators one way, then back: ratings change, and change back.
EDITS = (
    (("P1-O1-I1", 60.0), ("P10-O1-I1", 1.0), ("P3-O1-I1", 99.0)),
    (("P1-O1-I1", 95.0), ("P10-O1-I1", 80.0), ("P3-O1-I1", 10.0)),
)
SYNCS = 9  # 9 hours apart: four days, two assessment periods of 2 days


def _config(folder: Path, sandbox: Sandbox, **state: object) -> Config:
    """The demo's config with an assessment period of two days and the given [state] keys."""
    configure(folder, sandbox)
    path = folder / "rdsync.toml"
    keys = "".join(f"{key} = {str(value).lower()}\n" for key, value in state.items())
    text = path.read_text(encoding="utf-8").replace("[state]\n", f"[state]\n{keys}", 1)
    path.write_text(text + "\n[schedule]\nassessment_days = 2\n", encoding="utf-8")
    return load_config(path)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Config, Sandbox]]:
    """The demo site synced every 9 hours with the team's edits between, every run kept whole
    (retention off), a CRDO report noted after the fourth."""
    folder = tmp_path_factory.mktemp("retention")
    with start_sandbox(seed="demo", anchor=ANCHOR, clock=site_clock()) as sandbox:
        config = _config(folder, sandbox, retention=False)
        clock = sandbox.clock
        sync(config, clock, full=True)
        for n in range(SYNCS):
            clock.advance(timedelta(hours=9))
            team_edits(sandbox, "jira", edits=EDITS[n % 2])
            outcome = sync(config, clock)
            if n == 3:
                store = StateStore(config.state_path, clock)
                store.record_report(outcome.run_id, "report", "", folder / "report.html")
                store.close()
        yield config, sandbox


def _answers(config: Config, store: StateStore, today: date) -> dict[str, Any]:
    """Everything the report, explain, RD403 and the rating comment read from the store."""
    run_id, outputs = store.newest_outputs()
    keys = {e.key: e.source for e in outputs.entities}
    ratings = {
        days: by_architecture(store.previous_ratings(today - timedelta(days=days), keys), keys)
        for days in range(7)
    }
    latest = by_architecture(store.previous_ratings(None, keys), keys)
    assessed = store.assessments(run_id)
    explained = {key: explain(config, store, key) for key in sorted(assessed)}
    data: Any = report_data(config, store)
    report = (data.previous, data.assessments, data.findings, data.previous_generated_at)
    arch = Architecture(outputs.entities, store.measurements(), outputs.problems)
    changes = RatingChanges(store, arch, outputs.findings, assessed, today)
    shown = store.assessments(store.assessment_run_before(run_id))  # what tickets show
    why = {
        key: changes.why(keys[key], unqualified(keys[key], key), key, int(shown[key].likelihood))
        for key in sorted(assessed)
        if key in shown
    }
    return {
        "ratings": ratings,
        "latest": latest,
        "explain": explained,
        "report": report,
        "why": why,
    }


def _rows(store: StateStore, table: str) -> int:
    return int(store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_retention_keeps_every_answer_and_drops_most_rows(
    site: tuple[Config, Sandbox], tmp_path: Path
) -> None:
    config, sandbox = site
    today = sandbox.clock.today()
    kept = tmp_path / "kept.sqlite"
    whole = StateStore(config.state_path, sandbox.clock)
    with sqlite3.connect(kept) as copy:
        whole.db.backup(copy)
    thinned = StateStore(kept, sandbox.clock)
    dropped = retain(thinned, keep=2, period_days=config.schedule.assessment_days)
    assert dropped.runs >= 5 and dropped.outputs >= 5, dropped
    assert _rows(thinned, "assessments") < _rows(whole, "assessments") * 0.6
    before = _answers(config, whole, today)
    assert any(before["why"].values())  # some ratings moved, and say why
    assert any(len(body["history"]) > 2 for body in before["explain"].values())
    assert _answers(config, thinned, today) == before
    oldest = thinned.assessment_runs()[-1]  # the first sync: thinned, its judgements gone
    assert thinned.run_ratings(oldest) and _rows(thinned, "past_runs") >= 5
    assert all(not a.judged for a in thinned.assessments(oldest).values())
    again = retain(thinned, keep=2, period_days=config.schedule.assessment_days)
    assert again.assessments == again.outputs == 0  # nothing more to drop
    whole.close()
    thinned.close()


def test_a_sync_applies_retention_after_its_commit(
    site: tuple[Config, Sandbox], tmp_path: Path
) -> None:
    """With retention on (the default), a run thins what it no longer needs: run by run, the
    store keeps the newest runs whole and the others' rating changes."""
    config, sandbox = site
    folder = tmp_path / "on"
    on = _config(folder, sandbox, keep_runs=2)
    assert on.state.retention
    whole = StateStore(config.state_path, sandbox.clock)
    with sqlite3.connect(on.state_path) as copy:
        whole.db.backup(copy)
    whole.close()
    sandbox.clock.advance(timedelta(hours=9))
    outcome = sync(on, sandbox.clock)
    store = StateStore(on.state_path, sandbox.clock)
    whole_runs = {run for run in store.assessment_runs() if store.run_ratings(run)}
    full = {run for run in whole_runs if len(store.run_ratings(run)) == len(outcome.assessments)}
    assert outcome.run_id in full and _rows(store, "run_outputs") <= 3  # 2 newest + reported
    assert _rows(store, "past_runs") >= SYNCS - 3
    store.close()


def test_whole_runs_are_the_newest_one_a_period_and_those_reported() -> None:
    day = date(2026, 11, 1)
    runs = [(10 - n, day + timedelta(days=(10 - n) // 3)) for n in range(10)]  # 3 a day
    assert kept_whole(runs, 2, 2, reported=[4]) == {10, 9, 4, 8, 2}
