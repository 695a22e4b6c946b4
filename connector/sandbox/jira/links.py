"""Jira comments (ADF bodies in v3) and issue links between issues."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from werkzeug.wrappers import Response

from connector.sandbox.jira import properties
from connector.sandbox.jira.adf import is_adf, to_adf, to_text
from connector.sandbox.jira.context import (
    Ctx,
    add_history,
    change_item,
    find_issue,
    json_response,
    touch,
)
from connector.sandbox.jira.errors import JiraHTTPError
from connector.sandbox.jira.properties import COMMENT_COLUMNS
from connector.sandbox.jira.render import IssueRow
from connector.sandbox.jira.values import ADF_REQUIRED


def list_comments(ctx: Ctx, ref: str) -> Response:
    start = ctx.int_arg("startAt", 0)
    size = ctx.int_arg("maxResults", 5000, limit=5000)
    order = "DESC" if ctx.request.args.get("orderBy", "") == "-created" else "ASC"
    with ctx.store.read() as conn:
        row = find_issue(conn, ref)
        total = conn.execute(
            "SELECT COUNT(*) FROM jira_comments WHERE issue_id = ?", (row.id,)
        ).fetchone()[0]
        rows = conn.execute(
            f"SELECT {COMMENT_COLUMNS} FROM jira_comments WHERE issue_id = ? "
            f"ORDER BY created {order}, id {order} LIMIT ? OFFSET ?",
            (row.id, size, start),
        ).fetchall()
        comments = [ctx.renderer(conn).comment(r) for r in rows]
    return json_response(
        {"startAt": start, "maxResults": size, "total": total, "comments": comments}
    )


def get_comment(ctx: Ctx, ref: str, comment_id: str) -> Response:
    with ctx.store.read() as conn:
        issue = find_issue(conn, ref)
        row = conn.execute(
            f"SELECT {COMMENT_COLUMNS} FROM jira_comments WHERE id = ? AND issue_id = ?",
            (int(comment_id) if comment_id.isdigit() else -1, issue.id),
        ).fetchone()
        if row is None:
            raise JiraHTTPError(404, "Can not find a comment for the id: " + comment_id + ".")
        return json_response(ctx.renderer(conn).comment(row))


def add_comment(ctx: Ctx, ref: str) -> Response:
    """POST /issue/{key}/comment: the body, and the comment's `properties` if given."""
    body = ctx.body()
    pairs = properties.checked(body.get("properties"))
    with ctx.store.write() as conn:
        issue = find_issue(conn, ref)
        comment_id = insert_comment(ctx, conn, issue.id, body.get("body"))
        properties.store(conn, comment_id, pairs)
        row = conn.execute(
            f"SELECT {COMMENT_COLUMNS} FROM jira_comments WHERE id = ?", (comment_id,)
        ).fetchone()
        return json_response(ctx.renderer(conn).comment(row), 201)


def insert_comment(ctx: Ctx, conn: sqlite3.Connection, issue_id: int, body: Any) -> int:
    """Stores a comment (ADF in v3, text in v2) and moves the issue's `updated`, as Jira does.

    Data Center keeps a v2 comment as the wiki markup sent; Cloud turns it into ADF."""
    if ctx.values.version == "2" and isinstance(body, str) and ctx.mode == "cloud":
        body = to_adf(body)
    if not (ctx.mode == "server" and isinstance(body, str)) and not is_adf(body):
        raise JiraHTTPError(400, errors={"comment": ADF_REQUIRED})
    if not (body if isinstance(body, str) else to_text(body)).strip():
        raise JiraHTTPError(400, errors={"comment": "Comment body can not be empty!"})
    comment_id = ctx.store.next_id(conn, "jira_comments")
    conn.execute(
        f"INSERT INTO jira_comments ({COMMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
        (comment_id, issue_id, ctx.user, json.dumps(body), ctx.stamp, ctx.stamp),
    )
    touch(ctx, conn, issue_id)
    return comment_id


def create_link(ctx: Ctx) -> Response:
    """POST /issueLink: `inwardIssue` is the issue the outward phrase reads from.

    So {"type": {"name": "Drives"}, "inwardIssue": S, "outwardIssue": T} means "S drives T":
    S lists T as its `outwardIssue`, and T lists S as its `inwardIssue`.
    """
    body = ctx.body()
    given = body.get("type") or {}
    link_type = ctx.scheme.link_type_named(name=given.get("name"), lid=str(given.get("id")))
    if link_type is None:
        shown = given.get("name") or given.get("id")
        raise JiraHTTPError(404, f"No issue link type with name '{shown}' found.")
    with ctx.store.write() as conn:
        source = _linked(conn, body.get("inwardIssue"))
        target = _linked(conn, body.get("outwardIssue"))
        exists = conn.execute(
            "SELECT 1 FROM jira_links WHERE type_id = ? AND source_id = ? AND target_id = ?",
            (link_type.id, source.id, target.id),
        ).fetchone()
        if not exists:
            link_id = ctx.store.next_id(conn, "jira_links")
            conn.execute(
                "INSERT INTO jira_links (id, type_id, source_id, target_id) VALUES (?, ?, ?, ?)",
                (link_id, link_type.id, source.id, target.id),
            )
            _log_link(ctx, conn, source, target, link_type, added=True)
        if isinstance(body.get("comment"), dict):
            insert_comment(ctx, conn, source.id, body["comment"].get("body"))
    return Response(status=201)


def _linked(conn: sqlite3.Connection, ref: Any) -> IssueRow:
    if not isinstance(ref, dict) or not (ref.get("key") or ref.get("id")):
        raise JiraHTTPError(400, "Issue link must name an 'inwardIssue' and an 'outwardIssue'.")
    return find_issue(conn, str(ref.get("key") or ref.get("id")))


def _log_link(
    ctx: Ctx,
    conn: sqlite3.Connection,
    source: IssueRow,
    target: IssueRow,
    link_type: Any,
    *,
    added: bool,
) -> None:
    """Both issues record the link in their changelog ("Link" items), as Jira does."""
    for this, other, phrase in (
        (source, target, link_type.outward),
        (target, source, link_type.inward),
    ):
        text = (other.key, f"This issue {phrase} {other.key}")
        empty = (None, None)
        item = change_item(
            "Link", "jira", "issuelinks", empty if added else text, text if added else empty
        )
        add_history(ctx, conn, this.id, [item])


def get_link(ctx: Ctx, link_id: str) -> Response:
    with ctx.store.read() as conn:
        row = _link_row(conn, link_id)
        briefs = ctx.renderer(conn).briefs((row[2], row[3]))
    return json_response(
        {
            "id": str(row[0]),
            "self": f"{ctx.site.api}/issueLink/{row[0]}",
            "type": ctx.site.link_type(ctx.scheme.link_types[row[1]]),
            "inwardIssue": briefs[row[2]],
            "outwardIssue": briefs[row[3]],
        }
    )


def delete_link(ctx: Ctx, link_id: str) -> Response:
    with ctx.store.write() as conn:
        row = _link_row(conn, link_id)
        conn.execute("DELETE FROM jira_links WHERE id = ?", (row[0],))
        source = find_issue(conn, str(row[2]))
        target = find_issue(conn, str(row[3]))
        _log_link(ctx, conn, source, target, ctx.scheme.link_types[row[1]], added=False)
    return Response(status=204)


def _link_row(conn: sqlite3.Connection, link_id: str) -> tuple[int, int, int, int]:
    row = conn.execute(
        "SELECT id, type_id, source_id, target_id FROM jira_links WHERE id = ?",
        (int(link_id) if link_id.isdigit() else -1,),
    ).fetchone()
    if row is None:
        raise JiraHTTPError(404, f"No issue link with id '{link_id}' exists.")
    return (row[0], row[1], row[2], row[3])
