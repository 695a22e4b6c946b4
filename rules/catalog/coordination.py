"""RD408: a critical dependency at risk, run after the likelihood is judged."""

from __future__ import annotations

from collections.abc import Iterator

from mappings.graph import Architecture
from mappings.model import EntityKind
from rules.base import Rule, RuleContext
from rules.dependencies import BLOCKS, critical, membership
from rules.model import Finding, Severity
from rules.registry import register


@register
class CriticalDependencyAtRisk(Rule):
    """
    ## What it does
    Flags an item rated 1 - Red or 2 - Amber/Red (or a milestone whose strategy is) that items
    of another priority wait on: it "blocks" them (Jira's Blocks link, the Airtable mapping's
    `blocks` relation), or it is a strategy that drives the targets of several priorities.

    ## Why it matters
    The manual asks a delivery unit to identify "critical interdependencies between the
    priorities and initiatives". A priority's plan can be sound and on track and still fail
    because a milestone of another priority it waits on will not land: its own rating never
    shows that, and the two leaders may never meet at the same stock take. Rule 8 asks that
    such problems surface "as soon as possible".

    ## Example
    Milestone DEL-54 "1,000 families through the program" (Children and young people safe and
    housed) blocks DEL-31 "3,000 participants enrolled" (Safer families: fewer domestic
    violence re-offenders): the men's programme takes its referrals from family preservation.
    Its strategy DEL-52 is rated 2 - Amber/Red, so DEL-31 is unlikely to land on time either.

    ## Fix
    Put the dependency on the agenda of both priorities' next stock takes: agree a date the
    waiting plan can rely on, or a way round it, and note it on both tickets. The finding clears
    when the blocker's strategy is rated Amber/Green or better, or the link is removed.
    """

    code = "RD408"
    name = "critical-dependency-at-risk"
    severity = Severity.WARNING
    kinds = tuple(EntityKind)
    manual = "Rule 8 — Surface problems early; critical interdependencies between priorities"
    phase = "assessment"

    def check(self, arch: Architecture, ctx: RuleContext) -> Iterator[Finding]:
        members = membership(arch)
        for found in critical(arch, members, ctx.assessments):
            entity = arch.get(found.key) or found.key
            rated = "" if found.rated == found.key else f" (its strategy {found.rated})"
            if found.via == BLOCKS:
                message = (
                    f"{found.key} is rated {found.rating.option}{rated}, and "
                    f"{', '.join(found.waiting)} of {', '.join(found.priorities)} "
                    "wait on it"
                )
            else:
                message = (
                    f"{found.key} is rated {found.rating.option} and drives the targets of "
                    f"{len(found.priorities)} priorities ({', '.join(found.priorities)})"
                )
            yield self.finding(
                entity,
                message,
                f"Put {found.key} on the agenda of the stock takes of "
                f"{', '.join(found.priorities)}: agree a date the waiting plans can rely on, "
                "or a way round it.",
                field="blocks" if found.via == BLOCKS else "drives",
            )
