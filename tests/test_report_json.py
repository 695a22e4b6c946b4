"""The report JSON validates against its shipped schema, and schema and docs are current."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from reports import schema
from reports.document import build_document
from reports.json_out import SCHEMA_FILE, report_json
from tests.fixtures_reports import XSS, demo_data, hostile_data


@pytest.fixture(scope="module")
def output() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(report_json(build_document(demo_data()))))
    return loaded


def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        json.loads(SCHEMA_FILE.read_text()), format_checker=jsonschema.FormatChecker()
    )


def test_the_output_validates_against_the_shipped_schema(output: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA_FILE.read_text()))
    assert [e.message for e in validator().iter_errors(output)] == []


def test_the_schema_rejects_a_row_that_drifts(output: dict[str, Any]) -> None:
    drifted = copy.deepcopy(output)
    drifted["tables"]["heat_map"][0]["surprise"] = 1
    del drifted["tables"]["targets"][0]["status"]
    drifted["tables"]["changes"][0]["likelihood"] = 5
    assert len(list(validator().iter_errors(drifted))) == 3


def test_values_are_plain_json(output: dict[str, Any]) -> None:
    target = next(t for t in output["tables"]["targets"] if t["key"] == "DEL-4")
    assert target["baseline_date"] == "2024-04-01"
    assert target["latest_value"] == 80.6
    assert output["generated_at"] == "2025-11-03T08:30:00+00:00"
    assert output["data_as_of"]["jira"] == "2025-11-03T06:00:00+00:00"
    strategy = next(r for r in output["tables"]["heat_map"] if r["key"] == "DEL-16")
    assert strategy["name"] == XSS  # JSON carries the text as typed; escaping is the reader's


def test_trajectories_carry_the_series_behind_each_chart(output: dict[str, Any]) -> None:
    series = {t["key"]: t for t in output["trajectories"]}
    assert len(series) == len(output["tables"]["targets"])
    assert series["DEL-4"]["planned"][0] == {"date": "2024-04-01", "value": 76.0}
    assert series["DEL-4"]["measurements"][-1] == {"date": "2025-10-31", "value": 80.6}
    assert series["DEL-9"]["measurements"] == []


def test_schema_and_docs_are_generated_from_the_columns() -> None:
    assert schema.SCHEMA_FILE.read_text() == schema.schema_text(), "run python -m reports.schema"
    assert schema.DOCS_FILE.read_text() == schema.docs_text(), "run python -m reports.schema"


def test_values_json_cannot_hold_are_null_or_left_out() -> None:
    """Infinity and NaN (as an older state store may hold them) would make the file invalid
    JSON; table cells hold null, and the series behind a chart leave the point out."""
    output = report_json(build_document(hostile_data(), charts=False))
    text = json.dumps(output, allow_nan=False)  # raises on any NaN or infinity
    series = {t["key"]: t["measurements"] for t in json.loads(text)["trajectories"]}
    dates = [point["date"] for point in series["DEL-4"]]
    assert len(dates) == 7 and "2025-09-30" not in dates  # the infinite one is left out
    assert [e.message for e in validator().iter_errors(json.loads(text))] == []
