"""The sandbox's filters, dashboards, gadgets and dashboard item properties, 2xx and 4xx, against
Atlassian's OpenAPI spec, and what Jira does with them (names unique per owner, JQL checked on
save, shares to known groups only, a gadget placed where another is pushing it down)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from connector.sandbox.jira.gadgets import BUILT_IN
from connector.sandbox.server import Sandbox
from tests.jira_spec import API, check, needs_spec

pytestmark = needs_spec
PIE = BUILT_IN["com.atlassian.jira.gadgets:pie-chart-gadget"]
GROUP = [{"type": "group", "group": {"name": "jira-software-users"}}]


def _caller(sandbox: Sandbox, email: str, token: str) -> Callable[..., requests.Response]:
    session = requests.Session()
    session.auth = (email, token)

    def do(method: str, path: str, expect: int, **kwargs: Any) -> requests.Response:
        response = session.request(method, sandbox.url + API + path, timeout=10, **kwargs)
        assert response.status_code == expect, response.text
        check(sandbox, response)
        return response

    return do


@pytest.fixture
def site(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox(seed="demo")


@pytest.fixture
def call(site: Sandbox) -> Callable[..., requests.Response]:
    return _caller(site, site.email, site.token)


def test_filters_match_the_spec(call: Any, site: Sandbox) -> None:
    likelihood = site.field_id("Delivery likelihood").removeprefix("customfield_")
    jql = f'project = DEL AND cf[{likelihood}] in ("1 - Red") ORDER BY cf[{likelihood}]'
    body = {"name": "Reds", "jql": jql, "sharePermissions": GROUP}
    made = call("POST", "/filter", 200, json=body).json()
    assert (
        made["jql"] == jql
        and made["sharePermissions"][0]["group"]["name"] == GROUP[0]["group"]["name"]
    )
    refused = call("POST", "/filter", 400, json={**body, "name": "reds"}).json()
    assert refused["errors"] == {"filterName": "A filter with this name already exists."}
    for bad in (
        '"Delivery likelihood" = "9 - Purple"',
        "nothing = 1",
        "project = DEL ORDER BY cf[99999]",
        '"Accountable owner" ~ "x"',
        "project = DEL AND",
    ):
        assert (
            "jql" in call("POST", "/filter", 400, json={"name": "x", "jql": bad}).json()["errors"]
        )
    unknown = [{"type": "group", "group": {"name": "nobody"}}]
    call("POST", "/filter", 400, json={"name": "y", "jql": "", "sharePermissions": unknown})
    call("POST", "/filter", 400, json={"jql": "project = DEL"})
    call("GET", f"/filter/{made['id']}", 200)
    call("GET", "/filter/99999", 400)
    changed = call("PUT", f"/filter/{made['id']}", 200, json={"description": "Reds only"}).json()
    assert changed["jql"] == jql and changed["sharePermissions"]  # what the body left out is kept
    call("PUT", f"/filter/{made['id']}", 400, json={"jql": "summary = x"})
    page = call(
        "GET",
        "/filter/search",
        200,
        params={"filterName": "red", "isSubstringMatch": "true", "expand": "jql,owner"},
    ).json()
    assert [f["name"] for f in page["values"]] == ["Reds"] and "jql" in page["values"][0]
    bare = call("GET", "/filter/search", 200, params={"filterName": "Reds"}).json()["values"][0]
    assert set(bare) == {"expand", "self", "id", "name"}
    call("GET", "/filter/search", 400, params={"expand": "everything"})
    call("GET", "/filter/my", 200)


def test_another_account_neither_sees_nor_edits_a_group_shared_filter(
    call: Any, site: Sandbox
) -> None:
    made = call("POST", "/filter", 200, json={"name": "Mine", "jql": "", "sharePermissions": GROUP})
    other = _caller(site, "member@example.gov", site.add_account("member@example.gov", "Mo"))
    other("GET", f"/filter/{made.json()['id']}", 400)
    other("PUT", f"/filter/{made.json()['id']}", 400, json={"name": "Theirs"})
    assert other("GET", "/filter/search", 200).json()["values"] == []
    # Names are unique per owner: another account may use the same one.
    other("POST", "/filter", 200, json={"name": "Mine", "jql": ""})


def test_a_filters_share_permissions_match_the_spec(call: Any, site: Sandbox) -> None:
    made = call("POST", "/filter", 200, json={"name": "Shared", "jql": "", "favourite": True})
    base = f"/filter/{made.json()['id']}/permission"
    assert call("GET", base, 200).json() == []
    added = call("POST", base, 201, json={"type": "group", "groupname": "site-admins"}).json()
    call("POST", base, 400, json={"type": "group", "groupname": "site-admins"})  # already
    call("POST", base, 400, json={"type": "group", "groupname": "nobody"})
    call("POST", base, 400, json={"type": "planet"})
    call("POST", base, 400, json={"type": "project", "projectId": "DEL"})  # an id, not a key
    del_id = call("GET", "/project/DEL", 200).json()["id"]
    project = call("POST", base, 201, json={"type": "project", "projectId": del_id}).json()
    assert [p["type"] for p in project] == ["group", "project"]
    first = added[0]["id"]
    call("GET", f"{base}/{first}", 200)
    call("DELETE", f"{base}/{first}", 204)
    call("GET", f"{base}/{first}", 404)
    call("DELETE", f"{base}/{first}", 404)
    call("GET", "/filter/99999/permission", 404)
    assert [f["name"] for f in call("GET", "/filter/favourite", 200).json()] == ["Shared"]


def test_dashboards_match_the_spec(call: Any) -> None:
    body = {"name": "Delivery", "sharePermissions": GROUP, "editPermissions": []}
    made = call("POST", "/dashboard", 200, json=body).json()
    call("POST", "/dashboard", 400, json={**body, "name": "DELIVERY"})
    call("POST", "/dashboard", 400, json={"name": "No permissions given"})
    call("POST", "/dashboard", 400, json={**body, "name": "x", "sharePermissions": [{"type": "?"}]})
    call("GET", f"/dashboard/{made['id']}", 200)
    call("GET", "/dashboard/99999", 404)
    call("GET", "/dashboard", 200, params={"filter": "my"})
    call("GET", "/dashboard", 400, params={"filter": "theirs"})
    found = call(
        "GET", "/dashboard/search", 200, params={"dashboardName": "deliv", "expand": "description"}
    ).json()["values"]
    assert [d["id"] for d in found] == [made["id"]]
    call("GET", "/dashboard/search", 400, params={"orderBy": "colour"})
    renamed = call("PUT", f"/dashboard/{made['id']}", 200, json={**body, "description": "D"})
    assert renamed.json()["description"] == "D"
    call("PUT", "/dashboard/99999", 404, json=body)


def test_gadgets_and_their_config_match_the_spec(call: Any, site: Sandbox) -> None:
    board = call(
        "POST", "/dashboard", 200, json={"name": "G", "sharePermissions": [], "editPermissions": []}
    ).json()["id"]
    gadgets = f"/dashboard/{board}/gadget"
    at = {"row": 0, "column": 0}
    first = call("POST", gadgets, 200, json={"uri": PIE, "color": "blue", "position": at}).json()
    second = call("POST", gadgets, 200, json={"uri": PIE, "title": "On top", "position": at})
    placed = {g["id"]: g["position"] for g in call("GET", gadgets, 200).json()["gadgets"]}
    assert placed == {second.json()["id"]: at, first["id"]: {"row": 1, "column": 0}}
    call("POST", gadgets, 400, json={"uri": PIE, "moduleKey": "com.atlassian.jira.gadgets:x"})
    call("POST", gadgets, 400, json={})
    call("POST", gadgets, 400, json={"uri": "rest/gadgets/1.0/g/nobody:gadget.xml"})
    call("POST", gadgets, 400, json={"uri": PIE, "color": "orange"})
    call("POST", gadgets, 400, json={"uri": PIE, "position": {"row": 0, "column": 2}})
    call("POST", "/dashboard/99999/gadget", 404, json={"uri": PIE})
    call("PUT", f"{gadgets}/{first['id']}", 204, json={"position": at, "color": "red"})
    listed = call("GET", gadgets, 200, params={"gadgetId": first["id"]}).json()["gadgets"]
    assert listed[0]["position"] == at and listed[0]["color"] == "red"
    call("PUT", f"{gadgets}/99999", 404, json={"color": "red"})
    item = f"/dashboard/{board}/items/{first['id']}/properties"
    call("GET", f"{item}/config", 404)
    call("PUT", f"{item}/config", 201, json={"projectOrFilterId": "filter-10000"})
    call("PUT", f"{item}/config", 200, json={"projectOrFilterId": "filter-10001"})
    call("PUT", f"{item}/config", 400, json={"filterId": 10000})  # a spec URI's config: strings
    assert call("GET", f"{item}/config", 200).json()["value"] == {
        "projectOrFilterId": "filter-10001"
    }
    assert [k["key"] for k in call("GET", item, 200).json()["keys"]] == ["config"]
    call("GET", f"/dashboard/{board}/items/99999/properties", 404)
    other = _caller(site, "member@example.gov", site.add_account("member@example.gov", "Mo"))
    other("GET", gadgets, 404)


def test_data_center_has_no_dashboard_or_gadget_api(make_sandbox: Callable[..., Sandbox]) -> None:
    server = make_sandbox(seed="empty", mode="server")
    session = requests.Session()
    session.auth = (server.email, server.token)
    api = f"{server.url}/rest/api/2"
    body = {"name": "D", "sharePermissions": [], "editPermissions": []}
    assert session.post(f"{api}/dashboard", json=body, timeout=10).status_code == 404
    assert session.get(f"{api}/dashboard/search", timeout=10).status_code == 404
    assert session.get(f"{api}/dashboard", timeout=10).status_code == 200
    assert session.get(f"{api}/filter/search", timeout=10).status_code == 404
    made = session.post(f"{api}/filter", json={"name": "F", "jql": "project = DEL"}, timeout=10)
    assert made.status_code == 200
    shared = session.post(
        f"{api}/filter/{made.json()['id']}/permission",
        json={"type": "group", "groupname": "jira-software-users"},
        timeout=10,
    )
    assert shared.status_code == 201
