"""`POST /changelog/bulkfetch` (Jira Cloud): the changelogs of up to 1,000 issues at once,
filtered to up to 10 fields, oldest first, paged by `nextPageToken`."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from werkzeug.wrappers import Response

from connector.sandbox.jira.context import Ctx, count_arg, json_response
from connector.sandbox.jira.errors import JiraHTTPError

MAX_ISSUES = 1000
MAX_FIELDS = 10
DEFAULT_PAGE = 1000
MAX_PAGE = 10_000
BAD_TOKEN = "The provided next page token is invalid or expired."


def bulk_fetch(ctx: Ctx) -> Response:
    """The histories of the issues asked for, sorted by date then issue id, `maxResults` a
    page; with `fieldIds`, only histories that change those fields, and only those items.
    Issues that do not exist (or the caller may not see) are left out."""
    if ctx.mode == "server":  # Data Center has no such endpoint
        raise JiraHTTPError(404, "null for uri: " + ctx.request.url)
    issues, fields, size, token = _request(ctx.body())
    offset = _offset(token, issues, fields)
    with ctx.store.read() as conn:
        ids = _issue_ids(conn, issues)
        marks = ", ".join("?" * len(ids)) or "NULL"
        rows = conn.execute(
            "SELECT id, issue_id, created, author, items FROM jira_changelog "
            f"WHERE issue_id IN ({marks}) ORDER BY created, issue_id, id",
            ids,
        ).fetchall()
        wanted = [r for r in rows if _touches(r[4], fields)]
        page = wanted[offset : offset + size]
        renderer = ctx.renderer(conn)
        grouped: dict[int, list[dict[str, Any]]] = {}
        for row in page:
            history = renderer.history(row)
            if fields:
                history["items"] = [i for i in history["items"] if i.get("fieldId") in fields]
            grouped.setdefault(row[1], []).append(history)
    body: dict[str, Any] = {
        "issueChangeLogs": [
            {"issueId": str(issue_id), "changeHistories": histories}
            for issue_id, histories in sorted(grouped.items())
        ]
    }
    if offset + size < len(wanted):
        body["nextPageToken"] = _token(offset + size, issues, fields)
    return json_response(body)


def _request(body: dict[str, Any]) -> tuple[list[str], set[str], int, str | None]:
    issues = body.get("issueIdsOrKeys")
    if not isinstance(issues, list) or not issues:
        raise JiraHTTPError(400, "At least one issue ID or key must be provided.")
    if len(issues) > MAX_ISSUES:
        raise JiraHTTPError(400, f"A maximum of {MAX_ISSUES} issue IDs or keys can be requested.")
    fields = body.get("fieldIds") or []
    if not isinstance(fields, list) or len(fields) > MAX_FIELDS:
        raise JiraHTTPError(400, f"A maximum of {MAX_FIELDS} field IDs can be requested.")
    size = count_arg(body.get("maxResults"), "maxResults", DEFAULT_PAGE, limit=MAX_PAGE) or 1
    token = body.get("nextPageToken")
    return [str(i) for i in issues], {str(f) for f in fields}, size, token


def _issue_ids(conn: Any, refs: list[str]) -> list[int]:
    ids = [int(r) for r in refs if r.isdigit()]
    keys = [r.upper() for r in refs if not r.isdigit()]
    found = []
    for column, values in (("id", ids), ("key", keys)):
        if values:
            marks = ", ".join("?" * len(values))
            found += [
                row[0]
                for row in conn.execute(
                    f"SELECT id FROM jira_issues WHERE {column} IN ({marks})", values
                )
            ]
    return sorted(set(found))


def _touches(items: str, fields: set[str]) -> bool:
    return not fields or any(i.get("fieldId") in fields for i in json.loads(items))


def _digest(issues: list[str], fields: set[str]) -> str:
    raw = json.dumps([issues, sorted(fields)])
    return hashlib.sha1(raw.encode()).hexdigest()[:12]


def _token(offset: int, issues: list[str], fields: set[str]) -> str:
    raw = json.dumps({"o": offset, "q": _digest(issues, fields)})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _offset(token: Any, issues: list[str], fields: set[str]) -> int:
    if not token:
        return 0
    try:
        raw = json.loads(base64.urlsafe_b64decode(str(token) + "=" * (-len(str(token)) % 4)))
        if raw["q"] == _digest(issues, fields):
            return int(raw["o"])
    except (ValueError, KeyError, TypeError):
        pass
    raise JiraHTTPError(400, BAD_TOKEN)
