"""Checks across the keys of a mapping: each error names the key path it is about."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic_core import PydanticCustomError

from mappings.model import ENTITY_CLASSES, EntityKind
from mappings.validation import keyed_error, unknown_key

if TYPE_CHECKING:
    from mappings.config import AirtableEntity, AttributeSpec, JiraEntity

# Model fields that are not attributes: the mapper sets them from the record itself or from
# relations.
_STRUCTURAL = frozenset({"key", "kind", "source", "url", "parent_key", "drives", "blocks"})
COMMON_ATTRIBUTES = frozenset(
    {"name", "owners", "department", "status", "done", "updated", "team_rating", "salient"}
    | {"agreed_rating", "agreed_on", "agreed_note"}
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
    if name in ("drives", "blocks", "parent", "parent_key"):
        return f"; '{name}' is a relation: set it under relations"
    kinds = [kind.value for kind in EntityKind if name in attributes_of(kind)]
    return f"; '{name}' is an attribute of: {', '.join(kinds)}" if kinds else ""


def _check_entity(
    kind: EntityKind, entity: JiraEntity | AirtableEntity, common: Mapping[str, AttributeSpec]
) -> None:
    path = f"entities.{kind.value}"
    _check_attributes(entity.attributes, attributes_of(kind), f"{path}.attributes")
    if "drives" in entity.relations and kind is not EntityKind.STRATEGY:
        raise keyed_error(f"{path}.relations.drives", "only a strategy drives")
    mapped = {*common, *entity.attributes}
    for index, name in enumerate(entity.required):
        if name not in mapped:
            raise keyed_error(
                f"{path}.required[{index}]",
                f"'{name}' is required but not mapped; mapped: " + ", ".join(sorted(mapped)),
            )


def _key_error(path: str, name: str, allowed: list[str], hint: str = "") -> PydanticCustomError:
    return keyed_error(f"{path}.{name}", unknown_key(name, allowed) + hint)


def check_mapping(
    common: Mapping[str, AttributeSpec],
    relations: Mapping[Any, Any],
    entities: Mapping[EntityKind, JiraEntity | AirtableEntity],
) -> None:
    _check_attributes(common, COMMON_ATTRIBUTES, "attributes")
    if "drives" in relations:
        raise keyed_error(
            "relations.drives", "only a strategy drives: set entities.strategy.relations.drives"
        )
    for kind, entity in entities.items():
        _check_entity(kind, entity, common)


def check_facets(relations: Mapping[Any, Any], entities: Mapping[EntityKind, JiraEntity]) -> None:
    """`same_issue` relations join a kind to a facet kind, so they need one; facets differ."""
    for name, relation in relations.items():
        if relation.by == "same_issue":
            raise keyed_error(
                f"relations.{name}",
                "a relation by same_issue joins two kinds read from one issue: set it under "
                "the entities that share issues, not for every kind",
            )
    facets = {kind: entity.facet for kind, entity in entities.items() if entity.facet}
    for kind, entity in entities.items():
        for name, relation in entity.relations.items():
            if relation.by == "same_issue" and not facets:
                raise keyed_error(
                    f"entities.{kind.value}.relations.{name}",
                    "a relation by same_issue needs an entity kind with a facet (e.g. "
                    'entities.target.facet = "target") read from the same issues',
                )
    seen: dict[str, EntityKind] = {}
    for kind, facet in facets.items():
        if facet in seen:
            raise keyed_error(
                f"entities.{kind.value}.facet",
                f"facet '{facet}' is already the facet of {seen[facet].value}; each facet "
                "needs its own name, since it is part of the entity's key",
            )
        seen[facet] = kind
