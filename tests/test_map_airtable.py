"""Raw Airtable records onto entities and measurements, through the base's meta schema."""

from datetime import date
from typing import Any

import pytest

from mappings.airtable import map_airtable
from mappings.config import AirtableMapping, load_mapping, parse_mapping_text
from mappings.errors import ConfigError, InputError
from mappings.model import Indicator, Milestone, Outcome, Strategy, Target

AYESHA = {"id": "usrAyeshaMalik001", "email": "ayesha.malik@psdf.org.pk", "name": "Ayesha Malik"}
IMRAN = {"id": "usrImranQureshi01", "email": "imran.qureshi@tevta.gop.pk", "name": "Imran"}


def table(name: str, fields: list[tuple[str, str]]) -> dict[str, Any]:
    described = [
        {"id": f"fld{name[:5]}{i:09d}", "name": field, "type": kind}
        for i, (field, kind) in enumerate(fields)
    ]
    return {
        "id": f"tbl{name:_<14}"[:17],
        "name": name,
        "primaryFieldId": described[0]["id"],
        "fields": described,
        "views": [{"id": "viwGrid", "name": "Grid view", "type": "grid"}],
    }


COMMON = [
    ("Name", "singleLineText"),
    ("Accountable owner", "multipleCollaborators"),
    ("Department", "singleSelect"),
    ("Status", "singleSelect"),
    ("Last modified", "lastModifiedTime"),
]
SCHEMA = {
    "tables": [
        table("Priorities", COMMON),
        table("Outcomes", [*COMMON, ("Priority", "multipleRecordLinks")]),
        table(
            "Indicators",
            [
                *COMMON,
                ("Outcome", "multipleRecordLinks"),
                ("Unit", "singleLineText"),
                ("Data source", "singleLineText"),
                ("Current value", "percent"),
            ],
        ),
        table(
            "Targets",
            [
                *COMMON,
                ("Indicator", "multipleRecordLinks"),
                ("Baseline value", "number"),
                ("Baseline date", "date"),
                ("Target value", "number"),
                ("Target date", "date"),
                ("Direction", "singleSelect"),
                ("Trajectory", "multilineText"),
            ],
        ),
        table(
            "Strategies",
            [
                *COMMON,
                ("Drives", "multipleRecordLinks"),
                ("Start date", "date"),
                ("End date", "date"),
                ("Rationale", "multilineText"),
                ("Scale", "multilineText"),
                ("Resources", "multilineText"),
                ("Definition of success", "multilineText"),
                ("Delivery chain", "multilineText"),
                ("Impact", "singleSelect"),
                ("Difficulty", "singleSelect"),
            ],
        ),
        table("Milestones", [*COMMON, ("Strategy", "multipleRecordLinks"), ("Due date", "date")]),
        table(
            "Risks", [*COMMON, ("Strategy", "multipleRecordLinks"), ("Mitigation", "multilineText")]
        ),
        table(
            "Measurements",
            [
                ("Name", "singleLineText"),
                ("Indicator", "multipleRecordLinks"),
                ("Date", "date"),
                ("Value", "percent"),
                ("Source", "singleLineText"),
            ],
        ),
    ]
}


def rec(rid: str, **fields: Any) -> dict[str, Any]:
    return {"id": rid, "createdTime": "2024-06-24T00:00:00.000Z", "fields": fields}


def tables() -> dict[str, list[dict[str, Any]]]:
    return {
        "Priorities": [rec("recPunjabSkills01", Name="Vocational skills", **{
            "Accountable owner": [AYESHA], "Department": "Punjab Skills Development",
            "Status": "In progress", "Last modified": "2025-06-16T10:30:00.000Z"})],
        "Outcomes": [rec("recTrainedForWork", Name="Young people trained for work",
                         Priority=["recPunjabSkills01"])],
        "Indicators": [rec("recTrainingsShare", Name="Share of youth trained", Unit="%",
                           Outcome=["recTrainedForWork"], **{"Current value": 0.184,
                           "Data source": "Labour Force Survey"})],
        "Targets": [rec("recTwoMillionTgt", Name="2 million trainings by June 2027",
                        Indicator=["recTrainingsShare"], Direction="Increase",
                        Trajectory="2025-06-30: 900,000\n2026-06-30: 1,450,000", **{
                        "Baseline value": 350000, "Baseline date": "2024-06-30",
                        "Target value": "two million", "Target date": "2027-06-30"})],
        "Strategies": [rec("recDoubleShift001", Name="Double-shift training",
                           Drives=["recTwoMillionTgt"], Impact="3 - High", **{
                           "Accountable owner": [IMRAN], "Start date": "2024-07-01",
                           "End date": "2027-06-30"})],
        "Milestones": [
            rec("recSecondShift200", Name="Second shift in 200 institutes", Status="Done",
                Strategy=["recDoubleShift001"], **{"Due date": "2025-03-31"}),
            rec("recSecondShift400", Name="Second shift in all institutes",
                Strategy=["recDoubleShift001", "recOtherStrategy"]),
            rec("recNoNameMilest01", Strategy=["recDoubleShift001"]),
        ],
        "Risks": [],
        "Measurements": [
            rec("recMeasure0000001", Indicator=["recTrainingsShare"], Date="2024-06-30",
                Value=0.121, Source="LFS 2024 Q2"),
            rec("recMeasure0000002", Indicator=["recTrainingsShare"], Date="2025-06-15",
                Value=0.184),
            rec("recMeasure0000003", Indicator=["recTrainingsShare"], Date="15/06/2025",
                Value=0.2),
            rec("recMeasure0000004", Date="2025-06-15", Value=0.19),
        ],
    }  # fmt: skip


def airtable() -> AirtableMapping:
    mapping = load_mapping("airtable")
    assert isinstance(mapping, AirtableMapping)
    return mapping


def test_records_become_entities_with_links_and_percentages() -> None:
    records = map_airtable(tables(), SCHEMA, airtable(), base_id="appRd7Deliv3ry01")
    by_key = {e.key: e for e in records.entities}
    outcome, indicator = by_key["recTrainedForWork"], by_key["recTrainingsShare"]
    target, strategy = by_key["recTwoMillionTgt"], by_key["recDoubleShift001"]
    assert isinstance(outcome, Outcome) and outcome.parent_key == "recPunjabSkills01"
    assert isinstance(indicator, Indicator)
    assert indicator.current_value == pytest.approx(18.4)  # a percent field holds 0.184
    assert isinstance(target, Target) and target.baseline_date == date(2024, 6, 30)
    assert [p.value for p in target.trajectory] == [900_000, 1_450_000]
    assert isinstance(strategy, Strategy) and strategy.drives == ["recTwoMillionTgt"]
    assert (strategy.impact, strategy.owners[0].email) == (3, IMRAN["email"])
    done, open_ = by_key["recSecondShift200"], by_key["recSecondShift400"]
    assert isinstance(done, Milestone) and done.done and done.due == date(2025, 3, 31)
    assert isinstance(open_, Milestone) and not open_.done
    assert open_.parent_key == "recDoubleShift001"
    priority = by_key["recPunjabSkills01"]
    table_id = SCHEMA["tables"][0]["id"]
    assert priority.url == f"https://airtable.com/appRd7Deliv3ry01/{table_id}/recPunjabSkills01"
    assert priority.updated is not None and priority.updated.date() == date(2025, 6, 16)


def test_bad_values_missing_fields_and_measurements() -> None:
    records = map_airtable(tables(), SCHEMA, airtable())
    problems = [(p.code, p.key, p.field) for p in records.problems]
    assert problems == [
        ("RD901", "recTwoMillionTgt", "Target value"),  # "two million" is not a number
        ("RD901", "recSecondShift400", "Strategy"),  # two linked parents; the first is used
        ("RD904", "recNoNameMilest01", "Name"),  # the required name is empty
        ("RD901", "recMeasure0000003", "Date"),
        ("RD904", "recMeasure0000004", "Indicator"),
    ]
    assert [(m.record_key, m.at, round(m.value, 1), m.source) for m in records.measurements] == [
        ("recMeasure0000001", date(2024, 6, 30), 12.1, "LFS 2024 Q2"),
        ("recMeasure0000002", date(2025, 6, 15), 18.4, None),
    ]
    assert {m.indicator_key for m in records.measurements} == {"recTrainingsShare"}
    assert "recNoNameMilest01" not in {e.key for e in records.entities}


def test_tables_by_id_missing_tables_and_unknown_fields() -> None:
    by_id = {SCHEMA["tables"][0]["id"]: tables()["Priorities"]}
    records = map_airtable(by_id, SCHEMA, airtable())
    assert [e.key for e in records.entities] == ["recPunjabSkills01"]
    assert "no records of table 'Outcomes' in the input" in records.notes
    mapping = parse_mapping_text(
        'tool = "airtable"\nattributes.name = "Name"\n'
        '[entities.risk]\ntable = "Risks"\nattributes.mitigation = "Mitigation plan"\n',
        where="base.toml",
    )
    assert isinstance(mapping, AirtableMapping)
    notes = map_airtable({"Risks": []}, SCHEMA, mapping).notes
    assert notes == [
        "field 'Mitigation plan' (entities.risk.attributes.mitigation) is not in table 'Risks'; "
        "it reads as empty"
    ]
    wrong = parse_mapping_text(
        'tool = "airtable"\nattributes.name = "Name"\n[entities.risk]\ntable = "Risk log"\n',
        where="base.toml",
    )
    assert isinstance(wrong, AirtableMapping)
    with pytest.raises(ConfigError, match="table 'Risk log' is not in the base") as caught:
        map_airtable({}, SCHEMA, wrong)
    assert caught.value.where == "base.toml: entities.risk.table"


def test_a_schema_without_tables_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not an Airtable base schema"):
        map_airtable({}, {"records": []}, airtable())
