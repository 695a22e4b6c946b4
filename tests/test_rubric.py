"""The delivery planning rubric: eight criteria per plan, rated from the rules' findings."""

from __future__ import annotations

from datetime import date
from typing import Any

from mappings.graph import Architecture
from mappings.model import (
    Indicator,
    Measurement,
    Milestone,
    Outcome,
    Person,
    Priority,
    Risk,
    Strategy,
    Target,
    TrajectoryPoint,
)
from rules.base import RuleContext
from rules.config import RulesConfig
from rules.engine import run_rules
from rules.model import RUBRIC_CRITERIA, Finding, Rating, RubricRating
from rules.rubric import CRITERIA, rate_rubric

TODAY = date(2026, 11, 22)
AMARA = Person(id="557058:a1", name="Amara Okafor")
TOM = Person(id="557058:t2", name="Tom Reid")


def _strategy(key: str, drives: str, **changes: Any) -> Strategy:
    fields: dict[str, Any] = {
        "key": key,
        "name": "See and treat",
        "drives": [drives],
        "owners": [TOM],
        "start_date": date(2026, 1, 15),
        "end_date": date(2027, 6, 30),
        "rationale": "Minor injuries treated at triage clear half of the four-hour breaches.",
        "resources": "£12M over two years; 40 improvement leads",
        "success_definition": "See and treat in all 200 A&E departments by March 2027",
        "delivery_chain": "NHS Executive → regional offices → trust CEOs → A&E leads",
    }
    return Strategy(**{**fields, **changes})


def _plan(n: int, *, strategies: int = 1, **strategy_changes: Any) -> list[Any]:
    """A plan numbered from DEL-n that passes every rule as of TODAY."""
    p, o, i, t = (f"DEL-{n + k}" for k in range(4))
    entities: list[Any] = [
        Priority(key=p, name="Improving service levels in hospitals", owners=[AMARA]),
        Outcome(key=o, name="Shorter waits in ED", parent_key=p, owners=[AMARA]),
        Indicator(key=i, name="Patients through ED in 4h", parent_key=o, data_source="sitreps"),
        Target(
            key=t,
            name="81% by 2027",
            parent_key=i,
            baseline_value=74,
            baseline_date=date(2026, 1, 1),
            target_value=81,
            target_date=date(2027, 12, 31),
            trajectory=[TrajectoryPoint(at=date(2026, 10, 1), value=77)],
        ),
    ]
    for k in range(strategies):
        s = f"DEL-{n + 4 + 3 * k}"
        entities += [
            _strategy(s, t, **strategy_changes),
            Milestone(key=f"DEL-{n + 5 + 3 * k}", parent_key=s, due=date(2027, 3, 31)),
            Risk(key=f"DEL-{n + 6 + 3 * k}", parent_key=s, mitigation="Regional training hubs"),
        ]
    return entities


def _measurements(indicator: str) -> list[Measurement]:
    return [
        Measurement(indicator_key=indicator, at=date(2025, 10, 1), value=73.5),
        Measurement(indicator_key=indicator, at=date(2026, 4, 1), value=75.5),
        Measurement(indicator_key=indicator, at=date(2026, 10, 1), value=77.2),
    ]


def _rate(entities: list[Any], config: RulesConfig | None = None) -> dict[str, RubricRating]:
    ratings, _ = _rate_with_findings(entities, config)
    return ratings


def _rate_with_findings(
    entities: list[Any], config: RulesConfig | None = None
) -> tuple[dict[str, RubricRating], list[Finding]]:
    indicators = [e.key for e in entities if isinstance(e, Indicator)]
    arch = Architecture(entities, [m for i in indicators for m in _measurements(i)])
    findings = run_rules(arch, config or RulesConfig(), RuleContext(today=TODAY), strict=True)
    ratings = rate_rubric(arch, findings)
    return {f"{r.priority_key} {r.criterion}": r for r in ratings}, findings


def test_the_mapping_covers_the_eight_criteria_with_known_rules() -> None:
    assert tuple(CRITERIA) == RUBRIC_CRITERIA
    codes = [code for codes in CRITERIA.values() for code in codes]
    assert len(codes) == len(set(codes))


def test_a_complete_plan_is_green_on_every_criterion() -> None:
    ratings, findings = _rate_with_findings(_plan(1))
    assert findings == []
    assert [r.criterion for r in ratings.values()] == list(RUBRIC_CRITERIA)
    assert {r.rating for r in ratings.values()} == {Rating.GREEN}
    assert all(r.codes == [] for r in ratings.values())


def test_a_co_owned_strategy_is_amber_red_for_leadership() -> None:
    rating = _rate(_plan(1, owners=[TOM, AMARA]))["DEL-1 Leadership and accountability"]
    # one error among the three leaders the rule looks at (priority, outcome, strategy)
    assert (rating.rating, rating.codes) == (Rating.AMBER_RED, ["RD108"])


def test_errors_on_half_of_what_a_rule_looks_at_make_it_red() -> None:
    entities = _plan(1, strategies=2)
    entities[4] = _strategy("DEL-5", "DEL-4", owners=[])
    entities[7] = _strategy("DEL-8", "DEL-4", owners=[TOM, AMARA])
    assert _rate(entities)["DEL-1 Leadership and accountability"].rating is Rating.AMBER_RED
    entities[0] = Priority(key="DEL-1", name="Improving service levels in hospitals")
    rating = _rate(entities)["DEL-1 Leadership and accountability"]
    assert (rating.rating, rating.codes) == (Rating.RED, ["RD107", "RD108"])


def test_warnings_only_are_amber_green() -> None:
    ratings = _rate(_plan(1, delivery_chain=None, resources=" "))
    assert ratings["DEL-1 Delivery chain"].rating is Rating.AMBER_GREEN
    assert ratings["DEL-1 Delivery chain"].codes == ["RD305"]
    assert ratings["DEL-1 Resources"].rating is Rating.AMBER_GREEN
    assert ratings["DEL-1 Risks"].rating is Rating.GREEN


def test_a_plan_without_strategies_is_red_where_strategies_are_judged() -> None:
    ratings = _rate(_plan(1, strategies=0))
    for criterion in ("Strategies", "Delivery chain", "Resources", "Risks"):
        assert ratings[f"DEL-1 {criterion}"].rating is Rating.RED, criterion
        assert ratings[f"DEL-1 {criterion}"].codes == ["RD105"], criterion
    assert ratings["DEL-1 Aspiration"].rating is Rating.GREEN


def test_an_info_severity_does_not_lower_a_rating() -> None:
    config = RulesConfig.load({"severity": {"RD305": "info"}})
    assert _rate(_plan(1, delivery_chain=None), config)["DEL-1 Delivery chain"].rating is (
        Rating.GREEN
    )


def test_findings_count_only_on_their_own_plan_and_done_priorities_are_not_rated() -> None:
    second = _plan(20, delivery_chain=None)
    closed = [Priority(key="DEL-90", name="Heart disease mortality", owners=[AMARA], done=True)]
    ratings = _rate(_plan(1) + second + closed)
    assert ratings["DEL-1 Delivery chain"].rating is Rating.GREEN
    assert ratings["DEL-20 Delivery chain"].rating is Rating.AMBER_GREEN
    assert not any(key.startswith("DEL-90 ") for key in ratings)
    assert list(ratings)[:2] == ["DEL-1 Aspiration", "DEL-1 Strategies"]


def test_kept_ratings_are_taken_again_only_for_a_plan_rated_from_the_same_counts_and_findings() -> (
    None
):
    """Three plans rated with the last call's ratings kept: after one plan's strategy loses its
    delivery chain (a new finding) and another gains a strategy (other counts), those two are
    rated afresh and the third's ratings are the very ones kept; every rating is as a call
    without them gives."""
    config, ctx = RulesConfig(), RuleContext(today=TODAY)

    def rated(entities: list[Any], kept: Any) -> list[RubricRating]:
        arch = Architecture(entities, [])
        return rate_rubric(arch, run_rules(arch, config, ctx, strict=True), kept)

    kept: Any = {}
    before = rated(_plan(1) + _plan(20) + _plan(40), kept)
    assert set(kept) == {"DEL-1", "DEL-20", "DEL-40"}
    edited = _plan(1) + _plan(20, delivery_chain=None) + _plan(40, strategies=2)
    after = rated(edited, kept)
    assert after == rated(edited, None)
    by_plan = {key: [r for r in after if r.priority_key == key] for key in kept}
    assert all(a is b for a, b in zip(by_plan["DEL-1"], before[:8], strict=True))
    assert by_plan["DEL-20"] != before[8:16]  # its delivery chain: Amber/Green now
    assert not any(a is b for a, b in zip(by_plan["DEL-40"], before[16:], strict=True))
