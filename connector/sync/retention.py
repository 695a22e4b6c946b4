"""Retention: what the state store keeps of past runs, so that weeks of syncs stay bounded.

Every run stores each item's assessment and its conclusions (the mapped architecture, the
findings); at one sync every 15 minutes that is thousands of copies a month of what changes
rarely. After each run (`[state] retention`) the store keeps:

- the newest `[state] keep_runs` runs whole (their assessments and conclusions: `explain`, the
  report, the comment that says why a rating moved read them); the assessments of the last run
  of each assessment period (`[schedule] assessment_days`: one a period, for the long view) and
  of the two newest runs each CRDO report was made from (the next compares with them);
- of every other run, only the assessments that begin or end a stretch of one rating of an
  item, and of those only the rating, the day and the item's name: the newest rating on or
  before any day is then still stored (RD403 and the problem-solving levels read it,
  `previous_ratings`), and so is each stretch's first and last run (`explain`'s history, and
  the run whose rating a ticket shows);
- the write ledger's entries until they are settled (done, failed or superseded) and no longer
  among the newest runs';
- the records once, as last read (they always were), and the runs' log (one line a run).

The SQL is portable (SQLite and PostgreSQL): correlated subqueries by the (source, key, run)
index, no SQLite-only function.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from connector.sync.state import StateStore


@dataclass(frozen=True)
class Retained:
    """What one pass dropped: runs thinned to their rating changes, rows, outputs, ledger."""

    runs: int = 0
    assessments: int = 0
    outputs: int = 0
    ledger: int = 0


def kept_whole(
    runs: Sequence[tuple[int, date]], keep: int, period_days: int, reported: Iterable[int]
) -> set[int]:
    """The assessment runs kept whole, of `runs` as (id, day) newest first: the newest `keep`,
    the newest of each assessment period (periods counted from day one), those reported."""
    kept = {run for run, _ in runs[:keep]} | set(reported)
    seen: set[int] = set()
    for run, day in runs:
        period = day.toordinal() // period_days
        if period not in seen:  # newest first: the first met is the period's last run
            seen.add(period)
            kept.add(run)
    return kept


# A row neither the first of its item's stretch of one rating nor the last: its neighbours by
# run (same source and key) both carry its rating.
_THIN = """
DELETE FROM assessments WHERE run_id = ?
AND likelihood = (SELECT p.likelihood FROM assessments p
    WHERE p.source = assessments.source AND p.key = assessments.key
    AND p.run_id < assessments.run_id ORDER BY p.run_id DESC LIMIT 1)
AND likelihood = (SELECT n.likelihood FROM assessments n
    WHERE n.source = assessments.source AND n.key = assessments.key
    AND n.run_id > assessments.run_id ORDER BY n.run_id LIMIT 1)
"""


def retain(store: StateStore, keep: int, period_days: int) -> Retained:
    """Drop what no report, rating comparison, explanation or pending write needs; one
    transaction. A run once thinned (or that stored no assessments) is noted in `past_runs`
    and never looked at again: a pass reads the runs still whole, not every run stored."""
    thinned = rows = 0
    # Read inside the transaction: workers retain at once (docs/deploy.md), and what one
    # pass noted in `past_runs` the next must see.
    with store.transaction() as db:
        runs, empty = _whole_runs(store)
        whole = kept_whole(runs, keep, period_days, _reported(store))
        # The oldest of the newest `keep` runs that stored assessments (dry and failed runs
        # store none: they do not push a run's conclusions out).
        oldest_kept = min((run for run, _ in runs[:keep]), default=0)
        # Oldest first: a stretch's first row is kept before its later rows are looked at.
        for run, _ in reversed(runs):
            if run not in whole:
                rows += db.execute(_THIN, (run,)).rowcount
                _slim(db, run)
                empty.append(run)
                thinned += 1
        db.executemany("INSERT INTO past_runs (run_id) VALUES (?)", [(r,) for r in empty])
        outputs = db.execute("DELETE FROM run_outputs WHERE run_id < ?", (oldest_kept,)).rowcount
        ledger = db.execute(
            "DELETE FROM ledger WHERE status <> 'planned' AND run_id < ?", (oldest_kept,)
        ).rowcount
    return Retained(thinned, rows, outputs, ledger)


# What a thinned run's rows keep of an assessment: the rating and what names it (the history,
# RD403 and the comment's fallback read no more of a run that old).
_SLIM = ("key", "kind", "name", "assessed_on", "likelihood", "team_rating")


def _slim(db: Any, run: int) -> None:
    """The rows a thinned run keeps, without their judgements, caps and reasons."""
    rows = db.execute(
        "SELECT source, key, body FROM assessments WHERE run_id = ?", (run,)
    ).fetchall()
    # One batch, not a statement a row: a PostgreSQL store pipelines it (no round trip each).
    db.executemany(
        "UPDATE assessments SET body = ? WHERE run_id = ? AND source = ? AND key = ?",
        [
            (json.dumps({k: v for k, v in json.loads(body).items() if k in _SLIM}), run, s, key)
            for s, key, body in rows
        ],
    )


def _whole_runs(store: StateStore) -> tuple[list[tuple[int, date]], list[int]]:
    """The runs not yet thinned that stored assessments, newest first, each with its day;
    and those ended having stored none (failed, dry). A run still going (another worker's)
    is neither: it may yet commit."""
    found, empty = [], []
    rows = store.db.execute(
        "SELECT id, status FROM runs WHERE NOT EXISTS "
        "(SELECT 1 FROM past_runs p WHERE p.run_id = runs.id) ORDER BY id DESC"
    ).fetchall()
    for run, status in rows:
        row = store.db.execute(
            "SELECT assessed_on FROM assessments WHERE run_id = ? LIMIT 1", (run,)
        ).fetchone()
        if row is None:
            if status != "running":
                empty.append(int(run))
        else:
            found.append((int(run), date.fromisoformat(row[0])))
    return found, empty


def _reported(store: StateStore) -> set[int]:
    """The two newest runs each CRDO report (all, or a department's) was made from: the next
    report compares with the newest made from an earlier run than its own."""
    newest: dict[str, list[int]] = {}
    for subject, run in store.db.execute(
        "SELECT subject, run_id FROM reports WHERE kind = 'report' ORDER BY id DESC"
    ):
        runs = newest.setdefault(subject, [])
        if len(runs) < 2 and run not in runs:
            runs.append(int(run))
    return {run for runs in newest.values() for run in runs}
