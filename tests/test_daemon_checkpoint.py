"""The daemon copies the state's log into its file between jobs, not within a sync's commit."""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from connector.sync.daemon import Daemon
from connector.sync.state import StateStore
from tests.campaign import configure


def in_the_file(store: StateStore) -> bool:
    """Whether every page of the store (as its readers see it, through the log) is in the
    file itself: a checkpoint copied the whole log."""
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    size = store.db.execute("PRAGMA page_size").fetchone()[0]
    return bool(os.path.getsize(store.path) == pages * size)


def test_a_sync_leaves_the_checkpoint_to_the_idle_time_and_the_log_stays_as_large_as_a_run(
    make_sandbox: Any, tmp_path: Path
) -> None:
    """A first sync of 1,000 issues logs some 6 MB, past SQLite's 1,000 pages after which a
    commit copies the log itself: the daemon's sync leaves that to `idle`, which `rdsync run`
    calls after each job. The log is then written from its start again: later jobs do not
    grow it."""
    site = make_sandbox(seed="empty")
    site.seed_bulk(1_000, history=6)
    config = configure(tmp_path, site)
    cadence = timedelta(minutes=config.schedule.sync_minutes)
    daemon = Daemon(config, clock=site.clock)
    log = Path(f"{daemon.store.path}-wal")
    try:
        assert daemon.sync().counts["written"] > 400
        assert not in_the_file(daemon.store)  # the commit copied nothing
        first = log.stat().st_size
        assert first > 1_000 * 4096
        daemon.idle()
        assert in_the_file(daemon.store)
        for _ in range(3):  # reads back its own writes, then nothing changed
            site.clock.advance(cadence)
            daemon._job("sync", daemon.sync)
            assert in_the_file(daemon.store)
            assert log.stat().st_size <= first
        assert daemon.failures == {}
    finally:
        daemon.store.close()
    assert not log.exists()  # the last connection closed: SQLite copied and removed it
