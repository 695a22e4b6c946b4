"""Routines inside the tools: a comment that mentions a person, and a file attached to the
priority's ticket (Jira) or record (Airtable), each found again by its token after a retry."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from connector.sources.airtable import AirtableSource
from connector.sources.jira import JiraSource
from connector.sources.jira_write import TOKEN_PROPERTY, JiraWriter, adf


def mention_adf(account_id: str, name: str, text: str) -> dict[str, Any]:
    """`text` as ADF, its first paragraph opening with a mention of the account (Jira Cloud
    notifies a mentioned person; the mention node names them by accountId)."""
    first, _, rest = text.partition("\n")
    opening = {
        "type": "paragraph",
        "content": [
            {"type": "mention", "attrs": {"id": account_id, "text": f"@{name}"}},
            {"type": "text", "text": f" {first.strip()}"},
        ],
    }
    body = adf(rest)
    return {"type": "doc", "version": 1, "content": [opening, *body["content"]]}


def jira_mention(
    source: JiraSource, key: str, person_id: str, name: str, text: str, token: str
) -> bool:
    """Comment on `key`, mentioning the person (Cloud: an ADF mention by accountId; Data
    Center: wiki markup [~username]), carrying `token` as rdsync's comments do. False when
    the POST timed out (the next run looks for the token first)."""
    writer = JiraWriter(source, source.config, source.writeback)
    if source.call(f"comments {key}", writer._has_comment, key, token):
        return True
    if source.cloud:
        payload: dict[str, Any] = {
            "body": mention_adf(person_id, name, text),
            "properties": [{"key": TOKEN_PROPERTY, "value": {"token": token}}],
        }
    else:  # wiki markup names the username; the mapping knows people by their user key
        user = source.call(
            f"user {person_id}", source.client._get_json, "user", params={"key": person_id}
        )
        payload = {"body": f"[~{user.get('name') or person_id}] {text}\n{token}"}
    url = f"{writer.api}/issue/{key}/comment"
    source.call(f"comment {key}", source.client._session.post, url, data=json.dumps(payload))
    return True


def jira_attach(source: JiraSource, key: str, filename: str, content: bytes) -> None:
    """POST /issue/{key}/attachments through the client (multipart `file`, with the
    X-Atlassian-Token: no-check header Jira demands); a file of that name already there (a
    retry whose answer was lost) is not sent again."""
    issue = source.call(f"issue {key}", source.client.issue, key, fields="attachment")
    present = getattr(issue.fields, "attachment", None) or []
    if any(getattr(a, "filename", None) == filename for a in present):
        return
    source.call(
        f"attach {key}",
        source.client.add_attachment,
        key,
        attachment=io.BytesIO(content),
        filename=filename,
    )


def airtable_comment(source: AirtableSource, table: str, record_id: str, text: str) -> None:
    """POST /v0/{base}/{table}/{record}/comments; `text` mentions people as @[usrXXX]. The
    same text among the record's newest comments (a retry whose answer was lost) is not
    posted again."""
    url = source.base.table(table).urls.record_comments(record_id)
    page = source.call(f"comments {record_id}", source.api.get, url)
    if any(c.get("text") == text for c in page.get("comments") or []):
        return
    source.call(f"comment {record_id}", source.api.post, url, json={"text": text})


def airtable_upload(
    source: AirtableSource, record_id: str, field: str, filename: str, content: bytes
) -> None:
    """Upload a file into a record's attachment field: POST {content host}/v0/{base}/{record}/
    {field}/uploadAttachment with the file as base64 (Airtable's upload endpoint; pyairtable
    sends it to content.airtable.com, so a configured endpoint_url, e.g. a sandbox, is used as
    the content host instead)."""
    endpoint = source.config.endpoint_url.rstrip("/")
    if endpoint == "https://api.airtable.com":
        endpoint = "https://content.airtable.com"
    url = f"{endpoint}/v0/{source.config.base}/{record_id}/{field}/uploadAttachment"
    body = {
        "contentType": "application/pdf",
        "file": base64.b64encode(content).decode(),
        "filename": filename,
    }
    source.call(f"attach {record_id}", source.api.post, url, json=body)
