"""What each ticket should say, worked out again only where a run's change can reach it.

A ticket's wanted texts (`connector.sync.plan.desired_values`) read its item's assessment, the
findings on it and on the items linked to it (parent, child, "drives", "blocks": its levers,
its gaps, the findings routed to it, a priority's plan and rubric), and the names of those
items; a priority's also the department-wide findings (RD109's pointers). So an item whose
group of linked items (a connected part of the graph) holds no item with another entity, an
assessment, the findings on it or a rubric than last run says what it said last run. A group
an item left counts as changed too (its tickets lose a line). Department-wide findings that
changed make every priority be worked out again; items that appeared or left, or a priority
that changed, everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from connector.sync.plan import DesiredValues, desired_values
from mappings.config import WriteBack
from mappings.graph import Architecture
from mappings.model import BaseEntity, EntityKind
from rules.model import Assessment, Finding, RubricRating
from rules.tickets import department_wide


@dataclass
class Inputs:
    """What a run's wanted texts were worked out from, by item key (the next run compares)."""

    entities: Mapping[str, BaseEntity]
    assessments: Mapping[str, Assessment]
    findings: Mapping[str, list[Finding]]
    rubric: Mapping[str, Sequence[RubricRating]]
    wide: list[Finding]  # department-wide findings
    groups: dict[str, int] = field(default_factory=dict)  # item key -> its group

    @classmethod
    def of(
        cls,
        arch: Architecture,
        findings: list[Finding],
        assessments: Mapping[str, Assessment],
        rubric: Mapping[str, Sequence[RubricRating]],
    ) -> Inputs:
        on: defaultdict[str, list[Finding]] = defaultdict(list)
        wide = []
        for finding in findings:
            on[finding.key].append(finding)
            if department_wide(finding.code):
                wide.append(finding)
        return cls(arch.entities, assessments, dict(on), rubric, wide, _groups(arch))

    def changed(self, last: Inputs) -> set[str] | None:
        """The items whose wanted texts may differ from last run's (None: all of them)."""
        if self.entities.keys() != last.entities.keys():
            return None
        moved = set()
        for key, entity in self.entities.items():
            was = last.entities[key]
            if entity is not was and entity != was:
                if entity.kind is EntityKind.PRIORITY:
                    return None  # its department or name: other priorities point at it
                moved.add(key)
            elif self._differs(key, last):
                moved.add(key)
        left = {last.groups[key] for key in moved}
        groups = {self.groups[key] for key in moved}
        groups |= {self.groups[key] for key, was in last.groups.items() if was in left}
        found = {key for key, group in self.groups.items() if group in groups}
        if sorted(map(_said, self.wide)) != sorted(map(_said, last.wide)):
            found |= {k for k, e in self.entities.items() if e.kind is EntityKind.PRIORITY}
        return found

    def _differs(self, key: str, last: Inputs) -> bool:
        """Whether what is said of the item itself changed: its assessment, its findings,
        its rubric."""
        if self.assessments.get(key) != last.assessments.get(key):
            return True
        if self.findings.get(key, []) != last.findings.get(key, []):
            return True
        return list(self.rubric.get(key, ())) != list(last.rubric.get(key, ()))


@dataclass
class Wanted:
    """A source's wanted values as last worked out, and under which settings (`signature`:
    the write-back mapping, the text limit)."""

    signature: str
    inputs: Inputs
    desired: dict[str, DesiredValues]


def wanted_values(
    arch: Architecture,
    findings: list[Finding],
    assessments: Mapping[str, Assessment],
    rubric: Mapping[str, list[RubricRating]],
    inputs: Inputs,
    last: Wanted | None,
    signature: str,
    *,
    writeback: WriteBack,
    limit: int,
    now: datetime,
) -> tuple[dict[str, DesiredValues], frozenset[str]]:
    """`desired_values(...)` for every item, worked out only for the items a change can reach
    (all without `last`, or under other settings); with the keys worked out."""
    reach = None if last is None or last.signature != signature else inputs.changed(last.inputs)
    fresh = desired_values(
        arch, findings, assessments, writeback, limit=limit, now=now, rubric=rubric, keys=reach
    )
    if reach is None or last is None:
        return fresh, frozenset(fresh)
    # The last run's values where no change reaches (a reached item of a kind no longer written
    # back has none), as they were: a patch is stamped with this run's time (`plan_writeback`).
    desired = {key: value for key, value in last.desired.items() if key not in reach}
    desired.update(fresh)
    return desired, frozenset(fresh)


def _said(finding: Finding) -> tuple[str, str, str, str]:
    return (finding.code, finding.key, finding.message, finding.fix)


def _groups(arch: Architecture) -> dict[str, int]:
    """Each item's group: the items joined to it by parent, "drives" and "blocks" links."""
    parent: dict[str, str] = {key: key for key in arch.entities}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for key in arch.entities:
        linked = [arch.parent_key(key), *arch.driver_keys(key), *arch.blocked_keys(key)]
        for other in linked:
            if other is not None and other in parent:
                a, b = root(key), root(other)
                if a != b:
                    parent[a] = b
    numbers: dict[str, int] = {}
    return {key: numbers.setdefault(root(key), len(numbers)) for key in arch.entities}
