"""Rule 8 triage: which problem-solving level each Red and Amber/Red item gets, and why."""

from __future__ import annotations

from datetime import date

from mappings.graph import Architecture
from mappings.model import BaseEntity, Indicator, Milestone, Outcome, Priority, Strategy, Target
from rules.base import RuleContext
from rules.judgements import judge
from rules.likelihood import assess
from rules.likelihood_config import LikelihoodConfig
from rules.model import JUDGEMENTS, Assessment, Rating
from rules.triage import triage
from tests.likelihood_cases import ae_summer_2002

TODAY = date(2026, 11, 22)


def _assessment(
    key: str, kind: str, rating: int, evidence: int = 2, previous: int | None = None
) -> Assessment:
    ratings = [rating, rating, rating, rating, evidence]
    return Assessment(
        key=key,
        kind=kind,
        assessed_on=TODAY,
        judgements=[judge(n, r, "evidence") for n, r in zip(JUDGEMENTS, ratings, strict=True)],
        likelihood=Rating(rating),
        previous=None if previous is None else Rating(previous),
    )


def _portfolio(priorities: int = 1, targets_per_outcome: int = 1) -> Architecture:
    """Priorities P-n → O-n → I-n → targets T-n-m, one strategy S-n driving them, one overdue
    milestone on it."""
    entities: list[BaseEntity] = []
    for n in range(priorities):
        targets = [f"T-{n}-{m}" for m in range(targets_per_outcome + n)]
        entities += [
            Priority(key=f"P-{n}"),
            Outcome(key=f"O-{n}", parent_key=f"P-{n}"),
            Indicator(key=f"I-{n}", parent_key=f"O-{n}"),
            *(Target(key=t, parent_key=f"I-{n}") for t in targets),
            Strategy(key=f"S-{n}", drives=targets),
            Milestone(key=f"M-{n}", parent_key=f"S-{n}", due=date(2026, 9, 30)),
        ]
    return Architecture(entities)


def _triage(
    arch: Architecture, *assessments: Assessment, **config: object
) -> dict[str, Assessment]:
    return triage(
        arch,
        {a.key: a for a in assessments},
        RuleContext(today=TODAY),
        LikelihoodConfig.model_validate(config),
    )


def test_amber_red_on_trajectory_gets_a_timely_nudge() -> None:
    arch = Architecture(
        [Priority(key="P-0"), Outcome(key="O-0", parent_key="P-0"), Target(key="T-0")]
    )
    found = _triage(arch, _assessment("T-0", "target", 2, evidence=3))["T-0"]
    assert found.problem_level == 1
    assert found.problem_reason == (
        "Level 1, timely nudge: delivery is off track, root cause and solution relatively "
        "clear; Amber/Red; evidence of progress Amber/Green"
    )


def test_amber_red_behind_or_slipping_gets_standard_problem_solving() -> None:
    arch = _portfolio()
    found = _triage(
        arch,
        _assessment("T-0-0", "target", 2, evidence=2),
        _assessment("S-0", "strategy", 2, evidence=3),
    )
    assert found["T-0-0"].problem_level == 2
    assert found["S-0"].problem_level == 2
    assert found["S-0"].problem_reason is not None
    assert found["S-0"].problem_reason.endswith("1 milestone overdue")


def test_amber_red_again_with_milestones_slipping_gets_an_intensive_drive() -> None:
    found = _triage(_portfolio(), _assessment("S-0", "strategy", 2, evidence=3, previous=2))
    assert found["S-0"].problem_level == 3
    assert "already 2 - Amber/Red at the last assessment" in (found["S-0"].problem_reason or "")


def test_red_is_standard_problem_solving_first_then_intensive_when_it_persists() -> None:
    arch = _portfolio()
    first = _triage(arch, _assessment("T-0-0", "target", 1))["T-0-0"]
    assert first.problem_level == 2
    again = _triage(arch, _assessment("T-0-0", "target", 1, previous=1))["T-0-0"]
    assert again.problem_level == 3
    salient = _triage(_portfolio(targets_per_outcome=3), _assessment("O-0", "outcome", 1))
    assert salient["O-0"].problem_level == 3
    assert "reaches 3 targets" in (salient["O-0"].problem_reason or "")


def test_crisis_management_is_kept_for_the_top_one_or_two_of_the_portfolio() -> None:
    arch = _portfolio(priorities=3)
    reds = [_assessment(f"P-{n}", "priority", 1, previous=1) for n in range(3)]
    found = _triage(arch, *reds)
    # P-2 reaches 3 targets, P-1 two, P-0 one: the two widest are the crises.
    assert [found[f"P-{n}"].problem_level for n in range(3)] == [3, 4, 4]
    assert (found["P-2"].problem_reason or "").startswith(
        "Level 4, crisis management: one of the top 2 challenges in the system; cause and "
        "solution not clear, even after standard problem solving; severely affecting delivery; Red"
    )
    one = _triage(arch, *reds, crisis_max=1)
    assert [one[f"P-{n}"].problem_level for n in range(3)] == [3, 3, 4]
    none = _triage(arch, *reds, crisis_max=0)
    assert {a.problem_level for a in none.values()} == {3}


def test_better_rated_items_get_no_level() -> None:
    found = _triage(
        _portfolio(), _assessment("T-0-0", "target", 3), _assessment("S-0", "strategy", 4)
    )
    assert all(a.problem_level is None and a.problem_reason is None for a in found.values())


def test_assess_triages_the_ae_case_as_a_crisis_when_standard_levels_have_not_helped() -> None:
    case = ae_summer_2002(previous=Rating.AMBER_RED)
    judged = assess(case.arch, [], case.ctx)
    assert judged["AE-1"].problem_level == 4  # the priority: Red, persistent and salient
    assert judged["AE-4"].problem_level == 3
    assert judged["AE-5"].problem_level == 2  # no previous rating: first standard problem solving
    fresh = assess(case.arch, [], ae_summer_2002().ctx)
    assert fresh["AE-1"].problem_level == 3


def test_amber_red_still_there_after_a_period_of_standard_problem_solving_is_level_3() -> None:
    # On trajectory and nothing overdue: only the persistence says standard problem solving
    # has not turned it round.
    arch = Architecture([Target(key="T-0")])
    found = _triage(arch, _assessment("T-0", "target", 2, evidence=3, previous=2))["T-0"]
    assert found.problem_level == 3
    assert found.problem_reason == (
        "Level 3, intensive problem-solving drive: cause and solution not clear, even after "
        "standard problem solving; Amber/Red; evidence of progress Amber/Green; already "
        "2 - Amber/Red at the last assessment"
    )
    red_before = _triage(arch, _assessment("T-0", "target", 2, evidence=3, previous=1))["T-0"]
    assert red_before.problem_level == 3
    better_before = _triage(arch, _assessment("T-0", "target", 2, evidence=3, previous=3))
    assert better_before["T-0"].problem_level == 1


def test_a_salient_amber_red_item_is_level_3_and_a_salient_amber_green_one_is_not_triaged() -> None:
    arch = Architecture([Target(key="T-0", salient=True), Target(key="T-1", salient=True)])
    found = _triage(
        arch, _assessment("T-0", "target", 2, evidence=3), _assessment("T-1", "target", 3)
    )
    assert found["T-0"].problem_level == 3
    assert found["T-0"].problem_reason == (
        "Level 3, intensive problem-solving drive: politically salient factors in play; "
        "Amber/Red; evidence of progress Amber/Green; marked politically salient"
    )
    assert found["T-1"].problem_level is None
    red = _triage(arch, _assessment("T-0", "target", 1))["T-0"]
    assert red.problem_level == 3  # a first-time Red, salient: no standard level first


def test_level_4_is_the_top_two_challenges_of_the_whole_portfolio_one_per_challenge() -> None:
    entities: list[BaseEntity] = [
        Priority(key="P-0"),
        Outcome(key="O-0", parent_key="P-0"),
        Priority(key="P-1"),
        Priority(key="P-2"),
        Target(key="T-9", salient=True),
    ]
    arch = Architecture(entities)
    reds = [
        _assessment(key, kind, 1, previous=1)
        for key, kind in (("P-0", "priority"), ("O-0", "outcome"), ("P-1", "priority"))
    ]
    reds += [_assessment("P-2", "priority", 1), _assessment("T-9", "target", 1, previous=2)]
    found = _triage(arch, *reds)
    levels = {key: a.problem_level for key, a in found.items()}
    # T-9 is marked salient: first. P-0 and its outcome O-0 are one challenge: P-0 (a
    # priority) stands for it. P-1 is a third: level 3. P-2 is Red for the first time.
    assert levels == {"T-9": 4, "P-0": 4, "O-0": 3, "P-1": 3, "P-2": 3}
    assert sum(level == 4 for level in levels.values()) == 2
    alone = _triage(arch, *reds, crisis_max=1)
    assert [k for k, a in alone.items() if a.problem_level == 4] == ["T-9"]


def test_assess_reads_salience_from_the_entity() -> None:
    case = ae_summer_2002()
    key = "AE-5"  # Red for the first time: standard problem solving first
    assert assess(case.arch, [], case.ctx)[key].problem_level == 2
    entities = case.arch.entities.values()
    marked = Architecture(
        [e.model_copy(update={"salient": True}) if e.key == key else e for e in entities],
        measurements=[m for series in case.arch.measurements.values() for m in series],
    )
    found = assess(marked, [], case.ctx)[key]
    assert found.problem_level == 3
    assert "politically salient factors in play" in (found.problem_reason or "")
