"""Issue attachments, as Jira takes them: POST /issue/{key}/attachments, multipart/form-data
with the files in parts named `file`, refused without the `X-Atlassian-Token: no-check`
header (Jira's XSRF check); the issue's `attachment` field lists them, and
GET /attachment/content/{id} returns a file's bytes."""

from __future__ import annotations

import sqlite3
from typing import Any

from werkzeug.wrappers import Response

from connector.sandbox.jira.context import Ctx, find_issue, json_response, touch
from connector.sandbox.jira.errors import JiraHTTPError
from connector.sandbox.jira.meta import Site

ROUTES: list[tuple[str, str, tuple[str, ...]]] = [
    ("issue/<issueIdOrKey>/attachments", "attachment_add", ("POST",)),
    ("attachment/content/<attachmentId>", "attachment_content", ("GET",)),
]
ARGUMENTS = {"attachmentId": "attachment_id"}
COLUMNS = "id, issue_id, author, filename, mime, size, created"


def add(ctx: Ctx, ref: str) -> Response:
    """POST /issue/{key}/attachments: every `file` part becomes an attachment."""
    if ctx.request.headers.get("X-Atlassian-Token", "").lower() != "no-check":
        # Jira answers the missing header with its XSRF page, not JSON.
        return Response("XSRF check failed", status=403, mimetype="text/plain")
    if ctx.request.mimetype != "multipart/form-data":
        raise JiraHTTPError(415, "Unsupported Media Type")
    files = ctx.request.files.getlist("file")
    if not files:
        raise JiraHTTPError(400, "No attachments were found in the request: send them as `file`.")
    with ctx.store.write() as conn:
        issue = find_issue(conn, ref)
        made = []
        for upload in files:
            content = upload.read()
            attachment_id = ctx.store.next_id(conn, "jira_attachments")
            mime = upload.mimetype or "application/octet-stream"
            conn.execute(
                f"INSERT INTO jira_attachments ({COLUMNS}, content) VALUES (?,?,?,?,?,?,?,?)",
                (attachment_id, issue.id, ctx.user, upload.filename or "file", mime,
                 len(content), ctx.stamp, content),
            )  # fmt: skip
            made.append(attachment_id)
        touch(ctx, conn, issue.id)
        rows = _rows(conn, "id", made)
    return json_response([render(ctx.site, row) for row in rows])


def content(ctx: Ctx, attachment_id: str) -> Response:
    """GET /attachment/content/{id}: the file, as uploaded."""
    with ctx.store.read() as conn:
        row = conn.execute(
            "SELECT mime, content FROM jira_attachments WHERE id = ?",
            (int(attachment_id) if attachment_id.isdigit() else -1,),
        ).fetchone()
    if row is None:
        raise JiraHTTPError(404, "The attachment does not exist.")
    return Response(bytes(row[1]), mimetype=row[0])


def of_issues(conn: sqlite3.Connection, site: Site, ids: list[int]) -> dict[int, list[Any]]:
    """The `attachment` field of each issue: its attachments, oldest first."""
    out: dict[int, list[Any]] = {}
    for row in _rows(conn, "issue_id", ids):
        out.setdefault(row[1], []).append(render(site, row))
    return out


def _rows(conn: sqlite3.Connection, column: str, values: list[int]) -> list[tuple[Any, ...]]:
    marks = ", ".join("?" * len(values))
    return conn.execute(
        f"SELECT {COLUMNS} FROM jira_attachments WHERE {column} IN ({marks}) ORDER BY id",
        values,
    ).fetchall()


def render(site: Site, row: tuple[Any, ...]) -> dict[str, Any]:
    attachment_id, _, author, filename, mime, size, created = row
    return {
        "self": f"{site.api}/attachments/{attachment_id}",
        "id": str(attachment_id),
        "filename": filename,
        "author": site.user(author),
        "created": created,
        "size": size,
        "mimeType": mime,
        "content": f"{site.api}/attachment/content/{attachment_id}",
    }


HANDLERS = {"attachment_add": add, "attachment_content": content}
