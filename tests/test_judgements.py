"""The five judgements for targets and strategies, each rating and its one-line rationale."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TypeVar

from hypothesis import given
from hypothesis import strategies as st

from mappings.graph import Architecture
from mappings.model import (
    BaseEntity,
    Direction,
    Indicator,
    Measurement,
    Milestone,
    Outcome,
    Person,
    Risk,
    Strategy,
    Target,
)
from rules.base import RuleContext, Thresholds
from rules.inputs import Inputs
from rules.judgements import (
    CAPACITY,
    STAGE,
    fmt,
    planning,
    rolled_up,
    rolled_up_all,
    rollup,
    target_judgements,
    target_own,
)
from rules.likelihood_config import LikelihoodConfig
from rules.model import JUDGEMENTS, LABELS, Finding, Judgement, Severity
from rules.strategy_judgements import strategy_judgements

TODAY = date(2026, 11, 22)
JOBS_LEAD = Person(id="557058:n1", name="Nadia Haddad")


def _jobs_target(**changes: object) -> Target:
    """An NSW-style target: 150,000 new jobs by end 2028 from 100,000 at end 2024."""
    fields: dict[str, object] = {
        "key": "DEL-4",
        "name": "150,000 new jobs by 2028",
        "parent_key": "DEL-3",
        "baseline_value": 100_000,
        "baseline_date": date(2024, 12, 31),
        "target_value": 150_000,
        "target_date": date(2028, 12, 31),
        "direction": Direction.INCREASE,
    }
    fields.update(changes)
    return Target.model_validate(fields)


def _inputs(
    entities: list[BaseEntity],
    series: Sequence[tuple[date, float]] = (),
    findings: Sequence[Finding] = (),
    thresholds: Thresholds | None = None,
) -> Inputs:
    indicator = Indicator(key="DEL-3", name="Jobs created", parent_key="DEL-2", unit="jobs")
    outcome = Outcome(key="DEL-2", name="More people in work", owners=[JOBS_LEAD])
    measurements = [Measurement(indicator_key="DEL-3", at=at, value=v) for at, v in series]
    arch = Architecture([outcome, indicator, *entities], measurements)
    ctx = RuleContext(today=TODAY, thresholds=thresholds or Thresholds())
    return Inputs.gather(arch, findings, ctx, LikelihoodConfig())


E = TypeVar("E", bound=BaseEntity)


def _get(inputs: Inputs, key: str, cls: type[E]) -> E:
    entity = inputs.arch.get(key)
    assert isinstance(entity, cls)
    return entity


def _quarterly(start: date, values: list[float]) -> list[tuple[date, float]]:
    return [(start + timedelta(days=91 * n), v) for n, v in enumerate(values)]


# -- degree of the challenge ---------------------------------------------------------------


def test_challenge_compares_the_required_rate_with_history() -> None:
    # About 10,800 jobs a year so far; 150,000 needs 13,600 a year from here: within 1.5x.
    series = _quarterly(date(2024, 12, 31), [100_000 + 2_700 * n for n in range(8)])
    inputs = _inputs([_jobs_target()], series)
    judgement = Judgement(*target_own(_get(inputs, "DEL-4", Target), inputs)[0])
    assert int(judgement.rating) == 3
    assert judgement.rationale == (
        "needs a rise of 13,800 jobs a year to reach 150,000 jobs by 2028-12-31, 1.3 times the "
        "pace of the 8 measurements since 2024-12-31 (rise of 10,800 jobs a year)"
    )


def test_challenge_is_red_when_history_moved_the_wrong_way_or_the_date_passed() -> None:
    falling = _quarterly(date(2025, 3, 31), [101_000, 100_500, 100_000, 99_000])
    inputs = _inputs([_jobs_target()], falling)
    target = _get(inputs, "DEL-4", Target)
    judgement = Judgement(*target_own(target, inputs)[0])
    assert int(judgement.rating) == 1 and judgement.rationale.endswith("no progress")
    missed = _inputs([_jobs_target(target_date=date(2026, 6, 30))], falling)
    judgement = Judgement(*target_own(_get(missed, "DEL-4", Target), missed)[0])
    assert int(judgement.rating) == 1 and "has passed" in judgement.rationale


def test_challenge_without_history_or_target_is_never_better_than_amber_red() -> None:
    inputs = _inputs([_jobs_target()], [(date(2026, 9, 30), 120_000)])
    judgement = Judgement(*target_own(_get(inputs, "DEL-4", Target), inputs)[0])
    assert int(judgement.rating) == 2 and "no history in the 3 years" in judgement.rationale
    bare = _inputs([_jobs_target(target_value=None)])
    judgement = Judgement(*target_own(_get(bare, "DEL-4", Target), bare)[0])
    assert int(judgement.rating) == 2 and "challenge is unknown" in judgement.rationale


def test_challenge_of_a_target_already_met_is_green() -> None:
    inputs = _inputs([_jobs_target()], [(date(2026, 9, 30), 151_200)])
    judgement = Judgement(*target_own(_get(inputs, "DEL-4", Target), inputs)[0])
    assert int(judgement.rating) == 4
    assert judgement.rationale == "151,200 jobs already meets the target 150,000 jobs by 2028-12-31"


# -- evidence of progress ----------------------------------------------------------------------


def test_evidence_of_a_missed_or_met_target_ignores_the_trajectory() -> None:
    target = Target(
        key="DEL-4",
        parent_key="DEL-3",
        baseline_value=6_730,
        baseline_date=date(2025, 9, 30),
        target_value=14_000,
        target_date=date(2026, 9, 30),
    )
    inputs = _inputs([target], [(date(2026, 9, 30), 12_400)])
    judgement = Judgement(*target_own(target, inputs)[2])
    assert int(judgement.rating) == 1
    assert (
        judgement.rationale
        == "latest 12,400 jobs on 2026-09-30: the target 14,000 jobs was due 2026-09-30"
    )
    inputs = _inputs([target], [(date(2026, 8, 31), 14_050)])
    judgement = Judgement(*target_own(target, inputs)[2])
    assert int(judgement.rating) == 4
    assert judgement.rationale == "latest 14,050 jobs on 2026-08-31 meets the target 14,000 jobs"


def test_evidence_bands_follow_the_share_of_the_planned_gain() -> None:
    target = Target(
        key="DEL-4",
        parent_key="DEL-3",
        baseline_value=6_730,
        baseline_date=date(2024, 9, 30),
        target_value=21_270,
        target_date=date(2028, 9, 29),  # 730 days each side of 2026-09-30
    )
    # Planned on 2026-09-30: halfway, 14,000; the gain planned is 7,270.
    expected = {14_000: 4, 13_300: 4, 12_400: 3, 11_000: 2, 9_000: 1, 6_000: 1}
    for value, rating in expected.items():
        inputs = _inputs([target], [(date(2026, 9, 30), value)])
        judgement = Judgement(*target_own(target, inputs)[2])
        assert int(judgement.rating) == rating, (value, judgement.rationale)
    inputs = _inputs([target], [(date(2026, 9, 30), 12_400)])
    assert Judgement(*target_own(target, inputs)[2]).rationale == (
        "latest 12,400 jobs on 2026-09-30 against 14,000 jobs planned: 78% of the planned gain"
    )


def test_missing_evidence_is_never_good_news_and_stale_evidence_loses_a_level() -> None:
    target = _jobs_target()
    none = _inputs([target])
    judgement = Judgement(*target_own(target, none)[2])
    assert int(judgement.rating) == 2 and "no measurement yet" in judgement.rationale
    on_plan = 100_000 + 50_000 * (date(2026, 6, 30) - date(2024, 12, 31)).days / 1461
    stale = _inputs([target], [(date(2026, 6, 30), on_plan + 100)])
    judgement = Judgement(*target_own(target, stale)[2])
    assert int(judgement.rating) == 3 and "stale (older than 120 days)" in judgement.rationale
    very_old = _inputs([target], [(date(2025, 6, 30), 120_000)])
    judgement = Judgement(*target_own(target, very_old)[2])
    assert int(judgement.rating) == 2 and "counts as missing" in judgement.rationale


# -- quality of planning -------------------------------------------------------------------------


def _finding(code: str, name: str, severity: Severity, key: str = "DEL-4") -> Finding:
    return Finding(code=code, name=name, severity=severity, key=key, message="m", fix="f")


def test_planning_costs_points_by_severity_and_ignores_routine_findings() -> None:
    findings = [
        _finding("RD309", "target-without-trajectory", Severity.WARNING),
        _finding("RD205", "indicator-stale", Severity.WARNING, key="DEL-3"),
        _finding("RD402", "off-trajectory", Severity.WARNING),
    ]
    inputs = _inputs([_jobs_target()], findings=findings)
    judgement = Judgement(*planning(["DEL-4", "DEL-3"], inputs))
    assert int(judgement.rating) == 2
    assert judgement.rationale == (
        "2 gaps on DEL-4 and its indicator DEL-3: indicator stale, target without trajectory"
    )
    inputs = _inputs([_jobs_target()], findings=[_finding("RD203", "x", Severity.ERROR)] * 2)
    assert planning(["DEL-4"], inputs)[1] == 1  # (name, rating, rationale)
    assert planning(["DEL-9"], inputs)[1] == 4


# -- strategies --------------------------------------------------------------------------------


def _strategy(**changes: object) -> Strategy:
    fields: dict[str, object] = {
        "key": "DEL-20",
        "name": "Jobs accelerator",
        "drives": ["DEL-4"],
        "owners": [JOBS_LEAD],
        "start_date": date(2025, 1, 1),
        "end_date": date(2028, 12, 31),
        "delivery_chain": "Treasury → Investment NSW → 12 regional offices → employers",
        "resources": "$40m over four years",
    }
    fields.update(changes)
    return Strategy.model_validate(fields)


def _milestones(*spec: tuple[date, bool]) -> list[BaseEntity]:
    return [
        Milestone(key=f"DEL-{30 + n}", parent_key="DEL-20", due=due, done=done)
        for n, (due, done) in enumerate(spec)
    ]


def test_capacity_counts_chain_resources_owner_load_and_overdue_milestones() -> None:
    sound = _inputs([_jobs_target(), _strategy(), *_milestones((date(2026, 3, 1), True))])
    judgement = Judgement(*strategy_judgements(_get(sound, "DEL-20", Strategy), {}, sound)[2])
    assert int(judgement.rating) == 4
    assert judgement.rationale == (
        "delivery chain described; resources stated; Nadia Haddad leads 1 active strategy; "
        "1 milestone due so far, none overdue"
    )
    others = [_strategy(key=f"DEL-{50 + n}", drives=[]) for n in range(4)]
    weak = _strategy(delivery_chain=None)
    late = _milestones((date(2026, 3, 1), False), (date(2026, 6, 1), True))
    inputs = _inputs([_jobs_target(), weak, *others, *late])
    judgement = Judgement(*strategy_judgements(weak, {}, inputs)[2])
    # no chain (-1), 5 active strategies > 4 (-1), 1 of 2 overdue (-1, and half: -1 more)
    assert int(judgement.rating) == 1
    assert judgement.rationale == (
        "no delivery chain; resources stated; Nadia Haddad leads 5 active strategies, more than "
        "the 4 one person should lead; 2 milestones due so far, 1 overdue"
    )
    two = _strategy(owners=[JOBS_LEAD, Person(id="557058:t2", name="Tom Reid")])
    inputs = _inputs([_jobs_target(), two])
    assert "2 accountable owners" in Judgement(*strategy_judgements(two, {}, inputs)[2]).rationale


def test_stage_reads_the_phase_and_whether_milestones_keep_to_schedule() -> None:
    on_time = _milestones(
        (date(2025, 6, 1), True), (date(2026, 6, 1), True), (date(2027, 6, 1), False)
    )
    inputs = _inputs([_jobs_target(), _strategy(), *on_time])
    judgement = Judgement(*strategy_judgements(_get(inputs, "DEL-20", Strategy), {}, inputs)[3])
    assert int(judgement.rating) == 4
    assert judgement.rationale == "late implementation: 2 of 3 milestones done, 2 due so far"
    behind = _milestones(
        (date(2025, 6, 1), False), (date(2026, 6, 1), False), (date(2027, 6, 1), False)
    )
    inputs = _inputs([_jobs_target(), _strategy(), *behind])
    judgement = Judgement(*strategy_judgements(_get(inputs, "DEL-20", Strategy), {}, inputs)[3])
    assert (
        int(judgement.rating) == 1
        and "(behind schedule by 67% of its milestones)" in judgement.rationale
    )
    future = _strategy(start_date=date(2027, 1, 1))
    inputs = _inputs([_jobs_target(), future, *_milestones((date(2027, 6, 1), False))])
    judgement = Judgement(*strategy_judgements(future, {}, inputs)[3])
    assert judgement.rationale.startswith("policy and planning") and int(judgement.rating) == 3
    inputs = _inputs([_jobs_target(), _strategy()])
    judgement = Judgement(*strategy_judgements(_get(inputs, "DEL-20", Strategy), {}, inputs)[3])
    assert int(judgement.rating) == 2 and "no milestones" in judgement.rationale


def test_strategy_evidence_joins_milestones_met_and_its_targets_evidence() -> None:
    inputs = _inputs(
        [_jobs_target(), _strategy(), *_milestones((date(2026, 3, 1), True))],
        [(date(2026, 10, 31), 130_000)],
    )
    strategy = _get(inputs, "DEL-20", Strategy)
    targets = {"DEL-4": target_own(_get(inputs, "DEL-4", Target), inputs)}
    judgement = Judgement(*strategy_judgements(strategy, targets, inputs)[4])
    assert int(judgement.rating) == 4
    assert judgement.rationale == (
        "1 milestone due so far, 1 met; evidence of its driven target DEL-4: Green"
    )
    nothing = Judgement(*strategy_judgements(strategy, {}, _inputs([_strategy()]))[4])
    assert int(nothing.rating) == 2 and "missing evidence" in nothing.rationale


def test_a_target_driven_by_no_strategy_has_no_capacity() -> None:
    inputs = _inputs([_jobs_target()])
    target = _get(inputs, "DEL-4", Target)
    own = (
        target_own(target, inputs)[0],
        planning(["DEL-4"], inputs),
        target_own(target, inputs)[2],
    )
    judgements = target_judgements(target, own, {}, inputs)
    by_name = {j.name: j for j in map(Judgement._make, judgements)}
    assert int(by_name[CAPACITY].rating) == 1
    assert by_name[CAPACITY].rationale == "no strategy drives DEL-4: nobody moves it"
    assert int(by_name[STAGE].rating) == 2


def test_strategies_driving_an_outcome_drive_its_targets() -> None:
    outcome_strategy = _strategy(key="DEL-21", drives=["DEL-2"])
    inputs = _inputs([_jobs_target(), _strategy(), outcome_strategy])
    target = _get(inputs, "DEL-4", Target)
    assert inputs.drivers[target.key] == ("DEL-20", "DEL-21")
    assert inputs.driven[outcome_strategy.key] == ("DEL-4",)


def test_the_parts_of_an_item_are_what_its_findings_count_from() -> None:
    risk = Risk(key="DEL-29", parent_key="DEL-20", mitigation="weekly review")
    milestones = _milestones((date(2026, 3, 1), True), (date(2027, 3, 1), False))
    inputs = _inputs([_jobs_target(), _strategy(), risk, *reversed(milestones)])
    assert inputs.parts["DEL-4"] == ("DEL-4", "DEL-3")  # a target and its indicator
    assert inputs.parts["DEL-20"] == ("DEL-20", "DEL-29", "DEL-31", "DEL-30")  # input order
    assert inputs.parts["DEL-2"] == ("DEL-2", "DEL-3")  # an outcome and its indicators
    assert inputs.targets["DEL-2"] == ("DEL-4",)
    schedule = inputs.schedules["DEL-20"]
    assert (schedule.total, schedule.done, schedule.due, schedule.met) == (2, 1, 1, 1)


def test_rollup_is_the_mean_rounded_down_and_at_most_the_lowest_plus_one() -> None:
    assert rollup([4, 4, 4, 1], 1, "down") == 2
    assert rollup([4, 3], 1, "down") == 3
    assert rollup([4, 3], 1, "nearest") == 3  # 3.5: halves round down
    assert rollup([4, 4, 3], 1, "nearest") == 4
    assert fmt(12_400.0) == "12,400" and fmt(62.5) == "62.5" and fmt(0.25) == "0.25"
    assert fmt(1_153_151.4) == "1,153,151" and fmt(14.25) == "14.2"


_RATED = st.lists(
    st.tuples(
        st.sampled_from(["DEL-7", "DEL-12", "DEL-30", "DEL-9"]), st.tuples(*[st.integers(1, 4)] * 5)
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda part: part[0],
)


@given(_RATED)
def test_the_five_rollups_of_an_item_are_each_judgements_rollup(
    parts: list[tuple[str, tuple[int, ...]]],
) -> None:
    inputs = _inputs([_jobs_target()])
    below = [
        (key, tuple((name, r, "") for name, r in zip(JUDGEMENTS, rs, strict=True)))
        for key, rs in parts
    ]
    rolled = rolled_up_all(below, "target", inputs)
    for index, name in enumerate(JUDGEMENTS):
        column = [(key, ratings[index]) for key, ratings in parts]
        assert rolled[index] == (name, *rolled_up(column, "target", inputs))
        assert rolled[index][1] == rollup([r for _, r in column], 1, "down")
    if len(parts) > 1:  # the weakest, the first key of equals, by its rating's words
        index = 0
        ratings = [r[index] for _, r in parts]
        low = min(ratings)
        first = min(key for key, r in parts if r[index] == low)
        words = LABELS[low]
        assert rolled[index][2] == f"{len(parts)} targets, the weakest {first}: {words}"
