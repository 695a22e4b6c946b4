"""Likelihood of delivery: the manual's worked cases, the combination rule, rollups, properties."""

from __future__ import annotations

import dataclasses
import gc
import json
import random
import re
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from mappings.graph import Architecture
from mappings.model import (
    BaseEntity,
    Direction,
    Indicator,
    Measurement,
    Milestone,
    Outcome,
    Person,
    Priority,
    Risk,
    Strategy,
    Target,
)
from rules.base import RuleContext
from rules.config import RulesConfig
from rules.engine import run_rules
from rules.judgements import EVIDENCE, judge
from rules.levers import Levers
from rules.likelihood import assess, combine, settle
from rules.likelihood_config import LikelihoodConfig
from rules.model import JUDGEMENTS, Assessment, Finding, Judgement, Rating, Severity
from rules.tickets import Tickets
from rules.writeback_text import gaps_text, rationale_text
from tests.likelihood_cases import Case, ae_summer_2002, demo, kentucky_2014, punjab_2016


def _judged(case: Case, extra: Sequence[Finding] = (), **config: object) -> dict[str, Assessment]:
    findings = run_rules(case.arch, RulesConfig(), case.ctx) + list(extra)
    return assess(case.arch, findings, case.ctx, LikelihoodConfig.model_validate(config))


def _rating(assessment: Assessment, name: str) -> int:
    return next(int(j.rating) for j in assessment.judgements if j.name == name)


# -- the manual's worked cases ---------------------------------------------------------------


def test_uk_ae_in_summer_2002_is_red_with_evidence_of_progress_1() -> None:
    judged = _judged(ae_summer_2002())
    target = judged["AE-4"]
    assert (target.likelihood, target.row) == (Rating.RED, "R1")  # as before the table
    assert _rating(target, EVIDENCE) == 1
    evidence = next(j for j in target.judgements if j.name == EVIDENCE)
    assert evidence.rationale == (
        "latest 20% on 2002-07-28 against 14.2% planned: 15% of the planned gain"
    )
    # One Red target cannot vanish on the way up: the whole A&E priority is Red or Amber/Red.
    assert judged["AE-2"].likelihood <= Rating.AMBER_RED
    assert judged["AE-1"].likelihood <= Rating.AMBER_RED


def test_punjab_on_trajectory_is_amber_green_or_green() -> None:
    judged = _judged(punjab_2016())
    assert (judged["PB-4"].likelihood, judged["PB-4"].row) == (Rating.GREEN, "G1")
    assert (judged["PB-5"].likelihood, judged["PB-5"].row) == (Rating.GREEN, "G1")
    assert _rating(judged["PB-4"], EVIDENCE) == 4
    assert judged["PB-4"].problem_level is None


def test_kentucky_steady_gains_is_at_least_amber_green() -> None:
    judged = _judged(kentucky_2014())
    assert (judged["KY-4"].likelihood, judged["KY-4"].row) == (Rating.GREEN, "G1")
    assert judged["KY-1"].likelihood == Rating.GREEN
    challenge = judged["KY-4"].judgements[0]
    assert challenge.rationale == (
        "needs a rise of 6.02 points a year to reach 67% by 2015-06-30, 0.7 times the pace of "
        "the 4 measurements since 2011-09-30 (rise of 8.05 points a year)"
    )


# -- the combination rule --------------------------------------------------------------------


def _five(*ratings: int) -> list[Judgement]:
    return [judge(name, r, "quoted evidence") for name, r in zip(JUDGEMENTS, ratings, strict=True)]


def test_one_amber_green_among_greens_is_green_by_a_row_that_says_so() -> None:
    row = combine(_five(4, 3, 4, 3, 4))  # the weighted mean 3.67 rounded down gave 3
    assert (row.id, row.rating) == ("G1", Rating.GREEN)
    assert row.words.endswith("good, requires refinement and systematic implementation")
    two = combine(_five(3, 3, 4, 4, 4))  # two of challenge, planning, capacity below Green
    assert (two.id, two.rating) == ("B1", Rating.AMBER_GREEN)
    assert settle(row.rating, []) == (Rating.GREEN, [])


def test_the_likelihood_never_exceeds_what_the_worst_evidence_supports() -> None:
    row = combine(_five(4, 4, 4, 4, 1))
    assert (row.id, row.rating) == ("R2", Rating.AMBER_RED)  # early: time to turn it round
    assert combine(_five(4, 4, 4, 4, 1), late=True)[:2] == ("L1", Rating.RED)
    row = combine(_five(4, 4, 1, 4, 4))
    assert (row.id, row.rating) == ("A1", Rating.AMBER_RED)  # no watermelon
    assert "some aspects need urgent attention" in row.words


def test_an_error_finding_caps_the_item_and_its_strategy_caps_the_target() -> None:
    owners = Finding(
        code="RD108",
        name="owner-multiple",
        severity=Severity.ERROR,
        key="PB-5",
        message="PB-5 has 2 accountable owners",
        fix="Keep one person in 'Accountable owner'.",
    )
    judged = _judged(punjab_2016(), [owners])
    assert judged["PB-5"].likelihood == Rating.AMBER_RED
    assert "at 2 - Amber/Red: error finding RD108 owner-multiple on PB-5" in judged["PB-5"].caps
    assert judged["PB-4"].likelihood == Rating.AMBER_GREEN
    assert list(judged["PB-4"].caps) == [
        "at 3 - Amber/Green: driving strategy PB-5 is rated 2 - Amber/Red"
    ]
    red = _judged(punjab_2016(), [owners], error_cap=1)
    assert red["PB-5"].likelihood == Rating.RED
    assert red["PB-4"].likelihood == Rating.AMBER_RED  # a Red strategy caps what it drives


def test_one_red_target_cannot_vanish_in_the_average_of_an_outcome() -> None:
    case = punjab_2016()
    employment = Indicator(
        key="PB-8", name="Trainees employed within 6 months (%)", parent_key="PB-2", unit="%"
    )
    missed = Target(
        key="PB-9",
        name="Half of trainees employed within 6 months by mid-2016",
        parent_key="PB-8",
        baseline_value=20,
        baseline_date=date(2014, 6, 30),
        target_value=50,
        target_date=date(2016, 6, 30),
    )
    employed = [
        Measurement(indicator_key="PB-8", at=date(year, 12, 31), value=value)
        for year, value in ((2014, 21), (2015, 23), (2016, 24))
    ]
    entities = [*case.arch.entities.values(), employment, missed]
    arch = Architecture(entities, [*case.arch.series("PB-3"), *employed])
    judged = _judged(Case(arch, case.ctx, "PB-9", "PB-5"))
    assert judged["PB-9"].likelihood == Rating.RED
    assert judged["PB-4"].likelihood >= Rating.AMBER_GREEN
    outcome = judged["PB-2"]
    assert outcome.likelihood == Rating.AMBER_RED
    # The rolled-up evidence is Amber/Red (at most the lowest + 1) and so is the challenge:
    # the table's row gives 2 itself, and the caps of the items below allow no more.
    assert outcome.row == "A3" and outcome.caps == ()
    assert judged["PB-1"].likelihood <= Rating.AMBER_RED


def test_an_outcome_with_nothing_below_it_is_red_and_says_why() -> None:
    arch = Architecture([Priority(key="DEL-1"), Outcome(key="DEL-2", parent_key="DEL-1")])
    judged = assess(arch, [], RuleContext(today=date(2026, 11, 22)))
    assert judged["DEL-2"].likelihood == Rating.RED
    assert judged["DEL-2"].rationale_lines[0] == (
        "Degree of the challenge: 1 - nothing below it to judge by: no target, strategy or outcome"
    )
    assert judged["DEL-1"].likelihood == Rating.RED


def test_previous_and_team_ratings_are_carried_on_the_assessment() -> None:
    case = ae_summer_2002(previous=Rating.AMBER_GREEN)
    entities = [
        e.model_copy(update={"team_rating": 4}) if e.key == "AE-4" else e
        for e in case.arch.entities.values()
    ]
    arch = Architecture(entities, case.arch.series("AE-3"))
    judged = assess(arch, [], case.ctx)
    assert judged["AE-4"].previous == Rating.AMBER_GREEN
    assert judged["AE-4"].team_rating == Rating.GREEN
    assert judged["AE-5"].previous is None and judged["AE-5"].team_rating is None
    assert list(judged) == sorted(judged)
    assert {a.kind for a in judged.values()} == {"priority", "outcome", "target", "strategy"}


def test_an_assessment_reads_and_writes_its_judgements_as_json_objects() -> None:
    kept = _judged(punjab_2016())["PB-4"]
    body = json.loads(kept.model_dump_json())
    assert "judged" not in body
    assert [j["name"] for j in body["judgements"]] == list(JUDGEMENTS)
    assert set(body["judgements"][0]) == {"name", "rating", "rationale"}
    assert Assessment.model_validate_json(kept.model_dump_json()) == kept
    evidence = kept.judgements[4]
    assert evidence.name == EVIDENCE and evidence.rating.label in {"Amber/Green", "Green"}


def test_an_assessment_made_without_validation_is_what_validation_makes() -> None:
    """`assess` makes its assessments with `Assessment.trusted`: the values must be those, and
    of the types, that validating the same fields gives."""
    judged = _judged(ae_summer_2002())
    assert any(a.problem_level for a in judged.values())  # triaged ones too
    for made in judged.values():
        checked = Assessment.model_validate(made.model_dump())
        assert checked == made
        for name in Assessment.model_fields:
            assert type(getattr(checked, name)) is type(getattr(made, name)), (made.key, name)
        assert checked.model_dump_json() == made.model_dump_json()


def test_the_assessments_of_a_run_share_one_table_of_field_names() -> None:
    """30,000 assessments at 100,000 entities: a dict of its own apiece was 6 MB more of the
    judging's peak than a row of values each beside one shared table of the names."""
    judged = list(_judged(ae_summer_2002()).values())
    for made in judged:
        alone = dict(made.__dict__)  # the same fields and values, in a dict of its own
        assert made.__dict__ == alone and list(made.__dict__) == list(Assessment.model_fields)
        assert sys.getsizeof(made.__dict__) < sys.getsizeof(alone), made.key


def test_a_run_keeps_its_judgements_where_the_cyclic_gc_does_not_walk_them() -> None:
    """A 100,000-entity portfolio has 145,000 judgements; tracked, they cost a full collection
    a run (benchmarks/bench_assess.py). Plain tuples of str and int are untracked."""
    judged = _judged(kentucky_2014())
    gc.collect()  # untracks the tuples whose items are untracked; an outer tuple visited
    gc.collect()  # before its items in the first pass is untracked in the second
    for assessment in judged.values():
        assert not gc.is_tracked(assessment.judged), assessment.key
        assert not gc.is_tracked(assessment.caps), assessment.key


def test_the_config_forbids_unknown_keys_and_disordered_bands() -> None:
    with pytest.raises(ValidationError, match="extra"):
        LikelihoodConfig.model_validate({"evidence_weight": 2})
    with pytest.raises(ValidationError, match="green <= amber_green"):
        LikelihoodConfig.model_validate(
            {"challenge": {"green": 2, "amber_green": 1.5, "amber_red": 3}}
        )
    with pytest.raises(ValidationError, match="must not fall"):
        LikelihoodConfig.model_validate({"stage_ceilings": {"late_implementation": 2}})
    with pytest.raises(ValidationError, match="less than or equal to 2"):
        LikelihoodConfig.model_validate({"no_data_rating": 3})  # missing evidence is never good
    with pytest.raises(ValidationError, match="weights, worst_margin: no longer used"):
        LikelihoodConfig.model_validate({"weights": {"evidence": 2.0}, "worst_margin": 1})
    with pytest.raises(ValidationError, match="less than 1"):
        LikelihoodConfig.model_validate({"late_share": 1})


# -- properties --------------------------------------------------------------------------------

TODAY = date(2026, 11, 22)
PEOPLE = [Person(id=f"557058:p{n}", name=f"Lead {n}") for n in range(3)]
FINDINGS = [
    ("RD108", "owner-multiple", Severity.ERROR),
    ("RD203", "target-without-baseline", Severity.ERROR),
    ("RD309", "target-without-trajectory", Severity.WARNING),
    ("RD205", "indicator-stale", Severity.WARNING),
    ("RD402", "off-trajectory", Severity.WARNING),
    ("RD307", "strategy-without-risks", Severity.INFO),
]
Portfolio = tuple[list[BaseEntity], list[Measurement], list[Finding]]


def _days(draw: st.DrawFn, low: int, high: int) -> date:
    return TODAY + timedelta(days=draw(st.integers(low, high)))


@st.composite
def portfolios(draw: st.DrawFn) -> Portfolio:
    """A priority with 1-2 outcomes, their targets, 0-3 strategies with milestones, findings."""
    entities: list[BaseEntity] = [Priority(key="P-1", owners=[PEOPLE[0]])]
    measurements: list[Measurement] = []
    targets: list[str] = []
    for o in range(draw(st.integers(1, 2))):
        entities += [
            Outcome(key=f"O-{o}", parent_key="P-1", owners=[PEOPLE[o]]),
            Indicator(key=f"I-{o}", parent_key=f"O-{o}", data_source="returns"),
        ]
        direction = draw(st.sampled_from([Direction.INCREASE, Direction.DECREASE, None]))
        sign = -1 if direction == Direction.DECREASE else 1
        base = draw(st.integers(0, 1000))
        for t in range(draw(st.integers(1, 2))):
            targets.append(f"T-{o}-{t}")
            entities.append(
                Target(
                    key=f"T-{o}-{t}",
                    parent_key=f"I-{o}",
                    baseline_value=base,
                    baseline_date=_days(draw, -1500, -100),
                    target_value=base + sign * draw(st.integers(1, 500)),
                    target_date=_days(draw, -200, 1500),
                    direction=direction,
                )
            )
        offsets = draw(st.lists(st.integers(0, 1200), max_size=8, unique=True))
        measurements += [
            Measurement(
                indicator_key=f"I-{o}",
                at=TODAY - timedelta(days=d),
                value=draw(st.integers(base - 600, base + 600)),
            )
            for d in offsets
        ]
    outcomes = [e.key for e in entities if isinstance(e, Outcome)]
    for s in range(draw(st.integers(0, 3))):
        entities += _strategy(draw, f"S-{s}", targets + outcomes)
    keys = [e.key for e in entities]
    findings = draw(st.lists(_findings(keys), max_size=6))
    return entities, measurements, findings


def _strategy(draw: st.DrawFn, key: str, drivable: list[str]) -> list[BaseEntity]:
    found: list[BaseEntity] = [
        Strategy(
            key=key,
            drives=draw(st.lists(st.sampled_from(drivable), max_size=3, unique=True)),
            owners=draw(st.lists(st.sampled_from(PEOPLE), max_size=2, unique_by=lambda p: p.id)),
            start_date=draw(st.none() | st.just(_days(draw, -900, 100))),
            end_date=draw(st.none() | st.just(_days(draw, -100, 1200))),
            delivery_chain=draw(st.sampled_from([None, "Department → districts → schools"])),
            resources=draw(st.sampled_from([None, "Programme team of 6"])),
            difficulty=draw(st.none() | st.integers(1, 4)),
        ),
        Risk(key=f"{key}-R", parent_key=key, mitigation="weekly check"),
    ]
    for m in range(draw(st.integers(0, 4))):
        due = draw(st.none() | st.just(_days(draw, -400, 400)))
        found.append(
            Milestone(key=f"{key}-M{m}", parent_key=key, due=due, done=draw(st.booleans()))
        )
    return found


def _findings(keys: list[str]) -> st.SearchStrategy[Finding]:
    return st.builds(
        lambda spec, key: Finding(
            code=spec[0], name=spec[1], severity=spec[2], key=key, message="m", fix="f"
        ),
        st.sampled_from(FINDINGS),
        st.sampled_from(keys),
    )


def _assess(portfolio: Portfolio) -> dict[str, Assessment]:
    entities, measurements, findings = portfolio
    arch = Architecture(entities, measurements)
    return assess(arch, findings, RuleContext(today=TODAY))


def _never_lower(before: dict[str, Assessment], after: dict[str, Assessment]) -> None:
    assert before.keys() == after.keys()
    for key, was in before.items():
        assert after[key].likelihood >= was.likelihood, (
            key,
            was.rationale_lines,
            after[key].rationale_lines,
        )


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(portfolios(), st.data())
def test_better_evidence_never_lowers_a_rating(portfolio: Portfolio, data: st.DataObject) -> None:
    entities, measurements, findings = portfolio
    before = _assess(portfolio)
    better_measurements = list(measurements)
    for indicator in {m.indicator_key for m in measurements}:
        series = [m for m in measurements if m.indicator_key == indicator]
        latest = max(series, key=lambda m: m.at)
        target = next(e for e in entities if isinstance(e, Target) and e.parent_key == indicator)
        sign = -1 if target.direction == Direction.DECREASE else 1
        gain = data.draw(st.integers(0, 800))
        index = better_measurements.index(latest)
        better_measurements[index] = dataclasses.replace(latest, value=latest.value + sign * gain)
    done = [
        e.model_copy(update={"done": True})
        if isinstance(e, Milestone) and data.draw(st.booleans())
        else e
        for e in entities
    ]
    fixed = [f for f in findings if data.draw(st.booleans())]
    _never_lower(before, _assess((done, better_measurements, fixed)))


@PROPERTY
@given(portfolios(), st.data())
def test_an_added_finding_never_raises_a_rating(portfolio: Portfolio, data: st.DataObject) -> None:
    entities, measurements, findings = portfolio
    before = _assess(portfolio)
    added = data.draw(_findings([e.key for e in entities]))
    after = _assess((entities, measurements, [*findings, added]))
    for key, was in before.items():
        assert after[key].likelihood <= was.likelihood, key


@settings(max_examples=60, deadline=None)
@given(portfolios(), st.randoms(use_true_random=False))
def test_the_same_inputs_always_give_the_same_rating_and_text(
    portfolio: Portfolio, rnd: random.Random
) -> None:
    entities, measurements, findings = portfolio
    first = _assess(portfolio)
    shuffled = (rnd.sample(entities, len(entities)), rnd.sample(measurements, len(measurements)))
    again = _assess((*shuffled, rnd.sample(findings, len(findings))))
    assert first == again
    arch = Architecture(entities, measurements)
    tickets = Tickets(arch, findings, first)
    shuffled_tickets = Tickets(arch, list(reversed(findings)), again)
    levers, shuffled_levers = Levers(tickets), Levers(shuffled_tickets)
    for key, assessment in first.items():
        text = rationale_text(assessment, levers.lines(key))
        assert text == rationale_text(again[key], shuffled_levers.lines(key))
        assert gaps_text(key, tickets) == gaps_text(key, shuffled_tickets)


# -- the worked example of docs/likelihood.md --------------------------------------------------

DOCS = Path(__file__).parent.parent / "docs" / "likelihood.md"
_BLOCK = re.compile(r"<!-- demo: (\S+) -->\n```text\n(.*?)\n```", re.DOTALL)


def test_the_worked_example_in_the_docs_is_what_the_demo_portfolio_gives() -> None:
    blocks = dict(_BLOCK.findall(DOCS.read_text(encoding="utf-8")))
    assert set(blocks) == {"P1-O1-I1-T1", "S2", "P1-O1", "P1"}
    case = demo()
    findings = run_rules(case.arch, RulesConfig(), case.ctx)
    judged = assess(case.arch, findings, case.ctx)
    levers = Levers(Tickets(case.arch, findings, judged))
    for key, text in blocks.items():
        written = rationale_text(judged[key], levers.lines(key))  # as the ticket says it
        assert written == text, (
            f"docs/likelihood.md is out of date for {key}: paste this block and redo the "
            f"arithmetic beside it:\n{written}"
        )
