"""The report as JSON: every table as rows, plus the series behind each trajectory chart.

The shape is `report.schema.json` (next to this module), documented in docs/report-json.md.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

from mappings.model import Target
from reports.document import ReportDocument
from rules.trajectory import planned_path

SCHEMA_VERSION = 1
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
                "planned": [
                    {"date": p.at.isoformat(), "value": p.value} for p in planned_path(target)
                ],
                "measurements": [{"date": m.at.isoformat(), "value": m.value} for m in series],
            }
        )
    return found


def _value(value: Any) -> Any:
    """Dates as ISO 8601 text, NaN as null, numpy scalars as Python numbers."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def write_json(document: ReportDocument, path: Path) -> Path:
    path.write_text(json.dumps(report_json(document), ensure_ascii=False, indent=1) + "\n")
    return path
