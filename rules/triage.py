"""Rule 8 triage: the problem-solving level (1 nudge .. 4 crisis) of each Red and Amber/Red item.

The manual's table, read from the data (docs/likelihood.md, "Problem solving"):
- Red ("severely affecting delivery"): level 3 when the standard levels have not helped (it was
  already Red or Amber/Red at the last assessment) or it is politically salient (a priority, or
  it reaches `salient_reach` targets); else level 2.
- Amber/Red: level 3 when it was already Red or Amber/Red and milestones slip; level 2 when any
  of those, or its evidence of progress is 2 or lower ("significantly affecting delivery");
  else level 1, a timely nudge: on trajectory, and the cause is named by its caps.
- Level 4, crisis management: only the top `crisis_max` (1-2) of the whole portfolio among Red
  items that are both persistent and salient, ranked by kind (priority first), then reach, then
  evidence of progress, then key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from mappings.graph import Architecture
from mappings.model import Outcome, Priority, Strategy, Target, _Entity
from rules.base import RuleContext
from rules.judgements import EVIDENCE, Inputs, outcome_targets
from rules.likelihood_config import LikelihoodConfig
from rules.model import Assessment, Judgement, Rating

LEVELS = {
    1: "timely nudge",
    2: "standard problem solving",
    3: "intensive problem-solving drive",
    4: "crisis management",
}
_KIND_RANK = {"priority": 4, "outcome": 3, "target": 2, "strategy": 1}


class Signals(NamedTuple):
    """What the level of one troubled item is decided by."""

    red: bool
    evidence: int
    persistent: bool  # already Red or Amber/Red at the last assessment
    reach: int  # targets it covers
    salient: bool
    overdue: int  # milestones overdue across the strategies that drive it

    def facts(self, assessment: Assessment) -> list[str]:
        return self.facts_of(assessment.likelihood, assessment.previous, assessment.kind)

    def facts_of(self, likelihood: Rating, previous: Rating | None, kind: str) -> list[str]:
        found = [likelihood.label, f"evidence of progress {self.evidence}"]
        if self.persistent and previous is not None:
            found.append(
                f"already {previous.option} at the last assessment, so the usual "
                "problem solving has not turned it round"
            )
        if self.salient:
            found.append("a priority" if kind == "priority" else f"reaches {self.reach} targets")
        if self.overdue:
            found.append(f"{self.overdue} milestone{'s' * (self.overdue > 1)} overdue")
        return found


def triage(
    arch: Architecture,
    assessments: dict[str, Assessment],
    ctx: RuleContext,
    config: LikelihoodConfig,
    *,
    inputs: Inputs | None = None,
) -> dict[str, Assessment]:
    """The assessments with `problem_level` and `problem_reason` set on Red and Amber/Red items.

    `inputs` lends the look-ups `assess` already made (drivers, milestones); optional.
    """
    reach = Reach(inputs or Inputs.gather(arch, (), ctx, config))
    troubled = {
        a.key: reach.signals(arch.get(a.key), a.likelihood, a.previous, evidence_of(a.judgements))
        for a in assessments.values()
        if a.likelihood <= Rating.AMBER_RED
    }
    crises = set(top_crises(((assessments[k].kind, k, s) for k, s in troubled.items()), config))
    result = dict(assessments)
    for key, signals in troubled.items():
        a = assessments[key]
        level = 4 if key in crises else level_of(signals)
        reason = problem_reason(signals, level, a, config)
        result[key] = a.model_copy(update={"problem_level": level, "problem_reason": reason})
    return result


def evidence_of(judgements: Sequence[Judgement]) -> int:
    """The Evidence of progress rating among the judgements (4 when it is missing)."""
    return next((int(j.rating) for j in judgements if j.name == EVIDENCE), 4)


def level_of(s: Signals) -> int:
    """The level the manual's table gives, before the portfolio-wide choice of crises."""
    if s.red:
        return 3 if s.persistent or s.salient else 2
    if s.persistent and s.overdue:
        return 3
    return 2 if s.persistent or s.overdue or s.evidence <= 2 else 1


class Rated(NamedTuple):
    """What the reason of a level reads besides the signals (an Assessment has them too)."""

    likelihood: Rating
    previous: Rating | None
    kind: str


def problem_reason(
    signals: Signals, level: int, rated: Assessment | Rated, config: LikelihoodConfig
) -> str:
    """'Level 2, standard problem solving: Amber/Red; evidence of progress 2; ...'."""
    facts = signals.facts_of(rated.likelihood, rated.previous, rated.kind)
    if level == 4:
        facts.insert(0, f"one of the top {config.crisis_max} challenges of the portfolio")
    elif level == 1:
        facts.append("the cause is named by its caps and findings")
    return f"Level {level}, {LEVELS[level]}: {'; '.join(facts)}"


def top_crises(troubled: Iterable[tuple[str, str, Signals]], config: LikelihoodConfig) -> list[str]:
    """The keys of the top `crisis_max` Red items that are persistent and salient, from
    (kind, key, signals): by kind (priority first), then reach, then evidence, then key."""
    ranked = sorted(
        (-_KIND_RANK.get(kind, 0), -s.reach, s.evidence, key)
        for kind, key, s in troubled
        if s.red and s.persistent and s.salient
    )
    return [key for *_, key in ranked[: config.crisis_max]]


class Reach:
    """The targets and driving strategies of items, memoised across one triage."""

    def __init__(self, inputs: Inputs) -> None:
        self.arch = inputs.arch
        self.inputs = inputs
        self.salient_reach = inputs.config.salient_reach

    def signals(
        self, entity: _Entity | None, likelihood: Rating, previous: Rating | None, evidence: int
    ) -> Signals:
        targets = self.targets(entity) if entity is not None else []
        strategies = self.strategies(entity, targets) if entity is not None else {}
        schedule = self.inputs.schedule
        return Signals(
            red=likelihood == Rating.RED,
            evidence=evidence,
            persistent=previous is not None and previous <= Rating.AMBER_RED,
            reach=len(targets),
            salient=isinstance(entity, Priority) or len(targets) >= self.salient_reach,
            overdue=sum([schedule(s).overdue for s in strategies.values()]),
        )

    def targets(self, entity: _Entity) -> list[Target]:
        if isinstance(entity, Target):
            return [entity]
        if isinstance(entity, Strategy):
            return self.inputs.driven(entity)
        arch = self.arch
        if isinstance(entity, Priority):
            outcomes = arch.children(entity.key, Outcome)
            return [t for o in outcomes for t in outcome_targets(o.key, arch)]
        return outcome_targets(entity.key, arch)

    def strategies(self, entity: _Entity, targets: Iterable[Target]) -> dict[str, Strategy]:
        """The strategies driving an item's targets or the item itself, by key."""
        if isinstance(entity, Strategy):
            return {entity.key: entity}
        drivers = self.inputs.drivers
        found = {s.key: s for t in targets for s in drivers(t)}
        if isinstance(entity, Target):
            return found  # its drivers count those driving it directly
        found.update((s.key, s) for s in self.arch.strategies_for(entity.key))
        if isinstance(entity, Priority):
            for outcome in self.arch.children(entity.key, Outcome):
                found.update((s.key, s) for s in self.arch.strategies_for(outcome.key))
        return found

    def drivers(self, target: Target) -> list[Strategy]:
        return self.inputs.drivers(target)
