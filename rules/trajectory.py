"""Trajectories: the planned path of a target, and the rates history and the target imply."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from mappings.model import Direction, Measurement, Target, TrajectoryPoint

DAYS_PER_YEAR = 365.25
_DECREASE = Direction.DECREASE  # a module constant: an enum member's look-up costs a call


def planned_path(target: Target) -> list[TrajectoryPoint]:
    """The target's path: baseline, its intermediate targets, and the end target, by date.

    Without intermediate targets the path is the straight line from baseline to target (which
    RD309 flags). Points without a date or value on either end are left out.
    """
    return [TrajectoryPoint(at=at, value=value) for at, value in _path(target)]


def _path(target: Target) -> list[tuple[date, float]]:
    start, base = target.baseline_date, target.baseline_value
    end, goal = target.target_date, target.target_value
    points = [] if start is None or base is None else [(start, base)]
    points += [(point.at, point.value) for point in target.trajectory]
    if end is not None and goal is not None:
        points.append((end, goal))
    for index in range(1, len(points)):
        if points[index - 1][0] >= points[index][0]:  # out of order, or two on one day
            break
    else:
        return points  # the usual case: baseline, intermediate points and target in order
    by_day: dict[date, float] = {}  # a later point of the same day wins: the target last
    for at, value in points:
        by_day[at] = value
    return sorted(by_day.items())


def planned_value(target: Target, on: date) -> float | None:
    """The value the path plans for a date: interpolated inside, held flat beyond its ends."""
    path = _path(target)
    if not path:
        return None
    if on <= path[0][0]:
        return path[0][1]
    if on >= path[-1][0]:
        return path[-1][1]
    for index in range(1, len(path)):
        end, after = path[index]
        if on <= end:  # the first point after `on`: the segment from the one before it
            start, before = path[index - 1]
            return before + (on - start).days / (end - start).days * (after - before)
    return path[-1][1]  # unreachable: the path is sorted and covers `on`


def historical_rate(
    series: Sequence[Measurement], *, since: date | None = None, min_points: int = 2
) -> float | None:
    """Least-squares slope of the measurements in units per year, from `since` on.

    None when fewer than `min_points` measurements (or all on one day) make a slope.
    """
    points = list(series) if since is None else [m for m in series if m.at >= since]
    if len(points) < min_points:
        return None
    origin = points[0].at
    xs = [(m.at - origin).days / DAYS_PER_YEAR for m in points]
    ys = [m.value for m in points]
    mean_x = sum(xs) / len(xs)
    mean_y = sum(ys) / len(ys)
    sxx = sum([(x - mean_x) ** 2 for x in xs])  # lists, not generators: a third faster
    if sxx == 0:
        return None
    sxy = sum([(x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)])
    return sxy / sxx


def up_to(series: Sequence[Measurement], today: date) -> Sequence[Measurement]:
    """The measurements dated today or earlier (a series is sorted oldest first): the series
    itself when that is all of it."""
    if series and series[-1].at > today:
        return [m for m in series if m.at <= today]
    return series


Trend = tuple[int, date | None, float | None]  # measurements, the first's date, slope a year


def trend(series: Sequence[Measurement], today: date, years: float) -> Trend:
    """The measurements dated today or earlier in the `years` up to the latest of them: how
    many, the first one's date, and their least-squares slope a year (None without two).

    The window ends at the latest measurement, not today, so that it moves only with data.
    """
    series = up_to(series, today)
    if not series:
        return 0, None, None
    since = history_start(series[-1].at, years)
    window = series if series[0].at >= since else [m for m in series if m.at >= since]
    return len(window), window[0].at, historical_rate(window)


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


def direction_of(target: Target) -> Direction | None:
    """The target's direction, else inferred from baseline to target (lower target: Decrease).

    None when neither the direction nor both values are known, or they are equal.
    """
    if target.direction is not None:
        return target.direction
    if target.baseline_value is None or target.target_value is None:
        return None
    if target.target_value < target.baseline_value:
        return Direction.DECREASE
    if target.target_value > target.baseline_value:
        return Direction.INCREASE
    return None


def latest_on(series: Sequence[Measurement], today: date) -> Measurement | None:
    """The newest measurement dated today or earlier (a series is sorted oldest first)."""
    for measurement in reversed(series):
        if measurement.at <= today:
            return measurement
    return None


def history_start(today: date, years: float) -> date:
    """The first day of the window the historical rate is fitted over."""
    return today - timedelta(days=round(years * DAYS_PER_YEAR))


def toward(direction: Direction | None, rate: float) -> float:
    """A rate expressed so that positive is progress: flips the sign for a Decrease target."""
    return -rate if direction == _DECREASE else rate


def gain_share(target: Target, latest: float, planned: float) -> float | None:
    """How much of the planned gain since baseline the latest value has achieved (1.0 = on plan).

    None without a baseline or where the plan asks for no gain yet.
    """
    if target.baseline_value is None:
        return None
    direction = direction_of(target)
    planned_gain = toward(direction, planned - target.baseline_value)
    if planned_gain <= 0:
        return None
    return toward(direction, latest - target.baseline_value) / planned_gain


def progress(target: Target, latest: Measurement) -> tuple[float | None, float | None]:
    """The value the target's path planned for the latest measurement's date, and the share of
    that planned gain the measurement achieved (None where either cannot be said)."""
    planned = planned_value(target, latest.at)
    return planned, None if planned is None else gain_share(target, latest.value, planned)


def reached(target: Target, value: float) -> bool:
    """Whether a value meets the target value in the target's (stated or inferred) direction."""
    if target.target_value is None:
        return False
    if (target.direction or direction_of(target)) == _DECREASE:
        return value <= target.target_value
    return value >= target.target_value
