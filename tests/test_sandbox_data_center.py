"""The sandbox in `mode="server"` answers as Jira Data Center does, through the real client:
users by username and key, hidden e-mail, wiki markup kept, Parent Link and Epic Link, API v2
only, and Basic username:password or a Bearer personal access token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from jira import JIRA
from jira.exceptions import JIRAError

from connector.sandbox.server import Sandbox

pytestmark = pytest.mark.e2e

WIKI = "h3. Intermediate targets\n# *2026-06-30*: 58\n# 2027-06-30: 61 [~admin]"


def dc_client(server: Sandbox, **auth: Any) -> JIRA:
    return JIRA(
        server=server.url,
        options={"rest_api_version": "2"},
        max_retries=0,
        timeout=10,
        **(auth or {"token_auth": server.token}),
    )


@pytest.fixture(scope="module")
def server() -> Any:
    """One empty Data Center site for the module (its own, so that edits stay here)."""
    from connector.sandbox.server import start_sandbox
    from tests.conftest import ANCHOR, site_clock

    with start_sandbox(seed="demo", mode="server", anchor=ANCHOR, clock=site_clock()) as site:
        yield site


def test_users_have_a_username_and_key_no_account_id_and_a_hidden_email(server: Sandbox) -> None:
    client = dc_client(server)
    me = client.myself()
    assert (me["name"], me["emailAddress"]) == ("admin", server.email)  # one's own: shown
    assert me["key"].startswith("JIRAUSER") and "accountId" not in me
    owner_field = server.field_id("Accountable owner")
    owner = client.issue(server.demo()["keys"]["P1"], fields=owner_field).raw["fields"][
        owner_field
    ][0]
    assert set(owner) == {"self", "key", "name", "avatarUrls", "displayName", "active", "timeZone"}
    assert owner["self"].endswith(f"/rest/api/2/user?username={owner['name']}")
    by_key = client._get_json("user", params={"key": owner["key"]})
    assert by_key["name"] == owner["name"] and "emailAddress" not in by_key


def test_user_pickers_take_a_username_or_key_never_an_account_id(server: Sandbox) -> None:
    client = dc_client(server)
    owner_field = server.field_id("Accountable owner")
    issue = client.issue(server.demo()["keys"]["P2"], fields=owner_field)
    me = client.myself()
    issue.update(fields={owner_field: [{"name": "admin"}]}, notify=False)
    assert [u["key"] for u in issue.raw["fields"][owner_field]] == [me["key"]]
    issue.update(fields={owner_field: [{"key": me["key"]}]}, notify=False)
    with pytest.raises(JIRAError) as caught:
        issue.update(fields={owner_field: [{"accountId": "d9affc13a0ae3a0854948dd7"}]})
    assert caught.value.response.json()["errors"] == {
        owner_field: "Specify a valid 'name' for the user"
    }


def test_paragraphs_and_comments_keep_the_wiki_markup_sent(server: Sandbox) -> None:
    client = dc_client(server)
    trajectory = server.field_id("Trajectory")
    issue = client.issue(server.demo()["keys"]["P1-O1-I1-T1"], fields=trajectory)
    assert issue.raw["fields"][trajectory].startswith("# *")  # the demo's, typed as a list
    issue.update(fields={trajectory: WIKI}, notify=False)
    assert client.issue(issue.key, fields=trajectory).raw["fields"][trajectory] == WIKI
    comment = client.add_comment(issue.key, "*Likelihood* fell to 2 - Amber/Red")
    assert comment.raw["body"] == "*Likelihood* fell to 2 - Amber/Red"
    with pytest.raises(JIRAError) as caught:
        issue.update(fields={trajectory: {"type": "doc", "version": 1, "content": []}})
    assert caught.value.status_code == 400  # an ADF document is no wiki markup


def test_the_hierarchy_lives_in_parent_link_and_epic_link(server: Sandbox) -> None:
    client = dc_client(server)
    keys = server.demo()["keys"]
    fields = {f["name"]: f for f in client.fields()}
    parent_link, epic_link = fields["Parent Link"], fields["Epic Link"]
    assert parent_link["schema"]["custom"] == "com.atlassian.jpo:jpo-custom-field-parent"
    assert epic_link["schema"] == {
        "type": "any",
        "custom": "com.pyxis.greenhopper.jira:gh-epic-link",
        "customId": epic_link["schema"]["customId"],
    }
    ids = [parent_link["id"], epic_link["id"], "parent"]
    outcome = client.issue(keys["P1-O1"], fields=ids).raw["fields"]
    assert outcome["parent"] is None and outcome[epic_link["id"]] is None
    assert outcome[parent_link["id"]]["data"]["key"] == keys["P1"]
    assert outcome[parent_link["id"]]["data"]["keyNum"] == int(keys["P1"].split("-")[1])
    target = client.issue(keys["P1-O1-I1-T1"], fields=ids).raw["fields"]
    assert target[epic_link["id"]] == keys["P1-O1-I1"] and target[parent_link["id"]] is None


def test_hierarchy_edits_check_levels_and_parent_is_a_sub_tasks_field(server: Sandbox) -> None:
    client = dc_client(server)
    keys = server.demo()["keys"]
    parent_link, epic_link = server.field_id("Parent Link"), server.field_id("Epic Link")
    target = client.issue(keys["P1-O1-I1-T1"], fields=epic_link)
    target.update(fields={epic_link: keys["P1-O1-I2"]}, notify=False)
    assert target.raw["fields"][epic_link] == keys["P1-O1-I2"]
    history = client.issue(target.key, expand="changelog").raw["changelog"]["histories"][0]
    assert history["items"][0]["fromString"] == keys["P1-O1-I1"]
    refused = {
        epic_link: keys["P1"],  # a priority is no epic
        parent_link: keys["P1-O1"],  # a target sits below the Epic level
        "parent": {"key": keys["P1-O1-I1"]},
    }
    for field, value in refused.items():
        with pytest.raises(JIRAError) as caught:
            target.update(fields={field: value}, notify=False)
        assert caught.value.status_code == 400 and field in caught.value.response.json()["errors"]
    indicator = client.issue(keys["P1-O1-I1"], fields=parent_link)
    indicator.update(fields={parent_link: keys["P2-O1"]}, notify=False)
    assert indicator.raw["fields"][parent_link]["data"]["key"] == keys["P2-O1"]


def test_api_v2_only_and_a_pat_or_a_password_signs_in(
    server: Sandbox, jira_for: Callable[..., JIRA]
) -> None:
    assert dc_client(server).server_info()["deploymentType"] == "Server"
    assert dc_client(server, basic_auth=("admin", server.token)).myself()["name"] == "admin"
    for auth in ({"token_auth": "not-the-pat"}, {"basic_auth": ("admin", "wrong")}):
        with pytest.raises(JIRAError) as caught:
            dc_client(server, **auth)
        assert caught.value.status_code == 401
    with pytest.raises(JIRAError) as caught:
        jira_for(server)  # a Cloud client: API v3 does not exist on Data Center
    assert caught.value.status_code == 404
