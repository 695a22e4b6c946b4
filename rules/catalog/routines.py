"""RD401, RD402, RD404: what the routines of Rules 7–8 watch (milestones, trajectory, load)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from mappings.graph import Architecture
from mappings.model import BaseEntity, EntityKind, Milestone, Strategy, Target
from rules.base import RuleContext
from rules.engine import EntityRule, natural_key
from rules.judgements import fmt
from rules.model import Finding, Severity
from rules.registry import register
from rules.trajectory import latest_on, reached


def _number(value: float) -> str:
    return fmt(value)  # as the judgements write numbers: 86.4, 1,200, 0.0062


@register
class MilestoneOverdue(EntityRule):
    """
    ## What it does
    Flags a milestone whose due date is before the day of the check and that is not done.

    ## Why it matters
    Rule 7 asks of every plan: "did we do what we said we were going to do?" Routines "create a
    consistent sense of urgency, through intermediary deadlines", and Rule 8 warns: "they
    shouldn't give any potential problem the benefit of the doubt, and neither should you."

    ## Example
    Milestone DEL-6 "Roll out to 200 A&E departments" was due on 2026-09-30 and is still open on
    2026-11-22.

    ## Fix
    Finish the milestone and mark it done, or re-plan it openly with a new due date and the
    reason in the strategy's next stock take.
    """

    code = "RD401"
    name = "milestone-overdue"
    severity = Severity.WARNING
    kinds = (EntityKind.MILESTONE,)
    manual = "Rule 7 — Use routines to drive progress (and report it)"

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        assert isinstance(entity, Milestone)
        if entity.due is not None and entity.due < ctx.today:
            yield self.finding(
                entity,
                f"{entity.key} was due on {entity.due.isoformat()} and is not done",
                "Finish the milestone and mark it done, or set a new due date and say why.",
                field="due",
            )


@register
class OffTrajectory(EntityRule):
    """
    ## What it does
    Compares an open target's latest measurement with the value its trajectory planned for that
    date (interpolated between baseline, intermediate targets and target). Flags the target when
    the latest value has achieved less than `1 - off_trajectory_tolerance` of the gain the plan
    expected since the baseline (direction-aware). Silent without a baseline, a measurement, or
    where the plan expects no gain yet, and once the target value is reached.

    ## Why it matters
    Rule 7: "Does this evidence suggest that the goal/strategy is on track to deliver its
    promised results?" Rule 8's first level of problem is "Delivery is off track", and the manual
    asks everyone "to surface challenges that need attention as soon as possible".

    ## Example
    With `off_trajectory_tolerance = 0.10`: target DEL-4 planned 78 for 2026-10-01 from a
    baseline of 74; the indicator read 76, half the planned gain.

    ## Fix
    Take the target to problem solving (Rule 8): find why the strategies fall short and what
    will bring the indicator back to its trajectory; record the actions on the strategies.
    """

    code = "RD402"
    name = "off-trajectory"
    severity = Severity.WARNING
    kinds = (EntityKind.TARGET,)
    manual = "Rule 7 — Use routines to drive progress: evidence of progress"
    options = ("off_trajectory_tolerance",)

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        assert isinstance(entity, Target)
        indicator = arch.indicator_of(entity)
        latest = latest_on(arch.series(indicator.key) if indicator is not None else [], ctx.today)
        if latest is None or reached(entity, latest.value):
            return
        planned, share = ctx.progress(entity, latest)  # as Evidence of progress reads them
        if planned is None or share is None:
            return
        if share < 1 - ctx.thresholds.off_trajectory_tolerance:
            yield self.finding(
                entity,
                f"{entity.key} read {_number(latest.value)} on {latest.at.isoformat()} where the "
                f"trajectory planned {_number(planned)}: {share:.0%} of the planned "
                f"gain since the baseline of {_number(entity.baseline_value or 0)}",
                "Take it to problem solving: find why it is behind and record the actions on its "
                "strategies.",
                field="trajectory",
            )


@register
class OwnerOverloaded(EntityRule):
    """
    ## What it does
    Counts, for each person (by their Jira accountId, Airtable collaborator id or email), the
    open strategies they are accountable owner of. Where one person owns more than
    `max_active_strategies_per_owner`, every one of their open strategies gets the finding,
    naming the others, so that each strategy's team and the CRDO see the load on the ticket
    where reassigning happens.

    ## Why it matters
    Rule 1: "Each strategy usually calls for a single leader who takes ownership for that work
    stream." Rule 5 asks of the delivery chain: "Are there particular actors that you
    disproportionately depend on to get something done? What is the risk that they will be
    overburdened or not up to the task?"

    ## Example
    With `max_active_strategies_per_owner = 4`, Amara Okafor owns six open strategies DEL-5,
    DEL-9, DEL-14, DEL-20, DEL-31 and DEL-40.

    ## Fix
    Hand some of those strategies to other leaders ("Accountable owner"), or close the ones that
    are finished.
    """

    code = "RD404"
    name = "owner-overloaded"
    severity = Severity.WARNING
    kinds = (EntityKind.STRATEGY,)
    manual = "Rule 5 — Delivery chains: choke points; Rule 1 accountable leaders"
    options = ("max_active_strategies_per_owner",)

    def prepare(self, arch: Architecture, ctx: RuleContext) -> None:
        self.owned: dict[str, list[str]] = defaultdict(list)
        for strategy in arch.of_kind(Strategy):
            if not strategy.done:
                for person_id in dict.fromkeys(p.id for p in strategy.owners):
                    self.owned[person_id].append(strategy.key)
        for keys in self.owned.values():
            keys.sort(key=natural_key)

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        most = ctx.thresholds.max_active_strategies_per_owner
        for person in {p.id: p for p in entity.owners}.values():
            keys = self.owned[person.id]
            if len(keys) > most:
                yield self.finding(
                    entity,
                    f"{person.label} is accountable owner of {len(keys)} open strategies "
                    f"({', '.join(keys)}); more than {most}",
                    f"Hand some of {person.label}'s strategies to other leaders in "
                    "'Accountable owner'.",
                    field="owners",
                )
