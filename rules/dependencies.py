"""Interdependencies between priorities, read from the graph: shared strategies, leaders, actors,
departments, and the items that items of another priority wait on ("blocks" links)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mappings.graph import Architecture
from mappings.model import Priority, Strategy
from rules.model import Assessment, Rating

# The kinds of dependency, in the order a report lists them.
BLOCKS = "waits on"
SHARED_STRATEGY = "shared strategy"
SHARED_DEPARTMENTS = "departments share a strategy"
SHARED_LEADER = "shared leader"
SHARED_ACTOR = "shared delivery-chain actor"
KINDS = (BLOCKS, SHARED_STRATEGY, SHARED_DEPARTMENTS, SHARED_LEADER, SHARED_ACTOR)
AT_RISK = Rating.AMBER_RED  # an item rated this or lower puts those who wait on it at risk
_CHAIN_SPLIT = re.compile(r"\s*(?:→|->|=>|;|\n)\s*")


@dataclass(frozen=True)
class Dependency:
    """One interdependency: what is shared or waited on (`subject`), the priorities it ties
    together, and the tickets behind it (the subject's first)."""

    kind: str
    subject: str
    priorities: tuple[str, ...]
    keys: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class CriticalDependency:
    """An item rated Red or Amber/Red (`rated`: the item, or the strategy it belongs to) that
    items of another priority wait on (`waiting`), and the priorities they serve."""

    key: str
    rated: str
    rating: Rating
    waiting: tuple[str, ...]
    priorities: tuple[str, ...]  # the waiting items' priorities the blocker does not serve
    via: str  # BLOCKS or SHARED_STRATEGY


def membership(arch: Architecture) -> dict[str, tuple[str, ...]]:
    """Each key in a priority's plan -> the keys of every priority whose plan holds it."""
    found: dict[str, tuple[str, ...]] = {}
    for priority in arch.of_kind(Priority):
        mine = (priority.key,)
        for key in arch.plan_keys(priority.key):  # most keys are in one plan: no list apiece
            known = found.get(key)
            found[key] = mine if known is None else (*known, *mine)
    return found


def dependencies(arch: Architecture, members: Mapping[str, tuple[str, ...]]) -> list[Dependency]:
    """Every interdependency between priorities, blocks first, each with its tickets."""
    return [
        *_blocks(arch, members),
        *_shared_strategies(arch, members),
        *_shared_departments(arch, members),
        *_shared_people(arch, members),
        *_shared_actors(arch, members),
    ]


def _blocks(arch: Architecture, members: Mapping[str, tuple[str, ...]]) -> Iterable[Dependency]:
    for entity in arch.entities.values():
        mine = set(members.get(entity.key, ()))
        for blocked in arch.blocked_keys(entity.key):
            theirs = [p for p in members.get(blocked, ()) if p not in mine]
            if not theirs or not mine:
                continue
            yield Dependency(
                BLOCKS,
                entity.key,
                tuple(sorted(mine | set(theirs))),
                (entity.key, blocked),
                f"{blocked} ({', '.join(theirs)}) waits on {entity.key} "
                f"({', '.join(sorted(mine))})",
            )


def _shared_strategies(
    arch: Architecture, members: Mapping[str, tuple[str, ...]]
) -> Iterable[Dependency]:
    for strategy in arch.of_kind(Strategy):
        served = members.get(strategy.key, ())
        if len(served) < 2:
            continue
        driven = tuple(e.key for e in arch.drives(strategy.key))
        yield Dependency(
            SHARED_STRATEGY,
            strategy.key,
            tuple(sorted(served)),
            (strategy.key, *driven),
            f"{strategy.key} drives targets of {len(served)} priorities: {', '.join(served)}",
        )


def _shared_departments(
    arch: Architecture, members: Mapping[str, tuple[str, ...]]
) -> Iterable[Dependency]:
    for strategy in arch.of_kind(Strategy):
        served = members.get(strategy.key, ())
        departments = {strategy.department} | {_department(arch, p) for p in served}
        departments.discard(None)
        if len(departments) < 2 or not served:
            continue
        shown = sorted(d for d in departments if d)
        yield Dependency(
            SHARED_DEPARTMENTS,
            strategy.key,
            tuple(sorted(served)),
            (strategy.key, *served),
            f"{strategy.key} is shared by {' and '.join(shown)}",
        )


def _department(arch: Architecture, key: str) -> str | None:
    entity = arch.get(key)
    return None if entity is None else entity.department


def _shared_people(
    arch: Architecture, members: Mapping[str, tuple[str, ...]]
) -> Iterable[Dependency]:
    carried: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for entity in arch.entities.values():
        if entity.done or entity.key not in members:
            continue
        for person in entity.owners:
            carried[person.id].append(entity.key)
            names[person.id] = person.label
    for person_id, keys in carried.items():
        served = sorted({p for key in keys for p in members[key]})
        if len(served) < 2:
            continue
        yield Dependency(
            SHARED_LEADER,
            names[person_id],
            tuple(served),
            tuple(keys),
            f"{names[person_id]} leads {len(keys)} items across {len(served)} priorities",
        )


def chain_actors(chain: str | None) -> list[str]:
    """The actors of a delivery chain after the first (the accountable department itself):
    'Department → 128 councils → officers' gives ['128 councils', 'officers']."""
    if not chain:
        return []
    links = [link.strip(" .") for link in _CHAIN_SPLIT.split(chain.strip())]
    return [link for link in links[1:] if link]


def _shared_actors(
    arch: Architecture, members: Mapping[str, tuple[str, ...]]
) -> Iterable[Dependency]:
    by_actor: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for strategy in arch.of_kind(Strategy):
        if strategy.done or strategy.key not in members:
            continue
        for actor in dict.fromkeys(chain_actors(strategy.delivery_chain)):
            folded = " ".join(actor.casefold().split())
            by_actor[folded].append(strategy.key)
            names.setdefault(folded, actor)
    for folded, keys in by_actor.items():
        served = sorted({p for key in keys for p in members[key]})
        if len(served) < 2 or len(keys) < 2:  # one strategy's own: a shared strategy already
            continue
        yield Dependency(
            SHARED_ACTOR,
            names[folded],
            tuple(served),
            tuple(keys),
            f"'{names[folded]}' delivers {len(keys)} strategies of {len(served)} priorities",
        )


def rated_item(arch: Architecture, key: str, assessments: Mapping[str, Assessment]) -> str | None:
    """The item whose rating stands for `key`: itself if rated, else the nearest rated
    ancestor (a milestone's strategy)."""
    if key in assessments:
        return key
    return next((a.key for a in arch.ancestors(key) if a.key in assessments), None)


def critical(
    arch: Architecture,
    members: Mapping[str, tuple[str, ...]],
    assessments: Mapping[str, Assessment],
) -> list[CriticalDependency]:
    """Items rated Red or Amber/Red that items of another priority wait on: by a "blocks"
    link, or as a strategy that drives the targets of several priorities."""
    found = []
    for key, entity in arch.entities.items():
        waiting = arch.blocked_keys(key)
        if not waiting or entity.done:  # most items block nothing: no walk, no set, no list
            continue
        mine = set(members.get(key, ()))
        others = sorted({p for k in waiting for p in members.get(k, ()) if p not in mine})
        rated = rated_item(arch, key, assessments) if others and mine else None
        if rated is None:
            continue
        rating = assessments[rated].likelihood
        if rating <= AT_RISK:
            kept = tuple(k for k in waiting if set(members.get(k, ())) - mine)
            found.append(CriticalDependency(key, rated, rating, kept, tuple(others), BLOCKS))
    for strategy in arch.of_kind(Strategy):
        served = members.get(strategy.key, ())
        got = assessments.get(strategy.key)
        if len(served) < 2 or strategy.done or got is None or got.likelihood > AT_RISK:
            continue
        driven = tuple(e.key for e in arch.drives(strategy.key))
        found.append(
            CriticalDependency(
                strategy.key, strategy.key, got.likelihood, driven, served, SHARED_STRATEGY
            )
        )
    return found


def priority_links(deps: Iterable[Dependency], priorities: list[str]) -> dict[tuple[str, str], int]:
    """How many dependencies tie each pair of priorities (both orders hold the same count)."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    wanted = set(priorities)
    for dep in deps:
        tied = [p for p in dep.priorities if p in wanted]
        for first in tied:
            for second in tied:
                if first != second:
                    counts[first, second] += 1
    return dict(counts)
