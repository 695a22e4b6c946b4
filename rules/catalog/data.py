"""RD901–RD905: bad input, and writes a tool refused, made visible as findings (never fatal),
from `Architecture.problems`."""

from __future__ import annotations

from collections.abc import Iterator

from mappings.graph import Architecture
from mappings.model import EntityKind
from rules.base import Rule, RuleContext
from rules.model import Finding, Severity
from rules.registry import register

NOT_MANUAL = "Not from the manual: data quality, so that bad input is visible, never fatal"


class _ProblemRule(Rule):
    """Turns the data problems recorded while mapping and assembling, of this code, into
    findings on the ticket or record they came from."""

    kinds = tuple(EntityKind)
    manual = NOT_MANUAL

    def check(self, arch: Architecture, ctx: RuleContext) -> Iterator[Finding]:
        for problem in arch.problems:
            if problem.code != self.code:
                continue
            entity = arch.get(problem.key)
            yield Finding(
                code=self.code,
                name=self.name,
                severity=self.severity,
                key=problem.key,
                kind=None if entity is None else str(entity.kind),
                message=problem.message,
                fix=problem.fix,
                field=problem.field,
            )


@register
class UnreadableValue(_ProblemRule):
    """
    ## What it does
    Reports a mapped field whose value could not be read as the mapping says: "12%" where a
    number is mapped, "n/a", a date in another form, an option the mapping does not know. The
    field is left empty for the rules, and the rest of the record is used.

    It also reports a value no person could have meant, which is read as empty in the same
    way: a date before 1900-01-01 or after 2199-12-31 (dates, date-times, trajectory lines and
    measurement dates), and a number that is not finite (NaN, infinity) or beyond ±1e15, a
    quadrillion (values, baselines, targets, trajectory lines, measurements). Excel's calendar
    starts in 1900 and keeps 15 significant digits; pandas' dates end in 2262 and a chart's
    axis overflows near 1.8e308, so such a value would break the report's charts and
    spreadsheets as well as every rate and share computed from it.

    ## Why it matters
    Rule 1 asks the data lead to "Ensure high-quality data so that leaders understand delivery
    challenges and are well-equipped to address them." A value rdsync cannot read silently
    weakens every judgement built on it; shown as a finding, it is one edit away from fixed.

    ## Example
    Target DEL-4 has "Target value" = "81 pct": not a number. Its "Target date" is
    9999-12-31, a placeholder for "some day", not a date a plan can mean.

    ## Fix
    Correct the value in the tool (the message names the field and what it expects), or adjust
    the value reader in the mapping config.
    """

    code = "RD901"
    name = "unreadable-value"
    severity = Severity.WARNING


@register
class UnknownReference(_ProblemRule):
    """
    ## What it does
    Reports a parent, "Drives" link or measurement that points at a ticket or record outside the
    mapped scope, or at one of the wrong kind (a target under an outcome, a strategy driving a
    milestone). The link is ignored for the rules.

    ## Why it matters
    Rule 4: "strategies are connected to indicators, outcomes and priorities". A broken link
    breaks the chain from strategy to target to priority, so plans and ratings miss parts.

    ## Example
    Strategy DEL-5 drives DEL-404, which is not in the synced projects.

    ## Fix
    Bring the referenced ticket into the sync's scope (projects, JQL or tables), or correct the
    link or parent.
    """

    code = "RD902"
    name = "unknown-reference"
    severity = Severity.WARNING


@register
class HierarchyCycle(_ProblemRule):
    """
    ## What it does
    Reports every ticket in a parent cycle (A under B under A). The cycle's parent links are
    dropped so that every walk of the hierarchy ends.

    ## Why it matters
    Rule 1's architecture runs one way, from priorities to outcomes to indicators to targets;
    Rule 4: strategies "connect aspirations and priorities to Results and Delivery". A cycle
    has no priority at its top, so none of its tickets belongs to a plan.

    ## Example
    DEL-2 → DEL-8 → DEL-2: each has the other as its parent.

    ## Fix
    Give each ticket in the cycle a parent one level up, so that the chain ends at a priority
    or a strategy.
    """

    code = "RD903"
    name = "hierarchy-cycle"
    severity = Severity.ERROR


@register
class UnmappableRecord(_ProblemRule):
    """
    ## What it does
    Reports a ticket or record that could not be mapped to one entity: read twice under the same
    key, matched by two entity kinds, or missing what the mapping needs to place it. The first
    copy is kept, or the record is skipped.

    ## Why it matters
    Rule 7 asks for "a shared view of progress"; a record the tool shows but rdsync cannot place
    is a silent gap in that view, unless it is reported.

    ## Example
    DEL-4 matches both the Target and the Indicator issue types of the mapping.

    ## Fix
    Make each record match exactly one entity kind in the mapping config (issue type, label, JQL
    or table), or correct the record.
    """

    code = "RD904"
    name = "unmappable-record"
    severity = Severity.WARNING


@register
class WriteRefused(_ProblemRule):
    """
    ## What it does
    Reports a ticket or record whose write-back a sync could not make: the tool refused it (a
    missing option, a field off the edit screen, no permission), or it kept failing through
    the retry budget (a broken issue answering 500). The other tickets are written; this one
    keeps its old rating, and the next sync tries it again.

    ## Why it matters
    Rule 7 asks for "a shared view of progress". A rating rdsync worked out but could not
    write leaves the ticket showing an older view than the report; shown as a finding, the
    gap is visible until the tool takes the write.

    ## Example
    DEL-4's edit kept failing (HTTP 500) after 14 attempts; DEL-9 has no option '2 - Amber/Red'.

    ## Fix
    Follow the message: add the option or put the field on the edit screen, give rdsync's
    account the permission, or ask the site's admin about the issue that keeps failing. The
    next sync writes it.
    """

    code = "RD905"
    name = "write-refused"
    severity = Severity.WARNING
    phase = "writeback"
