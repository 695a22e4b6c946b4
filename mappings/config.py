"""The mapping config (TOML): which records are which entity, and where their values live.

Also how relations are expressed, where measurements come from, and which fields receive the
write-back. `load_mapping("jira")`, `load_mapping("jira-dc")` (Data Center) and
`load_mapping("airtable")` read the bundled defaults of DOMAIN.md §2; any other argument is the
path of an admin's own file. Every problem is a `ConfigError` whose `where` is
`<file>: <dotted.key.path>` (several: one error listing each so).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, TypeAlias, get_args

from pydantic import BeforeValidator, Field, PrivateAttr, ValidationError, model_validator

from mappings.config_checks import COMMON_ATTRIBUTES, attributes_of, check_facets, check_mapping
from mappings.errors import ConfigError
from mappings.model import EntityKind, Strict
from mappings.readers import DEFAULT_READERS, READERS
from mappings.toml_file import parse_toml, read_text
from mappings.validation import Problem, config_error

ReaderName = Literal[
    "text",
    "paragraph",
    "select",
    "number",
    "int",
    "rating",
    "date",
    "datetime",
    "users",
    "direction",
    "bool",
    "keys",
    "trajectory",
]
assert set(get_args(ReaderName)) == set(READERS)

RelationName = Literal["parent", "drives", "blocks"]
__all__ = ["COMMON_ATTRIBUTES", "attributes_of"]  # re-exported: the attribute names by kind


def _field_shorthand(value: Any) -> Any:
    return {"field": value} if isinstance(value, str) else value


class AttributeSpec(Strict):
    """Where an attribute lives and how its raw value is read.

    In TOML either a field reference, `owners = "Accountable owner"`, or a table,
    `done = { field = "Status", reader = "bool", true_values = ["Done"] }`. A Jira field is a
    system field id (`summary`, `duedate`), a custom field id (`customfield_10031`) or a custom
    field name; an Airtable field is a field name or id.
    """

    field: str = Field(min_length=1)
    reader: ReaderName | None = None  # None: the attribute's default reader
    true_values: list[str] = Field(default_factory=list)  # for the bool reader
    # A field the site may lack (the stock take's agreed rating, salience): absent, it reads
    # as empty and `mapping check` notes it, where a missing field would stop every run.
    optional: bool = False

    def reader_name(self, attribute: str) -> str:
        return self.reader or DEFAULT_READERS[attribute]


Attribute = Annotated[AttributeSpec, BeforeValidator(_field_shorthand)]


class JiraRelation(Strict):
    """A relation on Jira: the `parent` field, an issue link, a field holding keys, or the
    other entity the same issue yields (`same_issue`, for an entity kind with a `facet`)."""

    by: Literal["parent", "link", "field", "same_issue"]
    link_type: str | None = None  # by = "link": the link type's name, e.g. "Drives"
    direction: Literal["outward", "inward"] | None = None  # by = "link": from this issue's side
    field: str | None = None  # by = "field": a field whose value holds keys

    @model_validator(mode="after")
    def _complete(self) -> JiraRelation:
        if self.by == "link" and (self.link_type is None or self.direction is None):
            raise ValueError("a relation by link needs link_type and direction")
        if self.by == "field" and self.field is None:
            raise ValueError("a relation by field needs field")
        return self


class AirtableRelation(Strict):
    """A relation on Airtable: a linked-record field, or a text field holding record ids."""

    by: Literal["linked_records", "field"]
    field: str = Field(min_length=1)


class JiraEntity(Strict):
    """Which Jira issues are this kind: by issue type and/or label; or by JQL, which the
    connector runs to fetch exactly this kind's issues.

    `when` names a field: only issues where it holds a value are this kind, the others are
    skipped quietly. `facet` makes this kind a second entity read from issues that already are
    another kind (an Epic that is a strategy and also carries a target's fields): its key is
    `<issue key>#<facet>`, and a relation `by = "same_issue"` joins the two.
    """

    issue_type: str | None = None
    label: str | None = None
    jql: str | None = None
    when: str | None = Field(None, min_length=1)
    facet: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*$")
    attributes: dict[str, Attribute] = Field(default_factory=dict)
    relations: dict[RelationName, JiraRelation] = Field(default_factory=dict)
    required: list[str] = Field(default_factory=lambda: ["name"])

    @model_validator(mode="after")
    def _selected(self) -> JiraEntity:
        if self.issue_type is None and self.label is None and self.jql is None:
            raise ValueError("an entity needs issue_type, label or jql to select its issues")
        return self

    def matches(self, issue_type: str, labels: list[str]) -> bool:
        """Whether an issue is this kind by its type and labels (JQL alone never matches)."""
        if self.issue_type is None and self.label is None:
            return False
        if self.issue_type is not None and self.issue_type != issue_type:
            return False
        return self.label is None or self.label in labels


class AirtableEntity(Strict):
    """Which Airtable records are this kind: a table (name or id), optionally through a view."""

    table: str = Field(min_length=1)
    view: str | None = None
    attributes: dict[str, Attribute] = Field(default_factory=dict)
    relations: dict[RelationName, AirtableRelation] = Field(default_factory=dict)
    required: list[str] = Field(default_factory=lambda: ["name"])


class JiraMeasurements(Strict):
    """Indicator history from Jira: the changelog of the indicator's value field, plus its
    current value."""

    field: str = Field(min_length=1)
    reader: ReaderName = "number"


class AirtableMeasurements(Strict):
    """Indicator history from an Airtable table: one record per measurement."""

    table: str = Field(min_length=1)
    view: str | None = None
    indicator: str = Field(min_length=1)  # the linked-record field to the Indicators table
    date: str = Field(min_length=1)
    value: str = Field(min_length=1)
    source: str | None = None
    value_reader: ReaderName = "number"


class RatingOptions(Strict):
    """The select options of the write-back likelihood field, one per rating."""

    red: str = "1 - Red"
    amber_red: str = "2 - Amber/Red"
    amber_green: str = "3 - Amber/Green"
    green: str = "4 - Green"

    def option(self, rating: int) -> str:
        """The option text for a rating 1..4."""
        return (self.red, self.amber_red, self.amber_green, self.green)[rating - 1]

    def rating_of(self, option: str) -> int | None:
        """The rating an option text stands for, or None if it is none of them."""
        options = (self.red, self.amber_red, self.amber_green, self.green)
        return options.index(option) + 1 if option in options else None


class WriteBack(Strict):
    """The fields that receive what rdsync judges; a field left out is not written."""

    likelihood: str | None = None
    rationale: str | None = None
    gaps: str | None = None
    assessed: str | None = None
    options: RatingOptions = Field(default_factory=RatingOptions)
    kinds: list[EntityKind] = Field(
        default_factory=lambda: [
            EntityKind.PRIORITY,
            EntityKind.OUTCOME,
            EntityKind.TARGET,
            EntityKind.STRATEGY,
        ]
    )
    # Kinds whose tickets carry only their rubric gaps (no rating): the default mappings name
    # indicators, milestones and risks. A finding on a kind in neither list is written on the
    # rated ticket it counts against (`rules.tickets`).
    gap_kinds: list[EntityKind] = Field(default_factory=list)

    @model_validator(mode="after")
    def _gap_kinds_unrated(self) -> WriteBack:
        both = [str(kind) for kind in self.gap_kinds if kind in self.kinds]
        if both:
            raise ValueError(
                f"gap_kinds lists {', '.join(both)}, already in kinds (rated tickets carry "
                "their gaps too): leave them out of gap_kinds"
            )
        return self


class JiraSite(Strict):
    project: str | None = None  # the project key the default JQL is scoped to


class AirtableBase(Strict):
    base: str | None = None  # the base id (app...), for record URLs


class _MappingBase(Strict):
    attributes: dict[str, Attribute] = Field(default_factory=dict)  # read for every kind
    writeback: WriteBack = Field(default_factory=WriteBack)
    _origin: str = PrivateAttr("mapping")

    @property
    def origin(self) -> str:
        """The file the mapping was read from, for errors found only when it meets the data."""
        return self._origin


class JiraMapping(_MappingBase):
    """A mapping of Jira issues (search/jql with expand=names,changelog) onto entities."""

    tool: Literal["jira"]
    jira: JiraSite = Field(default_factory=JiraSite)
    relations: dict[RelationName, JiraRelation] = Field(default_factory=dict)  # for every kind
    entities: dict[EntityKind, JiraEntity]
    measurements: JiraMeasurements | None = None

    @model_validator(mode="after")
    def _consistent(self) -> JiraMapping:
        check_mapping(self.attributes, self.relations, self.entities)
        check_facets(self.relations, self.entities)
        return self

    def attributes_for(self, kind: EntityKind) -> dict[str, AttributeSpec]:
        """The attributes of a kind: the common ones, overridden by the kind's own."""
        return {**self.attributes, **self.entities[kind].attributes}

    def relations_for(self, kind: EntityKind) -> dict[RelationName, JiraRelation]:
        return {**self.relations, **self.entities[kind].relations}

    def jql_for(self, kind: EntityKind) -> str:
        """The JQL that fetches this kind's issues (the entity's own, or built from type/label)."""
        entity = self.entities[kind]
        if entity.jql is not None:
            return entity.jql
        clauses = []
        if self.jira.project is not None:
            clauses.append(f'project = "{self.jira.project}"')
        if entity.issue_type is not None:
            clauses.append(f'issuetype = "{entity.issue_type}"')
        if entity.label is not None:
            clauses.append(f'labels = "{entity.label}"')
        return " AND ".join(clauses)

    def field_refs(self) -> list[str]:
        """Every Jira field the mapping reads (ids or names), for a search's `fields`."""
        refs = {"summary", "issuetype", "labels", "parent", "issuelinks", "status", "updated"}
        for kind, entity in self.entities.items():
            refs.update(spec.field for spec in self.attributes_for(kind).values())
            refs.update([entity.when] if entity.when else [])
            refs.update(r.field for r in self.relations_for(kind).values() if r.field)
        if self.measurements is not None:
            refs.add(self.measurements.field)
        if self.writeback.likelihood is not None:
            refs.add(self.writeback.likelihood)
        return sorted(refs)


class AirtableMapping(_MappingBase):
    """A mapping of Airtable records (list records, plus the base's meta schema) onto entities."""

    tool: Literal["airtable"]
    airtable: AirtableBase = Field(default_factory=AirtableBase)
    relations: dict[RelationName, AirtableRelation] = Field(default_factory=dict)
    entities: dict[EntityKind, AirtableEntity]
    measurements: AirtableMeasurements | None = None

    @model_validator(mode="after")
    def _consistent(self) -> AirtableMapping:
        check_mapping(self.attributes, self.relations, self.entities)
        return self

    def attributes_for(self, kind: EntityKind) -> dict[str, AttributeSpec]:
        """The attributes of a kind: the common ones, overridden by the kind's own."""
        return {**self.attributes, **self.entities[kind].attributes}

    def relations_for(self, kind: EntityKind) -> dict[RelationName, AirtableRelation]:
        return {**self.relations, **self.entities[kind].relations}


MappingConfig: TypeAlias = JiraMapping | AirtableMapping
_BY_TOOL: dict[str, type[JiraMapping] | type[AirtableMapping]] = {
    "jira": JiraMapping,
    "airtable": AirtableMapping,
}
BUNDLED = ("jira", "jira-dc", "airtable")


def load_mapping(name_or_path: str | Path) -> MappingConfig:
    """A bundled mapping ("jira", "jira-dc" for Data Center, "airtable"), or the mapping TOML
    file at a path."""
    if str(name_or_path) in BUNDLED:
        name = str(name_or_path)
        text = resources.files("mappings.defaults").joinpath(f"{name}.toml").read_text("utf-8")
        return parse_mapping_text(text, where=f"mappings/defaults/{name}.toml")
    path = Path(name_or_path)
    text = read_text(
        path,
        what="the mapping file",
        missing="no such mapping file",
        missing_fix="Pass --mapping jira, jira-dc or airtable, or the path of a mapping TOML file.",
    )
    return parse_mapping_text(text, where=str(path))


def parse_mapping_text(text: str, where: str = "mapping") -> MappingConfig:
    """A mapping from TOML text; `where` names its file in errors."""
    data = parse_toml(text, where, what="the mapping")
    return parse_mapping(data, where=where)


def parse_mapping(data: Mapping[str, Any], where: str = "mapping") -> MappingConfig:
    """A mapping from parsed TOML (or any dict); every error names `<where>: <key.path>`."""
    tool = data.get("tool")
    model = _BY_TOOL.get(tool) if isinstance(tool, str) else None
    if model is None:
        raise ConfigError(
            f"tool is {tool!r}; allowed: jira, airtable",
            where=f"{where}: tool",
            fix='Start the mapping with tool = "jira" or tool = "airtable".',
        )
    try:
        mapping = model.model_validate(data)
    except ValidationError as error:
        raise config_error(error, model, where, what="the mapping", fix=_fix(where)) from None
    mapping._origin = where
    return mapping


def _fix(where: str) -> Callable[[Problem], str]:
    """The fix of one problem of the mapping read from `where`."""
    return lambda problem: (
        f"Correct {problem.path} in {where}; the bundled mappings (mappings/defaults/jira.toml "
        "and airtable.toml) show every key in use."
    )
