"""The run's wider scope of all work: read after the architecture, aligned, kept in state.

State keeps the items of the newest read (one row each, replaced by each read of a source)
and, for every run that read any, the share by department and team: the trend since the
last report reads those small rows, never old items.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import TypeAdapter

from connector.sources.base import Source
from connector.sources.work import read_work
from connector.sync.dialect import Database
from mappings.graph import Architecture
from mappings.work import WorkItem
from rules.alignment import WorkShare, align, shares
from rules.dependencies import membership

# Portable SQL (SQLite and PostgreSQL): the state store appends it to its migrations.
MIGRATION = """
    CREATE TABLE work_items (
        source TEXT NOT NULL,
        key TEXT NOT NULL,
        body TEXT NOT NULL,              -- the WorkItem as JSON, with what it serves
        run_id INTEGER NOT NULL,
        PRIMARY KEY (source, key)
    );
    CREATE TABLE work_shares (
        run_id INTEGER NOT NULL,
        department TEXT NOT NULL,
        team TEXT NOT NULL,
        items INTEGER NOT NULL,
        unaligned INTEGER NOT NULL,
        effort REAL NOT NULL,
        unaligned_effort REAL NOT NULL,
        PRIMARY KEY (run_id, department, team)
    );
"""
_ITEMS = TypeAdapter(WorkItem)


class WorkRead:
    """What a run read of all work: the aligned items of each source that has a wider scope."""

    def __init__(self, by_source: dict[str, list[WorkItem]]) -> None:
        self.by_source = by_source

    @property
    def items(self) -> list[WorkItem]:
        return [item for items in self.by_source.values() for item in items]


def read_scopes(
    sources: Mapping[str, Source], arch: Architecture, held: Mapping[str, list[WorkItem]]
) -> WorkRead | None:
    """Each source's wider scope, aligned to the architecture; None when no source has one.
    `held` is what the last read left, by source (a Jira source reads what changed since)."""
    read = {
        name: found
        for name, source in sources.items()
        if (found := read_work(source, held.get(name)))
    }
    read |= {
        name: []
        for name, source in sources.items()
        if name not in read and getattr(source.config, "work", None) is not None  # type: ignore[attr-defined]
    }
    if not read:
        return None
    members = membership(arch)
    return WorkRead({name: align(items, arch, members) for name, items in read.items()})


def save(db: Database, run_id: int, read: WorkRead) -> None:
    """Inside the run's transaction: the sources' items replaced, the run's shares added."""
    for source, items in read.by_source.items():
        db.execute("DELETE FROM work_items WHERE source = ?", (source,))
        db.executemany(
            "INSERT INTO work_items (source, key, body, run_id) VALUES (?, ?, ?, ?)",
            [(source, i.key, i.model_dump_json(), run_id) for i in items],
        )
    db.executemany(
        "INSERT INTO work_shares (run_id, department, team, items, unaligned, effort, "
        "unaligned_effort) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (run_id, s.department, s.team, s.items, s.unaligned, s.effort, s.unaligned_effort)
            for s in shares(read.items)
        ],
    )


def held(db: Database) -> dict[str, list[WorkItem]]:
    """The items the last read of each source left, by source."""
    found: dict[str, list[WorkItem]] = {}
    for item in items(db):
        found.setdefault(item.source, []).append(item)
    return found


def items(db: Database) -> list[WorkItem]:
    """The items of the newest read of each source's wider scope, by source and key."""
    rows = db.execute("SELECT body FROM work_items ORDER BY source, key")
    return [_ITEMS.validate_json(body) for (body,) in rows]


def shares_at(db: Database, run_id: int) -> list[WorkShare] | None:
    """The shares the newest run up to `run_id` that read all work kept; None if none did."""
    row = db.execute("SELECT MAX(run_id) FROM work_shares WHERE run_id <= ?", (run_id,)).fetchone()
    if row is None or row[0] is None:
        return None
    found = db.execute(
        "SELECT department, team, items, unaligned, effort, unaligned_effort FROM work_shares "
        "WHERE run_id = ? ORDER BY department, team",
        (row[0],),
    )
    return [WorkShare(d, t, int(n), int(u), float(e), float(ue)) for d, t, n, u, e, ue in found]
