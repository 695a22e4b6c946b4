"""End to end against the sandbox, through the real clients: one sync run, convergence, edits,
a run killed mid-write, and the daemon's lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from connector.clock import Clock
from connector.config import Config, load_config
from connector.sandbox.server import Sandbox
from connector.sync.state import StateStore
from tests.campaign import configure, settle, sync
from tests.conftest import jira_client

pytestmark = pytest.mark.e2e

WRITEBACK = ("Delivery likelihood", "Likelihood rationale", "Rubric gaps")
ASSESSED = "issuetype in (Priority, Outcome, Target, Strategy)"
EDIT = "/rest/api/3/issue/{issueIdOrKey}"
COMMENT = "/rest/api/3/issue/{issueIdOrKey}/comment"


def tool_state(sandbox: Sandbox) -> dict[str, tuple[Any, ...]]:
    """The owned write-back fields and comments of every assessed issue, as the tool has them."""
    jira = jira_client(sandbox)
    ids = [sandbox.field_id(name) for name in WRITEBACK]
    state = {}
    for issue in jira.search_issues(f"project = DEL AND {ASSESSED}", maxResults=0, fields=ids):
        raw = issue.raw["fields"]
        option = (raw.get(ids[0]) or {}).get("value")
        texts = tuple(_text(raw.get(i)) for i in ids[1:])
        comments = tuple(
            _text(c.raw["body"]).split("\nrdsync:")[0] for c in jira.comments(issue.key)
        )
        state[issue.key] = (option, *texts, comments)
    return state


def _text(adf: Any) -> str:
    from mappings.readers import read_paragraph

    return read_paragraph(adf) or "" if adf else ""


@pytest.fixture
def demo(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox(seed="demo")


def test_first_sync_rates_every_assessed_ticket_in_the_tool(demo: Sandbox, tmp_path: Path) -> None:
    outcome = sync(configure(tmp_path, demo), demo.clock, full=True)
    state = tool_state(demo)
    assert len(state) >= 40
    keys_with_findings = {f.key for f in outcome.findings}
    for key, (option, rationale, gaps, comments) in state.items():
        assert option in {"1 - Red", "2 - Amber/Red", "3 - Amber/Green", "4 - Green"}, key
        assert rationale.count("\n") >= 4, key  # a line per judgement
        assert bool(gaps) == (key in keys_with_findings or outcome.arch.get(key).kind == "priority")
        assert comments == ()  # a first rating is no change: no comment
    # Indicators, milestones and risks with findings get their gaps, and nothing else.
    gaps_only = [p for p in outcome.patches if p.key not in state]
    assert {outcome.arch.entities[p.key].kind for p in gaps_only} == {
        "indicator",
        "milestone",
        "risk",
    }
    assert all(set(p.changes) == {"gaps"} for p in gaps_only)
    assert outcome.counts["written"] == len(state) + len(gaps_only)


def test_second_sync_with_nothing_changed_writes_nothing(demo: Sandbox, tmp_path: Path) -> None:
    config = configure(tmp_path, demo)
    sync(config, demo.clock)
    demo.reset_stats()
    second = sync(config, demo.clock)
    assert demo.count("PUT", EDIT) == 0
    assert demo.count("POST", COMMENT) == 0
    assert second.counts["written"] == 0 and second.patches == []
    assert (
        demo.count("POST", "/rest/api/3/search/jql") + demo.count("GET", "/rest/api/3/search/jql")
        <= 3
    )


def feeds(arch: Any, key: str) -> set[str]:
    """What a change on `key` may move: it, its ancestors, the strategies driving it, and what
    those strategies drive (a strategy's rating caps its targets) with their ancestors."""
    found = {key, *(a.key for a in arch.ancestors(key))}
    for strategy in arch.strategies_for(key):
        found.add(strategy.key)
        for driven in arch.drives(strategy.key):
            found |= {driven.key, *(a.key for a in arch.ancestors(driven.key))}
    return found


def test_one_edit_rewrites_only_that_ticket_and_its_rollups(demo: Sandbox, tmp_path: Path) -> None:
    config = configure(tmp_path, demo)
    first = sync(config, demo.clock)
    assert sync(config, demo.clock).patches == []  # absorbs the updates our own writes made
    keys = demo.demo()["keys"]
    indicator, target = keys["P1-O1-I1"], keys["P1-O1-I1-T1"]
    jira = jira_client(demo)
    jira.issue(indicator).update(fields={demo.field_id("Current value"): 97.0}, notify=False)
    demo.reset_stats()
    third = sync(config, demo.clock)
    assert third.counts["read"] == 1  # only the edited indicator
    written = {p.key for p in third.patches}
    assert target in written
    assert written <= feeds(first.arch, target)
    assert demo.count("PUT", EDIT) == len(written)
    assert sync(config, demo.clock).patches == []


def test_kill_during_apply_converges_without_duplicate_comments(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    def prepared(folder: Path) -> tuple[Sandbox, Config]:
        # The machine's clock: the `rdsync sync` process killed below reads that one.
        sandbox = make_sandbox(seed="demo", clock=Clock())
        config = configure(folder, sandbox)
        sync(config, sandbox.clock)
        jira = jira_client(sandbox)
        for ref, value in (("P1-O1-I1", 60.0), ("P10-O1-I1", 1.0), ("P3-O1-I1", 99.0)):
            jira.issue(sandbox.demo()["keys"][ref]).update(
                fields={sandbox.field_id("Current value"): value}, notify=False
            )
        return sandbox, config

    reference, reference_config = prepared(tmp_path / "reference")
    sync(reference_config, reference.clock)
    expected = tool_state(reference)

    crashed, config = prepared(tmp_path / "crashed")
    crashed.set_faults("issue_edit:slow:1,delay=0.3")
    crashed.reset_stats()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "connector.cli",
            "sync",
            "--config",
            str(tmp_path / "crashed" / "rdsync.toml"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert crashed.wait_for(lambda: crashed.count("PUT", EDIT) >= 2, timeout=60)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    crashed.set_faults(None)
    settle(crashed)  # what the killed run left in flight has landed; a minute on, on its clock
    sync(config, crashed.clock)
    assert tool_state(crashed) == expected
    store = StateStore(config.state_path)
    assert store.integrity() == "ok"
    assert [r.status for r in store.runs()][1] == "running"  # the killed run, never finished
    store.close()
    assert sync(config, crashed.clock).patches == []


def test_a_second_daemon_refuses_to_start(demo: Sandbox, tmp_path: Path) -> None:
    config = configure(tmp_path, demo)
    path = str(tmp_path / "rdsync.toml")
    first = subprocess.Popen(
        [sys.executable, "-m", "connector.cli", "run", "--config", path],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not config.health_path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)  # waits for the daemon process to start and finish its first sync
    assert config.health_path.exists(), "the first daemon never completed a sync"
    second = subprocess.run(
        [sys.executable, "-m", "connector.cli", "run", "--config", path],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 2
    assert f"in use by rdsync pid {first.pid}" in second.stderr
    assert "Traceback" not in second.stderr
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=30) == 0


def test_config_example_loads(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "config.example.toml"
    config = load_config(example, env={"RDSYNC_JIRA_TOKEN": "t", "RDSYNC_AIRTABLE_TOKEN": "t"})
    assert set(config.sources) == {"jira", "airtable"}
    assert config.schedule.sync_minutes == 15


def test_the_demo_command_runs_the_whole_flow(tmp_path: Path) -> None:
    """README's second command: sandbox, config, full sync with write-back, ratings, report."""
    workdir = tmp_path / "demo"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "connector.cli", "demo", "--workdir", str(workdir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 60
    out = result.stdout
    assert "rdsync full sync: read 132 records" in out
    assert "0 refused" in out and "DEL-1 " in out
    assert "of the planned gain" in out  # the evidence behind a rating is quoted
    for fmt in ("html", "pdf", "xlsx", "json"):
        assert f"report ({fmt}): " in out
        assert list((workdir / "reports").glob(f"crdo-report-*.{fmt}"))
    assert (workdir / "state.sqlite").exists()
    assert "sandbox-token" not in (workdir / "rdsync.toml").read_text()
