"""The wider scope of all work (`[sources.<name>.work]`): keys and a few fields, read only.

Jira: one search/jql call per page of `page_size` issues, asking for the name, department,
team and effort fields, `parent` and `issuelinks` alone. Airtable: one list call per page of
100 records of the table (or view), asking for those fields and the linked-record fields.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from connector.config import AirtableSourceConfig, JiraSourceConfig, WorkScope
from connector.sources.base import Source
from mappings.errors import ConfigError
from mappings.work import WorkItem, airtable_work, jira_work

PAGE = 100  # Airtable's largest page


def read_work(source: Source) -> list[WorkItem] | None:
    """All work in the source's wider scope, or None when it has none configured."""
    config = source.config  # type: ignore[attr-defined]
    scope: WorkScope | None = getattr(config, "work", None)
    if scope is None:
        return None
    if isinstance(config, JiraSourceConfig):
        return _jira(source, scope)
    assert isinstance(config, AirtableSourceConfig)
    return _airtable(source, scope)


def _jira(source: Any, scope: WorkScope) -> list[WorkItem]:
    source.ensure_connected()
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
    fields = sorted({"summary", "parent", "issuelinks", *(f for f in ids.values() if f)})
    counts: Counter[str] = Counter()
    items = []
    try:
        for page in source._pages(f"({scope.jql}) ORDER BY key ASC", fields, None, counts):
            for issue in page.get("issues") or ():
                item = jira_work(issue, source.name, ids, source.site_url)
                if item is not None:
                    items.append(item)
    except ConfigError as error:
        if not error.where or not error.where.endswith((".jql", ".projects")):
            raise
        raise ConfigError(
            error.message.replace("the search", "the work search"),
            where=f"{where}.jql",
            fix="Correct work.jql so that it runs in Jira's issue search.",
        ) from None
    return items


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
    for record in _records(source, table["name"], wanted, scope.view):
        url = f"https://airtable.com/{base}/{table['id']}/{record.get('id')}"
        item = airtable_work(record, source.name, names, scope.links, url)
        if item is not None:
            items.append(item)
    return items


def _records(source: Any, table: str, fields: list[str], view: str | None) -> Any:
    """The records of the work table, one retried request per page of 100."""
    api_table = source.base.table(table)
    options: dict[str, Any] = {"fields": fields, "page_size": PAGE}
    if view:
        options["view"] = view
    number = 0
    while True:
        number += 1
        page = source.call(
            f"list work {table} page {number}",
            source.api.request,
            "get",
            api_table.urls.records,
            fallback=("post", api_table.urls.records_post),
            options=dict(options),
        )
        yield from page.get("records") or ()
        if not page.get("offset"):
            return
        options["offset"] = page["offset"]
