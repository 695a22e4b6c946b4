"""Jira search: `search/jql` with nextPageToken (Cloud), `search` with startAt (Server), counts."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from typing import Any

from werkzeug.wrappers import Response

from connector.sandbox.jira.context import Ctx, count_arg, json_response
from connector.sandbox.jira.errors import JiraHTTPError
from connector.sandbox.jira.jql import JqlError
from connector.sandbox.jira.jql_sql import SqlQuery, compile_jql
from connector.sandbox.jira.render import (
    ISSUE_COLUMNS,
    SEARCH_HISTORIES,
    IssueRow,
    select_fields,
)

FIELD_PAGE = 100  # at most this many issues a page when fields are asked for
ID_PAGE = 5000  # ... and this many when only ids or keys are
SERVER_PAGE = 1000
UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)
REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)


def _params(ctx: Ctx) -> dict[str, Any]:
    """GET query arguments or a POST body, in one shape (lists for fields, str for expand)."""
    if ctx.request.method == "POST":
        body = ctx.body()
        fields = body.get("fields")
        return {
            "jql": body.get("jql") or "",
            "fields": fields if isinstance(fields, list) else ([fields] if fields else []),
            "expand": body.get("expand") or "",
            "maxResults": body.get("maxResults"),
            "startAt": body.get("startAt"),
            "nextPageToken": body.get("nextPageToken"),
        }
    args = ctx.request.args
    return {
        "jql": args.get("jql", ""),
        "fields": args.getlist("fields"),
        "expand": ",".join(args.getlist("expand")),
        "maxResults": args.get("maxResults"),
        "startAt": args.get("startAt"),
        "nextPageToken": args.get("nextPageToken"),
    }


def _compile(ctx: Ctx, conn: sqlite3.Connection, jql: str) -> SqlQuery:
    def key_exists(key: str) -> bool:
        return (
            conn.execute("SELECT 1 FROM jira_issues WHERE key = ?", (key,)).fetchone() is not None
        )

    try:
        return compile_jql(jql, ctx.scheme, ctx.now, key_exists)
    except JqlError as problem:
        raise JiraHTTPError(400, str(problem)) from None


def _rows(conn: sqlite3.Connection, query: SqlQuery, limit: int, offset: int) -> list[IssueRow]:
    where = f"WHERE {query.where}" if query.where else ""
    rows = conn.execute(
        f"SELECT {ISSUE_COLUMNS} FROM jira_issues {where} ORDER BY {query.order} LIMIT ? OFFSET ?",
        (*query.params, limit, offset),
    )
    return [IssueRow(*row) for row in rows]


def _token(jql: str, offset: int) -> str:
    raw = json.dumps({"o": offset, "q": hashlib.sha1(jql.encode()).hexdigest()[:12]})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _offset(token: str | None, jql: str) -> int:
    if not token:
        return 0
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if raw["q"] == hashlib.sha1(jql.encode()).hexdigest()[:12]:
            return int(raw["o"])
    except (ValueError, KeyError, TypeError):
        pass
    raise JiraHTTPError(400, "The provided next page token is invalid or expired.")


def search_jql(ctx: Ctx) -> Response:
    """GET/POST /rest/api/3/search/jql (Cloud)."""
    if ctx.mode == "server":
        raise JiraHTTPError(404, "null for uri: " + ctx.request.url)
    p = _params(ctx)
    expand = set(str(p["expand"]).split(","))
    ids_only = not p["fields"] or set(",".join(p["fields"]).split(",")) <= {"id", "key"}
    fields = [] if ids_only else select_fields(ctx.site, p["fields"], default="*navigable")
    size = count_arg(p["maxResults"], "maxResults", 50, limit=ID_PAGE if ids_only else FIELD_PAGE)
    offset = _offset(p["nextPageToken"], p["jql"])
    with ctx.store.read() as conn:
        query = _compile(ctx, conn, p["jql"])
        if query.where is None:
            raise JiraHTTPError(400, UNBOUNDED)
        rows = _rows(conn, query, size + 1, offset)
        page, more = rows[:size], len(rows) > size
        renderer = ctx.renderer(conn)
        if p["fields"] in ([], ["id"]):
            issues: list[dict[str, Any]] = [{"id": str(r.id)} for r in page]
        else:
            issues = renderer.issues(page, fields, expand, histories_cap=SEARCH_HISTORIES)
    body: dict[str, Any] = {"issues": issues, "isLast": not more}
    if more:
        body["nextPageToken"] = _token(p["jql"], offset + size)
    if "names" in expand:
        body["names"] = renderer.names(fields)
    if "schema" in expand:
        body["schema"] = renderer.schemas(fields)
    return json_response(body)


def approximate_count(ctx: Ctx) -> Response:
    """POST /rest/api/3/search/approximate-count (Cloud only: Data Center has no such path)."""
    if ctx.mode == "server":
        raise JiraHTTPError(404, "null for uri: " + ctx.request.url)
    jql = ctx.body().get("jql") or ""
    with ctx.store.read() as conn:
        query = _compile(ctx, conn, jql)
        if query.where is None:
            raise JiraHTTPError(400, UNBOUNDED)
        count = conn.execute(
            f"SELECT COUNT(*) FROM jira_issues WHERE {query.where}", query.params
        ).fetchone()[0]
    return json_response({"count": count})


def search_startat(ctx: Ctx) -> Response:
    """GET/POST /rest/api/{2,3}/search: Server/Data Center paging; removed on Cloud (410)."""
    if ctx.mode == "cloud":
        raise JiraHTTPError(410, REMOVED)
    p = _params(ctx)
    expand = set(str(p["expand"]).split(","))
    fields = select_fields(ctx.site, p["fields"], default="*navigable")
    size = count_arg(p["maxResults"], "maxResults", 50, limit=SERVER_PAGE)
    start = count_arg(p["startAt"], "startAt", 0)
    with ctx.store.read() as conn:
        query = _compile(ctx, conn, p["jql"])
        where = f"WHERE {query.where}" if query.where else ""
        total = conn.execute(f"SELECT COUNT(*) FROM jira_issues {where}", query.params).fetchone()[
            0
        ]
        renderer = ctx.renderer(conn)
        issues = renderer.issues(_rows(conn, query, size, start), fields, expand)
    body: dict[str, Any] = {
        "expand": "schema,names",
        "startAt": start,
        "maxResults": size,
        "total": total,
        "issues": issues,
    }
    if "names" in expand:
        body["names"] = renderer.names(fields)
    if "schema" in expand:
        body["schema"] = renderer.schemas(fields)
    return json_response(body)
