"""Comment properties, as Jira keeps them: set with a comment (`properties` on create) or one by
one (PUT /comment/{id}/properties/{key}), read one by one, or with the comments themselves
through POST /comment/list?expand=properties (Jira Cloud only; Data Center has no comment/list).
GET /issue/{key}/comment documents no `properties` expansion, so it never returns them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from connector.sandbox.jira.context import Ctx, json_response
from connector.sandbox.jira.errors import JiraHTTPError

KEY_ROOM = 255  # characters of a property key
VALUE_ROOM = 32_768  # bytes of a property value, as JSON
LIST_ROOM = 1_000  # comment ids one POST /comment/list takes
ROUTES: list[tuple[str, str, tuple[str, ...]]] = [
    ("comment/list", "comment_list", ("POST",)),
    ("comment/<commentId>/properties", "comment_property_keys", ("GET",)),
    ("comment/<commentId>/properties/<propertyKey>", "comment_property_get", ("GET",)),
    ("comment/<commentId>/properties/<propertyKey>", "comment_property_set", ("PUT",)),
    ("comment/<commentId>/properties/<propertyKey>", "comment_property_delete", ("DELETE",)),
]
ARGUMENTS = {"commentId": "comment_ref", "propertyKey": "property_key"}
# The columns of a comment row, in the order `Renderer.comment` reads them.
COMMENT_COLUMNS = "id, issue_id, author, body, created, updated"


def checked(properties: Any) -> list[tuple[str, str]]:
    """A comment's `properties` (a list of {key, value}) as (key, JSON value) pairs; Jira's
    400 for a key or value it refuses."""
    if properties is None:
        return []
    if not isinstance(properties, list) or not all(isinstance(p, dict) for p in properties):
        raise JiraHTTPError(400, "Can not deserialize instance of java.util.ArrayList.")
    return [_pair(p.get("key"), p.get("value"), "value" in p) for p in properties]


def _pair(key: Any, value: Any, given: bool) -> tuple[str, str]:
    if not isinstance(key, str) or not key.strip():
        raise JiraHTTPError(400, "The property key cannot be null or empty.")
    if len(key) > KEY_ROOM:
        raise JiraHTTPError(400, f"The property key can not be longer than {KEY_ROOM} characters.")
    if not given or value is None:
        raise JiraHTTPError(400, "The property value cannot be null or empty.")
    text = json.dumps(value)
    if len(text.encode()) > VALUE_ROOM:
        raise JiraHTTPError(400, f"The property value can not be longer than {VALUE_ROOM} bytes.")
    return key, text


def store(conn: sqlite3.Connection, comment_id: int, pairs: list[tuple[str, str]]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO jira_comment_properties (comment_id, key, value) VALUES (?, ?, ?)",
        [(comment_id, key, value) for key, value in pairs],
    )


def of(conn: sqlite3.Connection, comment_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each comment's properties as Jira lists them, [{key, value}], in key order."""
    found: dict[int, list[dict[str, Any]]] = {cid: [] for cid in comment_ids}
    if not comment_ids:
        return found
    marks = ", ".join("?" * len(comment_ids))
    rows = conn.execute(
        "SELECT comment_id, key, value FROM jira_comment_properties "
        f"WHERE comment_id IN ({marks}) ORDER BY comment_id, key",
        comment_ids,
    )
    for comment_id, key, value in rows:
        found[comment_id].append({"key": key, "value": json.loads(value)})
    return found


def list_comments(ctx: Ctx) -> Response:
    """POST /comment/list: the comments of the ids given that exist, `properties` with them
    when expanded."""
    if ctx.mode == "server":  # Data Center has no such resource
        raise JiraHTTPError(404, f"null for uri: {ctx.request.url}")
    ids = ctx.body().get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise JiraHTTPError(400, "Can not deserialize instance of java.util.LinkedHashSet.")
    if len(ids) > LIST_ROOM:
        raise JiraHTTPError(400, f"The number of IDs cannot exceed {LIST_ROOM}.")
    expand = {part.strip() for part in ctx.request.args.get("expand", "").split(",")}
    with ctx.store.read() as conn:
        wanted = sorted(set(ids))
        marks = ", ".join("?" * len(wanted)) or "NULL"
        rows = conn.execute(
            f"SELECT {COMMENT_COLUMNS} FROM jira_comments WHERE id IN ({marks}) ORDER BY id",
            wanted,
        ).fetchall()
        renderer = ctx.renderer(conn)
        values = [renderer.comment(row) for row in rows]
        if "properties" in expand:
            found = of(conn, [row[0] for row in rows])
            for value, row in zip(values, rows, strict=True):
                value["properties"] = found[row[0]]
    page = {"startAt": 0, "maxResults": LIST_ROOM, "total": len(values), "isLast": True}
    return json_response({**page, "values": values})


def _comment(conn: sqlite3.Connection, ref: str) -> int:
    row = conn.execute(
        "SELECT id FROM jira_comments WHERE id = ?", (int(ref) if ref.isdigit() else -1,)
    ).fetchone()
    if row is None:
        raise JiraHTTPError(404, f"Can not find a comment for the id: {ref}.")
    return int(row[0])


def property_keys(ctx: Ctx, comment_ref: str) -> Response:
    with ctx.store.read() as conn:
        comment_id = _comment(conn, comment_ref)
        keys = [p["key"] for p in of(conn, [comment_id])[comment_id]]
    base = f"{ctx.site.api}/comment/{comment_id}/properties"
    return json_response({"keys": [{"key": key, "self": f"{base}/{key}"} for key in keys]})


def property_get(ctx: Ctx, comment_ref: str, property_key: str) -> Response:
    with ctx.store.read() as conn:
        comment_id = _comment(conn, comment_ref)
        row = conn.execute(
            "SELECT value FROM jira_comment_properties WHERE comment_id = ? AND key = ?",
            (comment_id, property_key),
        ).fetchone()
    if row is None:
        raise JiraHTTPError(404, f"The property with key '{property_key}' does not exist.")
    return json_response({"key": property_key, "value": json.loads(row[0])})


def property_set(ctx: Ctx, comment_ref: str, property_key: str) -> Response:
    value = ctx.request.get_json(silent=True, force=True)
    pair = _pair(property_key, value, ctx.request.get_data() != b"")
    with ctx.store.write() as conn:
        comment_id = _comment(conn, comment_ref)
        known = conn.execute(
            "SELECT 1 FROM jira_comment_properties WHERE comment_id = ? AND key = ?",
            (comment_id, property_key),
        ).fetchone()
        store(conn, comment_id, [pair])
    return Response(status=200 if known else 201)


def property_delete(ctx: Ctx, comment_ref: str, property_key: str) -> Response:
    with ctx.store.write() as conn:
        comment_id = _comment(conn, comment_ref)
        gone = conn.execute(
            "DELETE FROM jira_comment_properties WHERE comment_id = ? AND key = ?",
            (comment_id, property_key),
        ).rowcount
    if not gone:
        raise JiraHTTPError(404, f"The property with key '{property_key}' does not exist.")
    return Response(status=204)


HANDLERS: dict[str, Callable[..., Response]] = {
    "comment_list": list_comments,
    "comment_property_keys": property_keys,
    "comment_property_get": property_get,
    "comment_property_set": property_set,
    "comment_property_delete": property_delete,
}
