"""The decision table that turns the five judgements into a likelihood (docs/likelihood.md).

Each row names when it applies and the manual's words for the rating it gives (Rule 7's
"highly problematic", "problematic", "mixed", "good"); the first row that applies decides.
Stage qualifies the evidence: in the second half of its time, weak evidence is Red, and the
Stage of delivery judgement never lifts a rating whose evidence is Red. A target whose date has
passed short of it is Red unless it came within the off-trajectory tolerance of its target.
`tests/test_decision_table.py` checks every combination: better judgements never lower a rating.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from mappings.model import BaseEntity, Measurement, Strategy, Target
from rules.inputs import Inputs, Schedule
from rules.trajectory import gain_share, reached

NOT_MISSED, MISSED_WITHIN, MISSED = 0, 1, 2  # a target whose date has passed: how far short


class Row(NamedTuple):
    """One row of the table: its stable id, the rating it gives, and its words."""

    id: str
    rating: int
    words: str


_RED = "highly problematic, requires urgent and decisive action"
_AMBER_RED = "problematic, requires substantial attention, some aspects need urgent attention"
_AMBER_GREEN = "mixed, aspect(s) require substantial attention, some good"
_GREEN = "good, requires refinement and systematic implementation"

ROWS: dict[str, Row] = {
    row.id: row
    for row in (
        Row(
            "M1", 1, f"the target date has passed short of the target, beyond the tolerance: {_RED}"
        ),
        Row(
            "M2", 2, f"the target date has passed within the tolerance of the target: {_AMBER_RED}"
        ),
        Row(
            "L1",
            1,
            "in the second half of its time with Evidence of progress Red (late, weak "
            f"evidence is more serious, not less): {_RED}",
        ),
        Row(
            "R1",
            1,
            "Evidence of progress Red, and the challenge, planning or capacity Red too: " + _RED,
        ),
        Row("R2", 2, f"in the first half of its time with Evidence of progress Red: {_AMBER_RED}"),
        Row("A1", 2, f"a judgement Red, Evidence of progress Amber/Red or better: {_AMBER_RED}"),
        Row(
            "L2",
            2,
            "in the second half of its time with Evidence of progress Amber/Red: " + _AMBER_RED,
        ),
        Row(
            "A2",
            3,
            "in the first half of its time with Evidence of progress Amber/Red, every other "
            f"judgement Amber/Green or better: {_AMBER_GREEN}",
        ),
        Row(
            "A3",
            2,
            "in the first half of its time with Evidence of progress Amber/Red and another "
            f"judgement Amber/Red: {_AMBER_RED}",
        ),
        Row(
            "G1",
            4,
            "Evidence of progress Green, the others Amber/Green or better, at most one of "
            "challenge, planning and capacity below Green (the stage at any phase): " + _GREEN,
        ),
        Row(
            "B1",
            3,
            "Evidence of progress Amber/Green or Green, no judgement Red, no more of the others "
            f"Amber/Red than Amber/Green or better: {_AMBER_GREEN}",
        ),
        Row(
            "B2",
            2,
            "Evidence of progress Amber/Green or Green, most of the others Amber/Red: "
            + _AMBER_RED,
        ),
    )
}


def decide(ratings: tuple[int, ...], late: bool, missed: int = NOT_MISSED) -> Row:
    """The row that applies to five ratings (in the order of JUDGEMENTS), the item's time
    (`late`: in the second half of it) and, for a target, whether its date passed short."""
    if missed:
        return ROWS["M1" if missed == MISSED else "M2"]
    challenge, planning, capacity, stage, evidence = ratings
    if evidence == 1 and late:
        return ROWS["L1"]
    if evidence == 1:  # the stage is not read: it never lifts a Red evidence
        return ROWS["R1" if min(challenge, planning, capacity) == 1 else "R2"]
    others = (challenge, planning, capacity, stage)
    if min(others) == 1:
        return ROWS["A1"]
    if evidence == 2:
        return ROWS["L2" if late else "A2" if min(others) >= 3 else "A3"]
    if evidence == 4 and min(others) >= 3 and (challenge, planning, capacity).count(3) <= 1:
        return ROWS["G1"]
    weak = others.count(2)
    return ROWS["B1" if weak <= len(others) - weak else "B2"]


def target_time(target: Target, latest: Measurement | None, inputs: Inputs) -> tuple[bool, int]:
    """Whether a target is in the second half of its time (baseline date to target date; its
    date passed counts), and whether its date has passed short of it (`MISSED` beyond the
    off-trajectory tolerance of the gain from baseline to target, or with no measurement)."""
    today, due = inputs.today, target.target_date
    if due is None:
        return False, NOT_MISSED
    if due >= today:
        return _second_half(target.baseline_date, due, today, inputs.config.late_share), NOT_MISSED
    if latest is not None and reached(target, latest.value):
        return True, NOT_MISSED
    goal = target.target_value
    share = None if latest is None or goal is None else gain_share(target, latest.value, goal)
    within = share is not None and share >= 1 - inputs.ctx.thresholds.off_trajectory_tolerance
    return True, MISSED_WITHIN if within else MISSED


def late_of(entity: BaseEntity, inputs: Inputs) -> bool:
    """Whether a target or strategy is in the second half of its time (by its dates, as
    `target_time` and `strategy_late` read them); an outcome or priority never is: the items
    below it carry their time, and its rating is at most theirs allow."""
    share = inputs.config.late_share
    if isinstance(entity, Target):
        due = entity.target_date
        return due is not None and _second_half(entity.baseline_date, due, inputs.today, share)
    if isinstance(entity, Strategy) and entity.key in inputs.schedules:
        return strategy_late(entity, inputs.schedules[entity.key], inputs.today, share)
    return False


def strategy_late(strategy: Strategy, schedule: Schedule, today: date, share: float) -> bool:
    """Whether a strategy is in the second half of its time: from its start (else its first
    milestone's due date) to its end (else its last milestone's). By dates alone, never by
    milestones done, so that finishing a milestone never makes a strategy 'late'."""
    start = strategy.start_date or schedule.first
    end = strategy.end_date or schedule.last
    if end is None:
        return False
    return _second_half(start, end, today, share)


def _second_half(start: date | None, end: date, today: date, share: float) -> bool:
    if today >= end:
        return True
    if start is None or start >= end:
        return False
    return (today - start).days >= share * (end - start).days


__all__ = [
    "MISSED",
    "MISSED_WITHIN",
    "NOT_MISSED",
    "ROWS",
    "Row",
    "decide",
    "late_of",
    "strategy_late",
    "target_time",
]
