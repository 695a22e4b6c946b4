"""The rate limiter shared by every process and machine: its windows and penalties kept in
PostgreSQL, a slot reserved in one statement on the database's clock."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg

from mappings.errors import RdsyncError

RESERVE = "rdsync_rate_reserve_v1"  # a new body takes a new name: processes of both can run
POLL = 0.05  # every place of a key is held by a call still running: ask again this soon

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS rdsync_rate_key (
    key TEXT PRIMARY KEY,
    blocked_until DOUBLE PRECISION NOT NULL DEFAULT 0  -- epoch seconds, the database's clock
);
CREATE TABLE IF NOT EXISTS rdsync_rate_slot (
    id BIGINT NOT NULL,                 -- one slot counts against each of its call's keys
    key TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,       -- when the call may start
    ended DOUBLE PRECISION,             -- when it ended; NULL while it runs
    backend INT NOT NULL,               -- the session that runs it: if it is gone, so is the call
    PRIMARY KEY (id, key)
);
CREATE INDEX IF NOT EXISTS rdsync_rate_slot_key_ended ON rdsync_rate_slot (key, ended);
CREATE SEQUENCE IF NOT EXISTS rdsync_rate_slot_id;
CREATE OR REPLACE FUNCTION {RESERVE}(
    keys TEXT[], rates INT[], win DOUBLE PRECISION, longest DOUBLE PRECISION, closed BOOLEAN,
    OUT slot BIGINT, OUT wait DOUBLE PRECISION
) LANGUAGE plpgsql AS $$
DECLARE
    moment DOUBLE PRECISION;
    start DOUBLE PRECISION;
    busy DOUBLE PRECISION;
    running INT;
    first_running DOUBLE PRECISION;
BEGIN
    INSERT INTO rdsync_rate_key (key) SELECT unnest(keys) ON CONFLICT DO NOTHING;
    -- Callers of a key take turns here; keys come sorted, so two calls never deadlock.
    PERFORM 1 FROM rdsync_rate_key WHERE key = ANY(keys) ORDER BY key FOR UPDATE;
    moment := extract(epoch FROM clock_timestamp());
    -- Out of the window, or running longer than any call can (its machine is gone).
    DELETE FROM rdsync_rate_slot WHERE key = ANY(keys)
        AND (ended <= moment - win OR (ended IS NULL AND at <= moment - longest));
    SELECT greatest(moment, max(blocked_until)) INTO start
        FROM rdsync_rate_key WHERE key = ANY(keys);
    FOR i IN 1 .. cardinality(keys) LOOP
        -- A running call may reach the server at any moment until it ends: it holds its
        -- place until then, and the window counts from its end.
        SELECT count(*), min(at) INTO running, first_running
            FROM rdsync_rate_slot WHERE key = keys[i] AND ended IS NULL
            AND backend IN (SELECT pid FROM pg_stat_activity);
        IF running >= rates[i] THEN
            busy := greatest(busy, first_running + win, moment + {POLL});
        ELSE
            start := greatest(start, (
                SELECT s.ended + win FROM rdsync_rate_slot s
                WHERE s.key = keys[i] AND s.ended IS NOT NULL
                ORDER BY s.ended DESC OFFSET rates[i] - running - 1 LIMIT 1));
        END IF;
    END LOOP;
    IF busy IS NOT NULL THEN
        wait := greatest(busy, start) - moment;  -- no slot: ask again then
        RETURN;
    END IF;
    slot := nextval('rdsync_rate_slot_id');
    INSERT INTO rdsync_rate_slot (id, key, at, ended, backend)
        SELECT slot, unnest(keys), start, CASE WHEN closed THEN start END, pg_backend_pid();
    wait := start - moment;
END $$;
"""
RELEASE = """UPDATE rdsync_rate_slot SET ended = greatest(at, extract(epoch FROM clock_timestamp()))
WHERE id = %s"""
PENALISE = """INSERT INTO rdsync_rate_key (key, blocked_until)
SELECT unnest(%s::text[]), extract(epoch FROM clock_timestamp()) + %s
ON CONFLICT (key) DO UPDATE
SET blocked_until = greatest(rdsync_rate_key.blocked_until, excluded.blocked_until)"""
BLOCK_UNTIL = """INSERT INTO rdsync_rate_key (key, blocked_until) VALUES (%s, %s)
ON CONFLICT (key) DO UPDATE
SET blocked_until = greatest(rdsync_rate_key.blocked_until, excluded.blocked_until)"""
SETUP_LOCK = 7_215_020_211  # an advisory lock: one process at a time creates the tables


class LimiterUnavailable(RdsyncError):
    """The database that keeps the shared rate limits cannot be reached."""

    exit_code = 3


def install(conn: psycopg.Connection[Any]) -> None:
    """Create the limiter's tables and function, once, whoever comes first."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SETUP_LOCK,))
        exists = conn.execute("SELECT to_regproc(%s)", (RESERVE,)).fetchone()
        if exists is None or exists[0] is None:
            conn.execute(SCHEMA)


class PgRateLimiter:
    """`RateLimiter`'s interface, with its state in PostgreSQL, so that every process that
    reaches the database (on any machine) counts against the same windows.

    A slot is reserved in one round trip: a function locks the rows of the call's keys (sorted,
    so callers of the same keys take turns and never deadlock), reads the time once from the
    database's `clock_timestamp()` (the one clock every machine shares), and records the slot
    at the earliest time every key has room and no penalty runs. The caller sleeps the wait it
    is given outside any transaction; `slot()` then records when the call ended (a second,
    small statement). `penalise` sets a key's lock-out for every process.

    It is stricter than `RateLimiter` in one way: a call still running holds its place until it
    ends, and the window counts from its end. A request reaches the server at some moment
    before it ends, so however late a loaded machine or a slow network delivers it, the server
    never sees more than `rate` in a window. When every place of a key is held by a running
    call, the caller asks again once the first of them could have left the window (or after
    POLL seconds). A running slot whose process died (its database session is gone) holds
    nothing; one whose machine vanished is forgotten `longest_call` seconds after it began.
    Rates are the caller's own (`set_rate`): a process with a lower rate for a key waits for
    more room; the slots it counts are everyone's.
    """

    shared = True  # the windows live in the database: nothing to keep in the state store

    def __init__(
        self,
        url: str,
        rate: int,
        per: float = 1.0,
        *,
        password: str | None = None,
        margin: float = 0.05,
        longest_call: float = 630.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate < 1 or per <= 0 or margin < 0 or longest_call <= 0:
            raise ValueError("rate must be >= 1, per > 0, margin >= 0 and longest_call > 0")
        self.url = url
        self._password = password  # [state] password_env's; else libpq's PGPASSWORD or .pgpass
        self.rate = rate
        self.window = per + margin
        self.longest_call = longest_call
        self._sleep = sleep
        self._lock = threading.Lock()  # one connection, one statement at a time
        self._rates: dict[str, int] = {}
        self._conn: psycopg.Connection[Any] | None = None
        self._pid = os.getpid()
        self.waited_seconds = 0.0
        self.calls = 0
        self.round_trips = 0

    def _connection(self) -> psycopg.Connection[Any]:
        """This process's connection: a forked child never shares its parent's."""
        if self._conn is not None and self._pid != os.getpid():
            self._conn = None  # the parent's: left to it, not closed from here
        if self._conn is None or self._conn.closed:
            self._pid = os.getpid()
            try:
                self._conn = psycopg.connect(
                    self.url,
                    password=self._password,
                    autocommit=True,  # each statement its own short transaction
                    application_name="rdsync-limits",
                    connect_timeout=30,
                )
            except psycopg.OperationalError as error:
                raise unavailable(error) from None
            install(self._conn)
        return self._conn

    def _run(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """One statement in its own transaction; a broken connection is made again once."""
        with self._lock:
            for attempt in (1, 2):
                conn = self._connection()
                try:
                    self.round_trips += 1
                    cursor = conn.execute(sql, params)
                    return cursor.fetchone() if cursor.description else None
                except psycopg.OperationalError as error:
                    conn.close()
                    if attempt == 2:
                        raise unavailable(error) from None
        return None  # pragma: no cover - the loop returns or raises

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()

    def set_rate(self, key: str, rate: int) -> None:
        """Let `key` have `rate` calls a window instead of the limiter's `rate`."""
        if rate < 1:
            raise ValueError("rate must be >= 1")
        self._rates[key] = rate

    def penalise(self, *keys: str, seconds: float) -> None:
        """No call of these keys starts, in any process, in the next `seconds`."""
        self._run(PENALISE, (sorted(keys or ("",)), seconds))

    def _reserve(self, keys: tuple[str, ...], closed: bool) -> tuple[float, int]:
        """A slot for the keys and how long to wait for it; while every place of a key is
        held by a running call, sleep and ask again (counted in `waited_seconds`)."""
        ordered = sorted(set(keys or ("",)))
        rates = [self._rates.get(key, self.rate) for key in ordered]
        params = (ordered, rates, self.window, self.longest_call, closed)
        while True:
            row = self._run(f"SELECT slot, wait FROM {RESERVE}(%s, %s, %s, %s, %s)", params)
            assert row is not None
            wait = max(0.0, float(row[1]))
            self.waited_seconds += wait
            if row[0] is not None:
                self.calls += 1
                return wait, int(row[0])
            self._sleep(wait)

    def reserve(self, *keys: str) -> float:
        """Reserve the next free slot for the keys, counted from its start (as `acquire`);
        returns how long to wait before using it."""
        return self._reserve(keys, closed=True)[0]

    def acquire(self, *keys: str) -> float:
        """Block until a call for the keys may start; returns the seconds slept. Its window
        counts from its start: use `slot` for a call whose end can be told."""
        wait = self.reserve(*keys)
        if wait > 0:
            self._sleep(wait)
        return wait

    @contextmanager
    def slot(self, *keys: str) -> Iterator[float]:
        """Wait for a slot, run the call inside, and count the window from the call's end."""
        wait, slot = self._reserve(keys, closed=False)
        if wait > 0:
            self._sleep(wait)
        try:
            yield wait
        finally:
            self._run(RELEASE, (slot,))

    def dump(self) -> dict[str, Any]:
        """The slots in a window or running and the penalties running, as `RateLimiter.dump`
        gives them (times on the database's clock, epoch seconds: a running call's start)."""
        now = "extract(epoch FROM clock_timestamp())"
        with self._lock:
            conn = self._connection()
            slots: dict[str, list[float]] = {}
            for key, at in conn.execute(
                "SELECT key, coalesce(ended, at) AS t FROM rdsync_rate_slot"
                f" WHERE ended IS NULL OR ended > {now} - %s ORDER BY key, t",
                (self.window,),
            ):
                slots.setdefault(key, []).append(at)
            blocked = dict(
                conn.execute(
                    f"SELECT key, blocked_until FROM rdsync_rate_key WHERE blocked_until > {now}"
                )
            )
        return {"slots": slots, "blocked": blocked}

    def load(self, state: Mapping[str, Any]) -> None:
        """Take up what a `dump()` gave (e.g. the windows an SQLite-era daemon kept)."""
        for key, times in dict(state.get("slots") or {}).items():
            for at in times:
                self._run(
                    "INSERT INTO rdsync_rate_slot (id, key, at, ended, backend) "
                    "VALUES (nextval('rdsync_rate_slot_id'), %s, %s, %s, pg_backend_pid())",
                    (str(key), float(at), float(at)),
                )
        for key, until in dict(state.get("blocked") or {}).items():
            self._run(BLOCK_UNTIL, (str(key), float(until)))


def unavailable(error: BaseException) -> LimiterUnavailable:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return LimiterUnavailable(
        f"the shared rate limits cannot be kept: the database did not answer ({reason})",
        where="[state] url",
        fix="Check that PostgreSQL is up and reachable from this machine, then run again.",
    )
