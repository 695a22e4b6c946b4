"""What holds a rating where it is, and what would raise it: the likelihood's decision table and
caps (docs/likelihood.md) read back from one stored assessment, one limit each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from rules.decision_table import MISSED, MISSED_WITHIN, NOT_MISSED, Row, decide, late_of
from rules.inputs import Inputs
from rules.judgements import mean_rating
from rules.likelihood_config import LikelihoodConfig
from rules.model import OPTIONS, Assessment


@dataclass(frozen=True)
class Limit:
    """One cap of the combination rule: the most it lets the item be rated (`at`), the fact
    behind it, what lifting it past the next rating up needs, and the items it names."""

    cap: str  # row | errors | driver | child | children | reddest child
    at: int
    said: str
    needs: str
    keys: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "cap": self.cap,
            "at": self.at,
            "said": self.said,
            "needs": self.needs,
            "keys": list(self.keys),
            "codes": list(self.codes),
        }


def limits(
    a: Assessment,
    inputs: Inputs,
    found: dict[str, Assessment],
    lc: LikelihoodConfig,
    below: Sequence[str],
) -> list[Limit]:
    """Every cap the method puts on this item, each with what reaching the next rating up
    needs of it. The rating is the lowest `at` of them (at least 1): `recomputed` in the JSON,
    which a test holds equal to the stored rating for every item of the demo."""
    goal = min(4, int(a.likelihood) + 1)
    held = [_row_limit(a, inputs, lc, goal, unsupported(a, found, below))]
    held += _error_limits(a, inputs, lc)
    if a.kind == "target":
        held += _driver_limits(inputs.drivers.get(a.key, ()), found, lc, goal)
    if a.kind in ("outcome", "priority"):
        held += _child_limits([found[k] for k in below if k in found], lc, goal)
    return [replace(limit, at=min(4, limit.at)) for limit in held]  # 4: no limit at all


def unsupported(a: Assessment, found: dict[str, Assessment], below: Sequence[str]) -> bool:
    """An outcome or priority with nothing rated below it: its judgements are all
    [likelihood] unsupported_rating, whatever its own data says."""
    return a.kind in ("outcome", "priority") and not any(k in found for k in below)


def _need(goal: int, rounding: str) -> tuple[float, str]:
    """The mean a rollup's rating of `goal` needs: 'down' floors, 'nearest' rounds halves
    down (so a half is not enough)."""
    return (float(goal), "at least") if rounding == "down" else (goal - 0.5, "above")


def row_of(a: Assessment, inputs: Inputs) -> Row:
    """The decision table's row for the stored judgements, as `assess` found it: the item's
    time from its dates, a passed target date from the row stored (it read a measurement)."""
    entity = inputs.arch.get(a.key)
    late = False if entity is None else late_of(entity, inputs)
    missed = {"M1": MISSED, "M2": MISSED_WITHIN}.get(a.row, NOT_MISSED)
    return decide(tuple(rating for _, rating, _ in a.judged), late, missed)


def _row_limit(
    a: Assessment, inputs: Inputs, lc: LikelihoodConfig, goal: int, alone: bool
) -> Limit:
    """The row of the decision table, and what the next rating up needs of the judgements."""
    row = row_of(a, inputs)
    said = f"row {row.id} of the decision table: {row.words}"
    if alone:
        below = "a target or strategy" if a.kind == "outcome" else "an outcome"
        needs = (
            f"{below} under it, rated: with nothing below it to judge by, every judgement is "
            f"{lc.unsupported_rating} ([likelihood] unsupported_rating)"
        )
    elif row.id in ("M1", "M2"):
        needs = "the target met" if row.id == "M2" or goal > 2 else "the target within tolerance"
        needs += " (its date has passed: the table reads nothing else)"
    else:
        needs = _judgements_needed(a, inputs, goal)
        if a.kind in ("outcome", "priority"):
            needs += "; its judgements roll up those of the items below it"
    return Limit("row", row.rating, said, needs)


def _judgements_needed(a: Assessment, inputs: Inputs, goal: int) -> str:
    """The one-judgement steps that reach a row of `goal` or better, else the least level
    every judgement needs."""
    entity = inputs.arch.get(a.key)
    late = False if entity is None else late_of(entity, inputs)
    names = [name for name, _, _ in a.judged]
    ratings = [rating for _, rating, _ in a.judged]
    steps = []
    for index, rating in enumerate(ratings):
        for better in range(rating + 1, 5):
            trial = (*ratings[:index], better, *ratings[index + 1 :])
            if decide(trial, late).rating >= goal:
                steps.append(f"{names[index]} at least {better}")
                break
    if steps:
        return " or ".join(steps)
    for level in range(2, 5):
        if decide(tuple(max(r, level) for r in ratings), late).rating >= goal:
            return f"every judgement at least {level}"
    return "every judgement at 4"


def _error_limits(a: Assessment, inputs: Inputs, lc: LikelihoodConfig) -> list[Limit]:
    """Error findings on the item or its parts (`rules.likelihood.error_caps`)."""
    parts = inputs.parts.get(a.key, (a.key,))
    errors = sorted({e for k in parts for e in inputs.errors.get(k, ())})
    if not errors:
        return []
    named = "; ".join(f"{code} {name} on {key}" for code, name, key in errors)
    return [
        Limit(
            "errors",
            lc.error_cap,
            f"an error finding on it or its parts caps it at {OPTIONS[lc.error_cap]} "
            "([likelihood] error_cap)",
            f"fix {named}",
            tuple(sorted({key for _, _, key in errors})),
            tuple(sorted({code for code, _, _ in errors})),
        )
    ]


def _driver_limits(
    drivers: Sequence[str], found: dict[str, Assessment], lc: LikelihoodConfig, goal: int
) -> list[Limit]:
    """A target is at most its reddest driving strategy + driver_margin."""
    rated = [found[k] for k in drivers if k in found]
    if not rated:
        return []
    low = min(a.likelihood for a in rated)
    red = min(a.key for a in rated if a.likelihood == low)
    wanted = goal - lc.driver_margin
    short = [a.key for a in rated if a.likelihood < wanted]
    return [
        Limit(
            "driver",
            int(low) + lc.driver_margin,
            f"its reddest driving strategy {red} is {OPTIONS[low]}: a target is at most it + "
            f"{lc.driver_margin} ([likelihood] driver_margin)",
            f"{', '.join(short) or red} rated at least {OPTIONS[max(1, wanted)]}",
            tuple(short or [red]),
        )
    ]


def _child_limits(rated: list[Assessment], lc: LikelihoodConfig, goal: int) -> list[Limit]:
    """A rollup is at most the mean of what is below it and its reddest child + child_margin
    (one child: at most that child)."""
    if not rated:
        return []
    low = min(a.likelihood for a in rated)
    red = min(a.key for a in rated if a.likelihood == low)
    if len(rated) == 1:
        said = f"{red}, the only item below it, is {OPTIONS[low]}"
        return [Limit("child", int(low), said, f"{red} rated at least {OPTIONS[goal]}", (red,))]
    mean = sum(int(a.likelihood) for a in rated) / len(rated)
    need, how = _need(goal, lc.rounding)
    under_goal = tuple(a.key for a in rated if a.likelihood < goal)
    wanted = goal - lc.child_margin
    short = tuple(a.key for a in rated if a.likelihood < wanted)
    return [
        Limit(
            "children",
            mean_rating(mean, lc.rounding),
            f"the {len(rated)} items below it average {mean:.2f}",
            f"their average {how} {need:.2f}: raise {', '.join(under_goal) or 'them'}",
            under_goal,
        ),
        Limit(
            "reddest child",
            int(low) + lc.child_margin,
            f"{red} below it is {OPTIONS[low]}: a rollup is at most it + {lc.child_margin} "
            "([likelihood] child_margin)",
            f"{', '.join(short) or red} rated at least {OPTIONS[max(1, wanted)]}",
            short or (red,),
        ),
    ]


def to_raise(
    a: Assessment, held: list[Limit], planning: list[tuple[str, str, str]]
) -> dict[str, Any] | None:
    """What the next rating up needs: every limit at or below the rating now must lift (each
    is needed; together they suffice, all else staying as it is). None for a Green item."""
    rating = int(a.likelihood)
    if rating >= 4:
        return None
    goal = rating + 1
    return {
        "to": goal,
        "label": OPTIONS[goal],
        "needs": [limit.as_json() for limit in held if limit.at < goal],
        "planning_findings": [
            {"code": code, "name": name, "key": key} for code, name, key in planning
        ],
    }
