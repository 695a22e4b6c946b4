"""Benchmark: the state store's runs on SQLite against PostgreSQL (tests/postgres.py's server).

    python benchmarks/bench_store.py [--records 10000] [--runs 3]

For each store, in one process: `--runs` runs, each committing every record (about 2 KB of
JSON each, as a Jira issue is kept), an assessment per record, a few measurements and the
run's conclusions, then the reads the next run makes (`hashes`, `records`, `previous_ratings`
of every key) and retention. It prints each step's seconds on both and their ratio, measured
in the same run (the machine is shared: ratios, not absolute figures, are what to compare).
PostgreSQL here is on loopback with fsync off: a networked server adds a round trip to every
statement (the commit is one batch, pipelined by psycopg).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connector.clock import Clock
from connector.sync.retention import retain
from connector.sync.state import RunOutputs, StateStore, StoredRecord
from connector.sync.state_pg import PostgresStore
from mappings.model import Measurement
from rules.model import Assessment, Judgement, Rating
from tests.postgres import running_postgres

DAY = date(2026, 11, 22)


def _raw(key: str, n: int) -> dict[str, object]:
    return {"key": key, "fields": {"summary": f"{key} summary " * 20, "n": n, "x": "y" * 1500}}


@contextmanager
def _timed(seconds: dict[str, float], step: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    seconds[step] = seconds.get(step, 0.0) + time.perf_counter() - started


def exercise(store: StateStore, records: int, runs: int) -> dict[str, float]:
    """Seconds of each step, summed over the runs."""
    seconds: dict[str, float] = {}
    keys = [f"DEL-{i}" for i in range(records)]
    judged = [Judgement(name="Evidence of progress", rating=Rating(2), rationale="74%")]
    for n in range(runs):
        day = DAY + timedelta(days=n)
        run = store.start_run()
        batch = {"jira": {k: StoredRecord("target", f"h{n}{k}", None, _raw(k, n)) for k in keys}}
        rated = [
            Assessment(
                key=k,
                kind="target",
                assessed_on=day,
                likelihood=Rating(1 + (i + n) % 4),
                judgements=judged,
            )
            for i, k in enumerate(keys)
        ]
        measured = [Measurement(indicator_key=k, at=day, value=i / 3) for i, k in enumerate(keys)]
        with _timed(seconds, "commit"):
            store.commit_run(
                run,
                cursors={"jira": day.isoformat()},
                records=batch,
                deleted={},
                measurements=measured[:500],
                assessments=rated,
                sources=dict.fromkeys(keys, "jira"),
                outputs=RunOutputs([], [], [], []),
            )
        store.finish_run(run, "ok", {})
        with _timed(seconds, "hashes"):
            store.hashes("jira")
        with _timed(seconds, "records"):
            store.records("jira")
        with _timed(seconds, "previous_ratings"):
            store.previous_ratings(day)
        with _timed(seconds, "retention"):
            retain(store, 2, 7)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with running_postgres() as server, tempfile.TemporaryDirectory() as folder:
        sqlite = StateStore(Path(folder) / "s.sqlite", Clock.starting(DAY))
        postgres = PostgresStore(server.database(), clock=Clock.starting(DAY))
        found = {
            "sqlite": exercise(sqlite, args.records, args.runs),
            "postgresql": exercise(postgres, args.records, args.runs),
        }
        sqlite.close()
        postgres.close()
    print(f"{args.records} records, {args.runs} runs: seconds (summed over the runs)")
    print(f"{'step':<18}{'SQLite':>10}{'PostgreSQL':>12}{'ratio':>8}")
    for step, lite in found["sqlite"].items():
        pg = found["postgresql"][step]
        print(f"{step:<18}{lite:>10.2f}{pg:>12.2f}{pg / lite:>8.2f}")


if __name__ == "__main__":
    main()
