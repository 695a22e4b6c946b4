"""The report as JSON: every table as rows, plus the series behind each trajectory chart.

The shape is `report.schema.json` (next to this module), documented in docs/report-json.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from mappings.model import Measurement, Target, TrajectoryPoint
from reports.document import ReportDocument
from rules.trajectory import planned_path

SCHEMA_VERSION = 2  # 2: planned_now became planned_at_latest; status words; new columns
SCHEMA_FILE = Path(__file__).with_name("report.schema.json")


def report_json(document: ReportDocument) -> dict[str, Any]:
    """The whole report as plain JSON values."""
    data = document.data
    return {
        "schema_version": SCHEMA_VERSION,
        "title": data.title,
        "department": data.department,
        "generated_at": data.generated_at.isoformat(),
        "previous_generated_at": _value(data.previous_generated_at),
        "data_as_of": {source: at.isoformat() for source, at in sorted(data.data_as_of.items())},
        "tables": {
            name: [{k: _value(v) for k, v in row.items()} for row in document.records(name)]
            for name in document.tables
        },
        "trajectories": trajectories(document),
    }


def trajectories(document: ReportDocument) -> list[dict[str, Any]]:
    """The planned path and the measurements of every target in the report, oldest first."""
    scope = document.scope
    found = []
    for key in document.tables["targets"]["key"]:
        target = scope.entity(key)
        if not isinstance(target, Target):
            continue
        indicator = scope.arch.indicator_of(target)
        series = scope.arch.series(indicator.key) if indicator is not None else []
        found.append(
            {
                "key": key,
                "planned": _points(planned_path(target)),
                "measurements": _points(series),
            }
        )
    return found


def _points(points: Iterable[TrajectoryPoint | Measurement]) -> list[dict[str, Any]]:
    """Dated values; one that is not finite is left out (JSON has no NaN nor infinity)."""
    return [{"date": p.at.isoformat(), "value": p.value} for p in points if math.isfinite(p.value)]


def _value(value: Any) -> Any:
    """Dates as ISO 8601 text, NaN and infinities as null (JSON has neither), numpy scalars as
    Python numbers."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(document: ReportDocument, path: Path) -> Path:
    path.write_text(json.dumps(report_json(document), ensure_ascii=False, indent=1) + "\n")
    return path
