"""Sync runs over one source, exactly as `rdsync sync` drives them (`SyncRun`), for the tests
of one connector: a state store on disk, the site's clock, and the outcome of each run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connector.clock import Clock
from connector.config import Config
from connector.sources.base import Source
from connector.sync.run import Outcome, SyncRun
from connector.sync.state import StateStore


class SourceRuns:
    """`runs()` is one sync run of `source`; `runs.records` what the state store keeps of it."""

    def __init__(
        self, source: Source, folder: Path, clock: Clock, config: Config | None = None
    ) -> None:
        self.source = source
        self.clock = clock
        self.config = config or Config()
        self.path = folder / f"state-{source.name}.sqlite"

    def __call__(self, *, full: bool = False, dry_run: bool = False) -> Outcome:
        store = StateStore(self.path, self.clock)
        try:
            run = SyncRun(
                self.config,
                store,
                sources={self.source.name: self.source},
                clock=self.clock,
                echo=lambda _: None,
            )
            return run.execute(full=full, dry_run=dry_run)
        finally:
            store.close()

    @property
    def records(self) -> dict[str, Any]:
        """The source's records as the last committed run left them, raw."""
        store = StateStore(self.path, self.clock)
        try:
            return {key: record.raw for key, record in store.records(self.source.name).items()}
        finally:
            store.close()
