"""Which ticket each finding is written on, and how an item's ticket names the others it speaks
of: the index the write-back texts read, made once per run (`Tickets`).

Every finding reaches a ticket someone reads:
- on its own ticket when the mapping writes gaps on its kind (`writeback.kinds`, whose tickets
  are rated, and `writeback.gap_kinds`, whose tickets carry only their gaps);
- otherwise on the rated ticket it counts against, naming its key: an indicator's on the targets
  measured by it (else its outcome), a milestone's or risk's on its strategy, anything else on
  its nearest ancestor that carries gaps;
- a department-wide finding (a rule whose `scope` is "department", RD109 too many priorities) is
  written once, on the department's newest priority (the last by key), where the conversation
  about closing, merging or demoting one starts; every other priority of the department gets
  one line pointing there, so that its Quality of planning, which counts the finding, is
  explained on its own ticket too. The carrier never follows a rating: chosen by rating, one
  target re-rated moved it and rewrote every priority of the department (1,000 tickets at a
  time in the 10,000-issue benchmark) though nothing any of them says had changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import cache

from mappings.graph import Architecture
from mappings.model import EntityKind
from rules.engine import natural_key
from rules.model import Assessment, Finding, RubricRating
from rules.registry import UnknownRuleError, get_rule
from rules.writeback_text import shorten

SUMMARY_ROOM = 48  # a summary longer than this is cut at a word: "Four-hour performance in…"
_RATED = (EntityKind.PRIORITY, EntityKind.OUTCOME, EntityKind.TARGET, EntityKind.STRATEGY)
# The children whose findings count against an item of a kind (`Tickets.parts`).
_OWN_PARTS = {
    EntityKind.STRATEGY: frozenset({EntityKind.MILESTONE, EntityKind.RISK}),
    EntityKind.OUTCOME: frozenset({EntityKind.INDICATOR}),
}


@cache
def department_wide(code: str) -> bool:
    """Whether a rule judges a department's portfolio rather than one item (RD109)."""
    try:
        return get_rule(code).scope == "department"
    except UnknownRuleError:
        return False


class Tickets:
    """The write-back's view of one run: findings by the ticket they are written on, each
    item's parts and the items below it, and the names tickets are called by."""

    def __init__(
        self,
        arch: Architecture,
        findings: Iterable[Finding],
        assessments: Mapping[str, Assessment],
        rubric: Mapping[str, Sequence[RubricRating]] | None = None,
        *,
        rated: Iterable[EntityKind | str] = _RATED,
        gap_kinds: Iterable[EntityKind | str] = (),
    ) -> None:
        self.arch = arch
        self.assessments = assessments
        self.rubric = rubric or {}
        self.rated = frozenset(str(kind) for kind in rated)
        self.carries_gaps = self.rated | frozenset(str(kind) for kind in gap_kinds)
        self.on: dict[str, list[Finding]] = defaultdict(list)  # finding key -> its findings
        self.written: dict[str, list[Finding]] = defaultdict(list)  # ticket key -> findings
        # Priority key -> (a department-wide finding on it, the priority that carries it).
        self.pointers: dict[str, list[tuple[Finding, str]]] = defaultdict(list)
        wide: dict[tuple[str, str | None], list[Finding]] = defaultdict(list)
        for finding in findings:
            self.on[finding.key].append(finding)
            entity = arch.get(finding.key)
            if entity is not None and department_wide(finding.code):
                wide[finding.code, entity.department].append(finding)
                continue
            for ticket in self.route(finding.key):
                self.written[ticket].append(finding)
        for group in wide.values():
            self._once(group)
        # Plain dicts from here: a look-up never adds a key.
        self.on, self.written, self.pointers = (
            dict(self.on),
            dict(self.written),
            dict(self.pointers),
        )

    # -- routing --------------------------------------------------------------------------

    def route(self, key: str) -> list[str]:
        """The tickets a finding on `key` is written on (none for a key outside the graph)."""
        arch = self.arch
        entity = arch.get(key)
        if entity is None:
            return []
        if str(entity.kind) in self.carries_gaps:
            return [key]
        if entity.kind is EntityKind.INDICATOR:
            targets = [
                k
                for k in arch.child_keys(key)
                if str(arch.entities[k].kind) == "target" and "target" in self.carries_gaps
            ]
            if targets:
                return sorted(targets, key=natural_key)
        for ancestor in arch.ancestors(key):
            if str(ancestor.kind) in self.carries_gaps:
                return [ancestor.key]
        return []

    def _once(self, group: list[Finding]) -> None:
        """A department-wide finding on its newest priority; a pointer on the others."""
        # By key alone, never by rating: a re-rating elsewhere must not rewrite every ticket.
        chosen = max((f.key for f in group), key=natural_key)
        for finding in group:
            if finding.key == chosen:
                self.written[chosen].append(finding)
            elif chosen in self.arch:
                self.pointers[finding.key].append((finding, chosen))

    # -- names and structure --------------------------------------------------------------

    def label(self, key: str, ticket: str | None = None) -> str:
        """A key as a ticket names it: the key alone on its own ticket, else the key and its
        summary (cut when long), 'DEL-13 "Four-hour performance in hospital star…"'."""
        entity = self.arch.get(key)
        if key == ticket or entity is None or not entity.name.strip():
            return key
        return f'{key} "{shorten(" ".join(entity.name.split()), SUMMARY_ROOM)}"'

    def parts(self, key: str) -> list[str]:
        """The keys whose findings count against an item (its Quality of planning and error
        cap): a target and its indicator; a strategy, its milestones and risks; an outcome and
        its indicators; a priority alone."""
        arch = self.arch
        entity = arch.get(key)
        if entity is None:
            return []
        if entity.kind is EntityKind.TARGET:
            return [key, *([p] if (p := arch.parent_key(key)) is not None else [])]
        kinds = _OWN_PARTS.get(entity.kind)
        if kinds is None:
            return [key]
        entities = arch.entities
        return [key, *(k for k in arch.child_keys(key) if entities[k].kind in kinds)]

    def below(self, key: str) -> list[str]:
        """The rated items whose ratings feed an item's: a priority's outcomes; an outcome's
        targets and the strategies driving it; the strategies driving a target. A strategy has
        none (the targets it drives feed it, but they are above it in this sense: their own
        drivers are the strategies, so following them would go round in a circle)."""
        arch = self.arch
        entity = arch.get(key)
        if entity is None:
            return []
        found: list[str] = []
        if entity.kind is EntityKind.PRIORITY:
            found = [k for k in arch.child_keys(key) if arch.entities[k].kind is EntityKind.OUTCOME]
        elif entity.kind is EntityKind.OUTCOME:
            for indicator in arch.child_keys(key):
                found += [
                    k
                    for k in arch.child_keys(indicator)
                    if arch.entities[k].kind is EntityKind.TARGET
                ]
            found += list(arch.driver_keys(key))
        elif entity.kind is EntityKind.TARGET:
            found = list(arch.driver_keys(key))
            measured_by = arch.parent_key(key)
            outcome = arch.parent_key(measured_by) if measured_by is not None else None
            if outcome is not None:
                found += list(arch.driver_keys(outcome))
        return [k for k in dict.fromkeys(found) if k in self.assessments]

    def driven(self, strategy: str) -> list[str]:
        """The targets a strategy drives, directly or through the outcomes it drives."""
        arch = self.arch
        found: list[str] = []
        for entity in arch.drives(strategy):
            if entity.kind is EntityKind.TARGET:
                found.append(entity.key)
            elif entity.kind is EntityKind.OUTCOME:
                for indicator in arch.child_keys(entity.key):
                    found += [
                        k
                        for k in arch.child_keys(indicator)
                        if arch.entities[k].kind is EntityKind.TARGET
                    ]
        return list(dict.fromkeys(found))
