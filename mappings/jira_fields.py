"""Jira field references to field ids: the one rule by which a mapping's fields are read and
written (an id, or the one field of exactly that name)."""

from __future__ import annotations

from collections.abc import Mapping

# Fields every issue has, by id; a mapping names them by id.
SYSTEM_FIELDS = frozenset(
    {
        "summary", "description", "status", "issuetype", "labels", "parent", "issuelinks",
        "duedate", "created", "updated", "resolutiondate", "assignee", "reporter", "creator",
        "priority", "components", "fixVersions", "project", "resolution", "environment",
    }
)  # fmt: skip


class FieldIndex:
    """Field references to ids, one rule for reading and writing: an id is itself; a name is
    the one field of exactly that name. A name two fields share is neither (pin one by its id),
    and a name that differs only in case is another field, never this one."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names
        self.by_name: dict[str, list[str]] = {}
        for fid, name in names.items():
            self.by_name.setdefault(name, []).append(fid)

    def ids(self, ref: str) -> list[str]:
        """The ids a reference may mean: one, none, or several (an ambiguous name)."""
        if ref in SYSTEM_FIELDS or ref in self.names or ref.startswith("customfield_"):
            return [ref]
        return self.by_name.get(ref, [])

    def id(self, ref: str) -> str | None:
        """The one id a reference means, or None (no such field, or several)."""
        found = self.ids(ref)
        return found[0] if len(found) == 1 else None
