"""Every Jira response the sandbox serves, 2xx and 4xx, against Atlassian's OpenAPI spec."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from connector.sandbox.jira.limits import Limits
from connector.sandbox.server import Sandbox
from tests.jira_spec import ADF, API, check, needs_spec

pytestmark = needs_spec


@pytest.fixture
def call(demo_sandbox: Sandbox) -> Any:
    session = requests.Session()
    session.auth = (demo_sandbox.email, demo_sandbox.token)

    def do(method: str, path: str, expect: int, **kwargs: Any) -> requests.Response:
        response = session.request(method, demo_sandbox.url + API + path, timeout=10, **kwargs)
        assert response.status_code == expect, response.text
        check(demo_sandbox, response)
        return response

    return do


def test_site_metadata_matches_the_spec(call: Any, demo_sandbox: Sandbox) -> None:
    for path in (
        "/serverInfo",
        "/myself",
        "/field",
        "/issuetype",
        "/issueLinkType",
        "/status",
        "/project",
    ):
        call("GET", path, 200)
    call("GET", "/project/DEL", 200, params={"expand": "issueTypes"})
    call("GET", "/project/NOPE", 404)
    account = call("GET", "/myself", 200).json()["accountId"]
    call("GET", "/user", 200, params={"accountId": account})
    call("GET", "/user/search", 200, params={"query": "okafor"})


def test_searches_match_the_spec(call: Any) -> None:
    everything = {"jql": "project = DEL", "fields": "*all", "expand": "changelog,names,schema"}
    page = call("GET", "/search/jql", 200, params={**everything, "maxResults": 20}).json()
    call("GET", "/search/jql", 200, params={**everything, "nextPageToken": page["nextPageToken"]})
    call(
        "POST",
        "/search/jql",
        200,
        json={"jql": "issuetype = Target", "fields": ["summary", "parent", "issuelinks"]},
    )
    call(
        "GET",
        "/search/jql",
        200,
        params={"jql": "project = DEL", "fields": "key", "maxResults": 5000},
    )
    call("GET", "/search/jql", 200, params={"jql": "project = DEL"})
    call("POST", "/search/approximate-count", 200, json={"jql": "statusCategory = Done"})
    call("GET", "/search/jql", 400, params={"jql": "project = DEL AND summary ~ x"})
    call("GET", "/search/jql", 400, params={"jql": "ORDER BY key"})
    call("GET", "/search/jql", 400, params={"jql": "project = DEL", "nextPageToken": "garbage"})
    call("POST", "/search/approximate-count", 400, json={"jql": "project ="})
    call("GET", "/search", 410, params={"jql": "project = DEL"})
    call("POST", "/search", 410, json={"jql": "project = DEL"})


def test_issue_reads_and_writes_match_the_spec(call: Any, demo_sandbox: Sandbox) -> None:
    target = demo_sandbox.demo()["keys"]["P1-O1-I1-T1"]
    call("GET", f"/issue/{target}", 200, params={"expand": "changelog,names,schema"})
    call("GET", f"/issue/{target}/changelog", 200, params={"maxResults": 2})
    call("GET", "/issue/DEL-99999", 404)
    created = call(
        "POST",
        "/issue",
        201,
        json={
            "fields": {
                "project": {"key": "DEL"},
                "issuetype": {"name": "Risk"},
                "summary": "Contract risk",
                demo_sandbox.field_id("Mitigation"): ADF,
            },
        },
    ).json()
    key = created["key"]
    likelihood, current = (
        demo_sandbox.field_id("Delivery likelihood"),
        demo_sandbox.field_id("Current value"),
    )
    call(
        "PUT",
        f"/issue/{key}",
        204,
        params={"notifyUsers": "false"},
        json={"fields": {"summary": "Renamed"}},
    )
    call(
        "PUT",
        f"/issue/{key}",
        200,
        params={"returnIssue": "true"},
        json={"fields": {"summary": "Again"}},
    )
    call("PUT", f"/issue/{key}", 400, json={"fields": {"customfield_99999": 1}})
    call("PUT", f"/issue/{key}", 400, json={"fields": {likelihood: {"value": "9 - Purple"}}})
    call("PUT", f"/issue/{key}", 400, json={"fields": {current: "twelve"}})
    call("PUT", "/issue/DEL-99999", 404, json={"fields": {"summary": "x"}})
    call(
        "POST",
        "/issue",
        400,
        json={"fields": {"project": {"key": "DEL"}, "issuetype": {"name": "Risk"}}},
    )
    call("POST", "/issue", 400, json={"fields": {"project": {"key": "NOPE"}, "summary": "x"}})
    call("GET", f"/issue/{key}/transitions", 200)
    call("POST", f"/issue/{key}/transitions", 204, json={"transition": {"id": "31"}})
    call("POST", f"/issue/{key}/transitions", 400, json={"transition": {"id": "99"}})


def test_comments_and_links_match_the_spec(call: Any, demo_sandbox: Sandbox) -> None:
    keys = demo_sandbox.demo()["keys"]
    strategy, target = keys["S4"], keys["P3-O1-I1-T1"]
    comment = call("POST", f"/issue/{strategy}/comment", 201, json={"body": ADF}).json()
    call("GET", f"/issue/{strategy}/comment", 200)
    call("GET", f"/issue/{strategy}/comment/{comment['id']}", 200)
    call("GET", f"/issue/{strategy}/comment/1", 404)
    call("POST", f"/issue/{strategy}/comment", 400, json={"body": "plain text is v2"})
    link = {
        "type": {"name": "Drives"},
        "inwardIssue": {"key": strategy},
        "outwardIssue": {"key": target},
    }
    call("POST", "/issueLink", 201, json=link)
    call("POST", "/issueLink", 404, json={**link, "type": {"name": "Unblocks"}})
    call("POST", "/issueLink", 404, json={**link, "outwardIssue": {"key": "DEL-99999"}})
    issue = call("GET", f"/issue/{strategy}", 200, params={"fields": "issuelinks"}).json()
    link_id = next(
        lk["id"]
        for lk in issue["fields"]["issuelinks"]
        if lk.get("outwardIssue", {}).get("key") == target
    )
    call("GET", f"/issueLink/{link_id}", 200)
    call("DELETE", f"/issueLink/{link_id}", 204)
    call("GET", f"/issueLink/{link_id}", 404)


def test_comment_properties_match_the_spec(call: Any, demo_sandbox: Sandbox) -> None:
    """A property given on create, read back with POST /comment/list?expand=properties (the
    issue's own comment list documents no such expansion) and one by one."""
    strategy = demo_sandbox.demo()["keys"]["S5"]
    token = [{"key": "rdsync", "value": {"token": "rdsync:0123456789ab"}}]
    created = call(
        "POST", f"/issue/{strategy}/comment", 201, json={"body": ADF, "properties": token}
    ).json()
    comment = int(created["id"])
    listed = call(
        "POST", "/comment/list", 200, params={"expand": "properties"}, json={"ids": [comment]}
    )
    assert listed.json()["values"][0]["properties"] == token
    bare = call("POST", "/comment/list", 200, json={"ids": [comment, 1]}).json()
    assert [v["id"] for v in bare["values"]] == [str(comment)] and "properties" not in bare[
        "values"
    ][0]
    page = call("GET", f"/issue/{strategy}/comment", 200, params={"expand": "properties"}).json()
    assert all("properties" not in c for c in page["comments"])
    call("POST", "/comment/list", 400, json={"ids": list(range(1001))})
    call("GET", f"/comment/{comment}/properties", 200)
    call("GET", f"/comment/{comment}/properties/rdsync", 200)
    call("GET", f"/comment/{comment}/properties/other", 404)
    call("PUT", f"/comment/{comment}/properties/other", 201, json={"seen": True})
    call("PUT", f"/comment/{comment}/properties/other", 200, json={"seen": False})
    call("DELETE", f"/comment/{comment}/properties/other", 204)
    call("GET", "/comment/99999999/properties", 404)
    long_key = [{"key": "k" * 256, "value": 1}]
    call("POST", f"/issue/{strategy}/comment", 400, json={"body": ADF, "properties": long_key})


def test_wrong_credentials_get_401_on_every_path(demo_sandbox: Sandbox) -> None:
    for method, path in (("GET", "/myself"), ("GET", "/search/jql"), ("PUT", "/issue/DEL-1")):
        response = requests.request(
            method, demo_sandbox.url + API + path, auth=(demo_sandbox.email, "wrong"), timeout=10
        )
        assert response.status_code == 401
        check(demo_sandbox, response)


@pytest.fixture
def as_user(demo_sandbox: Sandbox) -> Any:
    """Calls as an ordinary user (no Administer Jira, no Administer Projects), each checked."""
    session = requests.Session()
    token = demo_sandbox.add_account("member@example.gov", "Mo Member")
    session.auth = ("member@example.gov", token)

    def do(method: str, path: str, expect: int, **kwargs: Any) -> requests.Response:
        response = session.request(method, demo_sandbox.url + API + path, timeout=10, **kwargs)
        assert response.status_code == expect, response.text
        check(demo_sandbox, response)
        return response

    return do


def test_permissions_and_what_an_ordinary_user_is_refused_match_the_spec(
    call: Any, as_user: Any, demo_sandbox: Sandbox
) -> None:
    asked = {"permissions": "ADMINISTER,ADMINISTER_PROJECTS,EDIT_ISSUES,ADD_COMMENTS"}
    mine = call("GET", "/mypermissions", 200, params=asked).json()["permissions"]
    assert all(p["havePermission"] for p in mine.values())
    theirs = as_user("GET", "/mypermissions", 200, params={**asked, "projectKey": "DEL"})
    held = {key: p["havePermission"] for key, p in theirs.json()["permissions"].items()}
    assert held == {
        "ADMINISTER": False,
        "ADMINISTER_PROJECTS": False,
        "EDIT_ISSUES": True,
        "ADD_COMMENTS": True,
    }
    call("GET", "/mypermissions", 400)
    call("GET", "/mypermissions", 400, params={"permissions": "FLY"})
    call("GET", "/mypermissions", 404, params={**asked, "projectKey": "NOPE"})
    key = demo_sandbox.demo()["keys"]["S4"]
    refused = as_user(
        "PUT",
        f"/issue/{key}",
        403,
        params={"notifyUsers": "false"},
        json={"fields": {"summary": "Quietly renamed"}},
    )
    assert refused.json()["errorMessages"] == [
        "To discard the user notification either admin or project admin permissions are required."
    ]
    field = demo_sandbox.field_id("Delivery likelihood")
    as_user("GET", f"/field/{field}/context", 403)
    as_user("GET", f"/field/{field}/context/{int(field.split('_')[1]) + 10000}/option", 403)
    as_user("POST", "/field", 400, json={"name": "Mine", "type": "x"})


def test_the_bulk_changelog_fetch_matches_the_spec(call: Any, demo_sandbox: Sandbox) -> None:
    keys = demo_sandbox.demo()["keys"]
    indicators = [keys["P1-O1-I1"], keys["P3-O1-I1"]]
    value = demo_sandbox.field_id("Current value")
    body = {"issueIdsOrKeys": indicators, "fieldIds": [value], "maxResults": 3}
    first = call("POST", "/changelog/bulkfetch", 200, json=body).json()
    rest = call("POST", "/changelog/bulkfetch", 200, json={**body, "maxResults": 1000}).json()
    assert "nextPageToken" in first and "nextPageToken" not in rest
    assert sum(len(log["changeHistories"]) for log in first["issueChangeLogs"]) == 3
    following = {**body, "nextPageToken": first["nextPageToken"]}
    call("POST", "/changelog/bulkfetch", 200, json=following)
    items = [
        i for log in rest["issueChangeLogs"] for h in log["changeHistories"] for i in h["items"]
    ]
    assert items and {i["fieldId"] for i in items} == {value}
    call("POST", "/changelog/bulkfetch", 400, json={"issueIdsOrKeys": []})
    call("POST", "/changelog/bulkfetch", 400, json={**body, "nextPageToken": "garbage"})
    call(
        "POST", "/changelog/bulkfetch", 400, json={**body, "fieldIds": [str(n) for n in range(11)]}
    )


def test_the_gateway_and_rate_limits_answer_as_the_spec_says(
    call: Any, demo_sandbox: Sandbox
) -> None:
    session = requests.Session()
    session.auth = (demo_sandbox.email, demo_sandbox.token)
    through = session.get(f"{demo_sandbox.gateway_url}{API}/myself", timeout=10)
    assert through.status_code == 200 and through.json()["self"].startswith(
        demo_sandbox.gateway_url
    )
    check(demo_sandbox, through)
    info = session.get(f"{demo_sandbox.gateway_url}{API}/serverInfo", timeout=10).json()
    assert info["baseUrl"] == demo_sandbox.url  # the site's own address
    assert (
        session.get(f"{demo_sandbox.url}/ex/jira/other{API}/myself", timeout=10).status_code == 404
    )
    key = demo_sandbox.demo()["keys"]["S4"]
    demo_sandbox.jira.limits = Limits(issue_writes=((1, 60.0),))
    try:
        call("PUT", f"/issue/{key}", 204, json={"fields": {"summary": "Once"}})
        limited = call("PUT", f"/issue/{key}", 429, json={"fields": {"summary": "Twice"}})
    finally:
        demo_sandbox.jira.limits = Limits()
    assert limited.headers["RateLimit-Reason"] == "jira-per-issue-on-write"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["X-RateLimit-Reset"].endswith("Z")
