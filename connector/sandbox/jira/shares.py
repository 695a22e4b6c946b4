"""Share permissions of filters and dashboards, and the site's groups they name.

Jira Cloud keeps a share as {type, group | project | user}; a request names a group by `name`
(or `groupname`) or `groupId`, and a group the site does not have is refused. Groups live in
`jira_groups`; a new site has Jira Cloud's default ones."""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

from connector.sandbox.jira.context import Ctx
from connector.sandbox.jira.errors import JiraHTTPError
from connector.sandbox.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS jira_groups (name TEXT PRIMARY KEY, group_id TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS jira_filters (
    id INTEGER PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
    jql TEXT NOT NULL, favourite INTEGER NOT NULL, shares TEXT NOT NULL, edits TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jira_dashboards (
    id INTEGER PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
    shares TEXT NOT NULL, edits TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jira_gadgets (
    id INTEGER PRIMARY KEY, dashboard_id INTEGER NOT NULL, module_key TEXT, uri TEXT,
    color TEXT NOT NULL, row INTEGER NOT NULL, col INTEGER NOT NULL, title TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jira_item_properties (
    dashboard_id INTEGER NOT NULL, item_id INTEGER NOT NULL, key TEXT NOT NULL,
    value TEXT NOT NULL, PRIMARY KEY (dashboard_id, item_id, key));
"""
DEFAULT_GROUPS = ("jira-software-users", "jira-administrators", "site-admins")
# What a request may share with, as the Cloud API takes it ("global" is gone from Cloud:
# public sharing of filters and dashboards was switched off in 2023).
TYPES = frozenset({"group", "project", "user", "authenticated", "loggedin"})


def install(store: Store) -> None:
    """The tables (a script: it commits on its own) and the default groups."""
    with store.read() as conn:
        conn.executescript(SCHEMA)
    with store.write() as conn:
        for name in DEFAULT_GROUPS:
            add_group(conn, name)


def add_group(conn: sqlite3.Connection, name: str) -> str:
    """The group's id, the group made if the site lacks it."""
    row = conn.execute("SELECT group_id FROM jira_groups WHERE name = ?", (name,)).fetchone()
    if row:
        return str(row[0])
    group_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"jira-group:{name}"))
    conn.execute("INSERT INTO jira_groups (name, group_id) VALUES (?, ?)", (name, group_id))
    return group_id


def visible(ctx: Ctx, owner: Any, stored: str) -> bool:
    """Whether the caller sees a shared filter or dashboard: its owner always; anyone signed in
    when one of its stored share permissions is open to them."""
    if owner == ctx.user:
        return True
    kinds = {share["type"] for share in json.loads(stored)}
    return bool(kinds & {"authenticated", "loggedin", "project"})


def parse(ctx: Ctx, conn: sqlite3.Connection, raw: Any, key: str) -> list[dict[str, Any]]:
    """A request's share permissions as stored (type and the group's name and id, the project's
    id, or the user's accountId); Jira's 400 for one it cannot keep."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(p, dict) for p in raw):
        raise JiraHTTPError(400, "Can not deserialize instance of java.util.ArrayList.")
    kept: list[dict[str, Any]] = []
    for share in raw:
        kind = share.get("type")
        if kind not in TYPES:
            raise JiraHTTPError(400, errors={key: f"Share type '{kind}' is not valid."})
        kept.append({"type": kind, **_target(ctx, conn, share, kind, key)})
    return kept


def _target(
    ctx: Ctx, conn: sqlite3.Connection, share: dict[str, Any], kind: str, key: str
) -> dict[str, Any]:
    if kind == "group":
        group = _object(share, "group")
        name = group.get("name") or share.get("groupname")
        gid = group.get("groupId") or share.get("groupId")
        row = conn.execute(
            "SELECT name, group_id FROM jira_groups WHERE name = ? OR group_id = ?", (name, gid)
        ).fetchone()
        if row is None:
            raise JiraHTTPError(400, errors={key: f"Group: '{name or gid}' does not exist."})
        return {"group": row[0], "groupId": row[1]}
    if kind == "project":
        project = _object(share, "project")
        ref = str(project.get("id") or share.get("projectId") or "")
        found = next((p for p in ctx.scheme.projects.values() if str(p.id) == ref), None)
        if found is None:
            raise JiraHTTPError(400, errors={key: f"Project: '{ref}' does not exist."})
        return {"project": found.id}
    if kind == "user":
        user = _object(share, "user")
        account = user.get("accountId") or share.get("accountId")
        if ctx.scheme.user_by(account_id=str(account)) is None:
            raise JiraHTTPError(400, errors={key: f"User: '{account}' does not exist."})
        return {"accountId": account}
    return {}


def _object(share: dict[str, Any], key: str) -> dict[str, Any]:
    found = share.get(key)
    return found if isinstance(found, dict) else {}


def render(ctx: Ctx, shares: list[dict[str, Any]], first_id: int) -> list[dict[str, Any]]:
    """Stored shares as Jira answers them (SharePermission), each with an id."""
    shown = []
    for number, share in enumerate(shares):
        item: dict[str, Any] = {"id": share.get("id", first_id + number), "type": share["type"]}
        if "group" in share:
            item["group"] = {
                "name": share["group"],
                "groupId": share["groupId"],
                "self": f"{ctx.site.api}/group?groupId={share['groupId']}",
            }
        if "project" in share:
            project = ctx.scheme.projects[share["project"]]
            item["project"] = {
                "id": str(project.id),
                "key": project.key,
                "name": project.name,
                "self": f"{ctx.site.api}/project/{project.id}",
            }
        if "accountId" in share:
            user = ctx.scheme.users[share["accountId"]]
            item["user"] = {
                "accountId": user.account_id,
                "displayName": user.display_name,
                "active": user.active,
                "self": f"{ctx.site.api}/user?accountId={user.account_id}",
            }
        shown.append(item)
    return shown


def user_bean(ctx: Ctx, account_id: str) -> dict[str, Any]:
    """A user as UserBean (a dashboard's owner): fewer keys than a User."""
    user = ctx.site.user(account_id) or {}
    keys = ("self", "accountId", "displayName", "active", "avatarUrls")
    return {key: user[key] for key in keys if key in user}


def numbered(shares: list[dict[str, Any]], first_id: int) -> list[dict[str, Any]]:
    """Shares with the ids they keep from now on (a filter's: deleted one by one by id)."""
    return [{**share, "id": first_id + n} for n, share in enumerate(shares)]


def groups_of(shares: list[dict[str, Any]]) -> set[str]:
    return {share["group"] for share in shares if "group" in share}
