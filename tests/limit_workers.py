"""Worker processes for the shared limiter's tests: each one paces its own real client through
the PostgreSQL limiter, as an `rdsync worker` on another machine would; and a watch on the
sandbox that notes when it admitted each request."""

from __future__ import annotations

import multiprocessing
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from connector.clock import Clock
from connector.config import AirtableSourceConfig, JiraSourceConfig
from connector.sources.airtable import AirtableSource
from connector.sources.airtable_pace import airtable_limiter
from connector.sources.jira import JiraSource
from connector.sources.jira_pace import site_rates
from connector.sources.pg_ratelimit import PgRateLimiter
from connector.sources.retry import RetryPolicy
from mappings.config import AirtableMapping, JiraMapping, load_mapping

SPAWN = multiprocessing.get_context("spawn")  # no fork of a process running server threads


@dataclass(frozen=True)
class Job:
    """What one worker does: `calls` requests to `base` (the meta API's tables of the base),
    paced by the database at `db` with its own `[sources.<name>]` rates."""

    db: str
    endpoint: str
    token: str
    base: str
    calls: int
    requests_per_second: float = 5.0
    token_requests_per_second: float = 50.0
    penalty_seconds: float = 30.0


def airtable_worker(job: Job, ready: Any, results: Any) -> None:
    """Run `job` once every worker is ready; put (base, [seconds waited], [errors]) on results."""
    config = AirtableSourceConfig(
        type="airtable",
        base=job.base,
        endpoint_url=job.endpoint,
        token_env="AT_TOKEN",
        requests_per_second=job.requests_per_second,
        token_requests_per_second=job.token_requests_per_second,
        penalty_seconds=job.penalty_seconds,
    ).with_token(job.token)
    clock = Clock()
    limiter = airtable_limiter([config], clock, None, url=job.db or None)  # "": one process
    mapping = load_mapping("airtable")
    assert isinstance(mapping, AirtableMapping)
    retry = RetryPolicy(tool="Airtable", budget_seconds=60, initial_wait_seconds=0.01)
    source = AirtableSource("airtable", config, mapping, retry=retry, limiter=limiter, clock=clock)
    tables = source.api.build_url("meta/bases", job.base, "tables")
    limiter.reserve("warm-up")  # connect and install before the start, not inside the race
    ready.wait()  # every worker connected
    ready.wait()  # the test's own step is done: go
    errors: list[str] = []
    for _ in range(job.calls):
        try:
            source.call("schema", source.api.request, "GET", tables)
        except Exception as error:  # the test asserts there are none: say which
            errors.append(f"{type(error).__name__}: {error}")
    results.put((job.base, limiter.waited_seconds, errors))


@dataclass(frozen=True)
class JiraJob:
    """`calls` requests for the signed-in user (GET myself) to the Jira site at `url`, paced
    by the database at `db` with its own `requests_per_second`."""

    db: str
    url: str
    email: str
    token: str
    calls: int
    requests_per_second: float | None = None


def jira_worker(job: JiraJob, ready: Any, results: Any) -> None:
    """Run `job` once every worker is connected; put ("jira", seconds waited, errors)."""
    config = JiraSourceConfig(
        type="jira",
        url=job.url,
        email=job.email,
        projects=["DEL"],
        requests_per_second=job.requests_per_second,
    ).with_token(job.token)
    limiter = PgRateLimiter(job.db, 5)
    for key, rate in site_rates([config]).items():
        limiter.set_rate(key, rate)
    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    retry = RetryPolicy(tool="Jira", budget_seconds=60)
    source = JiraSource("jira", config, mapping, retry=retry, limiter=limiter)
    source.connect()  # three paced calls, before the start
    ready.wait()
    ready.wait()
    errors: list[str] = []
    for _ in range(job.calls):
        try:
            source.call("myself", source.client.myself)
        except Exception as error:  # the test asserts there are none: say which
            errors.append(f"{type(error).__name__}: {error}")
    results.put(("jira", limiter.waited_seconds, errors))


def hold_a_slot(db: str, key: str, entered: Any) -> None:
    """Take `key`'s slot and never leave it: a worker killed in the middle of a request."""
    limiter = PgRateLimiter(db, 1)
    with limiter.slot(key):
        entered.set()
        time.sleep(600)  # killed long before: the call that never ends


def run_workers(
    jobs: list[Job] | list[JiraJob],
    before: Callable[[], None] | None = None,
    timeout: float = 60.0,
) -> list[tuple[str, float, list[str]]]:
    """Each job in a process of its own; once all are connected, `before()` runs here and then
    they start together. What each reported."""
    ready = SPAWN.Barrier(len(jobs) + 1)
    results = SPAWN.Queue()
    processes = [
        SPAWN.Process(
            target=jira_worker if isinstance(job, JiraJob) else airtable_worker,
            args=(job, ready, results),
        )
        for job in jobs
    ]
    for process in processes:
        process.start()
    ready.wait(timeout=timeout)  # every worker connected
    if before is not None:
        before()
    ready.wait(timeout=timeout)  # and off they go
    reported = [results.get(timeout=timeout) for _ in jobs]
    for process in processes:
        process.join(timeout=timeout)
        assert process.exitcode == 0, f"a worker failed (exit code {process.exitcode})"
    return reported


@dataclass
class Admissions:
    """When the sandbox's Airtable admitted each request, by key (`base:<id>`, `token:...`),
    on the monotonic clock its own limit counts with."""

    moments: dict[str, list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def watch(self, api: Any) -> None:
        admit = api._admit  # the sandbox's own check: refused requests raise and are not noted

        def noted(keys: list[tuple[str, str]]) -> None:
            admit(keys)
            moment = time.monotonic()
            with self._lock:
                for key, kind in keys:
                    name = "token" if kind == "token" else key
                    self.moments.setdefault(name, []).append(moment)

        api._admit = noted

    def watch_jira(self, limits: Any) -> None:
        """The same for the sandbox's Jira limits (`Limits.admit`), by endpoint name."""
        admit = limits.admit

        def noted(endpoint: str, method: str, issue: str | None, now: Any) -> None:
            admit(endpoint, method, issue, now)
            moment = time.monotonic()
            with self._lock:
                self.moments.setdefault(endpoint, []).append(moment)

        limits.admit = noted

    def most_in(self, key: str, window: float) -> int:
        """The most requests of `key` admitted within any `window` seconds."""
        starts = sorted(self.moments.get(key, []))
        return max((sum(1 for s in starts if a <= s < a + window) for a in starts), default=0)

    def rate(self, key: str, limit: int) -> float:
        """Requests a second of `key` held at `limit` a window, as `limit` over the median time
        between each request and the one `limit` before it: a limiter that keeps its window
        full admits each request as the one `limit` earlier leaves it, one window apart (a
        limiter pacing at 5 a second where 8 are allowed spaces them 1.6 s). The median, not the
        span from first to last: a worker process that the shared machine starts a second late
        stretches the span but is one straggler among the spacings, not the limiter's doing."""
        starts = sorted(self.moments.get(key, []))
        if len(starts) <= limit:
            return 0.0
        return limit / statistics.median(
            later - earlier for earlier, later in zip(starts, starts[limit:], strict=False)
        )
