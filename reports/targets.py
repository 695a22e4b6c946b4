"""The targets table: each target against its trajectory, its status read as its rating read it.

A target's status is made from the inputs its Evidence of progress judgement used: the newest
measurement dated today or earlier, aged against `[rules.thresholds] freshness_days`; one older
than `[likelihood] stale_as_missing` times that counts as missing, so its status says so and
shows no progress figure. A badge can then never call on track what the rating read as missing.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from mappings.model import Measurement, Target
from reports import reasons, words
from reports.scope import UNLINKED, Scope
from rules.trajectory import gain_share, latest_on, planned_value, reached

TARGET_COLUMNS = (
    "key",
    "name",
    "priority",
    "indicator",
    "unit",
    "direction",
    "baseline_value",
    "baseline_date",
    "target_value",
    "target_date",
    "latest_value",
    "latest_date",
    "latest_age_days",
    "stale",
    "before_baseline",
    "planned_at_latest",
    "progress",
    "status",
    "likelihood",
    "held_back_by",
    "leader",
)


def targets(scope: Scope) -> pd.DataFrame:
    """Every target of the report: where it started, where it is, where its plan says it is."""
    rows: list[dict[str, Any]] = []
    for priority in scope.priorities:
        for entity in scope.plans[priority.key]:
            if isinstance(entity, Target) and scope.home(entity.key) == priority.key:
                rows.append(target_row(scope, entity))
    homed = {r["key"] for r in rows}
    for key in scope.keys_of_kind("target"):
        found = scope.entity(key)
        if key not in homed and isinstance(found, Target):
            rows.append(target_row(scope, found))
    return pd.DataFrame(rows, columns=list(TARGET_COLUMNS), dtype=object)


def target_row(scope: Scope, target: Target) -> dict[str, Any]:
    indicator = scope.arch.indicator_of(target)
    series = scope.arch.series(indicator.key) if indicator is not None else []
    latest = latest_on(series, scope.today)
    age = (scope.today - latest.at).days if latest is not None else None
    fresh = scope.data.thresholds.freshness_days
    missing = age is not None and age > fresh * scope.data.likelihood.stale_as_missing
    planned = planned_value(target, latest.at) if latest is not None else None
    share = (
        gain_share(target, latest.value, planned)
        if latest is not None and planned is not None and not missing
        else None
    )
    status = target_status(scope, target, latest, share, missing, has_indicator=bool(indicator))
    likelihood = scope.likelihood(target.key)
    return {
        "key": target.key,
        "name": target.name,
        "priority": scope.priority_name(target.key) if scope.home(target.key) else UNLINKED,
        "indicator": indicator.name if indicator is not None else "",
        "unit": indicator.unit if indicator is not None else None,
        "direction": target.direction.value if target.direction is not None else None,
        "baseline_value": target.baseline_value,
        "baseline_date": target.baseline_date,
        "target_value": target.target_value,
        "target_date": target.target_date,
        "latest_value": latest.value if latest is not None else None,
        "latest_date": latest.at if latest is not None else None,
        "latest_age_days": age,
        "stale": age is not None and age > fresh,
        "before_baseline": _before(series, target, latest),
        "planned_at_latest": None if planned is None else round(planned, 2),
        # a plan asking a sliver of gain (1e-300) by now makes the share overflow to infinity
        "progress": None if share is None or not math.isfinite(share) else round(share * 100),
        "status": status,
        "likelihood": None if likelihood is None else int(likelihood),
        "held_back_by": (
            reasons.held_back_by(scope.assessment(target.key)) if status in words.GOOD_NEWS else ""
        ),
        "leader": scope.leader(target.key),
    }


def _before(series: list[Measurement], target: Target, latest: Measurement | None) -> int:
    """How many measurements up to the latest are dated before the baseline: the gain counts
    from the baseline, so a reader must not take them for progress."""
    start = target.baseline_date
    if start is None or latest is None or not series or series[0].at >= start:
        return 0
    return sum(1 for m in series if m.at < start and m.at <= latest.at)


def target_status(
    scope: Scope,
    target: Target,
    latest: Measurement | None,
    share: float | None,
    missing: bool,
    *,
    has_indicator: bool,
) -> str:
    """The status words, in the order the Evidence of progress judgement reads a target."""
    if latest is None:
        return words.NO_MEASUREMENT if has_indicator else words.NO_INDICATOR
    if missing:
        return words.COUNTED_MISSING
    if reached(target, latest.value):
        return words.REACHED
    if target.target_date is not None and target.target_date < scope.today:
        return words.MISSED
    if target.baseline_value is None or planned_value(target, latest.at) is None:
        return words.NO_PLAN
    if share is None:
        return words.NO_PLANNED_GAIN
    tolerance = scope.data.thresholds.off_trajectory_tolerance
    return words.BEHIND if share < 1 - tolerance else words.ON_TRAJECTORY


def badge(row: dict[str, Any]) -> str:
    """The status a chart card and a pack print beside the rating, e.g. "On trajectory, 98% of
    the planned gain; stale: last reading 130 days old"."""
    text = row["status"]
    if text == words.COUNTED_MISSING:
        return f"Stale: last reading {row['latest_age_days']} days old, counted as missing"
    if row["progress"] is not None:
        text += f", {row['progress']}% of the planned gain"
    if row["stale"]:
        text += f"; stale: last reading {row['latest_age_days']} days old"
    return text
