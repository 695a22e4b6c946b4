"""A saved filter's share permissions one by one (/filter/{id}/permission), as Jira Cloud and Data
Center both serve them: listed, added (a new share joins the others) and deleted by id. Unlike
GET /filter/{id}, a filter the caller may not see is a 404 here."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from connector.sandbox.jira import shares
from connector.sandbox.jira.context import Ctx, json_response
from connector.sandbox.jira.errors import JiraHTTPError
from connector.sandbox.jira.filters import find

ROUTES: list[tuple[str, str, tuple[str, ...]]] = [
    ("filter/<id>/permission", "filter_permissions", ("GET",)),
    ("filter/<id>/permission", "filter_permission_add", ("POST",)),
    ("filter/<id>/permission/<permissionId>", "filter_permission_get", ("GET",)),
    ("filter/<id>/permission/<permissionId>", "filter_permission_delete", ("DELETE",)),
]
ARGUMENTS = {"permissionId": "permission_ref"}
NOT_FOUND = "The filter with id '{}' does not exist or you do not have permission to view it."


def _filter(ctx: Ctx, conn: sqlite3.Connection, ref: str) -> tuple[Any, ...]:
    try:
        return find(ctx, conn, ref)
    except JiraHTTPError:
        raise JiraHTTPError(404, NOT_FOUND.format(ref)) from None


def list_permissions(ctx: Ctx, comment_id: str) -> Response:
    with ctx.store.read() as conn:
        row = _filter(ctx, conn, comment_id)
    return json_response(shares.render(ctx, json.loads(row[6]), row[0] * 100))


def add_permission(ctx: Ctx, comment_id: str) -> Response:
    """POST: the owner's alone (400 for anyone else); 201 with every share of the filter."""
    body = ctx.body()
    with ctx.store.write() as conn:
        row = _filter(ctx, conn, comment_id)
        if row[1] != ctx.user:
            raise JiraHTTPError(400, "Only the owner of the filter can share it.")
        held = json.loads(row[6])
        (added,) = shares.parse(ctx, conn, [body], "sharePermissions")
        if any({**s, "id": None} == {**added, "id": None} for s in held):
            raise JiraHTTPError(400, "The filter is already shared this way.")
        if added["type"] in ("authenticated", "loggedin"):  # a global share replaces the rest
            held = []
        next_id = max([s["id"] for s in held] + [row[0] * 100 - 1]) + 1
        held.append({**added, "id": next_id})
        conn.execute("UPDATE jira_filters SET shares = ? WHERE id = ?", (json.dumps(held), row[0]))
    return json_response(shares.render(ctx, held, row[0] * 100), 201)


def _permission(ctx: Ctx, row: tuple[Any, ...], ref: str) -> list[dict[str, Any]]:
    held: list[dict[str, Any]] = json.loads(row[6])
    if not any(str(s.get("id")) == ref for s in held):
        raise JiraHTTPError(404, f"The share permission with id '{ref}' does not exist.")
    return held


def get_permission(ctx: Ctx, comment_id: str, permission_ref: str) -> Response:
    with ctx.store.read() as conn:
        row = _filter(ctx, conn, comment_id)
    held = _permission(ctx, row, permission_ref)
    shown = shares.render(ctx, held, row[0] * 100)
    return json_response(next(s for s in shown if str(s["id"]) == permission_ref))


def delete_permission(ctx: Ctx, comment_id: str, permission_ref: str) -> Response:
    with ctx.store.write() as conn:
        row = _filter(ctx, conn, comment_id)
        if row[1] != ctx.user:
            raise JiraHTTPError(404, NOT_FOUND.format(comment_id))
        kept = [s for s in _permission(ctx, row, permission_ref) if str(s["id"]) != permission_ref]
        conn.execute("UPDATE jira_filters SET shares = ? WHERE id = ?", (json.dumps(kept), row[0]))
    return Response(status=204)


HANDLERS: dict[str, Callable[..., Response]] = {
    "filter_permissions": list_permissions,
    "filter_permission_add": add_permission,
    "filter_permission_get": get_permission,
    "filter_permission_delete": delete_permission,
}
