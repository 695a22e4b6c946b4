"""Helpers of the store contract suite: a state store of either kind opened through its config
(`open_store`), the same history written into any store, and every answer a store gives."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from connector.clock import Clock
from connector.config import Config, load_config
from connector.sync import work
from connector.sync.dialect import Database, Dialect, PostgresDatabase, script, statements
from connector.sync.state import MIGRATIONS, RunOutputs, StateStore, StoredRecord
from connector.sync.stores import open_store
from mappings.model import Measurement
from mappings.work import WorkItem
from rules.model import Assessment, Finding, Judgement, Rating, RubricRating, Severity
from tests.conftest import ANCHOR, site_clock


@dataclass
class Backing:
    """Where a store lives (a SQLite file or a PostgreSQL database), and its config."""

    kind: str  # sqlite | postgresql
    config_path: Path
    target: str  # the file's path, or the database's URL

    @property
    def config(self) -> Config:
        return load_config(self.config_path)

    def open(self, clock: Clock | None = None, **options: Any) -> StateStore:
        return open_store(self.config, clock or site_clock(), **options)

    def raw(self) -> Database:
        """A connection of its own, outside the store (to set a store up as an old one)."""
        if self.kind == "sqlite":
            return sqlite3.connect(self.target, isolation_level=None)
        import psycopg

        return PostgresDatabase(psycopg.connect(self.target, autocommit=True))

    def migrate_to(self, version: int) -> Database:
        """A new store made as rdsync of schema `version` made it; its connection."""
        db = self.raw()
        dialect: Dialect = "sqlite" if self.kind == "sqlite" else "postgresql"
        if dialect == "postgresql":
            db.execute("CREATE TABLE schema_version (version BIGINT NOT NULL)")
            db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
        else:
            db.execute(f"PRAGMA user_version = {version}")
        for migration in MIGRATIONS[:version]:
            for statement in statements(script(migration, dialect)):
                db.execute(statement)
        return db

    def set_version(self, version: int) -> None:
        db = self.raw()
        if self.kind == "sqlite":
            db.execute(f"PRAGMA user_version = {version}")
        else:
            db.execute("UPDATE schema_version SET version = ?", (version,))
        db.close()


def backing(kind: str, folder: Path, url: str | None = None) -> Backing:
    """A config file in `folder` whose [state] is a new SQLite file or the database at `url`."""
    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / "rdsync.toml"
    if kind == "sqlite":
        target = str(folder / "state.sqlite")
        config_path.write_text('[state]\npath = "state.sqlite"\n')
    else:
        assert url is not None
        target = url
        config_path.write_text(f'[state]\nurl = "{url}"\n')
    return Backing(kind, config_path, target)


def assessment(key: str, rating: Rating, on: date, kind: str = "target") -> Assessment:
    return Assessment(
        key=key,
        kind=kind,
        name=f"{key} named",
        assessed_on=on,
        likelihood=rating,
        judgements=[Judgement(name="Evidence of progress", rating=rating, rationale="74% done")],
    )


def finding(key: str) -> Finding:
    return Finding(
        code="RD101", name="no owner", severity=Severity.WARNING, key=key, message="m", fix="f"
    )


# Each run's ratings by key (written in this order, not sorted), two days apart; a key's
# rating moves a few times, so retention has stretches to keep and rows to drop.
RATINGS = [
    {"DEL-4": 3, "DEL-5": 2, "recA": 4, "DEL-1": 3},
    {"DEL-4": 3, "DEL-5": 2, "recA": 4, "DEL-1": 3},
    {"DEL-4": 2, "DEL-5": 2, "recA": 4, "DEL-1": 3},
    {"DEL-4": 2, "DEL-5": 1, "recA": 4, "DEL-1": 2},
    {"DEL-4": 2, "DEL-5": 1, "recA": 3, "DEL-1": 2},
    {"DEL-4": 3, "DEL-5": 1, "recA": 3, "DEL-1": 2},
    {"DEL-4": 3, "DEL-5": 1, "recA": 3, "DEL-1": 2},
    {"DEL-4": 3, "DEL-5": 2, "recA": 3, "DEL-1": 2},
]
SOURCES = {"DEL-4": "jira", "DEL-5": "jira", "DEL-1": "jira", "recA": "airtable"}


def write_history(store: StateStore, clock: Clock) -> list[int]:
    """The same history in any store: runs two days apart (one failed, one a dry run), records
    read and deleted, measurements, assessments, conclusions, work, reports, ledger, calls."""
    runs: list[int] = []
    for n, ratings in enumerate(RATINGS):
        clock.advance(timedelta(days=2))
        day = clock.today()
        run = store.start_run(full=n == 0)
        runs.append(run)
        records = {
            "jira": {
                k: StoredRecord("target", f"h{n}-{k}", day.isoformat(), {"key": k, "n": n})
                for k in ("DEL-4", "DEL-5", "DEL-1")
            },
            "airtable": {"recA": StoredRecord(None, f"a{n}", None, {"id": "recA", "%": "50%"})},
        }
        items = [WorkItem(source="jira", key=f"W-{n}", department="Health", team="A", effort=1.5)]
        store.commit_run(
            run,
            cursors={"jira": f"{day}T09:00:00+00:00", "airtable": f"{day}T09:00:00+00:00"},
            records=records,
            deleted={"jira": ["DEL-9"]} if n == 3 else {},
            measurements=[Measurement(indicator_key="DEL-3", at=day, value=70.0 + n / 10)],
            assessments=[
                assessment(k, Rating(r), day, "priority" if k == "DEL-1" else "target")
                for k, r in ratings.items()
            ],
            sources=SOURCES,
            outputs=RunOutputs(
                [],
                [],
                [finding(f"DEL-{n}")],
                [RubricRating(priority_key="DEL-1", criterion="c", rating=Rating(2))],
            ),
            work=work.WorkRead({"jira": items}),
        )
        store.finish_run(run, "ok", {"read": 4, "n": n}, [f"note {n}"])
        if n in (2, 5):
            store.record_report(run, "report", "" if n == 2 else "Health", Path(f"r{n}.pdf"))
        entries = store.plan_writes(
            run,
            [("jira", "DEL-4", "comment", f"t{n % 3}", {"n": n}), ("jira", "DEL-5", "f", "x", {})],
        )
        store.mark_writes({entries[0].id: "done" if n % 2 else "failed"})
        store.add_calls("jira", day, 10 + n)
        store.set_source_value("airtable", "schema:app1", f"v{n}")
    failed = store.start_run()
    store.finish_run(failed, "failed", {}, ["the site was down"])
    dry = store.start_run(dry_run=True)
    store.finish_run(dry, "ok", {})
    return runs


_STAMPS = ("started_at", "ended_at", "planned_at", "done_at")


def _plain(value: Any) -> Any:
    """A dataclass as a dict without its clock stamps or ledger id (ids of entries a conflict
    kept differ: PostgreSQL spends a number on the insert it skipped, SQLite does not)."""
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is None:
        return value
    return {f: getattr(value, f) for f in fields if f not in _STAMPS and f != "id"}


def answers(store: StateStore, runs: list[int]) -> dict[str, Any]:
    """Every answer of the store's public reads after `write_history`."""
    last = runs[-1]
    wanted = {"DEL-4": "jira", "recA": "airtable", "DEL-1": "jira"}
    found: dict[str, Any] = {
        "runs": [(_plain(r), r.id in runs) for r in store.runs(50)],
        "last_ok": store.last_ok_run() is not None,
        "cursor": store.cursor("jira"),
        "hashes": store.hashes("jira"),
        "records": {k: _plain(r) for k, r in store.records("airtable").items()},
        "jira_records": list(store.records("jira")),
        "measurements": store.measurements(),
        "assessments": store.assessments(),
        "assessment_runs": len(store.assessment_runs()),
        "assessed_keys": store.assessed_keys("priority"),
        "assessments_of": store.assessments_of(last, wanted),
        "ratings_now": store.previous_ratings(),
        "ratings_wanted": store.previous_ratings(ANCHOR + timedelta(days=9), wanted),
        "ratings_each_day": [
            store.previous_ratings(ANCHOR + timedelta(days=d)) for d in range(0, 20, 3)
        ],
        "history": store.assessment_history("jira", "DEL-4"),
        "run_ratings": store.run_ratings(last),
        "rating_history": store.rating_history("DEL-5"),
        "rating_runs": [(on, r) for _, on, r in store.rating_runs("jira", "DEL-4")],
        "completed": store.completed_runs(runs[0], last),
        "findings": store.run_findings(last),
        "outputs": store.newest_outputs()[1],
        "reports": [
            (r is not None) and r[0] in runs
            for r in (store.last_report(), store.last_report("report", "Health"))
        ],
        "ledger": [_plain(e) for e in store.ledger()],
        "ledger_of": [_plain(e) for e in store.ledger_of("jira", "comment", "done")],
        "month_calls": store.month_calls("jira", ANCHOR),
        "source_value": store.source_value("airtable", "schema:app1"),
        "work": work.items(store.db),
        "shares": work.shares_at(store.db, last),
    }
    return {name: _ordered(value) for name, value in found.items()}


def _ordered(value: Any) -> Any:
    """Mappings as their items in order: a store gives rows in the same order on both."""
    if isinstance(value, dict):
        return [(key, _ordered(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_ordered(item) for item in value]
    return value
