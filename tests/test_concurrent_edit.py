"""A team edits a ticket between our read and our write: their edit survives, and the next sync
reads it. rdsync sends only the write-back fields it owns, never a whole record it read."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from connector.clock import Clock
from connector.sandbox.airtable.seed import BASE_ID, TABLES
from connector.sandbox.airtable.store import stable_id
from connector.sandbox.server import Sandbox
from connector.sync.run import Outcome, SyncRun
from connector.sync.state import StateStore
from tests.campaign import configure, sync
from tests.conftest import jira_client

pytestmark = pytest.mark.e2e

TEAM_TITLE = "Retitled by the team while rdsync was judging"


def run_with_hook(config: Any, clock: Clock, hook: Callable[[], None]) -> Outcome:
    """One sync whose `should_stop` (asked after the read and the plan, before each batch of
    writes) runs `hook` once: exactly the moment between our read and our write."""
    done: list[bool] = []

    def between_read_and_write() -> bool:
        if not done:
            hook()
            done.append(True)
        return False

    store = StateStore(config.state_path, clock)
    try:
        run = SyncRun(
            config, store, clock=clock, echo=lambda _: None, should_stop=between_read_and_write
        )
        return run.execute()
    finally:
        store.close()


@pytest.fixture
def demo(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    sandbox = make_sandbox(seed="demo")
    sandbox.airtable.rate_limit_per_second = None
    return sandbox


def test_a_jira_edit_between_our_read_and_our_write_survives(demo: Sandbox, tmp_path: Path) -> None:
    config = configure(tmp_path, demo)
    target = demo.demo()["keys"]["P1-O1-I1-T1"]
    value, likelihood = demo.field_id("Target value"), demo.field_id("Delivery likelihood")
    jira = jira_client(demo)

    def team_edits() -> None:
        jira.issue(target).update(fields={value: 123.0, "summary": TEAM_TITLE}, notify=False)

    outcome = run_with_hook(config, demo.clock, team_edits)
    assert target in {p.key for p in outcome.patches}  # we wrote that very ticket afterwards
    fields = jira.issue(target).raw["fields"]
    assert fields[value] == 123.0 and fields["summary"] == TEAM_TITLE
    assert fields[likelihood]["value"] == outcome.assessments[target].likelihood.option
    after = sync(config, demo.clock)
    assert after.arch.get(target).target_value == 123.0  # type: ignore[union-attr]
    assert after.arch.get(target).name == TEAM_TITLE  # type: ignore[union-attr]


def test_a_jira_edit_landing_while_our_writes_are_in_flight_survives(
    demo: Sandbox, tmp_path: Path
) -> None:
    """The server holds every edit for 0.3 s; the team's lands while ours are held there."""
    config = configure(tmp_path, demo)
    keys = demo.demo()["keys"]
    target, value = keys["P1-O1-I1-T1"], demo.field_id("Target value")
    jira = jira_client(demo)
    sync(config, demo.clock)
    jira.issue(keys["P1-O1-I1"]).update(fields={demo.field_id("Current value"): 97.0})
    edits: list[threading.Thread] = []

    def team_edits_soon() -> None:
        def edit() -> None:
            jira.issue(target).update(fields={value: 77.5, "summary": TEAM_TITLE}, notify=False)

        edits.append(threading.Thread(target=edit))
        edits[0].start()

    demo.reset_stats()
    demo.set_faults("issue_edit:slow:1,delay=0.3")
    outcome = run_with_hook(config, demo.clock, team_edits_soon)
    edits[0].join(timeout=30)
    demo.set_faults(None)
    assert target in {p.key for p in outcome.patches}
    held = [e for e in demo.stats()["log"] if e["endpoint"] == "jira.issue_edit"]
    assert len(held) == len(outcome.patches) + 1  # ours and the team's, all held 0.3 s
    fields = jira.issue(target).raw["fields"]
    assert fields[value] == 77.5 and fields["summary"] == TEAM_TITLE
    assert sync(config, demo.clock).arch.get(target).target_value == 77.5  # type: ignore[union-attr]


def test_an_airtable_edit_between_our_read_and_our_write_survives(
    demo: Sandbox, tmp_path: Path
) -> None:
    config = configure(tmp_path, demo, "airtable", source={"requests_per_second": 50})
    target = stable_id("rec", "item", "P1-O1-I1-T1")
    url = f"{demo.url}/v0/{BASE_ID}/{TABLES['target']}/{target}"
    headers = {"Authorization": f"Bearer {demo.token}"}

    def team_edits() -> None:
        body = {"fields": {"Target value": 123, "Name": TEAM_TITLE}}
        requests.patch(url, json=body, headers=headers, timeout=10).raise_for_status()

    outcome = run_with_hook(config, demo.clock, team_edits)
    assert target in {p.key for p in outcome.patches}
    fields = requests.get(url, headers=headers, timeout=10).json()["fields"]
    assert fields["Target value"] == 123 and fields["Name"] == TEAM_TITLE
    assert fields["Delivery likelihood"] == outcome.assessments[target].likelihood.option
    after = sync(config, demo.clock)
    assert after.arch.get(target).target_value == 123  # type: ignore[union-attr]
    assert after.arch.get(target).name == TEAM_TITLE  # type: ignore[union-attr]
