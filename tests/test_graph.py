"""The assembled architecture: look-ups, parents and children, drives, and cycle-safe walks."""

from datetime import date

from mappings.graph import Architecture
from mappings.model import Indicator, Measurement, Milestone, Outcome, Priority, Strategy, Target


def _portfolio() -> Architecture:
    return Architecture(
        [
            Priority(key="DEL-1", name="Improving service levels in hospitals"),
            Outcome(key="DEL-2", name="Shorter waits in emergency departments", parent_key="DEL-1"),
            Indicator(key="DEL-3", name="Patients through ED in four hours", parent_key="DEL-2"),
            Target(key="DEL-4", name="81% by 2019", parent_key="DEL-3", target_value=81),
            Strategy(key="DEL-5", name="See and treat", drives=["DEL-4", "DEL-404"]),
            Milestone(key="DEL-6", name="Roll out to 200 A&E departments", parent_key="DEL-5"),
        ],
        measurements=[
            Measurement(indicator_key="DEL-3", at=date(2018, 6, 1), value=74),
            Measurement(indicator_key="DEL-3", at=date(2017, 6, 1), value=72),
        ],
    )


def test_lookups_parents_children_and_drives() -> None:
    arch = _portfolio()
    assert arch.parent("DEL-4").key == "DEL-3"  # type: ignore[union-attr]
    assert [e.key for e in arch.children("DEL-1")] == ["DEL-2"]
    assert [e.key for e in arch.drives("DEL-5")] == ["DEL-4"]
    assert [s.key for s in arch.strategies_for("DEL-4")] == ["DEL-5"]
    assert [m.value for m in arch.series("DEL-3")] == [72, 74]
    assert arch.priority_of("DEL-6").key == "DEL-1"  # type: ignore[union-attr]
    assert {e.key for e in arch.plan("DEL-1")} == {f"DEL-{n}" for n in range(1, 7)}


def test_unknown_reference_is_a_problem_not_a_crash() -> None:
    problems = _portfolio().problems
    assert [(p.code, p.key, p.field) for p in problems] == [("RD902", "DEL-5", "drives")]


def test_parent_cycle_is_cut_and_reported() -> None:
    arch = Architecture(
        [
            Priority(key="P"),
            Outcome(key="A", parent_key="C"),
            Outcome(key="B", parent_key="A"),
            Outcome(key="C", parent_key="B"),
        ]
    )
    assert sorted(p.key for p in arch.problems if p.code == "RD903") == ["A", "B", "C"]
    for key in "ABC":
        assert len(list(arch.ancestors(key))) <= 2
        assert len(list(arch.descendants(key))) <= 2


def test_a_parent_of_the_wrong_kind_is_dropped_so_every_parent_link_has_its_kind() -> None:
    # What walks of the graph rely on (the likelihood's index): a target's parent is an
    # indicator, an indicator's an outcome, a milestone's a strategy.
    arch = Architecture(
        [
            Priority(key="DEL-1"),
            Outcome(key="DEL-2", parent_key="DEL-1"),
            Indicator(key="DEL-3", parent_key="DEL-1"),  # under a priority: dropped
            Target(key="DEL-4", parent_key="DEL-2"),  # under an outcome: dropped
            Strategy(key="DEL-5"),
            Milestone(key="DEL-6", parent_key="DEL-2"),  # under an outcome: dropped
            Target(key="DEL-7", parent_key="DEL-5"),  # under a strategy: dropped
        ]
    )
    assert [arch.parent_key(k) for k in ("DEL-3", "DEL-4", "DEL-6", "DEL-7")] == [None] * 4
    assert [(p.code, p.key) for p in arch.problems] == [
        ("RD902", "DEL-3"),
        ("RD902", "DEL-4"),
        ("RD902", "DEL-6"),
        ("RD902", "DEL-7"),
    ]
