"""Jira issue endpoints: get, create, edit (`fields` and `update`), changelog, transitions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from werkzeug.wrappers import Response

from connector.sandbox.jira.context import (
    Ctx,
    add_history,
    change_item,
    find_issue,
    json_response,
)
from connector.sandbox.jira.errors import JiraHTTPError, cannot_set
from connector.sandbox.jira.links import insert_comment
from connector.sandbox.jira.meta import APP_KINDS, FieldDef, IssueType, Project, Status
from connector.sandbox.jira.permissions import DISCARD_NOTIFICATION, may_discard_notifications
from connector.sandbox.jira.render import IssueRow, select_fields
from connector.sandbox.jira.values import FieldValueError

T = TypeVar("T")
PARENT_HIERARCHY = "Given parent issue does not belong to appropriate hierarchy."
NOT_AN_EPIC = "Issue '{key}' is not an epic."
# The workflow every issue type shares: transition id -> status name.
TRANSITIONS = {"11": "To Do", "21": "In Progress", "31": "Done"}


def get_issue(ctx: Ctx, ref: str) -> Response:
    fields = select_fields(ctx.site, ctx.request.args.getlist("fields"), default="*all")
    expand = set(ctx.request.args.get("expand", "").split(","))
    with ctx.store.read() as conn:
        row = find_issue(conn, ref)
        renderer = ctx.renderer(conn)
        (issue,) = renderer.issues([row], fields, expand)
    if "names" in expand:
        issue["names"] = renderer.names(fields)
    if "schema" in expand:
        issue["schema"] = renderer.schemas(fields)
    return json_response(issue)


def create_issue(ctx: Ctx) -> Response:
    body = ctx.body()
    given = dict(body.get("fields") or {})
    errors: dict[str, str] = {}
    project = _ref_lookup(given.pop("project", None), ctx.scheme.project_named, "key")
    if project is None:
        errors["project"] = "Specify a valid project ID or key"
    itype = _ref_lookup(given.pop("issuetype", None), ctx.scheme.type_named, "name")
    if itype is None:
        errors["issuetype"] = "Specify an issue type"
    given.setdefault("summary", None)
    with ctx.store.write() as conn:
        edit = _Edit(ctx, conn, {}, itype, None)
        edit.apply(given, body.get("update") or {})
        errors.update(edit.errors)
        if errors or project is None or itype is None:
            raise JiraHTTPError(400, errors=errors)
        issue_id, key = _insert(ctx, conn, project, itype, edit.doc)
        _add_comments(ctx, conn, issue_id, body.get("update") or {})
    return json_response(
        {"id": str(issue_id), "key": key, "self": f"{ctx.site.api}/issue/{issue_id}"}, 201
    )


def _insert(
    ctx: Ctx, conn: sqlite3.Connection, project: Project, itype: IssueType, doc: dict[str, Any]
) -> tuple[int, str]:
    """A new issue in the workflow's first status, numbered next in its project."""
    (num,) = conn.execute(
        "SELECT next_num FROM jira_projects WHERE id = ?", (project.id,)
    ).fetchone()
    conn.execute("UPDATE jira_projects SET next_num = ? WHERE id = ?", (num + 1, project.id))
    issue_id = ctx.store.next_id(conn, "jira_issues")
    status = ctx.scheme.status_named("To Do")
    assert status is not None  # every seed creates the three workflow statuses
    doc.setdefault("reporter", ctx.user)
    doc.update(creator=ctx.user, statuscategorychangedate=ctx.stamp)
    row = (issue_id, f"{project.key}-{num}", project.id, project.key, num, itype.id, status.id)
    conn.execute(
        "INSERT INTO jira_issues (id, key, project_id, pkey, num, type_id, status_id, "
        "category_id, created, updated, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*row, status.category_id, ctx.stamp, ctx.stamp, json.dumps(doc)),
    )
    return issue_id, row[1]


def edit_issue(ctx: Ctx, ref: str) -> Response:
    body = ctx.body()
    update = body.get("update") or {}
    quiet = ctx.request.args.get("notifyUsers", "true").lower() == "false"
    with ctx.store.write() as conn:
        row = find_issue(conn, ref)
        if quiet and not may_discard_notifications(ctx):  # the whole edit is refused
            raise JiraHTTPError(403, DISCARD_NOTIFICATION)
        edit = _Edit(ctx, conn, json.loads(row.doc), ctx.scheme.types[row.type_id], row.id)
        changes = edit.apply(body.get("fields") or {}, update)
        if edit.errors:
            raise JiraHTTPError(400, errors=edit.errors)
        if changes:
            conn.execute(
                "UPDATE jira_issues SET doc = ? WHERE id = ?", (json.dumps(edit.doc), row.id)
            )
            add_history(ctx, conn, row.id, changes)
        _add_comments(ctx, conn, row.id, update)
    if ctx.request.args.get("returnIssue", "").lower() == "true":
        return get_issue(ctx, str(row.id))
    return Response(status=204)


def _ref_lookup(value: Any, lookup: Callable[[str], T | None], name_key: str) -> T | None:
    """A project / issue type given as {"id": ...} or {"key"/"name": ...} (or a bare string)."""
    if isinstance(value, str):
        return lookup(value)
    if isinstance(value, dict):
        ref = value.get("id") or value.get(name_key)
        return lookup(str(ref)) if ref is not None else None
    return None


class _Edit:
    """One create or edit: applies `fields` and `update` to a document, collecting errors."""

    def __init__(
        self,
        ctx: Ctx,
        conn: sqlite3.Connection,
        before: dict[str, Any],
        itype: IssueType | None,
        issue_id: int | None,
    ) -> None:
        self.ctx, self.conn, self.itype, self.issue_id = ctx, conn, itype, issue_id
        self.before = before
        self.doc = dict(before)
        self.errors: dict[str, str] = {}

    def apply(self, fields: dict[str, Any], update: dict[str, Any]) -> list[dict[str, Any]]:
        """Sets every field, runs every operation and returns the changelog items."""
        for name, value in fields.items():
            self.set(name, "set", value)
        for name, operations in update.items():
            if name == "comment":
                continue
            if name in fields:
                self.errors[name] = f"Field '{name}' cannot be both in 'fields' and 'update'."
                continue
            for operation in operations if isinstance(operations, list) else [operations]:
                if not isinstance(operation, dict) or len(operation) != 1:
                    self.errors[name] = (
                        f"Field '{name}': an operation is one of set, add or remove."
                    )
                    continue
                ((verb, value),) = operation.items()
                self.set(name, verb, value)
        return [
            _item(self.ctx, fdef, self.before.get(fid), self.doc.get(fid))
            for fid, fdef in self.ctx.scheme.fields.items()
            if self.before.get(fid) != self.doc.get(fid)
        ]

    def set(self, name: str, verb: str, value: Any) -> None:
        fdef = self.ctx.scheme.fields.get(name)
        # On Data Center `parent` is a sub-task's (the sandbox has no sub-task types): the
        # hierarchy lives in Parent Link and Epic Link.
        server_parent = fdef is not None and fdef.kind == "parent" and self.ctx.mode == "server"
        if fdef is None or not fdef.settable or server_parent:
            self.errors[name] = cannot_set(name)
            return
        try:
            stored = self.ctx.values.apply_op(fdef, self.doc.get(fdef.id), verb, value)
            if fdef.kind == "parent" and stored is not None:
                stored = self.parent(stored)
            if fdef.kind in APP_KINDS and stored is not None:
                stored = self.linked(fdef.kind, stored["key"])
        except FieldValueError as problem:
            self.errors[fdef.id] = str(problem)
            return
        if stored is None or stored == []:
            self.doc.pop(fdef.id, None)
        else:
            self.doc[fdef.id] = stored

    def parent(self, ref: dict[str, str]) -> int:
        """The parent's issue id, if it exists and sits exactly one hierarchy level up."""
        column, value = ("id", ref["id"]) if "id" in ref else ("key", ref["key"].upper())
        row = self.conn.execute(
            f"SELECT id, type_id FROM jira_issues WHERE {column} = ?", (value,)
        ).fetchone()
        if row is None:
            raise FieldValueError("Could not find issue by id or key.")
        level = self.ctx.scheme.types[row[1]].level
        if row[0] == self.issue_id or self.itype is None or level != self.itype.level + 1:
            raise FieldValueError(PARENT_HIERARCHY)
        return int(row[0])

    def linked(self, kind: str, key: str) -> int:
        """The issue a Parent Link (one hierarchy level up, from the Epic level or above) or
        an Epic Link (an Epic-level issue, from the story level) points to."""
        row = self.conn.execute(
            "SELECT id, type_id FROM jira_issues WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            raise FieldValueError(f"Issue '{key}' does not exist.")
        level = self.ctx.scheme.types[row[1]].level
        own = self.itype.level if self.itype is not None else None
        if kind == "epiclink" and (own != 0 or level != 1):
            raise FieldValueError(NOT_AN_EPIC.format(key=key))
        if kind == "parentlink" and (own is None or own < 1 or level != own + 1):
            raise FieldValueError(PARENT_HIERARCHY)
        if row[0] == self.issue_id:
            raise FieldValueError(PARENT_HIERARCHY)
        return int(row[0])


def _item(ctx: Ctx, fdef: FieldDef, old: Any, new: Any) -> dict[str, Any]:
    if fdef.kind == "parent":
        return change_item(
            "IssueParentAssociation",
            "jira",
            "parent",
            _parent_display(ctx, old),
            _parent_display(ctx, new),
        )
    if fdef.kind in APP_KINDS:
        old_shown, new_shown = _parent_display(ctx, old), _parent_display(ctx, new)
        return change_item(fdef.name, "custom", fdef.id, old_shown, new_shown)
    fieldtype = "custom" if fdef.custom else "jira"
    label = fdef.name if fdef.custom else fdef.id
    return change_item(
        label, fieldtype, fdef.id, ctx.values.display(fdef, old), ctx.values.display(fdef, new)
    )


def _parent_display(ctx: Ctx, issue_id: int | None) -> tuple[str | None, str | None]:
    if issue_id is None:
        return None, None
    with ctx.store.read() as conn:
        row = conn.execute("SELECT key FROM jira_issues WHERE id = ?", (issue_id,)).fetchone()
    return str(issue_id), row[0] if row else None


def _add_comments(
    ctx: Ctx, conn: sqlite3.Connection, issue_id: int, update: dict[str, Any]
) -> None:
    for operation in update.get("comment") or []:
        if isinstance(operation, dict) and isinstance(operation.get("add"), dict):
            insert_comment(ctx, conn, issue_id, operation["add"].get("body"))


def changelog(ctx: Ctx, ref: str) -> Response:
    start = ctx.int_arg("startAt", 0)
    size = ctx.int_arg("maxResults", 100, limit=100)
    with ctx.store.read() as conn:
        row = find_issue(conn, ref)
        total = conn.execute(
            "SELECT COUNT(*) FROM jira_changelog WHERE issue_id = ?", (row.id,)
        ).fetchone()[0]
        rows = conn.execute(
            "SELECT id, issue_id, created, author, items FROM jira_changelog WHERE issue_id = ? "
            "ORDER BY created, id LIMIT ? OFFSET ?",
            (row.id, size, start),
        ).fetchall()
        values = [ctx.renderer(conn).history(r) for r in rows]
    page: dict[str, Any] = {
        "self": f"{ctx.site.api}/issue/{row.key}/changelog?maxResults={size}&startAt={start}",
        "maxResults": size,
        "startAt": start,
        "total": total,
        "isLast": start + len(values) >= total,
        "values": values,
    }
    if not page["isLast"]:
        page["nextPage"] = (
            f"{ctx.site.api}/issue/{row.key}/changelog?maxResults={size}&startAt={start + size}"
        )
    return json_response(page)


def transitions(ctx: Ctx, ref: str) -> Response:
    with ctx.store.read() as conn:
        row = find_issue(conn, ref)
    available = []
    for tid, name in TRANSITIONS.items():
        status = ctx.scheme.status_named(name)
        if status is not None and status.id != row.status_id:
            available.append(
                {
                    "id": tid,
                    "name": name,
                    "to": ctx.site.status(status),
                    "hasScreen": False,
                    "isGlobal": True,
                    "isInitial": False,
                    "isAvailable": True,
                    "isConditional": False,
                    "isLooped": False,
                }
            )
    return json_response({"expand": "transitions", "transitions": available})


def do_transition(ctx: Ctx, ref: str) -> Response:
    body = ctx.body()
    tid = str((body.get("transition") or {}).get("id", ""))
    status = ctx.scheme.status_named(TRANSITIONS.get(tid, ""))
    with ctx.store.write() as conn:
        row = find_issue(conn, ref)
        if status is None:
            raise JiraHTTPError(400, f"Transition id '{tid}' is not valid for this issue.")
        if status.id == row.status_id:
            return Response(status=204)
        _move(ctx, conn, row, status)
    return Response(status=204)


def _move(ctx: Ctx, conn: sqlite3.Connection, row: IssueRow, status: Status) -> None:
    old = ctx.scheme.statuses[row.status_id]
    doc = json.loads(row.doc)
    if old.category_id != status.category_id:
        doc["statuscategorychangedate"] = ctx.stamp
    conn.execute(
        "UPDATE jira_issues SET status_id = ?, category_id = ?, doc = ? WHERE id = ?",
        (status.id, status.category_id, json.dumps(doc), row.id),
    )
    item = change_item(
        "status", "jira", "status", (str(old.id), old.name), (str(status.id), status.name)
    )
    add_history(ctx, conn, row.id, [item])
