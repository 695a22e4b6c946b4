"""The demo site synced with its state on PostgreSQL (`[state] url`) gives what it gives on SQLite:
a full sync, the team's edits, an incremental sync: the same ratings, findings and writes; and
`rdsync report` and `rdsync status` read the PostgreSQL store."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.clock import Clock
from connector.config import Config, load_config
from connector.sandbox.server import Sandbox
from connector.sync.run import Outcome
from connector.sync.stores import open_store
from tests.campaign import configure, snapshot, sync, team_edits

pytestmark = pytest.mark.e2e


def _on_postgres(config: Config, folder: Path, url: str) -> Config:
    """The demo's config with its [state] a PostgreSQL database instead of state.sqlite."""
    path = folder / "rdsync.toml"
    text = path.read_text(encoding="utf-8")
    assert '[state]\npath = "state.sqlite"\n' in text
    path.write_text(text.replace('path = "state.sqlite"\n', f'url = "{url}"\n', 1), "utf-8")
    return load_config(path)


def _seen(outcome: Outcome) -> dict[str, Any]:
    """What a run concluded and wrote, as compared between the two stores."""
    return {
        "full": outcome.full,
        "ratings": {key: a.likelihood for key, a in outcome.assessments.items()},
        "findings": sorted((f.code, f.key, f.message) for f in outcome.findings),
        "rubric": sorted((r.priority_key, r.criterion, r.rating) for r in outcome.rubric),
        "patches": sorted(p.key for p in outcome.patches),
        "written": sorted(outcome.applied.written),
        "comments": outcome.applied.comments,
        "counts": {k: outcome.counts[k] for k in ("read", "changed", "deleted", "ratings_changed")},
        "errors": outcome.errors,
    }


def _two_syncs(config: Config, sandbox: Sandbox) -> tuple[Outcome, Outcome]:
    clock = sandbox.clock
    assert isinstance(clock, Clock)
    first = sync(config, clock, full=True)
    team_edits(sandbox, "jira")
    clock.advance(timedelta(hours=1))
    return first, sync(config, clock)


def test_a_full_then_an_incremental_sync_on_postgresql_match_sqlite(
    make_sandbox: Any, tmp_path: Path, postgres_url: str
) -> None:
    sites = {kind: make_sandbox(seed="demo") for kind in ("sqlite", "postgresql")}
    configs = {kind: configure(tmp_path / kind, site) for kind, site in sites.items()}
    configs["postgresql"] = _on_postgres(
        configs["postgresql"], tmp_path / "postgresql", postgres_url
    )
    assert configs["postgresql"].state.url == postgres_url
    seen = {}
    for kind, config in configs.items():
        first, second = _two_syncs(config, sites[kind])
        seen[kind] = (_seen(first), _seen(second))
    assert seen["postgresql"] == seen["sqlite"]
    before, after = seen["sqlite"]
    assert before["written"]  # the first sync wrote ratings back
    assert not after["full"] and after["counts"]["changed"] > 0
    assert after["counts"]["ratings_changed"] > 0 and after["written"]  # the edits moved some
    assert after["comments"] > 0  # each moved rating says why, in a comment
    tools = {kind: snapshot(site, "jira") for kind, site in sites.items()}
    assert tools["postgresql"].state() == tools["sqlite"].state()
    assert tools["postgresql"].duplicates == 0
    stored = {}
    for kind, config in configs.items():
        store = open_store(config)
        _, outputs = store.newest_outputs()
        stored[kind] = (store.previous_ratings(), outputs.findings, len(store.runs()))
        assert store.ledger("planned") == []
        store.close()
    assert stored["postgresql"] == stored["sqlite"]
    _report_and_status(configs, tmp_path)


def _report_and_status(configs: dict[str, Config], tmp_path: Path) -> None:
    """`rdsync report` builds the same JSON report from either store; `rdsync status` reads
    the PostgreSQL store's runs and who holds its lock."""
    reports = {}
    for kind in configs:
        out = tmp_path / f"reports-{kind}"
        config_path = str(tmp_path / kind / "rdsync.toml")
        done = CliRunner().invoke(
            main, ["report", "--config", config_path, "--out", str(out), "--format", "json"]
        )
        assert done.exit_code == 0, done.output
        (made,) = out.glob("*.json")
        reports[kind] = json.loads(made.read_text(encoding="utf-8"))
    reports = {kind: _without_times(body) for kind, body in reports.items()}
    assert reports["postgresql"] == reports["sqlite"]
    config_path = str(tmp_path / "postgresql" / "rdsync.toml")
    store = open_store(configs["postgresql"])
    store.lock("rdsync run --config pg")
    try:
        done = CliRunner().invoke(main, ["status", "--config", config_path, "--format", "json"])
    finally:
        store.close()
    assert done.exit_code == 0, done.output
    body = json.loads(done.output)
    assert body["state"]["url"] == configs["postgresql"].state.url
    assert [run["mode"] for run in body["runs"]] == ["incremental", "full"]
    assert body["lock"]["held"] and "rdsync run --config pg" in body["lock"]["text"]
    assert body["api_calls_today"]


# When the report and its data were made: the two sites' clocks read a few seconds apart.
_TIMES = frozenset({"generated_at", "data_as_of", "as_of", "age_hours"})


def _without_times(body: Any) -> Any:
    """A report's JSON without when it was made (the two sites' clocks are a moment apart)."""
    if isinstance(body, dict):
        return {k: _without_times(v) for k, v in body.items() if k not in _TIMES}
    if isinstance(body, list):
        return [_without_times(v) for v in body]
    return body


def test_a_daemon_whose_server_drops_it_stops_naming_the_store(
    make_sandbox: Any, tmp_path: Path, postgres_url: str
) -> None:
    """The server ends the daemon's session (a restart, an administrator): the next job stops
    the daemon with an error naming the store's URL, as a damaged SQLite file does, for its
    supervisor to start it again; its writer's lock went with the session."""
    import psycopg

    from connector.sync.daemon import Daemon
    from connector.sync.state_file import StateUnusable

    site = make_sandbox(seed="demo")
    config = _on_postgres(configure(tmp_path, site), tmp_path, postgres_url)
    daemon = Daemon(config, clock=site.clock)
    daemon.store.lock("rdsync run")
    daemon._job("full", daemon.full)
    assert daemon.fatal is None and daemon.store.runs(5)[0].status == "ok"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(
            # the timeout: returns once the session has ended (PostgreSQL 14+), locks freed
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        daemon._job("sync", daemon.sync)
        assert isinstance(daemon.fatal, StateUnusable) and daemon.stop_event.is_set()
        assert daemon.fatal.where == postgres_url
        assert "the state store's server could not be used" in str(daemon.fatal)
        other = open_store(config)
        other.lock()  # the lock went with the daemon's session
        holder = other.lock_holder()
        assert holder is not None and holder.pid == os.getpid()
        other.close()
    daemon.store.close()
