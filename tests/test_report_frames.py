"""The report's tables: counts, changes, decisions, review ratings, leaders, triage, scope."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest

from mappings.graph import Architecture
from mappings.model import Direction, Measurement, Outcome, Priority, Strategy, Target
from reports import frames, review, targets
from reports.document import TABLE_COLUMNS, build_document
from reports.scope import NO_OWNER, Scope
from rules.model import Finding, Severity
from tests.fixtures_reports import FORMULA, HEALTH, JOBS, XSS, J, demo_data, measurements


@pytest.fixture(scope="module")
def scope() -> Scope:
    return Scope(demo_data())


def rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    return table.to_dict("records")


def test_every_table_has_exactly_its_declared_columns() -> None:
    document = build_document(demo_data(), charts=False)
    assert list(document.tables) == list(TABLE_COLUMNS)
    for name, table in document.tables.items():
        assert tuple(table.columns) == TABLE_COLUMNS[name], name


def test_likelihood_counts_by_kind(scope: Scope) -> None:
    counts = {r["kind"]: r for r in rows(frames.likelihood_counts(scope))}
    assert counts["priority"] == {
        "kind": "priority",
        "red": 1,
        "amber_red": 1,
        "amber_green": 1,
        "green": 1,
        "not_assessed": 0,
        "total": 4,
    }
    assert counts["strategy"]["total"] == 7
    assert counts["strategy"]["red"] == 2  # DEL-15 and DEL-34


def test_changes_put_the_biggest_fall_first_and_rises_last(scope: Scope) -> None:
    changes = rows(frames.changes(scope))
    assert changes[0]["key"] == "DEL-34"
    assert (changes[0]["previous"], changes[0]["likelihood"], changes[0]["change"]) == (3, 1, -2)
    signs = [c["change"] > 0 for c in changes]
    assert signs == sorted(signs)  # every fall before every rise
    assert {c["key"] for c in changes if c["change"] > 0} == {J["P1"], J["O1"], J["T3"], J["S1"]}
    assert J["S2"] not in {c["key"] for c in changes}  # first assessment: no change to show


def test_decisions_name_the_crisis_first_and_the_team_disagreement(scope: Scope) -> None:
    decisions = {d["key"]: d for d in rows(frames.decisions(scope))}
    first = rows(frames.decisions(scope))[0]
    assert first["key"] == "DEL-33"
    assert "problem level 4" in first["why"] and "crisis management" in first["ask"]
    assert "the team rates it Amber/Green" in decisions["DEL-34"]["why"]
    assert "Set its level of problem solving" in decisions["DEL-7"]["ask"]
    assert "DEL-6" not in decisions  # Amber/Green, steady: nothing to decide


def test_architecture_review_rates_each_row_by_the_documented_method(scope: Scope) -> None:
    table = rows(review.architecture_review(scope))
    del1 = {r["element"]: r for r in table if r["priority_key"] == "DEL-1"}
    # Outcomes: no RD101/RD109. Indicators and Targets: 1 of 8 items with an error (RD204 on
    # DEL-8). Strategies: 1 of 5 (RD105 on DEL-9). Accountability: 2 of 5 (RD107 on DEL-7, DEL-16).
    assert {k: r["rating"] for k, r in del1.items()} == {
        "Outcomes": 4,
        "Indicators and Targets": 3,
        "Strategies": 3,
        "Accountability": 2,
    }
    assert del1["Accountability"]["notes"] == "RD107 owner-missing: DEL-7, DEL-16"
    assert del1["Outcomes"]["question"].startswith("Have we translated our aspiration")


def _finding(key: str, code: str, severity: str = "error") -> Finding:
    return Finding(code=code, name="x", severity=Severity(severity), key=key, message="m", fix="f")


PLAN = [Priority(key="P"), *[Outcome(key=f"O{n}", parent_key="P") for n in range(3)]]


@pytest.mark.parametrize(
    ("found", "rating"),
    [
        ([], 4),
        ([_finding("O1", "RD108", "info")], 4),  # info never lowers a row
        ([_finding("O1", "RD108", "warning")], 3),
        ([_finding("O1", "RD107")], 2),  # 1 of 4 items: 25 %
        ([_finding("O1", "RD107"), _finding("O2", "RD107")], 1),  # 2 of 4: half
        ([_finding("O1", "RD105")], 4),  # not an accountability code
    ],
)
def test_rate_row_thresholds(found: list[Finding], rating: int) -> None:
    accountability = review.REVIEW_ROWS[3]
    assert review.rate_row(accountability, PLAN, found)[0] == rating


def test_rate_row_with_nothing_to_review_is_red() -> None:
    strategies = review.REVIEW_ROWS[2]
    rating, notes = review.rate_row(strategies, [Priority(key="P")], [])
    assert rating == 1
    assert notes == "Nothing to review: the plan has no targets or strategies."


def test_findings_by_leader_uses_nearest_owner_and_counts_shared_items_for_each(
    scope: Scope,
) -> None:
    table = review.findings(scope)
    leaders = {r["leader"]: r for r in rows(review.findings_by_leader(scope, table))}
    assert (
        "DEL-7" in leaders["Dr. Amira Haddad"]["keys"]
    )  # the outcome has no owner: its priority's
    assert "DEL-15" in leaders["Marc Tremblay"]["keys"]
    assert "DEL-15" in leaders["Sophie Leblanc"]["keys"]  # two owners: counted for each
    assert leaders[NO_OWNER]["keys"] == "DEL-16"
    assert list(leaders)[-1] == NO_OWNER


def test_findings_by_rule_counts_and_names_the_manual(scope: Scope) -> None:
    by_rule = {r["code"]: r for r in rows(review.findings_by_rule(review.findings(scope)))}
    assert by_rule["RD107"]["findings"] == 2
    assert by_rule["RD107"]["keys"] == "DEL-7, DEL-16"
    assert by_rule["RD401"]["severity"] == "error"
    assert by_rule["RD107"]["manual"]  # from the rule registry


def test_problem_solving_lists_every_red_and_amber_red_untriaged_first(scope: Scope) -> None:
    table = rows(frames.problem_solving(scope))
    assert table[0]["key"] == "DEL-7" and table[0]["approach"] == "Not triaged"
    assert {r["likelihood"] for r in table} == {1, 2}
    assert table[1]["level"] == 4 and table[1]["approach"] == "Crisis management"
    assessed_low = {a.key for a in scope.assessments() if a.likelihood <= 2}
    assert {r["key"] for r in table} == assessed_low


def test_data_quality_reports_each_problem_once(scope: Scope) -> None:
    table = rows(frames.data_quality(scope))
    assert [(r["code"], r["key"]) for r in table] == [
        ("RD901", "recMs7Lr2Qd9Xw4Ta"),
        ("RD902", J["S3"]),  # a finding and a data problem: shown once
    ]


def test_target_status_against_trajectory(scope: Scope) -> None:
    status = {r["key"]: r["status"] for r in rows(targets.targets(scope))}
    assert status["DEL-4"] == "Behind trajectory"
    assert status["DEL-6"] == "On trajectory"
    assert status["DEL-9"] == "No measurement"
    assert status[J["T1"]] == "On trajectory"
    progress = {r["key"]: r["progress"] for r in rows(targets.targets(scope))}
    assert progress["DEL-4"] == 46  # 4.6 of the 10.1 points planned by 31 Oct 2025


def test_milestones_due_and_overdue_within_the_horizon(scope: Scope) -> None:
    table = {r["key"]: r for r in rows(frames.milestones_due(scope))}
    assert table["DEL-12"]["status"] == "Overdue by 19 days"
    assert table["DEL-13"]["days"] == 42
    assert "DEL-11" not in table  # done
    assert all(r["due"] <= date(2025, 12, 29) for r in table.values())


def test_heat_map_places_strategies_under_their_priority_and_unlinked_last(scope: Scope) -> None:
    heat = rows(frames.heat_map(scope))
    order = [(r["priority_key"], r["key"]) for r in heat]
    assert order[:3] == [("DEL-1", "DEL-1"), ("DEL-1", "DEL-10"), ("DEL-1", "DEL-16")]
    assert order[-1] == (None, "DEL-15")  # drives nothing
    del34 = next(r for r in heat if r["key"] == "DEL-34")
    assert (del34["team"], del34["likelihood"], del34["disagreement"]) == (3, 1, True)
    assert next(r for r in heat if r["key"] == "DEL-16")["name"] == XSS


@pytest.mark.parametrize(("department", "other"), [(HEALTH, "rec"), (JOBS, "DEL-")])
def test_a_department_report_holds_nothing_of_the_other(department: str, other: str) -> None:
    document = build_document(demo_data(department), charts=False)
    for name, table in document.tables.items():
        for column in ("key", "priority_key"):
            if column in table.columns:
                keys = [k for k in table[column] if isinstance(k, str)]
                assert not [k for k in keys if k.startswith(other)], (name, column)
    strategies = [r for r in rows(document.tables["heat_map"]) if r["kind"] == "strategy"]
    assert strategies and all(
        isinstance(document.scope.entity(r["key"]), Strategy) for r in strategies
    )


def test_formula_text_reaches_the_tables_unchanged(scope: Scope) -> None:
    names = set(review.findings(scope)["entity"])
    assert FORMULA in names


def test_a_plan_asking_a_sliver_of_gain_shows_no_progress_figure() -> None:
    """Baseline 0, target 1e-308: 5 is 5e308 times the planned gain, beyond a float."""
    data = demo_data()
    sliver = Target(key="DEL-9", parent_key="DEL-8", name="A sliver", baseline_value=0.0,
                    baseline_date=date(2024, 1, 1), target_value=1e-308,
                    target_date=date(2025, 1, 1), direction=Direction.INCREASE)  # fmt: skip
    arch = data.architecture
    entities = [sliver if e.key == "DEL-9" else e for e in arch.entities.values()]
    five = Measurement(indicator_key="DEL-8", at=date(2025, 6, 1), value=5.0)
    found = Architecture(entities, [*measurements(), five], [])
    table = targets.targets(Scope(data.model_copy(update={"architecture": found})))
    row = next(r for r in rows(table) if r["key"] == "DEL-9")
    assert (row["latest_value"], row["progress"], row["status"]) == (5.0, None, "Reached")
