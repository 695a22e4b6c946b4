"""RD101–RD109: the basic architecture of Rules 1–4 (goals, metrics, strategies, one leader)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from mappings.graph import Architecture
from mappings.model import BaseEntity, EntityKind, Indicator, Outcome, Priority, Target
from rules.base import RuleContext
from rules.engine import EntityRule, MissingChildRule, natural_key
from rules.model import Finding, Severity
from rules.registry import register

RULE_1 = "Rule 1 — Tools and exercises: the basic architecture"
REVIEW = "Rule 4 — Review: Delivery Architecture"
LEADERS = (EntityKind.PRIORITY, EntityKind.OUTCOME, EntityKind.STRATEGY)


@register
class PriorityWithoutOutcome(MissingChildRule):
    """
    ## What it does
    Flags a priority with no outcome (goal) under it.

    ## Why it matters
    The manual's prioritization exercise asks you to "articulate outcomes associated with each
    priority", and the architecture review asks: "Have we translated our aspiration into desired
    outcomes that give a clear sense of our priorities?" A priority without an outcome is an
    aspiration with no definition of impact on citizens.

    ## Example
    Priority DEL-1 "Improving service levels in hospitals" has no Outcome child.

    ## Fix
    Create an Outcome with the priority as its parent, expressed as impact on citizens, e.g.
    "Shorter waits in emergency departments".
    """

    code = "RD101"
    name = "priority-without-outcome"
    severity = Severity.ERROR
    kinds = (EntityKind.PRIORITY,)
    manual = RULE_1
    child = Outcome
    missing = "no outcome under it"
    fix_text = "Create an Outcome with {key} as its parent."


@register
class OutcomeWithoutIndicator(MissingChildRule):
    """
    ## What it does
    Flags an outcome with no indicator (metric) under it.

    ## Why it matters
    Rule 2 asks for "clear metrics or indicators for each priority", and the architecture review
    asks: "Does each goal have an indicator and target that is meaningful, moveable, and
    measurable?" Without an indicator nobody can tell whether the outcome is being achieved.

    ## Example
    Outcome DEL-2 "Shorter waits in emergency departments" has no Indicator child.

    ## Fix
    Create an Indicator under the outcome that passes the 3 M's (meaningful, moveable,
    measurable), e.g. "Patients through ED in four hours (%)".
    """

    code = "RD102"
    name = "outcome-without-indicator"
    severity = Severity.ERROR
    kinds = (EntityKind.OUTCOME,)
    manual = "Rule 2 — Define success clearly: the 3 M's of indicator selection"
    child = Indicator
    missing = "no indicator under it"
    fix_text = "Create an Indicator with {key} as its parent."


@register
class TargetWithoutIndicator(EntityRule):
    """
    ## What it does
    Flags a target whose parent is not an indicator: a number with no metric to read it on.

    ## Why it matters
    Rule 2: "Once the team has defined clear metrics associated with each desired outcome, it is
    important to identify specific aims for each of them." A target is an aim on one metric;
    without its indicator there is no series to measure progress against.

    ## Example
    Target DEL-4 "81% by 2019" has no parent, or its parent is an outcome.

    ## Fix
    Set the target's parent to the indicator it is measured on.
    """

    code = "RD103"
    name = "target-without-indicator"
    severity = Severity.ERROR
    kinds = (EntityKind.TARGET,)
    manual = "Rule 2 — Define success clearly"

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        assert isinstance(entity, Target)
        if arch.indicator_of(entity) is None:
            # the graph drops a parent of the wrong kind (RD902), so name the one the tool holds
            parent = entity.parent_key
            where = "no parent" if parent is None else f"parent {parent}, not an indicator"
            yield self.finding(
                entity,
                f"{entity.key} has {where}",
                f"Set the parent of {entity.key} to the indicator it is measured on.",
                field="parent",
            )


@register
class IndicatorWithoutTarget(MissingChildRule):
    """
    ## What it does
    Flags an indicator with no target under it.

    ## Why it matters
    Rule 2: "What really matters is that the definition of success is clear", and the
    architecture review asks whether each goal has "an indicator and target". An indicator
    without a target says what is watched, not what success is.

    ## Example
    Indicator DEL-3 "Patients through ED in four hours" has no Target child.

    ## Fix
    Create a Target under the indicator with a baseline, a target value and a target date, e.g.
    "81% by 2019".
    """

    code = "RD104"
    name = "indicator-without-target"
    severity = Severity.ERROR
    kinds = (EntityKind.INDICATOR,)
    manual = REVIEW
    child = Target
    missing = "no target under it"
    fix_text = "Create a Target with {key} as its parent."


@register
class TargetWithoutStrategy(EntityRule):
    """
    ## What it does
    Flags an open target that no strategy drives, neither directly nor through its outcome.

    ## Why it matters
    The architecture review asks: "Does each target have at least one strategy whose explicit
    purpose is to move the numbers?" A target nobody works towards is a hope, not a plan.

    ## Example
    Target DEL-4 has no "Drives" link from any Strategy, and no strategy drives outcome DEL-2
    above it.

    ## Fix
    Link the strategy that moves this target with a "Drives" link (strategy drives target), or
    define one.
    """

    code = "RD105"
    name = "target-without-strategy"
    severity = Severity.ERROR
    kinds = (EntityKind.TARGET,)
    manual = REVIEW

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        if arch.strategies_for(entity.key):
            return
        if any(
            isinstance(a, Outcome) and arch.strategies_for(a.key)
            for a in arch.ancestors(entity.key)
        ):
            return
        yield self.finding(
            entity,
            f"{entity.key} is driven by no strategy",
            f"Add a 'Drives' link from the strategy that moves {entity.key}.",
            field="drives",
        )


@register
class StrategyDrivesNothing(EntityRule):
    """
    ## What it does
    Flags an open strategy that drives no target or outcome: what the manual calls an
    initiative.

    ## Why it matters
    Rule 4: "The opposite of strategy is a laundry list of initiatives. These are fragmented
    activities, often with a tenuous connection to outcome goals and loosely bounded, which are
    less likely to bring about real change in the system or make concrete impact to citizens'
    lives." A strategy is "a body of work that you undertake in order to achieve your goals (by
    moving your target metrics)".

    ## Example
    Strategy DEL-5 "See and treat" has no "Drives" link.

    ## Fix
    Link the strategy to the targets whose numbers it moves, or stop it.
    """

    code = "RD106"
    name = "strategy-drives-nothing"
    severity = Severity.ERROR
    kinds = (EntityKind.STRATEGY,)
    manual = "Rule 4 — Set strategy and policy (and avoid initiatives)"

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        if not arch.drives(entity.key):
            yield self.finding(
                entity,
                f"{entity.key} drives no target or outcome",
                f"Add a 'Drives' link from {entity.key} to the target it moves.",
                field="drives",
            )


def _owner_names(entity: BaseEntity) -> list[str]:
    return [person.label for person in {p.id: p for p in entity.owners}.values()]


@register
class OwnerMissing(EntityRule):
    """
    ## What it does
    Flags an open priority, outcome or strategy with nobody in its accountable owner field.

    ## Why it matters
    Rule 1 names "clearly accountable leaders" as one of the four elements of the basic
    architecture: "Each strategy usually calls for a single leader who takes ownership for that
    work stream. Similarly, each goal usually calls for a single leader who takes ownership for
    achieving the targets." The architecture review asks: "Have we identified a single
    accountable person for each goal and strategy?"

    ## Example
    Strategy DEL-5 "See and treat" has an empty "Accountable owner".

    ## Fix
    Put the one person who answers for it in "Accountable owner".
    """

    code = "RD107"
    name = "owner-missing"
    severity = Severity.ERROR
    kinds = LEADERS
    manual = RULE_1

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        if not entity.owners:
            yield self.finding(
                entity,
                f"{entity.key} has no accountable owner",
                "Put one person in 'Accountable owner'.",
                field="owners",
            )


@register
class OwnerMultiple(EntityRule):
    """
    ## What it does
    Flags an open priority, outcome or strategy with more than one person in its accountable
    owner field.

    ## Why it matters
    Rule 1: "Each strategy usually calls for a single leader who takes ownership for that work
    stream." The planning rubric rates a plan Red where the "Overall plan has no owner or
    multiple owners" or "Each strategy has no owner or multiple owners". When two people own a
    thing, neither does.

    ## Example
    Strategy DEL-12 lists Amara Okafor and Tom Reid as "Accountable owner".

    ## Fix
    Keep one person in "Accountable owner"; name the others' roles in the delivery chain.
    """

    code = "RD108"
    name = "owner-multiple"
    severity = Severity.ERROR
    kinds = LEADERS
    manual = RULE_1

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        names = _owner_names(entity)
        if len(names) > 1:
            yield self.finding(
                entity,
                f"{entity.key} has {len(names)} accountable owners: {', '.join(names)}",
                "Keep one person in 'Accountable owner'.",
                field="owners",
            )


LISTED = 8  # the priorities RD109's message names by key, of a department's open ones


@register
class TooManyPriorities(EntityRule):
    """
    ## What it does
    Flags every open priority of a department that has more open priorities than
    `max_priorities`. Every one of them gets the finding, because which ones to drop is the
    leadership's choice, not the order of the keys. The message counts them and names the
    first eight by key ("… and 32 more"): a department of 40 priorities gets 40 findings of one
    line each, not 40 lists of 40 (each carries the finding: the report's review lists all).

    ## Why it matters
    Rule 1 is "Prioritize (really prioritize)": leaders must "identify the things that are most
    likely to help government realize its aspirations, and focus on them relentlessly". Of the
    UK's delivery unit the manual says: "Focusing sharply on a few, well-specified, priorities
    was a key success factor".

    ## Example
    With `max_priorities = 5`, department "Health" has 7 open priorities DEL-1 … DEL-7; with
    12, the message reads "department Health has 12 open priorities (DEL-1, DEL-2, …, DEL-8
    and 4 more); the configured few is 5".

    ## Fix
    Choose the few that matter most and close, merge or demote the others; or raise
    `[rules.thresholds] max_priorities` if the department's few is truly larger.
    """

    code = "RD109"
    name = "too-many-priorities"
    severity = Severity.WARNING
    kinds = (EntityKind.PRIORITY,)
    scope = "department"
    manual = "Rule 1 — Prioritize (really prioritize)"
    options = ("max_priorities",)

    def prepare(self, arch: Architecture, ctx: RuleContext) -> None:
        self.by_department: dict[str | None, list[str]] = defaultdict(list)
        for priority in arch.of_kind(Priority):
            if not priority.done:
                self.by_department[priority.department].append(priority.key)
        for keys in self.by_department.values():
            keys.sort(key=natural_key)

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterable[Finding]:
        keys = self.by_department[entity.department]
        few = ctx.thresholds.max_priorities
        if len(keys) <= few:
            return []
        where = f"department {entity.department}" if entity.department else "no department"
        named = ", ".join(keys[:LISTED])
        if len(keys) > LISTED:  # bounded: every priority's finding repeats the department's
            named += f" and {len(keys) - LISTED} more"
        return [
            self.finding(
                entity,
                f"{where} has {len(keys)} open priorities ({named}); the configured few is {few}",
                f"Keep the {few} that matter most open; close, merge or demote the others.",
                field="department",
            )
        ]
