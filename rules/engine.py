"""Runs the selected rules over an architecture: one failing rule or entity never stops a run."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import chain
from typing import ClassVar, Literal

from mappings.graph import Architecture
from mappings.model import BaseEntity, EntityKind
from rules.base import Rule, RuleContext
from rules.config import RulesConfig
from rules.model import Finding, Severity

Phase = Literal["architecture", "assessment", "writeback"]
ByKind = Mapping[EntityKind, Sequence[BaseEntity]]


class EntityRule(Rule):
    """A rule that judges one entity of its `kinds` at a time.

    The engine calls `prepare` once per run (build the indexes a rule would otherwise rebuild
    per entity), then `check_entity` for each entity, so that a failure on one entity is
    isolated to that entity's ticket. Rules judge open work: entities marked done are skipped
    unless a rule sets `skip_done = False`.
    """

    skip_done: ClassVar[bool] = True
    # The [rules.thresholds] keys the rule reads, shown by `rdsync rules <code>` and the docs.
    options: ClassVar[tuple[str, ...]] = ()

    def subjects(self, arch: Architecture, ctx: RuleContext) -> Iterator[BaseEntity]:
        """The entities this rule judges, kind by kind in the order of `kinds`, from the run's
        index of them (`RuleContext.by_kind`), or of those not done (`open_by_kind`)."""
        index = ctx.open_by_kind(arch) if self.skip_done else ctx.by_kind(arch)
        return entities_of(index, self.kinds)

    def prepare(self, arch: Architecture, ctx: RuleContext) -> None:
        """Build per-run indexes; the default needs none."""

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterable[Finding]:
        raise NotImplementedError

    def check(self, arch: Architecture, ctx: RuleContext) -> Iterator[Finding]:
        self.prepare(arch, ctx)
        for entity in self.subjects(arch, ctx):
            yield from self.check_entity(entity, arch, ctx)


class MissingValueRule(EntityRule):
    """A rule that flags one attribute left empty (None, or text that is only blanks).

    Subclasses name the `attribute`, its `label` as teams see it in Jira and Airtable, and the
    `fix_text`; the message is "<key> has no <label>" in lower case.
    """

    attribute: ClassVar[str]
    label: ClassVar[str]
    fix_text: ClassVar[str]

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        value = getattr(entity, self.attribute)
        if value is None or (isinstance(value, str) and not value.strip()):
            yield self.finding(
                entity,
                f"{entity.key} has no {self.label.lower()}",
                self.fix_text,
                field=self.attribute,
            )


class MissingChildRule(EntityRule):
    """A rule that flags an entity with no child of one kind (by parent) under it.

    Subclasses name the `child` class, what is `missing` ("no outcome under it") and the
    `fix_text`, in which "{key}" stands for the entity's key.
    """

    child: ClassVar[type[BaseEntity]]
    missing: ClassVar[str]
    fix_text: ClassVar[str]

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        if not arch.children(entity.key, self.child):
            yield self.finding(
                entity,
                f"{entity.key} has {self.missing}",
                self.fix_text.format(key=entity.key),
                field="parent",
            )


def entities_of(by_kind: ByKind, kinds: Iterable[EntityKind]) -> Iterator[BaseEntity]:
    return chain.from_iterable([by_kind.get(kind, ()) for kind in kinds])


def run_rules(
    arch: Architecture,
    config: RulesConfig,
    ctx: RuleContext,
    phase: Phase = "architecture",
    *,
    strict: bool = False,
) -> list[Finding]:
    """The findings of the selected rules of one phase, re-graded, sorted by (key, code).

    Keys sort naturally (DEL-2 before DEL-10); ties by message, so the order is the same on
    every run. A rule that raises does not stop the run: an `EntityRule` failing on one entity
    yields an error finding under its own code on that entity's key and goes on with the next;
    any other rule that raises yields one error finding keyed by its code (there is no ticket
    to point at) and its other findings are missing. Those findings are never re-graded, so a
    broken rule cannot be hidden by a severity setting. `strict=True` re-raises instead (tests).

    The thresholds are the config's: `ctx.thresholds` is replaced by `config.thresholds`, so that
    a caller cannot check with one set and report another.
    """
    if ctx.thresholds != config.thresholds:
        ctx = ctx.model_copy(update={"thresholds": config.thresholds})
    return apply_rules(
        config.selected_rules(phase), arch, ctx, severity_of=config.severity_of, strict=strict
    )


def apply_rules(
    rules: Iterable[type[Rule]],
    arch: Architecture,
    ctx: RuleContext,
    *,
    severity_of: Callable[[type[Rule]], Severity] | None = None,
    strict: bool = False,
) -> list[Finding]:
    """Run these rules as `run_rules` does (isolation, re-grading, order), without a config."""
    findings: list[Finding] = []
    for rule_class in rules:
        rule = rule_class()
        severity = rule_class.severity if severity_of is None else severity_of(rule_class)
        found, failures = _run_one(rule, arch, ctx, strict)
        if severity is not rule_class.severity:
            found = [f.model_copy(update={"severity": severity}) for f in found]
        findings += found
        findings += failures  # never re-graded: a broken rule must not hide behind a setting
    order = {key: natural_key(key) for key in {f.key for f in findings}}
    findings.sort(key=lambda f: (order[f.key], f.code, f.message))
    return findings


def _run_one(
    rule: Rule, arch: Architecture, ctx: RuleContext, strict: bool
) -> tuple[list[Finding], list[Finding]]:
    """A rule's findings, and the error findings of its failures (none when strict). The
    entities by kind are indexed by the first per-entity rule, once a run (`subjects`)."""
    if strict:
        if isinstance(rule, EntityRule):
            rule.prepare(arch, ctx)
            subjects = rule.subjects(arch, ctx)
            found = [f for e in subjects for f in rule.check_entity(e, arch, ctx)]
            return found, []
        return list(rule.check(arch, ctx)), []
    try:
        if not isinstance(rule, EntityRule):
            return list(rule.check(arch, ctx)), []
        rule.prepare(arch, ctx)
    except Exception as error:
        return [], [_failure(rule, rule.code, None, error)]
    found, failures = [], []
    for entity in rule.subjects(arch, ctx):
        try:
            found.extend(rule.check_entity(entity, arch, ctx))
        except Exception as error:
            failures.append(_failure(rule, entity.key, str(entity.kind), error))
    return found, failures


def _failure(rule: Rule, key: str, kind: str | None, error: Exception) -> Finding:
    where = f"on {key}" if kind is not None else "on this architecture"
    return Finding(
        code=rule.code,
        name=rule.name,
        severity=Severity.ERROR,
        key=key,
        kind=kind,
        message=f"rule failed: {rule.code} {rule.name} could not check {where}: "
        f"{type(error).__name__}: {error}",
        fix="The other rules ran. Check the values of this record; if they look right, report "
        "this message to the rdsync maintainers.",
    )


_DIGITS = re.compile(r"(\d+)")


def natural_key(key: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that orders the numbers inside a key by value: DEL-2 before DEL-10."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in _DIGITS.split(key) if p)
