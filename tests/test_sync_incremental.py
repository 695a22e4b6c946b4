"""Incremental syncs write records they did not read again: a team's edit past the cursor's
overlap window re-rates the targets, outcomes and priorities above it, read from the store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from connector.sandbox.airtable.store import stable_id
from connector.sandbox.server import Sandbox
from tests.campaign import configure, sync, team_edits

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("tool", ["jira", "airtable"])
def test_an_edit_past_the_overlap_rewrites_records_the_run_did_not_read_again(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path, tool: str
) -> None:
    sandbox = make_sandbox(seed="demo")
    sandbox.airtable.rate_limit_per_second = None  # not what this test is about
    source = {"requests_per_second": 50} if tool == "airtable" else {}
    config = configure(tmp_path, sandbox, tool, source=source)
    sync(config, sandbox.clock)
    assert sync(config, sandbox.clock).patches == []  # absorbs the updates our writes made
    # Past the overlap: the next read asks only for what changed since, nothing it saw before.
    sandbox.clock.advance(timedelta(seconds=config.sources[tool].overlap_seconds + 60))
    team_edits(sandbox, tool)
    edited = sync(config, sandbox.clock)
    read = set(edited.reads[tool].records)
    assert len(read) == (3 if tool == "jira" else 6)  # the three indicators (+ measurements)
    written = {p.key for p in edited.patches}
    target = (
        sandbox.demo()["keys"]["P1-O1-I1-T1"]
        if tool == "jira"
        else stable_id("rec", "item", "P1-O1-I1-T1")
    )
    assert target in written and target not in read  # rated anew from the stored copy
    assert edited.counts["written"] == len(written) and edited.counts["refused"] == 0
    # Written right: a full read of everything now finds nothing left to write.
    assert sync(config, sandbox.clock, full=True, dry_run=True).patches == []
    assert sync(config, sandbox.clock).patches == []
