"""`rdsync mapping check` for Jira: a mapping against a site's schema. Every field, issue type,
link type and project it names must exist, types must fit their readers, and the write-back
fields and options must be there (pure; the two live questions are passed in). `fields_only`
keeps to what every sync checks before it writes: fields, their types, write-back options."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connector.mapping_tools.fitness import (
    WANTS,
    WRITEBACK_TYPES,
    WRITEBACK_WANTS,
    reader_fit,
)
from connector.mapping_tools.problems import Creation, Problem, did_you_mean, field_hint, typed_hint
from connector.mapping_tools.schema import JiraSchema, SiteField, case_variants
from mappings.config import AttributeSpec, JiraMapping, JiraRelation
from mappings.model import PARENT_KIND, EntityKind

Options = Callable[[str], list[str] | None]  # field id -> select options (None: unknown)
JqlError = Callable[[str], str | None]  # JQL -> Jira's error, None when it runs
Contexts = Callable[[str], str | None]  # field id -> its contexts, told (None: unknown)

ROLE_NAMES = ("likelihood", "rationale", "gaps", "assessed")
CUSTOM_ID = re.compile(r"customfield_\d+")  # a field pinned by its id


@dataclass
class _Checker:
    mapping: JiraMapping
    schema: JiraSchema
    options: Options
    jql_error: JqlError
    fields_only: bool = False  # skip what only `mapping check` asks: types, links, projects
    contexts: Contexts = lambda _fid: None

    def __post_init__(self) -> None:
        self.problems: list[Problem] = []
        self.read: dict[str, str] = {}  # field id -> the key that reads it

    def add(
        self,
        key: str,
        message: str,
        hint: str = "",
        *,
        creation: Creation | None = None,
        note: bool = False,
    ) -> None:
        self.problems.append(Problem(key, message, hint, creation, note))

    def field(
        self, key: str, ref: str, reader: str | None, *, optional: bool = False
    ) -> SiteField | None:
        """The one field a reference names; a problem when none or several (or a bad type).
        An `optional` field the site lacks is a note: it reads as empty."""
        found = self.schema.find(ref)
        fitting = [f for f in self.schema.fields if reader and reader_fit(reader, f.type) == "fits"]
        if not found and optional:
            self.add(key, f"no field '{ref}' on the site: optional, it reads as empty", note=True)
            return None
        if not found:
            self.add(
                key, f"no field '{ref}' on the site", field_hint(ref, self.schema.fields, fitting)
            )
            return None
        if len(found) > 1:
            self.add(key, *self.namesakes(key, ref, found))
            return None
        site_field = found[0]
        self.read.setdefault(site_field.id, key)
        if reader is not None:
            fit = reader_fit(reader, site_field.type)
            if fit == "no":
                message = f"{site_field.shown} is no fit: it is read as {WANTS[reader]}"
                self.add(key, message, typed_hint(ref, key.rpartition(".")[2], fitting))
            elif fit == "loose":
                message = (
                    f"{site_field.shown} is read as {WANTS[reader]}: values that are not will "
                    "be RD901 findings"
                )
                self.add(key, message, "a field of that type is safer", note=True)
        return site_field

    def namesakes(self, key: str, ref: str, found: list[SiteField]) -> tuple[str, str]:
        """Several fields of one name: each id with its contexts (where the site tells them),
        so an admin can see which is meant, and the fix, to pin that one by its id."""
        told = [(f.id, self.contexts(f.id)) for f in found]
        shown = ", ".join(f"{fid} ({context})" if context else fid for fid, context in told)
        name = key.rpartition(".")[2]
        pins = " or ".join(f'{name} = "{f.id}"' for f in found)
        message = f"{len(found)} fields are named '{ref}': {shown}"
        return message, f"rdsync reads none of them: pin the one meant by its id ({pins})"


def check_jira(
    mapping: JiraMapping,
    schema: JiraSchema,
    *,
    options: Options = lambda _fid: None,
    jql_error: JqlError = lambda _jql: None,
    fields_only: bool = False,
    contexts: Contexts = lambda _fid: None,
) -> list[Problem]:
    """Every problem of the mapping on this site, in the order of the mapping's keys.

    `fields_only`: the fields alone (those GET /field tells), not the issue types, link types,
    projects and JQL, which a sync does not need checked to write where it should.
    `contexts` describes a field's contexts, asked only of fields that share a name."""
    checker = _Checker(mapping, schema, options, jql_error, fields_only, contexts)
    _project(checker)
    _attributes(checker, "attributes", mapping.attributes)
    _relations(checker, "relations", mapping.relations)
    for kind, entity in mapping.entities.items():
        path = f"entities.{kind.value}"
        _selection(checker, kind)
        _attributes(checker, f"{path}.attributes", entity.attributes)
        _relations(checker, f"{path}.relations", entity.relations)
    _hierarchy(checker)
    if mapping.measurements is not None:
        checker.field("measurements.field", mapping.measurements.field, mapping.measurements.reader)
    _writeback(checker)
    return checker.problems


def _project(checker: _Checker) -> None:
    project = checker.mapping.jira.project
    keys = list(checker.schema.projects)
    if project is not None and not checker.fields_only and project not in keys:
        checker.add(
            "jira.project", f"no project '{project}' on the site", did_you_mean(project, keys)
        )


def _selection(checker: _Checker, kind: EntityKind) -> None:
    entity = checker.mapping.entities[kind]
    path = f"entities.{kind.value}"
    names = [t.name for t in checker.schema.issue_types]
    site_only = not checker.fields_only
    if site_only and entity.issue_type is not None and entity.issue_type not in names:
        message = f"no issue type '{entity.issue_type}' on the site"
        checker.add(f"{path}.issue_type", message, did_you_mean(entity.issue_type, names))
    if entity.when is not None:
        checker.field(f"{path}.when", entity.when, None)
    if site_only and entity.jql is not None:
        error = checker.jql_error(entity.jql)
        if error is not None:
            checker.add(
                f"{path}.jql", f"Jira refuses the JQL: {error}", "correct it in Jira's search first"
            )


def _attributes(checker: _Checker, path: str, attributes: dict[str, AttributeSpec]) -> None:
    for name, spec in attributes.items():
        checker.field(f"{path}.{name}", spec.field, spec.reader_name(name), optional=spec.optional)


def _relations(checker: _Checker, path: str, relations: Mapping[Any, JiraRelation]) -> None:
    for name, relation in relations.items():
        key = f"{path}.{name}"
        if relation.by == "field" and relation.field is not None:
            checker.field(f"{key}.field", relation.field, "keys")
        if relation.by == "link" and relation.link_type is not None and not checker.fields_only:
            if name == "blocks" and checker.schema.link_type(relation.link_type) is None:
                message = f"no link type '{relation.link_type}' to read what waits on an item"
                checker.add(f"{key}.link_type", message + ": no interdependency by blocks is "
                            "shown", "name the site's blocks link type, or leave relations."
                            "blocks out of the mapping", note=True)  # fmt: skip
                continue
            _link_type(checker, key, relation.link_type)


def _link_type(checker: _Checker, key: str, wanted: str) -> None:
    if checker.schema.link_type(wanted) is not None:
        return
    for link in checker.schema.link_types:  # a phrase of a link type, written for its name
        if wanted.casefold() in (link.inward.casefold(), link.outward.casefold()):
            side = "outward" if wanted.casefold() == link.outward.casefold() else "inward"
            hint = f"did you mean link_type = '{link.name}' (direction = \"{side}\")?"
            checker.add(
                f"{key}.link_type",
                f"'{wanted}' is how link type '{link.name}' reads, not its name",
                hint,
            )
            return
    names = [link.name for link in checker.schema.link_types]
    checker.add(
        f"{key}.link_type", f"no link type '{wanted}' on the site", did_you_mean(wanted, names)
    )


def _hierarchy(checker: _Checker) -> None:
    """A parent by Jira's parent field must be exactly one hierarchy level up."""
    mapping = checker.mapping
    if checker.fields_only:
        return
    for child, parent in PARENT_KIND.items():
        if child not in mapping.entities or parent not in mapping.entities:
            continue
        relation = mapping.relations_for(child).get("parent")
        if relation is None or relation.by != "parent":
            continue
        below = checker.schema.issue_type(mapping.entities[child].issue_type or "")
        above = checker.schema.issue_type(mapping.entities[parent].issue_type or "")
        if below is None or above is None or below.level is None or above.level is None:
            continue
        if above.level != below.level + 1:
            key = f"entities.{child.value}.relations.parent"
            message = (
                f"a {child.value} ('{below.name}', level {below.level}) takes its parent from "
                f"Jira's parent field, but '{above.name}' is level {above.level}: Jira allows "
                "a parent exactly one level up"
            )
            checker.add(key, message, "relate them by a link type instead")


def _writeback(checker: _Checker) -> None:
    """Each write-back field by its exact name, one field of that name, or pinned by its id."""
    wanted = checker.mapping.writeback
    for role in ROLE_NAMES:
        ref = getattr(wanted, role)
        if ref is None:
            continue
        key = f"writeback.{role}"
        word = WRITEBACK_TYPES[role][0]
        found = checker.schema.find(ref)
        if not found:
            _missing(checker, key, role, ref)
            continue
        if len(found) > 1:
            ids = [f.id for f in found]
            pins = " or ".join(f'{role} = "{fid}"' for fid in ids)
            message = f"{len(found)} fields are named '{ref}' ({', '.join(ids)})"
            checker.add(key, message, f"pin the one rdsync owns by its id: {pins}")
            continue
        site_field = found[0]
        if site_field.type != word:
            message = f"{site_field.shown} cannot hold the {role}: it needs {WRITEBACK_WANTS[role]}"
            checker.add(key, message, "name another field, or a new one for `--fix` to create")
            continue
        if site_field.id in checker.read:
            reader = checker.read[site_field.id]
            message = (
                f"{site_field.shown} is read by {reader}: rdsync would overwrite what teams type"
            )
            checker.add(key, message, "give rdsync a field of its own")
            continue
        if role == "likelihood":
            _options(checker, site_field)


def _missing(checker: _Checker, key: str, role: str, ref: str) -> None:
    """A write-back field the site lacks: `--fix` creates it under that exact name, unless the
    name is a near miss of another (a typo in the mapping) or an id (which nothing can create).
    A field whose name differs only in case is a team's: named, never taken over."""
    message = f"no field '{ref}' on the site"
    if CUSTOM_ID.fullmatch(ref):
        checker.add(key, f"no field has the id '{ref}'", "pin an id GET /field lists, or a name")
        return
    word = WRITEBACK_TYPES[role][0]
    options = checker.mapping.writeback.options
    choices = tuple(options.option(r) for r in range(1, 5)) if word == "select" else ()
    creation = Creation(role, ref, word, choices)
    variants = case_variants(checker.schema.fields, ref)
    if variants:
        shown = " and ".join(f"'{f.name}' ({f.id})" for f in variants)
        hint = (
            f"{shown} differs only in case and is not taken for it: `rdsync mapping check "
            f"--fix` creates '{ref}' (or, if it is rdsync's own, pin its id: {role} = "
            f'"{variants[0].id}")'
        )
        checker.add(key, message, hint, creation=creation)
        return
    hint = did_you_mean(ref, [f.name for f in checker.schema.fields if f.type == word])
    if hint.startswith("did you mean"):  # a near miss is a typo in the mapping
        checker.add(key, message, hint)
        return
    checker.add(key, message, "`rdsync mapping check --fix` creates it", creation=creation)


def _options(checker: _Checker, site_field: SiteField) -> None:
    wanted = checker.mapping.writeback.options
    have = checker.options(site_field.id)
    if have is None:
        message = f"could not read the options of {site_field.shown}"
        checker.add("writeback.options", message, "check them in Jira's field settings", note=True)
        return
    for name in ("red", "amber_red", "amber_green", "green"):
        option = getattr(wanted, name)
        if option in have:
            continue
        hint = did_you_mean(option, have)
        creation = None
        if not hint.startswith("did you mean"):  # a near miss is a typo in the mapping
            hint = "`rdsync mapping check --fix` adds it"
            creation = Creation("likelihood", site_field.name, "select", (option,), site_field.id)
        message = f"field '{site_field.name}' has no option '{option}'"
        checker.add(f"writeback.options.{name}", message, hint, creation=creation)
