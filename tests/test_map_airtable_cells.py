"""Airtable values in the shapes its API sends them, mapped by what the base's schema says."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from mappings.airtable import map_airtable
from mappings.config import AirtableMapping, parse_mapping_text
from mappings.markdown import markdown_text
from mappings.model import Indicator, Target

MAPPING = """
tool = "airtable"
attributes.name = "Name"

[entities.indicator]
table = "Indicators"
attributes.current_value = "Current value"
attributes.unit = "Unit"
attributes.data_source = "Source"

[entities.target]
table = "Targets"
relations.parent = { by = "linked_records", field = "Indicator" }
attributes.trajectory = "Trajectory"
attributes.target_date = "Due"

[measurements]
table = "Readings"
indicator = "Indicator"
date = "Taken"
value = "Value"
"""
NUMBER = {"type": "number", "options": {"precision": 1}}
PERCENT = {"type": "percent", "options": {"precision": 1}}
SYDNEY = {"timeZone": "Australia/Sydney", "dateFormat": {"name": "iso", "format": "YYYY-MM-DD"}}


def field(name: str, kind: str, **options: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"id": f"fld{name.replace(' ', '')[:14]:x<14}", "name": name}
    return {**found, "type": kind, **({"options": options} if options else {})}


def lookup(name: str, result: dict[str, Any]) -> dict[str, Any]:
    return field(name, "multipleLookupValues", isValid=True, result=result)


def schema(indicators: list[dict[str, Any]], taken: dict[str, Any]) -> dict[str, Any]:
    def table(name: str, fields: list[dict[str, Any]]) -> dict[str, Any]:
        fields = [field("Name", "singleLineText"), *fields]
        return {
            "id": f"tbl{name:x<14}",
            "name": name,
            "primaryFieldId": fields[0]["id"],
            "fields": fields,
        }

    return {
        "tables": [
            table("Indicators", indicators),
            table(
                "Targets",
                [field("Indicator", "multipleRecordLinks"), field("Trajectory", "richText"),
                 lookup("Due", {"type": "date"})],
            ),
            table("Readings", [field("Indicator", "multipleRecordLinks"), taken,
                               field("Value", "percent", precision=1)]),
        ]
    }  # fmt: skip


def mapping() -> AirtableMapping:
    parsed = parse_mapping_text(MAPPING, where="base.toml")
    assert isinstance(parsed, AirtableMapping)
    return parsed


def rec(rid: str, **fields: Any) -> dict[str, Any]:
    return {"id": f"rec{rid:x<14}", "createdTime": "2025-01-01T00:00:00.000Z", "fields": fields}


def indicator_fields() -> list[dict[str, Any]]:
    return [
        lookup("Current value", PERCENT),  # a lookup of a percent field: [0.58] is 58%
        lookup("Unit", {"type": "singleLineText"}),
        field("Source", "formula", formula="{fldx}", isValid=True, result=NUMBER),
    ]


def test_lookups_read_as_their_one_value_and_percent_lookups_as_percent() -> None:
    records = {
        "Indicators": [
            rec("A", Name="Seen in 4 h", **{"Current value": [0.58], "Unit": ["%", "%"]})
        ]
    }
    mapped = map_airtable(records, schema(indicator_fields(), field("Taken", "date")), mapping())
    (indicator,) = mapped.entities
    assert isinstance(indicator, Indicator)
    assert indicator.current_value == pytest.approx(58.0) and indicator.unit == "%"
    assert mapped.problems == []


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ({"specialValue": "NaN"}, "the formula's result is NaN, not a number"),
        ({"specialValue": "Infinity"}, "the formula's result is Infinity, not a number"),
        ({"error": "#ERROR!"}, "the formula gives #ERROR! here"),
        ([{"error": "#ERROR!"}], "the formula gives #ERROR! here"),  # a lookup of a formula
        ([0.5, 0.6], "it holds 2 different values (0.5, 0.6), from the several records"),
    ],
)
def test_a_formula_error_or_a_lookup_of_many_is_an_rd901_that_says_so(raw: Any, says: str) -> None:
    records = {"Indicators": [rec("A", Name="Seen in 4 h", **{"Current value": raw})]}
    mapped = map_airtable(records, schema(indicator_fields(), field("Taken", "date")), mapping())
    (problem,) = mapped.problems
    assert (problem.code, problem.field) == ("RD901", "Current value")
    assert says in problem.message
    (indicator,) = mapped.entities
    assert isinstance(indicator, Indicator) and indicator.current_value is None


def test_a_rich_text_trajectory_reads_through_its_markdown() -> None:
    text = "**2026-06-30**: 58\n- _2027-06-30_: 60.5\n"  # as Airtable sends rich text
    records = {"Targets": [rec("T", Name="ED target", Trajectory=text, Due=["2027-06-30"])]}
    mapped = map_airtable(records, schema([], field("Taken", "date")), mapping())
    (target,) = mapped.entities
    assert isinstance(target, Target) and target.target_date == date(2027, 6, 30)
    assert [(p.at, p.value) for p in target.trajectory] == [
        (date(2026, 6, 30), 58.0),
        (date(2027, 6, 30), 60.5),
    ]


@pytest.mark.parametrize(
    ("options", "time_zone", "dated"),
    [
        (SYDNEY, None, date(2026, 1, 1)),  # the field's own zone
        ({**SYDNEY, "timeZone": "client"}, "Australia/Sydney", date(2026, 1, 1)),  # the base's
        ({**SYDNEY, "timeZone": "client"}, None, date(2025, 12, 31)),  # no zone known: UTC
        ({**SYDNEY, "timeZone": "utc"}, "Australia/Sydney", date(2025, 12, 31)),  # shown in UTC
    ],
)
def test_a_date_time_is_dated_in_the_time_zone_it_was_taken_in(
    options: dict[str, Any], time_zone: str | None, dated: date
) -> None:
    """9:00 on 1 January in Sydney is 22:00 on 31 December in UTC, as Airtable sends it."""
    taken = field("Taken", "dateTime", **options)
    records = {
        "Indicators": [rec("A", Name="Seen in 4 h")],
        "Readings": [
            rec("R", Indicator=[rec("A")["id"]], Taken="2025-12-31T22:00:00.000Z", Value=0.58)
        ],
    }
    mapped = map_airtable(records, schema([], taken), mapping(), time_zone=time_zone)
    (measurement,) = mapped.measurements
    assert (measurement.at, measurement.value) == (dated, pytest.approx(58.0))


def test_markdown_keeps_lines_and_drops_marks() -> None:
    assert markdown_text("# Plan\n* **a** \\* b [link](https://x) `c` ~~d~~ snake_case\n") == (
        "Plan\n- a * b link c d snake_case"
    )
