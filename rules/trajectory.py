"""Trajectories: the planned path of a target, and the rates history and the target imply."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date

from mappings.model import Direction, Measurement, Target, TrajectoryPoint

DAYS_PER_YEAR = 365.25


def planned_path(target: Target) -> list[TrajectoryPoint]:
    """The target's path: baseline, its intermediate targets, and the end target, by date.

    Without intermediate targets the path is the straight line from baseline to target (which
    RD309 flags). Points without a date or value on either end are left out.
    """
    points: dict[date, float] = {}
    if target.baseline_date is not None and target.baseline_value is not None:
        points[target.baseline_date] = target.baseline_value
    for point in target.trajectory:
        points[point.at] = point.value
    if target.target_date is not None and target.target_value is not None:
        points[target.target_date] = target.target_value
    return [TrajectoryPoint(at=at, value=points[at]) for at in sorted(points)]


def planned_value(target: Target, on: date) -> float | None:
    """The value the path plans for a date: interpolated inside, held flat beyond its ends."""
    path = planned_path(target)
    if not path:
        return None
    if on <= path[0].at:
        return path[0].value
    if on >= path[-1].at:
        return path[-1].value
    for before, after in itertools.pairwise(path):
        if before.at <= on <= after.at:
            span = (after.at - before.at).days
            share = (on - before.at).days / span if span else 1.0
            return before.value + share * (after.value - before.value)
    return path[-1].value  # unreachable: the path is sorted and covers `on`


def historical_rate(
    series: Sequence[Measurement], *, since: date | None = None, min_points: int = 2
) -> float | None:
    """Least-squares slope of the measurements in units per year, from `since` on.

    None when fewer than `min_points` measurements (or all on one day) make a slope.
    """
    points = [m for m in series if since is None or m.at >= since]
    if len(points) < min_points:
        return None
    origin = points[0].at
    xs = [(m.at - origin).days / DAYS_PER_YEAR for m in points]
    ys = [m.value for m in points]
    mean_x = sum(xs) / len(xs)
    mean_y = sum(ys) / len(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return sxy / sxx


def required_rate(target: Target, latest: Measurement | None, today: date) -> float | None:
    """Units per year still needed to reach the target value by its date, from the latest value.

    Starts from the latest measurement, else from the baseline. None when the target has no value
    or date, or its date has passed.
    """
    if target.target_value is None or target.target_date is None:
        return None
    if latest is not None:
        start_value, start_date = latest.value, max(latest.at, min(today, target.target_date))
    elif target.baseline_value is not None:
        start_value, start_date = target.baseline_value, today
    else:
        return None
    years = (target.target_date - start_date).days / DAYS_PER_YEAR
    if years <= 0:
        return None
    return (target.target_value - start_value) / years


def toward(direction: Direction | None, rate: float) -> float:
    """A rate expressed so that positive is progress: flips the sign for a Decrease target."""
    return -rate if direction == Direction.DECREASE else rate


def gain_share(target: Target, latest: float, planned: float) -> float | None:
    """How much of the planned gain since baseline the latest value has achieved (1.0 = on plan).

    None without a baseline or where the plan asks for no gain yet.
    """
    if target.baseline_value is None:
        return None
    planned_gain = toward(target.direction, planned - target.baseline_value)
    if planned_gain <= 0:
        return None
    return toward(target.direction, latest - target.baseline_value) / planned_gain


def reached(target: Target, value: float) -> bool:
    """Whether a value meets the target value in the target's direction."""
    if target.target_value is None:
        return False
    if target.direction == Direction.DECREASE:
        return value <= target.target_value
    return value >= target.target_value
