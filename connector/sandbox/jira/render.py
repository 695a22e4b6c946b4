"""Issues as Jira shows them: only the asked-for fields, related rows fetched once per page."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from connector.sandbox.jira.adf import to_text
from connector.sandbox.jira.meta import APP_KINDS, NON_NAVIGABLE, FieldDef, Site, field_schema
from connector.sandbox.jira.values import Values

ISSUE_COLUMNS = "id, key, project_id, type_id, status_id, created, updated, doc"
ISSUE_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"
# Jira inlines at most this many histories (the newest) with expand=changelog on an issue...
INLINE_HISTORIES = 100
# ... and Cloud's search/jql at most 40, its `total` then the histories on the page, as the
# spec's PageOfChangelogs says: whoever needs them all must ask changelog/bulkfetch.
SEARCH_HISTORIES = 40


class IssueRow(NamedTuple):
    id: int
    key: str
    project_id: int
    type_id: int
    status_id: int
    created: str
    updated: str
    doc: str


def select_fields(site: Site, tokens: Iterable[str] | None, *, default: str) -> list[FieldDef]:
    """The fields a `fields` parameter asks for: ids, `*all`, `*navigable`, `-id` exclusions."""
    items = [t.strip() for token in (tokens or []) for t in token.split(",") if t.strip()]
    if not items:
        items = [default]
    every = site.scheme.fields
    navigable = [f for f in every.values() if f.id not in NON_NAVIGABLE]
    chosen: dict[str, FieldDef] = {}
    if all(item.startswith("-") for item in items):
        chosen.update((f.id, f) for f in navigable)
    for item in items:
        if item == "*all":
            chosen.update(every)
        elif item == "*navigable":
            chosen.update((f.id, f) for f in navigable)
        elif item.startswith("-"):
            chosen.pop(item[1:], None)
        elif item in every:
            chosen[item] = every[item]
    return list(chosen.values())


class Renderer:
    """Renders issue rows for one request (one base URL, API version and mode)."""

    def __init__(self, conn: sqlite3.Connection, site: Site, values: Values) -> None:
        self.conn = conn
        self.site = site
        self.values = values
        self.v2 = values.version == "2"
        # Issues a page's Parent Link and Epic Link fields point to: id -> (key, row fields).
        self.linked: dict[int, tuple[str, int, int, int, str]] = {}

    def issues(
        self,
        rows: Sequence[IssueRow],
        fields: list[FieldDef],
        expand: set[str],
        *,
        histories_cap: int = INLINE_HISTORIES,
    ) -> list[dict[str, Any]]:
        ids = [row.id for row in rows]
        wanted = {f.id for f in fields}
        parents = self._parents(rows) if "parent" in wanted else {}
        links = self._links(ids) if "issuelinks" in wanted else {}
        comments = self._comments(ids) if "comment" in wanted else {}
        files = self._attachments(ids) if "attachment" in wanted else {}
        histories = self._histories(ids, histories_cap) if "changelog" in expand else {}
        self.linked = self._linked(rows, [f for f in fields if f.kind in APP_KINDS])
        out = []
        for row in rows:
            doc = json.loads(row.doc)
            issue: dict[str, Any] = {
                "expand": ISSUE_EXPAND,
                "id": str(row.id),
                "self": f"{self.site.api}/issue/{row.id}",
                "key": row.key,
                "fields": {
                    f.id: self._value(f, row, doc, parents, links, comments)
                    if f.kind != "attachment"
                    else files.get(row.id, [])
                    for f in fields
                },
            }
            if "changelog" in expand:
                issue["changelog"] = histories.get(row.id) or _history_page([], 0)
            out.append(issue)
        return out

    def names(self, fields: list[FieldDef]) -> dict[str, str]:
        return {f.id: f.name for f in fields}

    def schemas(self, fields: list[FieldDef]) -> dict[str, Any]:
        return {f.id: s for f in fields if (s := field_schema(f)) is not None}

    def _value(
        self,
        fdef: FieldDef,
        row: IssueRow,
        doc: dict[str, Any],
        parents: dict[int, dict[str, Any]],
        links: dict[int, list[dict[str, Any]]],
        comments: dict[int, list[dict[str, Any]]],
    ) -> Any:
        kind, site = fdef.kind, self.site
        if kind == "issuetype":
            return site.issue_type(site.scheme.types[row.type_id])
        if kind == "project":
            return site.project(site.scheme.projects[row.project_id])
        if kind == "status":
            return site.status(site.scheme.statuses[row.status_id])
        if kind == "stamp":
            return {"created": row.created, "updated": row.updated}.get(fdef.id, doc.get(fdef.id))
        if kind == "issuelinks":
            return links.get(row.id, [])
        if kind == "comment":
            found = comments.get(row.id, [])
            return {
                "comments": found,
                "self": f"{site.api}/issue/{row.id}/comment",
                "maxResults": len(found),
                "total": len(found),
                "startAt": 0,
            }
        if kind == "parent":
            return parents.get(doc["parent"]) if doc.get("parent") else None
        return self.stored(fdef, doc.get(fdef.id))

    def stored(self, fdef: FieldDef, value: Any) -> Any:
        """A stored field value in the API's form."""
        if value is None:
            return [] if fdef.kind == "labels" else None
        kind = fdef.kind
        if kind == "paragraph":
            if isinstance(value, str):  # Data Center's wiki markup, as stored
                return value
            return to_text(value) if self.v2 else value
        if kind in APP_KINDS:
            return self._app_link(kind, value)
        if kind == "select":
            option = self.site.scheme.option(fdef.id, oid=value)
            return self.site.option(option) if option else None
        if kind == "users":
            return [u for u in map(self.site.user, value) if u is not None]
        if kind == "user":
            return self.site.user(value)
        return value

    def _app_link(self, kind: str, issue_id: int) -> Any:
        """Epic Link as the epic's key; Parent Link as Advanced Roadmaps shows it on Data
        Center: `data` holding the parent's id, key and summary (None once it is deleted)."""
        found = self.linked.get(issue_id)
        if found is None:
            return None
        key, num, project_id, type_id, summary = found
        if kind == "epiclink":
            return key
        icon = f"/secure/viewavatar?size=xsmall&avatarId={type_id}&avatarType=issuetype"
        return {
            "hasEpicLinkFieldDependency": False,
            "showField": True,
            "data": {
                "id": issue_id,
                "key": key,
                "keyNum": num,
                "summary": summary,
                "projectId": project_id,
                "issueType": {"id": str(type_id), "iconUrl": icon},
            },
        }

    def _linked(
        self, rows: Sequence[IssueRow], fields: list[FieldDef]
    ) -> dict[int, tuple[str, int, int, int, str]]:
        wanted: set[int] = set()
        for row in rows if fields else ():
            doc = json.loads(row.doc)
            wanted.update(doc[f.id] for f in fields if doc.get(f.id) is not None)
        if not wanted:
            return {}
        found = self.conn.execute(
            "SELECT id, key, num, project_id, type_id, json_extract(doc, '$.summary') "
            f"FROM jira_issues WHERE id IN ({', '.join('?' * len(wanted))})",
            sorted(wanted),
        )
        return {row[0]: (row[1], row[2], row[3], row[4], row[5] or "") for row in found}

    def brief(self, row: tuple[int, str, int, int, str | None]) -> dict[str, Any]:
        """A related issue as Jira nests it (parent, linked issue): id, key and a few fields."""
        issue_id, key, type_id, status_id, summary = row
        scheme = self.site.scheme
        return {
            "id": str(issue_id),
            "key": key,
            "self": f"{self.site.api}/issue/{issue_id}",
            "fields": {
                "summary": summary or "",
                "status": self.site.status(scheme.statuses[status_id]),
                "issuetype": self.site.issue_type(scheme.types[type_id]),
            },
        }

    def briefs(self, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = self.conn.execute(
            "SELECT id, key, type_id, status_id, json_extract(doc, '$.summary') FROM jira_issues "
            f"WHERE id IN ({', '.join('?' * len(wanted))})",
            wanted,
        )
        return {row[0]: self.brief(row) for row in rows}

    def _parents(self, rows: Sequence[IssueRow]) -> dict[int, dict[str, Any]]:
        parent_ids = [json.loads(r.doc).get("parent") for r in rows]
        return self.briefs(p for p in parent_ids if p)

    def _links(self, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        marks = ", ".join("?" * len(ids))
        rows = self.conn.execute(
            "SELECT id, type_id, source_id, target_id FROM jira_links "
            f"WHERE source_id IN ({marks}) OR target_id IN ({marks}) ORDER BY id",
            [*ids, *ids],
        ).fetchall()
        briefs = self.briefs(i for r in rows for i in r[2:])
        page = set(ids)
        out: dict[int, list[dict[str, Any]]] = {}
        for link_id, type_id, source, target in rows:
            link_type = self.site.link_type(self.site.scheme.link_types[type_id])
            base = {
                "id": str(link_id),
                "self": f"{self.site.api}/issueLink/{link_id}",
                "type": link_type,
            }
            if source in page:
                out.setdefault(source, []).append({**base, "outwardIssue": briefs[target]})
            if target in page:
                out.setdefault(target, []).append({**base, "inwardIssue": briefs[source]})
        return out

    def _attachments(self, ids: list[int]) -> dict[int, list[Any]]:
        from connector.sandbox.jira.attachments import of_issues  # it renders through Site

        return of_issues(self.conn, self.site, ids)

    def _comments(self, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        rows = self.conn.execute(
            "SELECT id, issue_id, author, body, created, updated FROM jira_comments "
            f"WHERE issue_id IN ({', '.join('?' * len(ids))}) ORDER BY id",
            ids,
        )
        out: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            out.setdefault(row[1], []).append(self.comment(row))
        return out

    def comment(self, row: tuple[int, int, str, str, str, str]) -> dict[str, Any]:
        comment_id, issue_id, author, body, created, updated = row
        stored = json.loads(body)
        user = self.site.user(author)
        shown = stored if isinstance(stored, str) or not self.v2 else to_text(stored)
        return {
            "self": f"{self.site.api}/issue/{issue_id}/comment/{comment_id}",
            "id": str(comment_id),
            "author": user,
            "body": shown,
            "updateAuthor": user,
            "created": created,
            "updated": updated,
            "jsdPublic": True,
        }

    def _histories(self, ids: list[int], cap: int) -> dict[int, dict[str, Any]]:
        """The newest `cap` histories of each issue; the issue's `total` unless the cap is
        search's, whose `total` counts only what the page holds."""
        marks = ", ".join("?" * len(ids))
        totals = dict(
            self.conn.execute(
                f"SELECT issue_id, COUNT(*) FROM jira_changelog WHERE issue_id IN ({marks}) "
                "GROUP BY issue_id",
                ids,
            ).fetchall()
        )
        rows = self.conn.execute(
            "SELECT id, issue_id, created, author, items FROM ("
            "SELECT *, ROW_NUMBER() OVER "
            "(PARTITION BY issue_id ORDER BY created DESC, id DESC) AS n "
            f"FROM jira_changelog WHERE issue_id IN ({marks})) WHERE n <= ? "
            "ORDER BY issue_id, created DESC, id DESC",
            [*ids, cap],
        )
        grouped: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            grouped.setdefault(row[1], []).append(self.history(row))
        if cap == SEARCH_HISTORIES:
            totals = {i: len(grouped.get(i, [])) for i in ids}
        return {i: _history_page(grouped.get(i, []), totals.get(i, 0)) for i in ids}

    def history(self, row: tuple[int, int, str, str, str]) -> dict[str, Any]:
        history_id, _issue_id, created, author, items = row
        return {
            "id": str(history_id),
            "author": self.site.user(author),
            "created": created,
            "items": json.loads(items),
        }


def _history_page(histories: list[dict[str, Any]], total: int) -> dict[str, Any]:
    return {"startAt": 0, "maxResults": len(histories), "total": total, "histories": histories}
