"""Raw Airtable records (list-records responses, by table) onto entities and measurements.

The base's meta schema (`GET /v0/meta/bases/{base}/tables`) resolves tables and fields by name
or id and tells field types apart, so that each value is read in the shape Airtable sends it
(`airtable_cells`): a percent field holds 0.81 for 81%, read here as 81; a lookup is an array;
rich text is markdown; a date-time is dated in the field's (or the base's) time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mappings.airtable_cells import cell_reader
from mappings.config import AirtableMapping, AirtableMeasurements, RelationName
from mappings.errors import ConfigError, InputError
from mappings.model import EntityKind, Measurement
from mappings.readers import READERS, Reader, read_date, reader_for
from mappings.records import (
    FieldPlan,
    MappedRecords,
    build_entity,
    cyclic_gc_paused,
    missing_required,
    problem_record,
    read_values,
    set_relation,
)

Records = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class _Table:
    id: str
    name: str
    fields: dict[str, tuple[str, str, Any]]  # name or id -> (name, type, options)


def _tables(schema: Mapping[str, Any]) -> dict[str, _Table]:
    tables = schema.get("tables")
    if not isinstance(tables, list):
        raise InputError(
            "not an Airtable base schema (no 'tables')",
            fix="Give the JSON of GET /v0/meta/bases/{base}/tables.",
        )
    found: dict[str, _Table] = {}
    for raw in tables:
        fields: dict[str, tuple[str, str, Any]] = {}
        for field in raw.get("fields") or ():
            entry = (str(field.get("name")), str(field.get("type")), field.get("options"))
            fields[entry[0]] = entry
            fields[str(field.get("id"))] = entry
        table = _Table(str(raw.get("id")), str(raw.get("name")), fields)
        found[table.name] = found[table.id] = table
    return found


class _Resolver:
    """Mapping references to tables and fields of the schema; unknown fields become notes."""

    def __init__(
        self, mapping: AirtableMapping, schema: Mapping[str, Any], time_zone: str | None = None
    ) -> None:
        self.mapping = mapping
        self.tables = _tables(schema)
        self.time_zone = time_zone
        self.notes: list[str] = []

    def table(self, ref: str, path: str) -> _Table:
        table = self.tables.get(ref)
        if table is None:
            names = sorted({t.name for t in self.tables.values()})
            raise ConfigError(
                f"table '{ref}' is not in the base; its tables: {', '.join(names)}",
                where=f"{self.mapping.origin}: {path}",
                fix="Name a table of the base (by name or id), or remove this entity kind.",
            )
        return table

    def field(
        self,
        table: _Table,
        ref: str,
        path: str,
        reader: Reader,
        name: str,
        number: bool = False,
        optional: bool = False,
    ) -> FieldPlan:
        """The plan of a field, read with `reader` (named `name`) in the shape its type has;
        one the table lacks reads as empty, with a note unless the mapping says `optional`
        (`blocks`, the agreed rating's fields: no note)."""
        label, kind, options = table.fields.get(ref, (ref, "", None))
        if not kind and not optional:
            self.notes.append(
                f"field '{ref}' ({path}) is not in table '{table.name}'; it reads as empty"
            )
        read = cell_reader(reader, name, (kind, options), number=number, time_zone=self.time_zone)
        return FieldPlan(path.rsplit(".", 1)[-1], label, label, read)


def map_airtable(
    tables: Mapping[str, Records],
    schema: Mapping[str, Any],
    mapping: AirtableMapping,
    source: str = "airtable",
    *,
    base_id: str | None = None,
    time_zone: str | None = None,
) -> MappedRecords:
    """Map the records of each table (keyed by table name or id) with the base's schema;
    `time_zone` dates the date-times of fields shown in each viewer's own zone."""
    out = MappedRecords()
    resolver = _Resolver(mapping, schema, time_zone)
    base = base_id or mapping.airtable.base
    with cyclic_gc_paused():
        _map_tables(tables, mapping, resolver, (base, source), out)
    out.note(*resolver.notes)
    return out


def _map_tables(
    tables: Mapping[str, Records],
    mapping: AirtableMapping,
    resolver: _Resolver,
    where: tuple[str | None, str],
    out: MappedRecords,
) -> None:
    for kind, entity in mapping.entities.items():
        table = resolver.table(entity.table, f"entities.{kind.value}.table")
        records = _records_of(tables, table, out)
        plans = _plans(resolver, table, kind)
        relations = {
            name: resolver.field(
                table,
                rel.field,
                f"{_path(kind)}.relations.{name}",
                _KEYS,
                "keys",
                optional=name == "blocks",
            )
            for name, rel in mapping.relations_for(kind).items()
        }
        for name, plan in relations.items():
            out.relation_fields.setdefault((kind.value, name), plan.label)
        for record in records:
            _map_record(record, kind, table, plans, relations, entity.required, where, out)
    if mapping.measurements is not None:
        _measurements(tables, mapping.measurements, resolver, out)


_KEYS = READERS["keys"]


def _path(kind: EntityKind) -> str:
    return f"entities.{kind.value}"


def _plans(resolver: _Resolver, table: _Table, kind: EntityKind) -> list[FieldPlan]:
    plans = []
    own = resolver.mapping.entities[kind].attributes
    for attribute, spec in resolver.mapping.attributes_for(kind).items():
        name = spec.reader_name(attribute)
        path = f"{_path(kind)}.attributes.{attribute}" if attribute in own else "attributes"
        read = reader_for(name, spec.true_values)
        plan = resolver.field(
            table, spec.field, path, read, name, name == "number", optional=spec.optional
        )
        plans.append(FieldPlan(attribute, plan.field_id, plan.label, plan.read))
    return plans


def _records_of(tables: Mapping[str, Records], table: _Table, out: MappedRecords) -> Records:
    records = tables.get(table.name)
    if records is None:
        records = tables.get(table.id)
    if records is None:
        out.note(f"no records of table '{table.name}' in the input")
        return []
    return records


def _map_record(
    record: Any,
    kind: EntityKind,
    table: _Table,
    plans: list[FieldPlan],
    relations: Mapping[RelationName, FieldPlan],
    required: list[str],
    where: tuple[str | None, str],
    out: MappedRecords,
) -> None:
    base, source = where
    key, fields = _parts(record, table, out)
    if key is None:
        return
    values = read_values(key, fields, plans, out.problems)
    labels = {plan.attribute: plan.label for plan in plans}
    problem = missing_required(key, kind, values, required, labels)
    if problem is not None:
        out.problems.append(problem)
        return
    for name, plan in relations.items():
        keys = read_values(key, fields, [plan], out.problems).get(plan.attribute) or []
        set_relation(values, name, keys, (key, plan.label), out.problems)
    if base:
        values["url"] = f"https://airtable.com/{base}/{table.id}/{key}"
    values["key"] = key
    values["source"] = source
    entity = build_entity(kind, values, out.problems)
    if entity is not None:
        out.entities.append(entity)


def _parts(record: Any, table: _Table, out: MappedRecords) -> tuple[Any, dict[str, Any]]:
    """A record's id and fields; (None, {}) with RD904 when it has neither."""
    key = record.get("id") if isinstance(record, dict) else None
    fields = record.get("fields") if isinstance(record, dict) else None
    if isinstance(key, str) and isinstance(fields, dict):
        return key, fields
    out.problems.append(
        problem_record(
            str(key or f"{table.name}?"),
            f"a record of table '{table.name}' has no id or no fields; it was not mapped",
            "Export records as GET /v0/{base}/{table} returns them.",
        )
    )
    return None, {}


def _measurements(
    tables: Mapping[str, Records],
    spec: AirtableMeasurements,
    resolver: _Resolver,
    out: MappedRecords,
) -> None:
    table = resolver.table(spec.table, "measurements.table")
    read_value = reader_for(spec.value_reader)
    value = resolver.field(
        table, spec.value, "measurements.value", read_value, spec.value_reader, True
    )
    indicator = resolver.field(table, spec.indicator, "measurements.indicator", _KEYS, "keys")
    at = resolver.field(table, spec.date, "measurements.date", read_date, "date")
    plans = [value, indicator, at]
    if spec.source is not None:
        plans.append(resolver.field(table, spec.source, "measurements.source", _TEXT, "text"))
    for record in _records_of(tables, table, out):
        key, fields = _parts(record, table, out)
        if key is not None:
            _measurement(key, fields, plans, table, out)


def _measurement(
    key: str, fields: dict[str, Any], plans: list[FieldPlan], table: _Table, out: MappedRecords
) -> None:
    """One measurement row; the indicator, date and value it needs are RD901/RD904 if not read."""
    values = read_values(key, fields, plans, out.problems)
    needed = [plan for plan in plans[:3] if plan.attribute not in values]
    empty = [plan.label for plan in needed if fields.get(plan.field_id) in (None, "", [])]
    if empty:  # an unreadable value is reported already; an empty one is reported here
        shown = ", ".join(f"'{label}'" for label in empty)
        out.problems.append(
            problem_record(
                key,
                f"measurement {key} has no {shown}; it was not mapped",
                f"Fill in {shown} on {key} in table '{table.name}'.",
                field=empty[0],
            )
        )
    if needed:
        return
    out.measurements.append(
        Measurement(
            indicator_key=values["indicator"][0],
            at=values["date"],
            value=values["value"],
            source=values.get("source"),
            record_key=key,
        )
    )


_TEXT = READERS["text"]
