"""The crash campaign, short: a few seeds of tests/campaign_crash.py (the long run does 50),
the kill that lands between an issue's edit and its comment, and the lock paths."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from connector.clock import Clock
from connector.sandbox.server import Sandbox
from connector.sync.state import StateStore
from tests.campaign import configure, settle, snapshot, sync, team_edits
from tests.campaign_crash import baseline, campaign, lock_paths

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EDIT = "/rest/api/3/issue/{issueIdOrKey}"
COMMENT = EDIT + "/comment"


def test_runs_killed_at_random_points_converge_without_duplicates() -> None:
    results, base = campaign(range(1, 5), workers=2)
    assert base["first"].requests > base["second"].requests > 5
    for result in results:
        assert result.ok, result.line()
        assert result.landed in {"starting", "reading", "writing", "finishing", "finished"}


def test_a_kill_between_an_edit_and_its_comment_loses_no_comment_and_doubles_none(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """Jira drops every comment, so `rdsync sync` edits the first issue whose rating changed
    and then keeps retrying its comment; it is killed there. The ledger holds the comments it
    meant to add: the next run adds that one once, and makes the unedited patches anew."""
    # The machine's clock: the `rdsync sync` process killed below reads that one.
    reference = make_sandbox(seed="demo", clock=Clock())
    reference_config = configure(tmp_path / "reference", reference)
    sync(reference_config, reference.clock)
    team_edits(reference, "jira", reference.anchor)
    sync(reference_config, reference.clock)
    expected = snapshot(reference, "jira").state()

    sandbox = make_sandbox(seed="demo", clock=Clock())
    config = configure(tmp_path / "killed", sandbox)
    sync(config, sandbox.clock)
    team_edits(sandbox, "jira", sandbox.anchor)
    sandbox.set_faults("comment_add:drop:1")
    sandbox.reset_stats()
    command = [sys.executable, "-m", "connector.cli", "sync", "--config", "rdsync.toml"]
    process = subprocess.Popen(
        command, cwd=tmp_path / "killed", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    assert sandbox.wait_for(lambda: sandbox.count("POST", COMMENT) >= 2, timeout=60)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    sandbox.set_faults(None)
    assert sandbox.count("PUT", EDIT) >= 1 and snapshot(sandbox, "jira").tokens == {}
    store = StateStore(config.state_path)
    pending = [e for e in store.ledger("planned") if e.action == "comment"]
    store.close()
    assert len(pending) > 1  # the batch's comments, recorded before its first edit
    settle(sandbox)  # what the killed run left in flight has landed; a minute on, on its clock
    again = sync(config, sandbox.clock)
    assert again.counts["comments_settled"] == 1  # the one whose edit had landed
    store = StateStore(config.state_path)
    left = {e.status for e in store.ledger() if e.action == "comment" and e.run_id == 2}
    store.close()
    assert left == {"done", "superseded"}  # the others: not edited, so planned anew
    after = snapshot(sandbox, "jira")
    assert after.state() == expected and after.duplicates == 0
    assert sync(config, sandbox.clock).patches == []


def test_a_second_sync_by_a_symlink_or_after_deleting_the_lock_file_is_refused_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    """While a first `rdsync sync` posts its 10 comments, a second starts through a symlink to
    the state file, and another after `state.sqlite.lock` is deleted: once each ran beside the
    first and doubled its comments."""
    expected = baseline("second", tmp_path / "base")
    result = lock_paths(tmp_path / "first", expected)
    assert result.ok, result.line()
    assert result.exits == {"symlink": 2, "lock file deleted": 2}
    for said in result.said.values():
        assert "the state store is in use by rdsync pid" in said and "Traceback" not in said
        assert "(rdsync sync --config " in said  # the holder's command
    assert result.first_exit == 0 and result.duplicates == 0
