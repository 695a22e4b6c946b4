"""The sandbox object: seeding once per state file, persistence, stop, bulk seeding."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import requests

from connector.sandbox.server import Sandbox, start_sandbox

pytestmark = pytest.mark.e2e


def test_a_state_file_is_seeded_once_and_keeps_what_clients_wrote(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with start_sandbox(seed="empty", state=state) as first:
        created = requests.post(
            first.url + "/rest/api/3/issue",
            auth=(first.email, first.token),
            json={
                "fields": {
                    "project": {"key": "DEL"},
                    "issuetype": {"name": "Priority"},
                    "summary": "Kept",
                }
            },
            timeout=10,
        )
        assert created.status_code == 201
    with start_sandbox(seed="demo", state=state, email="someone@example.gov") as second:
        assert second.seeded == "empty"
        issue = requests.get(
            second.url + "/rest/api/3/issue/DEL-1", auth=(second.email, second.token), timeout=10
        )
        assert issue.json()["fields"]["summary"] == "Kept"


def test_bad_arguments_are_refused_before_anything_starts() -> None:
    with pytest.raises(ValueError, match="seed 'full' is not one of demo, empty"):
        Sandbox(seed="full")
    with pytest.raises(ValueError, match="mode 'dc' is not one of cloud, server"):
        Sandbox(mode="dc")
    with pytest.raises(ValueError, match="rate '9' must be a number from 0 to 1"):
        Sandbox(faults="429:9")


def test_bulk_seeding_adds_well_formed_plans(make_sandbox: object) -> None:
    sandbox = make_sandbox(seed="empty", anchor=date(2026, 3, 1))  # type: ignore[operator]
    assert sandbox.seed_bulk(25, history=3) == ("DEL-1", "DEL-25")
    auth = (sandbox.email, sandbox.token)
    page = requests.get(
        sandbox.url + "/rest/api/3/search/jql",
        params={
            "jql": "issuetype = Target ORDER BY key",
            "fields": "parent,issuelinks",
            "expand": "changelog",
        },
        auth=auth,
        timeout=10,
    ).json()
    targets = page["issues"]
    assert [t["key"] for t in targets] == ["DEL-4", "DEL-6", "DEL-14", "DEL-16", "DEL-24"]
    assert targets[0]["fields"]["parent"]["fields"]["issuetype"]["name"] == "Indicator"
    assert targets[0]["fields"]["issuelinks"][0]["inwardIssue"]["key"] == "DEL-7"
    indicator = requests.get(
        sandbox.url + "/rest/api/3/issue/DEL-3",
        params={"expand": "changelog"},
        auth=auth,
        timeout=10,
    ).json()
    assert indicator["changelog"]["total"] == 3
    latest = indicator["changelog"]["histories"][0]["items"][0]["toString"]
    assert float(latest) == indicator["fields"][sandbox.field_id("Current value")]


def test_unknown_paths_and_methods_get_jira_style_404_and_405(sandbox: Sandbox) -> None:
    auth = (sandbox.email, sandbox.token)
    missing = requests.get(sandbox.url + "/rest/api/3/screens", auth=auth, timeout=10)
    assert missing.status_code == 404
    assert missing.json() == {
        "errorMessages": ["No resource found for /rest/api/3/screens."],
        "errors": {},
    }
    wrong = requests.delete(sandbox.url + "/rest/api/3/myself", auth=auth, timeout=10)
    assert wrong.status_code == 405
    assert sandbox.count(path="(no route)") == 2
