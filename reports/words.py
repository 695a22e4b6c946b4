"""The report's one vocabulary: the title of every column and the words of a target's status.

HTML and PDF headings, XLSX header cells and the JSON schema's titles all read `TITLES`, so a
column is called the same in every format (tests/test_report_words.py checks it).
"""

from __future__ import annotations

from rules.model import JUDGEMENTS, RUBRIC_CRITERIA

TITLES: dict[str, str] = {
    "key": "Key",
    "name": "Name",
    "kind": "Kind",
    "priority": "Priority",
    "priority_key": "Priority key",
    "leader": "Leader",
    "likelihood": "Likelihood",
    "previous": "At the previous report",
    "change": "Change (levels)",
    "team": "Team's rating",
    "assessed": "rdsync's assessment",
    "agreed": "Agreed rating",
    "agreed_on": "Agreed on",
    "in_force": "Agreed rating in force",
    "agreed_status": "Agreed rating stands?",
    "agreed_note": "Agreed note",
    "disagreement": "Team 2+ levels apart",
    "evidence": "Evidence",
    "source": "Source",
    "as_of": "As of",
    "age_hours": "Age (hours)",
    "red": "Red",
    "amber_red": "Amber/Red",
    "amber_green": "Amber/Green",
    "green": "Green",
    "not_assessed": "Not assessed",
    "total": "Total",
    "why": "Why",
    "reasons": "Because",
    "ask": "Decision asked",
    "element": "Element",
    "question": "Key question",
    "rating": "Rating",
    "notes": "Notes",
    "code": "Code",
    "manual": "Manual",
    "severity": "Severity",
    "findings": "Findings",
    "plans": "Plans",
    "keys": "Keys",
    "error": "Errors",
    "warning": "Warnings",
    "info": "Info",
    "codes": "Codes",
    "gaps": "Gaps",
    "indicator": "Indicator",
    "unit": "Unit",
    "direction": "Direction",
    "baseline_value": "Baseline",
    "baseline_date": "Baseline date",
    "target_value": "Target",
    "target_date": "Target date",
    "latest_value": "Latest",
    "latest_date": "Latest date",
    "latest_age_days": "Age of the latest (days)",
    "planned_at_latest": "Planned for the latest date",
    "progress": "Progress (% of the planned gain)",
    "status": "Status",
    "stale": "Stale",
    "held_back_by": "Held back by",
    "before_baseline": "Measurements before the baseline",
    "level": "Level",
    "approach": "Approach",
    "reason": "Reason",
    "field": "Field",
    "message": "Finding",
    "fix": "Fix",
    "entity": "Item",
    "strategy_key": "Strategy key",
    "strategy": "Strategy",
    "due": "Due",
    "days": "Days",
    "person": "Person",
    "stocktake_on": "Stock take",
    "need": "Update",
    "what": "Asked for",
    "requested_on": "Requested on",
    # Focus and coordination (reports/focus.py)
    "dependency": "Dependency",
    "subject": "What ties them",
    "priorities": "Priorities",
    "tickets": "Tickets",
    "description": "In words",
    "critical": "Critical dependencies at risk",
    "rated_key": "Rated as",
    "waiting": "Waiting on it",
    "department": "Department",
    "work_team": "Team",
    "work_items": "Items",
    "unaligned": "Serving no priority",
    "unaligned_share": "Share serving none",
    "effort": "Effort",
    "unaligned_effort": "Effort serving none",
    "unaligned_effort_share": "Share of effort serving none",
    "previous_share": "Share at the previous report",
    "share_change": "Change (points)",
    "largest": "Largest unaligned work",
}
JUDGEMENT_COLUMNS = {name: name.lower().replace(" ", "_") for name in JUDGEMENTS}
CRITERION_COLUMNS = {c: c.lower().replace(" ", "_") for c in RUBRIC_CRITERIA}
TITLES.update({column: name for name, column in JUDGEMENT_COLUMNS.items()})
TITLES.update({column: name for name, column in CRITERION_COLUMNS.items()})

# Columns holding a rating 1-4: coloured as the rating in every format.
RATED_COLUMNS = frozenset(
    {"likelihood", "assessed", "agreed", "previous", "team", "rating", *JUDGEMENT_COLUMNS.values()}
    | set(CRITERION_COLUMNS.values())
)


def title(column: str) -> str:
    """The title of a column; a column the vocabulary lacks is spelled out from its name."""
    return TITLES.get(column) or column.replace("_", " ").capitalize()


# A target's status: where its latest measurement stands, read as its Evidence of progress is.
NO_INDICATOR = "No indicator"
NO_MEASUREMENT = "No measurement"
COUNTED_MISSING = "Stale, counted as missing"
REACHED = "Reached"
MISSED = "Missed"
NO_PLAN = "No baseline or trajectory to compare with"
NO_PLANNED_GAIN = "No planned gain yet"
ON_TRAJECTORY = "On trajectory"
BEHIND = "Behind trajectory"
STATUSES = (
    MISSED,
    BEHIND,
    NO_INDICATOR,
    NO_MEASUREMENT,
    COUNTED_MISSING,
    NO_PLAN,
    NO_PLANNED_GAIN,
    ON_TRAJECTORY,
    REACHED,
)  # worst first: the order a stock take pack lists targets in
GOOD_NEWS = frozenset({ON_TRAJECTORY, REACHED})
