"""The fault campaign, short: a few seeds of tests/campaign_faults.py (the long run does
50 per tool), and the case where a comment's answer is lost while Jira still adds it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from connector.sandbox.server import Sandbox
from connector.sync.state import StateStore
from tests.campaign import (
    FAST_RETRY,
    configure,
    settle,
    snapshot,
    sync,
    team_edits,
)
from tests.campaign_faults import campaign, fault_spec

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
    the client's timeout); Airtable: seed 5. Every check of the campaign (an edit past the
    cursor's overlap; Jira: an issue answering 500 for a whole run, a shrunk scope); faults
    really met."""
    results = campaign([(4, "jira"), (5, "jira"), (5, "airtable")], workers=3)
    for result in results:
        assert result.ok, result.line()
        assert result.duplicates == result.lost == result.clobbered == result.crashes == 0
        kinds = set(result.faults)
        assert {"429", "drop"} <= kinds or result.tool == "airtable", result.line()
        assert sum(result.faults.values()) >= 0.1 * result.requests, result.line()
        jira = result.tool == "jira"
        assert (result.refused, result.stopped) == ((1, 1) if jira else (0, 0)), result.line()
    # 10 comments for the first edits, 3 for the edit past the overlap, 3 for the last (the
    # broken issue's among them, posted by the run after): none twice, none lost.
    assert sum(r.comments for r in results if r.tool == "jira") == 2 * 16


def test_a_comment_whose_answer_is_lost_is_added_once_by_the_next_run(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """Jira holds every comment 0.5 s, past the client's 0.2 s timeout: rdsync never races
    a comment that may still be in flight; a run once it has surely landed (SyncRun's
    settle_after: a minute, on the site's clock) finds each token, or adds the comment once."""
    sandbox = make_sandbox(seed="demo")
    config = configure(tmp_path, sandbox, retry=FAST_RETRY, source={"timeout_seconds": 0.2})
    sync(config, sandbox.clock)
    team_edits(sandbox, "jira")
    sandbox.set_faults("comment_add:slow:1,delay=0.5")
    first = sync(config, sandbox.clock)
    assert first.counts["comments"] == 0  # every answer timed out: none counted as added
    store = StateStore(config.state_path)
    pending = [e for e in store.ledger("planned") if e.action == "comment"]
    store.close()
    assert len(pending) == 10
    sandbox.set_faults(None)
    hasty = sync(config, sandbox.clock)  # at once: the comments may still be in flight
    assert hasty.counts["comments_pending"] == 10 and hasty.counts["comments_settled"] == 0
    settle(sandbox)  # every held comment has landed, and a minute has passed on its clock
    second = sync(config, sandbox.clock)
    assert second.counts["comments_settled"] == 10 and second.patches == []
    after = snapshot(sandbox, "jira")
    assert sum(after.tokens.values()) == 10 and after.duplicates == 0
    store = StateStore(config.state_path)
    assert not [e for e in store.ledger("planned") if e.action == "comment"]
    store.close()
