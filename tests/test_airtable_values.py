"""A base that holds values the way real ones do, synced through the real `pyairtable`: a formula
share (a percent, and NaN, Infinity and #ERROR! where it cannot be worked out), a lookup,
rich text and readings taken in Sydney, in a date-time field shown in each viewer's own zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pyairtable
import pytest

from connector.config import AirtableSourceConfig
from connector.sandbox.airtable.seed import BASE_ID
from connector.sandbox.server import Sandbox
from connector.sources.airtable import AirtableSource
from connector.sources.ratelimit import RateLimiter
from mappings.config import AirtableMapping, parse_mapping_text
from mappings.model import Indicator, Target
from tests.single_source import SourceRuns

pytestmark = pytest.mark.e2e

EDITS = (  # the bundled mapping, pointed at this base's own fields
    ('current_value = "Current value"', 'current_value = "Share seen"'),
    ('baseline_value = "Baseline value"', 'baseline_value = "Indicator value"'),
    ('target_value = "Target value"', 'target_value = "Target share"'),
    ('trajectory = "Trajectory"', 'trajectory = "Plan"'),
    ('date = "Date"', 'date = "Taken at"'),
    ('value = "Value"', 'value = "Share"'),
)


def build(site: Sandbox) -> dict[str, str]:
    """The fields, made as an admin would (the Web API where it can, the UI where not), and a
    few records; returns their ids by name."""
    api = pyairtable.Api(site.token, endpoint_url=site.url, retry_strategy=None)
    base = api.base(BASE_ID)
    indicators, targets = base.table("Indicators"), base.table("Targets")
    measurements = base.table("Measurements")
    for name in ("Seen", "Attendances"):
        indicators.create_field(name, "number", options={"precision": 0})
    site.airtable.add_field(
        "Indicators",
        {
            "name": "Share seen",
            "type": "formula",
            "options": {
                "formula": "IF({Attendances} < 0, ERROR(), {Seen} / {Attendances})",
                "result": {"type": "percent", "options": {"precision": 1}},
            },
        },
    )
    site.airtable.add_field(
        "Targets",
        {
            "name": "Indicator value",
            "type": "multipleLookupValues",
            "options": {"recordLinkFieldId": "Indicator", "fieldIdInLinkedTable": "Current value"},
        },
    )
    targets.create_field("Target share", "percent", options={"precision": 1})
    targets.create_field("Plan", "richText")
    client = {"timeZone": "client", "dateFormat": {"name": "iso"}, "timeFormat": {"name": "24hour"}}
    measurements.create_field("Taken at", "dateTime", options=client)
    measurements.create_field("Share", "percent", options={"precision": 1})
    made = indicators.batch_create(
        [
            {"Name": "Seen in four hours", "Seen": 58, "Attendances": 100, "Current value": 29},
            {"Name": "Seen, no attendances yet", "Seen": 5, "Attendances": 0},
            {"Name": "Seen, attendances miscounted", "Seen": 5, "Attendances": -1},
        ]
    )
    ids = {record["fields"]["Name"]: record["id"] for record in made}
    target = targets.create(
        {
            "Name": "81% seen in four hours",
            "Indicator": [ids["Seen in four hours"]],
            "Target share": 0.81,
            "Plan": "**2026-06-30**: 65\n**2027-06-30**: 81\n",  # rich text: markdown
        }
    )
    ids[target["fields"]["Name"]] = target["id"]
    reading = measurements.create(
        {
            "Name": "New Year's Day",
            "Indicator": [ids["Seen in four hours"]],
            "Taken at": "2026-01-01T09:00:00+11:00",  # 9:00 in Sydney
            "Share": 0.58,
        }
    )
    assert reading["fields"]["Taken at"] == "2025-12-31T22:00:00.000Z"  # Airtable sends UTC
    return ids


@pytest.fixture
def site(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    sandbox = make_sandbox(seed="empty")
    sandbox.airtable.rate_limit_per_second = None
    return sandbox


def source(site: Sandbox, **settings: Any) -> AirtableSource:
    text = resources.files("mappings.defaults").joinpath("airtable.toml").read_text("utf-8")
    for old, new in EDITS:
        assert old in text
        text = text.replace(old, new)
    mapping = parse_mapping_text(text)
    assert isinstance(mapping, AirtableMapping)
    config = AirtableSourceConfig(
        type="airtable", base=BASE_ID, endpoint_url=site.url, token_env="AT_TOKEN", **settings
    ).with_token(site.token)
    return AirtableSource("airtable", config, mapping, limiter=RateLimiter(1000), clock=site.clock)


def test_values_in_airtables_shapes_read_as_the_team_meant_them(
    site: Sandbox, tmp_path: Path
) -> None:
    ids = build(site)
    outcome = SourceRuns(source(site, time_zone="Australia/Sydney"), tmp_path, site.clock)()
    entities = outcome.arch.entities
    seen = entities[ids["Seen in four hours"]]
    assert isinstance(seen, Indicator) and seen.current_value == pytest.approx(58.0)
    target = entities[ids["81% seen in four hours"]]
    assert isinstance(target, Target)
    assert (target.baseline_value, target.target_value) == (29, pytest.approx(81.0))
    assert [(p.at, p.value) for p in target.trajectory] == [
        (date(2026, 6, 30), 65),
        (date(2027, 6, 30), 81),
    ]
    (reading,) = outcome.arch.measurements[ids["Seen in four hours"]]
    assert (reading.at, reading.value) == (date(2026, 1, 1), pytest.approx(58.0))
    unread = {
        (f.key, f.message.split("cannot be read: ")[1].split(":")[0])
        for f in outcome.findings
        if f.code == "RD901"
    }
    assert unread == {
        (ids["Seen, no attendances yet"], "the formula's result is Infinity, not a number (a "
         "division by zero, or an average of nothing)"),
        (ids["Seen, attendances miscounted"], "the formula gives #ERROR! here"),
    }  # fmt: skip


def test_without_the_base_s_time_zone_a_sydney_morning_is_dated_in_utc(
    site: Sandbox, tmp_path: Path
) -> None:
    """The field shows each viewer's own zone ("client"): only `time_zone` says which is the
    base's; without it the date is UTC's, which the admin guide warns of."""
    ids = build(site)
    outcome = SourceRuns(source(site), tmp_path, site.clock)()
    (reading,) = outcome.arch.measurements[ids["Seen in four hours"]]
    assert reading.at == date(2025, 12, 31)
