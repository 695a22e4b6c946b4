"""The state store's read API for `explain` and `status`: who holds the lock (read, never
taken), a key's assessments run by run, and runs since a time with their mode."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from connector.clock import Clock
from connector.sync.state import StateLocked, StateStore
from rules.model import Assessment, Judgement, Rating

HOLDER = (
    "import sys; from connector.sync.state import StateStore\n"
    "holder = StateStore(sys.argv[1]).lock_holder()\n"
    "print('free' if holder is None else f'{holder.pid} {holder.since}')\n"
)


def _holder_seen_by_another_process(path: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", HOLDER, str(path)], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_another_process_reads_who_holds_the_lock_and_the_lock_stays_held(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.sqlite"
    store = StateStore(path)
    assert store.lock_holder() is None  # no holder noted yet
    store.lock()
    holder = store.lock_holder()
    assert holder is not None and holder.text.startswith("rdsync pid ")
    pid, since = holder.pid, holder.since
    assert _holder_seen_by_another_process(path) == f"{pid} {since}"
    # Reading it took nothing: another store (here of this process) still cannot lock it.
    other = StateStore(path)
    with pytest.raises(StateLocked, match="in use by this process"):
        other.lock()
    other.close()
    store.unlock()
    assert store.lock_holder() is None  # the note is gone with the lock
    assert _holder_seen_by_another_process(path) == "free"
    store.close()


def _assessment(key: str, rating: Rating, on: date) -> Assessment:
    return Assessment(
        key=key,
        kind="target",
        assessed_on=on,
        likelihood=rating,
        judgements=[Judgement(name="Evidence of progress", rating=rating, rationale="74%")],
    )


def test_a_keys_history_is_its_source_s_run_by_run(tmp_path: Path) -> None:
    clock = Clock.starting(date(2026, 11, 1))
    store = StateStore(tmp_path / "state.sqlite", clock)
    days = (date(2026, 11, 1), date(2026, 11, 2))
    ratings = (Rating.AMBER_GREEN, Rating.AMBER_RED)
    runs: list[int] = []
    for day, rating in zip(days, ratings, strict=True):
        if runs:
            clock.advance(timedelta(days=1))
        run = store.start_run(full=not runs)
        runs.append(run)
        store.commit_run(
            run,
            cursors={},
            records={},
            deleted={},
            measurements=[],
            # Two sources each hold a DEL-4: the architecture calls the second hr:DEL-4.
            assessments=[
                _assessment("DEL-4", rating, day),
                _assessment("hr:DEL-4", Rating.RED, day),
            ],
            sources={"DEL-4": "jira", "hr:DEL-4": "hr"},
        )
        store.finish_run(run, "ok", {"api_calls": 3, "api_calls.jira": 3})
    assert store.rating_runs("jira", "DEL-4") == [
        (runs[0], "2026-11-01", Rating.AMBER_GREEN),
        (runs[1], "2026-11-02", Rating.AMBER_RED),
    ]
    assert [r for _, _, r in store.rating_runs("hr", "DEL-4")] == [Rating.RED] * 2
    few = store.assessments_of(runs[0], {"DEL-4": "jira", "hr:DEL-4": "hr", "DEL-9": "jira"})
    assert {k: a.likelihood for k, a in few.items()} == {
        "DEL-4": Rating.AMBER_GREEN,
        "hr:DEL-4": Rating.RED,
    }
    assert store.assessed_keys("target") == ["DEL-4", "hr:DEL-4"]  # of the newest run
    assert store.assessed_keys("priority") == []
    listed = store.runs(10)
    assert [(r.id, r.full, r.dry_run) for r in listed] == [
        (runs[1], False, False),
        (runs[0], True, False),
    ]
    assert listed[0].counts["api_calls.jira"] == 3
    assert [r.id for r in store.runs(10, since="2026-11-02T00:00:00+00:00")] == [runs[1]]
    assert [r.id for r in store.runs(10, since="2026-11-01T00:00:00+00:00")] == runs[::-1]
    store.close()
