"""The sandbox endpoints routines use, answering as the real services do: Jira's attachments
(multipart `file`, the XSRF header, Atlassian's spec) and Airtable's record comments and
uploadAttachment."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import pyairtable
import pytest
import requests

from connector.sandbox.airtable.seed import BASE_ID
from connector.sandbox.server import Sandbox
from tests.jira_spec import API, check, needs_spec


def session(site: Sandbox) -> requests.Session:
    s = requests.Session()
    s.auth = (site.email, site.token)
    return s


@needs_spec
def test_jira_attachments_take_multipart_with_the_xsrf_header_only(sandbox: Sandbox) -> None:
    jira = session(sandbox)
    created = jira.post(
        sandbox.url + API + "/issue",
        json={"fields": {"project": {"key": "DEL"}, "issuetype": {"name": "Priority"},
                         "summary": "Attach here"}},
        timeout=10,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    url = f"{sandbox.url}{API}/issue/{created.json()['key']}/attachments"
    files = {"file": ("pack.pdf", io.BytesIO(b"%PDF-1.7 pack"), "application/pdf")}

    refused = jira.post(url, files=files, timeout=10)
    assert refused.status_code == 403 and "XSRF check failed" in refused.text

    plain = jira.post(
        url, json={"file": "x"}, headers={"X-Atlassian-Token": "no-check"}, timeout=10
    )
    assert plain.status_code == 415

    files = {"file": ("pack.pdf", io.BytesIO(b"%PDF-1.7 pack"), "application/pdf")}
    added = jira.post(url, files=files, headers={"X-Atlassian-Token": "no-check"}, timeout=10)
    assert added.status_code == 200, added.text
    check(sandbox, added)
    [attachment] = added.json()
    assert (attachment["filename"], attachment["size"]) == ("pack.pdf", 13)
    assert jira.get(attachment["content"], timeout=10).content == b"%PDF-1.7 pack"
    issue = jira.get(url.removesuffix("/attachments"), params={"fields": "attachment"}, timeout=10)
    assert [a["id"] for a in issue.json()["fields"]["attachment"]] == [attachment["id"]]


def test_the_jira_client_attaches_a_file(jira: Any, sandbox: Sandbox) -> None:
    issue = jira.create_issue(project="DEL", issuetype={"name": "Priority"}, summary="Client")
    jira.add_attachment(issue=issue.key, attachment=io.BytesIO(b"abc"), filename="a.pdf")
    assert [a.filename for a in jira.issue(issue.key, fields="attachment").fields.attachment] == [
        "a.pdf"
    ]


@pytest.fixture
def priorities(demo_sandbox: Sandbox) -> Iterator[Any]:
    """The demo's Priorities table; its 5-a-second limit is off while a test here makes its
    quick calls (the limit is tested on its own), and back on afterwards."""
    api = pyairtable.Api(demo_sandbox.token, endpoint_url=demo_sandbox.url, retry_strategy=None)
    limit = demo_sandbox.airtable.rate_limit_per_second
    demo_sandbox.airtable.rate_limit_per_second = None
    try:
        yield api, api.base(BASE_ID).table("Priorities")
    finally:
        demo_sandbox.airtable.rate_limit_per_second = limit
        demo_sandbox.airtable.reset_rate_limits()


def test_airtable_comments_list_the_people_they_mention(
    demo_sandbox: Sandbox, priorities: Any
) -> None:
    api, table = priorities
    record = table.first()
    person = next(iter(demo_sandbox.airtable.store.collaborators(BASE_ID).values()))
    comment = table.add_comment(record["id"], f"@[{person.id}] please update DEL-3")
    assert comment.mentioned[person.id].email == person.email
    assert next(c.id for c in table.comments(record["id"])) == comment.id
    url = table.urls.record_comments(record["id"])
    with pytest.raises(requests.HTTPError) as empty:
        api.post(url, json={"text": " "})
    assert empty.value.response.status_code == 422
    with pytest.raises(requests.HTTPError) as missing:
        api.post(table.urls.record_comments("recDoesNotExist01"), json={"text": "hi"})
    assert missing.value.response.status_code == 404


def test_airtable_upload_attachment_takes_base64_into_an_attachment_field(
    demo_sandbox: Sandbox, priorities: Any
) -> None:
    api, table = priorities
    if "Pack" not in [f.name for f in table.schema().fields]:  # the session's sandbox keeps it
        demo_sandbox.airtable.add_field(
            "Priorities", {"name": "Pack", "type": "multipleAttachments"}
        )
    record = table.first()
    url = f"{demo_sandbox.url}/v0/{BASE_ID}/{record['id']}/Pack/uploadAttachment"
    body = {"contentType": "application/pdf", "file": base64.b64encode(b"%PDF").decode(),
            "filename": "pack.pdf"}  # fmt: skip
    answer = api.post(url, json=body)
    field_id = table.schema(force=True).field("Pack").id
    assert answer["id"] == record["id"]
    assert [(a["filename"], a["size"], a["type"]) for a in answer["fields"][field_id]][-1] == (
        "pack.pdf",
        4,
        "application/pdf",
    )
    url_name = f"{demo_sandbox.url}/v0/{BASE_ID}/{record['id']}/Name/uploadAttachment"
    with pytest.raises(requests.HTTPError) as wrong_field:
        api.post(url_name, json=body)
    assert wrong_field.value.response.status_code == 422
    with pytest.raises(requests.HTTPError) as not_base64:
        api.post(url, json={**body, "file": "%%%"})
    assert not_base64.value.response.status_code == 422
