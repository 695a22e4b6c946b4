"""What the worker tests and the workers campaign share: a config with a job queue, worker
processes (`rdsync worker`), a round of sync jobs, and the queue's record of who ran what.

The sandboxes run on the machine's clock (`Clock()`): the workers are other processes, and
read that one."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import psycopg

from connector.config import Config, load_config
from connector.sandbox.server import Sandbox
from connector.sync.jobs import QUEUE, Scheduler
from tests.campaign import FAST_RETRY, configure_sources

ROOT = Path(__file__).resolve().parents[1]
# Short beats for the tests: a worker silent 4 s is taken for dead, swept every 1 s (the
# defaults are 10 and 30 s: taken over within 30 + 10 + 10 s, inside the minute).
HEARTBEAT, STALLED = 1.0, 4.0


def workers_config(
    folder: Path,
    sources: Mapping[str, tuple[Sandbox, str, Mapping[str, Any]]],
    url: str,
    *,
    heartbeat: float = HEARTBEAT,
    stalled: float = STALLED,
    state_there: bool = False,
) -> Config:
    """The config of several sources (`tests.campaign.configure_sources`) with [workers];
    `state_there`: the state store on that PostgreSQL database too ([state] url), the queue
    sharing it (no [workers] url), as machines of their own would run it."""
    configure_sources(folder, sources, retry=FAST_RETRY)
    path = folder / "rdsync.toml"
    text = path.read_text()
    if state_there:
        text = text.replace('[state]\npath = "state.sqlite"\n', f'[state]\nurl = "{url}"\n')
        extra = "\n[workers]\n"
    else:
        extra = f'\n[workers]\nurl = "{url}"\n'
    extra += f"heartbeat_seconds = {heartbeat}\nstalled_seconds = {stalled}\n"
    path.write_text(text + extra)
    return load_config(path)


@dataclass
class Worker:
    """An `rdsync worker` process, its log in the folder."""

    process: subprocess.Popen[bytes]
    log: Path
    handle: IO[bytes]

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """SIGTERM: the job in hand finishes, then the worker leaves."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()
        self.handle.close()

    def text(self) -> str:
        return self.log.read_text(errors="replace")


def start_worker(folder: Path, number: int, concurrency: int = 1) -> Worker:
    log = folder / f"worker-{number}.log"
    handle = log.open("ab")
    command = [sys.executable, "-m", "connector.cli", "worker", "--config"]
    command += [str(folder / "rdsync.toml"), "--concurrency", str(concurrency)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)
    return Worker(process, log, handle)


def defer_round(config: Config, *, full: bool = False) -> None:
    """What the scheduler defers at each interval: one sync job per source."""
    scheduler = Scheduler(config)

    async def main() -> None:
        async with scheduler.app.open_async():
            from connector.sync.jobs import ensure_schema

            await ensure_schema(scheduler.app)
            await scheduler.defer("sync", full)

    asyncio.run(main())


@dataclass(frozen=True)
class Event:
    job: int
    source: str
    kind: str  # deferred, started, deferred_for_retry, succeeded, failed
    at: datetime
    worker: int | None


def events(url: str) -> list[Event]:
    """The queue's history of its sync jobs, oldest first."""
    with psycopg.connect(url) as db:
        rows = db.execute(
            "SELECT e.job_id, j.args->>'source', e.type::text, e.at, j.worker_id "
            "FROM procrastinate_events e JOIN procrastinate_jobs j ON j.id = e.job_id "
            "WHERE j.queue_name = %s AND j.task_name = 'rdsync.sync' ORDER BY e.at, e.id",
            (QUEUE,),
        ).fetchall()
    return [Event(*row) for row in rows]


def statuses(url: str) -> dict[str, int]:
    with psycopg.connect(url) as db:
        rows = db.execute(
            "SELECT status::text, count(*) FROM procrastinate_jobs WHERE queue_name = %s "
            "GROUP BY status",
            (QUEUE,),
        ).fetchall()
    return {status: int(count) for status, count in rows}


def wait_for_jobs(url: str, timeout: float) -> dict[str, int]:
    """Poll until no sync job waits or runs (or the timeout); the final counts by status."""
    deadline = time.monotonic() + timeout
    while True:
        now = statuses(url)
        if (not now.get("todo") and not now.get("doing")) or time.monotonic() > deadline:
            return now
        time.sleep(0.2)  # polling other processes' progress: there is no event to wait on


def running(url: str, source: str | None = None) -> list[tuple[int, str, int | None]]:
    """Jobs in `doing` now: id, source, worker."""
    with psycopg.connect(url) as db:
        rows = db.execute(
            "SELECT id, args->>'source', worker_id FROM procrastinate_jobs "
            "WHERE queue_name = %s AND status = 'doing'",
            (QUEUE,),
        ).fetchall()
    return [(int(i), str(s), w) for i, s, w in rows if source is None or s == source]


def overlaps(history: list[Event]) -> list[str]:
    """Runs of one source that overlapped: a job started while another of its source was
    started and not yet ended (succeeded, failed, or queued again after its worker died)."""
    found, open_by_source = [], dict[str, set[int]]()
    for event in history:
        jobs = open_by_source.setdefault(event.source, set())
        if event.kind == "started":
            if jobs - {event.job}:
                found.append(f"{event.source}: job {event.job} started while {sorted(jobs)} ran")
            jobs.add(event.job)
        elif event.kind in ("succeeded", "failed", "deferred_for_retry", "aborted"):
            jobs.discard(event.job)
    return found


def edits(site: Sandbox) -> int:
    """Issue edits the site has answered (PUT), since its last stats reset."""
    return sum(c["count"] for c in site.stats()["counts"] if c["method"] == "PUT")


def contended(history: list[Event]) -> int:
    """Jobs queued while another job of their source was running: the lock had work to do."""
    running_now: dict[str, set[int]] = {}
    found = 0
    for event in history:
        jobs = running_now.setdefault(event.source, set())
        if event.kind == "deferred" and jobs:
            found += 1
        elif event.kind == "started":
            jobs.add(event.job)
        elif event.kind in ("succeeded", "failed", "deferred_for_retry", "aborted"):
            jobs.discard(event.job)
    return found
