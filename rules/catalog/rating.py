"""RD403, RD405: findings on the ratings themselves, run after the likelihood is judged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from mappings.graph import Architecture
from mappings.model import EntityKind
from rules.base import Rule, RuleContext
from rules.model import Assessment, Finding, Rating, Severity
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
