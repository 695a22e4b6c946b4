"""What a mapped entity costs in memory: 100,000 of them, checked and assessed, fit in 300 MB
(issue 19) only if each is not carrying a set of its field names of its own."""

import gc
import tracemalloc

from mappings.config import load_mapping
from mappings.jira import map_jira
from mappings.model import Person
from tests.portfolios import pages


def test_a_mapped_entity_costs_under_1800_bytes() -> None:
    """Entities, their owners and trajectory points, and the measurements, as the mapper
    leaves them: about 1,400 bytes an entity (2,450 when each model kept its own set)."""
    mapping = load_mapping("jira")
    map_jira(pages(110), mapping)  # the mapper's caches, once
    gc.collect()
    tracemalloc.start()
    try:
        mapped = map_jira(pages(5_500), mapping)
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(mapped.entities) > 5_000
    assert held / len(mapped.entities) < 1_800, held / len(mapped.entities)


def test_entities_of_one_shape_share_one_fields_set_and_a_copy_gets_its_own() -> None:
    mapped = map_jira(pages(550), load_mapping("jira"))
    sets = {id(e.__pydantic_fields_set__) for e in mapped.entities}
    assert len(sets) < 20 < len(mapped.entities)
    first, second = [e for e in mapped.entities if e.kind == mapped.entities[0].kind][:2]
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__
    shared = set(first.__pydantic_fields_set__)
    unset = next(name for name in type(first).model_fields if name not in shared)
    copy = first.model_copy(update={unset: None, "owners": [Person(id="u1")]})
    assert copy.model_fields_set == shared | {unset, "owners"}
    assert second.model_fields_set == first.model_fields_set == shared
