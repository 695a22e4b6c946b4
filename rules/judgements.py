"""The five judgements of the assessment framework (manual Rule 7): shared parts, and targets.

Each judgement is a rating 1-4 with one line that quotes its evidence. Rationales name dates,
never ages in days, so that the text written back changes only when the evidence does.
docs/likelihood.md states every rule below in words.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence

from mappings.model import (
    Measurement,
    Target,
)
from rules.inputs import Inputs
from rules.likelihood_config import LikelihoodConfig
from rules.model import JUDGEMENTS, Judged
from rules.trajectory import (
    direction_of,
    reached,
    toward,
)

CHALLENGE, PLANNING, CAPACITY, STAGE, EVIDENCE = JUDGEMENTS
_INDEX = {name: index for index, name in enumerate(JUDGEMENTS)}


# -- numbers and ratings ------------------------------------------------------------------


def fmt(value: float) -> str:
    """A value as a CRDO reads it: 12,400 · 62.5 · 0.25 (no float noise)."""
    number = float(value)
    if number.is_integer():
        return f"{int(number):,}"
    size = abs(number)
    text = format(number, ",.0f" if size >= 100 else ",.1f" if size >= 10 else ",.2f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def plural(n: int, noun: str) -> str:
    """'1 point', '2 points', '3 active strategies'."""
    return f"{n} {noun if n == 1 else plural_of(noun)}"


@functools.lru_cache(maxsize=64)  # the few nouns of the texts, asked 100,000s of times a run
def plural_of(noun: str) -> str:
    """'targets', 'strategies', 'targets or strategies' (each word that is a noun)."""
    if " or " in noun:
        return " or ".join(plural_of(part) for part in noun.split(" or "))
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


def judge(name: str, rating: int, rationale: str) -> Judged:
    """A judgement as (name, rating, rationale), its rating clamped to 1-4."""
    return (name, rating if 1 <= rating <= 4 else max(1, min(4, rating)), rationale)


def mean_rating(mean: float, rounding: str) -> int:
    """A mean of ratings as a rating: 'down' floors, 'nearest' rounds halves down."""
    if rounding == "down":
        return max(1, math.floor(mean + 1e-9))
    return max(1, math.ceil(mean - 0.5 - 1e-9))


def rollup(ratings: Sequence[int], margin: int, rounding: str) -> int:
    """The conservative rollup: the mean as a rating, at most the lowest + `margin`."""
    return min(mean_rating(sum(ratings) / len(ratings), rounding), min(ratings) + margin)


def rolled_up(parts: Sequence[tuple[str, int]], noun: str, inputs: Inputs) -> tuple[int, str]:
    """The conservative rollup of (key, rating) parts, and the line that explains it:
    'mean 2.50 of 2 targets, lowest DEL-7: 1' (of one part: 'from its target DEL-7: 1')."""
    if len(parts) == 1:
        key, only = parts[0]
        return only, f"from its {noun} {key}: {only}"
    low, low_key = min([(rating, key) for key, rating in parts])  # the first key of the lowest
    total = sum([rating for _, rating in parts])
    rating, head = _rolled(total, len(parts), low, noun, inputs)
    return rating, f"{head}{low_key}: {low}"


def rolled_up_all(
    below: Sequence[tuple[str, Sequence[Judged]]], noun: str, inputs: Inputs
) -> list[Judged]:
    """Each of the five judgements rolled up from the (key, five judgements) of the items
    below: `rolled_up` of each judgement's ratings, in one pass."""
    if len(below) == 1:
        key, judged = below[0]
        head = f"from its {noun} {key}: "
        return [(name, rating, f"{head}{rating}") for name, rating, _ in judged]
    keys = [key for key, _ in below]
    if keys != sorted(keys):  # in key order, the first of the lowest has the first key
        below = sorted(below, key=lambda part: part[0])
        keys = [key for key, _ in below]
    names = tuple([name for name, _, _ in below[0][1]])
    ratings = tuple([rating for _, judged in below for _, rating, _ in judged])  # row by row
    rollups = inputs.cache.rollups
    memo = (noun, names, ratings)
    known = rollups.get(memo)
    if known is None:  # the same ratings below: the same rollups, but for the keys named
        known = []
        width = len(names)
        for index, name in enumerate(names):
            column = ratings[index::width]
            low = min(column)
            rating, head = _rolled(sum(column), len(column), low, noun, inputs)
            known.append((name, rating, head, column.index(low), f": {low}"))
        rollups[memo] = known
    return [(name, rating, head + keys[first] + tail) for name, rating, head, first, tail in known]


def _rolled(total: int, count: int, low: int, noun: str, inputs: Inputs) -> tuple[int, str]:
    """The rating of a rollup of `count` ratings summing to `total`, the lowest `low`, and the
    start of its line, 'mean 2.50 of 2 targets, lowest ' (the run's cache keeps each once)."""
    rolled = inputs.cache.rolled
    memo = (total, count, low, noun)
    found = rolled.get(memo)
    if found is None:
        config = inputs.config
        mean = total / count
        rating = min(mean_rating(mean, config.rounding), low + config.child_margin)
        found = rolled[memo] = (rating, f"mean {mean:.2f} of {count} {plural_of(noun)}, lowest ")
    return found


# -- quality of planning --------------------------------------------------------------------


def planning(keys: Sequence[str], inputs: Inputs) -> Judged:
    """Quality of planning: points for the rule findings on the item and its parts."""
    planned = inputs.planned
    if len(keys) > 2:
        where = f"{keys[0]} and its parts"
    elif len(keys) == 2 and keys[0] != keys[1]:
        where = f"{keys[0]} and {keys[1]}"
    else:
        where = keys[0] if keys else ""
    if planned.keys().isdisjoint(keys):
        return (PLANNING, 4, f"no planning findings on {where}")
    found = tuple([entry for key in keys for entry in planned.get(key, ())])
    points_of = inputs.cache.planning
    known = points_of.get(found)
    if known is None:  # the same findings on many items: their points and list once
        known = points_of[found] = _planning_points(found, inputs.config)
    rating, points, shown = known
    return (PLANNING, rating, f"{points} on {where}: {shown}")


def _planning_points(
    found: Sequence[tuple[int, str, str, str]], config: LikelihoodConfig
) -> tuple[int, str, str]:
    """The rating some findings earn, '2 points from 2 findings', and their list."""
    points_of = config.planning_points
    points = 0
    counts: dict[tuple[int, str, str, str], int] = {}
    for entry in found:
        points += points_of.get(entry[3], 0)
        counts[entry] = counts.get(entry, 0) + 1
    shown = [
        f"{code} {name} ({severity})" + (f" ×{n}" if n > 1 else "")
        for (_, code, name, severity), n in sorted(counts.items())
    ]
    if len(shown) > 4:
        shown = [*shown[:4], f"{len(shown) - 4} more"]
    said = f"{plural(points, 'point')} from {plural(len(found), 'finding')}"
    return config.planning.rate(points), said, ", ".join(shown)


# -- targets: the judgements their own data supports ----------------------------------------


def _challenge(target: Target, latest: Measurement | None, inputs: Inputs) -> Judged:
    config = inputs.config
    unknown = config.no_data_rating
    goal_value, due = target.target_value, target.target_date
    if goal_value is None or due is None:
        return judge(CHALLENGE, unknown, "no target value or date: the challenge cannot be sized")
    value = latest.value if latest is not None else target.baseline_value
    goal = f"{fmt(goal_value)} by {inputs.cache.days[due]}"
    if value is not None and reached(target, value):
        return judge(CHALLENGE, 4, f"{fmt(value)} already meets the target {goal}")
    if due <= inputs.today:
        return judge(CHALLENGE, 1, f"the target date has passed short of {goal}")
    if latest is None:
        return judge(CHALLENGE, unknown, "no measurement yet to start from or benchmark against")
    # Measured from the latest value on its own date, not from today: the text then changes
    # only when a measurement does (a stale value is Evidence of progress's concern).
    required = inputs.ctx.required(target, latest) or 0.0
    direction = direction_of(target)
    needs = f"needs {_pace(required, inputs)} from the latest value to reach {goal}"
    count, since, history = inputs.trend(target)
    if history is None or since is None:
        years = inputs.ctx.thresholds.history_years
        return judge(CHALLENGE, unknown, f"{needs}; no history in the {years:g} years before it")
    shown = f"{count} measurements since {inputs.cache.days[since]} show {_pace(history, inputs)}"
    if toward(direction, history) <= 0:
        return judge(CHALLENGE, 1, f"{needs}; {shown}, no progress")
    ratio = toward(direction, required) / toward(direction, history)
    rationale = f"{needs}; {shown}: {ratio:.1f}× history"
    return (CHALLENGE, config.challenge.rate(ratio), rationale)


def _pace(rate: float, inputs: Inputs) -> str:
    """A rate to three significant figures: the precision a CRDO reads, without float noise."""
    rounded = f"{rate:.3g}"
    paces = inputs.cache.paces
    text = paces.get(rounded)  # rates repeat at three figures
    if text is None:
        size = fmt(abs(float(rounded)))
        text = paces[rounded] = f"a {'fall' if rate < 0 else 'rise'} of {size} a year"
    return text


def _evidence(target: Target, latest: Measurement | None, inputs: Inputs) -> Judged:
    config = inputs.config
    if latest is None:
        what = "no indicator" if inputs.arch.indicator_of(target) is None else "no measurement"
        return judge(
            EVIDENCE, config.no_data_rating, f"{what} yet: missing evidence is not progress"
        )
    rating, rationale = _against_plan(target, latest, inputs)
    fresh = inputs.ctx.thresholds.freshness_days
    age = (inputs.today - latest.at).days
    if age > fresh * config.stale_as_missing:
        limit = round(fresh * config.stale_as_missing)
        rating = min(rating, config.no_data_rating)
        rationale += f"; older than {limit} days, so it counts as missing"
    elif age > fresh:
        rating -= config.stale_penalty
        rationale += f"; stale (older than {fresh} days)"
    return judge(EVIDENCE, rating, rationale)


def _against_plan(target: Target, latest: Measurement, inputs: Inputs) -> tuple[int, str]:
    config = inputs.config
    value, at = latest.value, latest.at
    seen = f"latest {fmt(value)} on {inputs.cache.days[at]}"
    goal_value, due = target.target_value, target.target_date
    if goal_value is not None and reached(target, value):
        return 4, f"{seen} meets the target {fmt(goal_value)}"
    if due is not None and due < inputs.today:
        goal = "" if goal_value is None else f" {fmt(goal_value)}"
        return 1, f"{seen}: the target{goal} was due {inputs.cache.days[due]}"
    planned, share = inputs.ctx.progress(target, latest)  # as RD402 reads them
    if planned is None:
        return config.no_data_rating, f"{seen}; no baseline, trajectory or target to compare with"
    against = f"{seen} against {fmt(planned)} planned"
    if share is not None:
        green = 1 - inputs.ctx.thresholds.off_trajectory_tolerance
        rating = config.evidence.rate(share, green)
        return rating, f"{against}: {share:.0%} of the planned gain"
    if target.baseline_value is None:
        return config.no_data_rating, f"{against}; no baseline to measure the gain from"
    moved = toward(direction_of(target), value - target.baseline_value)
    status = "no worse than" if moved >= 0 else "behind"
    rating = 3 if moved >= 0 else 2
    return (
        rating,
        f"{against}, no gain planned yet; {status} the baseline {fmt(target.baseline_value)}",
    )


# A target's own judgements: (challenge, planning, evidence).
Own = tuple[Judged, Judged, Judged]


def target_own(target: Target, inputs: Inputs) -> Own:
    """The judgements a target's own data supports: challenge, planning, evidence."""
    latest = inputs.latest(target)
    return (
        _challenge(target, latest, inputs),
        planning(inputs.parts[target.key], inputs),
        _evidence(target, latest, inputs),
    )


def target_judgements(
    target: Target,
    own: Own,
    strategies: Mapping[str, Sequence[Judged]],
    inputs: Inputs,
    shared: dict[tuple[str, ...], tuple[Judged, Judged]] | None = None,
) -> list[Judged]:
    """All five for a target: its own three, capacity and stage from the strategies driving it
    (`strategies`: the five judgements of each assessed strategy, by key, as JUDGEMENTS).

    `shared` keeps capacity and stage by the keys of the driving strategies, for the targets
    that the same strategies drive (it must go with one `strategies`); optional.
    """
    challenge, planned, evidence = own
    driving = [key for key in inputs.drivers.get(target.key, ()) if key in strategies]
    if not driving:
        capacity = judge(CAPACITY, 1, f"no strategy drives {target.key}: nobody moves it")
        ceiling = inputs.config.stage_ceilings.policy_and_planning
        rating = min(ceiling, inputs.config.no_data_rating)
        stage = judge(STAGE, rating, "policy and planning: no strategy drives it yet")
        return [challenge, planned, capacity, stage, evidence]
    known = None if shared is None else shared.get(tuple(driving))
    if known is None:
        below = [(key, strategies[key][_CAPACITY_STAGE]) for key in driving]
        capacity, stage = rolled_up_all(below, "driving strategy", inputs)
        known = (capacity, stage)
        if shared is not None:
            shared[tuple(driving)] = known
    return [challenge, planned, *known, evidence]


_CAPACITY_STAGE = slice(_INDEX[CAPACITY], _INDEX[STAGE] + 1)  # the two, side by side
assert _INDEX[STAGE] == _INDEX[CAPACITY] + 1
