"""The assembled architecture: look-ups by key, parents and children, drives, cycle-safe walks."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from mappings.model import (
    PARENT_KIND,
    BaseEntity,
    DataProblem,
    EntityKind,
    Indicator,
    Measurement,
    Milestone,
    Outcome,
    Priority,
    Risk,
    Strategy,
    Target,
)

E = TypeVar("E", bound=BaseEntity)


class Architecture:
    """Priorities → outcomes → indicators → targets, strategies driving targets, and history.

    Built once from mapped entities; broken references and parent cycles are dropped from the
    graph and recorded in `problems` (RD902, RD903) so that every walk terminates.
    """

    def __init__(
        self,
        entities: Iterable[BaseEntity],
        measurements: Iterable[Measurement] = (),
        problems: Iterable[DataProblem] = (),
    ) -> None:
        self.entities: dict[str, BaseEntity] = {}
        self.problems: list[DataProblem] = list(problems)
        for entity in entities:
            if entity.key in self.entities:
                self.problems.append(
                    DataProblem(
                        code="RD904",
                        key=entity.key,
                        message=f"{entity.key} was read twice; the first copy is kept",
                        fix="Make each record match one entity kind in the mapping.",
                    )
                )
                continue
            self.entities[entity.key] = entity
        self._parent: dict[str, str] = {}
        self._children: dict[str, list[str]] = defaultdict(list)
        self._drives: dict[str, list[str]] = defaultdict(list)
        self._driven_by: dict[str, list[str]] = defaultdict(list)
        self._blocks: dict[str, list[str]] = defaultdict(list)
        self._blocked_by: dict[str, list[str]] = defaultdict(list)
        self.measurements: dict[str, list[Measurement]] = defaultdict(list)
        self._link_parents()
        self._link_drives()
        self._link_blocks()
        self._attach_measurements(measurements)

    # -- assembly -------------------------------------------------------------------------

    def _link_parents(self) -> None:
        for entity in self.entities.values():
            parent_key = entity.parent_key
            if parent_key is None:
                continue
            if parent_key not in self.entities:
                self.problems.append(
                    DataProblem(
                        code="RD902",
                        key=entity.key,
                        field="parent",
                        message=f"{entity.key} has parent {parent_key}, which is not in the "
                        "mapped scope",
                        fix=f"Bring {parent_key} into the scope of the sync, or change the parent "
                        f"of {entity.key}.",
                    )
                )
                continue
            self._parent[entity.key] = parent_key
        self._break_cycles()
        for key, parent_key in list(self._parent.items()):
            kind = self.entities[key].kind
            parent_kind = self.entities[parent_key].kind
            expected = PARENT_KIND.get(kind)
            if expected is not None and parent_kind != expected:
                del self._parent[key]
                self.problems.append(
                    DataProblem(
                        code="RD902",
                        key=key,
                        field="parent",
                        message=f"{key} ({kind}) has parent {parent_key}, a {parent_kind}, where "
                        f"a {expected} is expected",
                        fix=f"Move {key} under a {expected}.",
                    )
                )
        for key, parent_key in self._parent.items():
            self._children[parent_key].append(key)

    def _break_cycles(self) -> None:
        state: dict[str, int] = {}  # 1 on the current path, 2 finished
        for start in list(self._parent):
            path: list[str] = []
            node: str | None = start
            while node is not None and state.get(node) is None:
                state[node] = 1
                path.append(node)
                node = self._parent.get(node)
            if node is not None and state.get(node) == 1:
                self._cut(path[path.index(node) :])
            for visited in path:
                state[visited] = 2

    def _cut(self, cycle: list[str]) -> None:
        """Report every member of a cycle and drop all its parent edges."""
        shown = " → ".join([*cycle, cycle[0]])
        for key in cycle:
            self.problems.append(
                DataProblem(
                    code="RD903",
                    key=key,
                    field="parent",
                    message=f"{key} is in a parent cycle: {shown}",
                    fix="Give each ticket in the cycle a parent one level up, so the chain ends "
                    "at a priority or a strategy.",
                )
            )
            del self._parent[key]

    def _link_drives(self) -> None:
        for strategy in self.of_kind(Strategy):
            for key in dict.fromkeys(strategy.drives):
                driven = self.entities.get(key)
                if driven is None:
                    self.problems.append(
                        DataProblem(
                            code="RD902",
                            key=strategy.key,
                            field="drives",
                            message=f"{strategy.key} drives {key}, which is not in the mapped "
                            "scope",
                            fix=f"Bring {key} into the scope of the sync, or remove the link.",
                        )
                    )
                    continue
                if driven.kind not in (EntityKind.TARGET, EntityKind.OUTCOME):
                    self.problems.append(
                        DataProblem(
                            code="RD902",
                            key=strategy.key,
                            field="drives",
                            message=f"{strategy.key} drives {key}, a {driven.kind}; a strategy "
                            "drives targets or outcomes",
                            fix="Link the strategy to the target whose numbers it moves.",
                        )
                    )
                    continue
                self._drives[strategy.key].append(key)
                self._driven_by[key].append(strategy.key)

    def _link_blocks(self) -> None:
        """ "Blocks" links between items of the scope; one to a ticket outside it (ordinary
        work) is no problem, and is left out."""
        for entity in self.entities.values():
            for key in dict.fromkeys(entity.blocks):
                if key in self.entities and key != entity.key:
                    self._blocks[entity.key].append(key)
                    self._blocked_by[key].append(entity.key)

    def _attach_measurements(self, measurements: Iterable[Measurement]) -> None:
        for m in measurements:
            if m.indicator_key not in self.entities:
                self.problems.append(
                    DataProblem(
                        code="RD902",
                        key=m.record_key or m.indicator_key,
                        field="indicator",
                        message=f"a measurement of {m.indicator_key}, which is not in the mapped "
                        "scope",
                        fix=f"Bring {m.indicator_key} into the scope or remove the measurement.",
                    )
                )
                continue
            self.measurements[m.indicator_key].append(m)
        for series in self.measurements.values():
            series.sort(key=lambda m: m.at)

    # -- look-ups -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.entities)

    def __contains__(self, key: object) -> bool:
        return key in self.entities

    def get(self, key: str) -> BaseEntity | None:
        return self.entities.get(key)

    def of_kind(self, cls: type[E]) -> Iterator[E]:
        for entity in self.entities.values():
            if type(entity) is cls:
                yield entity

    def parent(self, key: str) -> BaseEntity | None:
        parent_key = self._parent.get(key)
        return None if parent_key is None else self.entities[parent_key]

    def children(self, key: str, cls: type[E] | None = None) -> list[E]:
        found = [self.entities[k] for k in self._children.get(key, ())]
        return [e for e in found if cls is None or type(e) is cls]  # type: ignore[misc]

    # Look-ups by key, for passes over many entities: no list of entities is made, and what is
    # returned is the graph's own (do not change it).

    def parent_key(self, key: str) -> str | None:
        return self._parent.get(key)

    def child_keys(self, key: str) -> Sequence[str]:
        """The keys of the entities whose parent is `key`, in input order."""
        return self._children.get(key, ())

    def driver_keys(self, key: str) -> Sequence[str]:
        """The keys of the strategies that drive a target or an outcome."""
        return self._driven_by.get(key, ())

    def blocked_keys(self, key: str) -> Sequence[str]:
        """The keys of the items that wait on `key` (it blocks them)."""
        return self._blocks.get(key, ())

    def blocker_keys(self, key: str) -> Sequence[str]:
        """The keys of the items `key` waits on (they block it)."""
        return self._blocked_by.get(key, ())

    def drives(self, strategy_key: str) -> list[BaseEntity]:
        """The targets and outcomes a strategy drives."""
        return [self.entities[k] for k in self._drives.get(strategy_key, ())]

    def strategies_for(self, key: str) -> list[Strategy]:
        """The strategies that drive a target or an outcome."""
        return [self.entities[k] for k in self._driven_by.get(key, ())]  # type: ignore[misc]

    def ancestors(self, key: str) -> Iterator[BaseEntity]:
        """Parent, grandparent, ... (terminates: cycles were cut at assembly)."""
        node = self._parent.get(key)
        while node is not None:
            yield self.entities[node]
            node = self._parent.get(node)

    def descendants(self, key: str) -> Iterator[BaseEntity]:
        """Everything below a key by parent, breadth first, each once."""
        entities = self.entities
        for node in self.descendant_keys(key):
            yield entities[node]

    def descendant_keys(self, key: str) -> Iterator[str]:
        """The keys of everything below a key by parent, breadth first, each once."""
        seen = {key}
        queue = deque(self._children.get(key, ()))  # a list's pop(0) costs the list's length
        while queue:
            node = queue.popleft()
            if node in seen:
                continue
            seen.add(node)
            yield node
            queue.extend(self._children.get(node, ()))

    def indicator_of(self, target: Target) -> Indicator | None:
        parent = self.parent(target.key)
        return parent if isinstance(parent, Indicator) else None

    def series(self, indicator_key: str) -> list[Measurement]:
        """The measurements of an indicator, oldest first."""
        return self.measurements.get(indicator_key, [])

    def priority_of(self, key: str) -> Priority | None:
        """The priority whose plan this entity belongs to (through parents, or what it drives)."""
        entity = self.entities.get(key)
        if isinstance(entity, Priority):
            return entity
        for ancestor in self.ancestors(key):
            if isinstance(ancestor, Priority):
                return ancestor
            if isinstance(ancestor, Strategy):
                return self.priority_of(ancestor.key)
        if isinstance(entity, Strategy):
            for driven in self.drives(key):
                found = self.priority_of(driven.key)
                if found is not None:
                    return found
        return None

    def plan(self, priority_key: str) -> list[BaseEntity]:
        """A priority and everything under it: its tree, the strategies driving its targets and
        outcomes, and their milestones and risks; each entity once."""
        entities = self.entities
        return [entities[key] for key in self.plan_keys(priority_key)]

    def plan_keys(self, priority_key: str) -> list[str]:
        """The keys of `plan(priority_key)`, in its order (no entity looked up twice)."""
        entities, driven_by, below = self.entities, self._driven_by, self.descendant_keys
        found = dict.fromkeys([priority_key, *below(priority_key)])
        for key in list(found):
            if key in driven_by and isinstance(entities[key], Target | Outcome):
                for strategy in driven_by[key]:
                    found.setdefault(strategy)
                    for part in below(strategy):
                        found.setdefault(part)
        return list(found)


__all__ = [
    "Architecture",
    "Indicator",
    "Milestone",
    "Outcome",
    "Priority",
    "Risk",
    "Strategy",
    "Target",
]
