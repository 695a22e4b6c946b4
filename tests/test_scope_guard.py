"""A scope that shrinks a lot, or returns nothing, stops a sync before it writes (exit 2,
naming the source and what to check); `--accept-scope-change` proceeds."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from connector.config import load_config
from connector.sandbox.airtable.seed import BASE_ID, MEASUREMENTS
from connector.sandbox.server import Sandbox
from connector.sync.daemon import Daemon
from connector.sync.state import StateStore
from connector.sync.steps import ScopeChanged
from tests.campaign import configure, snapshot, sync

pytestmark = pytest.mark.e2e
WRITES = ("PUT", "/rest/api/3/issue/{issueIdOrKey}")
SHRUNK = "project = DEL AND issuetype in (Priority, Outcome, Indicator)"


@pytest.fixture
def demo(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox(seed="demo")


def rdsync(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "connector.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_a_jql_that_drops_most_issues_stops_the_sync_until_accepted(
    demo: Sandbox, tmp_path: Path
) -> None:
    config = configure(tmp_path, demo)
    sync(config, demo.clock)
    before = snapshot(demo, "jira")
    path = tmp_path / "rdsync.toml"
    text = path.read_text()
    path.write_text(text.replace('projects = ["DEL"]', f'jql = "{SHRUNK}"'))
    demo.reset_stats()
    stopped = rdsync("sync", "--config", str(path), "--full")
    assert stopped.returncode == 2 and "Traceback" not in stopped.stderr
    said = stopped.stderr
    assert "sources.jira: " in said and "of its 132 records" in said
    assert "max_gone_share = 0.2" in said and "stopped before writing anything" in said
    assert "sources.jira.projects or .jql" in said and "--accept-scope-change" in said
    assert demo.count(*WRITES) == 0 and snapshot(demo, "jira").state() == before.state()
    store = StateStore(config.state_path)
    try:
        assert store.runs(1)[0].status == "failed" and len(store.records("jira")) == 132
    finally:
        store.close()
    dry = rdsync("sync", "--config", str(path), "--dry-run")  # shows, warns, writes nothing
    assert dry.returncode == 0 and "warning: sources.jira: " in dry.stdout
    assert demo.count(*WRITES) == 0

    accepted = rdsync("sync", "--config", str(path), "--accept-scope-change")
    assert accepted.returncode == 0, accepted.stderr
    assert " gone)" in accepted.stdout and demo.count(*WRITES) > 0
    store = StateStore(config.state_path)
    try:
        assert len(store.records("jira")) < 0.8 * 132
    finally:
        store.close()
    path.write_text(text)  # the issues come back: more records is never stopped
    assert rdsync("sync", "--config", str(path)).returncode == 0


def test_a_scope_that_returns_nothing_stops_whatever_the_share(
    demo: Sandbox, tmp_path: Path
) -> None:
    config = configure(tmp_path, demo)
    sync(config, demo.clock)
    path = tmp_path / "rdsync.toml"
    text = path.read_text().replace(
        'projects = ["DEL"]', 'jql = "project = DEL AND issuetype = Priority AND issuetype = Risk"'
    )
    path.write_text(text + "\n[sync]\nmax_gone_share = 1.0\n")
    stopped = rdsync("sync", "--config", str(path))
    assert stopped.returncode == 2
    assert "the scope returned no records, while the state store holds 132" in stopped.stderr


def test_an_airtable_base_losing_most_records_stops_before_writing(
    demo: Sandbox, tmp_path: Path
) -> None:
    demo.airtable.rate_limit_per_second = None  # not what this test is about
    config = configure(tmp_path, demo, "airtable", source={"requests_per_second": 50})
    sync(config, demo.clock)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {demo.token}"
    url = f"{demo.url}/v0/{BASE_ID}/{MEASUREMENTS}"
    ids: list[str] = []
    params: dict[str, str] = {}
    while True:
        page = session.get(url, params=params, timeout=30).json()
        ids += [record["id"] for record in page["records"]]
        if not page.get("offset"):
            break
        params["offset"] = page["offset"]
    for start in range(0, len(ids), 10):  # Airtable deletes ten records a request
        batch = ids[start : start + 10]
        session.delete(url, params={"records[]": batch}, timeout=30).raise_for_status()
    demo.reset_stats()
    # Airtable's deletions are found by the full read (an incremental one costs a request a
    # table and lists only what changed): the daily full sync is where the guard stops.
    with pytest.raises(ScopeChanged, match=r"sources\.airtable\.base, the mapping"):
        sync(config, demo.clock, full=True)
    assert demo.count("PATCH", "/v0/{base_id}/{table}") == 0
    after = sync(config, demo.clock, full=True, accept_scope_change=True)
    assert after.counts["deleted"] >= len(ids)


def test_the_daemon_retries_a_stopped_sync_and_accepts_the_change_once_if_told(
    demo: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = configure(tmp_path, demo)
    sync(config, demo.clock)
    path = tmp_path / "rdsync.toml"
    path.write_text(path.read_text().replace('projects = ["DEL"]', f'jql = "{SHRUNK}"'))
    shrunk = load_config(path)
    plain = Daemon(shrunk, clock=demo.clock)
    plain._job("sync", plain.sync)
    plain.store.close()
    assert plain.failures == {"sync": 1}
    stopped = [r for r in caplog.records if "job=sync stopped: sources.jira: " in r.getMessage()]
    assert stopped and stopped[0].exc_info is None  # what and what to do, no traceback
    told = Daemon(shrunk, clock=demo.clock, accept_scope_change=True)
    told._job("sync", told.sync)
    assert told.failures == {} and not told.accept_scope_change  # accepted once, then armed
    path.write_text(path.read_text().replace(SHRUNK, "project = DEL AND issuetype = Priority"))
    told.config = load_config(path)
    told._job("sync", told.sync)
    told.store.close()
    assert told.failures == {"sync": 1}
