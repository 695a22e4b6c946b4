"""What mapping raw records yields (entities, measurements, problems, stated skips), and the
steps the Jira and Airtable mappers share: reading planned fields and building an entity."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError

from mappings.model import ENTITY_CLASSES, BaseEntity, DataProblem, EntityKind, Measurement
from mappings.readers import Reader, ReadError, shown_value
from mappings.validation import key_path


class Skipped(BaseModel):
    """A record that was deliberately not mapped, and why (a stated skip, not a finding)."""

    model_config = ConfigDict(frozen=True)

    key: str
    reason: str


@dataclass
class MappedRecords:
    """The result of mapping raw records: what `Architecture(...)` assembles, and what was not."""

    entities: list[BaseEntity] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    problems: list[DataProblem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # mapping-wide remarks, e.g. unknown fields
    # (kind, relation name) -> the field it is read from, as the tool shows it: a reference
    # that resolves to nothing is a problem naming that field (`connector.sync.keys`)
    relation_fields: dict[tuple[str, str], str] = field(default_factory=dict)

    def extend(self, other: MappedRecords) -> None:
        """Add another batch (e.g. the next page), keeping notes unique."""
        self.entities.extend(other.entities)
        self.measurements.extend(other.measurements)
        self.problems.extend(other.problems)
        self.skipped.extend(other.skipped)
        self.note(*other.notes)
        for where, label in other.relation_fields.items():
            self.relation_fields.setdefault(where, label)

    def note(self, *notes: str) -> None:
        for note in notes:
            if note not in self.notes:
                self.notes.append(note)


@dataclass(frozen=True, slots=True)
class FieldPlan:
    """One attribute resolved against a source: where its raw value is and how to read it."""

    attribute: str
    field_id: str  # the key of the value in the raw record's fields
    label: str  # the field's name as the tool shows it, for messages
    read: Reader
    # What `read` made of each object that names itself by its address (a Jira status,
    # option or user; `self`), by the object's id, with the object kept so that the id stays
    # its own: a read holds each such object once (`connector.sources.compact.Shared`), and
    # 10,000 issues name a few dozen of them, so each is read once a mapping, not per issue.
    memo: dict[int, tuple[Any, Any]] = field(default_factory=dict, compare=False, repr=False)


def unreadable(key: str, label: str, raw: Any, error: ReadError, what: str = "") -> DataProblem:
    """RD901: a value that could not be read, naming the record, the field and the raw value."""
    shown = shown_value(raw)
    return DataProblem(
        code="RD901",
        key=key,
        field=label,
        message=f"{key}: field '{label}'{what} holds {shown}, which cannot be read: "
        f"{error.message}",
        fix=f"Correct '{label}' on {key} (or clear it); until then it counts as empty.",
    )


def read_values(
    key: str, fields: dict[str, Any], plans: Sequence[FieldPlan], problems: list[DataProblem]
) -> dict[str, Any]:
    """The attribute values of one record; a bad value is an RD901 problem and stays unset."""
    values: dict[str, Any] = {}
    for plan in plans:
        raw = fields.get(plan.field_id)
        if raw is None:
            continue
        named = raw.__class__ is dict and "self" in raw
        if named:
            held = plan.memo.get(id(raw))
            if held is not None:  # read before: a list (of users) is this entity's own copy
                value = held[1]
                values[plan.attribute] = list(value) if value.__class__ is list else value
                continue
        elif raw == "" or raw == []:
            continue
        try:
            value = plan.read(raw)
        except ReadError as error:
            problems.append(unreadable(key, plan.label, raw, error))
            continue
        if value is not None:
            values[plan.attribute] = value
            if named:
                plan.memo[id(raw)] = (raw, list(value) if value.__class__ is list else value)
    return values


def missing_required(
    key: str,
    kind: EntityKind,
    values: dict[str, Any],
    required: Iterable[str],
    labels: dict[str, str],
) -> DataProblem | None:
    """RD904 when a required attribute is empty: the record cannot be mapped."""
    missing = [name for name in required if not values.get(name)]
    if not missing:
        return None
    shown = ", ".join(f"'{labels.get(name, name)}' ({name})" for name in missing)
    return DataProblem(
        code="RD904",
        key=key,
        field=labels.get(missing[0], missing[0]),
        message=f"{key} ({kind.value}) has no {shown}, which the mapping requires; "
        "it was not mapped",
        fix=f"Fill in {shown} on {key}, or drop it from entities.{kind.value}.required in the "
        "mapping.",
    )


def build_entity(kind: EntityKind, values: dict[str, Any], problems: list[DataProblem]) -> Any:
    """The entity of a kind from read values (plain kwargs); None, with RD904, if it fails."""
    try:
        entity = ENTITY_CLASSES[kind](**values)
    except ValidationError as error:
        first = error.errors()[0]
        where = key_path(first["loc"], ENTITY_CLASSES[kind])
        problems.append(
            DataProblem(
                code="RD904",
                key=str(values.get("key", "?")),
                field=where if first["loc"] else None,
                message=f"{values.get('key', '?')} could not be mapped as a {kind.value}: "
                f"{where}: {first['msg']}",
                fix="Check the mapping's reader for that attribute.",
            )
        )
        return None
    _share_fields_sets(entity)
    return entity


# Each model's set of the fields it was given, one per distinct set: pydantic gives every
# instance a set of its own (728 bytes for an entity's nine names, more than its __dict__), so
# 100,000 entities with their owners and trajectory points carried ~90 MB of identical sets.
# Shared only as `rules.model.share_fields_set` shares them: `model_copy` copies the set
# before it adds to it, and nothing assigns to an entity's fields after it is built.
_FIELDS_SETS: dict[frozenset[str], set[str]] = {}


_SHARED_IDS: set[int] = set()  # the ids of those sets: a model already given one is skipped
# Per model class, its fields that may hold a list of models (owners, a trajectory's points).
_NESTED: dict[type, tuple[str, ...]] = {}


def _share_fields_sets(model: BaseModel) -> None:
    own = model.__pydantic_fields_set__
    if id(own) in _SHARED_IDS:  # a shared Person met again (`readers._known_person`)
        return
    names = frozenset(own)
    shared = _FIELDS_SETS.get(names)
    if shared is None:
        shared = _FIELDS_SETS[names] = set(names)
        _SHARED_IDS.add(id(shared))
    object.__setattr__(model, "__pydantic_fields_set__", shared)
    nested = _NESTED.get(model.__class__)
    if nested is None:
        nested = _NESTED[model.__class__] = _nested_fields(model.__class__)
    held = model.__dict__
    for name in nested:
        for part in held.get(name) or ():  # owners (Person), a trajectory's points
            if isinstance(part, BaseModel):
                _share_fields_sets(part)


def _nested_fields(kind: type[BaseModel]) -> tuple[str, ...]:
    """The fields of `kind` that hold a list of models."""
    return tuple(
        name
        for name, info in kind.model_fields.items()
        if get_origin(info.annotation) is list
        and any(_is_model(of) for of in get_args(info.annotation))
    )


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def set_relation(
    values: dict[str, Any],
    name: str,
    keys: list[str],
    where: tuple[str, str],
    problems: list[DataProblem],
) -> None:
    """Put related keys on the values: all of them for `drives` and `blocks`, the first one for
    `parent` (several parents are an RD901 naming the field, `where` = (record key, field
    label))."""
    if name in ("drives", "blocks"):
        values[name] = keys
        return
    if not keys:
        return
    values["parent_key"] = keys[0]
    if len(keys) > 1:
        error = ReadError(f"{len(keys)} parents; {keys[0]} is used")
        problems.append(unreadable(where[0], where[1], keys, error))


def problem_record(key: str, message: str, fix: str, field: str | None = None) -> DataProblem:
    """RD904: a record that cannot be mapped at all."""
    return DataProblem(code="RD904", key=key, field=field, message=message, fix=fix)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while mapping, then restore it as it was.

    Mapping builds many long-lived objects and no reference cycles, so every automatic
    collection in between rescans a growing heap for nothing: measured at 100,000 issues, that
    was about a third of the mapping time. Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
