"""The manual's architecture review (rated 1-4), rubric gaps and findings by rule and by leader.

How a row of the review is rated. The manual's "Review: Delivery Architecture" table (after
Rule 4) asks four questions of each plan. Each row looks at the entities its question is about
and the rule codes that answer it:

| row | entities | codes |
|---|---|---|
| Outcomes | the priority and its outcomes | RD101, RD109 |
| Indicators and Targets | outcomes, indicators, targets | RD102-RD104, RD201-RD206 |
| Strategies | targets and strategies | RD105, RD106, RD302, RD310 |
| Accountability | the priority, outcomes, strategies | RD107, RD108, RD404 |

With `share` the fraction of those entities carrying at least one error of the row's codes:
4 Green when no error or warning of the row's codes is found; 3 Amber/Green when the share
is under 25 %; 2 Amber/Red under 50 %; 1 Red from 50 %, or when the row has nothing to review
(no outcomes, no targets). Info findings never lower a row. Severities are the ones the
findings carry, so re-grading a rule in the config moves the review with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from mappings.model import BaseEntity
from reports.frames import frame
from reports.scope import NO_OWNER, UNLINKED, Scope
from reports.words import CRITERION_COLUMNS
from rules.engine import natural_key
from rules.model import RUBRIC_CRITERIA, Finding, Rating, Severity
from rules.registry import UnknownRuleError, get_rule


@dataclass(frozen=True)
class ReviewRow:
    element: str
    question: str  # the manual's key question, verbatim
    kinds: tuple[str, ...]
    codes: tuple[str, ...]


REVIEW_ROWS = (
    ReviewRow(
        "Outcomes",
        "Have we translated our aspiration into desired outcomes that give a clear sense of "
        "our priorities?",
        ("priority", "outcome"),
        ("RD101", "RD109"),
    ),
    ReviewRow(
        "Indicators and Targets",
        "Does each goal have an indicator and target that is meaningful, moveable, and measurable?",
        ("outcome", "indicator", "target"),
        ("RD102", "RD103", "RD104", "RD201", "RD202", "RD203", "RD204", "RD205", "RD206"),
    ),
    ReviewRow(
        "Strategies",
        "Does each target have at least one strategy whose explicit purpose is to move the "
        "numbers?",
        ("target", "strategy"),
        ("RD105", "RD106", "RD302", "RD310"),
    ),
    ReviewRow(
        "Accountability",
        "Have we identified a single accountable person for each goal and strategy?",
        ("priority", "outcome", "strategy"),
        ("RD107", "RD108", "RD404"),
    ),
)
_PLURAL = {
    "priority": "priorities",
    "outcome": "outcomes",
    "indicator": "indicators",
    "target": "targets",
    "strategy": "strategies",
}
REVIEW_COLUMNS = ("priority_key", "priority", "element", "question", "rating", "notes")


def architecture_review(scope: Scope) -> pd.DataFrame:
    """Each priority's plan on the four rows of the manual's review table, rated 1-4."""
    rows = []
    for priority in scope.priorities:
        plan = scope.plans[priority.key]
        keys = {e.key for e in plan}
        found = [f for f in scope.findings if f.key in keys]
        for row in REVIEW_ROWS:
            rating, notes = rate_row(row, plan, found)
            rows.append(
                {
                    "priority_key": priority.key,
                    "priority": priority.name,
                    "element": row.element,
                    "question": row.question,
                    "rating": int(rating),
                    "notes": notes,
                }
            )
    return frame(rows, REVIEW_COLUMNS)


def rate_row(row: ReviewRow, plan: list[BaseEntity], found: list[Finding]) -> tuple[Rating, str]:
    """One row's rating and its notes (the codes behind it), as the module docstring says."""
    population = {e.key for e in plan if str(e.kind) in row.kinds}
    relevant = [f for f in found if f.code in row.codes and f.severity is not Severity.INFO]
    if not population:
        kinds = " or ".join(_PLURAL[k] for k in row.kinds)
        return Rating.RED, f"Nothing to review: the plan has no {kinds}."
    if not relevant:
        return Rating.GREEN, "No findings."
    with_error = {f.key for f in relevant if f.severity is Severity.ERROR}
    share = min(1.0, len(with_error) / len(population))
    if share >= 0.5:
        rating = Rating.RED
    elif share >= 0.25:
        rating = Rating.AMBER_RED
    else:
        rating = Rating.AMBER_GREEN
    return rating, _notes(relevant)


def _notes(found: list[Finding]) -> str:
    """'RD105 target-without-strategy: DEL-4, DEL-9' per code, keys in natural order."""
    by_code: dict[str, list[Finding]] = {}
    for finding in found:
        by_code.setdefault(finding.code, []).append(finding)
    parts = []
    for code in sorted(by_code):
        keys = sorted({f.key for f in by_code[code]}, key=natural_key)
        shown = ", ".join(keys[:6]) + (f" and {len(keys) - 6} more" if len(keys) > 6 else "")
        parts.append(f"{code} {by_code[code][0].name}: {shown}")
    return "; ".join(parts)


RUBRIC_COLUMNS = ("priority_key", "priority", *CRITERION_COLUMNS.values(), "gaps")


def rubric_gaps(scope: Scope) -> pd.DataFrame:
    """The planning rubric of each plan: a rating per criterion, and its gaps with their codes."""
    by_plan: dict[str, dict[str, Any]] = {}
    for r in scope.data.rubric:
        if r.priority_key in scope.plans:
            by_plan.setdefault(r.priority_key, {})[r.criterion] = r
    rows = []
    for priority in scope.priorities:
        rated = by_plan.get(priority.key, {})
        gaps = [
            f"{c} ({rated[c].rating.label}{': ' if rated[c].codes else ''}"
            f"{', '.join(rated[c].codes)})"
            for c in RUBRIC_CRITERIA
            if c in rated and rated[c].rating < Rating.GREEN
        ]
        rows.append(
            {
                "priority_key": priority.key,
                "priority": priority.name,
                **{
                    column: int(rated[c].rating) if c in rated else None
                    for c, column in CRITERION_COLUMNS.items()
                },
                "gaps": "; ".join(gaps) if rated else "Not rated",
            }
        )
    return frame(rows, RUBRIC_COLUMNS)


FINDING_COLUMNS = (
    "code",
    "name",
    "severity",
    "key",
    "kind",
    "entity",
    "priority",
    "leader",
    "field",
    "message",
    "fix",
)


def findings(scope: Scope) -> pd.DataFrame:
    """Every finding of the report with its fix, the most severe first."""
    ordered = sorted(
        scope.findings, key=lambda f: (f.severity.rank, f.code, natural_key(f.key), f.message)
    )
    rows = [
        {
            "code": f.code,
            "name": f.name,
            "severity": f.severity.value,
            "key": f.key,
            "kind": f.kind or scope.kind(f.key) or None,
            "entity": scope.name(f.key),
            "priority": scope.priority_name(f.key) if scope.home(f.key) else UNLINKED,
            "leader": scope.leader(f.key),
            "field": f.field,
            "message": f.message,
            "fix": f.fix,
        }
        for f in ordered
    ]
    return frame(rows, FINDING_COLUMNS)


BY_RULE_COLUMNS = ("code", "name", "manual", "severity", "findings", "plans", "keys")


def findings_by_rule(table: pd.DataFrame) -> pd.DataFrame:
    """Findings counted by rule code, with the plans they touch and the first keys."""
    if table.empty:
        return frame([], BY_RULE_COLUMNS)
    grouped = table.groupby("code", sort=True)
    out = pd.DataFrame(
        {
            "name": grouped["name"].first(),
            "manual": [_manual(code) for code in grouped.groups],
            "severity": grouped["severity"].agg(_worst),
            "findings": grouped.size(),
            "plans": grouped["priority"].agg(lambda s: int(s[s != UNLINKED].nunique())),
            "keys": grouped["key"].agg(_first_keys),
        }
    ).reset_index()
    return out[list(BY_RULE_COLUMNS)].astype(object)


BY_LEADER_COLUMNS = ("leader", "error", "warning", "info", "total", "codes", "keys")


def findings_by_leader(scope: Scope, table: pd.DataFrame) -> pd.DataFrame:
    """Findings counted by accountable leader; a finding on a shared item counts for each.

    The leader of a finding is the owner of its entity, else of the nearest owned ancestor;
    NO_OWNER gathers the rest, and comes last.
    """
    if table.empty:
        return frame([], BY_LEADER_COLUMNS)
    long = table.assign(
        leader=[[p.label for p in scope.leaders(k)] or [NO_OWNER] for k in table["key"]]
    ).explode("leader")
    counts = pd.crosstab(long["leader"], long["severity"]).reindex(
        columns=[s.value for s in Severity], fill_value=0
    )
    grouped = long.groupby("leader")
    out = counts.assign(
        total=counts.sum(axis=1),
        codes=grouped["code"].agg(lambda s: ", ".join(sorted(set(s)))),
        keys=grouped["key"].agg(_first_keys),
    ).reset_index()
    order = sorted(
        range(len(out)),
        key=lambda i: (
            out.at[i, "leader"] == NO_OWNER,
            -out.at[i, "error"],
            -out.at[i, "total"],
            out.at[i, "leader"].casefold(),
        ),
    )
    out = out.iloc[order]
    return out[list(BY_LEADER_COLUMNS)].astype(object).reset_index(drop=True)


def _worst(severities: pd.Series) -> str:
    return min(severities, key=lambda s: Severity(s).rank)


def _first_keys(keys: pd.Series, limit: int = 8) -> str:
    unique = sorted(set(keys), key=natural_key)
    more = f" and {len(unique) - limit} more" if len(unique) > limit else ""
    return ", ".join(unique[:limit]) + more


def _manual(code: str) -> str:
    """The manual section a rule enforces, from the registry ('' for a code it lacks)."""
    try:
        return get_rule(code).manual
    except UnknownRuleError:
        return ""
