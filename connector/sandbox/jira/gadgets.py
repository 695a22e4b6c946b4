"""A dashboard's gadgets and their item properties, as Jira Cloud keeps them.

Gadgets sit in the columns of the dashboard's layout (a new dashboard has two), each column
a list: a gadget placed where another is moves that one and those below it down, and rows stay
numbered 0, 1, 2... A gadget is added by the `uri` of its spec or by its `moduleKey`, never
both, and must be one the site has (Jira's own gadgets here) unless the request says to skip
that check. What a gadget shows is its item property `config`: for a gadget with a spec URI
and no module key, an object of strings (Jira's 400 otherwise)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from connector.sandbox.jira import dashboards
from connector.sandbox.jira.context import Ctx, json_response
from connector.sandbox.jira.errors import JiraHTTPError

ITEM = "dashboard/<dashboardId>/items/<itemId>/properties"
ROUTES: list[tuple[str, str, tuple[str, ...]]] = [
    ("dashboard/<dashboardId>/gadget", "gadget_list", ("GET",)),
    ("dashboard/<dashboardId>/gadget", "gadget_add", ("POST",)),
    ("dashboard/<dashboardId>/gadget/<gadgetId>", "gadget_update", ("PUT",)),
    (ITEM, "item_property_keys", ("GET",)),
    (f"{ITEM}/<propertyKey>", "item_property_get", ("GET",)),
    (f"{ITEM}/<propertyKey>", "item_property_set", ("PUT",)),
]
ARGUMENTS = {"dashboardId": "dashboard_ref", "gadgetId": "gadget_ref", "itemId": "item_ref"}
GADGETS = "com.atlassian.jira.gadgets"
# Jira's own gadgets: module key -> spec URI.
BUILT_IN = {
    f"{GADGETS}:{name}-gadget": f"rest/gadgets/1.0/g/{GADGETS}:{name}-gadget/gadgets/{spec}"
    for name, spec in (
        ("filter-results", "filter-results-gadget.xml"),
        ("pie-chart", "piechart-gadget.xml"),
        ("two-dimensional-stats", "two-dimensional-stats-gadget.xml"),
        ("stats", "stats-gadget.xml"),
        ("created-vs-resolved-issues-chart", "createdvsresolved-gadget.xml"),
        ("assigned-to-me", "assigned-to-me-gadget.xml"),
        ("heat-map", "heatmap-gadget.xml"),
    )
}
COLORS = ("blue", "red", "yellow", "green", "cyan", "purple", "gray", "white")
COLUMNS_OF_LAYOUT = 2  # a new dashboard's layout, "AA"
KEY_ROOM, VALUE_ROOM = 255, 32_768
GADGET_COLUMNS = "id, dashboard_id, module_key, uri, color, row, col, title"


def _render(row: tuple[Any, ...]) -> dict[str, Any]:
    gid, _dashboard, module_key, uri, color, row_at, col, title = row
    gadget: dict[str, Any] = {"id": gid, "color": color, "title": title}
    gadget |= {"moduleKey": module_key} if module_key else {"uri": uri}
    return gadget | {"position": {"row": row_at, "column": col}}


def _gadgets(conn: sqlite3.Connection, dashboard_id: int) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in conn.execute(
            f"SELECT {GADGET_COLUMNS} FROM jira_gadgets WHERE dashboard_id = ? ORDER BY col, row",
            (dashboard_id,),
        )
    ]


def list_gadgets(ctx: Ctx, dashboard_ref: str) -> Response:
    args = ctx.request.args
    with ctx.store.read() as conn:
        dashboard = dashboards.find(ctx, conn, dashboard_ref)
        rows = _gadgets(conn, dashboard[0])
    wanted_ids = {int(i) for i in args.getlist("gadgetId") if i.isdigit()}
    rows = [
        r
        for r in rows
        if (not args.getlist("moduleKey") or r[2] in args.getlist("moduleKey"))
        and (not args.getlist("uri") or r[3] in args.getlist("uri"))
        and (not args.getlist("gadgetId") or r[0] in wanted_ids)
    ]
    return json_response({"gadgets": [_render(r) for r in rows]})


def _owned(ctx: Ctx, conn: sqlite3.Connection, dashboard_ref: str, status: int) -> int:
    """The dashboard's id when the caller owns it; `status` (403 or 404) when not."""
    dashboard = dashboards.find(ctx, conn, dashboard_ref)
    if dashboard[1] != ctx.user:
        raise JiraHTTPError(status, "Only the owner of the dashboard can change it.")
    return int(dashboard[0])


def _color(body: dict[str, Any], default: str | None) -> str:
    color = body.get("color", default)
    if color not in COLORS:
        raise JiraHTTPError(
            400, errors={"color": f"The gadget color must be one of {', '.join(COLORS)}."}
        )
    return str(color)


def _position(body: dict[str, Any], default: tuple[int, int]) -> tuple[int, int]:
    """(row, column) asked for; Jira's 400 for one outside the layout."""
    position = body.get("position")
    if position is None:
        return default
    row, column = (
        position.get(k) if isinstance(position, dict) else None for k in ("row", "column")
    )
    if not isinstance(row, int) or not isinstance(column, int) or row < 0 or column < 0:
        raise JiraHTTPError(400, errors={"position": "The gadget position is not valid."})
    if column >= COLUMNS_OF_LAYOUT:
        raise JiraHTTPError(
            400,
            errors={
                "position": f"Cannot place the gadget in column {column}: the dashboard layout "
                f"has {COLUMNS_OF_LAYOUT} columns."
            },
        )
    return row, column


def _place(
    conn: sqlite3.Connection, dashboard_id: int, gadget_id: int, at: tuple[int, int]
) -> None:
    """Puts the gadget at (row, column): those there and below move down; rows renumbered."""
    row, column = at
    others = [r[0] for r in _gadgets(conn, dashboard_id) if r[6] == column and r[0] != gadget_id]
    others.insert(min(row, len(others)), gadget_id)
    conn.execute("UPDATE jira_gadgets SET col = ? WHERE id = ?", (column, gadget_id))
    _renumber(conn, dashboard_id)
    for number, gid in enumerate(others):
        conn.execute("UPDATE jira_gadgets SET row = ? WHERE id = ?", (number, gid))


def _renumber(conn: sqlite3.Connection, dashboard_id: int) -> None:
    columns: dict[int, list[int]] = {}
    for r in _gadgets(conn, dashboard_id):
        columns.setdefault(r[6], []).append(r[0])
    for ids in columns.values():
        for number, gid in enumerate(ids):
            conn.execute("UPDATE jira_gadgets SET row = ? WHERE id = ?", (number, gid))


def add_gadget(ctx: Ctx, dashboard_ref: str) -> Response:
    body = ctx.body()
    module_key, uri = body.get("moduleKey"), body.get("uri")
    if module_key and uri:
        raise JiraHTTPError(400, "The moduleKey and uri cannot be provided together.")
    if not module_key and not uri:
        raise JiraHTTPError(400, "Either the moduleKey or the uri must be provided.")
    known = module_key in BUILT_IN if module_key else uri in BUILT_IN.values()
    if not known and not body.get("ignoreUriAndModuleKeyValidation"):
        what = f"module key '{module_key}'" if module_key else f"URI '{uri}'"
        raise JiraHTTPError(400, f"The gadget with the {what} is not available.")
    title = body.get("title")
    with ctx.store.write() as conn:
        dashboard_id = _owned(ctx, conn, dashboard_ref, 404)
        color, at = _color(body, "blue"), _position(body, (0, 0))
        gid = ctx.store.next_id(conn, "jira_gadgets")
        conn.execute(
            f"INSERT INTO jira_gadgets ({GADGET_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (gid, dashboard_id, module_key, uri, color, at[0], at[1], title or ""),
        )
        _place(conn, dashboard_id, gid, at)
        row = next(r for r in _gadgets(conn, dashboard_id) if r[0] == gid)
    return json_response(_render(row))


def _gadget(conn: sqlite3.Connection, dashboard_id: int, ref: str) -> tuple[Any, ...]:
    found = next((r for r in _gadgets(conn, dashboard_id) if str(r[0]) == ref), None)
    if found is None:
        raise JiraHTTPError(404, f"The gadget with id '{ref}' does not exist on the dashboard.")
    return found


def update_gadget(ctx: Ctx, dashboard_ref: str, gadget_ref: str) -> Response:
    body = ctx.body()
    with ctx.store.write() as conn:
        dashboard_id = _owned(ctx, conn, dashboard_ref, 404)
        row = _gadget(conn, dashboard_id, gadget_ref)
        color, at = _color(body, row[4]), _position(body, (row[5], row[6]))
        title = body.get("title", row[7])
        conn.execute(
            "UPDATE jira_gadgets SET color = ?, title = ? WHERE id = ?", (color, title, row[0])
        )
        if at != (row[5], row[6]):
            _place(conn, dashboard_id, row[0], at)
    return Response(status=204)


def _item(ctx: Ctx, conn: sqlite3.Connection, dashboard_ref: str, item_ref: str) -> tuple[int, int]:
    dashboard = dashboards.find(ctx, conn, dashboard_ref)
    gadget = next((r for r in _gadgets(conn, dashboard[0]) if str(r[0]) == item_ref), None)
    if gadget is None:
        raise JiraHTTPError(404, f"The dashboard item with id '{item_ref}' does not exist.")
    return int(dashboard[0]), int(gadget[0])


def property_keys(ctx: Ctx, dashboard_ref: str, item_ref: str) -> Response:
    with ctx.store.read() as conn:
        dashboard_id, item_id = _item(ctx, conn, dashboard_ref, item_ref)
        keys = [
            r[0]
            for r in conn.execute(
                "SELECT key FROM jira_item_properties WHERE dashboard_id = ? AND item_id = ? "
                "ORDER BY key",
                (dashboard_id, item_id),
            )
        ]
    base = f"{ctx.site.api}/dashboard/{dashboard_id}/items/{item_id}/properties"
    return json_response({"keys": [{"key": k, "self": f"{base}/{k}"} for k in keys]})


def property_get(ctx: Ctx, dashboard_ref: str, item_ref: str, property_key: str) -> Response:
    with ctx.store.read() as conn:
        dashboard_id, item_id = _item(ctx, conn, dashboard_ref, item_ref)
        row = conn.execute(
            "SELECT value FROM jira_item_properties WHERE dashboard_id = ? AND item_id = ? "
            "AND key = ?",
            (dashboard_id, item_id, property_key),
        ).fetchone()
    if row is None:
        raise JiraHTTPError(404, f"The property with key '{property_key}' does not exist.")
    return json_response({"key": property_key, "value": json.loads(row[0])})


def property_set(ctx: Ctx, dashboard_ref: str, item_ref: str, property_key: str) -> Response:
    value = ctx.request.get_json(silent=True, force=True)
    text = json.dumps(value)
    if value is None or ctx.request.get_data() == b"":
        raise JiraHTTPError(400, "The property value must be a valid, non-empty JSON blob.")
    if len(property_key) > KEY_ROOM or len(text) > VALUE_ROOM:
        raise JiraHTTPError(400, "The property key or value is too long.")
    with ctx.store.write() as conn:
        dashboard_id, item_id = _item(ctx, conn, dashboard_ref, item_ref)
        _owned(ctx, conn, dashboard_ref, 403)
        gadget = _gadget(conn, dashboard_id, str(item_id))
        if property_key == "config" and gadget[3] and not gadget[2] and not _strings(value):
            raise JiraHTTPError(
                400,
                "The config of a gadget with a spec URI must be an object whose keys and "
                "values are strings.",
            )
        known = conn.execute(
            "SELECT 1 FROM jira_item_properties WHERE dashboard_id = ? AND item_id = ? AND key = ?",
            (dashboard_id, item_id, property_key),
        ).fetchone()
        conn.execute(
            "INSERT OR REPLACE INTO jira_item_properties (dashboard_id, item_id, key, value) "
            "VALUES (?, ?, ?, ?)",
            (dashboard_id, item_id, property_key, text),
        )
    return Response(status=200 if known else 201)


def _strings(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


HANDLERS: dict[str, Callable[..., Response]] = {
    "gadget_list": list_gadgets,
    "gadget_add": add_gadget,
    "gadget_update": update_gadget,
    "item_property_keys": property_keys,
    "item_property_get": property_get,
    "item_property_set": property_set,
}
