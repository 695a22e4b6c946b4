"""Each entity's and assessment's JSON as the last commit stored it, kept by the daemon so that a
run serialises only what changed: the rest is the very text a fresh dump gives."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import TypeAdapter

from mappings.model import Entity
from rules.model import Assessment

_ENTITY = TypeAdapter(Entity)


class Serialised:
    """The JSON of the last commit's entities (by the entity itself: a record whose mapping was
    kept maps to the very objects again, and entities are never changed in place) and of its
    assessments (by key, valid while the assessment is equal: they are frozen)."""

    def __init__(self) -> None:
        self.entities: dict[int, tuple[Any, bytes]] = {}  # id -> (the entity, held), its JSON
        self.assessments: dict[str, tuple[Assessment, str]] = {}
        # Serialised afresh by the last dump of each (the others' JSON was kept).
        self.fresh_entities = self.fresh_assessments = 0

    def entities_json(self, entities: Iterable[Any]) -> str:
        """`TypeAdapter(list[Entity]).dump_json(entities)`, each entity's part kept from the
        last call when it is the same object (pydantic writes a list as its items' JSON
        joined by commas, without spaces)."""
        kept, now, parts = self.entities, {}, []
        self.fresh_entities = 0
        for entity in entities:
            held = kept.get(id(entity))
            if held is None or held[0] is not entity:
                held = (entity, _ENTITY.dump_json(entity))
                self.fresh_entities += 1
            now[id(entity)] = held
            parts.append(held[1])
        self.entities = now  # the entities gone are let go
        return (b"[" + b",".join(parts) + b"]").decode()

    def assessments_json(
        self, assessments: Iterable[Assessment]
    ) -> Iterator[tuple[Assessment, str]]:
        """Each assessment with its `model_dump_json()`, kept from the last call for an equal
        one of the same key; the keys not given this time are let go."""
        kept, now = self.assessments, {}
        self.fresh_assessments = 0
        try:
            for assessment in assessments:
                held = kept.get(assessment.key)
                if held is None or not (held[0] is assessment or held[0] == assessment):
                    held = (assessment, assessment.model_dump_json())
                    self.fresh_assessments += 1
                now[assessment.key] = held
                yield held
        finally:
            self.assessments = now
