"""The state store: cursors, record hashes, history, assessments, write ledger and runs (SQLite;
PostgreSQL in state_pg.py, the same queries through dialect.py)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

import connector.clock as clocks
from connector.clock import Clock
from connector.config import redact
from connector.sync import work as work_state
from connector.sync.dialect import Database, Migration, PerDialect, script, statements
from connector.sync.files import private_folders
from connector.sync.keys import unqualified
from connector.sync.serialised import Serialised
from connector.sync.state_file import (
    FIXES,
    StateFile,
    StateLocked,
    StateUnusable,
    alive,
    invocation,
    state_errors,
)
from mappings.errors import RdsyncError
from mappings.model import DataProblem, Entity, Measurement
from rules.model import Assessment, Finding, Rating, RubricRating

# Each entry upgrades the schema by one version; never edit one that has shipped. Portable SQL
# (SQLite and PostgreSQL, dialect.py); a PerDialect where a statement is one dialect's only.
# A new version is one more entry at the end.
MIGRATIONS: tuple[Migration, ...] = (
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        status TEXT NOT NULL,            -- running | ok | failed
        full INTEGER NOT NULL DEFAULT 0,
        dry_run INTEGER NOT NULL DEFAULT 0,
        pid INTEGER,
        counts TEXT NOT NULL DEFAULT '{}',
        errors TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE cursors (
        source TEXT PRIMARY KEY,
        cursor TEXT NOT NULL,
        run_id INTEGER NOT NULL
    );
    CREATE TABLE records (
        source TEXT NOT NULL,
        key TEXT NOT NULL,
        kind TEXT,
        content_hash TEXT NOT NULL,
        updated TEXT,
        raw TEXT NOT NULL DEFAULT '{}',  -- the record as the tool returned it, for rebuilds
        run_id INTEGER NOT NULL,
        PRIMARY KEY (source, key)
    );
    CREATE TABLE measurements (
        indicator_key TEXT NOT NULL,
        at TEXT NOT NULL,
        value REAL NOT NULL,
        source TEXT,
        record_key TEXT,
        PRIMARY KEY (indicator_key, at)
    );
    CREATE TABLE assessments (
        run_id INTEGER NOT NULL,
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        assessed_on TEXT NOT NULL,
        likelihood INTEGER NOT NULL,
        body TEXT NOT NULL,              -- the whole Assessment as JSON
        PRIMARY KEY (run_id, key)
    );
    CREATE INDEX assessments_by_key ON assessments (key, run_id);
    CREATE TABLE ledger (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL,
        source TEXT NOT NULL,
        key TEXT NOT NULL,
        action TEXT NOT NULL,            -- fields | comment
        token TEXT NOT NULL,             -- idempotency token (a comment carries it)
        detail TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL,            -- planned | done | failed
        planned_at TEXT NOT NULL,
        done_at TEXT
    );
    CREATE UNIQUE INDEX ledger_token ON ledger (source, key, action, token);
    """,
    """
    CREATE TABLE run_outputs (
        run_id INTEGER PRIMARY KEY,
        entities TEXT NOT NULL,          -- the mapped architecture, as entity JSON
        problems TEXT NOT NULL,          -- data problems met while mapping (RD9xx)
        findings TEXT NOT NULL,
        rubric TEXT NOT NULL
    );
    CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL,
        kind TEXT NOT NULL,              -- report | stocktake
        subject TEXT NOT NULL DEFAULT '',
        generated_at TEXT NOT NULL,
        path TEXT NOT NULL
    );
    """,
    # Assessments keyed by source: two sources may each hold a DEL-1. Rows stored before get
    # the one source whose records hold their key (a facet's, before '#'), else '' (the run
    # reads those for whichever source holds the key now). SQLite finds the '#' with instr,
    # PostgreSQL with split_part: the same copy, each in its own words.
    PerDialect(
        sqlite="""
    CREATE TABLE assessments_by_source (
        run_id INTEGER NOT NULL,
        source TEXT NOT NULL DEFAULT '', -- the configured source of the record
        key TEXT NOT NULL,               -- the key in its source (body.key may be qualified)
        kind TEXT NOT NULL,
        assessed_on TEXT NOT NULL,
        likelihood INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (run_id, source, key)
    );
    INSERT INTO assessments_by_source
        SELECT a.run_id,
            (SELECT CASE WHEN COUNT(DISTINCT r.source) = 1 THEN MIN(r.source) ELSE '' END
             FROM records r WHERE r.key = CASE WHEN instr(a.key, '#') > 0
                THEN substr(a.key, 1, instr(a.key, '#') - 1) ELSE a.key END),
            a.key, a.kind, a.assessed_on, a.likelihood, a.body
        FROM assessments a;
    DROP TABLE assessments;
    ALTER TABLE assessments_by_source RENAME TO assessments;
    CREATE INDEX assessments_by_key ON assessments (source, key, run_id);
    """,
        postgresql="""
    CREATE TABLE assessments_by_source (
        run_id BIGINT NOT NULL,
        source TEXT COLLATE "C" NOT NULL DEFAULT '',
        key TEXT COLLATE "C" NOT NULL,
        kind TEXT COLLATE "C" NOT NULL,
        assessed_on TEXT COLLATE "C" NOT NULL,
        likelihood BIGINT NOT NULL,
        body TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (run_id, source, key)
    );
    INSERT INTO assessments_by_source
        SELECT a.run_id,
            (SELECT CASE WHEN COUNT(DISTINCT r.source) = 1 THEN MIN(r.source) ELSE '' END
             FROM records r WHERE r.key = split_part(a.key, '#', 1)),
            a.key, a.kind, a.assessed_on, a.likelihood, a.body
        FROM assessments a;
    DROP TABLE assessments;
    ALTER TABLE assessments_by_source RENAME TO assessments;
    CREATE INDEX assessments_by_key ON assessments (source, key, run_id);
    """,
    ),
    """
    CREATE TABLE holder (                -- who holds the writer's lock (see state_file.py)
        id INTEGER PRIMARY KEY CHECK (id = 1),
        pid INTEGER NOT NULL,
        since TEXT NOT NULL,
        command TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE source_values (
        source TEXT NOT NULL,            -- a source's name, or a tool's (a limiter it shares)
        name TEXT NOT NULL,              -- e.g. schema:<base>, ratelimit
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (source, name)
    );
    CREATE TABLE api_calls (
        source TEXT NOT NULL,
        day TEXT NOT NULL,               -- YYYY-MM-DD (UTC): calls sum by month for a budget
        calls INTEGER NOT NULL,
        PRIMARY KEY (source, day)
    );
    """,
    work_state.MIGRATION,  # all work: the newest items, and every run's unaligned share
    # Reads that cost the same however many runs are stored: the newest run on or before a
    # day (previous_ratings), the ledger's open entries (every run settles them).
    """
    CREATE INDEX assessments_by_day ON assessments (assessed_on, run_id);
    CREATE INDEX ledger_by_status ON ledger (status, id);
    CREATE TABLE past_runs (run_id INTEGER PRIMARY KEY); -- retention is done with them
    """,
    # Workers (connector/sync/lease.py): who syncs a source now, and the fencing counter its
    # commit must still match; a worker that lost its job commits nothing.
    """
    CREATE TABLE leases (
        source TEXT PRIMARY KEY,
        holder TEXT NOT NULL,            -- worker and job: who took the lease last
        fence INTEGER NOT NULL,          -- + 1 at each take
        expires TEXT NOT NULL            -- when another worker may take the job over
    );
    """,
)


@dataclass(frozen=True)
class StoredRecord:
    """A record as last read: its raw JSON, so a run can rebuild the whole architecture."""

    kind: str | None
    content_hash: str
    updated: str | None
    raw: dict[str, Any]


_ENTITIES = TypeAdapter(list[Entity])
_PROBLEMS = TypeAdapter(list[DataProblem])
_FINDINGS = TypeAdapter(list[Finding])
_RUBRIC = TypeAdapter(list[RubricRating])


@dataclass(frozen=True)
class RunOutputs:
    """What a run concluded, kept so that reports are built from the store, offline."""

    entities: list[Any]
    problems: list[DataProblem]
    findings: list[Finding]
    rubric: list[RubricRating]

    def dump(self, kept: Serialised | None = None) -> tuple[str, str, str, str]:
        """The four as stored; with `kept`, the entities' JSON kept from the last commit."""
        return (
            _ENTITIES.dump_json(self.entities).decode()
            if kept is None
            else kept.entities_json(self.entities),
            _PROBLEMS.dump_json(self.problems).decode(),
            _FINDINGS.dump_json(self.findings).decode(),
            _RUBRIC.dump_json(self.rubric).decode(),
        )

    @classmethod
    def load(cls, row: tuple[str, str, str, str]) -> RunOutputs:
        return cls(
            _ENTITIES.validate_json(row[0]),
            _PROBLEMS.validate_json(row[1]),
            _FINDINGS.validate_json(row[2]),
            _RUBRIC.validate_json(row[3]),
        )


@dataclass(frozen=True)
class RunInfo:
    id: int
    started_at: str
    ended_at: str | None
    status: str
    counts: dict[str, Any]
    errors: list[str]
    full: bool = False
    dry_run: bool = False


@dataclass(frozen=True)
class LockHolder:
    """Who holds a store's lock, as `StateStore.lock()` wrote it (`text`), and its parts."""

    text: str
    pid: int | None = None
    since: str | None = None


_HOLDER = re.compile(r"pid (\d+) since (\S+)")


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    run_id: int
    source: str
    key: str
    action: str
    token: str
    detail: dict[str, Any]
    status: str
    planned_at: str = ""
    done_at: str | None = None  # when it was last marked (done, failed, or still pending)


# Pages of log (4 KiB each: 256 MiB) past which a commit copies it into the file itself, where
# checkpoints are left to an idle time (`StateStore.defer_checkpoints`).
CHECKPOINT_BACKSTOP = 65_536


class StateStore:
    """One SQLite file in WAL mode; a run's cursors, hashes and assessments commit together."""

    db: Database
    where: str  # what an error about the store names: its file, or its URL
    # The `key` of an assessment's JSON body, in this dialect's words.
    _BODY_KEY = "json_extract(body, '$.key')"
    _open = False  # within a transaction (a nested one joins it)

    def __init__(self, path: Path | str, clock: Clock | None = None) -> None:
        # Resolved: every name of the file (a symlink, `..`) is the one state and one lock.
        self.path = Path(path).resolve()
        self.where = str(self.path)
        # Stamps runs, the ledger and reports. The machine's clock is looked up here, not bound
        # as a default at import, so that a command sees the clock a test has set.
        self.clock = clock if clock is not None else clocks.SYSTEM
        try:
            private_folders(self.path.parent)
            self.file = StateFile(self.path)  # before SQLite opens it: see state_file.py
        except OSError as error:
            raise StateUnusable(
                f"the state store cannot be opened: {error.strerror or error}",
                where=str(self.path),
                fix=FIXES["access"],
            ) from None
        self._release = weakref.finalize(self, self.file.release)
        try:
            with state_errors(self.path):
                self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
                self.db.execute("PRAGMA foreign_keys=ON")
                # Some builds (Debian's) zero every page a delete frees: retention's drop of an
                # old run's conclusions then wrote ~400 pages of zeros a sync at 1,000 issues.
                self.db.execute("PRAGMA secure_delete=FAST")
                self.migrate()
        except BaseException:
            with suppress(AttributeError):
                self.db.close()
            self._release()
            raise

    def _now(self) -> str:
        return self.clock.now().isoformat(timespec="seconds")

    # -- schema ---------------------------------------------------------------------------

    @property
    def version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        current = self.version
        if current > len(MIGRATIONS):
            raise RdsyncError(
                f"the state store is schema version {current}, newer than this rdsync "
                f"({len(MIGRATIONS)})",
                where=str(self.path),
                fix="Upgrade rdsync, or point [state] path at a new file.",
            )
        for version, migration in enumerate(MIGRATIONS[current:], start=current + 1):
            with self.transaction():
                if self.version >= version:  # another process migrated it meanwhile
                    continue
                for statement in statements(script(migration, "sqlite")):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {version}")

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One writer's transaction: whole or nothing. One opened inside another joins it, so
        a caller may check something and commit a run in one (`commit_run` within it)."""
        if self._open:
            yield self.db
            return
        self.db.execute("BEGIN IMMEDIATE")
        self._open = True
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")
        finally:
            self._open = False

    def integrity(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])

    def defer_checkpoints(self) -> None:
        """Leave copying the log into the file to `checkpoint`, called when idle (SQLite's
        advice): a commit that grows the log past 1,000 pages otherwise copies it then (a first
        sync of 10,000 issues: 64 MB, 0.3-0.4 s of its commit). `CHECKPOINT_BACKSTOP` bounds
        the log all the same, should `checkpoint` not be called."""
        self.db.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_BACKSTOP}")

    def checkpoint(self) -> None:
        """Copy the log into the file, without waiting on a reader (PASSIVE): once all of it
        is copied, the next commit writes the log from its start again, so it stays as large
        as the largest run's changes."""
        self.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()

    def close(self) -> None:
        self.unlock()
        self.db.close()
        self._release()  # only now: closing the file before SQLite would drop its locks

    # -- the writer's lock ----------------------------------------------------------------

    def lock(self, command: str | None = None) -> None:
        """Take the writer's lock of this store, or say which process holds it (StateLocked).

        Every command that writes the state or the tools takes it: `sync`, `run`, `demo` and
        `mapping check --fix`. `command` is what "in use by" shows (default: this process's)."""
        if not self.file.try_lock():
            raise StateLocked(
                f"the state store is in use by {self.holder()}",
                where=str(self.path),
                fix="Wait for it to finish, or stop it first; give this one its own [state] "
                "path if it is meant to keep a state of its own.",
            )
        with self.transaction() as db:
            db.execute(
                "INSERT INTO holder (id, pid, since, command) VALUES (1,?,?,?) ON CONFLICT (id) "
                "DO UPDATE SET pid=excluded.pid, since=excluded.since, command=excluded.command",
                (os.getpid(), self._now(), command or invocation()),
            )

    def holder(self) -> str:
        """Who holds the lock, as the holder recorded it: pid, since when, command."""
        if self.file.held_here:
            mine = "" if self.file.held else ": another of its connections holds it"
            return f"this process (pid {os.getpid()}){mine}"
        row = self.db.execute("SELECT pid, since, command FROM holder WHERE id = 1").fetchone()
        if row is None or not alive(int(row[0])):
            return "another process (it has not yet said which)"
        pid, since, command = row
        return f"rdsync pid {pid} since {since} ({command})"

    def lock_holder(self) -> LockHolder | None:
        """Who holds the writer's lock on this store: the note `lock()` keeps in the store,
        while the file is locked (a note a killed process left is no holder). Read only: it
        never takes the lock, even for a moment."""
        row = self.db.execute("SELECT pid, since, command FROM holder").fetchone()
        if row is None:
            return None
        pid, since, command = int(row[0]), str(row[1]), str(row[2])
        locked = True if self.file.held_here else _flocked(self.path)
        if locked is False or (locked is None and not alive(pid)):
            return None
        return LockHolder(f"rdsync pid {pid} since {since} ({command})", pid, since)

    def unlock(self) -> None:
        if self.file.held:
            # The lock goes with the file; the row is only a note of who held it.
            with suppress(sqlite3.Error), self.transaction() as db:
                db.execute("DELETE FROM holder WHERE pid = ?", (os.getpid(),))
            self.file.unlock()

    # -- runs -----------------------------------------------------------------------------

    def start_run(self, *, full: bool = False, dry_run: bool = False) -> int:
        with self.transaction() as db:
            row = db.execute(
                'INSERT INTO runs (started_at, status, "full", dry_run, pid) VALUES (?,?,?,?,?) '
                "RETURNING id",
                (self._now(), "running", int(full), int(dry_run), os.getpid()),
            ).fetchall()[0]
        return int(row[0])

    def finish_run(
        self, run_id: int, status: str, counts: dict[str, Any], errors: Iterable[str] = ()
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET ended_at=?, status=?, counts=?, errors=? WHERE id=?",
                (self._now(), status, json.dumps(counts), json.dumps(_redacted(errors)), run_id),
            )

    def runs(self, limit: int = 20, *, since: str = "") -> list[RunInfo]:
        """The newest runs first; `since`: only those started at or after it (ISO time)."""
        rows = self.db.execute(
            'SELECT id, started_at, ended_at, status, counts, errors, "full", dry_run FROM runs '
            "WHERE started_at >= ? ORDER BY id DESC LIMIT ?",
            (since, limit),
        ).fetchall()
        return [_run_info(r) for r in rows]

    def last_ok_run(self) -> RunInfo | None:
        row = self.db.execute("SELECT MAX(id) FROM runs WHERE status='ok'").fetchone()
        return None if row[0] is None else self.run_info(int(row[0]))

    # -- cursors and records --------------------------------------------------------------

    def read_runs(self) -> dict[str, int]:
        """Each source's run that last committed its read (a failed source's stays behind)."""
        rows = self.db.execute("SELECT source, run_id FROM cursors")
        return {str(source): int(run_id) for source, run_id in rows}

    def cursor(self, source: str) -> str | None:
        row = self.db.execute("SELECT cursor FROM cursors WHERE source=?", (source,)).fetchone()
        return None if row is None else str(row[0])

    def records(
        self, source: str, *, hold: Callable[[Any], Any] = lambda raw: raw
    ) -> dict[str, StoredRecord]:
        """A source's records as last read, each JSON parsed as `hold` keeps it (shared: see
        `compact.Shared`), one row at a time. A run that reads every record again loads
        `hashes` instead (the JSON of 30,000 issues is a gigabyte)."""
        rows = self._stream(
            "SELECT key, kind, content_hash, updated, raw FROM records WHERE source=? ORDER BY key",
            (source,),
        )
        return {k: StoredRecord(kind, h, up, hold(json.loads(raw))) for k, kind, h, up, raw in rows}

    def _stream(self, sql: str, parameters: tuple[Any, ...]) -> Iterable[Any]:
        """A query's rows one at a time (SQLite's cursor reads them so)."""
        return self.db.execute(sql, parameters)

    def hashes(self, source: str) -> dict[str, str]:
        rows = self.db.execute(
            "SELECT key, content_hash FROM records WHERE source=? ORDER BY key", (source,)
        )
        return {key: digest for key, digest in rows}

    def commit_run(
        self,
        run_id: int,
        *,
        cursors: dict[str, str],
        records: dict[str, dict[str, StoredRecord]],
        deleted: Mapping[str, Iterable[str]],
        measurements: Iterable[Measurement],
        assessments: Iterable[Assessment],
        sources: Mapping[str, str] | None = None,
        outputs: RunOutputs | None = None,
        work: work_state.WorkRead | None = None,
        fence: Callable[[Any], None] | None = None,
        serialised: Serialised | None = None,
    ) -> None:
        """Everything a run learnt, in one transaction: it lands whole or not at all.

        `fence(db)` runs first in that transaction and raises to refuse it (a worker's lease
        taken over by another: `connector.sync.lease`).

        `records[source][key]` replaces the stored copy of each record read in this run.
        `sources` names each assessment's source (by its key in the architecture), so that
        it is kept under (source, the key in that source). `serialised`: the JSON of the last
        commit's entities and assessments, reused for those unchanged (a daemon's).
        """
        dumped = (
            ((a, a.model_dump_json()) for a in assessments)
            if serialised is None
            else serialised.assessments_json(assessments)
        )
        sources = sources or {}
        with self.transaction() as db:
            if fence is not None:
                fence(db)
            for source, cursor in cursors.items():
                db.execute(
                    "INSERT INTO cursors (source, cursor, run_id) VALUES (?,?,?) "
                    "ON CONFLICT(source) DO UPDATE SET "
                    "cursor=excluded.cursor, run_id=excluded.run_id",
                    (source, cursor, run_id),
                )
            for source, by_key in records.items():
                db.executemany(
                    "INSERT INTO records (source, key, kind, content_hash, updated, raw, run_id) "
                    "VALUES (?,?,?,?,?,?,?) ON CONFLICT(source, key) DO UPDATE SET "
                    "kind=excluded.kind, content_hash=excluded.content_hash, "
                    "updated=excluded.updated, raw=excluded.raw, run_id=excluded.run_id",
                    # A generator: one record's JSON at a time, not 30,000 strings at once.
                    (
                        (source, k, r.kind, r.content_hash, r.updated, json.dumps(r.raw), run_id)
                        for k, r in by_key.items()
                    ),
                )
            for source, keys in deleted.items():
                db.executemany(
                    "DELETE FROM records WHERE source=? AND key=?", [(source, k) for k in keys]
                )
            db.executemany(
                "INSERT INTO measurements (indicator_key, at, value, source, record_key) "
                "VALUES (?,?,?,?,?) ON CONFLICT(indicator_key, at) DO UPDATE SET "
                "value=excluded.value, source=excluded.source, record_key=excluded.record_key",
                [
                    (m.indicator_key, m.at.isoformat(), m.value, m.source, m.record_key)
                    for m in measurements
                ],
            )
            db.executemany(
                "INSERT INTO assessments "
                "(run_id, source, key, kind, assessed_on, likelihood, body) "
                "VALUES (?,?,?,?,?,?,?) ON CONFLICT (run_id, source, key) DO UPDATE SET "
                "kind=excluded.kind, assessed_on=excluded.assessed_on, "
                "likelihood=excluded.likelihood, body=excluded.body",
                (
                    (
                        run_id,
                        sources.get(a.key, ""),
                        unqualified(sources.get(a.key, ""), a.key),
                        a.kind,
                        a.assessed_on.isoformat(),
                        int(a.likelihood),
                        text,
                    )
                    for a, text in dumped
                ),
            )
            if outputs is not None:
                db.execute(
                    "INSERT INTO run_outputs "
                    "(run_id, entities, problems, findings, rubric) VALUES (?,?,?,?,?) "
                    "ON CONFLICT (run_id) DO UPDATE SET entities=excluded.entities, "
                    "problems=excluded.problems, findings=excluded.findings, "
                    "rubric=excluded.rubric",
                    (run_id, *outputs.dump(serialised)),
                )
            if work is not None:
                work_state.save(db, run_id, work)

    # -- what sources keep between runs: cached answers, limiter state, calls made ----------

    def source_value(self, source: str, name: str) -> str | None:
        row = self.db.execute(
            "SELECT value FROM source_values WHERE source=? AND name=?", (source, name)
        ).fetchone()
        return None if row is None else str(row[0])

    def set_source_value(self, source: str, name: str, value: str) -> None:
        """Kept at once, outside any run's transaction: it is true whether the run lands."""
        self.db.execute(
            "INSERT INTO source_values (source, name, value, updated_at) VALUES (?,?,?,?) "
            "ON CONFLICT(source, name) DO UPDATE SET "
            "value=excluded.value, updated_at=excluded.updated_at",
            (source, name, value, self._now()),
        )

    def add_calls(self, source: str, day: date, calls: int = 1) -> None:
        """Count requests a source sent on a day (each one, as the tool bills them)."""
        self.db.execute(
            "INSERT INTO api_calls (source, day, calls) VALUES (?,?,?) "
            "ON CONFLICT(source, day) DO UPDATE SET calls = api_calls.calls + excluded.calls",
            (source, day.isoformat(), calls),
        )

    def month_calls(self, source: str, month: date) -> int:
        """Requests a source sent in the calendar month (UTC) of `month`."""
        row = self.db.execute(
            "SELECT COALESCE(SUM(calls), 0) FROM api_calls WHERE source=? AND day LIKE ?",
            (source, month.strftime("%Y-%m-") + "%"),
        ).fetchone()
        return int(row[0])

    # -- history --------------------------------------------------------------------------

    def measurements(self) -> list[Measurement]:
        rows = self.db.execute(
            "SELECT indicator_key, at, value, source, record_key FROM measurements "
            "ORDER BY indicator_key, at"
        )
        return [
            Measurement(indicator_key=k, at=date.fromisoformat(at), value=v, source=s, record_key=r)
            for k, at, v, s, r in rows
        ]

    def assessment_runs(self) -> list[int]:
        """Ids of the runs that stored assessments, newest first: one index seek a run (a
        DISTINCT would read every row of every run)."""
        found: list[int] = []
        run = self.assessment_run_before(None)
        while run is not None:
            found.append(run)
            run = self.assessment_run_before(run)
        return found

    def assessment_run_before(self, run_id: int | None) -> int | None:
        """The newest run before `run_id` (None: of all) that stored assessments."""
        row = self.db.execute(
            "SELECT MAX(run_id) FROM assessments WHERE run_id < ?",
            (2**62 if run_id is None else run_id,),
        ).fetchone()
        return None if row[0] is None else int(row[0])

    def assessments(self, run_id: int | None = None) -> dict[str, Assessment]:
        """The assessments of one run (default: the newest run that has any)."""
        if run_id is None:
            run_id = self.assessment_run_before(None)
            if run_id is None:
                return {}
        rows = self.db.execute(
            "SELECT body FROM assessments WHERE run_id=? ORDER BY source, key", (run_id,)
        )
        found = (Assessment.model_validate_json(body) for (body,) in rows)
        return {a.key: a for a in found}

    def assessments_of(self, run_id: int, sources: Mapping[str, str]) -> dict[str, Assessment]:
        """The assessments of a few items of one run, by their keys in the architecture
        (`sources`: each key's source), read by the index rather than the whole run."""
        found: dict[str, Assessment] = {}
        for key, source in sources.items():
            row = self.db.execute(
                "SELECT body FROM assessments WHERE source IN (?, '') AND key=? AND run_id=? "
                "ORDER BY source DESC LIMIT 1",
                (source, unqualified(source, key), run_id),
            ).fetchone()
            if row is not None:
                found[key] = Assessment.model_validate_json(row[0])
        return found

    def assessed_keys(self, kind: str) -> list[str]:
        """The architecture's keys of one kind's assessments in the newest run, sorted."""
        rows = self.db.execute(
            f"SELECT {self._BODY_KEY} FROM assessments "
            "WHERE run_id = (SELECT MAX(run_id) FROM assessments) AND kind=?",
            (kind,),
        )
        return sorted(str(key) for (key,) in rows)

    def previous_ratings(
        self, on_or_before: date | None = None, wanted: Mapping[str, str] | None = None
    ) -> dict[tuple[str, str], Rating]:
        """The latest stored rating of every (source, key), or the latest made on or before
        a date (`keys.by_architecture` gives them by the keys of a run's architecture).

        A sync every few minutes must not compare a rating with itself: RD403 and the
        problem-solving levels look back a whole assessment period (`on_or_before`).

        `wanted` (a run's architecture keys, each with its source) reads only those, by the
        indexes: one run's rows, then one seek for each key that run did not rate, so a sync
        costs the same after 10 runs or 10,000. Runs are numbered in the order of the one
        clock, which never runs backwards, so the newest run on or before the day holds the
        latest rating of every key it rated. Without `wanted`: every key, one scan.
        """
        cutoff = "9999-12-31" if on_or_before is None else on_or_before.isoformat()
        if wanted is None:
            rows = self.db.execute(
                "SELECT source, key, likelihood FROM (SELECT source, key, likelihood, "
                "ROW_NUMBER() OVER (PARTITION BY source, key ORDER BY run_id DESC) AS n "
                "FROM assessments WHERE assessed_on <= ?) AS newest WHERE n = 1 "
                "ORDER BY source, key",
                (cutoff,),
            )
            return {(source, key): Rating(value) for source, key, value in rows}
        found = self.db.execute(
            "SELECT run_id FROM assessments WHERE assessed_on <= ? "
            "ORDER BY assessed_on DESC, run_id DESC LIMIT 1",
            (cutoff,),
        ).fetchone()
        if found is None:
            return {}
        run = int(found[0])
        rows = self.db.execute(
            "SELECT source, key, likelihood FROM assessments WHERE run_id=? ORDER BY source, key",
            (run,),
        )
        ratings = {(source, key): Rating(value) for source, key, value in rows}
        for key, source in wanted.items():
            plain = unqualified(source, key)
            for scoped in (source, ""):  # as by_architecture: the source's row, else ''
                if (source, plain) in ratings or ("", plain) in ratings:
                    break
                row = self.db.execute(
                    "SELECT likelihood FROM assessments WHERE source=? AND key=? AND run_id<? "
                    "AND assessed_on <= ? ORDER BY run_id DESC LIMIT 1",
                    (scoped, plain, run, cutoff),
                ).fetchone()
                if row is not None:
                    ratings[(scoped, plain)] = Rating(row[0])
        return ratings

    def assessment_history(
        self, source: str, key: str, limit: int = 20
    ) -> list[tuple[int, Assessment]]:
        """The last `limit` stored assessments of a (source, key), newest first, each with its
        run (a row stored before keys were scoped, source '', counts for any source)."""
        rows = self.db.execute(
            "SELECT run_id, body FROM assessments WHERE source IN (?, '') AND key=? "
            "ORDER BY run_id DESC LIMIT ?",
            (source, key, limit),
        )
        return [(int(run), Assessment.model_validate_json(body)) for run, body in rows]

    def assessment_shown(
        self, source: str, key: str, shown: int | None, limit: int = 20
    ) -> tuple[int, Assessment] | None:
        """Of `assessment_history(source, key, limit)`, the newest with the rating `shown`,
        else the newest; only that one parsed (a rating-change comment reads one of them)."""
        row = self.db.execute(
            "SELECT run_id, body FROM (SELECT run_id, likelihood, body FROM assessments "
            "WHERE source IN (?, '') AND key=? ORDER BY run_id DESC LIMIT ?) AS recent "
            "ORDER BY CASE WHEN likelihood = ? THEN 0 ELSE 1 END, run_id DESC LIMIT 1",
            (source, key, limit, shown),
        ).fetchone()
        return None if row is None else (int(row[0]), Assessment.model_validate_json(row[1]))

    def run_ratings(self, run_id: int) -> dict[tuple[str, str], Rating]:
        """Every rating one run stored, by (source, key)."""
        rows = self.db.execute(
            "SELECT source, key, likelihood FROM assessments WHERE run_id=? ORDER BY source, key",
            (run_id,),
        )
        return {(source, key): Rating(value) for source, key, value in rows}

    def run_findings(self, run_id: int) -> list[Finding]:
        """The findings one run concluded (none for a run that kept no conclusions)."""
        row = self.db.execute(
            "SELECT findings FROM run_outputs WHERE run_id=?", (run_id,)
        ).fetchone()
        return [] if row is None else _FINDINGS.validate_json(row[0])

    def rating_history(self, key: str) -> list[tuple[str, Rating]]:
        rows = self.db.execute(
            "SELECT assessed_on, likelihood FROM assessments WHERE key=? ORDER BY run_id", (key,)
        )
        return [(on, Rating(value)) for on, value in rows]

    def rating_runs(self, source: str, key: str) -> list[tuple[int, str, Rating]]:
        """(run id, assessed on, rating) of every stored assessment of a record's key in its
        source, oldest first; rows stored before keys were scoped (source '') count too."""
        rows = self.db.execute(
            "SELECT run_id, assessed_on, likelihood FROM assessments "
            "WHERE key=? AND source IN (?, '') ORDER BY run_id",
            (key, source),
        )
        return [(int(run), on, Rating(value)) for run, on, value in rows]

    def completed_runs(self, first: int, last: int) -> int:
        """How many runs from `first` to `last` (ids, both included) stored assessments: the
        two themselves and every run between that completed and was not a dry run (read from
        the runs' log: retention keeps it whole, not every run's assessments)."""
        row = self.db.execute(
            "SELECT COUNT(*) FROM runs WHERE id > ? AND id < ? AND status = 'ok' AND dry_run = 0",
            (first, last),
        ).fetchone()
        return int(row[0]) + (2 if last > first else 1)

    def newest_outputs(self) -> tuple[int, RunOutputs]:
        """The conclusions of the newest run that stored any; an error saying what to run when
        no sync has completed yet (reports and `explain` read nothing else)."""
        found = self.outputs()
        if found is None:
            raise RdsyncError(
                "the state store holds no completed sync yet",
                where=self.where,
                fix="Run `rdsync sync --config FILE` first (or `rdsync demo`).",
            )
        return found

    def outputs(self, run_id: int | None = None) -> tuple[int, RunOutputs] | None:
        """The conclusions of one run (default: the newest run that stored any)."""
        query = "SELECT run_id, entities, problems, findings, rubric FROM run_outputs "
        row = (
            self.db.execute(query + "ORDER BY run_id DESC LIMIT 1").fetchone()
            if run_id is None
            else self.db.execute(query + "WHERE run_id=?", (run_id,)).fetchone()
        )
        return None if row is None else (int(row[0]), RunOutputs.load(row[1:]))

    def run_info(self, run_id: int) -> RunInfo | None:
        row = self.db.execute(
            'SELECT id, started_at, ended_at, status, counts, errors, "full", dry_run FROM runs '
            "WHERE id=?",
            (run_id,),
        ).fetchone()
        return None if row is None else _run_info(row)

    # -- reports --------------------------------------------------------------------------

    def record_report(self, run_id: int, kind: str, subject: str, path: Path) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO reports (run_id, kind, subject, generated_at, path) "
                "VALUES (?,?,?,?,?)",
                (run_id, kind, subject, self._now(), str(path)),
            )

    def last_report(
        self, kind: str = "report", subject: str | None = None, before_run: int | None = None
    ) -> tuple[int, str] | None:
        """(run id, generated at) of the newest report of a kind; of one subject (a
        department, '' for all; a stock take's priority) when given, and made from a run
        before `before_run` when given."""
        sql = "SELECT run_id, generated_at FROM reports WHERE kind=?"
        args: list[object] = [kind]
        if subject is not None:
            sql += " AND subject=?"
            args.append(subject)
        if before_run is not None:
            sql += " AND run_id<?"
            args.append(before_run)
        row = self.db.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    # -- the write ledger -----------------------------------------------------------------

    def plan_write(
        self, run_id: int, source: str, key: str, action: str, token: str, detail: dict[str, Any]
    ) -> LedgerEntry:
        """Record the intent to write before writing; an existing entry for the token is kept."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO ledger "
                "(run_id, source, key, action, token, detail, status, planned_at) "
                "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (source, key, action, token) DO NOTHING",
                (run_id, source, key, action, token, json.dumps(detail), "planned", self._now()),
            )
        entry = self.ledger_entry(source, key, action, token)
        assert entry is not None
        return entry

    def mark_write(self, entry_id: int, status: str) -> None:
        self.mark_writes({entry_id: status})

    def plan_writes(
        self, run_id: int, intents: list[tuple[str, str, str, str, dict[str, Any]]]
    ) -> list[LedgerEntry]:
        """`plan_write` for a batch's (source, key, action, token, detail), in one transaction."""
        now = self._now()
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO ledger "
                "(run_id, source, key, action, token, detail, status, planned_at) "
                "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (source, key, action, token) DO NOTHING",
                [(run_id, *i[:4], json.dumps(i[4]), "planned", now) for i in intents],
            )
        found = self._ledger_entries([(i[0], i[1], i[2], i[3]) for i in intents])
        assert len(found) == len(intents)
        return found

    def _ledger_entries(self, wanted: list[tuple[str, str, str, str]]) -> list[LedgerEntry]:
        """The entries of (source, key, action, token)s, in their order: one query a source
        (by the token index's prefix), not one an entry."""
        keys: dict[str, set[str]] = {}
        for source, key, _, _ in wanted:
            keys.setdefault(source, set()).add(key)
        looked = set(wanted)
        found: dict[tuple[str, str, str, str], LedgerEntry] = {}
        for source, named in keys.items():
            ordered = sorted(named)
            rows = self.db.execute(
                f"{LEDGER_ROWS} WHERE source=? AND key IN ({','.join('?' * len(ordered))})",
                (source, *ordered),
            )
            for row in rows:
                if (ident := (row[2], row[3], row[4], row[5])) in looked:
                    found[ident] = _entry(row)
        return [found[ident] for ident in wanted if ident in found]

    def mark_writes(self, statuses: dict[int, str]) -> None:
        """Each entry's new status (by id), in one transaction."""
        now = self._now()
        with self.transaction() as db:
            db.executemany(
                "UPDATE ledger SET status=?, done_at=? WHERE id=?",
                [(status, now, entry_id) for entry_id, status in statuses.items()],
            )

    def ledger_entry(self, source: str, key: str, action: str, token: str) -> LedgerEntry | None:
        row = self.db.execute(
            f"{LEDGER_ROWS} WHERE source=? AND key=? AND action=? AND token=?",
            (source, key, action, token),
        ).fetchone()
        return None if row is None else _entry(row)

    def ledger_of(self, source: str, action: str, status: str = "done") -> list[LedgerEntry]:
        """The entries of one source and action (e.g. the routines' update requests), oldest
        first: read by its index, not by a scan of every write the ledger holds."""
        rows = self.db.execute(
            f"{LEDGER_ROWS} WHERE source=? AND action=? AND status=? ORDER BY id",
            (source, action, status),
        )
        return [_entry(r) for r in rows]

    def ledger(self, status: str | None = None) -> list[LedgerEntry]:
        rows = (
            self.db.execute(f"{LEDGER_ROWS} WHERE status=? ORDER BY id", (status,))
            if status
            else self.db.execute(f"{LEDGER_ROWS} ORDER BY id")
        )
        return [_entry(r) for r in rows]


def _redacted(errors: Iterable[str]) -> list[str]:
    """Error texts with any token in them replaced: an error may quote a request's header."""
    return [redact(text) for text in errors]


def _flocked(path: Path) -> bool | None:
    """Whether a process holds an flock on the file, from Linux's /proc/locks ("1: FLOCK
    ADVISORY WRITE <pid> <major>:<minor>:<inode> 0 EOF"), matched by the inode alone (on
    overlayfs stat() and /proc/locks name different devices); None without /proc. Never
    opens the file: closing a descriptor of it would drop this process's SQLite locks."""
    inode = str(os.stat(path).st_ino)
    try:
        with open("/proc/locks") as table:
            lines = table.read().splitlines()
    except OSError:
        return None
    # "->" marks a process waiting for the lock, not holding it.
    holders = (line.split() for line in lines if "->" not in line)
    return any(
        len(part) > 5 and part[1] == "FLOCK" and part[5].rsplit(":", 1)[-1] == inode
        for part in holders
    )


def _run_info(r: tuple[Any, ...]) -> RunInfo:
    return RunInfo(
        r[0], r[1], r[2], r[3], json.loads(r[4]), json.loads(r[5]), bool(r[6]), bool(r[7])
    )


# The ledger's columns in the order `_entry` reads them.
LEDGER_ROWS = (
    "SELECT id, run_id, source, key, action, token, detail, status, planned_at, done_at FROM ledger"
)


def _entry(row: tuple[Any, ...]) -> LedgerEntry:
    return LedgerEntry(
        row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]), row[7], row[8], row[9]
    )
