"""A Jira read maps its issues as their page comes (indicators wait for their changelogs), and
`map` gives what mapping them all at once gives, taking an issue's early mapping only for the
very record it came from."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from connector.sandbox.server import Sandbox
from mappings.jira import map_jira
from mappings.records import MappedRecords
from tests.test_jira_source import source_for

pytestmark = pytest.mark.e2e


def dumped(mapped: MappedRecords) -> str:
    """Everything mapping yields, in order, as JSON."""
    parts = {
        "entities": [e.model_dump(mode="json") for e in mapped.entities],
        "measurements": [
            [m.indicator_key, str(m.at), m.value, m.source] for m in mapped.measurements
        ],
        "problems": [p.model_dump(mode="json") for p in mapped.problems],
        "skipped": [s.model_dump(mode="json") for s in mapped.skipped],
        "notes": mapped.notes,
        "relations": sorted(map(list, mapped.relation_fields.items())),
    }
    return json.dumps(parts, sort_keys=True)


def test_a_read_maps_its_issues_as_they_come_and_map_gives_the_same(
    make_sandbox: Callable[..., Sandbox],
) -> None:
    """250 issues in pages of 50: each is mapped during the read (an indicator once its
    changelog is whole); `map` then maps only a record replaced since the read, and yields
    exactly what mapping every record at once yields."""
    sandbox = make_sandbox(seed="empty")
    sandbox.seed_bulk(250, history=3)
    source = source_for(sandbox, page_size=50)
    source.map_as_read = True
    result = source.read()
    records = result.records
    indicators = {k for k, r in records.items() if r["fields"]["issuetype"]["name"] == "Indicator"}
    assert 0 < len(indicators) < 250
    early = source._premapped.pieces
    assert set(early) == set(records)
    assert all(early[k][2] for k in indicators)  # with their measurements
    # A record replaced after the read (as a later read would): mapped anew, not taken early.
    changed = next(k for k in records if k not in indicators)
    records[changed] = copy.deepcopy(records[changed])
    records[changed]["fields"]["summary"] = "Renamed since"
    mapped = source.map(records)
    at_once = map_jira(
        [{"issues": list(records.values())}],
        source.mapping,
        source.name,
        field_names=source.names,
        site_url=source.site_url,
    )
    assert dumped(mapped) == dumped(at_once)
    assert any(e.key == changed and e.name == "Renamed since" for e in mapped.entities)
    assert len(mapped.measurements) >= 3 * len(indicators)
    assert not source._premapped.pieces  # taken by the one `map` after the read


def test_early_mappings_are_not_taken_once_the_source_learnt_its_fields_again(
    make_sandbox: Callable[..., Sandbox],
) -> None:
    """A source that connected again between its read and `map` (its field names learnt
    afresh) maps every record again: what the read mapped early is dropped."""
    sandbox = make_sandbox(seed="empty")
    sandbox.seed_bulk(60, history=2)
    source = source_for(sandbox, page_size=50)
    source.map_as_read = True
    result = source.read()
    assert source._premapped.pieces
    taken: list[Any] = []
    take = source._premapped.take
    source._premapped.take = lambda *args: taken.append(args) or take(*args)  # type: ignore[method-assign]
    source.connect()
    mapped = source.map(result.records)
    assert not taken
    assert len(mapped.entities) == 60
    plain = source_for(sandbox, page_size=50)  # a caller that may not map every record
    plain.read()
    assert not plain._premapped.pieces
