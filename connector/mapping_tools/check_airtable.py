"""`rdsync mapping check` for Airtable: tables, views and fields exist, types fit, linked records
point at the right tables, and every rated table has the write-back fields and options (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connector.mapping_tools.fitness import WANTS, WRITEBACK_TYPES, WRITEBACK_WANTS, reader_fit
from connector.mapping_tools.problems import Creation, Problem, did_you_mean, field_hint, typed_hint
from connector.mapping_tools.schema import AirtableSchema, SiteField, Table, case_variants
from mappings.config import AirtableMapping, AirtableRelation, AttributeSpec
from mappings.model import PARENT_KIND, EntityKind

OPTION_NAMES = ("red", "amber_red", "amber_green", "green")
FIELD_ID = re.compile(r"fld[A-Za-z0-9]{14}")


@dataclass
class _Checker:
    mapping: AirtableMapping
    schema: AirtableSchema
    problems: list[Problem] = field(default_factory=list)
    read: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, field id) -> key

    def add(self, key: str, message: str, hint: str = "", **extra: Any) -> None:
        self.problems.append(Problem(key, message, hint, **extra))

    def table(self, key: str, ref: str) -> Table | None:
        found = self.schema.table(ref)
        if found is None:
            names = [t.name for t in self.schema.tables]
            self.add(key, f"no table '{ref}' in the base", did_you_mean(ref, names))
        return found

    def field(
        self, key: str, table: Table, ref: str, reader: str | None, *, optional: bool = False
    ) -> SiteField | None:
        found = table.find(ref)
        fitting = [f for f in table.fields if reader and reader_fit(reader, f.type) == "fits"]
        if not found and optional:  # the site may lack it: it reads as empty
            message = f"no field '{ref}' in table '{table.name}': optional, it reads as empty"
            self.add(key, message, note=True)
            return None
        if not found:
            hint = field_hint(ref, table.fields, fitting)
            self.add(key, f"no field '{ref}' in table '{table.name}'", hint)
            return None
        site_field = found[0]
        self.read.setdefault((table.id, site_field.id), key)
        fit = reader_fit(reader, site_field.type) if reader else "fits"
        if reader is not None and fit == "no":
            message = (
                f"{site_field.shown} in '{table.name}' is no fit: it is read as {WANTS[reader]}"
            )
            self.add(key, message, typed_hint(ref, key.rpartition(".")[2], fitting))
        elif reader is not None and fit == "loose":
            message = f"{site_field.shown} in '{table.name}' is read as {WANTS[reader]}"
            self.add(key, message, "values that are not will be RD901 findings", note=True)
        return site_field


def check_airtable(
    mapping: AirtableMapping, schema: AirtableSchema, *, base: str | None = None
) -> list[Problem]:
    """Every problem of the mapping in this base, in the order of the mapping's keys."""
    checker = _Checker(mapping, schema)
    if base is not None and mapping.airtable.base not in (None, base):
        message = f"the mapping names base '{mapping.airtable.base}', the config '{base}'"
        checker.add("airtable.base", message, "make them the same")
    tables: dict[EntityKind, Table] = {}
    for kind, entity in mapping.entities.items():
        found = checker.table(f"entities.{kind.value}.table", entity.table)
        if found is not None:
            tables[kind] = found
            _view(checker, f"entities.{kind.value}.view", found, entity.view)
    for kind, table in tables.items():
        path = f"entities.{kind.value}"
        _attributes(checker, "attributes", table, mapping.attributes)
        _attributes(checker, f"{path}.attributes", table, mapping.entities[kind].attributes)
        _relations(checker, kind, table, tables)
    _measurements(checker, tables.get(EntityKind.INDICATOR))
    _writeback(checker, tables)
    return _unique(checker.problems)


def _unique(problems: list[Problem]) -> list[Problem]:
    """A common attribute missing from several tables is one line per table, never twice."""
    return list(dict.fromkeys(problems))


def _view(checker: _Checker, key: str, table: Table, view: str | None) -> None:
    if view is not None and view not in table.views:
        message = f"no view '{view}' in table '{table.name}'"
        checker.add(key, message, did_you_mean(view, table.views))


def _attributes(
    checker: _Checker, path: str, table: Table, attributes: Mapping[str, AttributeSpec]
) -> None:
    for name, spec in attributes.items():
        reader = spec.reader_name(name)
        checker.field(f"{path}.{name}", table, spec.field, reader, optional=spec.optional)


def _relations(
    checker: _Checker, kind: EntityKind, table: Table, tables: dict[EntityKind, Table]
) -> None:
    own = checker.mapping.entities[kind].relations
    for name, relation in checker.mapping.relations_for(kind).items():
        path = f"entities.{kind.value}" if name in own else ""
        key = f"{path + '.' if path else ''}relations.{name}.field"
        reader = "keys" if relation.by == "field" else None
        if name == "blocks" and not table.find(relation.field):
            checker.add(key, OPTIONAL_BLOCKS.format(f"field '{relation.field}'"), BLOCKS_FIX,
                        note=True)  # fmt: skip
            continue
        found = checker.field(key, table, relation.field, reader)
        if found is None or relation.by != "linked_records":
            continue
        _linked(checker, key, found, _expected(kind, name, relation, tables))


# `blocks` is optional: a base or site without it only shows no item waiting on another.
OPTIONAL_BLOCKS = "no {} to read what waits on an item: no interdependency by blocks is shown"
BLOCKS_FIX = "add it (a linked-record field), or leave relations.blocks out of the mapping"


def _expected(
    kind: EntityKind, name: str, relation: AirtableRelation, tables: dict[EntityKind, Table]
) -> list[Table]:
    """The tables a relation's linked records may point at."""
    if name == "parent":
        parent = PARENT_KIND.get(kind)
        return [tables[parent]] if parent in tables else []
    if name == "blocks":  # an item of any mapped kind may wait on this one
        return list(tables.values())
    return [tables[k] for k in (EntityKind.TARGET, EntityKind.OUTCOME) if k in tables]


def _linked(checker: _Checker, key: str, found: SiteField, expected: list[Table]) -> None:
    if found.type != "links":
        checker.add(key, f"{found.shown} holds no linked records", "name a linked-record field")
        return
    if expected and found.linked_table not in {t.id for t in expected}:
        target = checker.schema.table_by_id(found.linked_table)
        shown = target.name if target else found.linked_table
        wanted = " or ".join(f"'{t.name}'" for t in expected)
        checker.add(
            key, f"{found.shown} links to '{shown}', not to {wanted}", "name the field that does"
        )


def _measurements(checker: _Checker, indicators: Table | None) -> None:
    spec = checker.mapping.measurements
    if spec is None:
        return
    table = checker.table("measurements.table", spec.table)
    if table is None:
        return
    _view(checker, "measurements.view", table, spec.view)
    link = checker.field("measurements.indicator", table, spec.indicator, None)
    if link is not None:
        _linked(checker, "measurements.indicator", link, [indicators] if indicators else [])
    checker.field("measurements.date", table, spec.date, "date")
    checker.field("measurements.value", table, spec.value, spec.value_reader)
    if spec.source is not None:
        checker.field("measurements.source", table, spec.source, "text")


def _writeback(checker: _Checker, tables: dict[EntityKind, Table]) -> None:
    wanted = checker.mapping.writeback
    rated = [tables[k] for k in wanted.kinds if k in tables]
    gaps_only = [tables[k] for k in wanted.gap_kinds if k in tables]  # their gaps field only
    for role, (word, _jira, _airtable) in WRITEBACK_TYPES.items():
        ref = getattr(wanted, role)
        if ref is None:
            continue
        written = rated + gaps_only if role == "gaps" else rated
        for table in {t.id: t for t in written}.values():
            _writeback_field(checker, f"writeback.{role}", role, word, table, ref)


def _writeback_field(
    checker: _Checker, key: str, role: str, word: str, table: Table, ref: str
) -> None:
    found = table.find(ref)
    if found and found[0].id == ref:
        message = f"'{ref}' is the id of {found[0].shown} in '{table.name}'"
        checker.add(key, message, f'name it: {role} = "{found[0].name}" (the same in every table)')
        return
    if not found:
        _missing(checker, key, role, word, table, ref)
        return
    site_field = found[0]
    if site_field.type != word:
        message = f"{site_field.shown} in '{table.name}' cannot hold the {role}: it needs "
        checker.add(key, message + WRITEBACK_WANTS[role], "name another field")
        return
    reader = checker.read.get((table.id, site_field.id))
    if reader is not None:
        message = f"{site_field.shown} in '{table.name}' is read by {reader}"
        checker.add(key, message, "rdsync would overwrite what teams type: give it its own field")
        return
    if role == "likelihood":
        _options(checker, table, site_field)


def _missing(checker: _Checker, key: str, role: str, word: str, table: Table, ref: str) -> None:
    """A write-back field the table lacks: `--fix` creates it, unless its name is a near miss
    (a typo in the mapping). Airtable refuses a second name differing only in case, so a
    team's field of that name is reported, never taken over, and nothing is created."""
    message = f"no field '{ref}' in table '{table.name}'"
    if FIELD_ID.fullmatch(ref):
        checker.add(key, f"no field has the id '{ref}' in '{table.name}'", "name the field")
        return
    variants = case_variants(table.fields, ref)
    if variants:
        hint = (
            f"'{variants[0].name}' differs only in case and is not taken for it, and Airtable "
            "allows no second field of that name: name another field for rdsync"
        )
        checker.add(key, message, hint)
        return
    hint = did_you_mean(ref, [f.name for f in table.fields if f.type == word])
    if hint.startswith("did you mean"):  # a near miss is a typo in the mapping
        checker.add(key, message, hint)
        return
    options = checker.mapping.writeback.options
    choices = tuple(options.option(r) for r in range(1, 5)) if word == "select" else ()
    creation = Creation(role, ref, word, choices, table=table.name)
    checker.add(key, message, "`rdsync mapping check --fix` creates it", creation=creation)


def _options(checker: _Checker, table: Table, site_field: SiteField) -> None:
    have = list(site_field.options or ())
    wanted = checker.mapping.writeback.options
    for name in OPTION_NAMES:
        option = getattr(wanted, name)
        if option in have:
            continue
        hint = did_you_mean(option, have)
        creation = None
        if not hint.startswith("did you mean"):
            hint = "`rdsync mapping check --fix` adds it"
            creation = Creation(
                "likelihood", site_field.name, "select", (option,), site_field.id, table.name
            )
        message = f"field '{site_field.name}' in '{table.name}' has no option '{option}'"
        checker.add(f"writeback.options.{name}", message, hint, creation=creation)
