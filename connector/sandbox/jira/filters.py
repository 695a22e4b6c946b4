"""Saved filters, as Jira Cloud's /filter resource keeps them: create, read, update, search.

A filter belongs to who made it; its name is unique among that owner's filters; its JQL is
checked on every save (filter_jql.py); it is seen by its owner and, when shared with a group
or a project, by those (the sandbox's accounts belong to no group: only the owner sees a
group-shared filter). Jira answers 400, not 404, for a filter it will not show."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from werkzeug.wrappers import Response

from connector.sandbox.jira import shares
from connector.sandbox.jira.context import Ctx, json_response
from connector.sandbox.jira.errors import JiraHTTPError
from connector.sandbox.jira.filter_jql import check_filter_jql
from connector.sandbox.jira.jql import JqlError

ROUTES: list[tuple[str, str, tuple[str, ...]]] = [
    ("filter", "filter_create", ("POST",)),
    ("filter/search", "filter_search", ("GET",)),
    ("filter/my", "filter_my", ("GET",)),
    ("filter/favourite", "filter_favourite", ("GET",)),
    ("filter/<id>", "filter_get", ("GET",)),
    ("filter/<id>", "filter_update", ("PUT",)),
]
ARGUMENTS: dict[str, str] = {}  # `id` is api.py's comment_id: handlers take it as `comment_id`
COLUMNS = "id, owner, name, description, jql, favourite, shares, edits"
NAME_ROOM = 255
NOT_AVAILABLE = (
    "The selected filter is not available to you, perhaps it has been deleted or had its "
    "permissions changed."
)
EXPANDS = frozenset(
    {
        "description", "owner", "jql", "viewUrl", "searchUrl", "favourite", "favouritedCount",
        "sharePermissions", "editPermissions", "isWritable", "subscriptions",
        "approximateLastUsed",
    }
)  # fmt: skip
ORDERS = ("id", "name", "description", "owner", "favourite_count", "is_favourite", "is_shared")


def render(ctx: Ctx, row: tuple[Any, ...], expand: set[str] | None = None) -> dict[str, Any]:
    """A filter as Filter (expand None: everything) or as FilterDetails (those expanded)."""
    fid, owner, name, description, jql, favourite, share_json, edit_json = row
    full: dict[str, Any] = {
        "self": f"{ctx.site.api}/filter/{fid}",
        "id": str(fid),
        "name": name,
        "description": description,
        "owner": ctx.site.user(owner),
        "jql": jql,
        "viewUrl": f"{ctx.site.base}/issues/?filter={fid}",
        "searchUrl": f"{ctx.site.api}/search/jql?jql={quote(jql)}",
        "favourite": bool(favourite) and owner == ctx.user,
        "favouritedCount": int(bool(favourite)),
        "sharePermissions": shares.render(ctx, json.loads(share_json), fid * 100),
        "editPermissions": shares.render(ctx, json.loads(edit_json), fid * 100 + 50),
    }
    if description is None:
        del full["description"]
    if expand is None:
        return full
    kept = {k: v for k, v in full.items() if k in ("self", "id", "name") or k in expand}
    if "isWritable" in expand:
        kept["isWritable"] = owner == ctx.user
    return {"expand": ",".join(sorted(EXPANDS)), **kept}


def _visible(ctx: Ctx, row: tuple[Any, ...]) -> bool:
    return shares.visible(ctx, row[1], row[6])  # owner, share permissions


def find(ctx: Ctx, conn: sqlite3.Connection, ref: str) -> tuple[Any, ...]:
    row = conn.execute(
        f"SELECT {COLUMNS} FROM jira_filters WHERE id = ?", (int(ref) if ref.isdigit() else -1,)
    ).fetchone()
    if row is None or not _visible(ctx, row):
        raise JiraHTTPError(400, NOT_AVAILABLE)
    return tuple(row)


def _checked(ctx: Ctx, conn: sqlite3.Connection, body: dict[str, Any], own: int) -> dict[str, Any]:
    """The body's filter `own`, as stored; Jira's 400 for a missing or taken name or bad JQL."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise JiraHTTPError(400, errors={"filterName": "You must specify a name for the filter."})
    if len(name) > NAME_ROOM:
        raise JiraHTTPError(
            400, errors={"filterName": f"The name must not exceed {NAME_ROOM} characters."}
        )
    taken = conn.execute(
        "SELECT id FROM jira_filters WHERE owner = ? AND lower(name) = lower(?) AND id != ?",
        (ctx.user, name.strip(), own or -1),
    ).fetchone()
    if taken:
        raise JiraHTTPError(400, errors={"filterName": "A filter with this name already exists."})
    jql = body.get("jql") or ""
    if not isinstance(jql, str):
        raise JiraHTTPError(400, "Can not deserialize instance of java.lang.String.")
    try:
        check_filter_jql(jql, ctx.scheme, ctx.now)
    except JqlError as problem:
        raise JiraHTTPError(400, errors={"jql": str(problem)}) from None
    description = body.get("description")
    return {
        "name": name.strip(),
        "description": description if isinstance(description, str) else None,
        "jql": jql,
        "favourite": int(bool(body.get("favourite"))),
        "shares": json.dumps(
            shares.numbered(
                shares.parse(ctx, conn, body.get("sharePermissions"), "sharePermissions"),
                own * 100,
            )
        ),
        "edits": json.dumps(
            shares.numbered(
                shares.parse(ctx, conn, body.get("editPermissions"), "editPermissions"),
                own * 100 + 50,
            )
        ),
    }


def create_filter(ctx: Ctx) -> Response:
    body = ctx.body()
    with ctx.store.write() as conn:
        fid = ctx.store.next_id(conn, "jira_filters")
        fields = _checked(ctx, conn, body, fid)
        conn.execute(
            f"INSERT INTO jira_filters ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (fid, ctx.user, *fields.values()),
        )
        row = find(ctx, conn, str(fid))
    return json_response(render(ctx, row))


def get_filter(ctx: Ctx, comment_id: str) -> Response:
    with ctx.store.read() as conn:
        row = find(ctx, conn, comment_id)
    return json_response(render(ctx, row))


def update_filter(ctx: Ctx, comment_id: str) -> Response:
    """PUT /filter/{id}: the owner's alone; what the body leaves out is kept, except the
    share permissions, which the body replaces when it gives them."""
    body = ctx.body()
    with ctx.store.write() as conn:
        row = find(ctx, conn, comment_id)
        if row[1] != ctx.user:
            raise JiraHTTPError(400, "You do not have permission to edit this filter.")
        kept = {
            "name": row[2],
            "description": row[3],
            "jql": row[4],
            "favourite": bool(row[5]),
            "sharePermissions": json.loads(row[6]),
            "editPermissions": json.loads(row[7]),
        }
        given = {k: v for k, v in body.items() if k in kept}
        stored = {"sharePermissions": row[6], "editPermissions": row[7]}
        fields = _checked(ctx, conn, _as_request(kept, stored) | given, row[0])
        conn.execute(
            "UPDATE jira_filters SET name = ?, description = ?, jql = ?, favourite = ?, "
            "shares = ?, edits = ? WHERE id = ?",
            (*fields.values(), row[0]),
        )
        row = find(ctx, conn, comment_id)
    return json_response(render(ctx, row))


def _as_request(kept: dict[str, Any], stored: dict[str, str]) -> dict[str, Any]:
    """The stored filter as a request body would give it (shares in the request's form)."""
    request = dict(kept)
    for key, raw in stored.items():
        request[key] = [_share_request(s) for s in json.loads(raw)]
    return request


def _share_request(share: dict[str, Any]) -> dict[str, Any]:
    if "group" in share:
        return {"type": "group", "group": {"groupId": share["groupId"]}}
    if "project" in share:
        return {"type": "project", "project": {"id": str(share["project"])}}
    if "accountId" in share:
        return {"type": "user", "user": {"accountId": share["accountId"]}}
    return {"type": share["type"]}


def search_filters(ctx: Ctx) -> Response:
    """GET /filter/search: the caller's visible filters matching every parameter, a page."""
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
    with ctx.store.read() as conn:
        rows = conn.execute(f"SELECT {COLUMNS} FROM jira_filters ORDER BY id").fetchall()
    matched = [r for r in rows if _visible(ctx, r) and _matches(ctx, tuple(r))]
    if order.lstrip("+-") == "name":
        matched.sort(key=lambda r: (r[2].lower(), r[0]), reverse=order.startswith("-"))
    page = matched[start : start + limit]
    return json_response(
        {
            "self": ctx.request.url,
            "maxResults": limit,
            "startAt": start,
            "total": len(matched),
            "isLast": start + limit >= len(matched),
            "values": [render(ctx, tuple(r), expand) for r in page],
        }
    )


def _matches(ctx: Ctx, row: tuple[Any, ...]) -> bool:
    args = ctx.request.args
    name = args.get("filterName")
    if name and not _name_matches(name, row[2], args.get("isSubstringMatch") == "true"):
        return False
    if args.get("accountId") and row[1] != args["accountId"]:
        return False
    ids = {int(i) for i in args.getlist("id") if i.isdigit()}
    if args.getlist("id") and row[0] not in ids:
        return False
    group = args.get("groupname") or args.get("groupId")
    stored = json.loads(row[6])
    return not group or any(group in (s.get("group"), s.get("groupId")) for s in stored)


def _name_matches(asked: str, name: str, substring: bool) -> bool:
    """isSubstringMatch: a case-insensitive substring; otherwise Jira's full-text match, where
    every word asked must be a word of the name (any case)."""
    if substring:
        return asked.lower() in name.lower()
    words = set(re.findall(r"\w+", name.lower()))
    return all(word in words for word in re.findall(r"\w+", asked.lower()))


def my_filters(ctx: Ctx) -> Response:
    with ctx.store.read() as conn:
        rows = conn.execute(
            f"SELECT {COLUMNS} FROM jira_filters WHERE owner = ? ORDER BY id", (ctx.user,)
        ).fetchall()
    return json_response([render(ctx, tuple(r)) for r in rows])


def favourite_filters(ctx: Ctx) -> Response:
    """GET /filter/favourite: the caller's favourites (the sandbox's favourites are the owner's
    own filters saved with `favourite`)."""
    with ctx.store.read() as conn:
        rows = conn.execute(
            f"SELECT {COLUMNS} FROM jira_filters WHERE owner = ? AND favourite = 1 ORDER BY id",
            (ctx.user,),
        ).fetchall()
    return json_response([render(ctx, tuple(r)) for r in rows])


HANDLERS: dict[str, Callable[..., Response]] = {
    "filter_favourite": favourite_filters,
    "filter_create": create_filter,
    "filter_search": search_filters,
    "filter_my": my_filters,
    "filter_get": get_filter,
    "filter_update": update_filter,
}
