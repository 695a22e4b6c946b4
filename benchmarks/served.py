"""A bulk-seeded sandbox site served from a process of its own, as a real site is served from
elsewhere: the client under test shares neither its interpreter lock nor its heap (whose
garbage collections would walk the site's data too) with the server.

    with served(10_000, clock) as (site, seconds):
        ... site.url, site.count("PUT", "/rest/api/3/issue/{issueIdOrKey}") ...

`clock` (a `SiteClock`) is the benchmark's one clock: moving it on moves the site's clock too.
"""

from __future__ import annotations

import multiprocessing
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import requests

from connector.clock import Clock
from connector.sandbox.server import Sandbox
from connector.sandbox.stats import count

FORK = multiprocessing.get_context("fork")


class SiteClock(Clock):
    """The benchmark's clock; `advance` also moves the clock of every site it serves."""

    def __init__(self) -> None:
        super().__init__()
        self.offset = FORK.Value("d", 0.0)  # seconds ahead of the machine, read by the sites

    def advance(self, delta: timedelta) -> None:
        super().advance(delta)
        with self.offset.get_lock():
            self.offset.value += delta.total_seconds()

    def site_now(self) -> datetime:
        """The site's reading of it (in the serving process)."""
        return datetime.now(UTC) + timedelta(seconds=self.offset.value)


class Site:
    """What a benchmark needs of a served site: its address and sign-in, its fields' ids, and
    its request counters, read over HTTP (`/_sandbox/stats`)."""

    def __init__(self, url: str, email: str, token: str, fields: dict[str, str]) -> None:
        self.url, self.email, self.token, self.mode = url, email, token, "cloud"
        self.fields = fields
        self.control = requests.Session()

    def field_id(self, name: str) -> str:
        return self.fields[name]

    def stats(self) -> dict[str, Any]:
        answer = self.control.get(f"{self.url}/_sandbox/stats", timeout=60)
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()
        return found

    def reset_stats(self) -> None:
        self.control.delete(f"{self.url}/_sandbox/stats", timeout=60).raise_for_status()

    def count(
        self, method: str | None = None, path: str | None = None, status: int | None = None
    ) -> int:
        return count(self.stats(), method, path, status)


@contextmanager
def served(issues: int, clock: SiteClock | None = None) -> Iterator[tuple[Site, float]]:
    """A site of `issues` synthetic issues (`Sandbox.seed_bulk`) seeded into a state file,
    then served by a forked process until the block ends; the site and the seeding seconds."""
    clock = clock or SiteClock()
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder) / "site.db"
        started = time.perf_counter()
        seeding = Sandbox(seed="empty", state=state, clock=clock.site_now)
        seeding.seed_bulk(issues, history=12)
        seconds = time.perf_counter() - started
        email, token = seeding.email, seeding.token
        fields = {f.name: f.id for f in seeding.jira.scheme.fields.values()}
        seeding.stop()
        del seeding
        told, tell = FORK.Pipe(duplex=False)
        server = FORK.Process(target=_serve, args=(state, clock, tell), daemon=True)
        server.start()
        try:
            if not told.poll(120):
                raise SystemExit(f"the sandbox did not start (exit {server.exitcode})")
            yield Site(told.recv(), email, token, fields), seconds
        finally:
            server.terminate()
            server.join(timeout=30)


def _serve(state: Path, clock: SiteClock, tell: Any) -> None:
    """The serving process: the seeded state, on the benchmark's clock, until SIGTERM."""

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    sandbox = Sandbox(seed="empty", state=state, clock=clock.site_now)
    tell.send(sandbox.url)
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
