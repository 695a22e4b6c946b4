"""AirtableSource end to end against the sandbox, through the real `pyairtable`, calls counted."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyairtable
import pytest

from connector.config import AirtableSourceConfig, AuthRefused
from connector.mapping_tools.guard import UnfitMapping
from connector.sandbox.server import Sandbox
from connector.sources.airtable import AirtableSource
from connector.sources.base import Patch, Role
from connector.sources.ratelimit import RateLimiter
from connector.sources.retry import RetryPolicy
from connector.sync.plan import normalise_option, normalise_text
from mappings.config import AirtableMapping, load_mapping, parse_mapping_text
from mappings.model import Indicator, Risk, Target
from tests.single_source import SourceRuns

pytestmark = pytest.mark.e2e

LIST = "/v0/{base_id}/{table}"


def base_id(sandbox: Sandbox) -> str:
    api = pyairtable.Api(sandbox.token, endpoint_url=sandbox.url, retry_strategy=None)
    return str(api.bases()[0].id)


def source_for(
    sandbox: Sandbox,
    mapping: AirtableMapping | None = None,
    token: str | None = None,
    limited: bool = False,
    **settings: Any,
) -> AirtableSource:
    """A source on the sandbox; unless `limited`, both rate limits are lifted for speed.
    `settings` are more keys of its `[sources.airtable]`."""
    if not limited:
        sandbox.airtable.rate_limit_per_second = None
    config = AirtableSourceConfig(
        type="airtable",
        base=base_id(sandbox),
        endpoint_url=sandbox.url,
        token_env="AT_TOKEN",
        **settings,
    ).with_token(token or sandbox.token)
    retry = RetryPolicy(
        tool="Airtable", budget_seconds=30, max_wait_seconds=0.05, initial_wait_seconds=0.01
    )
    return AirtableSource(
        "airtable",
        config,
        mapping or load_mapping("airtable"),  # type: ignore[arg-type]
        retry=retry,
        limiter=None if limited else RateLimiter(1000),
    )


def listed(sandbox: Sandbox) -> list[tuple[str, dict[str, list[str]]]]:
    """(table, query) of every list request the sandbox logged."""
    rows = [r for r in sandbox.stats()["log"] if r["path"] == LIST and r["method"] == "GET"]
    return [
        (urlsplit(r["url"]).path.rsplit("/", 1)[-1], parse_qs(urlsplit(r["url"]).query))
        for r in rows
    ]


@pytest.fixture
def demo(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A private demo site: these tests write back, so they never touch the shared one."""
    return make_sandbox(seed="demo")


def test_a_full_read_asks_each_table_for_its_mapped_fields_100_a_page(demo: Sandbox) -> None:
    source = source_for(demo)
    source.connect()
    demo.reset_stats()
    result = source.read()
    by_table: dict[str, int] = {}
    for table, _record in result.records.values():
        by_table[table] = by_table.get(table, 0) + 1
    assert demo.count("GET", LIST) == sum(math.ceil(n / 100) for n in by_table.values())
    wanted = source.tables()
    for table, query in listed(demo):
        assert query["pageSize"] == ["100"]
        assert sorted(query["fields[]"]) == wanted[table.replace("%20", " ")]
    assert "Delivery likelihood" in wanted["Targets"]
    assert "Delivery likelihood" not in wanted["Indicators"]  # not a write-back kind
    mapped = source.map(result.records)
    assert sum(isinstance(e, Target) for e in mapped.entities) >= 15
    assert len(mapped.measurements) > 200  # the Measurements table is the history


@pytest.mark.slow
def test_write_back_under_the_limit_then_a_second_sync_writes_nothing(
    demo: Sandbox, tmp_path: Path
) -> None:
    source = source_for(demo, limited=True)
    sync = SourceRuns(source, tmp_path, demo.clock)
    first = sync()
    assert first.applied is not None and len(first.applied.written) == len(first.patches) > 20
    patches = demo.count("PATCH", LIST)
    assert patches <= math.ceil(len(first.patches) / 10) + 4  # 10 a request, per table
    assert demo.count(status=429) == 0  # the limiter kept us under 5 a second
    demo.reset_stats()
    second = sync()
    assert second.reads["airtable"].counts["read"] == len(first.patches)
    assert second.patches == [] and demo.count("PATCH", LIST) == 0
    assert demo.count(status=429) == 0


def test_a_new_measurement_is_read_alone_and_rewrites_what_changes(
    demo: Sandbox, tmp_path: Path
) -> None:
    source = source_for(demo)
    sync = SourceRuns(source, tmp_path, demo.clock)
    first = sync()
    sync()
    target = next(
        e
        for e in first.arch.entities.values()
        if isinstance(e, Target) and e.name.startswith("10% more young people")
    )
    assert isinstance(target.parent_key, str)
    indicator = next(e for e in first.arch.entities.values() if e.key == target.parent_key)
    assert isinstance(indicator, Indicator)
    table = source.base.table("Measurements")
    made = table.create(
        {
            "Indicator": [indicator.key],
            "Date": (demo.anchor - timedelta(days=3)).isoformat(),
            "Value": 22.0,
            "Source": "Housing survey",
        }
    )
    demo.reset_stats()
    third = sync()
    assert list(third.reads["airtable"].records) == [made["id"]]
    changed = {p.key for p in third.patches}
    assert target.key in changed
    tables = {source.table_of[key] for key in changed}
    assert len(changed) < 10 and demo.count("PATCH", LIST) == len(tables)  # one batch a table
    fourth = sync()
    assert fourth.patches == []


def test_deleted_records_leave_with_the_full_sync_and_cost_no_call_before(
    demo: Sandbox, tmp_path: Path
) -> None:
    source = source_for(demo)
    sync = SourceRuns(source, tmp_path, demo.clock)
    first = sync()
    risk = next(e for e in first.arch.entities.values() if isinstance(e, Risk))
    source.base.table("Risks").delete(risk.key)
    demo.reset_stats()
    quick = sync()  # an incremental sync lists what changed, and scans no table for ids
    assert quick.deleted["airtable"] == [] and risk.key in quick.arch.entities
    assert demo.count("GET", LIST) == len(source.tables())
    daily = sync(full=True)
    assert daily.deleted["airtable"] == [risk.key]
    assert risk.key not in daily.arch.entities
    assert risk.key not in sync().arch.entities  # nor in the state the next sync starts from


def test_deletions_every_sync_scan_each_table_for_ids_alone(demo: Sandbox, tmp_path: Path) -> None:
    source = source_for(demo, deletions="every_sync")
    sync = SourceRuns(source, tmp_path, demo.clock)
    first = sync()
    risk = next(e for e in first.arch.entities.values() if isinstance(e, Risk))
    source.base.table("Risks").delete(risk.key)
    report = sync()
    assert report.deleted["airtable"] == [risk.key]
    assert risk.key not in {e.key for e in report.arch.entities.values()}
    primary = [q.get("fields[]") for t, q in listed(demo)[-8:]]
    assert all(fields == ["Name"] for fields in primary)  # the scan asks for one short field


def test_a_missing_option_stops_the_sync_and_a_refused_one_names_the_record_and_field(
    demo: Sandbox, tmp_path: Path
) -> None:
    text = resources.files("mappings.defaults").joinpath("airtable.toml").read_text("utf-8")
    mapping = parse_mapping_text(text.replace("2 - Amber/Red", "2 - Amber-Red"))
    assert isinstance(mapping, AirtableMapping)
    source = source_for(demo, mapping)
    with pytest.raises(UnfitMapping) as caught:
        SourceRuns(source, tmp_path, demo.clock)()
    assert (
        "writeback.options.amber_red: field 'Delivery likelihood' in 'Targets' has no option "
        "'2 - Amber-Red'" in str(caught.value)
    )
    assert demo.count("PATCH") == 0
    # An option removed after the check: Airtable refuses that record, naming it and the
    # field, and the others are written.
    source.read()
    bad, good = (
        next(k for k, t in source.table_of.items() if t == n) for n in ("Targets", "Priorities")
    )
    patches = [
        Patch(source="airtable", key=key, changes={"likelihood": option}, field_names=NAMES)
        for key, option in ((bad, "2 - Amber-Red"), (good, "1 - Red"))
    ]
    result = source.apply(patches)
    assert [str(failure) for failure in result.failures] == [
        f"{bad}: field 'Delivery likelihood' has no option '2 - Amber-Red': "
        "add the option in Airtable or change [writeback] in the config"
    ]
    assert result.written == [good]


NAMES: dict[Role, str] = {"likelihood": "Delivery likelihood"}


def test_a_wrong_token_stops_before_any_read(demo: Sandbox) -> None:
    source = source_for(demo, token="patWRONG")
    demo.reset_stats()
    with pytest.raises(AuthRefused) as caught:
        source.read()
    assert caught.value.where == "sources.airtable.token_env"
    assert "AT_TOKEN" in str(caught.value) and "patWRONG" not in str(caught.value)
    assert demo.count("GET", LIST) == 0


def test_faults_do_not_change_the_end_state(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    clean = make_sandbox(seed="demo")
    faulty = make_sandbox(seed="demo", anchor=clean.anchor)
    faulty.set_faults("429:0.07,503:0.07,drop:0.06,seed=5,retry-after=0")
    states = []
    for site in (clean, faulty):
        source = source_for(site)
        sync = SourceRuns(source, tmp_path / ("faulty" if site is faulty else "clean"), site.clock)
        sync()
        sync()
        site.set_faults(None)
        states.append(_state(source))
    assert faulty.count(status=429) + faulty.count(status=503) + faulty.count(status=0) > 5
    assert states[0] == states[1]


def _state(source: AirtableSource) -> dict[tuple[str, str], tuple[str, str, str]]:
    """The write-back values (but the time) of every record, by table and name."""
    result = source.read()
    names = source.field_names()
    state = {}
    for table, record in result.records.values():
        fields = record["fields"]
        state[(table, fields.get("Name"))] = (
            normalise_option(fields.get(names["likelihood"])),
            normalise_text(fields.get(names["rationale"])),
            normalise_text(fields.get(names["gaps"])),
        )
    return state
