"""Workers on a job queue (procrastinate on a real PostgreSQL): one job per source, one run
of a source at a time, a killed worker's job taken over, a stale worker's commit refused."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from connector.clock import Clock
from connector.config import load_config
from connector.sandbox.server import Sandbox, start_sandbox
from connector.sync import lease
from connector.sync.jobs import QUEUE, source_lock
from connector.sync.run import SETTLE_AFTER, SyncRun
from connector.sync.state import StateStore
from connector.sync.stores import open_store
from mappings.errors import ConfigError
from tests.campaign import snapshot, sync
from tests.workers import (
    ROOT,
    STALLED,
    contended,
    defer_round,
    edits,
    events,
    overlaps,
    running,
    start_worker,
    statuses,
    wait_for_jobs,
    workers_config,
)


@pytest.fixture
def sites() -> Any:
    """Two sites on the machine's clock (the workers are other processes and read that)."""
    started = [start_sandbox(seed="demo", clock=Clock()) for _ in range(2)]
    yield started
    for site in started:
        site.stop()


def three_sources(a: Sandbox, b: Sandbox) -> dict[str, tuple[Sandbox, str, dict[str, Any]]]:
    return {"ops": (a, "jira", {}), "strategy": (a, "airtable", {}), "hr": (b, "jira", {})}


def test_the_scheduler_defers_one_job_per_source_and_never_piles_them_up(
    tmp_path: Path, postgres_url: str, sites: list[Sandbox]
) -> None:
    config = workers_config(tmp_path, three_sources(*sites), postgres_url)
    defer_round(config)
    defer_round(config)  # the next interval while the first round still waits: no new jobs
    with psycopg.connect(postgres_url) as db:
        rows = db.execute(
            "SELECT args->>'source', lock, queueing_lock, status::text FROM procrastinate_jobs "
            "WHERE queue_name = %s ORDER BY 1",
            (QUEUE,),
        ).fetchall()
    assert [row[0] for row in rows] == ["hr", "ops", "strategy"]
    assert all(row[1] == source_lock(row[0]) and row[3] == "todo" for row in rows)
    assert all(row[2] == f"{source_lock(row[0])}:sync" for row in rows)
    defer_round(config, full=True)  # the daily full sync queues beside a waiting sync
    assert statuses(postgres_url) == {"todo": 6}


def test_two_workers_never_run_one_source_at_once(
    tmp_path: Path, postgres_url: str, sites: list[Sandbox]
) -> None:
    config = workers_config(tmp_path, three_sources(*sites), postgres_url)
    for site in sites:  # slow writes: the second round is queued while the first runs
        site.set_faults("issue_edit:slow:1,delay=0.05")
    workers = [start_worker(tmp_path, n, concurrency=2) for n in range(2)]
    try:
        defer_round(config)
        deadline = time.monotonic() + 60
        while not running(postgres_url) and time.monotonic() < deadline:
            time.sleep(0.1)  # waiting for the worker processes to start and take a job
        defer_round(config)  # each source's second job waits for its first: the same lock
        wait_for_jobs(postgres_url, timeout=240)
        defer_round(config)  # every source read once now: this round writes what is left
        done = wait_for_jobs(postgres_url, timeout=240)
    finally:
        for worker in workers:
            worker.stop()
    # A source whose first job still waited got no second one (its queueing lock): 7 to 9.
    assert set(done) == {"succeeded"} and done["succeeded"] >= 7, [
        w.text()[-3000:] for w in workers
    ]
    history = events(postgres_url)
    assert contended(history) >= 1  # a second job of a source was queued while its first ran
    assert overlaps(history) == []
    assert len({e.worker for e in history if e.kind == "started"}) >= 1
    for site in sites:
        site.set_faults(None)
        assert snapshot(site, "jira").duplicates == 0
    # Everything is written: one more run of the whole portfolio writes nothing.
    again = sync(config, Clock())
    assert again.counts["written"] == 0 and again.counts["comments"] == 0


def test_a_killed_worker_s_job_is_taken_over_and_finished_within_a_minute(
    tmp_path: Path, postgres_url: str, sites: list[Sandbox]
) -> None:
    a, b = sites
    # As machines of their own run it: the state store on PostgreSQL, the queue beside it
    config = workers_config(tmp_path, {"ops": (a, "jira", {})}, postgres_url, state_there=True)
    baseline = workers_config(tmp_path / "baseline", {"ops": (b, "jira", {})}, postgres_url)
    sync(baseline, Clock())  # the same run never killed, on a twin site
    a.set_faults("issue_edit:slow:1,delay=0.1")  # the kill lands among the writes
    first = start_worker(tmp_path, 0)
    try:
        defer_round(config)
        assert a.wait_for(lambda: edits(a) >= 5, timeout=120)
        first.kill()
        killed = time.time()
        second = start_worker(tmp_path, 1)
        try:
            done = wait_for_jobs(postgres_url, timeout=90)
        finally:
            second.stop()
    finally:
        first.stop()
    assert done == {"succeeded": 1}, second.text()[-3000:]
    history = events(postgres_url)
    starts = [e.at.timestamp() for e in history if e.kind == "started"]
    assert [e.kind for e in history].count("deferred_for_retry") == 1
    assert len(starts) == 2 and starts[1] - killed < 60
    assert starts[1] - killed >= STALLED - 1  # taken for dead by its silence, not before
    store = open_store(config)
    try:
        assert lease.leases(store)["ops"][1] == 2  # the second holder's lease
    finally:
        store.close()
    a.set_faults(None)
    assert snapshot(a, "jira").owned == snapshot(b, "jira").owned
    # A comment the killed run cannot be sure it added is settled by a run after the window
    # (SETTLE_AFTER), as after any kill: then the comments equal the twin's, none twice.
    later = Clock()
    later.advance(SETTLE_AFTER + timedelta(seconds=1))
    sync(config, later)
    got, want = snapshot(a, "jira"), snapshot(b, "jira")
    assert got.duplicates == 0
    assert got.state() == want.state()


def test_a_stale_worker_s_commit_is_refused(
    tmp_path: Path, postgres_url: str, sites: list[Sandbox]
) -> None:
    sandbox = sites[0]  # a fresh site: the run has tickets to write, so batches to stop between
    config = workers_config(tmp_path, {"ops": (sandbox, "jira", {})}, postgres_url)
    store = StateStore(config.state_path, sandbox.clock)
    try:
        stale = lease.take(store, "ops", "w1 job 1", 30)
        taken: list[lease.Fence] = []

        def taken_over() -> bool:  # between two write batches, another worker takes the job
            if not taken:
                taken.append(lease.take(store, "ops", "w2 job 1", 30))
            return False

        run = SyncRun(
            config,
            store,
            clock=sandbox.clock,
            echo=lambda _: None,
            should_stop=taken_over,
            only="ops",
            fence=stale,
        )
        with pytest.raises(lease.StaleLease, match=r"lost its lease 1 .* to w2 job 1 \(lease 2\)"):
            run.execute()
        assert taken and store.cursor("ops") is None  # nothing of the stale run committed
        assert store.runs(1)[0].status == "failed"
        fresh = SyncRun(
            config, store, clock=sandbox.clock, echo=lambda _: None, only="ops", fence=taken[0]
        )
        fresh.execute()
        assert store.cursor("ops") is not None
    finally:
        store.close()


def test_rdsync_run_with_workers_is_the_scheduler(
    tmp_path: Path, postgres_url: str, sites: list[Sandbox]
) -> None:
    workers_config(tmp_path, three_sources(*sites), postgres_url)
    command = [sys.executable, "-m", "connector.cli", "run", "--config"]
    log = (tmp_path / "run.log").open("wb")
    process = subprocess.Popen(
        [*command, str(tmp_path / "rdsync.toml")], cwd=ROOT, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 60
        found: dict[str, int] = {}
        while found != {"todo": 3} and time.monotonic() < deadline:
            time.sleep(0.2)  # waiting for the scheduler process to start and queue the round
            with contextlib.suppress(psycopg.errors.UndefinedTable):  # no queue tables yet
                found = statuses(postgres_url)
        assert found == {"todo": 3}, (tmp_path / "run.log").read_text()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
    assert not (tmp_path / "state.sqlite").exists()  # the scheduler leaves the state to workers


def test_a_password_in_the_queue_url_is_refused_without_echoing_it(tmp_path: Path) -> None:
    path = tmp_path / "rdsync.toml"
    path.write_text('[workers]\nurl = "postgresql://rdsync:s3cret@db/rdsync"\n')
    with pytest.raises(ConfigError, match="PGPASSWORD") as refused:
        load_config(path)
    assert "s3cret" not in str(refused.value)


def test_a_worker_without_a_queue_says_which_table_it_needs(tmp_path: Path) -> None:
    path = tmp_path / "rdsync.toml"
    path.write_text('[state]\npath = "state.sqlite"\n')
    ran = subprocess.run(
        [sys.executable, "-m", "connector.cli", "worker", "--config", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 2
    assert "needs a [workers] table" in ran.stderr and "Traceback" not in ran.stderr


def test_a_job_syncs_its_source_alone_and_writes_once_every_source_was_read(
    tmp_path: Path, postgres_url: str, sites: list[Sandbox]
) -> None:
    a, b = sites
    layout = {"ops": (a, "jira", {}), "hr": (b, "jira", {})}
    config = workers_config(tmp_path, layout, postgres_url)
    store = StateStore(config.state_path, a.clock)

    def job(source: str) -> Any:
        run = SyncRun(config, store, clock=a.clock, echo=lambda _: None, only=source)
        return run.execute()

    def searches(site: Sandbox) -> int:
        return sum(c["count"] for c in site.stats()["counts"] if "search" in c["path"])

    try:
        first = job("ops")
        assert first.counts["written"] == 0  # hr never read: its shared keys would change
        assert first.notes == ["writes held until these sources are read: hr"]
        assert store.cursor("ops") is not None and store.cursor("hr") is None
        assert searches(b) == 0 and searches(a) > 0  # hr's site not read by ops's job
        second = job("hr")
        assert second.counts["written"] > 0 and edits(a) == 0  # only hr's tickets written
        assert set(second.reads) == {"hr"}
        a.reset_stats()
        third = job("ops")
        assert third.counts["written"] > 0 and third.counts["written"] == edits(a)
    finally:
        store.close()


def test_retention_leaves_alone_a_run_another_worker_has_not_committed_yet(
    tmp_path: Path, postgres_url: str, sites: list[Sandbox]
) -> None:
    a = sites[0]
    config = workers_config(tmp_path, {"ops": (a, "jira", {})}, postgres_url)
    store = StateStore(config.state_path, a.clock)
    try:
        going = store.start_run()  # another worker's run: started, its commit still to come
        SyncRun(config, store, clock=a.clock, echo=lambda _: None, only="ops").execute()
        past = {int(run) for (run,) in store.db.execute("SELECT run_id FROM past_runs")}
        # Noted as past, it would never be thinned once it commits: the store would grow.
        assert going not in past
    finally:
        store.close()


def test_workers_without_a_queue_database_are_refused_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "rdsync.toml"
    path.write_text('[state]\npath = "state.sqlite"\n\n[workers]\nconcurrency = 2\n')
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert "workers.url" in str(refused.value) and "[state] url" in str(refused.value)
