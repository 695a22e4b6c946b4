"""RD403, RD405-RD407: findings on the ratings themselves, run after the likelihood is judged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from mappings.graph import Architecture
from mappings.model import EntityKind
from rules.agreed import agreement
from rules.base import Rule, RuleContext
from rules.model import Agreed, Assessment, Finding, Rating, Severity
from rules.registry import register

RATED = (EntityKind.STRATEGY, EntityKind.TARGET, EntityKind.OUTCOME, EntityKind.PRIORITY)
RULE_7 = "Rule 7 — Use routines to drive progress: the assessment framework"


def _rated(ctx: RuleContext) -> Iterator[Assessment]:
    """The assessments, in no particular order: the engine sorts the findings of every rule."""
    return iter(ctx.assessments.values())


@register
class LikelihoodFell(Rule):
    """
    ## What it does
    Flags a strategy, target, outcome or priority whose likelihood of delivery is lower than it
    was at the last assessment.

    ## Why it matters
    The manual makes routines the place to ask "did we do what we said we were going to do? ...
    What are we going to do to improve implementation?", and heat maps are shown "routinely to
    allow assessment of progress and quick decision-making". A fall is the first sign a routine
    should act on: Rule 8 asks everyone to "surface challenges that need attention as soon as
    possible" and not to "give any potential problem the benefit of the doubt".

    ## Example
    Target DEL-4 was rated 3 - Amber/Green at the last assessment; today's evidence (latest
    value 19.8 against 14.6 planned) rates it 2 - Amber/Red.

    ## Fix
    Read the rationale written on the ticket to see which judgement fell, and put the item on the
    agenda of its next stock take with its problem-solving level. The finding clears at the next
    assessment, when today's rating becomes the previous one.
    """

    code = "RD403"
    name = "likelihood-fell"
    severity = Severity.WARNING
    kinds = RATED
    manual = RULE_7
    phase = "assessment"

    def check(self, arch: Architecture, ctx: RuleContext) -> Iterator[Finding]:
        for assessment in _rated(ctx):
            before = ctx.previous.get(assessment.key, assessment.previous)
            if before is None or assessment.likelihood >= before:
                continue
            yield self.finding(
                arch.get(assessment.key) or assessment.key,
                f"{assessment.key} fell from {before.option} at the last assessment to "
                f"{assessment.likelihood.option}",
                f"Put {assessment.key} on the agenda of its next stock take: its 'Likelihood "
                "rationale' names the judgement that fell.",
                field="Delivery likelihood",
            )


@register
class RatingDisagreement(Rule):
    """
    ## What it does
    Flags a strategy, target, outcome or priority whose team records its own likelihood (in the
    field the mapping names for it) two levels or more away from the rating the evidence
    supports.

    ## Why it matters
    The assessment framework exists to "bring the various participants in a delivery routine to a
    shared view of progress", and after "coming to consensus on the likelihood" the routine moves
    on to next steps. Two levels apart (Green against Amber/Red) is no shared view: either the
    data in the tool is wrong or incomplete, or the team gives itself "the benefit of the doubt"
    that Rule 8 warns against, a status green outside and red inside.

    ## Example
    Strategy DEL-20's team rates it 4 - Green; its milestones are two months late and its target
    is behind trajectory, so the evidence supports 2 - Amber/Red.

    ## Fix
    Compare the team's judgement with the 'Likelihood rationale' at the next stock take: correct
    the data the rationale quotes if it is wrong, or agree a rating the evidence supports.
    """

    code = "RD405"
    name = "rating-disagreement"
    severity = Severity.WARNING
    kinds = RATED
    manual = RULE_7
    phase = "assessment"
    levels: ClassVar[int] = 2  # the "a difference of two levels or more"

    def check(self, arch: Architecture, ctx: RuleContext) -> Iterator[Finding]:
        for assessment in _rated(ctx):
            entity = arch.get(assessment.key)
            team = assessment.team_rating
            if team is None and entity is not None and entity.team_rating in (1, 2, 3, 4):
                team = Rating(entity.team_rating)
            if team is None or abs(int(team) - int(assessment.likelihood)) < self.levels:
                continue
            gap = abs(int(team) - int(assessment.likelihood))
            yield self.finding(
                entity or assessment.key,
                f"{assessment.key}'s team rates it {team.option}; the evidence supports "
                f"{assessment.likelihood.option} ({gap} levels apart)",
                f"Compare the team's rating of {assessment.key} with its 'Likelihood rationale' "
                "at the next stock take: correct the data, or agree a rating the evidence "
                "supports.",
                field="team rating",
            )


def _agreed(arch: Architecture, ctx: RuleContext, assessment: Assessment) -> Agreed | None:
    """The assessment's agreed rating, or the entity's read against its evidence (a rule run
    on assessments made without `rules.agreed.with_agreed`)."""
    if assessment.agreed is not None:
        return assessment.agreed
    entity = arch.get(assessment.key)
    return agreement(arch, entity, ctx.today) if entity is not None else None


@register
class AgreedRatingStale(Rule):
    """
    ## What it does
    Flags a strategy, target, outcome or priority whose rating agreed at a stock take (the
    fields the mapping names `agreed_rating` and `agreed_on`) is older than its evidence: a
    measurement of one of its indicators, or a milestone of its strategies falling due, dated
    after the day the rating was agreed. An agreed rating without its date is flagged too.

    ## Why it matters
    The manual's rating is a consensus ("after coming to consensus on the likelihood of Results
    and Delivery"), reached on "an independent assessment of progress by the delivery team".
    A consensus is about the evidence it saw: once newer evidence arrives, the agreed rating no
    longer says what the stock take would agree today, and Rule 8 warns against giving "any
    potential problem the benefit of the doubt". rdsync's own assessment stands in the heat
    map and the counts until the consensus is renewed.

    ## Example
    Target DEL-4 was agreed 4 - Green at the stock take of 2026-11-12; its indicator DEL-3 was
    measured again on 2026-11-20, so the agreement predates the evidence.

    ## Fix
    Take the item to its next stock take and agree its rating again on the new evidence, then
    set the agreed rating's date ('Agreed on') to that day.
    """

    code = "RD406"
    name = "agreed-rating-stale"
    severity = Severity.WARNING
    kinds = RATED
    manual = RULE_7
    phase = "assessment"

    def check(self, arch: Architecture, ctx: RuleContext) -> Iterator[Finding]:
        for assessment in _rated(ctx):
            agreed = _agreed(arch, ctx, assessment)
            if agreed is None or agreed.in_force:
                continue
            key, own = assessment.key, assessment.likelihood.option
            where = arch.get(key) or key
            if agreed.on is None:
                yield self.finding(
                    where,
                    f"{key}'s agreed rating {agreed.rating.option} has no date: it cannot be "
                    f"shown to be newer than the evidence, so rdsync's {own} stands",
                    f"Set the date of the stock take that agreed {key}'s rating ('Agreed on').",
                    field="agreed on",
                )
                continue
            yield self.finding(
                where,
                f"{key}'s rating {agreed.rating.option} was agreed on {agreed.on}, before "
                f"{agreed.evidence}; rdsync's {own} stands until it is agreed again",
                f"Agree {key}'s rating again at its next stock take, on the new evidence, and "
                "set 'Agreed on' to that day.",
                field="agreed on",
            )


@register
class AgreedRatingApart(Rule):
    """
    ## What it does
    Flags a strategy, target, outcome or priority whose rating agreed at a stock take is two
    levels or more away from rdsync's assessment of the same evidence.

    ## Why it matters
    The stock take's discussion "is based on an independent assessment of progress by the
    delivery team"; a consensus two levels from that assessment (Green against Amber/Red) says
    either that the data in the tool is wrong or incomplete, or that the stock take gave the
    item "the benefit of the doubt" Rule 8 warns against. Either way the reason belongs on the
    record, where the next stock take can weigh it.

    ## Example
    Strategy DEL-20 was agreed 4 - Green at the stock take; its milestones are two months late
    and its target behind trajectory, so the evidence supports 2 - Amber/Red.

    ## Fix
    Reopen the agreement at the next stock take: correct the data the 'Likelihood rationale'
    quotes if it is wrong, or write in the agreed rating's note why the stock take sees the
    item differently.
    """

    code = "RD407"
    name = "agreed-rating-apart"
    severity = Severity.WARNING
    kinds = RATED
    manual = RULE_7
    phase = "assessment"
    levels: ClassVar[int] = 2  # the "two levels apart"

    def check(self, arch: Architecture, ctx: RuleContext) -> Iterator[Finding]:
        for assessment in _rated(ctx):
            agreed = _agreed(arch, ctx, assessment)
            own = assessment.likelihood
            if agreed is None or abs(int(agreed.rating) - int(own)) < self.levels:
                continue
            key = assessment.key
            when = f" on {agreed.on}" if agreed.on is not None else ""
            yield self.finding(
                arch.get(key) or key,
                f"{key} was agreed {agreed.rating.option}{when}; the evidence supports "
                f"{own.option} ({abs(int(agreed.rating) - int(own))} levels apart)",
                f"Reopen {key}'s agreed rating at the next stock take: correct the data its "
                "'Likelihood rationale' quotes, or say in the agreed note why the stock take "
                "sees it differently.",
                field="agreed rating",
            )
