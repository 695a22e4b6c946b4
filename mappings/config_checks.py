"""Checks across the keys of a mapping, and the messages of its errors: each names the dotted
key path, says what is wrong and what is allowed (with a "did you mean" where one is close)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from mappings.errors import ConfigError
from mappings.model import ENTITY_CLASSES, EntityKind

if TYPE_CHECKING:
    from mappings.config import AirtableEntity, AttributeSpec, JiraEntity

# Model fields that are not attributes: the mapper sets them from the record itself or from
# relations.
_STRUCTURAL = frozenset({"key", "kind", "source", "url", "parent_key", "drives"})
COMMON_ATTRIBUTES = frozenset(
    {"name", "owners", "department", "status", "done", "updated", "team_rating"}
)


def attributes_of(kind: EntityKind) -> list[str]:
    """The attribute names an entity kind accepts: its model's fields, minus structure."""
    return [name for name in ENTITY_CLASSES[kind].model_fields if name not in _STRUCTURAL]


def _check_attributes(
    attributes: Mapping[str, AttributeSpec], allowed: list[str] | frozenset[str], path: str
) -> None:
    for name in attributes:
        if name not in allowed:
            raise _key_error(path, name, sorted(allowed), _attribute_hint(name))


def _attribute_hint(name: str) -> str:
    if name in ("drives", "parent", "parent_key"):
        return f"; '{name}' is a relation: set it under relations"
    kinds = [kind.value for kind in EntityKind if name in attributes_of(kind)]
    return f"; '{name}' is an attribute of: {', '.join(kinds)}" if kinds else ""


def _check_entity(
    kind: EntityKind, entity: JiraEntity | AirtableEntity, common: Mapping[str, AttributeSpec]
) -> None:
    path = f"entities.{kind.value}"
    _check_attributes(entity.attributes, attributes_of(kind), f"{path}.attributes")
    if "drives" in entity.relations and kind is not EntityKind.STRATEGY:
        raise PydanticCustomError(
            "mapping",
            "{reason}",
            {"reason": "only a strategy drives", "path": f"{path}.relations.drives"},
        )
    mapped = {*common, *entity.attributes}
    for index, name in enumerate(entity.required):
        if name not in mapped:
            raise PydanticCustomError(
                "mapping",
                "{reason}",
                {
                    "reason": f"'{name}' is required but not mapped; mapped: "
                    + ", ".join(sorted(mapped)),
                    "path": f"{path}.required[{index}]",
                },
            )


def _key_error(path: str, name: str, allowed: list[str], hint: str = "") -> PydanticCustomError:
    reason = _unknown(name, allowed) + hint
    return PydanticCustomError("mapping", "{reason}", {"reason": reason, "path": f"{path}.{name}"})


def check_mapping(
    common: Mapping[str, AttributeSpec],
    relations: Mapping[Any, Any],
    entities: Mapping[EntityKind, JiraEntity | AirtableEntity],
) -> None:
    _check_attributes(common, COMMON_ATTRIBUTES, "attributes")
    if "drives" in relations:
        raise PydanticCustomError(
            "mapping",
            "{reason}",
            {
                "reason": "only a strategy drives: set entities.strategy.relations.drives",
                "path": "relations.drives",
            },
        )
    for kind, entity in entities.items():
        _check_entity(kind, entity, common)


def check_facets(relations: Mapping[Any, Any], entities: Mapping[EntityKind, JiraEntity]) -> None:
    """`same_issue` relations join a kind to a facet kind, so they need one; facets differ."""
    for name, relation in relations.items():
        if relation.by == "same_issue":
            raise _mapping_error(
                f"relations.{name}",
                "a relation by same_issue joins two kinds read from one issue: set it under "
                "the entities that share issues, not for every kind",
            )
    facets = {kind: entity.facet for kind, entity in entities.items() if entity.facet}
    for kind, entity in entities.items():
        for name, relation in entity.relations.items():
            if relation.by == "same_issue" and not facets:
                raise _mapping_error(
                    f"entities.{kind.value}.relations.{name}",
                    "a relation by same_issue needs an entity kind with a facet (e.g. "
                    'entities.target.facet = "target") read from the same issues',
                )
    seen: dict[str, EntityKind] = {}
    for kind, facet in facets.items():
        if facet in seen:
            raise _mapping_error(
                f"entities.{kind.value}.facet",
                f"facet '{facet}' is already the facet of {seen[facet].value}; each facet "
                "needs its own name, since it is part of the entity's key",
            )
        seen[facet] = kind


def _mapping_error(path: str, reason: str) -> PydanticCustomError:
    return PydanticCustomError("mapping", "{reason}", {"reason": reason, "path": path})


def config_error(error: ValidationError, model: type[BaseModel], where: str) -> ConfigError:
    first = error.errors()[0]
    loc, context = first["loc"], first.get("ctx") or {}
    if first["type"] == "mapping":
        path = str(context["path"])
        return ConfigError(str(context["reason"]), where=f"{where}: {path}", fix=_fix(path, where))
    path = _dotted(loc)
    if first["type"] == "extra_forbidden":
        message = _unknown(str(loc[-1]), _allowed_keys(model, loc[:-1]))
    elif loc and loc[-1] == "[key]":
        allowed = [str(kind.value) for kind in EntityKind] if "entities" in loc[:1] else []
        message = _unknown(str(loc[-2]), allowed) if allowed else first["msg"]
    elif first["type"] in ("literal_error", "enum"):
        message = f"{first['input']!r} is not allowed; expected {context.get('expected')}"
    elif first["type"] == "missing":
        message = f"missing key '{loc[-1]}'" if loc else "missing key"
    else:
        message = first["msg"].removeprefix("Value error, ")
    return ConfigError(message, where=f"{where}: {path}", fix=_fix(path, where))


def _unknown(name: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown key '{name}'{hint}; allowed: {', '.join(allowed)}"


def _fix(path: str, where: str) -> str:
    return (
        f"Correct {path} in {where}; the bundled mappings (mappings/defaults/jira.toml and "
        "airtable.toml) show every key in use."
    )


def _dotted(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(top level)"


def _allowed_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The keys the model at a location accepts, found by walking the annotations."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    current = _model_in(current)
    return list(current.model_fields) if current is not None else []


def _step(annotation: Any, part: int | str) -> Any:
    model = _model_in(annotation)
    if model is not None and isinstance(part, str) and part in model.model_fields:
        return model.model_fields[part].annotation
    origin = get_origin(annotation)
    if origin in (dict, list):
        return get_args(annotation)[-1]
    return None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
