"""One failing source never holds the others back: its site fails every search, the other
site is read, judged and written, the failing one keeps its last committed records in the
portfolio and is neither written nor moved on; once it answers, the next run catches up."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.config import load_config
from connector.sandbox.server import Sandbox
from connector.sync.failures import PARTIAL_EXIT
from connector.sync.state import StateStore
from tests.campaign import configure_sources, snapshot, sync, team_edits
from tests.conftest import site_clock

pytestmark = pytest.mark.e2e
EDIT = "/rest/api/3/issue/{issueIdOrKey}"
COMMENT = "/rest/api/3/issue/{issueIdOrKey}/comment"
SHORT_RETRY = {"budget_seconds": 2.0, "max_wait_seconds": 0.5, "initial_wait_seconds": 0.05}


def _cursor(path: Path, source: str) -> str | None:
    store = StateStore(path)
    try:
        return store.cursor(source)
    finally:
        store.close()


def test_a_site_failing_every_search_leaves_the_other_synced_and_catches_up(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    clock = site_clock()
    hr, ops = make_sandbox(seed="demo", clock=clock), make_sandbox(seed="demo", clock=clock)
    config = configure_sources(
        tmp_path, {"hr": (hr, "jira", {}), "ops": (ops, "jira", {})}, retry=SHORT_RETRY
    )
    first = sync(config, clock)
    assert not first.failed and {p.source for p in first.patches} == {"hr", "ops"}
    cursor, ops_before = _cursor(config.state_path, "ops"), snapshot(ops, "jira").owned

    team_edits(hr, "jira")
    team_edits(ops, "jira")  # ops's edits wait until its site answers again
    ops.set_faults("search:503:1")
    ops.reset_stats()
    second = sync(config, clock)
    assert list(second.failed) == ["ops"] and "kept failing" in second.failed["ops"]
    assert any("sources.ops" in error for error in second.errors)
    assert {p.source for p in second.patches} == {"hr"} and second.counts["written"] > 0
    assert second.counts["comments"] == 10  # hr's ratings the team's edits moved
    assert ops.count("PUT", EDIT) == 0 and ops.count("POST", COMMENT) == 0
    assert snapshot(ops, "jira").owned == ops_before  # its tickets untouched
    ops_keys = {key for key in first.assessments if key.startswith("ops:")}
    assert ops_keys and ops_keys == {k for k in second.assessments if k.startswith("ops:")}
    assert _cursor(config.state_path, "ops") == cursor  # it reads what it missed next time
    # its records as last committed stand in, measurements too: its ratings hold
    assert all(
        first.assessments[k].likelihood == second.assessments[k].likelihood for k in ops_keys
    )
    series = [k for k in first.arch.measurements if k.startswith("ops:")]
    assert series and all(first.arch.series(k) == second.arch.series(k) for k in series)
    assert "failed: sources.ops" in second.summary()

    ops.set_faults(None)
    third = sync(config, clock)
    assert not third.failed and {p.source for p in third.patches} == {"ops"}
    assert third.counts["comments"] == 10  # ops's edits, caught up
    assert _cursor(config.state_path, "ops") != cursor
    assert snapshot(ops, "jira").duplicates == snapshot(hr, "jira").duplicates == 0
    assert sync(config, clock).patches == []


def test_rdsync_sync_says_which_source_failed_in_its_exit_status_health_and_status(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    clock = site_clock()
    hr, ops = make_sandbox(seed="demo", clock=clock), make_sandbox(seed="demo", clock=clock)
    config = configure_sources(
        tmp_path, {"hr": (hr, "jira", {}), "ops": (ops, "jira", {})}, retry=SHORT_RETRY
    )
    path = str(tmp_path / "rdsync.toml")
    assert CliRunner().invoke(main, ["sync", "--config", path]).exit_code == 0
    ops.set_faults("search:503:1")
    result = CliRunner().invoke(main, ["sync", "--config", path])
    assert result.exit_code == PARTIAL_EXIT, result.output
    assert "1 source(s) failed: sources.ops" in result.output
    assert ops.token not in result.output
    health = json.loads(config.health_path.read_text())
    assert health["sources"]["hr"]["status"] == "synced"
    assert health["sources"]["ops"]["status"] == "failed"
    assert "kept failing" in health["sources"]["ops"]["why"]
    status = CliRunner().invoke(main, ["status", "--config", path]).output
    (line,) = [line for line in status.splitlines() if line.startswith("  ops: failed: ")]
    assert "search page 1: Jira kept failing (HTTP 503)" in line and "cursor stays" in line


def test_a_site_refusing_the_token_sits_the_run_out_and_the_other_is_synced(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """Refused at sign-in (the mapping check's first call), not while reading: the same."""
    clock = site_clock()
    hr, ops = make_sandbox(seed="demo", clock=clock), make_sandbox(seed="demo", clock=clock)
    config = configure_sources(tmp_path, {"hr": (hr, "jira", {}), "ops": (ops, "jira", {})})
    first = sync(config, clock)
    path = tmp_path / "rdsync.toml"
    head, ops_table = path.read_text().split("[sources.ops]")
    (tmp_path / "revoked").write_text("not-the-token\n")
    ops_table = ops_table.replace(f'"{config.sources["ops"].token_file}"', '"revoked"', 1)
    path.write_text(head + "[sources.ops]" + ops_table)
    config = load_config(path)
    team_edits(hr, "jira")
    ops.reset_stats()
    second = sync(config, clock)
    assert "refused the token (HTTP 401)" in second.failed["ops"]
    assert "not-the-token" not in second.summary()
    assert {p.source for p in second.patches} == {"hr"} and second.counts["comments"] == 10
    assert ops.count("PUT", EDIT) == 0 and ops.count("POST", COMMENT) == 0
    assert {k for k in second.assessments if k.startswith("ops:")} == {
        k for k in first.assessments if k.startswith("ops:")
    }


def test_a_site_that_goes_down_while_writing_leaves_the_others_written(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """hr is written first: its outage (three edits in a row failing) no longer stops ops's
    writes; hr's records were read, so the next run plans and writes what it could not."""
    clock = site_clock()
    hr, ops = make_sandbox(seed="demo", clock=clock), make_sandbox(seed="demo", clock=clock)
    config = configure_sources(
        tmp_path, {"hr": (hr, "jira", {}), "ops": (ops, "jira", {})}, retry=SHORT_RETRY
    )
    sync(config, clock)
    team_edits(hr, "jira")
    team_edits(ops, "jira")
    hr.set_faults("issue_edit:503:1")
    second = sync(config, clock)
    assert list(second.failed) == ["hr"] and "3 writes in a row" in second.failed["hr"]
    assert "the next run writes what this one could not" in second.summary()
    assert second.counts["comments"] == 10  # ops's, all of them
    assert {p.source for p in second.patches} == {"hr", "ops"}
    hr.set_faults(None)
    third = sync(config, clock)
    assert not third.failed and {p.source for p in third.patches} == {"hr"}
    assert third.counts["comments"] == 10
    assert snapshot(hr, "jira").duplicates == snapshot(ops, "jira").duplicates == 0
    assert sync(config, clock).patches == []
