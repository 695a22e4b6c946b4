"""Sync jobs on a queue in PostgreSQL (procrastinate): the scheduler defers, the workers run."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import schedule
from procrastinate import App, JobContext, PsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException

from connector.clock import SYSTEM, Clock
from connector.config import Config, WorkersConfig
from connector.sources.base import Source
from connector.sources.build import build_sources
from connector.sync import lease
from connector.sync.run import SyncRun
from connector.sync.state import StateStore
from connector.sync.stores import open_store
from mappings.errors import ConfigError

log = logging.getLogger("rdsync.jobs")

QUEUE = "rdsync"
SYNC, REPORT, STOCKTAKE, ROUTINES = (
    "rdsync.sync",
    "rdsync.report",
    "rdsync.stocktake",
    "rdsync.routines",
)
# The engine's lock per source: one run of a source at a time. Reports and routines read the
# whole portfolio and post to tickets: one at a time among themselves.
PORTFOLIO_LOCK = "rdsync:portfolio"
KEEP_HOURS = 24  # finished jobs and their events (started, retried, by which worker) kept


def source_lock(source: str) -> str:
    return f"rdsync:source:{source}"


def queue_app(config: Config) -> App:
    """The procrastinate app on `[workers] url` (the password from PGPASSWORD or ~/.pgpass),
    else on the state's database (`[state] url`, its password from `password_env`)."""
    workers, state = config.workers, config.state
    assert workers is not None
    if workers.url is not None:
        return App(connector=PsycopgConnector(conninfo=workers.url))
    assert state.url is not None  # the config refuses [workers] with neither
    password = {"password": state.password} if state.password is not None else {}
    return App(connector=PsycopgConnector(conninfo=state.url, kwargs=password))


async def ensure_schema(app: App) -> None:
    """The queue's tables, made by the first scheduler or worker to start on a new database."""
    present = "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present"
    if (await app.connector.execute_query_one_async(present))["present"]:
        return
    try:
        await app.schema_manager.apply_schema_async()
    except ConnectorException:  # another process made them at the same moment
        if not (await app.connector.execute_query_one_async(present))["present"]:
            raise


async def sweep_stalled(app: App, workers: WorkersConfig) -> list[int]:
    """Jobs whose worker fell silent for `stalled_seconds` (killed, its machine lost) are
    queued again, for another worker to take over; their lease fences the dead one out."""
    manager = app.job_manager
    stalled = await manager.get_stalled_jobs(
        queue=QUEUE, seconds_since_heartbeat=workers.stalled_seconds
    )
    retried = []
    for job in stalled:
        try:
            await manager.retry_job(job)
        except ConnectorException:  # another sweeper queued it first
            continue
        assert job.id is not None
        retried.append(job.id)
        log.warning(
            "job=%s task=%s args=%s: its worker %s is silent for %s s or more; queued again",
            job.id,
            job.task_name,
            job.task_kwargs,
            job.worker_id,
            workers.stalled_seconds,
        )
    return retried


async def defer(app: App, task: str, *, lock: str, queueing: str, **kwargs: Any) -> int | None:
    """Queue a job unless one of its kind waits already (`queueing`): jobs never pile up
    behind a slow source. The job's id, or None when one was waiting."""
    deferrer = app.configure_task(task, queue=QUEUE, lock=lock, queueing_lock=queueing)
    try:
        return await deferrer.defer_async(**kwargs)
    except AlreadyEnqueued:
        log.info("task=%s %s: one waits already, not queued again", task, kwargs)
        return None


@dataclass
class Due:
    """What the schedule says is due, gathered by `schedule` and deferred by the loop."""

    items: list[tuple[str, bool]]

    def add(self, kind: str, full: bool = False) -> None:
        self.items.append((kind, full))


class Scheduler:
    """`rdsync run` with `[workers]`: defers a sync job per source every [schedule]
    sync_minutes, a full one daily, reports, stock takes and routines; sweeps stalled jobs."""

    def __init__(self, config: Config, clock: Clock = SYSTEM) -> None:
        assert config.workers is not None
        self.config, self.workers, self.clock = config, config.workers, clock
        self.app = queue_app(config)
        self.stop_event = asyncio.Event()
        self.due = Due([])
        self.plan = schedule.Scheduler()
        cadence = config.schedule
        self.plan.every(cadence.sync_minutes).minutes.do(self.due.add, "sync")
        self.plan.every().day.at(cadence.full_at).do(self.due.add, "sync", True)
        every = self.plan.every()
        when = getattr(every, cadence.report_weekday) if cadence.report_weekday else every.day
        when.at(cadence.report_at).do(self.due.add, "report")
        self.plan.every().day.at(cadence.report_at).do(self.due.add, "stocktake")
        if config.routines is not None:
            self.plan.every().day.at(cadence.report_at).do(self.due.add, "routines")
        self.plan.every().hour.do(self.due.add, "prune")

    async def serve(self) -> None:
        async with self.app.open_async():
            await ensure_schema(self.app)
            self.due.add("sync")  # the first round at once, as the lone daemon does
            while not self.stop_event.is_set():
                self.plan.run_pending()
                items, self.due.items = self.due.items, []
                for kind, full in items:
                    await self.defer(kind, full)
                await sweep_stalled(self.app, self.workers)
                wait = min(self.workers.heartbeat_seconds, self.plan.idle_seconds or 1.0)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop_event.wait(), max(wait, 0.05))

    async def defer(self, kind: str, full: bool = False) -> None:
        today = self.clock.today().isoformat()
        if kind == "prune":  # a day of finished jobs kept: what ran where, for a post-mortem
            await self.app.job_manager.delete_old_jobs(nb_hours=KEEP_HOURS, queue=QUEUE)
        elif kind == "sync":
            mode = "full" if full else "sync"
            for name in self.config.sources:
                lock = source_lock(name)
                await defer(
                    self.app, SYNC, lock=lock, queueing=f"{lock}:{mode}", source=name, full=full
                )
        elif kind == "report":
            await defer(self.app, REPORT, lock=PORTFOLIO_LOCK, queueing="rdsync:report")
        else:
            task = STOCKTAKE if kind == "stocktake" else ROUTINES
            await defer(self.app, task, lock=PORTFOLIO_LOCK, queueing=f"rdsync:{kind}", day=today)


Portfolio = Callable[[StateStore, date], None]


@dataclass
class Callbacks:
    """What the command line gives the worker for the jobs beyond syncs (its own modules)."""

    report: Callable[[StateStore], None]
    stocktake: Portfolio
    routines: Portfolio | None


class Jobs:
    """What one `rdsync worker` process runs: each job on a state store and sources checked out
    of a pool (a connection, a site's fields and schema, kept from job to job)."""

    def __init__(self, config: Config, callbacks: Callbacks, clock: Clock = SYSTEM) -> None:
        assert config.workers is not None
        self.config, self.workers, self.clock = config, config.workers, clock
        self.callbacks = callbacks
        self.idle: list[tuple[StateStore, dict[str, Source]]] = []
        self.guard = threading.Lock()

    def register(self, app: App) -> None:
        app.task(name=SYNC, queue=QUEUE, pass_context=True)(self.sync_job)
        app.task(name=REPORT, queue=QUEUE)(self.report_job)
        app.task(name=STOCKTAKE, queue=QUEUE)(self.stocktake_job)
        app.task(name=ROUTINES, queue=QUEUE)(self.routines_job)

    def sync_job(self, context: JobContext, source: str, full: bool = False) -> None:
        if source not in self.config.sources:
            raise ConfigError(
                f"a job asks to sync {source!r}, a source this worker's config does not have",
                where="sources",
                fix="Give every worker and the scheduler the same config file.",
            )
        holder = f"{context.worker_name} job {context.job.id}"
        self.sync(source, holder, full=full)

    def sync(self, source: str, holder: str, *, full: bool = False) -> None:
        """One run of `source` under a fresh lease: read, write and commit that source."""
        store, sources = self._checkout()
        try:
            fence = lease.take(store, source, holder, self.workers.stalled_seconds)
            log.info("source=%s lease=%s holder=%s: syncing", source, fence.fence, holder)
            run = SyncRun(
                self.config,
                store,
                sources=sources,
                clock=self.clock,
                echo=log.info,
                skip_unfit=True,
                only=source,
                fence=fence,
            )
            outcome = run.execute(full=full)
        except BaseException:
            store.close()  # a half-made connection or a changed site: the next job starts afresh
            raise
        with self.guard:
            self.idle.append((store, sources))
        log.info("source=%s %s", source, outcome.summary())

    def _checkout(self) -> tuple[StateStore, dict[str, Source]]:
        with self.guard:
            if self.idle:
                return self.idle.pop()
        store = open_store(self.config, self.clock)
        try:
            return store, build_sources(self.config, self.clock, store)
        except BaseException:
            store.close()
            raise

    def report_job(self) -> None:
        self._portfolio(lambda store: self.callbacks.report(store))

    def stocktake_job(self, day: str) -> None:
        self._portfolio(lambda store: self.callbacks.stocktake(store, date.fromisoformat(day)))

    def routines_job(self, day: str) -> None:
        routines = self.callbacks.routines
        if routines is not None:
            self._portfolio(lambda store: routines(store, date.fromisoformat(day)))

    def _portfolio(self, job: Callable[[StateStore], None]) -> None:
        store = open_store(self.config, self.clock)
        try:
            job(store)
        finally:
            store.close()

    def close(self) -> None:
        with self.guard:
            for store, _ in self.idle:
                store.close()
            self.idle.clear()


async def work(jobs: Jobs, *, concurrency: int, name: str) -> None:
    """Run jobs until SIGTERM or SIGINT (the job in hand finishes first), sweeping stalled
    jobs every heartbeat as the scheduler does: the queue heals while any worker lives."""
    workers = jobs.workers
    app = queue_app(jobs.config)
    jobs.register(app)
    async with app.open_async():
        await ensure_schema(app)
        sweeper = asyncio.create_task(_sweep_forever(app, workers))
        try:
            await app.run_worker_async(
                queues=[QUEUE],
                name=name,
                concurrency=concurrency,
                update_heartbeat_interval=workers.heartbeat_seconds,
                stalled_worker_timeout=workers.stalled_seconds,
            )
        finally:
            sweeper.cancel()
            jobs.close()


async def _sweep_forever(app: App, workers: WorkersConfig) -> None:
    while True:
        await asyncio.sleep(workers.heartbeat_seconds)
        try:
            await sweep_stalled(app, workers)
        except ConnectorException as error:  # the database away for a moment: next beat
            log.warning("sweeping stalled jobs failed: %s", error)


def serve(config: Config) -> int:
    """`rdsync run` with `[workers]`: the scheduler until SIGTERM or SIGINT; exit status 0."""
    scheduler = Scheduler(config)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, scheduler.stop_event.set)
        await scheduler.serve()

    asyncio.run(main())
    log.info("scheduler stopped cleanly")
    return 0
