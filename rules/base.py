"""The rule interface: one small class per RD code, its docs in fixed sections, its context."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from mappings.graph import Architecture
from mappings.model import BaseEntity, EntityKind, Measurement, Strict, Target
from rules.model import Assessment, Finding, Rating, Severity, share_fields_set
from rules.trajectory import Trend, progress, required_rate, trend

DOC_SECTIONS = ("What it does", "Why it matters", "Example", "Fix")
_FINDING_FIELDS = set(Finding.model_fields)
T = TypeVar("T")


class Thresholds(Strict):
    """The numbers the rules judge by; every one is a config key under [rules.thresholds]."""

    max_priorities: int = Field(5, ge=1, description="RD109: how many priorities are 'few'")
    max_active_strategies_per_owner: int = Field(
        4, ge=1, description="RD404: active strategies one person can lead"
    )
    freshness_days: int = Field(
        120, ge=1, description="RD205: a measurement older than this is stale"
    )
    off_trajectory_tolerance: float = Field(
        0.10, ge=0, description="RD402: shortfall against the planned gain that is tolerated"
    )
    implausible_ratio: float = Field(
        3.0, gt=1, description="RD206: required rate over historical rate that is implausible"
    )
    history_years: float = Field(
        3.0, gt=0, description="years of measurements the historical rate is fitted over"
    )


class RuleContext(BaseModel):
    """What a rule may look at besides the architecture."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    today: date
    thresholds: Thresholds = Field(default_factory=Thresholds)
    # Filled only for rules of the "assessment" phase (after likelihood is judged):
    assessments: dict[str, Assessment] = Field(default_factory=dict)
    previous: dict[str, Rating] = Field(default_factory=dict)  # rating at the last assessment
    # Person id -> update requests they left undone at the last stock take of each priority
    # (routines): Capacity to drive progress counts them against the strategies they lead.
    missed_updates: dict[str, int] = Field(default_factory=dict)
    # Each indicator's trend, fitted once a run (`trend`): by indicator key, the series, day
    # and window it was fitted on (a new graph's list is a new object) and the fit.
    trends: dict[str, tuple[Sequence[Measurement], date, float, Trend]] = Field(
        default_factory=dict, exclude=True, repr=False
    )

    # A target's facts as of its latest measurement, computed once a run (`progress`,
    # `required`): by fact, then by target key (no key tuple apiece: 22,000 at 100k entities),
    # the target and measurement they were computed from and them.
    facts: dict[str, dict[str, tuple[Target, Measurement, Any]]] = Field(
        default_factory=dict, exclude=True, repr=False
    )

    # The graph's entities by kind, indexed once a run (`by_kind`): the architecture indexed,
    # and the index.
    kinds: list[tuple[Architecture, dict[EntityKind, list[BaseEntity]]]] = Field(
        default_factory=list, exclude=True, repr=False
    )
    opened: list[tuple[Architecture, dict[EntityKind, list[BaseEntity]]]] = Field(
        default_factory=list, exclude=True, repr=False
    )  # the same, of the entities not done (`open_by_kind`)

    def by_kind(self, arch: Architecture) -> dict[EntityKind, list[BaseEntity]]:
        """The entities of each kind, in the architecture's order, indexed once a run: the
        rules engine and the likelihood walk the same lists."""
        if self.kinds and self.kinds[0][0] is arch:
            return self.kinds[0][1]
        found: dict[EntityKind, list[BaseEntity]] = {kind: [] for kind in EntityKind}
        for entity in arch.entities.values():
            found[entity.kind].append(entity)
        self.kinds[:] = [(arch, found)]
        return found

    def open_by_kind(self, arch: Architecture) -> dict[EntityKind, list[BaseEntity]]:
        """`by_kind` without the entities marked done, indexed once a run: most rules judge
        open work only, and a list each is one pass, not one filter per rule."""
        if self.opened and self.opened[0][0] is arch:
            return self.opened[0][1]
        found = {  # a kind with nothing done shares the list of all
            kind: [e for e in of if not e.done] if any(e.done for e in of) else of
            for kind, of in self.by_kind(arch).items()
        }
        self.opened[:] = [(arch, found)]
        return found

    def progress(self, target: Target, latest: Measurement) -> tuple[float | None, float | None]:
        """`rules.trajectory.progress` of a target at its latest measurement, once a run: RD402
        and the Evidence of progress judgement read the same numbers."""
        return self._once("progress", target, latest, lambda: progress(target, latest))

    def required(self, target: Target, latest: Measurement) -> float | None:
        """The rate a year still required from the latest measurement on its own date
        (`required_rate`), once a run: RD206 and the Degree of the challenge judgement."""
        return self._once(
            "required", target, latest, lambda: required_rate(target, latest, latest.at)
        )

    def _once(self, what: str, target: Target, latest: Measurement, compute: Callable[[], T]) -> T:
        """`compute()`, kept for this run by target key and checked against the target and
        measurement objects it was computed from (another graph's are new objects)."""
        facts = self.facts.get(what)
        if facts is None:
            facts = self.facts[what] = {}
        found = facts.get(target.key)
        if found is not None and found[0] is target and found[1] is latest:
            return found[2]
        value = compute()
        facts[target.key] = (target, latest, value)
        return value

    def trend(self, indicator_key: str, series: Sequence[Measurement]) -> Trend:
        """`rules.trajectory.trend` of an indicator's series as of `today`, fitted once per
        run: RD206 and the Degree of the challenge judgement read the same fit."""
        today, years = self.today, self.thresholds.history_years
        found = self.trends.get(indicator_key)
        if found is not None and found[0] is series and found[1] == today and found[2] == years:
            return found[3]
        fitted = trend(series, today, years)
        self.trends[indicator_key] = (series, today, years, fitted)
        return fitted


class Rule:
    """One rule of the catalogue. Subclasses set the class attributes and implement `check`.

    The class docstring is the rule's documentation, in the sections of DOC_SECTIONS, each
    introduced by a line `## <section>` (as ruff documents its rules). `docs()` parses it.
    """

    code: ClassVar[str]
    name: ClassVar[str]  # kebab-case, e.g. "owner-missing"
    severity: ClassVar[Severity]
    kinds: ClassVar[tuple[EntityKind, ...]]
    manual: ClassVar[str]  # the manual section it enforces, e.g. "Rule 1, Tools and exercises"
    # "architecture" rules run on the architecture alone; "assessment" rules run after the
    # likelihood is judged (they see ctx.assessments and ctx.previous); "writeback" rules run
    # after a sync's writes (they see what the tools refused, as data problems).
    phase: ClassVar[Literal["architecture", "assessment", "writeback"]] = "architecture"
    # "department": a finding judges a department's portfolio, not the one item it sits on
    # (RD109); the write-back writes it once for the department (`rules.tickets`).
    scope: ClassVar[Literal["item", "department"]] = "item"

    def check(self, arch: Architecture, ctx: RuleContext) -> Iterable[Finding]:
        raise NotImplementedError

    def finding(
        self, entity: BaseEntity | str, message: str, fix: str, field: str | None = None
    ) -> Finding:
        """A finding of this rule on an entity (or a bare key), with its default severity."""
        key = entity if isinstance(entity, str) else entity.key
        kind = None if isinstance(entity, str) else str(entity.kind)
        finding = Finding(
            code=self.code,
            name=self.name,
            severity=self.severity,
            key=key,
            kind=kind,
            message=message,
            fix=fix,
            field=field,
        )
        share_fields_set(finding, _FINDING_FIELDS)  # every field is given
        return finding

    @classmethod
    def docs(cls) -> dict[str, str]:
        """The docstring's sections by title; a missing section is absent from the dict."""
        text = cls.__doc__ or ""
        parts = re.split(r"^\s*## (.+?)\s*$", text, flags=re.MULTILINE)
        sections: dict[str, str] = {}
        for title, body in zip(parts[1::2], parts[2::2], strict=True):
            lines = [line.strip() for line in body.strip().splitlines()]
            sections[title.strip()] = "\n".join(lines).strip()
        return sections
