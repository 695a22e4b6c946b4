"""`rdsync mapping discover` for Airtable: kinds by table, attributes by field, relations by the
linked-record fields between the tables, measurements by a table of readings (pure)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connector.mapping_tools.discover import (
    COMMON_FOUND,
    FACET_HINT,
    KINDS,
    RATED_KINDS,
    STOCK_TAKE,
    Guess,
    assign,
    best_field,
    header,
    stock_take,
    writeback,
)
from connector.mapping_tools.fitness import WANTS, attribute_reader
from connector.mapping_tools.schema import AirtableSchema, SiteField, Table
from connector.mapping_tools.skeleton import Section, Skeleton
from connector.mapping_tools.synonyms import KIND_SYNONYMS, STRONG, WEAK, normal
from mappings.config import attributes_of
from mappings.model import PARENT_KIND, EntityKind

MEASUREMENT_SYNONYMS = {
    "measurements": (
        ("measurement", STRONG),
        ("reading", STRONG),
        ("data point", STRONG),
        ("actual", STRONG),
        ("observation", STRONG),
        ("result", WEAK),
    )
}
DONE_WORDS = ("done", "complete", "completed", "closed", "finished")
DRIVEN_KINDS = (EntityKind.TARGET, EntityKind.OUTCOME)
RATED = (EntityKind.PRIORITY, EntityKind.OUTCOME, EntityKind.TARGET, EntityKind.STRATEGY)


def discover_airtable(schema: AirtableSchema, *, site: str, base: str) -> Skeleton:
    """The skeleton for an Airtable base."""
    skeleton = Skeleton(header=header(site), top=Section(""))
    skeleton.top.add("tool", "airtable")
    skeleton.section("airtable").add("base", base, "the base of the config")
    names = [t.name for t in schema.tables]
    readings = assign(["measurements"], names, MEASUREMENT_SYNONYMS).get("measurements")
    others = [n for n in names if readings is None or n != readings.name]
    guesses = assign([k.value for k in KINDS], others, KIND_SYNONYMS)
    tables = {EntityKind(k): schema.table(g.name) for k, g in guesses.items()}
    mapped = {kind: table for kind, table in tables.items() if table is not None}
    common = _common(skeleton, mapped)
    for kind in KINDS:
        guess = guesses.get(kind.value)
        _entity(skeleton, schema, kind, guess, mapped, common)
    _measurements(skeleton, schema, readings, mapped.get(EntityKind.INDICATOR))
    rated = [t for k, t in mapped.items() if k in RATED]
    candidates = {f.name: f for table in rated for f in table.fields}  # once per name
    writeback(skeleton, list(candidates.values()), kinds=[k.value for k in mapped])
    return skeleton


def _per_table(
    mapped: dict[EntityKind, Table], pick: Callable[[Table], Any]
) -> tuple[Any, dict[EntityKind, Any]]:
    """What `pick` finds in each table, and the one value all tables agree on (else None)."""
    found = {kind: pick(table) for kind, table in mapped.items()}
    values = {repr(v) for v in found.values()}
    shared = next(iter(found.values())) if len(values) == 1 and found else None
    return shared, found


def _done(table: Table) -> tuple[Any, str] | None:
    for candidate in table.fields:
        if candidate.type == "checkbox" and normal(candidate.name) in DONE_WORDS:
            return candidate.name, f"{candidate.shown}: a checkbox named '{candidate.name}'"
    for candidate in table.fields:
        if candidate.type == "select" and candidate.options:
            done = [o for o in candidate.options if normal(o) in DONE_WORDS]
            if done and _is_status(candidate):
                value = {"field": candidate.name, "reader": "bool", "true_values": done}
                return value, f"{candidate.shown} has the option '{done[0]}'"
    return None


def _is_status(candidate: SiteField) -> bool:
    return candidate.type == "select" and normal(candidate.name) in (normal("status"), "state")


def _status(table: Table) -> tuple[str, str] | None:
    found = next((f for f in table.fields if _is_status(f)), None)
    return (found.name, f"{found.shown}: named '{found.name}'") if found else None


def _updated(table: Table) -> tuple[str, str] | None:
    for candidate in table.fields:
        if candidate.raw_type == "lastModifiedTime":
            return candidate.name, f"{candidate.shown}: a last-modified time"
    return None


def _common(skeleton: Skeleton, mapped: dict[EntityKind, Table]) -> dict[str, Any]:
    """[attributes] for what every mapped table holds under the same name; the rest per table."""
    section = skeleton.section(
        "attributes", notes=["Read for every entity kind (an entity's own attributes override)."]
    )
    pickers: dict[str, Callable[[Table], Any]] = {
        "name": lambda t: (t.primary, "the table's primary field") if t.primary else None,
        **{a: _picker(a) for a in COMMON_FOUND},
        "status": _status,
        "done": _done,
        "updated": _updated,
    }
    per_table: dict[str, Any] = {}
    for attribute, pick in pickers.items():
        shared, found = _per_table(mapped, pick)
        if shared is not None:
            section.add(attribute, shared[0], shared[1])
        else:
            per_table[attribute] = found
    if "updated" in per_table:
        skeleton.unmatched.append(
            "attributes.updated: no last-modified-time field of one name in every table "
            "(incremental syncs read it)"
        )
    return per_table


def _picker(attribute: str) -> Callable[[Table], Any]:
    def pick(table: Table) -> tuple[str, str] | None:
        found = best_field(table.fields, attribute)
        return (found[0].name, found[1].evidence) if found else None

    return pick


def _link_to(table: Table, target: Table | None) -> SiteField | None:
    if target is None:
        return None
    return next(
        (f for f in table.fields if f.type == "links" and f.linked_table == target.id), None
    )


def _entity(
    skeleton: Skeleton,
    schema: AirtableSchema,
    kind: EntityKind,
    guess: Guess | None,
    mapped: dict[EntityKind, Table],
    per_table: dict[str, Any],
) -> None:
    path = f"entities.{kind.value}"
    section = skeleton.section(path, active=guess is not None)
    table = mapped.get(kind)
    if guess is None or table is None:
        section.notes.append(f"No table looks like a {kind.value}. {FACET_HINT}")
        section.add("table", "?", "the base has: " + ", ".join(t.name for t in schema.tables))
        skeleton.unmatched.append(f"{path}: no table looks like a {kind.value}")
        return
    section.add("table", table.name, guess.evidence)
    _relations(skeleton, schema, kind, section, mapped)
    own = [
        a
        for a in attributes_of(kind)
        if a not in {"name", "status", "done", "updated", *COMMON_FOUND, *STOCK_TAKE}
    ]
    attributes = skeleton.section(f"{path}.attributes")
    for attribute, found in per_table.items():
        if found.get(kind) is not None:
            attributes.add(attribute, found[kind][0], found[kind][1])
    taken: set[str] = set()
    for attribute in own:
        best = best_field(table.fields, attribute, taken)
        if best is None:
            wants = WANTS[attribute_reader(attribute)]
            attributes.add(attribute, "", f"no field matched; wants {wants}", active=False)
            skeleton.unmatched.append(f"{path}.attributes.{attribute}: no field matched")
            continue
        taken.add(best[0].id)
        attributes.add(attribute, best[0].name, best[1].evidence)
    if kind in RATED_KINDS:
        for attribute, value, why in stock_take(table.fields):
            attributes.add(attribute, value, why)


def _relations(
    skeleton: Skeleton,
    schema: AirtableSchema,
    kind: EntityKind,
    section: Section,
    mapped: dict[EntityKind, Table],
) -> None:
    """`relations.parent` and `relations.drives` from linked-record fields to the right table."""
    table = mapped[kind]
    related: dict[str, tuple[EntityKind, ...]] = {
        "parent": (PARENT_KIND[kind],) if kind in PARENT_KIND else (),
        "drives": DRIVEN_KINDS if kind is EntityKind.STRATEGY else (),
    }
    for name, kinds in related.items():
        links = [found for k in kinds if (found := _link_to(table, mapped.get(k))) is not None]
        if links:
            target = schema.table_by_id(links[0].linked_table)
            value = {"by": "linked_records", "field": links[0].name}
            why = f"{links[0].shown} links to '{target.name if target else '?'}'"
            section.add(f"relations.{name}", value, why)
        elif any(k in mapped for k in kinds):
            path = f"entities.{kind.value}.relations.{name}"
            skeleton.unmatched.append(f"{path}: no linked-record field to it")
    blocks = next(
        (f for f in table.fields if f.type == "links" and normal(f.name) in ("block", "blocks")),
        None,
    )
    if blocks is not None:  # optional: the items that wait on this one
        why = f"{blocks.shown} is a linked-record field named for what it blocks"
        section.add("relations.blocks", {"by": "linked_records", "field": blocks.name}, why)


def _measurements(
    skeleton: Skeleton, schema: AirtableSchema, readings: Guess | None, indicators: Table | None
) -> None:
    notes = ["Indicator history: one record per measurement."]
    table = schema.table(readings.name) if readings is not None else None
    section = skeleton.section("measurements", active=table is not None, notes=notes)
    if table is None or readings is None:
        section.add("table", "", "no table looks like measurements", active=False)
        if indicators is not None:
            skeleton.unmatched.append("measurements: no table looks like measurements")
        return
    section.add("table", table.name, readings.evidence)
    link = _link_to(table, indicators)
    date = next(
        (f for f in table.fields if f.type in ("date", "datetime") and not _computed(f)), None
    )
    value = best_field(table.fields, "current_value") or _first(table, "number")
    source = next((f for f in table.fields if "source" in normal(f.name)), None)
    for key, found, why in (
        ("indicator", link, "links to the indicators"),
        ("date", date, "the first date field"),
        ("value", value[0] if isinstance(value, tuple) else value, "a number field"),
        ("source", source, "its name says source"),
    ):
        if found is not None:
            section.add(key, found.name, f"{found.shown}: {why}")
            continue
        section.add(key, "", "no field matched", active=False)
        if key != "source":  # optional; the others are required, so the table waits for them
            section.active = False
            skeleton.unmatched.append(f"measurements.{key}: no field matched")


def _computed(found: SiteField) -> bool:
    return found.raw_type in ("lastModifiedTime", "createdTime")


def _first(table: Table, word: str) -> SiteField | None:
    return next((f for f in table.fields if f.type == word), None)
