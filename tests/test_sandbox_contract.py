"""Every Jira response the sandbox serves, 2xx and 4xx, against Atlassian's OpenAPI spec."""

from __future__ import annotations

from typing import Any

import pytest
import requests

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
