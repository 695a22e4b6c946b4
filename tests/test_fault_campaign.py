"""The fault campaign, short: a few seeds of benchmarks/campaign_faults.py (the long run does
50 per tool), and the case where a comment's answer is lost while Jira still adds it."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.campaign import (
    ANCHOR,
    FAST_RETRY,
    SETTLE,
    configure,
    snapshot,
    sync,
    team_edits,
)
from benchmarks.campaign_faults import campaign, fault_spec
from connector.sandbox.server import Sandbox
from connector.state import StateStore

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_fault_spec_mixes_every_kind_and_both_retry_after_forms() -> None:
    even, odd = fault_spec(2, 0.2), fault_spec(3, 0.2)
    for kind in ("429", "500", "502", "503", "slow", "drop"):
        assert f"{kind}:" in even
    rates = [float(item.split(":")[1]) for item in even.split(",") if ":" in item]
    assert sum(rates) == pytest.approx(0.2)
    assert "retry-after=1" in even and "retry-after=date:1" in odd


def test_syncs_through_a_fifth_of_requests_failing_end_as_a_fault_free_run() -> None:
    """Jira: seed 4 (Retry-After in seconds), seed 5 (as an HTTP date, and answers lost past
    the client's timeout); Airtable: seed 5. Every check of the campaign; faults really met."""
    results = campaign([(4, "jira"), (5, "jira"), (5, "airtable")], workers=3)
    for result in results:
        assert result.ok, result.line()
        assert result.duplicates == 0
        kinds = set(result.faults)
        assert {"429", "drop"} <= kinds or result.tool == "airtable", result.line()
        assert sum(result.faults.values()) >= 0.1 * result.requests, result.line()
    assert sum(r.comments for r in results if r.tool == "jira") == 20  # 10 a seed, none twice


def test_a_comment_whose_answer_is_lost_is_added_once_by_the_next_run(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """Jira holds every comment 0.5 s, past the client's 0.2 s timeout: rdsync never races
    a comment that may still be in flight; a run once it has surely landed (SyncRun's
    settle_after: a minute, a second here) finds each token, or adds the comment once."""
    sandbox = make_sandbox(seed="demo", anchor=ANCHOR)
    config = configure(tmp_path, sandbox, retry=FAST_RETRY, source={"timeout_seconds": 0.2})
    sync(config)
    team_edits(sandbox, "jira")
    sandbox.set_faults("comment_add:slow:1,delay=0.5")
    first = sync(config)
    assert first.counts["comments"] == 0  # every answer timed out: none counted as added
    store = StateStore(config.state_path)
    pending = [e for e in store.ledger("planned") if e.action == "comment"]
    store.close()
    assert len(pending) == 10
    sandbox.set_faults(None)
    hasty = sync(config)  # at once: the comments may still be in flight, so none is touched
    assert hasty.counts["comments_pending"] == 10 and hasty.counts["comments_settled"] == 0
    time.sleep(SETTLE.total_seconds())
    second = sync(config)
    assert second.counts["comments_settled"] == 10 and second.patches == []
    after = snapshot(sandbox, "jira")
    assert sum(after.tokens.values()) == 10 and after.duplicates == 0
    store = StateStore(config.state_path)
    assert not [e for e in store.ledger("planned") if e.action == "comment"]
    store.close()
