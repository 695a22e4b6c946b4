"""The daemon: syncs on a schedule, a daily full reconciliation, reports, stock takes and
routines (update requests, packs delivered)."""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any

import schedule

from connector.clock import SYSTEM, Clock
from connector.config import Config
from connector.sources.base import Source
from connector.sources.build import build_sources, shared_limiter
from connector.sync.files import private_folders, write_private
from connector.sync.run import Kept, Outcome, SyncRun, failed_how
from connector.sync.state import StateStore
from connector.sync.state_file import StateUnusable, unusable
from connector.sync.stores import open_store
from mappings.errors import RdsyncError

log = logging.getLogger("rdsync.daemon")


def write_health(
    path: Path,
    outcome: Outcome,
    clock: Clock = SYSTEM,
    *,
    skipped: Mapping[str, list[str]] | None = None,
) -> None:
    """Record the last successful run where a monitor (or a person) can read it, with each
    source's part in it: synced, or skipped and why (`skipped`: source -> problem lines)."""
    private_folders(path.parent)
    sources: dict[str, dict[str, Any]] = {
        name: {"status": "synced", "read": len(result.records)}
        for name, result in outcome.reads.items()
    }
    for name, problems in (skipped or {}).items():
        why = "its mapping does not fit the site: nothing was read or written through it"
        sources[name] = {"status": "skipped", "why": why, "problems": problems}
    for name, error in outcome.failed.items():
        sources[name] = {"status": "failed", "why": f"{error}; {failed_how(name in outcome.reads)}"}
    body = {
        "last_success": clock.now().isoformat(timespec="seconds"),
        "run_id": outcome.run_id,
        "full": outcome.full,
        "summary": outcome.summary(),
        "counts": dict(outcome.counts),
        "sources": sources,
        "notes": outcome.notes,  # e.g. a source past the warning share of its call budget
    }
    tmp = path.with_name(path.name + ".tmp")
    write_private(tmp, json.dumps(body, indent=2) + "\n")
    tmp.replace(path)  # atomic: a reader never sees half a file


def stocktake_due(index: int, count: int, weeks: int, on: date) -> bool:
    """Whether priority `index` of `count` has its stock take on `on`: every `weeks` weeks,
    staggered so that the priorities spread evenly over the cycle (the manual's Rule 7)."""
    cycle = 7 * weeks
    offset = (index * cycle) // max(count, 1)
    return (on.toordinal() - offset) % cycle == 0


class Daemon:
    """`rdsync run`: one process per state store; every job is wrapped so one failure is logged
    and the job runs again at its next time, while the others keep their schedule."""

    def __init__(
        self,
        config: Config,
        *,
        reporter: Callable[[StateStore, str], None] | None = None,
        stocktaker: Callable[[StateStore, date], None] | None = None,
        routiner: Callable[[StateStore, date], None] | None = None,
        scheduler: schedule.Scheduler | None = None,
        clock: Clock = SYSTEM,
        accept_scope_change: bool = False,
    ) -> None:
        self.config = config
        self.accept_scope_change = accept_scope_change  # for the next successful sync only
        self.clock = clock
        self.store = open_store(config, clock)
        self.store.defer_checkpoints()  # to `idle`, after each job: not within a sync's commit
        self.limiter = shared_limiter(config, clock, self.store)  # outlives each run
        self.sources: dict[str, Source] | None = None  # kept from run to run (see `sync`)
        self._built_for: Config | None = None
        self.kept = Kept()  # the state's records in memory: no reload at every run
        self.stop_event = threading.Event()
        self.scheduler = scheduler or schedule.Scheduler()
        self.reporter = reporter
        self.stocktaker = stocktaker
        self.routiner = routiner  # update requests and packs delivered ([routines])
        self.failures: dict[str, int] = {}
        self.fatal: StateUnusable | None = None  # a state file no later job could use either

    def plan(self) -> None:
        cadence = self.config.schedule
        self.scheduler.every(cadence.sync_minutes).minutes.do(self._job, "sync", self.sync)
        self.scheduler.every().day.at(cadence.full_at).do(self._job, "full", self.full)
        if self.reporter is not None:
            every = self.scheduler.every()
            when = getattr(every, cadence.report_weekday) if cadence.report_weekday else every.day
            when.at(cadence.report_at).do(self._job, "report", self.report)
        if self.stocktaker is not None:
            self.scheduler.every().day.at(cadence.report_at).do(
                self._job, "stocktake", self.stocktake
            )
        if self.routiner is not None:  # after the stock take job of the same minute
            self.scheduler.every().day.at(cadence.report_at).do(
                self._job, "routines", self.routines
            )

    def _job(self, name: str, job: Callable[[], Any]) -> None:
        """Run one job, then `idle`; a failure is logged and counted, never allowed to
        unschedule it."""
        if self.stop_event.is_set():
            return
        try:
            job()
            self.idle()
        except Exception as error:
            if isinstance(error, StateUnusable):
                self.fatal = error
            else:
                self.fatal = unusable(self.store.where, error)
            if self.fatal is not None:  # a damaged state file does not heal: stop, say why
                log.error("job=%s: %s; stopping", name, self.fatal)
                self.stop_event.set()
                return
            self.failures[name] = self.failures.get(name, 0) + 1
            if isinstance(error, RdsyncError):  # says what and what to do: no traceback
                log.error("job=%s stopped: %s; it runs again at its next time", name, error)
            else:
                log.exception("job=%s failed; it runs again at its next time", name)
        else:
            self.failures.pop(name, None)

    def sync(self, full: bool = False) -> Outcome:
        """One run through the sources kept from the last: signed in, fields and rights known,
        the mapping found fit. The daily full sync builds them afresh (they learn the site
        anew), and so does the run after a failed one."""
        if full or self.sources is None or self._built_for is not self.config:
            self.sources = build_sources(self.config, self.clock, self.store, self.limiter)
            self._built_for = self.config  # a config given anew builds them anew
        run = SyncRun(
            self.config,
            self.store,
            sources=self.sources,
            clock=self.clock,
            should_stop=self.stop_event.is_set,
            skip_unfit=True,  # one site's bad mapping never stops the others' syncs
            accept_scope_change=self.accept_scope_change,
            kept=self.kept,
        )
        try:
            outcome = run.execute(full=full)
        except BaseException:
            self.sources = None  # a half-made connection or a changed site: start afresh
            raise
        self.accept_scope_change = False
        log.log(logging.WARNING if outcome.failed else logging.INFO, "%s", outcome.summary())
        write_health(self.config.health_path, outcome, self.clock, skipped=run.skipped)
        return outcome

    def idle(self) -> None:
        """What waits for the time between jobs: the state's log copied into its file (the
        checkpoint a sync's commit leaves, see `StateStore.defer_checkpoints`)."""
        self.store.checkpoint()

    def full(self) -> Outcome:
        return self.sync(full=True)

    def report(self) -> None:
        assert self.reporter is not None
        self.reporter(self.store, "scheduled")

    def stocktake(self) -> None:
        assert self.stocktaker is not None
        self.stocktaker(self.store, self.clock.today())

    def routines(self) -> None:
        assert self.routiner is not None
        self.routiner(self.store, self.clock.today())

    def stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        log.info("signal=%s: finishing the request in flight, then stopping", signum)
        self.stop_event.set()

    def run(self, *, first_sync: bool = True, tick: float = 1.0) -> int:
        """Serve until SIGTERM or SIGINT; returns the exit status (0 after a clean stop)."""
        self.store.lock()
        previous = {sig: signal.signal(sig, self.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.plan()
            if first_sync:
                self._job("sync", self.sync)
            while not self.stop_event.is_set():
                self.scheduler.run_pending()
                self.stop_event.wait(min(tick, max(self.scheduler.idle_seconds or tick, 0.05)))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.store.close()
        if self.fatal is not None:
            raise self.fatal
        log.info("stopped cleanly")
        return 0
