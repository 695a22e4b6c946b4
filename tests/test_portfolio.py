"""The demo portfolio: deterministic, consistent, and every planted gap where its rule looks."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from connector.sandbox.seeds.draft import interpolate, shift
from connector.sandbox.seeds.portfolio import (
    FIELDS,
    ISSUE_TYPES,
    KINDS,
    SELECT_OPTIONS,
    Item,
    Portfolio,
    build,
)
from mappings.model import Direction, Measurement, Target, TrajectoryPoint
from rules.base import RuleContext
from rules.config import RulesConfig
from rules.engine import run_rules
from rules.trajectory import (
    gain_share,
    historical_rate,
    planned_value,
    reached,
    required_rate,
    toward,
)
from tests.likelihood_cases import demo

ANCHORS = [date(2025, 3, 31), date(2026, 1, 15), date(2024, 2, 29)]

EXPECTED_CODES = {
    *(f"RD10{n}" for n in range(1, 10)),
    *(f"RD20{n}" for n in range(1, 8)),
    *(f"RD30{n}" for n in range(1, 10)),
    "RD310",
    "RD401",
    "RD402",
    "RD404",
}

PARENT_KIND = {
    "outcome": "priority",
    "indicator": "outcome",
    "target": "indicator",
    "milestone": "strategy",
    "risk": "strategy",
}

FRESH = timedelta(days=120)


@pytest.fixture(scope="module", params=ANCHORS, ids=str)
def portfolio(request: pytest.FixtureRequest) -> Portfolio:
    return build(request.param)


def by_kind(p: Portfolio, kind: str) -> list[Item]:
    return [i for i in p.items if i.kind == kind]


def as_target(item: Item) -> Target:
    """The item read as the domain model reads it, so the project's own math can judge it."""
    f = item.fields
    direction = f.get("Direction")
    return Target(
        key=item.ref,
        baseline_value=f.get("Baseline value"),
        baseline_date=f.get("Baseline date"),
        target_value=f.get("Target value"),
        target_date=f.get("Target date"),
        direction=Direction(direction) if isinstance(direction, str) else None,
        trajectory=[
            TrajectoryPoint(at=at, value=v)
            for at, v in f.get("Trajectory", [])  # type: ignore[attr-defined]
        ],
    )


def series(p: Portfolio, indicator: str) -> list[Measurement]:
    return [Measurement(indicator_key=indicator, at=at, value=v) for at, v in p.history[indicator]]


def required_over_history(p: Portfolio, target: Item) -> float | None:
    """RD206's ratio: progress per year still needed over progress per year achieved."""
    model, history = as_target(target), series(p, target.parent or "")
    needed = required_rate(model, history[-1], p.anchor)
    achieved = historical_rate(history, since=shift(p.anchor, -36))
    if needed is None or achieved is None:
        return None
    progress = toward(model.direction, achieved)
    return toward(model.direction, needed) / progress if progress > 0 else float("inf")


def shortfall(p: Portfolio, target: Item) -> float | None:
    """RD402's measure, 1 - share of the planned gain achieved, the worse of two readings.

    The latest value is compared with the plan both at its own date and at the anchor, so the
    demo holds whichever of the two the rule settles on.
    """
    model, latest = as_target(target), series(p, target.parent or "")[-1]
    gaps = []
    for on in (latest.at, p.anchor):
        planned = planned_value(model, on)
        share = gain_share(model, latest.value, planned) if planned is not None else None
        if share is not None:
            gaps.append(1 - share)
    return max(gaps) if gaps else None


def test_build_is_deterministic() -> None:
    assert build(date(2025, 6, 30)) == build(date(2025, 6, 30))
    assert build(date(2025, 6, 30)) != build(date(2025, 7, 31))


def test_size_kinds_and_refs(portfolio: Portfolio) -> None:
    refs = [i.ref for i in portfolio.items]
    assert len(refs) == len(set(refs))
    assert 60 <= len(refs) <= 140
    assert {i.kind for i in portfolio.items} == set(KINDS)
    assert [k.capitalize() for k in KINDS] == list(ISSUE_TYPES)
    assert 8 <= len(portfolio.people) <= 12


def test_parents_and_drives_exist_with_the_right_kind(portfolio: Portfolio) -> None:
    for item in portfolio.items:
        if item.parent is not None:
            assert portfolio.item(item.parent).kind == PARENT_KIND[item.kind], item.ref
        elif item.kind != "priority" and item.kind != "strategy":
            assert item.ref in portfolio.planted["RD103"], f"{item.ref} is an unplanned orphan"
        for driven in item.drives:
            assert item.kind == "strategy"
            assert portfolio.item(driven).kind in {"target", "outcome"}, (item.ref, driven)


def test_field_values_match_their_declared_kinds(portfolio: Portfolio) -> None:
    kinds = dict(FIELDS) | {"Due date": "date", "Done": "bool", "Politically salient": "bool"}
    people = {p.ref for p in portfolio.people}
    for item in portfolio.items:
        for name, value in item.fields.items():
            kind = kinds[name]
            if kind == "users":
                assert isinstance(value, list) and set(value) <= people, item.ref
            elif kind == "date":
                assert isinstance(value, date), (item.ref, name)
            elif kind == "number":
                assert isinstance(value, float), (item.ref, name)
            elif name in ("Impact", "Difficulty"):
                assert str(value) in SELECT_OPTIONS[name]
            elif kind == "select":
                assert value in SELECT_OPTIONS[name], (item.ref, name, value)
            elif name == "Trajectory":
                assert all(isinstance(at, date) for at, _ in value)  # type: ignore[attr-defined]
            else:
                assert isinstance(value, (str, bool)) and value != "", (item.ref, name)
        assert item.fields["Department"] in portfolio.departments


def test_people_ids_look_like_the_tools_ids(portfolio: Portfolio) -> None:
    for person in portfolio.people:
        assert re.fullmatch(r"[0-9a-f]{24}", person.jira_account_id)
        assert re.fullmatch(r"usr[A-Za-z0-9]{14}", person.airtable_user_id)
        assert "@" in person.email
    assert len({p.jira_account_id for p in portfolio.people}) == len(portfolio.people)
    assert len({p.airtable_user_id for p in portfolio.people}) == len(portfolio.people)


def test_every_rule_code_is_planted_on_existing_refs(portfolio: Portfolio) -> None:
    assert set(portfolio.planted) == EXPECTED_CODES
    for code, refs in portfolio.planted.items():
        assert refs, code
        for ref in refs:
            portfolio.item(ref)


def test_history_is_long_monthly_and_fresh_except_the_stale_one(portfolio: Portfolio) -> None:
    stale = set(portfolio.planted["RD205"])
    for ref, points in portfolio.history.items():
        assert portfolio.item(ref).kind == "indicator"
        dates = [at for at, _ in points]
        assert dates == sorted(dates) and dates[-1] < portfolio.anchor
        assert (dates[-1] - dates[0]).days >= 2 * 365 - 31, ref
        age = portfolio.anchor - dates[-1]
        assert (age > FRESH) == (ref in stale), (ref, age)
        assert portfolio.item(ref).fields["Current value"] == points[-1][1]
    stale_age = portfolio.anchor - portfolio.history[next(iter(stale))][-1][0]
    assert stale_age.days >= 7 * 30


def test_the_unmeasurable_indicator_has_no_source_or_no_history(portfolio: Portfolio) -> None:
    for ref in portfolio.planted["RD204"]:
        item = portfolio.item(ref)
        assert "Data source" not in item.fields or ref not in portfolio.history
    measured = {i.ref for i in by_kind(portfolio, "indicator") if "Data source" in i.fields}
    assert measured - set(portfolio.planted["RD204"]) <= set(portfolio.history)


def test_sound_targets_are_complete_plausible_and_on_trajectory(portfolio: Portfolio) -> None:
    gappy = {
        r for code in ("RD103", "RD201", "RD202", "RD203", "RD309") for r in portfolio.planted[code]
    }
    off = set(portfolio.planted["RD402"]) | set(portfolio.planted["RD206"])
    for target in by_kind(portfolio, "target"):
        if target.ref in gappy:
            continue
        assert {"Baseline value", "Target date", "Trajectory"} <= set(target.fields)
        if target.parent not in portfolio.history or target.ref in off:
            continue
        ratio = required_over_history(portfolio, target)
        assert ratio is None or ratio < 3.0, (target.ref, ratio)
        gap = shortfall(portfolio, target)
        assert gap is None or gap <= 0.10, (target.ref, gap)


def test_planted_target_gaps_sit_where_the_rules_look(portfolio: Portfolio) -> None:
    fields = {
        code: [portfolio.item(r).fields for r in portfolio.planted[code]]
        for code in ("RD201", "RD202", "RD203", "RD309")
    }
    assert all("Target date" not in f for f in fields["RD201"])
    assert all("Target value" not in f for f in fields["RD202"])
    assert all("Baseline value" not in f for f in fields["RD203"])
    assert all("Trajectory" not in f for f in fields["RD309"])
    for ref in portfolio.planted["RD206"]:
        ratio = required_over_history(portfolio, portfolio.item(ref))
        assert ratio is not None and ratio > 3.0, (ref, ratio)
        assert (shortfall(portfolio, portfolio.item(ref)) or 0) <= 0.10
    for ref in portfolio.planted["RD402"]:
        gap = shortfall(portfolio, portfolio.item(ref))
        assert gap is not None and gap > 0.10, (ref, gap)
        assert (required_over_history(portfolio, portfolio.item(ref)) or 0) < 3.0
    for ref in portfolio.planted["RD207"]:
        target = portfolio.item(ref)
        assert target.fields["Target date"] < portfolio.anchor  # type: ignore[operator]
        latest = portfolio.history[target.parent or ""][-1][1]
        assert not reached(as_target(target), latest)
        assert (shortfall(portfolio, target) or 0) <= 0.10


def test_driven_and_orphan_targets(portfolio: Portfolio) -> None:
    driven = {ref for s in by_kind(portfolio, "strategy") for ref in s.drives}
    undriven = {t.ref for t in by_kind(portfolio, "target")} - driven
    assert undriven == set(portfolio.planted["RD105"])
    assert all(portfolio.item(r).parent is None for r in portfolio.planted["RD103"])
    with_targets = {t.parent for t in by_kind(portfolio, "target")}
    untargeted = {i.ref for i in by_kind(portfolio, "indicator")} - with_targets
    assert untargeted == set(portfolio.planted["RD104"])


def test_architecture_gaps(portfolio: Portfolio) -> None:
    parents = {i.parent for i in portfolio.items}
    childless = {i.ref for i in portfolio.items if i.kind in ("priority", "outcome")} - parents
    assert childless == set(portfolio.planted["RD101"]) | set(portfolio.planted["RD102"])
    idle = {s.ref for s in by_kind(portfolio, "strategy") if not s.drives}
    assert idle == set(portfolio.planted["RD106"])
    owned = [i for i in portfolio.items if i.kind in ("priority", "outcome", "strategy")]
    unowned = {i.ref for i in owned if not i.fields.get("Accountable owner")}
    assert unowned == set(portfolio.planted["RD107"])
    shared = {i.ref for i in owned if len(i.fields.get("Accountable owner", [])) > 1}  # type: ignore[arg-type]
    assert shared == set(portfolio.planted["RD108"])


def test_too_many_priorities_in_exactly_one_department(portfolio: Portfolio) -> None:
    counts = {d: 0 for d in portfolio.departments}
    for priority in by_kind(portfolio, "priority"):
        counts[priority.fields["Department"]] += 1  # type: ignore[index]
    crowded = [d for d, n in counts.items() if n > 5]
    assert len(crowded) == 1 and 4 <= min(counts.values()) <= 5
    expected = {p.ref for p in by_kind(portfolio, "priority") if p.fields["Department"] in crowded}
    assert set(portfolio.planted["RD109"]) == expected


def test_strategy_gaps_are_the_planted_ones(portfolio: Portfolio) -> None:
    needed = {
        "RD301": "Start date",
        "RD302": "Rationale",
        "RD305": "Delivery chain",
        "RD306": "Resources",
        "RD310": "Definition of success",
    }
    for code, name in needed.items():
        missing = {s.ref for s in by_kind(portfolio, "strategy") if name not in s.fields}
        assert missing == set(portfolio.planted[code]), code
    assert all("Due date" in s.fields for s in by_kind(portfolio, "strategy"))
    for code, kind in (("RD303", "milestone"), ("RD307", "risk")):
        with_children = {i.parent for i in by_kind(portfolio, kind)}
        bare = {s.ref for s in by_kind(portfolio, "strategy")} - with_children
        assert bare == set(portfolio.planted[code]), code
    unmitigated = {r.ref for r in by_kind(portfolio, "risk") if "Mitigation" not in r.fields}
    assert unmitigated == set(portfolio.planted["RD308"])


def test_milestones_done_due_soon_overdue_and_undated(portfolio: Portfolio) -> None:
    today = portfolio.anchor
    milestones = by_kind(portfolio, "milestone")
    undated = {m.ref for m in milestones if "Due date" not in m.fields}
    assert undated == set(portfolio.planted["RD304"])
    dated = [m for m in milestones if "Due date" in m.fields]
    overdue = {m.ref for m in dated if not m.fields["Done"] and m.fields["Due date"] < today}  # type: ignore[operator]
    assert overdue == set(portfolio.planted["RD401"])
    assert any(m.fields["Done"] for m in dated)
    soon = [m for m in dated if today <= m.fields["Due date"] <= shift(today, 3)]  # type: ignore[operator]
    assert len(soon) >= 3


def test_one_owner_is_overloaded(portfolio: Portfolio) -> None:
    load: dict[str, list[str]] = {}
    for strategy in by_kind(portfolio, "strategy"):
        if not strategy.fields["Done"]:
            for owner in strategy.fields.get("Accountable owner", []):  # type: ignore[attr-defined]
                load.setdefault(owner, []).append(strategy.ref)
    overloaded = {ref for refs in load.values() if len(refs) > 4 for ref in refs}
    assert overloaded == set(portfolio.planted["RD404"])


def test_dates_sit_around_the_anchor(portfolio: Portfolio) -> None:
    today = portfolio.anchor
    for target in by_kind(portfolio, "target"):
        f = target.fields
        if "Baseline date" in f:
            assert shift(today, -40) <= f["Baseline date"] < today  # type: ignore[operator]
        if "Target date" in f and target.ref not in portfolio.planted["RD207"]:
            assert shift(today, 12) <= f["Target date"] <= shift(today, 48)  # type: ignore[operator]
    assert any(
        t.fields.get("Direction") == "Decrease" for t in by_kind(portfolio, "target")
    ) and any(t.fields.get("Direction") == "Increase" for t in by_kind(portfolio, "target"))


def test_cumulative_series_never_fall(portfolio: Portfolio) -> None:
    for ref in ("P6-O1-I1", "P8-O1-I1"):
        values = [v for _, v in portfolio.history[ref]]
        assert values[0] == 0.0 and values == sorted(values), ref


def test_interpolate_and_shift() -> None:
    path = [(-12, 10.0), (0, 16.0), (12, 40.0)]
    assert interpolate(path, -20) == 10.0
    assert interpolate(path, -6) == 13.0
    assert interpolate(path, 6) == 28.0
    assert interpolate(path, 30) == 40.0
    assert shift(date(2024, 1, 31), 1) == date(2024, 2, 28)
    assert shift(date(2024, 3, 15), -15) == date(2022, 12, 15)


def test_the_rules_find_exactly_the_planted_gaps(portfolio: Portfolio) -> None:
    arch = demo(portfolio.anchor).arch  # the items read as the default mappings read them
    assert arch.problems == []
    ctx = RuleContext(today=portfolio.anchor)
    findings = run_rules(arch, RulesConfig(), ctx, "architecture", strict=True)
    found = {(f.code, f.key) for f in findings}
    planted = {(code, ref) for code, refs in portfolio.planted.items() for ref in refs}
    assert found == planted
