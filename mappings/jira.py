"""Raw Jira issues (search/jql with expand=names,changelog, or single issues) onto entities.

Custom fields are named in the mapping and resolved through each page's `names` (id → name),
once per distinct `names`; measurements come from the changelog of the indicator's value field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from mappings.config import JiraMapping, JiraRelation
from mappings.errors import InputError
from mappings.jira_fields import FieldIndex
from mappings.model import EntityKind, Measurement
from mappings.readers import READERS, Reader, ReadError, read_datetime, reader_for
from mappings.records import (
    FieldPlan,
    MappedRecords,
    Skipped,
    build_entity,
    cyclic_gc_paused,
    missing_required,
    problem_record,
    read_values,
    set_relation,
    unreadable,
)


@dataclass(frozen=True, slots=True)
class _Field:
    field_id: str
    label: str


@dataclass(slots=True)
class _Plan:
    """The mapping compiled against one `names`: field ids, readers, the kind of each type."""

    fields: dict[EntityKind, list[FieldPlan]]
    labels: dict[EntityKind, dict[str, str]]  # attribute -> field label, for messages
    relations: dict[EntityKind, dict[str, tuple[JiraRelation, _Field | None]]]
    measure: _Field | None
    measure_read: Reader
    measure_mapped: bool  # the indicator also maps the value field as an attribute
    by_type: dict[str, list[EntityKind]]  # issue type -> kinds selected by type alone
    by_label: list[tuple[EntityKind, str | None, str]]  # (kind, issue type or None, label)
    notes: list[str]
    when: dict[EntityKind, _Field] = field(default_factory=dict)  # kind -> field to hold a value
    facets: dict[EntityKind, str] = field(default_factory=dict)  # kind -> facet name
    site_url: str | None = None  # where people open issues; else from each issue's `self`

    def _selecting(self, when: dict[EntityKind, _Field], facets: dict[EntityKind, str]) -> _Plan:
        self.when, self.facets = when, facets
        return self


class _Resolver:
    """Field references (system id, custom id, or name) to the ids the issue `fields` use."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names
        self.index = FieldIndex(names)
        self.unknown: list[str] = []

    def __call__(self, ref: str) -> _Field:
        ids = self.index.ids(ref)
        if len(ids) != 1:
            self.unknown.append(ref)
            return _Field(ref, ref)
        return _Field(ids[0], self.names.get(ids[0], ref))


def compile_plan(mapping: JiraMapping, names: Mapping[str, str]) -> _Plan:
    """Resolve every attribute, relation and the measurement field against one `names`."""
    resolve = _Resolver(names)
    fields: dict[EntityKind, list[FieldPlan]] = {}
    labels: dict[EntityKind, dict[str, str]] = {}
    relations: dict[EntityKind, dict[str, tuple[JiraRelation, _Field | None]]] = {}
    by_type: dict[str, list[EntityKind]] = {}
    by_label: list[tuple[EntityKind, str | None, str]] = []
    when = {k: resolve(e.when) for k, e in mapping.entities.items() if e.when is not None}
    optional = set()  # fields the site may lack: read as empty without a note
    for kind, entity in mapping.entities.items():
        plans = []
        for attribute, spec in mapping.attributes_for(kind).items():
            if spec.optional:
                optional.add(spec.field)
            found = resolve(spec.field)
            read = reader_for(spec.reader_name(attribute), spec.true_values, tool="jira")
            plans.append(FieldPlan(attribute, found.field_id, found.label, read))
        fields[kind] = plans
        labels[kind] = {plan.attribute: plan.label for plan in plans}
        relations[kind] = {
            name: (rel, resolve(rel.field) if rel.field else None)
            for name, rel in mapping.relations_for(kind).items()
        }
        if entity.label is not None:
            by_label.append((kind, entity.issue_type, entity.label))
        elif entity.issue_type is not None:
            by_type.setdefault(entity.issue_type, []).append(kind)
    measurements = mapping.measurements
    measure = resolve(measurements.field) if measurements is not None else None
    measure_read = READERS[measurements.reader if measurements is not None else "number"]
    indicator_fields = {plan.field_id for plan in fields.get(EntityKind.INDICATOR, ())}
    measure_mapped = measure is not None and measure.field_id in indicator_fields
    notes = [
        f"Jira field '{ref}' named in the mapping is the name of several fields "
        f"({', '.join(resolve.index.ids(ref))}); it reads as empty: name one by its id"
        if resolve.index.ids(ref)
        else f"Jira field '{ref}' named in the mapping is not among the fields the response "
        "names; it reads as empty"
        for ref in dict.fromkeys(resolve.unknown)
        if ref not in optional
    ]
    facets = {k: e.facet for k, e in mapping.entities.items() if e.facet is not None}
    return _Plan(
        fields, labels, relations, measure, measure_read, measure_mapped, by_type, by_label, notes
    )._selecting(when, facets)


def map_jira(
    pages: Iterable[dict[str, Any]],
    mapping: JiraMapping,
    source: str = "jira",
    *,
    kind: EntityKind | None = None,
    field_names: Mapping[str, str] | None = None,
    site_url: str | None = None,
) -> MappedRecords:
    """Map search/jql responses (`{"issues": [...], "names": {...}}`) or single issues.

    `kind` maps every issue as that kind (for issues fetched with that kind's JQL);
    `field_names` (id → name, as `GET /field` gives) resolves custom fields by name where a
    page carries no `names`; `site_url` is where an entity's link opens its issue (without
    it, the site its `self` names, which through Atlassian's gateway is the gateway).
    """
    out = MappedRecords()
    plans: dict[frozenset[tuple[str, str]], _Plan] = {}
    with cyclic_gc_paused():
        for page in pages:
            _map_page(page, mapping, source, kind, field_names, plans, out, site_url)
    return out


def _map_page(
    page: Any,
    mapping: JiraMapping,
    source: str,
    kind: EntityKind | None,
    field_names: Mapping[str, str] | None,
    plans: dict[frozenset[tuple[str, str]], _Plan],
    out: MappedRecords,
    site_url: str | None = None,
) -> None:
    """Map one page (or one issue), compiling the plan once per distinct `names`."""
    issues, names = _issues_of(page)
    merged = {**(field_names or {}), **names}
    cache_key = frozenset(merged.items())
    plan = plans.get(cache_key)
    if plan is None:
        plan = plans[cache_key] = compile_plan(mapping, merged)
        plan.site_url = site_url.rstrip("/") if site_url else None
        if issues:
            out.note(*plan.notes)
        for kind_of, relations in plan.relations.items():
            for name, (relation, found) in relations.items():
                out.relation_fields.setdefault((kind_of.value, name), _label(relation, found))
    for issue in issues:
        _map_issue(issue, plan, mapping, source, kind, out)


def _label(relation: JiraRelation, found: _Field | None) -> str:
    """The field (or link type) a relation is read from, as the site names it."""
    return found.label if found else str(relation.link_type or "Parent")


def _issues_of(page: Any) -> tuple[list[Any], dict[str, str]]:
    if isinstance(page, dict) and isinstance(page.get("issues"), list):
        return page["issues"], page.get("names") or {}
    if isinstance(page, dict) and "fields" in page and "key" in page:
        return [page], page.get("names") or {}
    raise InputError(
        "not a Jira search response (no 'issues') nor an issue (no 'key' and 'fields')",
        fix="Give the JSON of GET /rest/api/3/search/jql?expand=names,changelog or of "
        "GET /rest/api/3/issue/{key}.",
    )


def _kind_of(plan: _Plan, fields: dict[str, Any], forced: EntityKind | None) -> list[EntityKind]:
    """The kinds an issue is by its type and labels (or the forced kind), before `when`."""
    if forced is not None:
        kinds = [forced]
    else:
        issue_type = (fields.get("issuetype") or {}).get("name") or ""
        labels = fields.get("labels") or []
        kinds = list(plan.by_type.get(issue_type, ()))
        for kind, wanted_type, label in plan.by_label:
            if (wanted_type is None or wanted_type == issue_type) and label in labels:
                kinds.append(kind)
    return kinds


def _when_holds(plan: _Plan, kind: EntityKind, fields: dict[str, Any]) -> bool:
    found = plan.when.get(kind)
    raw = None if found is None else fields.get(found.field_id)
    return found is None or (raw is not None and raw != "" and raw != [])


def _skip_reason(plan: _Plan, matched: list[EntityKind], issue_type: str) -> str:
    if not matched:
        return f"issue type '{issue_type}' is not in the mapping"
    return f"its '{plan.when[matched[0]].label}' is empty (entities.{matched[0].value}.when)"


def _map_issue(
    issue: Any,
    plan: _Plan,
    mapping: JiraMapping,
    source: str,
    forced: EntityKind | None,
    out: MappedRecords,
) -> None:
    key = issue.get("key") if isinstance(issue, dict) else None
    fields = issue.get("fields") if isinstance(issue, dict) else None
    if not isinstance(key, str) or not isinstance(fields, dict):
        shown = key if isinstance(key, str) else str((issue or {}).get("id", "?"))
        out.problems.append(
            problem_record(
                shown,
                f"issue {shown} has no key or no fields; it was not mapped",
                "Export issues as GET /rest/api/3/search/jql returns them.",
            )
        )
        return
    issue_type = (fields.get("issuetype") or {}).get("name") or ""
    matched = _kind_of(plan, fields, forced)
    kinds = [kind for kind in matched if _when_holds(plan, kind, fields)]
    primary = [kind for kind in kinds if kind not in plan.facets]
    if not kinds:
        out.skipped.append(Skipped(key=key, reason=_skip_reason(plan, matched, issue_type)))
        return
    if len(primary) > 1:
        shown = " and ".join(k.value for k in primary)
        out.problems.append(
            problem_record(
                key,
                f"{key} ({issue_type}) matches {shown} in the mapping; it was not mapped",
                "Make the entities' issue_type and label selectors exclusive.",
            )
        )
        return
    built: list[str] = []
    for kind in kinds:
        if kind in plan.facets:
            found = _build(key, kind, issue, plan, mapping, source, out, [key] if primary else [])
            built.extend([found] if found else [])
    if primary:
        _build(key, primary[0], issue, plan, mapping, source, out, built)


def _build(
    key: str,
    kind: EntityKind,
    issue: dict[str, Any],
    plan: _Plan,
    mapping: JiraMapping,
    source: str,
    out: MappedRecords,
    siblings: list[str],
) -> str | None:
    """One entity of an issue (keyed `<key>#<facet>` for a facet kind); its key, or None.

    `siblings` are the keys of the other entities the same issue yields (`same_issue`)."""
    fields: dict[str, Any] = issue["fields"]
    values = read_values(key, fields, plan.fields[kind], out.problems)
    problem = missing_required(
        key, kind, values, mapping.entities[kind].required, plan.labels[kind]
    )
    if problem is not None:
        out.problems.append(problem)
        return None
    for name, (relation, found) in plan.relations[kind].items():
        if relation.by == "same_issue":
            keys = list(siblings)
        else:
            keys = _related(key, fields, relation, found, out)
        set_relation(values, name, keys, (key, _label(relation, found)), out.problems)
    self_url = issue.get("self")
    if plan.site_url is not None:
        values["url"] = f"{plan.site_url}/browse/{key}"
    elif isinstance(self_url, str) and "/rest/" in self_url:
        values["url"] = f"{self_url.partition('/rest/')[0]}/browse/{key}"
    entity_key = f"{key}#{plan.facets[kind]}" if kind in plan.facets else key
    values["key"] = entity_key
    values["source"] = source
    entity = build_entity(kind, values, out.problems)
    if entity is None:
        return None
    out.entities.append(entity)
    if kind is EntityKind.INDICATOR and plan.measure is not None:
        _measurements(entity_key, issue, fields, plan, values, out)
    return entity_key


def _related(
    key: str,
    fields: dict[str, Any],
    relation: JiraRelation,
    found: _Field | None,
    out: MappedRecords,
) -> list[str]:
    if relation.by == "parent":
        parent = fields.get("parent")
        return [parent["key"]] if isinstance(parent, dict) and parent.get("key") else []
    if relation.by == "link":
        side = "outwardIssue" if relation.direction == "outward" else "inwardIssue"
        return [
            link[side]["key"]
            for link in fields.get("issuelinks") or ()
            if (link.get("type") or {}).get("name") == relation.link_type and side in link
        ]
    assert found is not None
    raw = _parent_link(fields.get(found.field_id))
    if raw is None or raw == "":
        return []
    try:
        keys: list[str] = READERS["keys"](raw)
        return keys
    except ReadError as error:
        out.problems.append(unreadable(key, found.label, raw, error))
        return []


def _parent_link(raw: Any) -> Any:
    """The issue an Advanced Roadmaps "Parent Link" names (Jira Data Center): an object whose
    `data` holds the parent's id and key, or without `data` (no parent, or the field is not
    licensed: `showField` false); other values (the key alone, as some versions and "Epic
    Link" give it) pass through."""
    if isinstance(raw, dict) and ("data" in raw or "showField" in raw):
        data = raw.get("data")
        return data if isinstance(data, dict) and data else None
    return raw


def _measurements(
    key: str,
    issue: dict[str, Any],
    fields: dict[str, Any],
    plan: _Plan,
    values: dict[str, Any],
    out: MappedRecords,
) -> None:
    """Each change of the value field in the changelog, then its current value at `updated`."""
    measure = plan.measure
    assert measure is not None
    by_day: dict[date, float] = {}
    histories = (issue.get("changelog") or {}).get("histories") or ()
    for at, raw in sorted(_changes(histories, measure), key=itemgetter(0)):
        try:
            value = plan.measure_read(raw)
        except ReadError as error:
            what = f" (changed on {at.date().isoformat()})"
            out.problems.append(unreadable(key, measure.label, raw, error, what))
            continue
        if value is not None:
            by_day[at.date()] = value  # the last change of a day is that day's value
    current = _current(key, fields, plan, values, out)
    if current is not None:
        latest = max(by_day) if by_day else None
        if latest is None or by_day[latest] != current[0]:
            by_day[max(current[1], latest) if latest else current[1]] = current[0]
    source = values.get("data_source")
    out.measurements.extend(
        Measurement(indicator_key=key, at=day, value=value, source=source)
        for day, value in by_day.items()
    )


def _current(
    key: str, fields: dict[str, Any], plan: _Plan, values: dict[str, Any], out: MappedRecords
) -> tuple[float, date] | None:
    """The value field's current value and the date it holds as of: the issue's `updated`."""
    measure = plan.measure
    assert measure is not None
    raw = fields.get(measure.field_id)
    if raw is None or raw == "":
        return None
    try:
        value = plan.measure_read(raw)
    except ReadError as error:
        if not plan.measure_mapped:  # else read_values has reported it already
            out.problems.append(unreadable(key, measure.label, raw, error))
        return None
    updated = values.get("updated")
    if updated is None:  # `updated` is not mapped: the system field still dates the value
        try:
            updated = read_datetime(fields.get("updated") or "")
        except ReadError:
            return None
    if value is None or not isinstance(updated, datetime):
        return None
    return value, updated.date()


def _changes(histories: Iterable[Any], measure: _Field) -> list[tuple[datetime, Any]]:
    """(when, new value) of each change of the measured field, in the histories' order."""
    fid, label = measure.field_id, measure.label
    found: list[tuple[datetime, Any]] = []
    for history in histories:
        raws = [
            item.get("toString")
            for item in history.get("items") or ()
            if item.get("fieldId") == fid or item.get("field") == label
        ]
        if not raws:
            continue
        try:
            at = read_datetime(history.get("created"))
        except ReadError:
            continue
        if at is None:
            continue
        found.extend((at, raw) for raw in raws if raw is not None and raw != "")
    return found
