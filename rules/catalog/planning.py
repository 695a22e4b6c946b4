"""RD301–RD310: implementation planning of Rules 4–5 (the strategy profile and the rubric)."""

from __future__ import annotations

from collections.abc import Iterator

from mappings.graph import Architecture
from mappings.model import BaseEntity, EntityKind, Milestone, Risk, Strategy, Target
from rules.base import RuleContext
from rules.engine import EntityRule, MissingChildRule, MissingValueRule
from rules.model import Finding, Severity
from rules.registry import register

PROFILE = "Rule 5 — Exercises and tools: defining strategies (the strategy profile)"
RUBRIC = "Rule 5 — Bringing it all together: the delivery planning rubric"


class _StrategyTextRule(MissingValueRule):
    """A strategy-profile answer that must not be empty: one text attribute of a strategy."""

    kinds = (EntityKind.STRATEGY,)


@register
class StrategyUnbounded(EntityRule):
    """
    ## What it does
    Flags an open strategy without a start date or without an end date.

    ## Why it matters
    Rule 4: a strategy "has a defined beginning and an end"; initiatives, its opposite, are
    "loosely bounded". Without both dates there is no implementation timeline, and the rubric's
    weak plan is one whose "Implementation timeline is vague or non-existent".

    ## Example
    Strategy DEL-5 "See and treat" has a "Start date" but no "Due date".

    ## Fix
    Set "Start date" and the end ("Due date" in Jira, "End date" in Airtable).
    """

    code = "RD301"
    name = "strategy-unbounded"
    severity = Severity.ERROR
    kinds = (EntityKind.STRATEGY,)
    manual = "Rule 4 — Set strategy and policy: the three characteristics of a strategy"

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        assert isinstance(entity, Strategy)
        missing = [
            label
            for label, value in (("start date", entity.start_date), ("end date", entity.end_date))
            if value is None
        ]
        if missing:
            yield self.finding(
                entity,
                f"{entity.key} has no {' and no '.join(missing)}",
                "Set the strategy's start date and its end date.",
                field="start_date" if entity.start_date is None else "end_date",
            )


@register
class StrategyWithoutRationale(_StrategyTextRule):
    """
    ## What it does
    Flags an open strategy whose rationale (theory of action) is empty.

    ## Why it matters
    The strategy profile asks: "Rationale: Why do we believe it will have that impact?" The
    rubric's strong plan: "Each strategy has a theory of action for how it will have an impact on
    the aspiration"; its weak plan: "No linkage drawn between strategies and impact on the
    aspiration". Rule 4 asks, for each strategy, "Why and how this change will move one or more
    indicators toward the targets."

    ## Example
    Strategy DEL-5 "See and treat" has an empty "Rationale".

    ## Fix
    Write in "Rationale" why and how the strategy will move the indicator, and the evidence.
    """

    code = "RD302"
    name = "strategy-without-rationale"
    severity = Severity.WARNING
    manual = PROFILE
    attribute = "rationale"
    label = "Rationale"
    fix_text = "Write in 'Rationale' why and how the strategy will move the indicator."


@register
class StrategyWithoutMilestones(MissingChildRule):
    """
    ## What it does
    Flags an open strategy with no milestone under it (done milestones count).

    ## Why it matters
    The strategy profile asks: "Milestones: What are the most important milestones between now
    and then?" The rubric's strong plan has "Specific and time-bound implementation milestones";
    Rule 7's routines create "a consistent sense of urgency, through intermediary deadlines".

    ## Example
    Strategy DEL-5 "See and treat" has no Milestone child.

    ## Fix
    Create the few most important milestones under the strategy, each with a due date.
    """

    code = "RD303"
    name = "strategy-without-milestones"
    severity = Severity.WARNING
    kinds = (EntityKind.STRATEGY,)
    manual = PROFILE
    child = Milestone
    missing = "no milestones"
    fix_text = "Create Milestones with {key} as their parent, each with a due date."


@register
class MilestoneUndated(MissingValueRule):
    """
    ## What it does
    Flags an open milestone without a due date.

    ## Why it matters
    The rubric's strong plan has "Specific and time-bound implementation milestones"; its weak
    plan: "Implementation timeline is vague or non-existent". A milestone without a date can
    never be late, so it can never raise the alarm.

    ## Example
    Milestone DEL-6 "Roll out to 200 A&E departments" has no "Due date".

    ## Fix
    Set the milestone's "Due date".
    """

    code = "RD304"
    name = "milestone-undated"
    severity = Severity.WARNING
    kinds = (EntityKind.MILESTONE,)
    manual = RUBRIC
    attribute = "due"
    label = "Due date"
    fix_text = "Set the milestone's 'Due date'."


@register
class StrategyWithoutDeliveryChain(_StrategyTextRule):
    """
    ## What it does
    Flags an open strategy whose delivery chain is empty.

    ## Why it matters
    Rule 5: "For each strategy, specify who needs to do what in order to deliver to citizens at
    scale. … Without a delivery chain, it will be hard to know whether implementation is
    happening as planned." The rubric's strong plan: "Each strategy specifies clear roles at
    every level".

    ## Example
    Strategy DEL-5 "See and treat" has an empty "Delivery chain".

    ## Fix
    Describe in "Delivery chain" the actors at each level between the strategy's owner and the
    frontline, their roles and the links between them.
    """

    code = "RD305"
    name = "strategy-without-delivery-chain"
    severity = Severity.WARNING
    manual = "Rule 5 — Exercises and tools: delivery chains"
    attribute = "delivery_chain"
    label = "Delivery chain"
    fix_text = "Describe in 'Delivery chain' the actors, their roles and links down to the field."


@register
class StrategyWithoutResources(_StrategyTextRule):
    """
    ## What it does
    Flags an open strategy whose resources are empty.

    ## Why it matters
    The strategy profile asks: "Resources required: What people, time, money and technology will
    be needed to implement it?" Rule 6: "You will want to estimate how much each prioritized
    strategy will cost to implement." The rubric's weak plan: "Resources are not mentioned".

    ## Example
    Strategy DEL-5 "See and treat" has an empty "Resources".

    ## Fix
    State in "Resources" the people, time, money and technology the strategy needs, and where
    they come from.
    """

    code = "RD306"
    name = "strategy-without-resources"
    severity = Severity.WARNING
    manual = "Rule 6 — Align the resources; Rule 5 strategy profile"
    attribute = "resources"
    label = "Resources"
    fix_text = "State in 'Resources' the people, time, money and technology it needs."


@register
class StrategyWithoutRisks(MissingChildRule):
    """
    ## What it does
    Flags an open strategy with no risk under it.

    ## Why it matters
    The strategy profile asks: "What are the risks, and how will we manage them?" The rubric's
    strong plan "details risks and constraints along the delivery chain, including weak
    relationships, chokepoints, funding shortfalls, and other major issues"; its weak plan has "No
    risks identified".

    ## Example
    Strategy DEL-5 "See and treat" has no Risk child.

    ## Fix
    Create Risks under the strategy for the weak links and chokepoints of its delivery chain,
    each with a mitigation.
    """

    code = "RD307"
    name = "strategy-without-risks"
    severity = Severity.WARNING
    kinds = (EntityKind.STRATEGY,)
    manual = RUBRIC
    child = Risk
    missing = "no risks"
    fix_text = "Create Risks with {key} as their parent, each with a mitigation."


@register
class RiskWithoutMitigation(MissingValueRule):
    """
    ## What it does
    Flags an open risk whose mitigation is empty.

    ## Why it matters
    The rubric's strong plan: "There is a potential solution for managing each risk"; its weak
    plan: "risk management is ambiguous", with "no attempt at real solutions".

    ## Example
    Risk DEL-7 "Triage nurses not trained in time" has an empty "Mitigation".

    ## Fix
    Write in "Mitigation" how the risk will be managed, and by whom.
    """

    code = "RD308"
    name = "risk-without-mitigation"
    severity = Severity.WARNING
    kinds = (EntityKind.RISK,)
    manual = RUBRIC
    attribute = "mitigation"
    label = "Mitigation"
    fix_text = "Write in 'Mitigation' how the risk will be managed, and by whom."


@register
class TargetWithoutTrajectory(EntityRule):
    """
    ## What it does
    Flags an open target without intermediate targets (an empty trajectory).

    ## Why it matters
    Rule 5: "A trajectory, or estimate of impact, is a hypothesis about what you think will
    happen and by when." The rubric's strong plan: "Trajectory of intermediate targets comes from
    a series of evidence-based estimates of the impact that each strategy will have on the
    measure of success"; its weak plan: "No intermediate targets". Without them, the only
    trajectory is a straight line, which few real indicators follow.

    ## Example
    Target DEL-4 "81% by 2019" has an empty "Trajectory".

    ## Fix
    Write the intermediate targets in "Trajectory", one `YYYY-MM-DD: value` a line, from the
    estimated impact of each strategy.
    """

    code = "RD309"
    name = "target-without-trajectory"
    severity = Severity.WARNING
    kinds = (EntityKind.TARGET,)
    manual = "Rule 5 — Exercises and tools: estimates of impact"

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        assert isinstance(entity, Target)
        if not entity.trajectory:
            yield self.finding(
                entity,
                f"{entity.key} has no intermediate targets",
                "Write the intermediate targets in 'Trajectory', one 'YYYY-MM-DD: value' a line.",
                field="trajectory",
            )


@register
class StrategyWithoutSuccessDefinition(_StrategyTextRule):
    """
    ## What it does
    Flags an open strategy whose definition of success is empty.

    ## Why it matters
    Rule 5: "Clearly define each strategy by answering a few key questions in particular, what
    success will look like, the scale of implementation, and the key milestones to achieve." The
    strategy profile asks: "Definition of success: What would success look like for this
    specific strategy, and by when?"

    ## Example
    Strategy DEL-5 "See and treat" has an empty "Definition of success".

    ## Fix
    Write in "Definition of success" what success looks like for this strategy, and by when.
    """

    code = "RD310"
    name = "strategy-without-success-definition"
    severity = Severity.WARNING
    manual = PROFILE
    attribute = "success_definition"
    label = "Definition of success"
    fix_text = "Write in 'Definition of success' what success looks like, and by when."
