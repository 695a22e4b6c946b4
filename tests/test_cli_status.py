"""`rdsync status`: runs, health, next jobs, API calls per source today and the lock holder,
after two daemon syncs of a site read through both its Jira and its Airtable API."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.cli.status import gather, render
from connector.clock import Clock
from connector.config import Config, load_config
from connector.sandbox.server import Sandbox, start_sandbox
from connector.sync.daemon import Daemon, stocktake_due
from connector.sync.run import Outcome
from connector.sync.state import StateStore
from mappings.errors import RdsyncError
from tests.campaign import configure, configure_sources, sync, team_edits
from tests.conftest import ANCHOR, site_clock

pytestmark = pytest.mark.e2e


@dataclass
class Synced:
    config: Config
    sandbox: Sandbox
    daemon: Daemon
    outcomes: list[Outcome]
    served: dict[str, int]  # requests the site answered, by API (a 429 is retried: not a call)


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    """A full sync, the team's edits, an incremental sync: the daemon's two jobs."""
    folder = tmp_path_factory.mktemp("status")
    with start_sandbox(seed="demo", anchor=ANCHOR, clock=site_clock()) as sandbox:
        both = {"jira": (sandbox, "jira", {}), "airtable": (sandbox, "airtable", {})}
        config = configure_sources(folder, both)
        daemon = Daemon(config, clock=sandbox.clock)
        served = {"jira": 0, "airtable": 0}
        outcomes = []
        for job in (daemon.full, daemon.sync):
            if outcomes:
                team_edits(sandbox, "jira")
            sandbox.reset_stats()
            outcomes.append(job())
            for name, path in (("jira", "/rest/*"), ("airtable", "/v0/*")):
                served[name] += sandbox.count(path=path) - sandbox.count(path=path, status=429)
        yield Synced(config, sandbox, daemon, outcomes, served)
        daemon.store.close()


def _status(synced: Synced, clock: Clock | None = None) -> dict:
    store = StateStore(synced.config.state_path, synced.sandbox.clock)
    try:
        return gather(synced.config, store, clock or synced.sandbox.clock, tz=UTC)
    finally:
        store.close()


def test_lists_the_runs_and_the_api_calls_of_each_source_today(synced: Synced) -> None:
    body = _status(synced)
    full, incremental = synced.outcomes
    runs = body["runs"]
    assert [(r["id"], r["mode"], r["status"]) for r in runs] == [
        (incremental.run_id, "incremental", "ok"),
        (full.run_id, "full", "ok"),
    ]
    assert runs[1]["counts"]["read"] == full.counts["read"] > 0
    assert runs[0]["seconds"] == incremental.counts["seconds"]
    assert runs[0]["errors"] == [] and runs[0]["ended_at"] >= runs[0]["started_at"]
    calls = body["api_calls_today"]
    assert calls["day"] == ANCHOR.isoformat() and calls["runs"] == 2
    assert calls["by_source"] == synced.served
    assert synced.served["jira"] > 0 and synced.served["airtable"] > 0
    assert calls["unattributed"] == 0
    lines = render(body | {"config": "rdsync.toml"})
    assert f"  jira         {synced.served['jira']}" in lines
    assert f"  airtable     {synced.served['airtable']}" in lines


def test_reads_the_health_the_daemon_wrote_and_says_when_it_is_overdue(synced: Synced) -> None:
    health = _status(synced)["health"]
    assert health["found"] and health["run_id"] == synced.outcomes[1].run_id
    assert health["full"] is False and not health["overdue"]
    assert health["sources"]["jira"]["status"] == "synced"
    assert health["sources"]["airtable"]["status"] == "synced"
    assert 0 <= health["age_seconds"] < 60
    later = Clock(synced.sandbox.clock.now() + timedelta(minutes=31))  # > two 15-min intervals
    late = _status(synced, later)["health"]
    assert late["overdue"] and late["age_seconds"] >= 31 * 60
    assert any("OVERDUE" in line for line in render(_status(synced, later)))


def test_next_jobs_follow_the_schedule_on_the_one_clock(synced: Synced) -> None:
    body = _status(synced)
    now = datetime.fromisoformat(body["now"])
    jobs = body["next"]
    ended = datetime.fromisoformat(body["runs"][0]["ended_at"])
    assert jobs["sync"]["at"] == (ended + timedelta(minutes=15)).isoformat(timespec="seconds")
    full = datetime.fromisoformat(jobs["full"]["at"])
    assert (full.hour, full.minute) == (2, 0) and now < full <= now + timedelta(days=1)
    report = datetime.fromisoformat(jobs["report"]["at"])
    assert (report.hour, report.minute) == (6, 0) and now < report <= now + timedelta(days=1)
    take = jobs["stocktake"]
    at = datetime.fromisoformat(take["at"])
    assert (at.hour, at.minute) == (6, 0) and now < at <= now + timedelta(weeks=8, days=1)
    priorities = sorted(
        a.key for a in synced.outcomes[1].assessments.values() if a.kind == "priority"
    )
    assert take["priorities"]
    for key in take["priorities"]:
        assert stocktake_due(priorities.index(key), len(priorities), 8, at.date())


def test_the_lock_holder_is_read_without_taking_the_lock(synced: Synced) -> None:
    assert _status(synced)["lock"] == {"held": False}
    synced.daemon.store.lock()  # as `rdsync run` holds it while it serves
    try:
        lock = _status(synced)["lock"]
        assert lock["held"] and lock["pid"] == os.getpid()
        assert lock["text"].startswith(f"rdsync pid {os.getpid()} since {lock['since']} (")
        text = CliRunner().invoke(main, ["status", "--config", str(_config_path(synced))])
        assert text.exit_code == 0, text.output
        assert f"lock         held by rdsync pid {os.getpid()} since" in text.output
        held = CliRunner().invoke(
            main, ["status", "--config", str(_config_path(synced)), "--format", "json"]
        )
        assert json.loads(held.output)["lock"]["pid"] == os.getpid()
    finally:
        synced.daemon.store.unlock()
    assert _status(synced)["lock"] == {"held": False}


def test_the_command_lists_runs_health_and_jobs(synced: Synced) -> None:
    synced.sandbox.reset_stats()
    result = CliRunner().invoke(main, ["status", "--config", str(_config_path(synced))])
    assert result.exit_code == 0, result.output
    assert synced.sandbox.count() == 0  # the store and the health file only
    out = result.output
    for outcome, mode in zip(synced.outcomes, ("full", "incremental"), strict=True):
        assert any(
            line.split()[:1] == [str(outcome.run_id)] and mode in line for line in out.splitlines()
        )
    assert "lock         free: no daemon or sync holds the state store now" in out
    assert f"run {synced.outcomes[1].run_id}, incremental" in out
    for job in ("sync", "full sync", "report", "stock take"):
        assert f"\n  {job:<11} " in out


def test_a_missing_state_store_is_an_error_not_a_new_file(tmp_path: Path) -> None:
    config = tmp_path / "rdsync.toml"
    config.write_text('[state]\npath = "nowhere.sqlite"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["status", "--config", str(config)])
    assert result.exit_code == 2
    assert "no state store here yet" in result.output and "rdsync sync" in result.output
    assert not (tmp_path / "nowhere.sqlite").exists()


def _config_path(synced: Synced) -> Path:
    return synced.config.state_path.parent / "rdsync.toml"


def test_a_failed_run_keeps_the_calls_it_made_by_source(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """A run Jira stops (here a scope it refuses) spent calls all the same: they count today."""
    sandbox = make_sandbox(seed="demo")
    config = configure(tmp_path, sandbox)
    sync(config, sandbox.clock, full=True)
    path = tmp_path / "rdsync.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('projects = ["DEL"]', 'jql = "project = NOPE"'),
        encoding="utf-8",
    )
    sandbox.reset_stats()
    with pytest.raises(RdsyncError, match=r"sources\.jira\.jql"):
        sync(load_config(path), sandbox.clock)
    spent = sandbox.count()
    assert spent > 0
    store = StateStore(config.state_path, sandbox.clock)
    try:
        body = gather(config, store, sandbox.clock, tz=UTC)
    finally:
        store.close()
    failed, full = body["runs"]
    assert failed["status"] == "failed" and failed["counts"] == {
        "api_calls": spent,
        "api_calls.jira": spent,
    }
    assert body["api_calls_today"]["by_source"] == {"jira": full["counts"]["api_calls"] + spent}
    assert any(
        line.startswith(f"  run {failed['id']} error: ConfigError: sources.jira.jql")
        for line in render(body)
    )
