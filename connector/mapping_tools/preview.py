"""`rdsync mapping preview`: read a sample of records (reads only) and show how each maps: its
entity kind, attributes, relations, measurements, and the values that cannot be read."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jira.exceptions import JIRAError

from connector.mapping_tools.live import Site
from connector.sources.airtable import AirtableSource
from connector.sources.jira import JiraSource, jql_string
from mappings.airtable import map_airtable
from mappings.config import AirtableMapping, JiraMapping, MappingConfig
from mappings.jira import map_jira
from mappings.model import BaseEntity, Person, TrajectoryPoint
from mappings.records import MappedRecords

STRUCTURE = {"key", "kind", "source", "url", "name", "parent_key", "drives"}


@dataclass
class Sample:
    """What a sample read gave: raw record keys with their type (or table), mapped as one."""

    records: dict[str, str] = field(default_factory=dict)  # key -> issue type or table
    mapped: MappedRecords = field(default_factory=MappedRecords)
    refused: list[str] = field(default_factory=list)  # selections the tool refused, and why


def _selections(mapping: JiraMapping, scope: str) -> list[tuple[str, Any]]:
    """(JQL, forced kind) per distinct selection, then the issues that no selection takes."""
    found: dict[str, Any] = {}
    types = []
    for kind, entity in mapping.entities.items():
        # Issue type and label names come from the site (discover writes them): quoted, a name
        # with a quote in it stays one value and cannot add a clause that widens the read.
        if entity.issue_type is not None:
            types.append(entity.issue_type)
            found.setdefault(f"{scope} AND issuetype = {jql_string(entity.issue_type)}", None)
        elif entity.label is not None:
            found.setdefault(f"{scope} AND labels = {jql_string(entity.label)}", None)
        elif entity.jql is not None:
            found.setdefault(f"{scope} AND ({entity.jql})", kind)
    if types and all(e.issue_type for e in mapping.entities.values()):
        shown = ", ".join(jql_string(t) for t in dict.fromkeys(types))
        found.setdefault(f"{scope} AND issuetype not in ({shown})", None)
    return list(found.items())


def sample_jira(source: JiraSource, limit: int) -> Sample:
    """Up to `limit` issues spread over the mapping's selections (searches only)."""
    sample = Sample()
    selections = _selections(source.mapping, source.config.scope_jql)
    each = max(1, math.ceil(limit / max(1, len(selections))))
    fields = source.read_fields()
    for jql, kind in selections:
        room = limit - len(sample.records)
        if room <= 0:
            break
        try:
            page = source.call(
                "search", _search, source, f"{jql} ORDER BY key ASC", fields, min(each, room)
            )
        except JIRAError as error:
            sample.refused.append(f"{jql}: Jira refused it: {error.text}")
            continue
        issues = [i for i in page.get("issues") or () if i["key"] not in sample.records]
        for issue in issues:
            sample.records[issue["key"]] = (
                (issue.get("fields") or {}).get("issuetype", {}).get("name", "?")
            )
        mapped = map_jira(
            [{"issues": issues}], source.mapping, source.name, kind=kind, field_names=source.names
        )
        sample.mapped.extend(mapped)
    return sample


def _search(source: JiraSource, jql: str, fields: list[str], size: int) -> dict[str, Any]:
    """One page, with names and the changelog, as Cloud or Server/DC serves it."""
    common: dict[str, Any] = {
        "maxResults": size,
        "fields": list(fields),
        "expand": "names,changelog",
        "json_result": True,
    }
    client = source.client
    if source.cloud:
        result: dict[str, Any] = client.enhanced_search_issues(jql, **common)
    else:
        result = client.search_issues(jql, startAt=0, **common)
    return result


def sample_airtable(source: AirtableSource, limit: int) -> Sample:
    """Up to `limit` records spread over the mapped tables (list calls only)."""
    sample = Sample()
    tables = source.tables()
    each = max(1, math.ceil(limit / max(1, len(tables))))
    raw: dict[str, list[dict[str, Any]]] = {}
    for table, fields in tables.items():
        room = limit - len(sample.records)
        if room <= 0:
            break
        api_table = source.base.table(table)
        records = source.call(
            f"list {table}", api_table.all, fields=fields, max_records=min(each, room)
        )
        raw[table] = records
        sample.records.update({record["id"]: table for record in records})
    sample.mapped = map_airtable(
        raw, source.schema, source.mapping, source.name, base_id=source.config.base
    )
    return sample


def take_sample(site: Site, limit: int) -> Sample:
    if isinstance(site.source, JiraSource):
        return sample_jira(site.source, limit)
    assert isinstance(site.mapping, AirtableMapping)
    return sample_airtable(site.source, limit)


# -- showing it ---------------------------------------------------------------------------


def shown(value: Any) -> str:
    """A value as a short line: people by name, dates ISO, trajectories as their points."""
    if isinstance(value, list):
        if value and isinstance(value[0], TrajectoryPoint):
            return "; ".join(f"{p.at.isoformat()}: {p.value:g}" for p in value)
        return ", ".join(shown(item) for item in value)
    if isinstance(value, Person):
        return value.label
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value.value if hasattr(value, "value") else value)
    return text if len(text) <= 90 else text[:87] + "..."


def _entity_lines(entity: BaseEntity, mapped_attributes: list[str]) -> Iterator[str]:
    kind = str(entity.kind)
    yield f"  → {kind} {entity.key}: {entity.name!r}"
    values = entity.model_dump(exclude=STRUCTURE, exclude_defaults=True)
    for name in values:
        yield f"      {name:<19} {shown(getattr(entity, name))}"
    if entity.parent_key:
        yield f"      {'parent':<19} {entity.parent_key}"
    drives = getattr(entity, "drives", None)
    if drives is not None:
        yield f"      {'drives':<19} {', '.join(drives) or '(nothing)'}"
    empty = [a for a in mapped_attributes if getattr(entity, a, None) in (None, [], "")]
    if empty:
        yield f"      {'empty':<19} {', '.join(empty)}"


def render(sample: Sample, mapping: MappingConfig) -> list[str]:
    """The preview: one block per record read, then a summary line."""
    mapped = sample.mapped
    by_record: dict[str, list[BaseEntity]] = defaultdict(list)
    for entity in mapped.entities:
        by_record[entity.key.partition("#")[0]].append(entity)
    problems = defaultdict(list)
    for problem in mapped.problems:
        problems[problem.key.partition("#")[0]].append(problem)
    skipped = {s.key: s.reason for s in mapped.skipped}
    series = Counter(m.indicator_key for m in mapped.measurements)
    lines: list[str] = []
    for key, label in sample.records.items():
        entities = by_record.get(key, [])
        lines.append(f"{key} ({label})" + ("" if entities else ": not mapped"))
        if key in skipped:
            lines.append(f"  skipped: {skipped[key]}")
        for entity in sorted(entities, key=lambda e: "#" in e.key):
            kind = entity.kind
            attributes = list(mapping.attributes_for(kind))
            lines.extend(_entity_lines(entity, attributes))
            if series.get(entity.key):
                lines.append(f"      {'measurements':<19} {series[entity.key]}")
        for problem in problems.get(key, []):
            lines.append(f"  ! {problem.code} {problem.message}")
    lines.extend(f"refused: {refusal}" for refusal in sample.refused)
    lines.extend(f"note: {note}" for note in mapped.notes)
    kinds = Counter(str(e.kind) for e in mapped.entities)
    counted = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "no entities"
    unread = sum(1 for p in mapped.problems if p.code == "RD901")
    lines.append(
        f"read {len(sample.records)} records: {counted}; {len(skipped)} not mapped; "
        f"{unread} unreadable values. Nothing was written."
    )
    return lines
