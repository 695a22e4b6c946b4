"""The wider scope of all work (`[sources.<name>.work]`): keys and a few fields, read only.

Jira, the first read (or a full sync): one search/jql call per page of `page_size` issues,
asking for the name, department, team, effort, `updated`, `parent` and `issuelinks` fields
alone. Then each sync reads keys-only pages (5,000 keys a call on Cloud, 1,000 on Data
Center: what left the scope is dropped), the issues updated since the newest it holds (less
the source's overlap), and any key it has never seen: on 10,000 quiet issues, three calls.
Airtable: one list call per page of 100 records of the table (or view), asking for those
fields and the linked-record fields, every sync (its pages are 100 records however few
fields are asked for).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from connector.config import AirtableSourceConfig, JiraSourceConfig, WorkScope
from connector.sources.base import Source
from mappings.errors import ConfigError
from mappings.readers import ReadError, read_datetime
from mappings.work import WorkItem, airtable_work, jira_work

KEYS_A_QUERY = 100  # keys new to the scope are fetched this many to a `key in (...)` search


def read_work(source: Source, held: list[WorkItem] | None = None) -> list[WorkItem] | None:
    """All work in the source's wider scope, or None when it has none configured. `held` is
    what the last read left (a Jira source then reads only what changed)."""
    config = source.config  # type: ignore[attr-defined]
    scope: WorkScope | None = getattr(config, "work", None)
    if scope is None:
        return None
    if isinstance(config, JiraSourceConfig):
        return _jira(source, scope, held or [])
    assert isinstance(config, AirtableSourceConfig)
    return _airtable(source, scope)


def _jira(source: Any, scope: WorkScope, held: list[WorkItem]) -> list[WorkItem]:
    source.ensure_connected()
    ids = _jira_fields(source, scope)
    fields = sorted({"summary", "updated", "parent", "issuelinks", *(f for f in ids.values() if f)})
    jql = f"({scope.jql})"
    since = _since(source, held)
    if since is None:
        return _search(source, f"{jql} ORDER BY key ASC", fields, ids)
    keys = [
        issue["key"]
        for page in _pages(source, f"{jql} ORDER BY key ASC", ["key"])
        for issue in page.get("issues") or ()
        if "key" in issue
    ]
    stamp = since.astimezone(source.zone).strftime("%Y-%m-%d %H:%M")
    fresh = {i.key: i for i in _search(source, f'{jql} AND updated >= "{stamp}"', fields, ids)}
    kept = {i.key: i for i in held}
    unseen = [key for key in keys if key not in kept and key not in fresh]
    for start in range(0, len(unseen), KEYS_A_QUERY):
        chunk = ", ".join(unseen[start : start + KEYS_A_QUERY])
        fresh.update((i.key, i) for i in _search(source, f"key in ({chunk})", fields, ids))
    return [fresh.get(key) or kept[key] for key in keys if key in fresh or key in kept]


def _since(source: Any, held: list[WorkItem]) -> datetime | None:
    """The newest update the held items carry, less the source's overlap; None: read all."""
    stamps = []
    for item in held:
        try:
            stamps.append(read_datetime(item.updated) if item.updated else None)
        except ReadError:
            return None  # a stamp that cannot be read: read everything again
    if not held or None in stamps:
        return None
    return max(s for s in stamps if s is not None) - source.overlap


def _pages(source: Any, jql: str, fields: list[str]) -> Any:
    """Search pages of the work scope; a refused search names `work.jql`."""
    counts: Counter[str] = Counter()
    try:
        yield from source._pages(jql, fields, None, counts)
    except ConfigError as error:
        if not error.where or not error.where.endswith((".jql", ".projects")):
            raise
        raise ConfigError(
            error.message.replace("the search", "the work search"),
            where=f"sources.{source.name}.work.jql",
            fix="Correct work.jql so that it runs in Jira's issue search.",
        ) from None


def _search(source: Any, jql: str, fields: list[str], ids: dict[str, str | None]) -> list[WorkItem]:
    found = (
        jira_work(issue, source.name, ids, source.site_url)
        for page in _pages(source, jql, fields)
        for issue in page.get("issues") or ()
    )
    return [item for item in found if item is not None]


def _jira_fields(source: Any, scope: WorkScope) -> dict[str, str | None]:
    """The field id of each role the scope names; a field the site lacks stops the run."""
    where = f"sources.{source.name}.work"
    refs = {
        "name": scope.name or "summary",
        "department": scope.department,
        "team": scope.team,
        "effort": scope.effort,
    }
    ids: dict[str, str | None] = {}
    for role, ref in refs.items():
        ids[role] = None if ref is None else source.field_id(ref)
        if ref is not None and ids[role] is None:
            raise ConfigError(
                f"the site has no field '{ref}' (or several of that name)",
                where=f"{where}.{role}",
                fix="Name a field of the site, by its exact name or its id (customfield_...).",
            )
    return ids


def _airtable(source: Any, scope: WorkScope) -> list[WorkItem]:
    where = f"sources.{source.name}.work"
    if not source.schema:
        source.connect(fresh=False)
    table = next(
        (t for t in source.schema.get("tables", ()) if scope.table in (t["name"], t["id"])),
        None,
    )
    if table is None:
        raise ConfigError(
            f"the base has no table '{scope.table}'",
            where=f"{where}.table",
            fix="Name a table of the base, by its name or its id (tbl...).",
        )
    present = {key for f in table["fields"] for key in (f["name"], f["id"])}
    names = {
        "name": scope.name or "Name",
        "department": scope.department,
        "team": scope.team,
        "effort": scope.effort,
    }
    for role, name in [*names.items(), *(("links", link) for link in scope.links)]:
        if name is not None and name not in present:
            raise ConfigError(
                f"table '{table['name']}' has no field '{name}'",
                where=f"{where}.{role}",
                fix="Name a field of that table, by its name or its id (fld...).",
            )
    wanted = sorted({n for n in names.values() if n} | set(scope.links))
    base = source.config.base
    items = []
    for record in source.records_of(table["name"], wanted, None, Counter(), view=scope.view):
        url = f"https://airtable.com/{base}/{table['id']}/{record.get('id')}"
        item = airtable_work(record, source.name, names, scope.links, url)
        if item is not None:
            items.append(item)
    return items
