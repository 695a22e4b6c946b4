"""All the work in a tool (the wider scope): each item's key, a few fields, and what it links to.

Read to show how much work serves no priority; never an entity of the architecture, and never
written to. A value that cannot be read is left empty (an effort typed as "tbc" counts the
item, not its effort), so one odd ticket never stops the picture.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from mappings.model import Strict


class WorkItem(Strict):
    """One item of all the work: `links` are the keys it points to (parent, issue links,
    linked records); `serves` the priorities it serves through them, `via` the key that
    tied it to the first of them (both set by `rules.alignment`)."""

    source: str
    key: str
    name: str = ""
    url: str | None = None
    department: str | None = None
    team: str | None = None
    effort: float | None = None
    links: list[str] = Field(default_factory=list)
    updated: str | None = None  # as the tool wrote it: the next read starts from the newest
    serves: list[str] = Field(default_factory=list)
    via: str | None = None


def text_of(raw: Any) -> str | None:
    """A field's words: a string, a select's value, a team's or user's name, a list's first."""
    if isinstance(raw, list):
        return text_of(raw[0]) if raw else None
    if isinstance(raw, dict):
        for key in ("value", "name", "title", "displayName"):
            if isinstance(raw.get(key), str):
                return str(raw[key]).strip() or None
        return None
    if isinstance(raw, str):
        return raw.strip() or None
    return None if raw is None or isinstance(raw, bool) else str(raw)


def number_of(raw: Any) -> float | None:
    """An effort: a number, or text that is one; anything else is no effort."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        return float(raw) if raw == raw and abs(raw) != float("inf") else None
    if isinstance(raw, str):
        try:
            value = float(raw.replace(",", "").strip())
        except ValueError:
            return None
        return value if value == value and abs(value) != float("inf") else None
    return None


def jira_work(
    issue: Mapping[str, Any], source: str, ids: Mapping[str, str | None], site_url: str
) -> WorkItem | None:
    """A work item from a search/jql issue; `ids` maps name/department/team/effort to the
    field ids asked for. None for an issue without a key."""
    key = issue.get("key")
    fields = issue.get("fields")
    if not isinstance(key, str) or not isinstance(fields, dict):
        return None
    links: list[str] = []
    parent = fields.get("parent")
    if isinstance(parent, dict) and isinstance(parent.get("key"), str):
        links.append(parent["key"])
    for link in fields.get("issuelinks") or ():
        for side in ("outwardIssue", "inwardIssue"):
            other = link.get(side) if isinstance(link, dict) else None
            if isinstance(other, dict) and isinstance(other.get("key"), str):
                links.append(other["key"])
    return WorkItem(
        source=source,
        key=key,
        name=text_of(fields.get(ids.get("name") or "summary")) or "",
        url=f"{site_url.rstrip('/')}/browse/{key}",
        department=_field(fields, ids.get("department"), text_of),
        team=_field(fields, ids.get("team"), text_of),
        effort=_field(fields, ids.get("effort"), number_of),
        links=list(dict.fromkeys(links)),
        updated=fields["updated"] if isinstance(fields.get("updated"), str) else None,
    )


def airtable_work(
    record: Mapping[str, Any],
    source: str,
    names: Mapping[str, str | None],
    links: list[str],
    url: str | None,
) -> WorkItem | None:
    """A work item from an Airtable record (cells by field name); `links` are the
    linked-record fields whose record ids say what it serves."""
    key = record.get("id")
    cells = record.get("fields")
    if not isinstance(key, str) or not isinstance(cells, dict):
        return None
    linked = [rid for field in links for rid in cells.get(field) or () if isinstance(rid, str)]
    return WorkItem(
        source=source,
        key=key,
        name=text_of(cells.get(names.get("name") or "Name")) or "",
        url=url,
        department=_field(cells, names.get("department"), text_of),
        team=_field(cells, names.get("team"), text_of),
        effort=_field(cells, names.get("effort"), number_of),
        links=list(dict.fromkeys(linked)),
    )


def _field(fields: Mapping[str, Any], field_id: str | None, read: Any) -> Any:
    return None if field_id is None else read(fields.get(field_id))
