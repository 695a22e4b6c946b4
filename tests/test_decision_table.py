"""The decision table (issue 18): every combination, the issue's failing cases, and properties
of whole portfolios (stage never lifts Red evidence, a missed target is Red, early Green)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.graph import Architecture
from mappings.model import Measurement, Milestone, Person, Target, TrajectoryPoint
from rules.base import RuleContext
from rules.config import RulesConfig
from rules.decision_table import MISSED, MISSED_WITHIN, ROWS, decide
from rules.engine import run_rules
from rules.judgements import CHALLENGE, EVIDENCE
from rules.likelihood import assess
from rules.model import JUDGEMENTS, Assessment, Rating
from tests.likelihood_cases import _plan, _strategy
from tests.test_likelihood import PROPERTY, TODAY, Portfolio, _assess, portfolios

ALL = list(itertools.product((1, 2, 3, 4), repeat=5))
_S, _E = JUDGEMENTS.index("Stage of delivery"), JUDGEMENTS.index(EVIDENCE)
WORDS = {
    1: "highly problematic, requires urgent and decisive action",
    2: "problematic, requires substantial attention, some aspects need urgent attention",
    3: "mixed, aspect(s) require substantial attention, some good",
    4: "good, requires refinement and systematic implementation",
}


# -- the table itself, every combination ----------------------------------------------------


def test_a_better_judgement_or_more_time_never_lowers_the_row_of_any_combination() -> None:
    for ratings, late in itertools.product(ALL, (False, True)):
        row = decide(ratings, late)
        if late:
            assert decide(ratings, False).rating >= row.rating, ratings
        for index in range(5):
            if ratings[index] < 4:
                better = (*ratings[:index], ratings[index] + 1, *ratings[index + 1 :])
                assert decide(better, late).rating >= row.rating, (ratings, index, late)


def test_every_row_is_reached_and_says_the_manuals_words_for_its_rating() -> None:
    reached = {decide(r, late).id for r in ALL for late in (False, True)}
    reached |= {decide(ALL[0], False, MISSED).id, decide(ALL[0], False, MISSED_WITHIN).id}
    assert reached == set(ROWS)
    for row in ROWS.values():
        assert row.words.endswith(WORDS[row.rating]), row.id


def test_stage_never_raises_a_rating_whose_evidence_is_red() -> None:
    for ratings, late in itertools.product(ALL, (False, True)):
        if ratings[_E] != 1:
            continue
        rated = {
            decide((*ratings[:_S], stage, *ratings[_S + 1 :]), late).rating
            for stage in (1, 2, 3, 4)
        }
        assert rated == {1} if late else rated <= {1, 2}, (ratings, late)
        assert len(rated) == 1, ratings  # the stage is not read at all


def test_a_passed_unmet_date_is_red_beyond_the_tolerance_and_amber_red_within_it() -> None:
    for ratings in ALL:
        assert decide(ratings, True, MISSED)[:2] == ("M1", 1)
        assert decide(ratings, True, MISSED_WITHIN)[:2] == ("M2", 2)


def test_the_issues_combinations() -> None:
    assert decide((4, 3, 4, 4, 4), False)[:2] == ("G1", 4)  # was Amber/Green
    assert decide((4, 4, 4, 3, 4), False)[:2] == ("G1", 4)  # early's Stage ceiling of 3
    assert decide((3, 2, 4, 4, 4), False)[:2] == ("B1", 3)  # was Amber/Red
    assert decide((1, 4, 4, 4, 1), True)[:2] == ("L1", 1)  # late, Red evidence: was 2


# -- the issue's cases, as portfolios --------------------------------------------------------

LEAD = Person(id="557058:lead", name="Ada Lead")


def _case(
    today: date,
    start: date,
    end: date,
    values: list[tuple[date, float]],
    milestones: list[tuple[date, bool]],
) -> dict[str, Assessment]:
    """A target from 0 to 100 between `start` and `end` on a straight trajectory (a point a
    year), its
    measurements, and one strategy with its milestones: assessed on `today` with every rule."""
    yearly = [date(year, start.month, start.day) for year in range(start.year + 1, end.year)]
    points = [TrajectoryPoint(at=at, value=_planned(start, end, at)) for at in yearly if at < end]
    target = Target(
        key="",
        name="The target",
        baseline_value=0,
        baseline_date=start,
        target_value=100,
        target_date=end,
        trajectory=points,
    )
    strategy = _strategy("The strategy", LEAD, start, end, "Department → regions → sites")
    named = [(f"Milestone {n}", due, done) for n, (due, done) in enumerate(milestones)]
    entities = _plan("X", ("Priority", "Outcome", "Indicator (%)"), LEAD, target, strategy, named)
    series = [Measurement(indicator_key="X-3", at=at, value=v) for at, v in values]
    arch = Architecture(entities, series)
    ctx = RuleContext(today=today)
    return assess(arch, run_rules(arch, RulesConfig(), ctx), ctx)


def _monthly(first: date, last: date, value_on: object) -> list[tuple[date, float]]:
    days = range(0, (last - first).days + 1, 30)
    return [(first + timedelta(days=d), value_on(first + timedelta(days=d))) for d in days]  # type: ignore[operator]


def _planned(start: date, end: date, on: date) -> float:
    return 100 * (on - start).days / (end - start).days


def test_late_and_far_from_target_is_red_however_well_the_milestones_keep_to_schedule() -> None:
    start, end = date(2024, 1, 1), date(2026, 12, 31)
    today = end - timedelta(days=45)
    quarter = _monthly(start, today - timedelta(days=20), lambda on: _planned(start, end, on) / 4)
    on_schedule = [(date(2024, 6, 30), True), (date(2025, 6, 30), True), (date(2026, 6, 30), True)]
    judged = _case(today, start, end, quarter, [*on_schedule, (end, False)])
    stage = judged["X-4"].judged[_S]
    assert stage[1] == 4 and "late implementation" in judged["X-5"].judged[_S][2]
    assert judged["X-4"].judged[_E][1] == 1  # a quarter of the planned gain
    assert (judged["X-4"].likelihood, judged["X-4"].row) == (Rating.RED, "L1")


def test_a_target_whose_date_passed_unmet_is_red_with_every_milestone_done() -> None:
    start, end = date(2023, 1, 1), date(2025, 12, 31)
    today = date(2026, 2, 1)
    short = _monthly(start, end, lambda on: _planned(start, end, on) * 0.7)
    done = [(date(2023, 6, 30), True), (date(2024, 6, 30), True), (date(2025, 6, 30), True)]
    judged = _case(today, start, end, short, done)
    assert "conclusion" in judged["X-5"].judged[_S][2]
    assert (judged["X-4"].likelihood, judged["X-4"].row) == (Rating.RED, "M1")
    within = _monthly(start, end, lambda on: _planned(start, end, on) * 0.95)
    judged = _case(today, start, end, within, done)
    assert (judged["X-4"].likelihood, judged["X-4"].row) == (Rating.AMBER_RED, "M2")
    assert "missed within the tolerance: 94% of the gain planned" in judged["X-4"].judged[_E][2]


def test_strong_numbers_and_plan_with_one_of_five_milestones_done_are_green() -> None:
    start, end = date(2026, 1, 1), date(2030, 12, 31)
    today = date(2026, 11, 22)
    ahead = _monthly(start, today - timedelta(days=10), lambda on: _planned(start, end, on) + 0.5)
    dues = [date(2026, 6, 30), date(2027, 6, 30), date(2028, 6, 30), date(2029, 6, 30), end]
    judged = _case(today, start, end, ahead, [(due, n == 0) for n, due in enumerate(dues)])
    strategy, target = judged["X-5"], judged["X-4"]
    assert "early implementation" in strategy.judged[_S][2] and strategy.judged[_S][1] == 3
    assert (target.likelihood, target.row) == (Rating.GREEN, "G1")  # the mean gave 3
    assert strategy.likelihood == Rating.GREEN


def test_a_back_loaded_trajectory_on_plan_is_judged_against_the_plan_too() -> None:
    """Flat for two years, then the gain: history alone (no progress) says Red; the plan
    foresees the step-up, so one level up."""
    start, end = date(2024, 1, 1), date(2028, 1, 1)
    target = Target(
        key="",
        name="Back-loaded",
        baseline_value=0,
        baseline_date=start,
        target_value=100,
        target_date=end,
        trajectory=[TrajectoryPoint(at=date(2026, 1, 1), value=4)],
    )
    today = date(2025, 12, 20)
    on_plan = _monthly(
        start, today, lambda on: 4 * (on - start).days / (date(2026, 1, 1) - start).days
    )
    strategy = _strategy("The strategy", LEAD, start, end, "Department → sites")
    entities = _plan("B", ("P", "O", "I (%)"), LEAD, target, strategy, [("M", end, False)])
    arch = Architecture(
        entities, [Measurement(indicator_key="B-3", at=a, value=v) for a, v in on_plan]
    )
    ctx = RuleContext(today=today)
    challenge = assess(arch, [], ctx)["B-4"].judged[0]
    assert challenge[0] == CHALLENGE
    assert challenge[1] == 2, challenge[2]  # history alone: 1 (needs about 24 times its pace)
    assert "its trajectory steps up" in challenge[2] and "one level up" in challenge[2]


# -- properties of whole portfolios ------------------------------------------------------------


@PROPERTY
@given(portfolios())
def test_no_item_whose_evidence_is_red_is_lifted_by_its_stage(portfolio: Portfolio) -> None:
    for a in _assess(portfolio).values():
        ratings = tuple(rating for _, rating, _ in a.judged)
        if ratings[_E] != 1 or a.row in ("M1", "M2"):
            continue
        assert a.likelihood <= Rating.AMBER_RED, a.key
        late = a.row == "L1"
        for stage in (1, 2, 3, 4):
            assert decide((*ratings[:_S], stage, *ratings[_S + 1 :]), late).rating == (
                decide(ratings, late).rating
            )


@st.composite
def missed(draw: st.DrawFn) -> Portfolio:
    """A portfolio whose first target's date has passed with no gain at all, or none measured,
    and every milestone done."""
    entities, measurements, findings = draw(portfolios())
    passed = TODAY - timedelta(days=draw(st.integers(1, 400)))
    changed = []
    for e in entities:
        if isinstance(e, Target) and e.key == "T-0-0":
            e = e.model_copy(
                update={"target_date": passed, "baseline_date": passed - timedelta(days=900)}
            )
        if isinstance(e, Milestone):
            e = e.model_copy(update={"done": True})
        changed.append(e)
    base = next(e for e in changed if e.key == "T-0-0").baseline_value  # type: ignore[attr-defined]
    kept = [m for m in measurements if m.indicator_key != "I-0"]
    flat = draw(st.booleans())
    if flat:
        kept += [
            Measurement(indicator_key="I-0", at=passed - timedelta(days=d), value=base)
            for d in (0, 60)
        ]
    return changed, kept, findings


@PROPERTY
@given(missed())
def test_a_target_past_its_date_and_unmet_is_red(portfolio: Portfolio) -> None:
    judged = _assess(portfolio)
    target = judged["T-0-0"]
    assert (target.likelihood, target.row) == (Rating.RED, "M1"), target.rationale_lines


@settings(max_examples=60, deadline=None)
@given(
    st.integers(70, 450),  # days since the baseline: two measurements, under 40% of its time
    st.integers(1200, 2500),  # days from the baseline to the target date
    st.integers(0, 40),  # ahead of the plan, in hundredths of a point
    st.sampled_from(
        [[True, False, False, False, False], [False, False, False], [True, False, False]]
    ),
)
def test_a_passing_early_stage_plan_can_be_green(
    elapsed: int, length: int, ahead: int, done: list[bool]
) -> None:
    start = TODAY - timedelta(days=elapsed)
    end = start + timedelta(days=length)
    values = _monthly(
        start, TODAY - timedelta(days=5), lambda on: _planned(start, end, on) + ahead / 100
    )
    step = length // (len(done) + 1)
    dues = [start + timedelta(days=step * (n + 1)) for n in range(len(done))]
    first_due_done = [(due, flag or due <= TODAY) for due, flag in zip(dues, done, strict=True)]
    judged = _case(TODAY, start, end, values, first_due_done)
    target = judged["X-4"]
    assert judged["X-5"].judged[_S][1] <= 3  # early: the Stage ceiling
    assert (target.likelihood, target.row) == (Rating.GREEN, "G1"), target.rationale_lines
