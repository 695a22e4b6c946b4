"""Rule 8 triage: the problem-solving level (1 nudge .. 4 crisis) of each Red and Amber/Red item.

The manual's table, read from the data (docs/likelihood.md, "Problem solving"):
- level 3, intensive problem-solving drive: the problem is still there after a period of
  standard problem solving (Red or Amber/Red now and at the last assessment: "cause and
  solution are not clear, even after standard problem solving"), or "there are politically
  salient factors in play" (the mapped `salient` field: a checkbox or a label), or it is Red
  and reaches `salient_reach` targets or is a priority ("severely affecting delivery");
- level 2, standard problem solving: Red the first time, or Amber/Red with evidence of
  progress 2 or lower or milestones overdue ("significantly affecting delivery");
- level 1, a timely nudge: Amber/Red on trajectory, nothing overdue: the cause is known;
- level 4, crisis management: only the top `crisis_max` (1-2) challenges of the whole
  portfolio, among Red items that persist and are salient or broad, one per challenge (an item
  inside one already chosen is the same challenge), ranked by: marked salient first, then kind
  (priority first), then reach, then evidence of progress, then key.
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
    salient: bool  # visible: marked salient, or broad (a priority, `salient_reach` targets)
    overdue: int  # milestones overdue across the strategies that drive it
    flagged: bool = False  # marked politically salient on its ticket (the mapped field)
    broad: bool = False  # a priority, or reaching `salient_reach` targets
    within: tuple[str, ...] = ()  # its ancestors' keys (crisis candidates only): one challenge

    def facts_of(self, likelihood: Rating, previous: Rating | None, kind: str) -> list[str]:
        found = [likelihood.label, f"evidence of progress {LABELS.get(self.evidence, '')}"]
        if self.persistent and previous is not None:
            found.append(f"already {previous.option} at the last assessment")
        if self.flagged:
            found.append("marked politically salient")
        if self.broad:
            found.append("a priority" if kind == "priority" else f"reaches {self.reach} targets")
        if self.overdue:
            found.append(f"{self.overdue} milestone{'s' * (self.overdue > 1)} overdue")
        return found

    def characteristics(self, level: int) -> list[str]:
        """The manual's words (Rule 8's table) for why the item is at this level."""
        if level == 1:
            return ["delivery is off track, root cause and solution relatively clear"]
        if level == 2:
            return ["significantly affecting delivery, cause and solution not obvious"]
        said = []
        if self.persistent:
            said.append("cause and solution not clear, even after standard problem solving")
        if self.flagged:
            said.append("politically salient factors in play")
        if self.red and self.broad:
            said.append("severely affecting delivery")
        return said


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
    if s.persistent or s.flagged or (s.red and s.broad):
        return 3
    if s.red:
        return 2
    return 2 if s.overdue or s.evidence <= 2 else 1


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
    said = signals.characteristics(level)
    if level == 4:
        said.insert(0, f"one of the top {config.crisis_max} challenges in the system")
    facts = signals.facts_of(likelihood, previous, kind)
    return f"Level {level}, {LEVELS[level]}: {'; '.join(said + facts)}"


def top_crises(troubled: Iterable[tuple[str, str, Signals]], config: LikelihoodConfig) -> list[str]:
    """The keys of the top `crisis_max` challenges of the portfolio, from (kind, key, signals):
    Red items that persist and are salient, marked salient first, then by kind (priority
    first), reach, evidence and key; an item inside one already chosen is the same challenge."""
    ranked = sorted(
        (not s.flagged, -_KIND_RANK.get(kind, 0), -s.reach, s.evidence, key, s.within)
        for kind, key, s in troubled
        if s.red and s.persistent and s.salient
    )
    chosen: dict[str, tuple[str, ...]] = {}  # key -> its ancestors
    for *_, key, within in ranked:
        if len(chosen) >= config.crisis_max:
            break
        if not any(above in chosen for above in within) and not any(
            key in up for up in chosen.values()
        ):
            chosen[key] = within
    return list(chosen)


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
        red = likelihood == _RED
        persistent = previous is not None and previous <= _AMBER_RED
        flagged = entity is not None and entity.salient
        broad = isinstance(entity, Priority) or len(targets) >= self.salient_reach
        within: tuple[str, ...] = ()
        if red and persistent and (flagged or broad) and entity is not None:
            within = tuple(above.key for above in self.arch.ancestors(entity.key))
        return Signals(
            red=red,
            evidence=evidence,
            persistent=persistent,
            reach=len(targets),
            salient=flagged or broad,
            overdue=sum([schedules[key].overdue for key in strategies]),
            flagged=flagged,
            broad=broad,
            within=within,
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
