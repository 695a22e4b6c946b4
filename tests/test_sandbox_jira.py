"""The sandbox's Jira API driven only through the real `jira.JIRA` client (v3, no retries)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from jira import JIRA
from jira.exceptions import JIRAError
from requests import Response

from connector.sandbox.jira.values import number_text
from connector.sandbox.seeds import portfolio
from connector.sandbox.server import Sandbox

pytestmark = pytest.mark.e2e


def adf(text: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def create(client: JIRA, kind: str, summary: str, **fields: Any) -> Any:
    return client.create_issue(
        fields={
            "project": {"key": "DEL"},
            "issuetype": {"name": kind},
            "summary": summary,
            **fields,
        }
    )


def answer(error: JIRAError) -> Response:
    """The HTTP response a JIRAError carries (every error from the sandbox has one)."""
    assert error.response is not None
    return error.response


def field_ids(sandbox: Sandbox, *names: str) -> list[str]:
    return [sandbox.field_id(name) for name in names]


def ticking_clock(start: datetime) -> Callable[[], datetime]:
    """A clock a minute later at every reading: each request happens at its own JQL minute."""
    ticks = itertools.count()
    return lambda: start + timedelta(minutes=next(ticks))


def test_server_info_says_cloud_and_myself_is_the_token_owner(jira: JIRA, sandbox: Sandbox) -> None:
    assert jira.server_info()["deploymentType"] == "Cloud"
    me = jira.myself()
    assert me["emailAddress"] == sandbox.email
    assert len(me["accountId"]) == 24 and me["active"] is True


def test_server_mode_answers_as_data_center_and_pages_with_start_at(make_sandbox: Any) -> None:
    server = make_sandbox(seed="demo", mode="server")
    client = JIRA(
        server=server.url,
        basic_auth=("admin", server.token),  # Data Center logs in with a username
        options={"rest_api_version": "2"},
        max_retries=0,
        timeout=10,
    )
    assert client.server_info()["deploymentType"] == "Server"
    assert client.myself()["name"] == "admin"
    found = client.search_issues("project = DEL ORDER BY key", maxResults=40, startAt=40)
    assert [i.key for i in found][:2] == ["DEL-41", "DEL-42"]
    assert found.total == len(portfolio.build(server.anchor).items)
    assert server.count("GET", "/rest/api/2/search", 200) == 1


def test_paging_a_search_over_260_created_issues(make_sandbox: Any, jira_for: Any) -> None:
    private = make_sandbox(seed="empty")
    client = jira_for(private)
    for n in range(260):
        client.create_issue(
            fields={
                "project": {"key": "DEL"},
                "issuetype": {"name": "Milestone"},
                "summary": f"Milestone {n + 1}",
                "duedate": "2026-06-30",
            },
            prefetch=False,
        )
    private.reset_stats()
    found = client.enhanced_search_issues(
        "project = DEL ORDER BY key ASC", maxResults=0, fields=["summary", "duedate"]
    )
    assert [issue.key for issue in found] == [f"DEL-{n}" for n in range(1, 261)]
    assert found[259].fields.summary == "Milestone 260" and found[0].fields.duedate == "2026-06-30"
    assert private.count("GET", "/rest/api/3/search/jql") == 3  # pages of 100, 100, 60
    assert private.count(path="/rest/api/3/field") == 1  # the client's field-name translation


def test_custom_fields_and_select_options_are_edited_and_read_back(
    jira: JIRA, sandbox: Sandbox
) -> None:
    direction, value, due, trajectory, likelihood, assessed, owner = field_ids(
        sandbox,
        "Direction",
        "Target value",
        "Target date",
        "Trajectory",
        "Delivery likelihood",
        "Last assessed",
        "Accountable owner",
    )
    me = jira.myself()["accountId"]
    target = create(
        jira,
        "Target",
        "95% within four hours",
        **{
            direction: {"value": "Increase"},
            value: 95,
            due: "2028-09-01",
            trajectory: adf("2027-09-01: 90"),
            owner: [{"accountId": me}],
        },
    )
    fields = target.raw["fields"]
    assert fields[direction]["value"] == "Increase" and fields[direction]["self"].endswith(
        f"/rest/api/3/customFieldOption/{fields[direction]['id']}"
    )
    assert (
        fields[value] == 95
        and fields[due] == "2028-09-01"
        and fields[trajectory] == adf("2027-09-01: 90")
    )
    assert [u["accountId"] for u in fields[owner]] == [me]
    target.update(
        fields={
            direction: {"value": "Decrease"},
            likelihood: {"value": "2 - Amber/Red"},
            assessed: "2026-03-31T10:15:00.000+0000",
        },
        notify=False,
    )
    assert target.raw["fields"][direction]["value"] == "Decrease"
    assert target.raw["fields"][likelihood]["value"] == "2 - Amber/Red"
    assert target.raw["fields"][assessed] == "2026-03-31T10:15:00.000+0000"
    puts = [e for e in sandbox.stats()["log"] if e["method"] == "PUT"]
    assert puts[-1]["url"].endswith("?notifyUsers=false") and puts[-1]["status"] == 204


def test_custom_field_names_may_repeat_and_differ_only_in_case(
    make_sandbox: Callable[..., Sandbox], jira_for: Callable[..., JIRA]
) -> None:
    # Jira allows both: two custom fields of one name, and names that differ only in case.
    site = make_sandbox(seed="empty")
    client = jira_for(site)
    seeded = site.field_id("Last assessed")
    body = {"type": CUSTOM + "datetime", "searcherKey": CUSTOM + "datetimerange"}
    made = [
        client._session.post(f"{site.url}/rest/api/3/field", json=body | {"name": name}).json()
        for name in ("Last assessed", "Last Assessed")
    ]
    named = {f["id"]: f["name"] for f in client.fields() if f["name"].lower() == "last assessed"}
    assert named == {
        seeded: "Last assessed",
        made[0]["id"]: "Last assessed",
        made[1]["id"]: "Last Assessed",
    }
    stamps = [f"2026-11-0{day}T09:00:00.000+0000" for day in (1, 2, 3)]
    issue = create(client, "Target", "Three namesakes", **dict(zip(named, stamps, strict=True)))
    held = client.issue(issue.key, fields=",".join(named)).raw["fields"]
    assert [held[fid][:10] for fid in named] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert site.field_id("Last Assessed") == made[1]["id"]  # the exact name first


CUSTOM = "com.atlassian.jira.plugin.system.customfieldtypes:"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "customfield_99999",
            1,
            "Field 'customfield_99999' cannot be set. "
            "It is not on the appropriate screen, or unknown.",
        ),
        (
            "status",
            {"name": "Done"},
            "Field 'status' cannot be set. It is not on the appropriate screen, or unknown.",
        ),
        ("Delivery likelihood", {"value": "9 - Purple"}, "Option value '9 - Purple' is not valid"),
        ("Delivery likelihood", {"id": "1"}, "Option id '1' is not valid"),
        (
            "Delivery likelihood",
            "4 - Green",
            "Could not find valid 'id' or 'value' in the Parent Option object.",
        ),
        ("Current value", "12%", "Operation value must be a number"),
        ("Unit", 12, "Operation value must be a string"),
        ("Target date", "31/03/2028", "Error parsing date string: 31/03/2028"),
        ("Accountable owner", {"accountId": "x"}, "data was not an array"),
        ("Accountable owner", [{"accountId": "nobody"}], "User 'nobody' does not exist."),
    ],
)
def test_bad_edits_get_jiras_400_naming_the_field(
    jira: JIRA, sandbox: Sandbox, field: str, value: Any, message: str
) -> None:
    issue = create(jira, "Indicator", "Share of patients seen in four hours")
    field_id = field if field.startswith(("customfield_", "status")) else sandbox.field_id(field)
    with pytest.raises(JIRAError) as caught:
        issue.update(fields={field_id: value}, notify=False)
    assert caught.value.status_code == 400
    assert answer(caught.value).json() == {"errorMessages": [], "errors": {field_id: message}}


def test_paragraphs_must_be_adf_in_v3(jira: JIRA, sandbox: Sandbox) -> None:
    issue = create(jira, "Strategy", "See and treat")
    rationale = sandbox.field_id("Rationale")
    with pytest.raises(JIRAError) as caught:
        issue.update(fields={rationale: "plain text"}, notify=False)
    assert "Atlassian Document" in answer(caught.value).json()["errors"][rationale]
    issue.update(fields={rationale: adf("Minor injuries are most attendances.")}, notify=False)
    assert issue.raw["fields"][rationale]["content"][0]["content"][0]["text"].startswith("Minor")


def test_update_operations_add_and_remove_values(jira: JIRA, sandbox: Sandbox) -> None:
    (owner,) = field_ids(sandbox, "Accountable owner")
    me = jira.myself()["accountId"]
    issue = create(jira, "Priority", "Faster emergency care", labels=["health"])
    issue.update(
        update={
            "labels": [{"add": "nsw"}, {"remove": "health"}],
            owner: [{"add": {"accountId": me}}],
        }
    )
    assert issue.fields.labels == ["nsw"]
    assert [u["accountId"] for u in issue.raw["fields"][owner]] == [me]
    issue.update(update={owner: [{"remove": {"accountId": me}}]})
    assert issue.raw["fields"][owner] is None


def test_every_edit_moves_updated_and_records_author_and_time(
    make_sandbox: Any, jira_for: Any
) -> None:
    private = make_sandbox(seed="empty", clock=ticking_clock(datetime(2026, 3, 2, 9, tzinfo=UTC)))
    client = jira_for(private)
    (current,) = field_ids(private, "Current value")
    indicator = create(client, "Indicator", "Ambulance handovers within 30 minutes")
    other = create(client, "Indicator", "Untouched")
    before = indicator.fields.updated
    for value in (81.0, 83.5, 86.3):
        indicator.update(fields={current: value}, notify=False)
    assert indicator.fields.updated > before
    unchanged = indicator.fields.updated
    indicator.update(fields={current: 86.3}, notify=False)  # no change: no history, same time
    assert indicator.fields.updated == unchanged
    history = client.issue(indicator.key, expand="changelog").raw["changelog"]
    assert history["total"] == 3
    newest = history["histories"][0]
    assert newest["author"]["accountId"] == client.myself()["accountId"]
    assert newest["created"] == unchanged
    assert newest["items"] == [
        {
            "field": "Current value",
            "fieldtype": "custom",
            "fieldId": current,
            "from": None,
            "fromString": "83.5",
            "to": None,
            "toString": "86.3",
        }
    ]
    since = datetime.fromisoformat(other.fields.updated).strftime("%Y-%m-%d %H:%M")
    changed = client.enhanced_search_issues(
        f'project = DEL AND updated > "{since}"', fields=["updated"]
    )
    assert [i.key for i in changed] == [indicator.key]


def test_long_histories_inline_the_newest_40_in_search_100_on_the_issue_and_page_through(
    make_sandbox: Any, jira_for: Any
) -> None:
    private = make_sandbox(seed="empty", clock=ticking_clock(datetime(2026, 1, 5, tzinfo=UTC)))
    client = jira_for(private)
    (current,) = field_ids(private, "Current value")
    issue = create(client, "Indicator", "Skills trainings delivered")
    for n in range(130):
        client._session.put(issue.self, data=json.dumps({"fields": {current: n}}))
    (found,) = client.enhanced_search_issues(
        f"key = {issue.key}", fields=["summary"], expand="changelog"
    )
    inline = found.raw["changelog"]
    # Search's `total` counts the page (PageOfChangelogs): it cannot tell the history was cut.
    assert (inline["total"], inline["maxResults"], len(inline["histories"])) == (40, 40, 40)
    assert inline["histories"][0]["items"][0]["toString"] == "129"
    alone = client.issue(issue.key, fields="summary", expand="changelog").raw["changelog"]
    assert (alone["total"], alone["maxResults"], len(alone["histories"])) == (130, 100, 100)
    values, start = [], 0
    while True:
        page = client._get_json(f"issue/{issue.key}/changelog", params={"startAt": start})
        values += [h["items"][0]["toString"] for h in page["values"]]
        start += page["maxResults"]
        if page["isLast"]:
            break
    assert values == [str(n) for n in range(130)]


def test_comments_are_stored_and_returned_as_adf(jira: JIRA) -> None:
    issue = create(jira, "Strategy", "Skills trainings in every district")
    comment = jira.add_comment(issue, adf("Likelihood fell to 2 - Amber/Red"))
    assert comment.raw["body"] == adf("Likelihood fell to 2 - Amber/Red")
    assert [c.id for c in jira.comments(issue)] == [comment.id]
    assert jira.comment(issue.key, comment.id).raw["author"]["emailAddress"] == "admin@example.gov"
    with pytest.raises(JIRAError) as caught:
        jira.add_comment(issue, "plain text")
    assert caught.value.status_code == 400


def test_drives_links_show_on_both_issues_and_can_be_deleted(jira: JIRA) -> None:
    strategy = create(jira, "Strategy", "See and treat at triage")
    target = create(jira, "Target", "95% through ED in four hours")
    assert jira.create_issue_link("Drives", strategy.key, target.key).status_code == 201
    (link,) = jira.issue(strategy.key, fields="issuelinks").fields.issuelinks
    assert (link.type.name, link.type.outward, link.outwardIssue.key) == (
        "Drives",
        "drives",
        target.key,
    )
    (back,) = jira.issue(target.key, fields="issuelinks").fields.issuelinks
    assert (back.id, back.inwardIssue.key) == (link.id, strategy.key)
    items = jira.issue(target.key, expand="changelog").raw["changelog"]["histories"][0]["items"]
    assert items[0]["toString"] == f"This issue is driven by {strategy.key}"
    jira.delete_issue_link(link.id)
    assert jira.issue(strategy.key, fields="issuelinks").fields.issuelinks == []


def test_parents_must_sit_one_hierarchy_level_up(jira: JIRA) -> None:
    priority = create(jira, "Priority", "Better jobs")
    outcome = create(jira, "Outcome", "More people in work", parent={"key": priority.key})
    assert outcome.raw["fields"]["parent"]["key"] == priority.key
    assert outcome.raw["fields"]["parent"]["fields"]["issuetype"]["name"] == "Priority"
    with pytest.raises(JIRAError) as caught:
        create(jira, "Target", "150,000 new jobs", parent={"key": priority.key})
    assert answer(caught.value).json()["errors"] == {
        "parent": "Given parent issue does not belong to appropriate hierarchy."
    }


def test_search_fields_expand_and_page_sizes(demo_jira: JIRA, demo_sandbox: Sandbox) -> None:
    total = demo_jira.approximate_issue_count("project = DEL")  # other tests add issues here
    assert total >= len(demo_sandbox.demo()["keys"])
    keys = demo_jira.enhanced_search_issues(
        "project = DEL", maxResults=5000, fields=["key"], json_result=True
    )
    assert len(keys["issues"]) == total and "nextPageToken" not in keys
    page = demo_jira.enhanced_search_issues(
        "project = DEL", maxResults=5000, fields=["summary"], expand="names", json_result=True
    )
    assert (
        len(page["issues"]) == 100
        and page["nextPageToken"]
        and page["names"] == {"summary": "Summary"}
    )
    demo_sandbox.reset_stats()
    posted = demo_jira.enhanced_search_issues(
        "project = DEL", maxResults=0, fields=["summary"], use_post=True
    )
    assert len(posted) == total and len({i.key for i in posted}) == total
    assert demo_sandbox.count("POST", "/rest/api/3/search/jql") == -(-total // 100)
    (one,) = demo_jira.enhanced_search_issues("key = DEL-1", fields=["*all", "-comment"])
    assert "comment" not in one.raw["fields"] and "issuelinks" in one.raw["fields"]
    (two,) = demo_jira.enhanced_search_issues("key = DEL-1", fields=["-description"])
    assert "description" not in two.raw["fields"] and "summary" in two.raw["fields"]
    demo_keys = ", ".join(demo_sandbox.demo()["keys"].values())
    done = demo_jira.approximate_issue_count(f"key in ({demo_keys}) AND statusCategory = Done")
    assert done == sum(
        bool(i.fields.get("Done")) for i in portfolio.build(demo_sandbox.anchor).items
    )


def test_wrong_credentials_get_401_and_bearer_tokens_work(sandbox: Sandbox) -> None:
    with pytest.raises(JIRAError) as caught:
        JIRA(
            server=sandbox.url,
            basic_auth=(sandbox.email, "wrong"),
            options={"rest_api_version": "3"},
            max_retries=0,
            timeout=10,
        )
    assert caught.value.status_code == 401
    bearer = JIRA(
        server=sandbox.url,
        token_auth=sandbox.token,
        options={"rest_api_version": "3"},
        max_retries=0,
        timeout=10,
    )
    assert bearer.myself()["emailAddress"] == sandbox.email


def test_injected_429s_reach_the_client_and_every_request_is_counted(
    sandbox: Sandbox, jira: JIRA
) -> None:
    made: list[int] = []
    jira._session.hooks["response"].append(lambda r, *a, **k: made.append(r.status_code))
    sandbox.reset_stats()  # the client's construction (serverInfo) came before the hook
    sandbox.set_faults("search:429:1,retry-after=7")
    with pytest.raises(JIRAError) as caught:
        jira.enhanced_search_issues("project = DEL", fields=["summary"])
    assert caught.value.status_code == 429 and answer(caught.value).headers["Retry-After"] == "7"
    sandbox.set_faults("429:1,retry-after=date:30")
    with pytest.raises(JIRAError) as caught:
        jira.myself()
    retry_at = parsedate_to_datetime(answer(caught.value).headers["Retry-After"])
    assert timedelta(seconds=25) < retry_at - sandbox.clock() <= timedelta(seconds=31)
    sandbox.set_faults("429:0.3,503:0.2,seed=3")
    for _ in range(20):
        try:
            jira.myself()
        except JIRAError as problem:
            assert problem.status_code in (429, 503)
    stats = sandbox.stats()
    assert stats["total"] == len(made) and {429, 503, 200} <= set(made)
    assert sandbox.count(status=429) == made.count(429)


def test_the_demo_renders_the_portfolio(demo_jira: JIRA, demo_sandbox: Sandbox) -> None:
    built = portfolio.build(demo_sandbox.anchor)
    demo = demo_sandbox.demo()
    keys = demo["keys"]
    current, owner, trajectory = field_ids(
        demo_sandbox, "Current value", "Accountable owner", "Trajectory"
    )
    indicator = demo_jira.issue(keys["P1-O1-I1"], expand="changelog")
    series = built.history["P1-O1-I1"]
    measured = [
        h for h in indicator.raw["changelog"]["histories"] if h["items"][0]["fieldId"] == current
    ]
    assert len(measured) == len(series) >= 24
    assert (
        measured[0]["items"][0]["toString"]
        == number_text(series[-1][1])
        == number_text(indicator.raw["fields"][current])
    )
    assert date.fromisoformat(measured[-1]["created"][:10]) == series[0][0]
    strategy = demo_jira.issue(keys["S1"], fields="issuelinks,status," + owner)
    drives = [lk for lk in strategy.fields.issuelinks if lk.type.name == "Drives"]
    assert {lk.outwardIssue.key for lk in drives} == {keys[t] for t in built.item("S1").drives}
    people = {p.ref: p.jira_account_id for p in built.people}
    owners = built.item("S1").fields["Accountable owner"]
    assert isinstance(owners, list)
    assert [u["accountId"] for u in strategy.raw["fields"][owner]] == [people[r] for r in owners]
    done = demo_jira.issue(keys["S1-M1"], fields="status")
    assert done.fields.status.statusCategory.key == "done"
    (spoiled,) = demo["planted"]["RD901"]
    assert "to be confirmed" in json.dumps(demo_jira.issue(keys[spoiled]).raw["fields"][trajectory])
    (outside,) = demo["planted"]["RD902"]
    links = demo_jira.issue(keys[outside], fields="issuelinks").fields.issuelinks
    assert "OPS-1" in {lk.outwardIssue.key for lk in links if hasattr(lk, "outwardIssue")}
