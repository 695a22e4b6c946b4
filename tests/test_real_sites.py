"""Sites as people really run them, end to end through the real `jira` client: a Data Center
site (personal access token, startAt paging, users without accountId or e-mail, Parent Link and
Epic Link, wiki markup) syncs as the same portfolio does on Cloud, and a trajectory typed with
Cloud's date picker is judged with its intermediate targets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from jira import JIRA

from connector.cli.demo import TOKEN_FILE
from connector.config import Config, load_config
from connector.sandbox.server import Sandbox
from mappings.model import Target
from tests.campaign import configure, sync
from tests.conftest import jira_client

pytestmark = pytest.mark.e2e

SEARCH = "/rest/api/2/search"
EDIT = "/rest/api/2/issue/{issueIdOrKey}"
ASSESSED = "project = DEL AND issuetype in (Priority, Outcome, Target, Strategy)"


def data_center_config(folder: Path, site: Sandbox) -> Config:
    """A config for a Data Center site: a personal access token, no e-mail, the jira-dc
    mapping."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TOKEN_FILE).write_text(site.token + "\n", encoding="utf-8")
    (folder / "rdsync.toml").write_text(
        f"""[sources.jira]
type = "jira"
url = "{site.url}"
deployment = "server"
auth = "pat"
token_file = "{TOKEN_FILE}"
projects = ["DEL"]
mapping = "jira-dc"

[state]
path = "state.sqlite"
""",
        encoding="utf-8",
    )
    return load_config(folder / "rdsync.toml")


def starts(site: Sandbox) -> list[str]:
    """The startAt of every issue search the site answered, in order."""
    return [
        parse_qs(urlsplit(row["url"]).query)["startAt"][0]
        for row in site.stats()["log"]
        if row["path"] == SEARCH
    ]


def test_a_data_center_site_rates_the_portfolio_as_cloud_does(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    cloud = make_sandbox(seed="demo")
    center = make_sandbox(seed="demo", mode="server")
    on_cloud = sync(configure(tmp_path / "cloud", cloud), cloud.clock, full=True)
    config = data_center_config(tmp_path / "dc", center)
    center.reset_stats()
    on_dc = sync(config, center.clock, full=True)
    assert starts(center) == ["0", "100"]  # 132 issues: pages of 100 by startAt and total
    _assert_data_center_shapes(center, on_dc.reads["jira"].records)
    keys, planted = center.demo()["keys"], center.demo()["planted"]
    found = {(f.code, f.key) for f in on_dc.findings}
    assert found == {(f.code, f.key) for f in on_cloud.findings}
    assert {key for code, key in found if code == "RD107"} == {keys[r] for r in planted["RD107"]}
    assert {key for code, key in found if code == "RD901"} == {keys[r] for r in planted["RD901"]}
    entities = list(on_dc.arch.entities.values())
    assert len(entities) == len(on_cloud.arch) == len(keys)
    for entity in entities:  # parents via Parent Link and Epic Link, owners by user key
        twin = on_cloud.arch.get(entity.key)
        assert twin is not None and entity.parent_key == twin.parent_key, entity.key
        assert on_dc.arch.parent_key(entity.key) == on_cloud.arch.parent_key(entity.key)
        assert [o.name for o in entity.owners] == [o.name for o in twin.owners], entity.key
        assert all(o.id.startswith("JIRAUSER") and o.email is None for o in entity.owners)
        if isinstance(entity, Target):
            assert entity.trajectory == twin.trajectory, entity.key  # type: ignore[attr-defined]
    ratings = {key: a.likelihood for key, a in on_dc.assessments.items()}
    assert ratings == {key: a.likelihood for key, a in on_cloud.assessments.items()}
    client = _data_center_client(center)
    rated = sum("likelihood" in p.changes for p in on_dc.patches)  # the others: gaps only
    _assert_written_as_plain_text(client, center, rated, len(ratings))
    center.reset_stats()
    again = sync(config, center.clock)
    assert again.patches == [] and center.count("PUT", EDIT) == 0
    value = center.field_id("Current value")
    client.issue(keys["P1-O1-I1"]).update(fields={value: 60.0}, notify=False)  # a team's edit
    moved = sync(config, center.clock)
    assert moved.applied.comments >= 1
    for key in moved.applied.commented:  # a comment on a new rating: wiki text, not ADF
        bodies = [c.raw["body"] for c in client.comments(key)]
        assert bodies and all(isinstance(b, str) and "rdsync:" in b for b in bodies), key


def _assert_data_center_shapes(center: Sandbox, records: dict[str, Any]) -> None:
    """What rdsync read is what Data Center sends: no accountId, no e-mail, no `parent`."""
    owner, trajectory = center.field_id("Accountable owner"), center.field_id("Trajectory")
    parent_link, epic_link = center.field_id("Parent Link"), center.field_id("Epic Link")
    fields = [issue["fields"] for issue in records.values()]
    users = [user for f in fields for user in f.get(owner) or ()]
    assert users and all("accountId" not in u and "emailAddress" not in u for u in users)
    assert all(f.get("parent") is None for f in fields)
    assert sum(isinstance(f.get(parent_link), dict) for f in fields) > 20
    assert sum(isinstance(f.get(epic_link), str) for f in fields) > 50
    typed = [f[trajectory] for f in fields if f.get(trajectory)]
    assert typed and all(text.startswith("# *") for text in typed)  # wiki markup lists


def _data_center_client(center: Sandbox) -> JIRA:
    return JIRA(
        server=center.url,
        token_auth=center.token,
        options={"rest_api_version": "2"},
        max_retries=0,
        timeout=10,
    )


def _assert_written_as_plain_text(
    client: JIRA, center: Sandbox, written: int, assessed: int
) -> None:
    ids = [center.field_id(n) for n in ("Delivery likelihood", "Likelihood rationale")]
    issues = client.search_issues(ASSESSED, maxResults=0, fields=ids)
    assert written == len(issues) == assessed
    for issue in issues:
        option, rationale = (issue.raw["fields"][i] for i in ids)
        assert option["value"][0] in "1234", issue.key
        assert isinstance(rationale, str) and rationale.count("\n") >= 4, issue.key


def test_a_trajectory_typed_with_the_date_picker_is_judged_with_its_points(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    site = make_sandbox(seed="demo")
    (ref,) = site.demo()["planted"]["RD309"]  # the target without intermediate targets
    key = site.demo()["keys"][ref]
    config = configure(tmp_path, site)
    assert ("RD309", key) in {(f.code, f.key) for f in sync(config, site.clock).findings}
    client = jira_client(site)
    baseline = date.fromisoformat(client.issue(key).raw["fields"][site.field_id("Baseline date")])
    typed = [(baseline.replace(year=baseline.year + n), value) for n, value in _PLAN]
    client.issue(key).update(fields={site.field_id("Trajectory"): _picked(typed)}, notify=False)
    outcome = sync(config, site.clock)
    target = outcome.arch.get(key)
    assert isinstance(target, Target)
    assert [(p.at, p.value) for p in target.trajectory] == typed
    assert not {f.code for f in outcome.findings if f.key == key} & {"RD309", "RD901"}
    indicator = outcome.arch.indicator_of(target)
    assert indicator is not None
    latest = outcome.arch.series(indicator.key)[-1]
    passed = [point for point in typed if point[0] <= latest.at]
    before, after = passed[-1], typed[len(passed)]  # the points around the latest value
    share = (latest.at - before[0]).days / (after[0] - before[0]).days
    planned = before[1] + (after[1] - before[1]) * share
    evidence = {name: text for name, _rating, text in outcome.assessments[key].judged}
    unit = getattr(indicator, "unit", "")  # "children": the planned value in its unit
    assert f"against {planned:,.0f} {unit} planned" in evidence["Evidence of progress"]


# Years after the baseline, and the value planned then: a front-loaded fall, so that the
# planned value differs from the straight line between baseline and target.
_PLAN = ((1, 3300.0), (2, 3100.0), (3, 3000.0))


def _picked(points: list[tuple[date, float]]) -> dict[str, Any]:
    """A numbered list of `<date picked>: value` items, as Cloud's editor saves it."""
    items = [
        {
            "type": "listItem",
            "content": [
                {
                    "type": "paragraph",
                    "content": [
                        {"type": "date", "attrs": {"timestamp": _millis(day)}},
                        {"type": "text", "text": f": {value:,.0f}"},
                    ],
                }
            ],
        }
        for day, value in points
    ]
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "orderedList", "attrs": {"order": 1}, "content": items}],
    }


def _millis(day: date) -> str:
    return str(int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000))
