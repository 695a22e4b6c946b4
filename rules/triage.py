"""Rule 8 triage: the problem-solving level (1 nudge .. 4 crisis) of each Red and Amber/Red item.

The manual's table, read from the data (docs/likelihood.md, "Problem solving"):
- Red ("severely affecting delivery"): level 3 when the standard levels have not helped (it was
  already Red or Amber/Red at the last assessment) or it is politically salient (a priority, or
  it reaches `salient_reach` targets); else level 2.
- Amber/Red: level 3 when it was already Red or Amber/Red and milestones slip; level 2 when any
  of those, or its evidence of progress is 2 or lower ("significantly affecting delivery");
  else level 1, a timely nudge: on trajectory, and the cause and the fix are known.
- Level 4, crisis management: only the top `crisis_max` (1-2) of the whole portfolio among Red
  items that are both persistent and salient, ranked by kind (priority first), then reach, then
  evidence of progress, then key.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import NamedTuple

from mappings.graph import Architecture
from mappings.model import BaseEntity, Priority, Strategy, Target
from rules.base import RuleContext
from rules.inputs import Inputs
from rules.judgements import EVIDENCE
from rules.likelihood_config import LikelihoodConfig
from rules.model import LABELS, Assessment, Judged, Rating

LEVELS = {
    1: "timely nudge",
    2: "standard problem solving",
    3: "intensive problem-solving drive",
    4: "crisis management",
}
_RED, _AMBER_RED = Rating.RED, Rating.AMBER_RED
_KIND_RANK = {"priority": 4, "outcome": 3, "target": 2, "strategy": 1}


class Signals(NamedTuple):
    """What the level of one troubled item is decided by."""

    red: bool
    evidence: int
    persistent: bool  # already Red or Amber/Red at the last assessment
    reach: int  # targets it covers
    salient: bool
    overdue: int  # milestones overdue across the strategies that drive it

    def facts_of(self, likelihood: Rating, previous: Rating | None, kind: str) -> list[str]:
        found = [likelihood.label, f"evidence of progress {LABELS.get(self.evidence, '')}"]
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
        a.key: reach.signals(arch.get(a.key), a.likelihood, a.previous, evidence_of(a.judged))
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


def evidence_of(judgements: Sequence[Judged]) -> int:
    """The Evidence of progress rating among the judgements (4 when it is missing)."""
    return next((int(rating) for name, rating, _ in judgements if name == EVIDENCE), 4)


def level_of(s: Signals) -> int:
    """The level the manual's table gives, before the portfolio-wide choice of crises."""
    if s.red:
        return 3 if s.persistent or s.salient else 2
    if s.persistent and s.overdue:
        return 3
    return 2 if s.persistent or s.overdue or s.evidence <= 2 else 1


def problem_reason(
    signals: Signals, level: int, rated: Assessment, config: LikelihoodConfig
) -> str:
    """'Level 2, standard problem solving: Amber/Red; evidence of progress 2; ...'."""
    return reason_of(signals, level, rated.likelihood, rated.previous, rated.kind, config)


def reason_of(
    signals: Signals,
    level: int,
    likelihood: Rating,
    previous: Rating | None,
    kind: str,
    config: LikelihoodConfig,
) -> str:
    """`problem_reason` of an item rated `likelihood`, `previous` at the last assessment."""
    facts = signals.facts_of(likelihood, previous, kind)
    if level == 4:
        facts.insert(0, f"one of the top {config.crisis_max} challenges of the portfolio")
    elif level == 1:
        facts.append("the cause and the fix are known")
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
        # An outcome's targets and the strategies driving them or it, by outcome key: each
        # priority above it asks again.
        self._outcomes: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {}

    def signals(
        self, entity: BaseEntity | None, likelihood: Rating, previous: Rating | None, evidence: int
    ) -> Signals:
        targets, strategies = self.reach(entity) if entity is not None else ((), frozenset())
        schedules = self.inputs.schedules
        return Signals(
            red=likelihood == _RED,
            evidence=evidence,
            persistent=previous is not None and previous <= _AMBER_RED,
            reach=len(targets),
            salient=isinstance(entity, Priority) or len(targets) >= self.salient_reach,
            overdue=sum([schedules[key].overdue for key in strategies]),
        )

    def reach(self, entity: BaseEntity) -> tuple[Sequence[str], Collection[str]]:
        """The keys of the targets an item covers, and of the strategies driving them or it
        (a strategy: the targets it drives, and itself), each once."""
        inputs, arch = self.inputs, self.arch
        if isinstance(entity, Strategy):
            return inputs.driven.get(entity.key, ()), (entity.key,)
        if isinstance(entity, Target):
            return (entity.key,), inputs.drivers.get(entity.key, ())
        if isinstance(entity, Priority):
            targets: list[str] = []
            strategies = set(arch.driver_keys(entity.key))
            for outcome in inputs.outcomes.get(entity.key, ()):
                below, driving = self._outcome(outcome)
                targets += below
                strategies |= driving
            return targets, strategies
        return self._outcome(entity.key)

    def _outcome(self, key: str) -> tuple[tuple[str, ...], frozenset[str]]:
        found = self._outcomes.get(key)
        if found is None:
            targets = self.inputs.targets.get(key, ())
            driving = {k for t in targets for k in self.inputs.drivers[t]}
            driving.update(self.arch.driver_keys(key))
            found = self._outcomes[key] = (targets, frozenset(driving))
        return found
