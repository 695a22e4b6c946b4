"""A site's schema as the mapping tools see it: fields with one type word each, issue types and
link types (Jira), tables and views (Airtable), built from the API's own payloads (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Type words: text, paragraph, number, date, datetime, user, users, select, multiselect, status,
# labels, issuelinks, parent, links (linked records), checkbox, other.
TYPE_LABELS = {
    "text": "short text",
    "paragraph": "paragraph",
    "number": "number",
    "date": "date",
    "datetime": "date-time",
    "user": "user picker",
    "users": "multi-user picker",
    "select": "select list",
    "multiselect": "multi-select list",
    "status": "status",
    "labels": "labels",
    "issuelinks": "issue links",
    "parent": "parent",
    "links": "linked records",
    "issuekey": "issue key (Parent Link, Epic Link)",
    "checkbox": "checkbox",
    "other": "field of another type",
}

_JIRA_CUSTOM = {
    "textfield": "text",
    "url": "text",
    "textarea": "paragraph",
    "float": "number",
    "datepicker": "date",
    "datetime": "datetime",
    "select": "select",
    "radiobuttons": "select",
    "multiselect": "multiselect",
    "multicheckboxes": "multiselect",
    "userpicker": "user",
    "multiuserpicker": "users",
    "labels": "labels",
    # Data Center apps: Advanced Roadmaps' Parent Link and Jira Software's Epic Link each
    # hold one issue's key (schema type "any"), read as a parent relation.
    "jpo-custom-field-parent": "issuekey",
    "gh-epic-link": "issuekey",
}
_JIRA_SYSTEM = {
    "summary": "text",
    "description": "paragraph",
    "environment": "paragraph",
    "status": "status",
    "labels": "labels",
    "issuelinks": "issuelinks",
    "parent": "parent",
    "priority": "select",
    "resolution": "select",
}
_JIRA_TYPES = {
    "string": "text",
    "number": "number",
    "date": "date",
    "datetime": "datetime",
    "option": "select",
    "user": "user",
}
_AIRTABLE = {
    "singleLineText": "text",
    "email": "text",
    "url": "text",
    "phoneNumber": "text",
    "multilineText": "paragraph",
    "richText": "paragraph",
    "number": "number",
    "percent": "number",
    "currency": "number",
    "decimal": "number",
    "autoNumber": "number",
    "count": "number",
    "duration": "number",
    "rating": "number",
    "date": "date",
    "dateTime": "datetime",
    "createdTime": "datetime",
    "lastModifiedTime": "datetime",
    "singleCollaborator": "user",
    "createdBy": "user",
    "lastModifiedBy": "user",
    "multipleCollaborators": "users",
    "singleSelect": "select",
    "multipleSelects": "multiselect",
    "multipleRecordLinks": "links",
    "checkbox": "checkbox",
}


@dataclass(frozen=True)
class SiteField:
    """One field of the site: its id, name, type word, the tool's own type, and more."""

    id: str
    name: str
    type: str
    raw_type: str
    system: bool = False
    options: tuple[str, ...] | None = None  # select options, where the schema lists them
    linked_table: str | None = None  # Airtable linked records: the table id they point at

    @property
    def shown(self) -> str:
        """How a message names it: 'Target value' (number)."""
        return f"'{self.name}' ({TYPE_LABELS.get(self.type, self.type)})"


def _lookup(fields: Iterable[SiteField], ref: str) -> list[SiteField]:
    """Fields by id, else by their exact name (as the sources resolve them): a name that
    differs only in case is another field, perhaps a team's, and never taken for this one."""
    fields = list(fields)
    by_id = [f for f in fields if f.id == ref]
    return by_id or [f for f in fields if f.name == ref]


def case_variants(fields: Iterable[SiteField], ref: str) -> list[SiteField]:
    """Fields whose name is `ref` in another case: a suggestion, never a match."""
    folded = ref.casefold()
    return [f for f in fields if f.name != ref and f.name.casefold() == folded]


@dataclass(frozen=True)
class IssueType:
    name: str
    level: int | None


@dataclass(frozen=True)
class LinkType:
    name: str
    inward: str
    outward: str


@dataclass
class JiraSchema:
    """GET /field, /issuetype, /issueLinkType and /project of one site."""

    fields: list[SiteField]
    issue_types: list[IssueType]
    link_types: list[LinkType]
    projects: dict[str, str]  # key -> name

    def find(self, ref: str) -> list[SiteField]:
        return _lookup(self.fields, ref)

    def issue_type(self, name: str) -> IssueType | None:
        return next((t for t in self.issue_types if t.name == name), None)

    def link_type(self, name: str) -> LinkType | None:
        return next((t for t in self.link_types if t.name == name), None)


@dataclass
class Table:
    id: str
    name: str
    fields: list[SiteField]
    views: list[str] = field(default_factory=list)
    primary: str | None = None  # the primary field's name

    def find(self, ref: str) -> list[SiteField]:
        return _lookup(self.fields, ref)


@dataclass
class AirtableSchema:
    """GET /v0/meta/bases/{baseId}/tables of one base."""

    tables: list[Table]

    def table(self, ref: str) -> Table | None:
        for matches in (lambda t: t.id == ref, lambda t: t.name == ref):
            found = next((t for t in self.tables if matches(t)), None)
            if found is not None:
                return found
        return None

    def table_by_id(self, table_id: str | None) -> Table | None:
        return next((t for t in self.tables if t.id == table_id), None)


def jira_field_type(schema: Mapping[str, Any] | None, field_id: str) -> str:
    """A Jira field's type word, from its `schema` in GET /field."""
    schema = schema or {}
    custom = str(schema.get("custom") or "").rpartition(":")[2]
    if custom:
        if custom in _JIRA_CUSTOM:
            return _JIRA_CUSTOM[custom]
    elif field_id in _JIRA_SYSTEM:
        return _JIRA_SYSTEM[field_id]
    kind, items = schema.get("type"), schema.get("items")
    if kind == "array":
        return {"user": "users", "option": "multiselect", "string": "labels"}.get(
            str(items), "other"
        )
    return _JIRA_TYPES.get(str(kind), "other")


def jira_schema(
    fields: Iterable[Mapping[str, Any]],
    issue_types: Iterable[Mapping[str, Any]],
    link_types: Iterable[Mapping[str, Any]],
    projects: Iterable[Mapping[str, Any]],
) -> JiraSchema:
    """The schema from the payloads of GET /field, /issuetype, /issueLinkType, /project."""
    site_fields = []
    for raw in fields:
        schema = raw.get("schema") or {}
        fid = str(raw["id"])
        site_fields.append(
            SiteField(
                id=fid,
                name=str(raw.get("name") or fid),
                type=jira_field_type(schema, fid),
                raw_type=str(schema.get("custom") or schema.get("type") or "none"),
                system=not raw.get("custom", False),
            )
        )
    types: dict[str, IssueType] = {}
    for raw in issue_types:  # a site lists a type once per project scheme: keep one
        level = raw.get("hierarchyLevel")
        types.setdefault(
            raw["name"], IssueType(raw["name"], level if isinstance(level, int) else None)
        )
    links = [LinkType(t["name"], t.get("inward", ""), t.get("outward", "")) for t in link_types]
    return JiraSchema(
        fields=site_fields,
        issue_types=list(types.values()),
        link_types=links,
        projects={p["key"]: p.get("name", p["key"]) for p in projects},
    )


def airtable_field(raw: Mapping[str, Any]) -> SiteField:
    """A field of the meta API; a formula, rollup or lookup takes its result's type."""
    options = raw.get("options") or {}
    kind = str(raw.get("type"))
    word = _AIRTABLE.get(kind, "other")
    result = options.get("result") if isinstance(options, dict) else None
    if word == "other" and isinstance(result, dict):
        word = _AIRTABLE.get(str(result.get("type")), "other")
    choices = options.get("choices") if isinstance(options, dict) else None
    return SiteField(
        id=str(raw["id"]),
        name=str(raw["name"]),
        type=word,
        raw_type=kind,
        options=tuple(c["name"] for c in choices) if isinstance(choices, list) else None,
        linked_table=options.get("linkedTableId") if isinstance(options, dict) else None,
    )


def airtable_schema(meta: Mapping[str, Any]) -> AirtableSchema:
    """The schema from GET /v0/meta/bases/{baseId}/tables."""
    tables = []
    for raw in meta.get("tables") or ():
        fields = [airtable_field(f) for f in raw.get("fields") or ()]
        primary = next((f.name for f in fields if f.id == raw.get("primaryFieldId")), None)
        views = [v["name"] for v in raw.get("views") or ()]
        tables.append(Table(str(raw["id"]), str(raw["name"]), fields, views, primary))
    return AirtableSchema(tables)
