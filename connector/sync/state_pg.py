"""The state store on PostgreSQL (`[state] url`): StateStore's queries and migrations through
psycopg, its transactions serialised, its writer's lock an advisory lock of the server.

- Transactions: each is `BEGIN`, then a transaction-level advisory lock (`WRITES`), so writes
  from any number of processes and machines take turns, as SQLite's `BEGIN IMMEDIATE` makes
  them, and each sees every write committed before it (READ COMMITTED). Reads outside a
  transaction take no lock. Single statements that add up (`add_calls`) are atomic upserts.
- The writer's lock (`lock()`, "one daemon at a time"): a session-level advisory lock
  (`HOLDER`) on the store's connection, plus the holder row saying who holds it. A process
  that dies loses its connection and with it the lock: a row it left is no holder.
- The schema's version: a one-row table, `schema_version`, as SQLite's `PRAGMA user_version`;
  the same MIGRATIONS, each applied in a transaction holding `WRITES` (two processes opening
  a new database migrate it once).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import psycopg

import connector.clock as clocks
from connector.clock import Clock
from connector.config import redact
from connector.sync.dialect import Database, PostgresDatabase, script, statements
from connector.sync.state import MIGRATIONS, LockHolder, StateStore
from connector.sync.state_file import FIXES, StateLocked, StateUnusable, invocation
from mappings.errors import RdsyncError

# Advisory lock keys (two int4: rdsync's own space, then which lock); advisory locks are
# per database, so each store's are its own.
SPACE = 0x72647379  # "rdsy"
HOLDER = (SPACE, 1)  # the writer's lock, held by a session
WRITES = (SPACE, 2)  # one write transaction at a time, held until its commit


def safe_url(url: str) -> str:
    """The URL as errors name it: user, host, port and database (a URL with a password is
    refused at load; `redact` drops any known secret besides)."""
    return redact(re.sub(r"\?.*$", "", url))


class PostgresStore(StateStore):
    """A state store in a PostgreSQL database: what the SQLite store keeps, as it keeps it."""

    _BODY_KEY = "(body::json ->> 'key')"

    def __init__(
        self,
        url: str,
        password: str | None = None,
        clock: Clock | None = None,
        *,
        create: bool = True,
    ) -> None:
        """`create=False`: a database rdsync has never migrated is refused, not set up (a
        command that only reads must not leave an empty store behind a mistyped url)."""
        self.url = url
        self.where = safe_url(url)
        self.clock = clock if clock is not None else clocks.SYSTEM
        self._locked = False
        try:
            connection = psycopg.connect(
                url,
                password=password,
                autocommit=True,  # transactions are the store's own (`transaction`)
                application_name="rdsync",
                connect_timeout=30,
            )
        except psycopg.OperationalError as error:
            said = " ".join(redact(str(error)).split())
            raise StateUnusable(
                f"the state store cannot be reached (PostgreSQL: {said})",
                where=self.where,
                fix=FIXES["server"]
                + " Check [state] url's user and database, and [state] password_env.",
            ) from None
        self.pg = PostgresDatabase(connection)
        self.db: Database = self.pg
        try:
            if not create and not self._has_versions():
                raise RdsyncError(
                    "no state store here yet",
                    where=self.where,
                    fix="Run `rdsync sync --config FILE` first; [state] url names the database.",
                )
            self.migrate()
        except BaseException:
            self.pg.close()
            raise

    # -- schema ---------------------------------------------------------------------------

    @property
    def version(self) -> int:
        if not self._has_versions():
            return 0
        return int(self.db.execute("SELECT version FROM schema_version").fetchone()[0])

    def _has_versions(self) -> bool:
        row = self.db.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
        return bool(row[0])

    def migrate(self) -> None:
        if self._has_versions() and self.version == len(MIGRATIONS):
            return  # current: no lock taken (a report opening it never waits on a commit)
        with self.transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            if db.execute("SELECT version FROM schema_version").fetchone() is None:
                db.execute("INSERT INTO schema_version (version) VALUES (0)")
        while True:
            with self.transaction() as db:  # the version read again under the lock
                current = int(db.execute("SELECT version FROM schema_version").fetchone()[0])
                if current > len(MIGRATIONS):
                    raise RdsyncError(
                        f"the state store is schema version {current}, newer than this rdsync "
                        f"({len(MIGRATIONS)})",
                        where=self.where,
                        fix="Upgrade rdsync, or point [state] url at a new database.",
                    )
                if current == len(MIGRATIONS):
                    return
                for statement in statements(script(MIGRATIONS[current], "postgresql")):
                    db.execute(statement)
                db.execute("UPDATE schema_version SET version = ?", (current + 1,))

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        if self._open:  # a nested one joins it, as on SQLite (not a savepoint)
            yield self.db
            return
        with self.pg.connection.transaction():
            self._open = True
            try:
                self.db.execute("SELECT pg_advisory_xact_lock(?, ?)", WRITES)
                yield self.db
            finally:
                self._open = False

    def integrity(self) -> str:
        """PostgreSQL checks its pages itself (checksums, WAL): 'ok' while the server answers."""
        self.db.execute("SELECT 1").fetchone()
        return "ok"

    def defer_checkpoints(self) -> None:
        """PostgreSQL checkpoints on its own schedule, in its own processes: nothing to defer."""

    def checkpoint(self) -> None:
        """PostgreSQL checkpoints on its own schedule, in its own processes: nothing to do."""

    def close(self) -> None:
        with suppress(psycopg.Error):
            self.unlock()
        self.pg.close()

    def _stream(self, sql: str, parameters: tuple[Any, ...]) -> Iterable[Any]:
        return self.pg.stream(sql, parameters)

    # -- the writer's lock ----------------------------------------------------------------

    def lock(self, command: str | None = None) -> None:
        """Take the writer's lock of this store, or say which process holds it (StateLocked)."""
        if not self._locked:
            row = self.db.execute("SELECT pg_try_advisory_lock(?, ?)", HOLDER).fetchone()
            if not row[0]:
                raise StateLocked(
                    f"the state store is in use by {self.holder()}",
                    where=self.where,
                    fix="Wait for it to finish, or stop it first; give this one its own "
                    "[state] url if it is meant to keep a state of its own.",
                )
            self._locked = True
        with self.transaction() as db:
            db.execute(
                "INSERT INTO holder (id, pid, since, command) VALUES (1,?,?,?) ON CONFLICT (id) "
                "DO UPDATE SET pid=excluded.pid, since=excluded.since, command=excluded.command",
                (os.getpid(), self._now(), command or invocation()),
            )

    def _held(self) -> bool:
        """Whether any session holds the writer's lock now (read from pg_locks, not taken)."""
        row = self.db.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = ? AND objid = ? AND objsubid = 2 AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()))",
            HOLDER,
        ).fetchone()
        return bool(row[0])

    def holder(self) -> str:
        if self._locked:
            return f"this process (pid {os.getpid()})"
        row = self.db.execute("SELECT pid, since, command FROM holder WHERE id = 1").fetchone()
        if row is None or not self._held():
            return "another process (it has not yet said which)"
        pid, since, command = row
        if int(pid) == os.getpid():
            return f"this process (pid {pid}): another of its connections holds it"
        return f"rdsync pid {pid} since {since} ({command})"

    def lock_holder(self) -> LockHolder | None:
        """Who holds the writer's lock: the holder row, while a session holds the lock (a row
        a dead process left is no holder). Read only: it never takes the lock."""
        row = self.db.execute("SELECT pid, since, command FROM holder").fetchone()
        if row is None or not (self._locked or self._held()):
            return None
        pid, since, command = int(row[0]), str(row[1]), str(row[2])
        return LockHolder(f"rdsync pid {pid} since {since} ({command})", pid, since)

    def unlock(self) -> None:
        if self._locked:
            with self.transaction() as db:
                db.execute("DELETE FROM holder WHERE pid = ?", (os.getpid(),))
            self.db.execute("SELECT pg_advisory_unlock(?, ?)", HOLDER)
            self._locked = False
