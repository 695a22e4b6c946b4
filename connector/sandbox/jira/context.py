"""What one Jira request handler works with, and the row-level helpers the handlers share."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from connector.sandbox.jira.errors import JiraHTTPError, not_found_issue
from connector.sandbox.jira.meta import Scheme, Site
from connector.sandbox.jira.render import ISSUE_COLUMNS, IssueRow, Renderer
from connector.sandbox.jira.values import Values, jira_time
from connector.sandbox.store import Store


@dataclass
class Ctx:
    """One request: the store, the scheme snapshot, renderings for its base URL, the caller."""

    store: Store
    scheme: Scheme
    site: Site
    values: Values
    request: Request
    user: str  # the caller's accountId
    now: datetime
    mode: str  # "cloud" | "server"

    @property
    def stamp(self) -> str:
        return jira_time(self.now)

    def renderer(self, conn: sqlite3.Connection) -> Renderer:
        return Renderer(conn, self.site, self.values)

    def body(self) -> dict[str, Any]:
        """The request's JSON object body, or Jira's 400 when there is none."""
        data = self.request.get_json(silent=True, force=True)
        if not isinstance(data, dict):
            raise JiraHTTPError(
                400, "Can not deserialize instance of object out of the request body."
            )
        return data

    def int_arg(self, name: str, default: int, *, limit: int | None = None) -> int:
        return count_arg(self.request.args.get(name), name, default, limit=limit)


def count_arg(raw: Any, name: str, default: int, *, limit: int | None = None) -> int:
    """A paging number (startAt, maxResults) from a query string or a JSON body."""
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise JiraHTTPError(400, f"The '{name}' parameter must be a number, not '{raw}'.") from None
    if value < 0:
        raise JiraHTTPError(400, f"The '{name}' parameter must not be negative.")
    return min(value, limit) if limit is not None else value


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), status, mimetype="application/json")


def find_issue(conn: sqlite3.Connection, ref: str) -> IssueRow:
    """An issue by key (any case) or id; Jira's 404 otherwise."""
    column, value = ("id", int(ref)) if ref.isdigit() else ("key", ref.upper())
    row = conn.execute(
        f"SELECT {ISSUE_COLUMNS} FROM jira_issues WHERE {column} = ?", (value,)
    ).fetchone()
    if row is None:
        raise not_found_issue()
    return IssueRow(*row)


def add_history(
    ctx: Ctx, conn: sqlite3.Connection, issue_id: int, items: list[dict[str, Any]]
) -> None:
    """One changelog entry by the caller, now, and the issue's `updated` moved to now."""
    history_id = ctx.store.next_id(conn, "jira_changelog")
    conn.execute(
        "INSERT INTO jira_changelog (id, issue_id, created, author, items) VALUES (?, ?, ?, ?, ?)",
        (history_id, issue_id, ctx.stamp, ctx.user, json.dumps(items)),
    )
    touch(ctx, conn, issue_id)


def touch(ctx: Ctx, conn: sqlite3.Connection, issue_id: int) -> None:
    conn.execute("UPDATE jira_issues SET updated = ? WHERE id = ?", (ctx.stamp, issue_id))


def change_item(
    field: str, fieldtype: str, field_id: str, old: tuple[Any, Any], new: tuple[Any, Any]
) -> dict[str, Any]:
    """A changelog item: (id, text) before and after, as Jira records them."""
    return {
        "field": field,
        "fieldtype": fieldtype,
        "fieldId": field_id,
        "from": old[0],
        "fromString": old[1],
        "to": new[0],
        "toString": new[1],
    }
