"""Generates the JSON Schema of the report JSON and its documentation from the table columns.

`python -m reports.schema` rewrites reports/report.schema.json and docs/report-json.md; a test
fails when either is out of date, so the columns are described once, here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from reports import words
from reports.document import TABLE_COLUMNS, TABLE_TITLES
from reports.json_out import SCHEMA_FILE, SCHEMA_VERSION
from rules.dependencies import KINDS
from rules.model import JUDGEMENTS, RUBRIC_CRITERIA

DOCS_FILE = Path(__file__).resolve().parents[1] / "docs" / "report-json.md"

STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
RATING = {"type": "integer", "minimum": 1, "maximum": 4}
DATE = {"type": "string", "format": "date"}
STAMP = {"type": "string", "format": "date-time"}
LINES = {"type": "array", "items": {"type": "string"}}
KIND = {"enum": ["priority", "outcome", "indicator", "target", "strategy", "milestone", "risk"]}
SEVERITY = {"enum": ["error", "warning", "info"]}


def maybe(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


# column -> (schema, description); per-table meanings in TABLE_OVERRIDES win.
COLUMNS: dict[str, tuple[dict[str, Any], str]] = {
    "key": (
        STR,
        "The ticket key (DEL-12) or record id (rec...) to open in the team's tool; the HTML, "
        "PDF and XLSX link it to its ticket or record.",
    ),
    "name": (STR, "The summary of the ticket or the name of the record."),
    "kind": (maybe(KIND), "The entity kind of the key; null for a key that is no entity."),
    "priority": (STR, 'The priority whose plan holds the item, as "KEY name".'),
    "priority_key": (maybe(STR), "The key of that priority; null when none."),
    "leader": (
        STR,
        "The accountable leader: the owners of the item, else of the nearest owned item above "
        'it; "No accountable owner" when there is none.',
    ),
    "likelihood": (
        maybe(RATING),
        "Likelihood of delivery: 1 Red, 2 Amber/Red, 3 Amber/Green, "
        "4 Green; null when not assessed.",
    ),
    "previous": (
        maybe(RATING),
        "The likelihood at the previous report of the same scope (its department, or all).",
    ),
    "change": (maybe(INT), "likelihood minus previous: negative fell, positive rose."),
    "team": (maybe(RATING), "The team's own rating, where its tool records one."),
    "disagreement": ({"type": "boolean"}, "The team's rating is two levels or more away."),
    "assessed": (
        maybe(RATING),
        "rdsync's own assessment of the evidence, the delivery team's independent assessment; "
        "null when not assessed.",
    ),
    "agreed": (RATING, "The rating agreed at the item's last stock take."),
    "agreed_on": (maybe(DATE), "The day it was agreed; null when the tool gives no date."),
    "in_force": (
        {"type": "boolean"},
        "Whether the agreed rating is used in the heat map and counts: it is dated and no "
        "evidence (a measurement, a milestone falling due) is newer than that date.",
    ),
    "agreed_status": (
        STR,
        "Whether the agreed rating stands, in words: the newer evidence that overtook it, and "
        "when it is two levels or more from rdsync's.",
    ),
    "agreed_note": (STR, "What the stock take agreed, as its note says; empty when none."),
    "source": (STR, "A configured source, e.g. jira or airtable."),
    "as_of": (STAMP, "When that source was last read."),
    "age_hours": (NUM, "Hours between that read and the report."),
    "red": (INT, "How many of that kind are Red."),
    "amber_red": (INT, "How many are Amber/Red."),
    "amber_green": (INT, "How many are Amber/Green."),
    "green": (INT, "How many are Green."),
    "not_assessed": (INT, "How many have no assessment."),
    "total": (INT, "How many in all."),
    "why": (
        STR,
        "Why it needs a decision: Red, a fall of two levels, problem level 3 or 4, "
        "or a team rating or an agreed rating two levels away.",
    ),
    "reasons": (
        LINES,
        "What the rating rests on, in words, read from the assessment and the findings: the "
        "findings on the item, its caps, its weakest judgements, and for a priority or an "
        "outcome the reddest item below it (three at most).",
    ),
    "evidence": (
        LINES,
        'Each judgement as "name (rating): its evidence", in the order of the five '
        'judgements, then each cap as "Capped at ...: why"; empty when not assessed.',
    ),
    "ask": (STR, "The decision asked of the CRDO."),
    "element": (
        {"enum": ["Outcomes", "Indicators and Targets", "Strategies", "Accountability"]},
        "The row of the manual's architecture review.",
    ),
    "question": (STR, "The manual's key question for that row."),
    "rating": (RATING, "The row's rating, 1 to 4, from the findings of the plan."),
    "notes": (STR, "The rule codes and keys behind the rating."),
    "code": (STR, "The rule code, e.g. RD107."),
    "manual": (STR, "The section of the manual the rule enforces."),
    "severity": (SEVERITY, "error, warning or info (after any re-grading in the config)."),
    "findings": (INT, "How many findings."),
    "plans": (INT, "How many priorities' plans they touch."),
    "keys": (STR, "The first keys, in natural order."),
    "error": (INT, "Findings of severity error."),
    "warning": (INT, "Findings of severity warning."),
    "info": (INT, "Findings of severity info."),
    "codes": (STR, "The rule codes, comma-separated."),
    "gaps": (STR, 'The criteria below Green with their codes, or "Not rated".'),
    "indicator": (STR, "The name of the target's indicator."),
    "unit": (maybe(STR), "The indicator's unit, e.g. % or hours."),
    "direction": (maybe({"enum": ["Increase", "Decrease"]}), "Which way is progress."),
    "baseline_value": (maybe(NUM), "The baseline value."),
    "baseline_date": (maybe(DATE), "The baseline date."),
    "target_value": (maybe(NUM), "The target value."),
    "target_date": (maybe(DATE), "The target date."),
    "latest_value": (maybe(NUM), "The latest measurement."),
    "latest_date": (maybe(DATE), "Its date (the newest measurement dated on or before today)."),
    "latest_age_days": (maybe(INT), "Days between the latest measurement and the report."),
    "stale": (
        {"type": "boolean"},
        "The latest measurement is older than the freshness limit ([rules.thresholds] "
        "freshness_days): Evidence of progress is lowered for it.",
    ),
    "before_baseline": (
        INT,
        "Measurements dated before the baseline date; the gain counts from the baseline.",
    ),
    "planned_at_latest": (
        maybe(NUM),
        "The value the trajectory planned for the date of the latest measurement.",
    ),
    "progress": (
        maybe(INT),
        "The gain measured since the baseline as a percentage of the gain planned by the "
        "latest date; null when it cannot be said or the latest counts as missing.",
    ),
    "status": (
        {"enum": list(words.STATUSES)},
        "Where the latest measurement stands, read as Evidence of progress reads it; "
        f'"{words.COUNTED_MISSING}" when it is older than [likelihood] stale_as_missing '
        "times the freshness limit.",
    ),
    "held_back_by": (
        STR,
        "For a target on trajectory or reached but rated below Green: the weakest judgements "
        "(or caps) that hold its likelihood down; else empty.",
    ),
    "level": (
        maybe({"type": "integer", "minimum": 1, "maximum": 4}),
        "Rule 8 level: 1 timely nudge, 2 standard problem-solving, 3 intensive drive, "
        "4 crisis management.",
    ),
    "approach": (STR, 'The approach of that level, or "Not triaged".'),
    "reason": (STR, "Why the item sits at that level."),
    "field": (maybe(STR), "The field of the ticket or record, when known."),
    "message": (STR, "What is wrong."),
    "fix": (STR, "What fixes it."),
    "entity": (STR, "The name of the item the finding is on."),
    "person": (STR, "The person an update request went to (name, else e-mail, else id)."),
    "stocktake_on": (DATE, "The day of the stock take the request was for."),
    "need": (
        {"enum": ["measurement", "milestone", "finding", "rating"]},
        "What was asked: a measurement due or stale, a milestone overdue or due, an error "
        "finding fixed, a fallen rating explained.",
    ),
    "what": (STR, "What the request said was wrong."),
    "requested_on": (maybe(DATE), "The day the request was sent."),
    # Focus and coordination (reports/focus.py)
    "dependency": (
        {"enum": list(KINDS)},
        "How two priorities are tied: an item waits on another's (a blocks link), a strategy "
        "drives both, departments share a strategy, or a leader or delivery-chain actor "
        "carries both.",
    ),
    "subject": (STR, "What ties them: the item's name, or the leader or actor."),
    "priorities": (STR, 'The priorities tied, as "KEY name" separated by "; ".'),
    "tickets": (STR, "The keys behind the tie, comma-separated, the subject's first."),
    "description": (STR, "The tie in words."),
    "rated_key": (
        STR,
        "The item whose rating stands for the blocker: itself, or the strategy it belongs to.",
    ),
    "waiting": (STR, "The keys of the other priorities' items that wait on it."),
    "department": (maybe(STR), 'The department the item names; "(none)" when it names none.'),
    "work_team": (maybe(STR), 'The team the item names; "All" on a total row.'),
    "work_items": (INT, "Items of all work (the sources' wider scopes)."),
    "unaligned": (INT, "Of those, items that serve no priority."),
    "unaligned_share": (NUM, "That share, in per cent."),
    "effort": (maybe(NUM), "Their effort, from the mapped effort field; null when none."),
    "unaligned_effort": (maybe(NUM), "The effort of the items that serve no priority."),
    "unaligned_effort_share": (maybe(NUM), "That share of the effort, in per cent."),
    "previous_share": (
        maybe(NUM),
        "The share serving no priority at the previous report; null when none was read.",
    ),
    "share_change": (maybe(NUM), "unaligned_share minus previous_share, in points."),
}
for judgement in JUDGEMENTS:
    COLUMNS[judgement.lower().replace(" ", "_")] = (maybe(RATING), f"{judgement}, 1 to 4.")
for criterion in RUBRIC_CRITERIA:
    COLUMNS[criterion.lower().replace(" ", "_")] = (maybe(RATING), f"Rubric: {criterion}, 1 to 4.")

TABLE_OVERRIDES: dict[tuple[str, str], str] = {
    ("findings_by_rule", "name"): "The rule's name, e.g. owner-missing.",
    ("findings", "name"): "The rule's name.",
    ("data_quality", "severity"): "Severity; data problems without a finding are warnings.",
    ("architecture_review", "priority"): "The priority's name.",
    ("rubric_gaps", "priority"): "The priority's name.",
    ("likelihood_counts", "kind"): "priority, outcome, target or strategy.",
    ("missed_updates", "name"): "The name of the item to update.",
    ("likelihood_counts", "red"): (
        "How many of that kind are Red: the rating agreed at the stock take while it is in "
        "force, else rdsync's own."
    ),
    ("heat_map", "likelihood"): (
        "The likelihood shown: the rating agreed at the stock take while it is in force (dated, "
        "no newer evidence), else rdsync's own (`assessed`); null when not assessed."
    ),
    ("heat_map", "change"): "assessed minus previous: negative fell, positive rose.",
    ("dependencies", "key"): "The first ticket behind the tie (the blocker, the strategy).",
    ("critical_dependencies", "key"): "The blocker: the item others wait on.",
    ("critical_dependencies", "likelihood"): "The rating of rated_key: 1 Red or 2 Amber/Red.",
    ("critical_dependencies", "priorities"): "The waiting items' priorities.",
    ("critical_dependencies", "leader"): "The accountable leader of rated_key.",
    ("unaligned_items", "key"): "The work item's key or record id; never written to.",
    ("unaligned_items", "name"): "The work item's name.",
    ("unaligned_items", "source"): "The source whose wider scope holds it.",
}


def _row(table: str, columns: tuple[str, ...]) -> dict[str, Any]:
    properties = {}
    for column in columns:
        schema, text = COLUMNS[column]
        properties[column] = {
            **schema,
            "title": words.title(column),
            "description": TABLE_OVERRIDES.get((table, column), text),
        }
    return {
        "type": "object",
        "description": TABLE_TITLES[table],
        "properties": properties,
        "required": list(columns),
        "additionalProperties": False,
    }


def schema() -> dict[str, Any]:
    tables = {
        name: {"type": "array", "items": {"$ref": f"#/$defs/{name}"}} for name in TABLE_COLUMNS
    }
    properties = {
        "schema_version": {"const": SCHEMA_VERSION},
        "title": STR,
        "department": maybe(STR),
        "generated_at": STAMP,
        "previous_generated_at": maybe(STAMP),
        "data_as_of": {"type": "object", "additionalProperties": STAMP},
        "tables": _closed(tables),
        "trajectories": {"type": "array", "items": _closed(TRAJECTORY)},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "rdsync CRDO report",
        **_closed(properties),
        "$defs": {name: _row(name, columns) for name, columns in TABLE_COLUMNS.items()},
    }


def _closed(properties: dict[str, Any]) -> dict[str, Any]:
    """An object with exactly these properties, all required."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


POINT = _closed({"date": DATE, "value": NUM})
TRAJECTORY = {
    "key": STR,
    "planned": {"type": "array", "items": POINT},
    "measurements": {"type": "array", "items": POINT},
}


def schema_text() -> str:
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


def docs_text() -> str:
    lines = [
        "# The report JSON",
        "",
        "<!-- Generated by `python -m reports.schema` from reports/schema.py; do not edit. -->",
        "",
        '`build_report(..., formats=["json"])` writes one JSON document per report. Its JSON',
        "Schema (draft 2020-12) ships as `reports/report.schema.json`. Top level:",
        "",
        "| key | value |",
        "|---|---|",
        f"| `schema_version` | `{SCHEMA_VERSION}`; changes when a column is renamed or removed |",
        "| `title`, `department` | the report's title; its department, null for all |",
        "| `generated_at`, `previous_generated_at` | ISO 8601 date-times with their offset; the "
        "previous report is the last one of the same scope (department, or all) |",
        "| `data_as_of` | source name to the date-time it was last read |",
        "| `tables` | every table below, each an array of row objects |",
        "| `trajectories` | per target: `key`, `planned` and `measurements` as `{date, value}` |",
        "",
        "Every row object has exactly the columns listed; a missing value is `null`. Dates are",
        "`YYYY-MM-DD`. Ratings are 1 Red, 2 Amber/Red, 3 Amber/Green, 4 Green. A column's",
        "title is the heading the HTML, PDF and XLSX editions give it (`reports/words.py`).",
    ]
    for table, columns in TABLE_COLUMNS.items():
        lines += [
            "",
            f"## `{table}`: {TABLE_TITLES[table]}",
            "",
            "| column | title | meaning |",
            "|---|---|---|",
        ]
        for column in columns:
            text = TABLE_OVERRIDES.get((table, column), COLUMNS[column][1])
            lines.append(f"| `{column}` | {words.title(column)} | {text} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    SCHEMA_FILE.write_text(schema_text())
    DOCS_FILE.parent.mkdir(exist_ok=True)
    DOCS_FILE.write_text(docs_text())
    print(f"wrote {SCHEMA_FILE} and {DOCS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
