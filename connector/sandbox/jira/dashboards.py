"""Dashboards, as Jira Cloud's /dashboard resource keeps them: create, read, update, search.

A dashboard belongs to who made it, its name unique among that owner's dashboards; it is seen
by its owner and by those it is shared with (the sandbox's accounts belong to no group); a
dashboard the caller may not see is a 404. Its gadgets and their properties: gadgets.py."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from connector.sandbox.jira import shares
from connector.sandbox.jira.context import Ctx, json_response
from connector.sandbox.jira.errors import JiraHTTPError

ROUTES: list[tuple[str, str, tuple[str, ...]]] = [
    ("dashboard", "dashboard_list", ("GET",)),
    ("dashboard", "dashboard_create", ("POST",)),
    ("dashboard/search", "dashboard_search", ("GET",)),
    ("dashboard/<id>", "dashboard_get", ("GET",)),
    ("dashboard/<id>", "dashboard_update", ("PUT",)),
]
COLUMNS = "id, owner, name, description, shares, edits"
NAME_ROOM = 255
EXPANDS = frozenset(
    {
        "description", "owner", "viewUrl", "favourite", "favouritedCount", "sharePermissions",
        "editPermissions", "isWritableBy",
    }
)  # fmt: skip
ORDERS = ("id", "name", "description", "owner", "favorite_count", "is_favorite", "popularity")


def render(ctx: Ctx, row: tuple[Any, ...], expand: set[str] | None = None) -> dict[str, Any]:
    """A dashboard as Dashboard: everything, or (from search) id, name, self and those
    expanded."""
    did, owner, name, description, share_json, edit_json = row
    full: dict[str, Any] = {
        "id": str(did),
        "isFavourite": owner == ctx.user,  # a new dashboard is its owner's favourite
        "name": name,
        "owner": shares.user_bean(ctx, owner),
        "popularity": 1,
        "self": f"{ctx.site.api}/dashboard/{did}",
        "sharePermissions": shares.render(ctx, json.loads(share_json), did * 100),
        "editPermissions": shares.render(ctx, json.loads(edit_json), did * 100 + 50),
        "view": f"{ctx.site.base}/secure/Dashboard.jspa?selectPageId={did}",
        "isWritable": owner == ctx.user,
        "systemDashboard": False,
    }
    if description:
        full["description"] = description
    if expand is None:
        return full
    wanted = {"self", "id", "name"} | {
        {"favourite": "isFavourite", "viewUrl": "view", "isWritableBy": "isWritable"}.get(e, e)
        for e in expand
    }
    return {key: value for key, value in full.items() if key in wanted}


def _visible(ctx: Ctx, row: tuple[Any, ...]) -> bool:
    return shares.visible(ctx, row[1], row[4])  # owner, share permissions


def find(ctx: Ctx, conn: sqlite3.Connection, ref: str) -> tuple[Any, ...]:
    """A dashboard the caller may see; Jira's 404 otherwise."""
    row = conn.execute(
        f"SELECT {COLUMNS} FROM jira_dashboards WHERE id = ?", (int(ref) if ref.isdigit() else -1,)
    ).fetchone()
    if row is None or not _visible(ctx, row):
        raise JiraHTTPError(404, f"The dashboard with id '{ref}' does not exist.")
    return tuple(row)


def _checked(
    ctx: Ctx, conn: sqlite3.Connection, body: dict[str, Any], own: int | None
) -> tuple[str, str | None, str, str]:
    """(name, description, shares, edits) of a DashboardDetails body; Jira's 400 otherwise."""
    missing = [k for k in ("name", "sharePermissions", "editPermissions") if k not in body]
    if missing:
        raise JiraHTTPError(400, errors={k: f"The {k} must be provided." for k in missing})
    name = body["name"]
    if not isinstance(name, str) or not name.strip():
        raise JiraHTTPError(400, errors={"name": "The dashboard name must not be empty."})
    if len(name) > NAME_ROOM:
        raise JiraHTTPError(
            400, errors={"name": f"The dashboard name must not exceed {NAME_ROOM} characters."}
        )
    taken = conn.execute(
        "SELECT id FROM jira_dashboards WHERE owner = ? AND lower(name) = lower(?) AND id != ?",
        (ctx.user, name.strip(), own or -1),
    ).fetchone()
    if taken:
        raise JiraHTTPError(400, errors={"name": "You already have a dashboard with this name."})
    description = body.get("description")
    return (
        name.strip(),
        description if isinstance(description, str) and description else None,
        json.dumps(shares.parse(ctx, conn, body["sharePermissions"], "sharePermissions")),
        json.dumps(shares.parse(ctx, conn, body["editPermissions"], "editPermissions")),
    )


def create_dashboard(ctx: Ctx) -> Response:
    body = ctx.body()
    with ctx.store.write() as conn:
        fields = _checked(ctx, conn, body, None)
        did = ctx.store.next_id(conn, "jira_dashboards")
        conn.execute(
            f"INSERT INTO jira_dashboards ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            (did, ctx.user, *fields),
        )
        row = find(ctx, conn, str(did))
    return json_response(render(ctx, row))


def get_dashboard(ctx: Ctx, comment_id: str) -> Response:
    with ctx.store.read() as conn:
        row = find(ctx, conn, comment_id)
    return json_response(render(ctx, row))


def update_dashboard(ctx: Ctx, comment_id: str) -> Response:
    """PUT /dashboard/{id}: the owner's alone (404 for anyone else), the whole details."""
    body = ctx.body()
    with ctx.store.write() as conn:
        row = find(ctx, conn, comment_id)
        if row[1] != ctx.user:
            raise JiraHTTPError(404, f"The dashboard with id '{comment_id}' does not exist.")
        fields = _checked(ctx, conn, body, row[0])
        conn.execute(
            "UPDATE jira_dashboards SET name = ?, description = ?, shares = ?, edits = ? "
            "WHERE id = ?",
            (*fields, row[0]),
        )
        row = find(ctx, conn, comment_id)
    return json_response(render(ctx, row))


def _visible_rows(ctx: Ctx) -> list[tuple[Any, ...]]:
    with ctx.store.read() as conn:
        rows = conn.execute(f"SELECT {COLUMNS} FROM jira_dashboards ORDER BY id").fetchall()
    return [tuple(r) for r in rows if _visible(ctx, r)]


def list_dashboards(ctx: Ctx) -> Response:
    """GET /dashboard: those the caller owns or sees (`filter=my`: owns), a page."""
    which = ctx.request.args.get("filter")
    if which not in (None, "", "my", "favourite"):
        raise JiraHTTPError(400, f"The filter value '{which}' is not valid.")
    start, limit = ctx.int_arg("startAt", 0), ctx.int_arg("maxResults", 20, limit=1000)
    rows = _visible_rows(ctx)
    if which:  # a dashboard is its owner's favourite, and nobody else's
        rows = [r for r in rows if r[1] == ctx.user]
    page: dict[str, Any] = {
        "startAt": start,
        "maxResults": limit,
        "total": len(rows),
        "dashboards": [render(ctx, r) for r in rows[start : start + limit]],
    }
    if start + limit < len(rows):
        page["next"] = f"{ctx.site.api}/dashboard?startAt={start + limit}&maxResults={limit}"
    return json_response(page)


def search_dashboards(ctx: Ctx) -> Response:
    """GET /dashboard/search: the visible dashboards matching every parameter, a page."""
    args = ctx.request.args
    if args.get("owner") and args.get("accountId"):
        raise JiraHTTPError(400, "The parameters 'owner' and 'accountId' cannot be used together.")
    expand = {part.strip() for part in args.get("expand", "").split(",") if part.strip()}
    if expand - EXPANDS:
        raise JiraHTTPError(400, f"The expand value '{sorted(expand - EXPANDS)[0]}' is not valid.")
    order = args.get("orderBy", "name")
    if order.lstrip("+-") not in ORDERS:
        raise JiraHTTPError(400, f"The orderBy value '{order}' is not valid.")
    start, limit = ctx.int_arg("startAt", 0), ctx.int_arg("maxResults", 50, limit=100)
    name = (args.get("dashboardName") or "").lower()
    group = args.get("groupname") or args.get("groupId")
    rows = [
        r
        for r in _visible_rows(ctx)
        if name in r[2].lower()
        and (not args.get("accountId") or r[1] == args["accountId"])
        and (
            not group or any(group in (s.get("group"), s.get("groupId")) for s in json.loads(r[4]))
        )
    ]
    if order.lstrip("+-") == "name":
        rows.sort(key=lambda r: (r[2].lower(), r[0]), reverse=order.startswith("-"))
    return json_response(
        {
            "self": ctx.request.url,
            "maxResults": limit,
            "startAt": start,
            "total": len(rows),
            "isLast": start + limit >= len(rows),
            "values": [render(ctx, r, expand) for r in rows[start : start + limit]],
        }
    )


HANDLERS: dict[str, Callable[..., Response]] = {
    "dashboard_list": list_dashboards,
    "dashboard_create": create_dashboard,
    "dashboard_search": search_dashboards,
    "dashboard_get": get_dashboard,
    "dashboard_update": update_dashboard,
}
