"""One ticket that keeps failing never stops the others: it is refused with its reason (RD905,
the run summary, the report's data quality), retried by the next run; a dead site still fails
the run, naming the source."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from connector.cli.report import report_data
from connector.sandbox.server import Sandbox
from connector.sources.retry import ToolUnavailable
from connector.sync.state import StateStore
from reports.document import build_document
from tests.campaign import configure, settle, snapshot, sync, team_edits

pytestmark = pytest.mark.e2e

# A short retry budget: a broken ticket costs the run this long, not the default two minutes.
QUICK = {"budget_seconds": 0.5, "max_wait_seconds": 0.1, "initial_wait_seconds": 0.02}
EDIT = "/rest/api/3/issue/{issueIdOrKey}"


@pytest.fixture
def demo(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox(seed="demo")


def rated(sandbox: Sandbox) -> set[str]:
    """The Jira issues that carry a likelihood option."""
    return {key for key, owned in snapshot(sandbox, "jira").owned.items() if owned[0]}


def test_one_issue_answering_500_is_refused_and_the_others_are_rated(
    demo: Sandbox, tmp_path: Path
) -> None:
    broken = demo.demo()["keys"]["P1-O1-I1-T1"]
    config = configure(tmp_path, demo, retry=QUICK)
    demo.set_faults(f"@{broken}:500:1")
    first = sync(config, demo.clock)
    assert first.counts["refused"] == 1 and first.counts["written"] == len(first.patches) - 1
    ratings = [p for p in first.patches if "likelihood" in p.changes]  # the others: gaps only
    assert broken not in rated(demo) and len(rated(demo)) == len(ratings) - 1
    refusals = [f for f in first.findings if f.code == "RD905"]
    assert [(f.key, f.name) for f in refusals] == [(broken, "write-refused")]
    assert refusals[0].message.startswith(f"{broken} edit could not be sent: Jira kept failing")
    assert "HTTP 500" in refusals[0].message and "next sync" in refusals[0].fix
    assert [e for e in first.errors if broken in e] == [str(first.applied.failures[0])]
    store = StateStore(config.state_path)
    try:
        assert store.runs(1)[0].counts["refused"] == 1 and store.runs(1)[0].status == "ok"
        document = build_document(report_data(config, store), charts=False)  # type: ignore[arg-type]
    finally:
        store.close()
    quality = [(r["code"], r["key"]) for r in document.records("data_quality")]
    assert ("RD905", broken) in quality

    demo.set_faults(None)
    demo.reset_stats()
    second = sync(config, demo.clock)  # retried: the ticket is rated now
    assert [p.key for p in second.patches] == [broken] and second.counts["refused"] == 0
    assert demo.count("PUT", EDIT) == 1 and broken in rated(demo)
    assert not [f for f in second.findings if f.code == "RD905"]


def test_a_comment_that_keeps_failing_is_left_pending_and_added_once_later(
    demo: Sandbox, tmp_path: Path
) -> None:
    """The edit lands, the comment's POST keeps failing (it may have landed: 5xx says
    nothing): the comment stays pending, the next runs look for its token before posting,
    also while the issue's comment list keeps failing (then it waits, never fatal)."""
    config = configure(tmp_path, demo, retry=QUICK)
    sync(config, demo.clock)
    team_edits(demo, "jira")
    demo.set_faults("comment_add:500:1")
    first = sync(config, demo.clock)
    assert first.counts["comments"] == 0 and first.counts["written"] == len(first.patches)
    assert first.counts["refused"] == 10
    assert all("comment" in f.message for f in first.applied.failures)
    settle(demo)
    demo.set_faults("comments:500:1")  # listing comments fails: settling must wait
    waiting = sync(config, demo.clock)
    assert waiting.counts["comments_settled"] == 0 and waiting.patches == []
    store = StateStore(config.state_path)
    pending = [e for e in store.ledger("planned") if e.action == "comment"]
    store.close()
    assert len(pending) == 10
    demo.set_faults(None)
    settle(demo)
    last = sync(config, demo.clock)
    assert last.counts["comments_settled"] == 10
    after = snapshot(demo, "jira")
    assert sum(after.tokens.values()) == 10 and after.duplicates == 0


@pytest.mark.parametrize(
    ("tool", "endpoint"), [("jira", "jira.issue_edit"), ("airtable", "airtable.update_records")]
)
def test_a_site_that_fails_every_write_fails_the_run_naming_the_source(
    demo: Sandbox, tmp_path: Path, tool: str, endpoint: str
) -> None:
    """Not 59 refusals after 59 retry budgets: three writes in a row that kept failing mean
    the site is down, and the run fails, naming the source; nothing is committed."""
    if tool == "airtable":
        demo.airtable.rate_limit_per_second = None  # only the injected faults
    config = configure(tmp_path, demo, tool, retry=QUICK)
    demo.set_faults(f"{endpoint}:503:1,retry-after=none")
    with pytest.raises(ToolUnavailable) as caught:
        sync(config, demo.clock)
    assert caught.value.where == f"sources.{tool}"
    assert "3 writes in a row kept failing" in caught.value.message
    log = demo.stats()["log"]
    sent = {e["url"].split("?")[0] for e in log if e["endpoint"] == endpoint}
    # Jira: three issues edited, not all 59; Airtable: the three batches' table(s).
    assert len(sent) == 3 if tool == "jira" else len(sent) <= 3
    assert sum(e["endpoint"] == endpoint for e in log) < 3 * 40
    store = StateStore(config.state_path)
    try:
        assert store.runs(1)[0].status == "failed" and store.cursor(tool) is None
    finally:
        store.close()
