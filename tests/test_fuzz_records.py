"""Fuzzing raw records: malformed Jira issues and Airtable records never crash a sync's mapping,
rules and likelihood, and each one shows as an RD9xx finding on its key.

The records start as real ones, read from a demo sandbox through the connectors; hypothesis
then breaks some of them the ways real data breaks: a value of the wrong type or garbage text
in a mapped field (numbers, dates, people, options, trajectories), a parent or "Drives" link to
a record out of scope, a record that is its own parent, an empty name, a record without fields
or without a key, the same key twice, a changelog entry that cannot be read, and shapes a tool
never sends (an issue type that is a string, a changelog that is a list of strings, a number too
large for a float). `benchmarks/campaign_fuzz.py` runs the same property over 10,000 records.
"""

from __future__ import annotations

import copy
import string
from collections.abc import Callable, Iterator
from datetime import date
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.clock import Clock
from connector.config import AirtableSourceConfig, Config, JiraSourceConfig
from connector.sandbox.airtable.seed import BASE_ID
from connector.sandbox.server import start_sandbox
from connector.sources.airtable import AirtableSource, TableRecord
from connector.sources.base import Source
from connector.sources.jira import JiraSource
from connector.sync.steps import judge_portfolio, map_guarded
from mappings.config import AirtableMapping, JiraMapping, load_mapping
from mappings.graph import Architecture
from mappings.model import EntityKind

TODAY = date(2026, 11, 22)
TYPED = ("number", "int", "rating", "date", "datetime", "users", "direction", "trajectory")
GONE = "GONE-404"

pytestmark = pytest.mark.e2e


class Site:
    """Real records of one tool, a connector to map them offline, and what each record is."""

    def __init__(
        self,
        source: Source,
        records: dict[str, Any],
        kinds: dict[str, EntityKind],
        fields: dict[EntityKind, list[tuple[str, str]]],
    ) -> None:
        self.source = source
        self.records = records
        self.kinds = kinds  # record key -> the kind it maps to (none: a measurement row)
        self.fields = fields  # kind -> (field key, reader) of its typed fields
        self.planted: set[str] = set()  # flagged before any breakage: the demo's own
        self.row_fields: list[tuple[str, str]] = []  # typed fields of a measurement row

    def __repr__(self) -> str:  # hypothesis prints it with a failing example: keep it short
        return f"Site({self.source.tool}, {len(self.records)} records)"

    @property
    def clean(self) -> list[str]:
        """The records to break: those the demo did not break on purpose already."""
        return sorted(set(self.records) - self.planted)


def jira_site(sandbox: Any) -> Site:
    config = JiraSourceConfig(
        type="jira", url=sandbox.url, email=sandbox.email, projects=["DEL"]
    ).with_token(sandbox.token)
    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    source = JiraSource("jira", config, mapping)
    records = source.read().records
    source._client = None  # mapped offline from here on
    by_type = {e.issue_type: kind for kind, e in mapping.entities.items()}
    kinds = {k: by_type[i["fields"]["issuetype"]["name"]] for k, i in records.items()}
    return Site(source, records, kinds, _typed(mapping, source.field_id))


def airtable_site(sandbox: Any) -> Site:
    config = AirtableSourceConfig(
        type="airtable", base=BASE_ID, endpoint_url=sandbox.url, requests_per_second=50
    ).with_token(sandbox.token)
    mapping = load_mapping("airtable")
    assert isinstance(mapping, AirtableMapping)
    source = AirtableSource("airtable", config, mapping)
    records = source.read().records
    by_table = {e.table: kind for kind, e in mapping.entities.items()}
    kinds = {k: by_table[r.table] for k, r in records.items() if r.table in by_table}
    site = Site(source, records, kinds, _typed(mapping, lambda name: name))
    rows = mapping.measurements
    assert rows is not None
    site.row_fields = [(rows.value, "number"), (rows.date, "date")]
    return site


def _typed(mapping: Any, field_key: Callable[[str], str | None]) -> dict[EntityKind, Any]:
    typed: dict[EntityKind, list[tuple[str, str]]] = {}
    for kind in mapping.entities:
        for attribute, spec in mapping.attributes_for(kind).items():
            reader = spec.reader_name(attribute)
            found = field_key(spec.field)
            if reader in TYPED and found is not None:
                typed.setdefault(kind, []).append((found, reader))
    return typed


@pytest.fixture(scope="module")
def sites() -> Iterator[dict[str, Site]]:
    with start_sandbox(seed="demo", anchor=TODAY, clock=Clock.starting(TODAY)) as sandbox:
        sandbox.airtable.rate_limit_per_second = None
        found = {"jira": jira_site(sandbox), "airtable": airtable_site(sandbox)}
    for site in found.values():
        site.planted = set(flagged(site, dict(site.records)))
    yield found


# -- what garbage looks like -----------------------------------------------------------------

_WORD = st.text(string.ascii_letters, min_size=1, max_size=10).map(lambda w: "zz" + w)
_JUNK = st.one_of(
    st.dictionaries(_WORD, st.integers(), min_size=1, max_size=2),
    st.lists(st.booleans(), min_size=2, max_size=3),
)


def garbage(reader: str) -> st.SearchStrategy[Any]:
    """A value that reader cannot read: text with no number or date in it, a wrong type."""
    if reader in ("number", "int", "rating"):
        return st.one_of(_WORD, _JUNK, st.booleans(), st.just(10**400))
    if reader in ("date", "datetime"):
        impossible = st.tuples(st.integers(13, 99), st.integers(32, 99))
        return st.one_of(_WORD, _JUNK, impossible.map(lambda md: f"2025-{md[0]}-{md[1]}"))
    if reader == "users":
        return st.one_of(st.integers(), st.lists(st.integers(), min_size=1, max_size=2))
    return st.one_of(_WORD, _JUNK)  # direction, trajectory


# -- how a record breaks ---------------------------------------------------------------------


class Break:
    """One way to break record `key` in a copy of the records (named, for hypothesis' output)."""

    def __init__(self, what: str, do: Callable[[Site, dict[str, Any], str], None]) -> None:
        self.what = what
        self.do = do

    def __repr__(self) -> str:
        return self.what

    def __call__(self, site: Site, records: dict[str, Any], key: str) -> None:
        self.do(site, records, key)


def breakages(site: Site, key: str) -> st.SearchStrategy[Break]:
    """The ways record `key` can break."""
    kind = site.kinds.get(key)
    jira = site.source.tool == "jira"
    ways: list[st.SearchStrategy[Break]] = []
    for name, reader in site.fields.get(kind, ()) if kind else site.row_fields:
        ways.append(garbage(reader).map(partial(_set, name)))
    if kind is not None and _parent_field(site, key) is not None:
        gone = GONE if jira else "recGONE00000000"
        ways.append(st.just(Break(f"parent {gone}", lambda s, r, k: _link(s, r, k, gone))))
        ways.append(st.just(Break("its own parent", lambda s, r, k: _link(s, r, k, k))))
    if kind is not None:
        ways.append(st.sampled_from(["", None, "   "]).map(lambda v: _set(_name(jira), v)))
        ways.append(st.just(Break("twice", _twice)))  # a measurement row twice is harmless
    ways.append(st.just(Break("no fields", _no_fields)))
    if jira:
        not_a_type = st.one_of(_WORD, st.integers().filter(bool))  # falsy: no type, a skip
        ways.append(not_a_type.map(lambda v: _set("issuetype", v)))
    if jira and kind is EntityKind.INDICATOR:  # only an indicator's changelog is read
        ways.append(_WORD.map(lambda word: Break(f"history {word!r}", _history(word))))
        ways.append(st.lists(_WORD, min_size=1, max_size=2).map(_changelog))
    return st.one_of(ways)


def _raw(record: Any) -> dict[str, Any]:
    raw: dict[str, Any] = record.record if isinstance(record, TableRecord) else record
    return raw


def _name(jira: bool) -> str:
    return "summary" if jira else "Name"


def _set(name: str, value: Any) -> Break:
    return Break(
        f"{name} = {value!r}"[:80], lambda s, r, k: _raw(r[k])["fields"].update({name: value})
    )


def _link(site: Site, records: dict[str, Any], key: str, target: str) -> None:
    value: Any = {"key": target} if site.source.tool == "jira" else [target]
    _raw(records[key])["fields"][str(_parent_field(site, key))] = value


def _parent_field(site: Site, key: str) -> str | None:
    """Where the record names its parent (or, for a strategy in Airtable, what it drives)."""
    if site.source.tool == "jira":
        return "parent"
    relations = site.source.mapping.relations_for(site.kinds[key])
    relation = relations.get("parent") or relations.get("drives")
    return None if relation is None else str(relation.field)


def _no_fields(site: Site, records: dict[str, Any], key: str) -> None:
    _raw(records[key])["fields"] = "(deleted)"


def _twice(site: Site, records: dict[str, Any], key: str) -> None:
    records[key + " (copy)"] = copy.deepcopy(records[key])


def _history(word: str) -> Callable[[Site, dict[str, Any], str], None]:
    def add(site: Site, records: dict[str, Any], key: str) -> None:
        field_id = site.source.field_id("Current value")  # type: ignore[attr-defined]
        item = {"field": "Current value", "fieldId": field_id, "toString": word}
        history = {"id": "99", "created": "2026-01-05T09:00:00.000+0000", "items": [item]}
        records[key].setdefault("changelog", {}).setdefault("histories", []).append(history)

    return add


def _changelog(words: list[str]) -> Break:
    return Break(
        f"changelog of strings {words!r}",
        lambda s, r, k: r[k].update({"changelog": {"histories": words}}),
    )


# -- the property ----------------------------------------------------------------------------


def flagged(site: Site, records: dict[str, Any]) -> dict[str, set[str]]:
    """Map, assemble, run the rules and judge likelihood as a sync does: each record's RD9xx."""
    mapped = map_guarded(site.source, records)
    arch = Architecture(mapped.entities, mapped.measurements, mapped.problems)
    findings, _ = judge_portfolio(arch, Config(), TODAY, {})
    found: dict[str, set[str]] = {}
    for finding in findings:
        if finding.code.startswith("RD9"):
            found.setdefault(finding.key, set()).add(finding.code)
    return found


def break_some(site: Site, data: Any, most: int) -> tuple[dict[str, Any], set[str]]:
    """A copy of the site's records with 1..most of them broken; the keys that must show."""
    records = dict(site.records)  # only the records broken are copied, for speed
    keys = data.draw(st.lists(st.sampled_from(site.clean), min_size=1, max_size=most, unique=True))
    expected = set()
    for key in keys:
        records[key] = copy.deepcopy(records[key])
        data.draw(breakages(site, key), label=key)(site, records, key)
        expected.add(key)
    return records, expected


def check_site(site: Site, data: Any, most: int = 5) -> dict[str, set[str]]:
    """The property: no exception, and every broken record flagged. Returns their codes."""
    records, expected = break_some(site, data, most)
    found = flagged(site, records)
    missing = expected - set(found)
    assert not missing, f"broken but not flagged: {sorted(missing)}"
    return {key: found[key] for key in expected}


FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def test_unbroken_records_are_flagged_only_where_the_demo_planted_problems(
    sites: dict[str, Site],
) -> None:
    """The control: the demo plants a few data problems on purpose; the rest is clean."""
    for site in sites.values():
        assert 0 < len(site.planted) <= 5
        assert len(site.clean) >= 100


@FUZZ
@given(data=st.data())
def test_broken_jira_issues_are_findings_never_crashes(sites: dict[str, Site], data: Any) -> None:
    check_site(sites["jira"], data)


@FUZZ
@given(data=st.data())
def test_broken_airtable_records_are_findings_never_crashes(
    sites: dict[str, Site], data: Any
) -> None:
    check_site(sites["airtable"], data)
