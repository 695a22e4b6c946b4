"""The five judgements of the assessment framework (manual Rule 7): shared parts, and targets.

Each judgement is a rating 1-4 with one line that quotes its evidence. Rationales name dates,
never ages in days, so that the text written back changes only when the evidence does.
docs/likelihood.md states every rule below in words.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from datetime import date

from mappings.model import (
    Direction,
    Measurement,
    Target,
)
from rules.inputs import Inputs
from rules.likelihood_config import LikelihoodConfig
from rules.model import JUDGEMENTS, LABELS, Judged
from rules.trajectory import (
    DAYS_PER_YEAR,
    direction_of,
    gain_share,
    planned_value,
    reached,
    toward,
)

CHALLENGE, PLANNING, CAPACITY, STAGE, EVIDENCE = JUDGEMENTS
_INDEX = {name: index for index, name in enumerate(JUDGEMENTS)}


# -- numbers and ratings ------------------------------------------------------------------


def fmt(value: float) -> str:
    """A value as a team reads it: 12,400 · 62.5 · 4.07 · 0.25 · 0.0062 (thousands separated,
    no float noise, and a small value to two significant figures, never rounded to 0.01)."""
    number = float(value)
    if number.is_integer():
        return f"{int(number):,}"
    size = abs(number)
    if size >= 1:
        text = format(number, ",.0f" if size >= 100 else ",.1f" if size >= 10 else ",.2f")
    elif size >= 1e-9:
        text = format(number, f".{1 - math.floor(math.log10(size))}f")
    else:
        return format(number, ".2g")
    return text.rstrip("0").rstrip(".") if "." in text else text


def quantity(value: float, unit: str | None) -> str:
    """A value with its indicator's unit: 84.5% · 2,354 incidents/month · 12.5."""
    if not unit:
        return fmt(value)
    return f"{fmt(value)}{unit}" if unit == "%" else f"{fmt(value)} {unit}"


def rate_unit(unit: str | None) -> str:
    """The unit of a change a year: percentage points for a share, else the unit itself."""
    if not unit:
        return ""
    return " points" if unit == "%" else f" {unit}"


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
    '2 targets, the weakest DEL-7: Red' (of one part: 'its target DEL-7: Red')."""
    if len(parts) == 1:
        key, only = parts[0]
        return only, f"its {noun} {key}: {LABELS[only]}"
    low, low_key = min([(rating, key) for key, rating in parts])  # the first key of the lowest
    total = sum([rating for _, rating in parts])
    rating, head = _rolled(total, len(parts), low, noun, inputs)
    return rating, f"{head}{low_key}: {LABELS[low]}"


def rolled_up_all(
    below: Sequence[tuple[str, Sequence[Judged]]], noun: str, inputs: Inputs
) -> list[Judged]:
    """Each of the five judgements rolled up from the (key, five judgements) of the items
    below: `rolled_up` of each judgement's ratings, in one pass."""
    if len(below) == 1:
        key, judged = below[0]
        head = f"its {noun} {key}: "
        return [(name, rating, f"{head}{LABELS[rating]}") for name, rating, _ in judged]
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
            known.append((name, rating, head, column.index(low), f": {LABELS[low]}"))
        rollups[memo] = known
    return [(name, rating, head + keys[first] + tail) for name, rating, head, first, tail in known]


def _rolled(total: int, count: int, low: int, noun: str, inputs: Inputs) -> tuple[int, str]:
    """The rating of a rollup of `count` ratings summing to `total`, the lowest `low`, and the
    start of its line, '2 targets, the weakest ' (the run's cache keeps each once)."""
    rolled = inputs.cache.rolled
    memo = (total, count, low, noun)
    found = rolled.get(memo)
    if found is None:
        config = inputs.config
        mean = total / count
        rating = min(mean_rating(mean, config.rounding), low + config.child_margin)
        found = rolled[memo] = (rating, f"{count} {plural_of(noun)}, the weakest ")
    return found


# -- quality of planning --------------------------------------------------------------------


def planning(keys: Sequence[str], inputs: Inputs) -> Judged:
    """Quality of planning: points for the rule findings (gaps) on the item and its parts."""
    planned = inputs.planned
    where = _where(keys, inputs)
    if planned.keys().isdisjoint(keys):
        return (PLANNING, 4, f"no gaps found on {where}")
    found = tuple([entry for key in keys for entry in planned.get(key, ())])
    points_of = inputs.cache.planning
    known = points_of.get(found)
    if known is None:  # the same findings on many items: their points and list once
        known = points_of[found] = _planning_points(found, inputs.config)
    rating, count, shown = known
    return (PLANNING, rating, f"{count} on {where}: {shown}")


def _where(keys: Sequence[str], inputs: Inputs) -> str:
    """'DEL-4 and its indicator DEL-3', 'DEL-13 and its milestones and risks', 'DEL-2'."""
    if not keys:
        return ""
    first, rest = keys[0], [key for key in keys[1:] if key != keys[0]]
    if not rest:
        return first
    entities = inputs.arch.entities
    kinds = sorted({str(entities[key].kind) for key in rest if key in entities})
    if len(rest) == 1 and len(kinds) == 1:
        return f"{first} and its {kinds[0]} {rest[0]}"
    return f"{first} and its {' and '.join(plural_of(kind) for kind in kinds) or 'parts'}"


def rule_words(code: str, name: str) -> str:
    """A rule as a team reads it: RD309 target-without-trajectory is 'target without
    trajectory'."""
    return _RULE_WORDS.get(code) or name.replace("-", " ")


# Rule names that do not read as words once their hyphens go.
_RULE_WORDS = {
    "RD107": "no accountable owner",
    "RD108": "several accountable owners",
    "RD109": "too many priorities in the department",
    "RD207": "target date passed, value not reached",
    "RD403": "rating fell",
}


def _planning_points(
    found: Sequence[tuple[int, str, str, str]], config: LikelihoodConfig
) -> tuple[int, str, str]:
    """The rating some findings earn, '2 gaps', and their list in words ('serious' for an
    error, which counts double by default)."""
    points_of = config.planning_points
    points = 0
    counts: dict[tuple[int, str, str, str], int] = {}
    for entry in found:
        points += points_of.get(entry[3], 0)
        counts[entry] = counts.get(entry, 0) + 1
    shown = [
        rule_words(code, name)
        + (" (serious)" if severity == "error" else "")
        + (f" ×{n}" if n > 1 else "")
        for (_, code, name, severity), n in sorted(counts.items())
    ]
    if len(shown) > 4:
        shown = [*shown[:4], f"{len(shown) - 4} more"]
    return config.planning.rate(points), plural(len(found), "gap"), ", ".join(shown)


# -- targets: the judgements their own data supports ----------------------------------------


def unit_of(target: Target, inputs: Inputs) -> str | None:
    """The unit of the target's indicator, when it has one."""
    parts = inputs.parts.get(target.key, ())
    indicator = inputs.arch.entities.get(parts[1]) if len(parts) > 1 else None
    return getattr(indicator, "unit", None) or None


def _challenge(target: Target, latest: Measurement | None, inputs: Inputs) -> Judged:
    config = inputs.config
    unknown = config.no_data_rating
    goal_value, due = target.target_value, target.target_date
    if goal_value is None or due is None:
        return judge(CHALLENGE, unknown, "no target value or date, so the challenge is unknown")
    unit = unit_of(target, inputs)
    value = latest.value if latest is not None else target.baseline_value
    goal = f"{quantity(goal_value, unit)} by {inputs.cache.days[due]}"
    if value is not None and reached(target, value):
        return judge(CHALLENGE, 4, f"{quantity(value, unit)} already meets the target {goal}")
    if due <= inputs.today:
        return judge(CHALLENGE, 1, f"the target date has passed short of {goal}")
    if latest is None:
        return judge(CHALLENGE, unknown, "no measurement yet to start from or compare with")
    # Measured from the latest value on its own date, not from today: the text then changes
    # only when a measurement does (a stale value is Evidence of progress's concern).
    required = inputs.ctx.required(target, latest) or 0.0
    direction = direction_of(target)
    needs = f"needs a {_pace(required, unit, inputs)} to reach {goal}"
    count, since, history = inputs.trend(target)
    if history is None or since is None:
        years = inputs.ctx.thresholds.history_years
        return judge(CHALLENGE, unknown, f"{needs}; no history in the {years:g} years before")
    shown = f"the {count} measurements since {inputs.cache.days[since]}"
    if toward(direction, history) <= 0:  # no progress: no plan makes up for it
        moved = _pace(history, unit, inputs)
        return judge(CHALLENGE, 1, f"{needs}, but {shown} show a {moved}: no progress")
    ratio = toward(direction, required) / toward(direction, history)
    history_pace = _pace(history, unit, inputs)
    rating = config.challenge.rate(ratio)
    rationale = f"{needs}, {ratio:.1f} times the pace of {shown} ({history_pace})"
    if rating == 4 or not target.trajectory:  # Green already; a straight path plans no step-up
        return (CHALLENGE, rating, rationale)
    return _against_the_plan(target, latest, (ratio, since, unit), rating, rationale, inputs)


def _against_the_plan(
    target: Target,
    latest: Measurement,
    history: tuple[float, date, str | None],
    rating: int,
    rationale: str,
    inputs: Inputs,
) -> Judged:
    """The challenge against history (`history`: the ratio of the pace needed to history's,
    the window's first day, the unit), then against the plan's own trajectory (the manual's
    'against your plan'). When the trajectory steps up, planning a faster pace from the latest
    measurement on than over the history's window, the ratio is divided by that step-up:
    where the quotient rates better by the same bands, the plan foresees the departure from
    history and the rating is one level up, never more (a plan is not evidence)."""
    ratio, since, unit = history
    goal, due, base_day = target.target_value, target.target_date, target.baseline_date
    start = since if base_day is None or base_day < since else base_day  # planned from there
    planned = inputs.ctx.progress(target, latest)[0]
    if goal is None or due is None or planned is None or start >= latest.at:
        return (CHALLENGE, rating, rationale)
    before = planned_value(target, start)
    if before is None:  # unreachable once there is a planned value; the type allows it
        return (CHALLENGE, rating, rationale)
    direction = direction_of(target)
    past = toward(direction, planned - before) / ((latest.at - start).days / DAYS_PER_YEAR)
    ahead = toward(direction, goal - planned) / ((due - latest.at).days / DAYS_PER_YEAR)
    if past <= 0 or ahead <= past * (1 + inputs.ctx.thresholds.off_trajectory_tolerance):
        return (CHALLENGE, rating, rationale)  # no step-up planned: history says it all
    step_up = ahead / past
    adjusted = ratio / step_up
    sign = -1 if direction == Direction.DECREASE else 1
    said = (
        f"{rationale}; its trajectory steps up {step_up:.1f} times, from a "
        f"{_pace(sign * past, unit, inputs)} to a {_pace(sign * ahead, unit, inputs)} after "
        f"{inputs.cache.days[latest.at]}: against the plan, {adjusted:.1f} times"
    )
    if rating < 4 and inputs.config.challenge.rate(adjusted) > rating:
        return (CHALLENGE, rating + 1, f"{said}, so the step-up is the plan's: one level up")
    return (CHALLENGE, rating, said)


def _pace(rate: float, unit: str | None, inputs: Inputs) -> str:
    """A rate to three significant figures, in the indicator's unit: 'rise of 4.07 points a
    year' (the precision a team reads, without float noise)."""
    rounded = f"{rate:.3g}"
    paces = inputs.cache.paces
    memo = (rounded, unit)
    text = paces.get(memo)  # rates repeat at three figures
    if text is None:
        size = fmt(abs(float(rounded)))
        said = f"{'fall' if rate < 0 else 'rise'} of {size}{rate_unit(unit)} a year"
        text = paces[memo] = said
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
    unit = unit_of(target, inputs)
    value, at = latest.value, latest.at
    seen = f"latest {quantity(value, unit)} on {inputs.cache.days[at]}"
    goal_value, due = target.target_value, target.target_date
    if goal_value is not None and reached(target, value):
        return 4, f"{seen} meets the target {quantity(goal_value, unit)}"
    if due is not None and due < inputs.today:
        goal = "" if goal_value is None else f" {quantity(goal_value, unit)}"
        said = f"{seen}: the target{goal} was due {inputs.cache.days[due]}"
        tolerance = inputs.ctx.thresholds.off_trajectory_tolerance
        share = None if goal_value is None else gain_share(target, value, goal_value)
        if share is not None and share >= 1 - tolerance:  # as rules.decision_table reads it
            return 2, f"{said}, missed within the tolerance: {share:.0%} of the gain planned"
        return 1, said
    planned, share = inputs.ctx.progress(target, latest)  # as RD402 reads them
    if planned is None:
        return config.no_data_rating, f"{seen}; no baseline, trajectory or target to compare with"
    against = f"{seen} against {quantity(planned, unit)} planned"
    if share is not None:
        green = 1 - inputs.ctx.thresholds.off_trajectory_tolerance
        rating = config.evidence.rate(share, green)
        if share < 0:
            return rating, f"{against}: further from the target than the baseline"
        return rating, f"{against}: {share:.0%} of the planned gain"
    if target.baseline_value is None:
        return config.no_data_rating, f"{against}; no baseline to measure the gain from"
    moved = toward(direction_of(target), value - target.baseline_value)
    status = "no worse than" if moved >= 0 else "behind"
    rating = 3 if moved >= 0 else 2
    baseline = quantity(target.baseline_value, unit)
    return rating, f"{against}, no gain planned yet; {status} the baseline {baseline}"


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
