"""A source's lease: the worker syncing it now, and the fencing counter its commit must match."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from connector.sync.state import StateStore
from mappings.errors import RdsyncError


class StaleLease(RdsyncError):
    """A worker's commit refused: another took the source's job over since it began."""


@dataclass(frozen=True)
class Fence:
    """The lease one job took: its commit lands only while the counter is still `fence`."""

    source: str
    holder: str
    fence: int

    def check(self, db: Any) -> None:
        """In the commit's transaction: an UPDATE, not a SELECT, so that on PostgreSQL the row
        stays locked against a take until the commit ends (SQLite's writer lock does the same)."""
        cursor = db.execute(
            "UPDATE leases SET holder = holder WHERE source = ? AND fence = ? AND holder = ?",
            (self.source, self.fence, self.holder),
        )
        if cursor.rowcount == 1:
            return
        row = db.execute(
            "SELECT holder, fence FROM leases WHERE source = ?", (self.source,)
        ).fetchone()
        now = f"{row[0]} (lease {row[1]})" if row else "no one"
        raise StaleLease(
            f"this worker's sync of {self.source!r} lost its lease {self.fence} ({self.holder}) "
            f"to {now}: its commit is refused, nothing of it is kept",
            where=f"sources.{self.source}",
            fix="Nothing to do: the worker that took the job over commits the source. If this "
            "repeats, raise [workers] stalled_seconds (a run paused longer than it is taken "
            "for dead).",
        )


def take(store: StateStore, source: str, holder: str, seconds: float) -> Fence:
    """Take the source's lease for `holder` (a worker's job), counter + 1: any commit of an
    earlier holder is refused from now on. The engine's lock per source makes sure no live
    job holds it; a job that was taken for dead may still be running, and this fences it."""
    expires = (store.clock() + timedelta(seconds=seconds)).isoformat(timespec="seconds")
    with store.transaction() as db:
        db.execute(
            "INSERT INTO leases (source, holder, fence, expires) VALUES (?, ?, 1, ?) "
            "ON CONFLICT (source) DO UPDATE SET holder = excluded.holder, "
            "fence = leases.fence + 1, expires = excluded.expires",
            (source, holder, expires),
        )
        row = db.execute("SELECT fence FROM leases WHERE source = ?", (source,)).fetchone()
    return Fence(source, holder, int(row[0]))


def leases(store: StateStore) -> dict[str, tuple[str, int, str]]:
    """Every source's lease: holder, counter, expiry (for `rdsync status` and the tests)."""
    rows = store.db.execute("SELECT source, holder, fence, expires FROM leases")
    return {str(s): (str(h), int(f), str(e)) for s, h, f, e in rows}
