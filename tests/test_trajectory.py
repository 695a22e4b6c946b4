"""Trajectories: planned path and value, historical and required rates, direction-aware."""

from datetime import date, timedelta

import pytest

from mappings.model import Direction, Measurement, Target, TrajectoryPoint
from rules.base import RuleContext
from rules.trajectory import (
    direction_of,
    gain_share,
    historical_rate,
    history_start,
    latest_on,
    planned_path,
    planned_value,
    reached,
    required_rate,
    toward,
    trend,
)


def _punjab(**changes: object) -> Target:
    """Punjab's skills target: 2 million trainings by mid-2018, about 550,000 a year."""
    fields: dict[str, object] = {
        "key": "DEL-40",
        "name": "2 million vocational trainings by 2018",
        "baseline_value": 350_000,
        "baseline_date": date(2015, 6, 30),
        "target_value": 2_000_000,
        "target_date": date(2018, 6, 30),
        "direction": Direction.INCREASE,
        "trajectory": [
            TrajectoryPoint(at=date(2016, 6, 30), value=900_000),
            TrajectoryPoint(at=date(2017, 6, 30), value=1_450_000),
        ],
    }
    fields.update(changes)
    return Target.model_validate(fields)


def _series(key: str, points: list[tuple[date, float]]) -> list[Measurement]:
    return [Measurement(indicator_key=key, at=at, value=value) for at, value in points]


def test_planned_path_runs_baseline_trajectory_target_in_date_order() -> None:
    path = planned_path(_punjab())
    assert [(p.at.year, p.value) for p in path] == [
        (2015, 350_000),
        (2016, 900_000),
        (2017, 1_450_000),
        (2018, 2_000_000),
    ]


def test_planned_value_interpolates_and_holds_flat_beyond_the_ends() -> None:
    target = _punjab()
    assert planned_value(target, date(2016, 6, 30)) == 900_000
    halfway = planned_value(target, date(2016, 12, 30))
    assert halfway == pytest.approx(900_000 + 550_000 * 183 / 365, rel=1e-6)
    assert planned_value(target, date(2014, 1, 1)) == 350_000
    assert planned_value(target, date(2020, 1, 1)) == 2_000_000
    assert planned_value(Target(key="DEL-41"), date(2016, 1, 1)) is None


def test_without_intermediate_targets_the_path_is_the_straight_line() -> None:
    target = _punjab(trajectory=[])
    assert len(planned_path(target)) == 2
    mid = planned_value(target, date(2016, 12, 30))
    assert mid == pytest.approx(350_000 + 1_650_000 * 549 / 1096, rel=1e-6)


@pytest.mark.parametrize("days", [-400, -1, 0, 1, 180, 549, 1095, 1096, 1500])
def test_the_straight_line_is_the_general_path_without_intermediate_points(days: int) -> None:
    straight = _punjab(trajectory=[])
    # The same line through a point on it: the general path (a dict of points, sorted).
    on_it = date(2017, 1, 1)
    value = planned_value(straight, on_it)
    assert value is not None
    general = _punjab(trajectory=[TrajectoryPoint(at=on_it, value=value)])
    day = date(2015, 6, 30) + timedelta(days=days)
    assert planned_value(straight, day) == pytest.approx(planned_value(general, day), rel=1e-12)
    backwards = _punjab(trajectory=[], baseline_date=date(2019, 1, 1))  # baseline after target
    assert [p.at.year for p in planned_path(backwards)] == [2018, 2019]
    same_day = _punjab(trajectory=[], baseline_date=date(2018, 6, 30))
    assert [(p.at, p.value) for p in planned_path(same_day)] == [(date(2018, 6, 30), 2_000_000)]


def test_historical_rate_is_the_least_squares_slope_per_year_from_since() -> None:
    series = _series(
        "DEL-39",
        [(date(2014, 1, 1), 0), (date(2016, 1, 1), 100_000), (date(2017, 1, 1), 650_000)],
    )
    # From 2016 on, two points a year apart: a slope of 550,000 a year.
    rate = historical_rate(series, since=date(2015, 6, 1))
    assert rate == pytest.approx(550_000 * 365.25 / 366, rel=1e-6)
    assert historical_rate(series[:1]) is None
    same_day = _series("DEL-39", [(date(2016, 1, 1), 1), (date(2016, 1, 1), 2)])
    assert historical_rate(same_day) is None


def test_required_rate_runs_from_today_and_the_latest_value() -> None:
    target = _punjab()
    latest = Measurement(indicator_key="DEL-39", at=date(2016, 12, 15), value=1_180_000)
    rate = required_rate(target, latest, date(2016, 12, 31))
    assert rate == pytest.approx(820_000 / (546 / 365.25), rel=1e-6)
    from_baseline = required_rate(target, None, date(2015, 6, 30))
    assert from_baseline == pytest.approx(1_650_000 / (1096 / 365.25), rel=1e-6)
    assert required_rate(target, latest, date(2018, 7, 1)) is None
    assert required_rate(_punjab(target_value=None), latest, date(2016, 12, 31)) is None


def test_direction_is_inferred_from_baseline_to_target_when_missing() -> None:
    waits = Target(key="DEL-4", baseline_value=21, target_value=0)
    assert direction_of(waits) == Direction.DECREASE
    assert direction_of(_punjab(direction=None)) == Direction.INCREASE
    assert direction_of(Target(key="DEL-5", baseline_value=5, target_value=5)) is None
    assert direction_of(Target(key="DEL-6", target_value=5)) is None
    stated = Target(key="DEL-7", baseline_value=21, target_value=0, direction=Direction.INCREASE)
    assert direction_of(stated) == Direction.INCREASE


def test_gain_share_and_reached_follow_a_decrease_even_when_unstated() -> None:
    waits = Target(
        key="DEL-4",
        baseline_value=21,
        baseline_date=date(2001, 6, 30),
        target_value=0,
        target_date=date(2004, 12, 31),
    )
    assert gain_share(waits, latest=19.0, planned=15.0) == pytest.approx(2 / 6)
    assert gain_share(waits, latest=22.0, planned=15.0) == pytest.approx(-1 / 6)
    assert gain_share(waits, latest=20.0, planned=21.0) is None  # no gain planned yet
    assert reached(waits, 0.0) and not reached(waits, 0.5)
    assert toward(Direction.DECREASE, -3.0) == 3.0 and toward(None, -3.0) == -3.0


def test_latest_on_ignores_future_dated_measurements() -> None:
    series = _series(
        "DEL-3", [(date(2026, 1, 31), 1), (date(2026, 2, 28), 2), (date(2026, 4, 30), 3)]
    )
    latest = latest_on(series, date(2026, 3, 15))
    assert latest is not None and latest.value == 2
    assert latest_on(series, date(2025, 1, 1)) is None
    assert history_start(date(2026, 3, 15), 3.0) == date(2023, 3, 15)


def test_the_trend_is_fitted_over_the_years_before_the_latest_measurement_up_to_today() -> None:
    yearly = [(date(2020 + n, 6, 30), 100.0 + 10 * n) for n in range(6)]  # +10 a year
    series = _series("IND-1", [*yearly, (date(2027, 6, 30), 999.0)])  # one from the future
    count, since, rate = trend(series, date(2025, 12, 31), 3)
    assert (count, since) == (4, date(2022, 6, 30))  # 2022-2025: the latest is 2025-06-30
    assert rate == pytest.approx(10, rel=1e-3)
    assert trend(series[:1], date(2025, 12, 31), 3) == (1, date(2020, 6, 30), None)
    assert trend([], date(2025, 12, 31), 3) == (0, None, None)


def test_a_run_fits_each_indicators_trend_once_for_the_rules_and_the_judgements() -> None:
    series = _series("IND-1", [(date(2020 + n, 6, 30), 100.0 + 10 * n) for n in range(6)])
    ctx = RuleContext(today=date(2025, 12, 31))
    first = ctx.trend("IND-1", series)
    assert ctx.trend("IND-1", series) is first  # the same fit, not a second one
    regraphed = list(series[:3])  # another graph's list under the same key: fitted afresh
    assert ctx.trend("IND-1", regraphed)[0] == 3
    later = ctx.model_copy(update={"today": date(2022, 12, 31)})  # shares the memo, not the day
    assert later.trend("IND-1", regraphed) == trend(regraphed, date(2022, 12, 31), 3)
    assert "trends" not in ctx.model_dump()


def test_a_run_computes_a_targets_progress_and_required_rate_once_for_rules_and_judgements() -> (
    None
):
    target = _punjab()
    latest = Measurement(indicator_key="DEL-39", at=date(2016, 12, 30), value=1_000_000)
    ctx = RuleContext(today=date(2017, 1, 31))
    planned, share = ctx.progress(target, latest)
    assert planned == planned_value(target, latest.at)
    assert share == gain_share(target, latest.value, planned or 0)
    assert ctx.progress(target, latest) is ctx.progress(target, latest)  # kept, not redone
    assert ctx.required(target, latest) == required_rate(target, latest, latest.at)
    newer = Measurement(indicator_key="DEL-39", at=date(2017, 1, 30), value=1_100_000)
    assert ctx.progress(target, newer) == (
        planned_value(target, newer.at),
        pytest.approx(gain_share(target, newer.value, planned_value(target, newer.at) or 0)),
    )  # a new measurement: computed afresh
    edited = _punjab(trajectory=[])  # another graph's target under the same key: afresh
    assert ctx.progress(edited, newer)[0] == planned_value(edited, newer.at)
    assert ctx.required(edited, newer) == required_rate(edited, newer, newer.at)
    assert "facts" not in ctx.model_dump()
