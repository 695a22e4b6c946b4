"""The comment a rating change adds: what changed and why in a few lines, its idempotency token
out of sight on Jira Cloud (a comment property) and a short last line on Data Center, and the
settlement of an interrupted comment finding the token either way, old comments included."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from connector.sandbox.server import Sandbox
from connector.sources.jira_write import TOKEN_PREFIX
from connector.sync.daemon import Daemon
from connector.sync.state import StateStore
from mappings.readers import read_paragraph
from tests.campaign import configure, settle, sync, team_edits
from tests.test_real_sites import data_center_config

pytestmark = pytest.mark.e2e

COMMENT = "/rest/api/3/issue/{issueIdOrKey}/comment"


def comments(site: Sandbox, key: str, version: str = "3") -> list[dict[str, Any]]:
    """An issue's comments as the tool lists them, each with its text and, on Cloud, its
    properties (read through POST /comment/list?expand=properties)."""
    session = requests.Session()
    if site.mode == "server":
        session.headers["Authorization"] = f"Bearer {site.token}"
    else:
        session.auth = (site.email, site.token)
    api = f"{site.url}/rest/api/{version}"
    page = session.get(f"{api}/issue/{key}/comment", timeout=30).json()
    found = [{"id": c["id"], "text": read_paragraph(c["body"]) or ""} for c in page["comments"]]
    if site.mode != "server" and found:
        ids = {"ids": [int(c["id"]) for c in found]}
        listed = session.post(
            f"{api}/comment/list", params={"expand": "properties"}, json=ids, timeout=30
        ).json()["values"]
        properties = {c["id"]: c.get("properties") or [] for c in listed}
        for comment in found:
            comment["properties"] = properties[comment["id"]]
    return found


def test_a_rating_change_comment_says_what_moved_it_and_hides_its_token(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    site = make_sandbox(seed="demo")
    config = configure(tmp_path, site)
    sync(config, site.clock)
    site.clock.advance(timedelta(days=1))  # the team types a new value the next day
    team_edits(site, "jira")  # the ED four-hour share falls from 84.5% to 60%
    second = sync(config, site.clock)
    keys = site.demo()["keys"]
    target, indicator = keys["P1-O1-I1-T1"], keys["P1-O1-I1"]
    (patch,) = [p for p in second.patches if p.key == target]
    assert patch.comment is not None
    (comment,) = comments(site, target)
    lines = comment["text"].splitlines()
    assert lines[0] == "Delivery likelihood changed from 2 - Amber/Red to 1 - Red."
    assert lines[1].startswith(f'New value of {indicator} "Share of ED patients')
    assert "84.5% on 2026-10-22 → 60% on 2026-11-23; this moved" in lines[1]
    assert "Evidence of progress from Amber/Green to Red" in lines[1]
    assert len(lines) <= 4  # a few lines, never the whole rationale again
    assert "The five judgements" not in comment["text"]
    # The token is nowhere a team reads: it rides in the comment's `rdsync` property.
    assert "rdsync" not in comment["text"]
    store = StateStore(config.state_path)
    try:
        (entry,) = [e for e in store.ledger("done") if e.action == "comment" and e.key == target]
    finally:
        store.close()
    assert comment["properties"] == [{"key": "rdsync", "value": {"token": entry.token}}]
    # A strategy driving the target names the target that moved, and what moved it.
    strategy = keys["S2"]
    (driving,) = comments(site, strategy)
    assert f'{target} "95% of patients through ED within four hours" went from' in (driving["text"])
    assert f"after: new value of {indicator}" in driving["text"]


def test_an_interrupted_comment_is_settled_by_its_property_or_by_an_old_text_token(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """The comments of a run whose POSTs failed (they may have landed) stay pending; the next
    run finds each by its token before posting: here half landed as rdsync now writes them
    (token in the property) and half as rdsync wrote them before (token as the last line), as
    on a site that upgraded in between. Nothing is posted twice."""
    site = make_sandbox(seed="demo")
    config = configure(tmp_path, site, retry={"budget_seconds": 0.5, "max_wait_seconds": 0.1})
    sync(config, site.clock)
    team_edits(site, "jira")
    site.set_faults("comment_add:500:1")
    first = sync(config, site.clock)
    assert first.counts["comments"] == 0
    site.set_faults(None)
    store = StateStore(config.state_path)
    try:
        pending = [e for e in store.ledger("planned") if e.action == "comment"]
    finally:
        store.close()
    assert len(pending) == 10
    session = requests.Session()
    session.auth = (site.email, site.token)
    for n, entry in enumerate(pending):  # what landed before the answers were lost
        text = entry.detail["text"]
        body: dict[str, Any] = {"body": _adf(f"{text}\n{entry.token}" if n % 2 else text)}
        if not n % 2:
            body["properties"] = [{"key": "rdsync", "value": {"token": entry.token}}]
        url = f"{site.url}/rest/api/3/issue/{entry.key}/comment"
        session.post(url, json=body, timeout=30).raise_for_status()
    settle(site)
    site.reset_stats()
    last = sync(config, site.clock)
    assert last.counts["comments_settled"] == 10
    assert site.count("POST", COMMENT) == 0  # every one found: none posted again
    for entry in pending:
        assert len(comments(site, entry.key)) == 1


def test_on_data_center_the_token_is_a_short_last_line(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """Data Center: rdsync keeps the token in the text, as its one last line (this API has no
    bulk read of comment properties); the explanation reads as on Cloud."""
    center = make_sandbox(seed="demo", mode="server")
    config = data_center_config(tmp_path, center)
    sync(config, center.clock)
    center.clock.advance(timedelta(days=1))
    keys = center.demo()["keys"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {center.token}"
    url = f"{center.url}/rest/api/2/issue/{keys['P1-O1-I1']}"
    field = center.field_id("Current value")
    session.put(url, json={"fields": {field: 60.0}}, timeout=30).raise_for_status()
    sync(config, center.clock)
    (comment,) = comments(center, keys["P1-O1-I1-T1"], version="2")
    *said, token = comment["text"].splitlines()
    assert said[0] == "Delivery likelihood changed from 2 - Amber/Red to 1 - Red."
    assert "New value of" in said[1]
    assert token.startswith(TOKEN_PREFIX) and len(token) == len(TOKEN_PREFIX) + 12


def _adf(text: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": line}]}
            for line in text.splitlines()
        ],
    }


def test_the_daemon_says_why_from_the_findings_it_kept_of_the_last_run(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_sandbox(seed="demo")
    config = configure(tmp_path, site)
    daemon = Daemon(config, clock=site.clock)
    first = daemon.sync()
    read_back: list[int] = []
    stored = StateStore.run_findings

    def run_findings(store: StateStore, run_id: int) -> Any:
        read_back.append(run_id)
        return stored(store, run_id)

    monkeypatch.setattr(StateStore, "run_findings", run_findings)
    site.clock.advance(timedelta(days=1))
    team_edits(site, "jira")  # the ED four-hour share falls from 84.5% to 60%
    second = daemon.sync()
    daemon.store.close()
    target = site.demo()["keys"]["P1-O1-I1-T1"]
    (patch,) = [p for p in second.patches if p.key == target]
    assert patch.comment is not None
    # What it says is what a run reading the findings back says (the test above).
    assert "Evidence of progress from Amber/Green to Red" in patch.comment
    (comment,) = comments(site, target)
    assert "84.5% on 2026-10-22 → 60% on 2026-11-23; this moved" in comment["text"]
    assert first.run_id not in read_back  # taken from memory, not parsed again
