"""What the judgements of one assessment run read: the findings by ticket and the graph's
relations, indexed once (`Inputs`), and a strategy's milestones in numbers (`Schedule`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, cast

from mappings.graph import Architecture
from mappings.model import (
    EntityKind,
    Measurement,
    Milestone,
    Outcome,
    Priority,
    Risk,
    Strategy,
    Target,
)
from rules.base import RuleContext
from rules.likelihood_config import LikelihoodConfig
from rules.model import Finding, Severity
from rules.run_cache import RunCache
from rules.trajectory import Trend, up_to

_RANK = {s: s.rank for s in Severity}
_SEVERITY = {s.rank: s.value for s in Severity}


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
    targets: dict[str, tuple[str, ...]]  # outcome key -> the targets under its indicators, if any
    outcomes: dict[str, tuple[str, ...]]  # priority key -> its outcomes, sorted, if any
    schedules: dict[str, Schedule]  # strategy key -> its milestones in numbers, as of today
    series: dict[str, Sequence[Measurement]]  # target key -> its indicator's, up to today
    # The items assessed, each kind in the graph's order.
    target_items: list[Target]
    strategy_items: list[Strategy]
    outcome_items: list[Outcome]
    priority_items: list[Priority]
    # What many items of the run share (a rollup's "2 targets, the weakest", a cap's reason),
    # made once a run: formatting each once is most of what the texts cost.
    cache: RunCache = field(default_factory=RunCache)

    @classmethod
    def gather(
        cls,
        arch: Architecture,
        findings: Iterable[Finding],
        ctx: RuleContext,
        config: LikelihoodConfig,
        cold: bool = False,
    ) -> Inputs:
        """The run's inputs; `cold`: with a cache that keeps nothing (`RunCache.cold`)."""
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
        return cls(
            arch,
            ctx,
            config,
            today,
            planned,
            errors,
            **_relations(arch, ctx),
            cache=RunCache.cold() if cold else RunCache(),
        )

    def latest(self, target: Target) -> Measurement | None:
        """The newest measurement of the target's indicator dated today or earlier."""
        series = self.series.get(target.key)
        return series[-1] if series else None

    def trend(self, target: Target) -> Trend:
        """The trend of the target's indicator (`RuleContext.trend`: fitted once a run)."""
        parts = self.parts[target.key]
        if len(parts) < 2:  # no indicator
            return 0, None, None
        return self.ctx.trend(parts[1], self.arch.series(parts[1]))


def _relations(arch: Architecture, ctx: RuleContext) -> dict[str, Any]:
    """The look-ups of `Inputs` that follow the graph, from one pass over it.

    They lean on what assembly guarantees (`Architecture`: a parent of the wrong kind is
    dropped, RD902): a target's parent is an indicator, an indicator's an outcome, a milestone's
    and a risk's a strategy; so an outcome's indicators are the indicators whose parent it is,
    and a priority has none.
    """
    by_kind = ctx.by_kind(arch)  # the rules engine's index of the run, when it ran
    today = ctx.today
    parts: dict[str, tuple[str, ...]] = {}
    indicators: dict[str, list[str]] = {}  # outcome key -> its indicators, in graph order
    parent_of = arch.parent_key
    for indicator in by_kind[EntityKind.INDICATOR]:
        above = parent_of(indicator.key)
        if above is not None:
            indicators.setdefault(above, []).append(indicator.key)
    outcomes = by_kind[EntityKind.OUTCOME]
    under: dict[str, list[str]] = {}  # priority key -> its outcomes
    for outcome in outcomes:
        key = outcome.key
        parts[key] = (key, *indicators.get(key, ()))
        above = parent_of(key)
        if above is not None:
            under.setdefault(above, []).append(key)
    priorities = by_kind[EntityKind.PRIORITY]
    for priority in priorities:
        parts[priority.key] = (priority.key,)
    targets = cast(list[Target], by_kind[EntityKind.TARGET])
    strategies = cast(list[Strategy], by_kind[EntityKind.STRATEGY])
    return {
        "parts": parts,
        "outcomes": {key: tuple(sorted(keys)) for key, keys in under.items()},
        **_targets_index(arch, targets, today, parts),
        **_strategies_index(arch, strategies, today, parts),
        "target_items": targets,
        "strategy_items": strategies,
        "outcome_items": outcomes,
        "priority_items": priorities,
    }


def _targets_index(
    arch: Architecture, targets: list[Target], today: date, parts: dict[str, tuple[str, ...]]
) -> dict[str, Any]:
    """Each target's parts, drivers and series; each strategy's driven targets; each outcome's
    targets (those under its indicators)."""
    driven_by, parent_of, series_of = arch.driver_keys, arch.parent_key, arch.series
    series: dict[str, Sequence[Measurement]] = {}
    up_to_today: dict[str, Sequence[Measurement]] = {}  # by indicator key
    drivers: dict[str, tuple[str, ...]] = {}
    driven: dict[str, list[str]] = {}
    under: dict[str, list[str]] = {}  # outcome key -> its targets
    for target in targets:
        key = target.key
        driving: Sequence[str] = driven_by(key)
        indicator = parent_of(key)  # an indicator, if any (assembly guarantees its kind)
        if indicator is None:
            parts[key] = (key,)
        else:
            parts[key] = (key, indicator)
            measured = up_to_today.get(indicator)
            if measured is None:
                measured = up_to_today[indicator] = up_to(series_of(indicator), today)
            series[key] = measured
            outcome = parent_of(indicator)  # an outcome, if any
            if outcome is not None:
                under.setdefault(outcome, []).append(key)
                if driven_by(outcome):
                    driving = [*driving, *driven_by(outcome)]
        if len(driving) > 1:
            driving = sorted(set(driving))
        drivers[key] = tuple(driving)
        for strategy_key in driving:
            driven.setdefault(strategy_key, []).append(key)
    return {
        "series": series,
        "drivers": drivers,
        "driven": {key: tuple(sorted(keys)) for key, keys in driven.items()},
        "targets": {key: tuple(keys) for key, keys in under.items()},
    }


def _strategies_index(
    arch: Architecture, strategies: list[Strategy], today: date, parts: dict[str, tuple[str, ...]]
) -> dict[str, Any]:
    """Each strategy's parts (itself, its milestones and risks) and schedule; owners' load."""
    entities, below = arch.entities, arch.child_keys
    schedules: dict[str, Schedule] = {}
    load: dict[str, int] = {}
    for strategy in strategies:
        key = strategy.key
        keys = [key]
        total = done = due = met = 0
        first = last = None
        for child_key in below(key):
            child = entities[child_key]
            kind = type(child)
            if kind is Milestone:
                keys.append(child_key)
                total += 1
                finished = child.done
                done += finished
                at = child.due  # type: ignore[attr-defined]
                if at is not None:
                    if first is None or at < first:
                        first = at
                    if last is None or at > last:
                        last = at
                    if at < today:
                        due += 1
                        met += finished
            elif kind is Risk:
                keys.append(child_key)
        schedules[key] = Schedule(total, done, due, met, due - met, first, last)
        parts[key] = tuple(keys)
        if not strategy.done and (strategy.end_date is None or strategy.end_date >= today):
            owners = strategy.owners  # active: open, and not past its end date
            for person in (owners[0].id,) if len(owners) == 1 else {p.id for p in owners}:
                load[person] = load.get(person, 0) + 1
    return {"schedules": schedules, "owner_load": load}
