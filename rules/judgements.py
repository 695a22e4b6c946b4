"""The five judgements of the assessment framework (manual Rule 7): shared parts, and targets.

Each judgement is a rating 1-4 with one line that quotes its evidence. Rationales name dates,
never ages in days, so that the text written back changes only when the evidence does.
docs/likelihood.md states every rule below in words.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from mappings.graph import Architecture
from mappings.model import (
    Indicator,
    Measurement,
    Milestone,
    Outcome,
    Priority,
    Risk,
    Strategy,
    Target,
    _Entity,
)
from rules.base import RuleContext
from rules.likelihood_config import LikelihoodConfig
from rules.model import JUDGEMENTS, Finding, Judged, Severity
from rules.trajectory import (
    direction_of,
    gain_share,
    historical_rate,
    history_start,
    planned_value,
    reached,
    required_rate,
    toward,
)

CHALLENGE, PLANNING, CAPACITY, STAGE, EVIDENCE = JUDGEMENTS
_RANK = {s: s.rank for s in Severity}
_SEVERITY = {s.rank: s.value for s in Severity}
_INDEX = {name: index for index, name in enumerate(JUDGEMENTS)}


class Schedule(NamedTuple):
    """A strategy's milestones in numbers, as of a day: all, done, due before it, met (due and
    done), overdue (due and not done), and the first and last due dates."""

    total: int
    done: int
    due: int
    met: int
    overdue: int
    first: date | None
    last: date | None

    @classmethod
    def of(cls, milestones: Sequence[Milestone], today: date) -> Schedule:
        done = due = met = 0
        dates = []
        for m in milestones:
            done += m.done
            if m.due is not None:
                dates.append(m.due)
                if m.due < today:
                    due += 1
                    met += m.done
        first, last = min(dates, default=None), max(dates, default=None)
        return cls(len(milestones), done, due, met, due - met, first, last)


@dataclass(frozen=True)
class Inputs:
    """What every judgement reads, indexed once per assessment run, in one pass over the graph.

    What it keeps is held as tuples of str, int and dates, which the cyclic garbage collector
    stops tracking: on a 100,000-entity portfolio, a list or model apiece would be as many more
    objects for each collection to walk. Its look-ups by key are the graph's relations in the
    form the judgements read them.
    """

    arch: Architecture
    ctx: RuleContext
    config: LikelihoodConfig
    today: date
    # By ticket key, from the findings: what Quality of planning counts, as (severity rank,
    # code, name, severity), and the error findings, as (code, name, key).
    planned: dict[str, tuple[tuple[int, str, str, str], ...]]
    errors: dict[str, tuple[tuple[str, str, str], ...]]
    owner_load: dict[str, int]  # person id -> active strategies they own
    # Item key -> the keys whose findings count against it, the item's first: a target and its
    # indicator; a strategy, its milestones and risks; an outcome or priority and the
    # indicators under it.
    parts: dict[str, tuple[str, ...]]
    # Target key -> the strategies driving it directly or through its outcome, sorted; and
    # strategy key -> the targets it drives directly or through an outcome, sorted.
    drivers: dict[str, tuple[str, ...]]
    driven: dict[str, tuple[str, ...]]
    targets: dict[str, tuple[str, ...]]  # outcome key -> the targets under its indicators
    schedules: dict[str, Schedule]  # strategy key -> its milestones in numbers, as of today
    series: dict[str, list[Measurement]]  # target key -> its indicator's, up to today
    # The items assessed, each kind in the graph's order.
    target_items: list[Target]
    strategy_items: list[Strategy]
    outcome_items: list[Outcome]
    priority_items: list[Priority]
    _trends: dict[str, tuple[int, date | None, float | None]] = field(default_factory=dict)
    _shared: dict[Judged, Judged] = field(default_factory=dict)

    @classmethod
    def gather(
        cls,
        arch: Architecture,
        findings: Iterable[Finding],
        ctx: RuleContext,
        config: LikelihoodConfig,
    ) -> Inputs:
        today = ctx.today
        excluded = tuple(config.planning_excludes)
        planned: dict[str, tuple[tuple[int, str, str, str], ...]] = {}
        errors: dict[str, tuple[tuple[str, str, str], ...]] = {}
        for f in findings:  # tuples grown one at a time: a key has a few findings
            key, code, name, rank = f.key, f.code, f.name, _RANK[f.severity]
            if not code.startswith(excluded):
                planned[key] = (*planned.get(key, ()), (rank, code, name, _SEVERITY[rank]))
            if rank == 0:
                errors[key] = (*errors.get(key, ()), (code, name, key))
        return cls(arch, ctx, config, today, planned, errors, **_relations(arch, today))

    def latest(self, target: Target) -> Measurement | None:
        """The newest measurement of the target's indicator dated today or earlier."""
        series = self.series.get(target.key)
        return series[-1] if series else None

    def trend(self, target: Target) -> tuple[int, date | None, float | None]:
        """How many measurements fall in the `history_years` up to the latest one, the first
        one's date, and their slope a year (None without two).

        The window ends at the latest measurement, not today, so that it moves only with data.
        """
        series = self.series.get(target.key)
        if not series:
            return 0, None, None
        key = series[-1].indicator_key
        found = self._trends.get(key)
        if found is None:
            since = history_start(series[-1].at, self.ctx.thresholds.history_years)
            window = series if series[0].at >= since else [m for m in series if m.at >= since]
            found = self._trends[key] = (len(window), window[0].at, historical_rate(window))
        return found

    def shared(self, name: str, rating: int, rationale: str) -> Judged:
        """`judge`, but one object for judgements that many items share word for word."""
        key = (name, rating, rationale)
        found = self._shared.get(key)
        if found is None:
            found = self._shared[key] = judge(name, rating, rationale)
        return found


def _relations(arch: Architecture, today: date) -> dict[str, Any]:
    """The look-ups of `Inputs` that follow the graph, from one pass over it."""
    entities, below, driven_by = arch.entities, arch.child_keys, arch.driver_keys
    items: dict[type[_Entity], list[Any]] = {Target: [], Strategy: [], Outcome: [], Priority: []}
    for entity in entities.values():
        found = items.get(type(entity))
        if found is not None:
            found.append(entity)
    parts: dict[str, tuple[str, ...]] = {}
    series: dict[str, list[Measurement]] = {}
    up_to_today: dict[str, list[Measurement]] = {}  # by indicator key
    drivers: dict[str, tuple[str, ...]] = {}
    driven: dict[str, list[str]] = {}
    parent_of = arch.parent_key
    for target in items[Target]:
        key = target.key
        driving: Sequence[str] = driven_by(key)
        indicator = parent_of(key)
        if indicator is None or type(entities[indicator]) is not Indicator:
            parts[key] = (key,)
        else:
            parts[key] = (key, indicator)
            measured = up_to_today.get(indicator)
            if measured is None:
                measured = up_to_today[indicator] = _up_to(arch.series(indicator), today)
            series[key] = measured
            outcome = parent_of(indicator)
            if outcome is not None and type(entities[outcome]) is Outcome and driven_by(outcome):
                driving = [*driving, *driven_by(outcome)]
        if len(driving) > 1:
            driving = sorted(set(driving))
        drivers[key] = tuple(driving)
        for strategy_key in driving:
            driven.setdefault(strategy_key, []).append(key)
    schedules: dict[str, Schedule] = {}
    load: dict[str, int] = {}
    for strategy in items[Strategy]:
        key = strategy.key
        milestones: list[Milestone] = []
        keys = [key]
        for child_key in below(key):
            child = entities[child_key]
            if type(child) is Milestone:
                milestones.append(child)
                keys.append(child_key)
            elif type(child) is Risk:
                keys.append(child_key)
        schedules[key] = Schedule.of(milestones, today)
        parts[key] = tuple(keys)
        if _active(strategy, today):
            for person in {p.id for p in strategy.owners}:
                load[person] = load.get(person, 0) + 1
    targets: dict[str, tuple[str, ...]] = {}
    for upper in (Outcome, Priority):
        for entity in items[upper]:
            key = entity.key
            indicators = [k for k in below(key) if type(entities[k]) is Indicator]
            parts[key] = (key, *indicators)
            if upper is Outcome:
                targets[key] = tuple(
                    t for i in indicators for t in below(i) if type(entities[t]) is Target
                )
    return {
        "owner_load": load,
        "parts": parts,
        "drivers": drivers,
        "driven": {key: tuple(sorted(keys)) for key, keys in driven.items()},
        "targets": targets,
        "schedules": schedules,
        "series": series,
        "target_items": items[Target],
        "strategy_items": items[Strategy],
        "outcome_items": items[Outcome],
        "priority_items": items[Priority],
    }


def _up_to(series: list[Measurement], today: date) -> list[Measurement]:
    """The measurements dated today or earlier (the graph's own list when that is all)."""
    if series and series[-1].at > today:
        return [m for m in series if m.at <= today]
    return series


def _active(strategy: Strategy, today: date) -> bool:
    return not strategy.done and (strategy.end_date is None or strategy.end_date >= today)


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


def rollup_judgement(
    name: str, parts: Sequence[tuple[str, int]], noun: str, inputs: Inputs
) -> Judged:
    """A judgement rolled up from (key, rating) parts: 'mean 2.50 of 2 targets, lowest DEL-7: 1'."""
    return judge(name, *rolled_up(parts, noun, inputs.config))


def rolled_up(
    parts: Sequence[tuple[str, int]], noun: str, config: LikelihoodConfig
) -> tuple[int, str]:
    """The conservative rollup of (key, rating) parts, and the line that explains it."""
    if len(parts) == 1:
        key, only = parts[0]
        return only, f"from its {noun} {key}: {only}"
    low_key, low = parts[0]
    total = 0
    for key, rating in parts:
        total += rating
        if rating < low or (rating == low and key < low_key):
            low_key, low = key, rating
    count = len(parts)
    mean = total / count
    rating = min(mean_rating(mean, config.rounding), low + config.child_margin)
    return rating, f"mean {mean:.2f} of {count} {plural_of(noun)}, lowest {low_key}: {low}"


# -- quality of planning --------------------------------------------------------------------


def planning(keys: Sequence[str], inputs: Inputs) -> Judged:
    """Quality of planning: points for the rule findings on the item and its parts."""
    config = inputs.config
    planned = inputs.planned
    found = [entry for key in keys if key in planned for entry in planned[key]]
    if len(keys) > 2:
        where = f"{keys[0]} and its parts"
    elif len(keys) == 2 and keys[0] != keys[1]:
        where = f"{keys[0]} and {keys[1]}"
    else:
        where = keys[0] if keys else ""
    if not found:
        return judge(PLANNING, 4, f"no planning findings on {where}")
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
    rationale = (
        f"{plural(points, 'point')} from {plural(len(found), 'finding')} on {where}: "
        f"{', '.join(shown)}"
    )
    return judge(PLANNING, config.planning.rate(points), rationale)


# -- targets: the judgements their own data supports ----------------------------------------


def target_challenge(target: Target, inputs: Inputs) -> Judged:
    """Degree of the challenge: the rate still required against the rate history shows."""
    config, today = inputs.config, inputs.today
    unknown = config.no_data_rating
    if target.target_value is None or target.target_date is None:
        return judge(CHALLENGE, unknown, "no target value or date: the challenge cannot be sized")
    latest = inputs.latest(target)
    value = latest.value if latest is not None else target.baseline_value
    goal = f"{fmt(target.target_value)} by {target.target_date}"
    if value is not None and reached(target, value):
        return judge(CHALLENGE, 4, f"{fmt(value)} already meets the target {goal}")
    if target.target_date <= today:
        return judge(CHALLENGE, 1, f"the target date has passed short of {goal}")
    if latest is None:
        return judge(CHALLENGE, unknown, "no measurement yet to start from or benchmark against")
    # Measured from the latest value on its own date, not from today: the text then changes
    # only when a measurement does (a stale value is Evidence of progress's concern).
    required = required_rate(target, latest, latest.at) or 0.0
    direction = direction_of(target)
    needs = f"needs {_pace(required)} from the latest value to reach {goal}"
    count, since, history = inputs.trend(target)
    if history is None:
        years = inputs.ctx.thresholds.history_years
        return judge(CHALLENGE, unknown, f"{needs}; no history in the {years:g} years before it")
    shown = f"{count} measurements since {since} show {_pace(history)}"
    if toward(direction, history) <= 0:
        return judge(CHALLENGE, 1, f"{needs}; {shown}, no progress")
    ratio = toward(direction, required) / toward(direction, history)
    rationale = f"{needs}; {shown}: {ratio:.1f}× history"
    return judge(CHALLENGE, config.challenge.rate(ratio), rationale)


def _pace(rate: float) -> str:
    """A rate to three significant figures: the precision a CRDO reads, without float noise."""
    rounded = float(f"{abs(rate):.3g}")
    return f"a {'fall' if rate < 0 else 'rise'} of {fmt(rounded)} a year"


def target_evidence(target: Target, inputs: Inputs) -> Judged:
    """Evidence of progress: the latest measurement against the trajectory, and its freshness."""
    config, today = inputs.config, inputs.today
    latest = inputs.latest(target)
    if latest is None:
        what = "no indicator" if inputs.arch.indicator_of(target) is None else "no measurement"
        return judge(
            EVIDENCE, config.no_data_rating, f"{what} yet: missing evidence is not progress"
        )
    rating, rationale = _against_plan(target, latest, inputs)
    fresh = inputs.ctx.thresholds.freshness_days
    age = (today - latest.at).days
    if age > fresh * config.stale_as_missing:
        limit = round(fresh * config.stale_as_missing)
        rating = min(rating, config.no_data_rating)
        rationale += f"; older than {limit} days, so it counts as missing"
    elif age > fresh:
        rating -= config.stale_penalty
        rationale += f"; stale (older than {fresh} days)"
    return judge(EVIDENCE, rating, rationale)


def _against_plan(target: Target, latest: Measurement, inputs: Inputs) -> tuple[int, str]:
    config, today = inputs.config, inputs.today
    seen = f"latest {fmt(latest.value)} on {latest.at}"
    if target.target_value is not None and reached(target, latest.value):
        return 4, f"{seen} meets the target {fmt(target.target_value)}"
    if target.target_date is not None and target.target_date < today:
        goal = "" if target.target_value is None else f" {fmt(target.target_value)}"
        return 1, f"{seen}: the target{goal} was due {target.target_date}"
    planned = planned_value(target, latest.at)
    if planned is None:
        return config.no_data_rating, f"{seen}; no baseline, trajectory or target to compare with"
    against = f"{seen} against {fmt(planned)} planned"
    share = gain_share(target, latest.value, planned)
    if share is not None:
        green = 1 - inputs.ctx.thresholds.off_trajectory_tolerance
        return config.evidence.rate(share, green), f"{against}: {share:.0%} of the planned gain"
    if target.baseline_value is None:
        return config.no_data_rating, f"{against}; no baseline to measure the gain from"
    moved = toward(direction_of(target), latest.value - target.baseline_value)
    status = "no worse than" if moved >= 0 else "behind"
    rating = 3 if moved >= 0 else 2
    return (
        rating,
        f"{against}, no gain planned yet; {status} the baseline {fmt(target.baseline_value)}",
    )


def indicator_key(target_key: str, arch: Architecture) -> str | None:
    """The key of a target's indicator (its parent, when that is an indicator)."""
    parent = arch.parent_key(target_key)
    return parent if parent is not None and type(arch.entities[parent]) is Indicator else None


# A target's own judgements: (challenge, planning, evidence).
Own = tuple[Judged, Judged, Judged]


def target_own(target: Target, inputs: Inputs) -> Own:
    """The judgements a target's own data supports: challenge, planning, evidence."""
    return (
        target_challenge(target, inputs),
        planning(inputs.parts[target.key], inputs),
        target_evidence(target, inputs),
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
        known = (
            _from_strategies(CAPACITY, driving, strategies, inputs),
            _from_strategies(STAGE, driving, strategies, inputs),
        )
        if shared is not None:
            shared[tuple(driving)] = known
    return [challenge, planned, *known, evidence]


def _from_strategies(
    name: str, keys: list[str], strategies: Mapping[str, Sequence[Judged]], inputs: Inputs
) -> Judged:
    index = _INDEX[name]
    parts = [(key, strategies[key][index][1]) for key in keys]
    return rollup_judgement(name, parts, "driving strategy", inputs)
