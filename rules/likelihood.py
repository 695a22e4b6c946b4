"""The likelihood of delivery: the decision table over five judgements, caps, and rollups.

The combination (docs/likelihood.md states it for a CRDO):
1. the first row of the decision table (`rules.decision_table`) that the five judgements, the
   item's time (first or second half) and, for a target, a passed date meet gives the rating;
2. at most `error_cap` when an error finding sits on the item or its parts;
3. a target: at most its reddest driving strategy + `driver_margin`;
4. an outcome or priority: at most the rounded-down mean of its children's likelihoods and its
   reddest child + `child_margin`, so one Red cannot vanish in an average.
The row is kept with the assessment (`Assessment.row`, `.row_words`); every cap that lowered
the rating below the row's is written into `Assessment.caps`.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

from mappings.graph import Architecture
from mappings.model import BaseEntity, Outcome, Priority, Strategy, Target
from rules.base import RuleContext
from rules.decision_table import NOT_MISSED, Row, decide, strategy_late, target_time
from rules.inputs import Inputs
from rules.judgements import (
    EVIDENCE,
    PLANNING,
    mean_rating,
    planning,
    rolled_up_all,
    target_judgements,
    target_own,
)
from rules.likelihood_config import LikelihoodConfig
from rules.model import JUDGEMENTS, OPTIONS, RATINGS, Assessment, Finding, Judged, Rating
from rules.run_cache import Cap, CapReason, Settled
from rules.strategy_judgements import strategy_judgements
from rules.triage import Reach, Signals, level_of, problem_reason, reason_of, top_crises

DEFAULT_CONFIG = LikelihoodConfig()
_PLANNING, _EVIDENCE = JUDGEMENTS.index(PLANNING), JUDGEMENTS.index(EVIDENCE)
_AMBER_RED = Rating.AMBER_RED
_RATING, _LIMIT = itemgetter(1), itemgetter(0)  # of a judgement; of a cap
# The fields `_Run.add` gives, before and after triage: one set each, shared by all its
# assessments (`Assessment.trusted`).
_FIELDS = {
    *("key", "kind", "name", "assessed_on", "judged", "likelihood", "caps", "previous"),
    *("team_rating", "row", "row_words"),
}
_TRIAGED_FIELDS = _FIELDS | {"problem_level", "problem_reason"}
_KIND: dict[type[BaseEntity], str] = {
    cls: str(cls.model_fields["kind"].default) for cls in (Target, Strategy, Outcome, Priority)
}


def combine(judgements: Sequence[Judged], late: bool = False, missed: int = NOT_MISSED) -> Row:
    """The row of the decision table that five judgements (in the order of JUDGEMENTS) meet,
    for an item in the first or second (`late`) half of its time; `missed`: a target whose
    date has passed short of it (`rules.decision_table.target_time`)."""
    return decide(tuple(map(_RATING, judgements)), late, missed)


def settle(
    base: int, caps: Sequence[Cap], texts: dict[tuple[int, CapReason], str] | None = None
) -> Settled:
    """The rating the row's `base` and all caps allow (1-4); when it is below `base`, the
    reasons of the caps that set it (several when they agree), in order.

    `texts` keeps each reason's text, by the rating and the cap's reason, for the next item
    whose cap says the same (a run's `RunCache.cap_texts`); optional."""
    rating = base
    for limit, _ in caps:
        if limit < rating:
            rating = limit
    rating = max(1, rating)
    if rating >= base:
        return RATINGS[rating], []
    if texts is None:
        texts = {}
    binding = set()
    for limit, reason in caps:
        if limit <= rating:
            text = texts.get((rating, reason))
            if text is None:
                said = reason if isinstance(reason, str) else reason[0].format(*reason[1:])
                text = texts[rating, reason] = f"at {OPTIONS[rating]}: {said}"
            binding.add(text)
    return RATINGS[rating], sorted(binding)


def error_caps(keys: Sequence[str], inputs: Inputs) -> list[Cap]:
    """A cap for the error findings on an item or its parts (one cap naming them all)."""
    table = inputs.errors
    if table.keys().isdisjoint(keys):  # most items: no error finding
        return []
    found = [error for k in keys if k in table for error in table[k]]
    errors = sorted(set(found))
    shown = ", ".join(f"{code} {name} on {key}" for code, name, key in errors[:3])
    more = f" and {len(errors) - 3} more" if len(errors) > 3 else ""
    noun = "error finding" if len(errors) == 1 else "error findings"
    return [(inputs.config.error_cap, f"{noun} {shown}{more}")]


def assess(
    arch: Architecture,
    findings: list[Finding],
    ctx: RuleContext,
    config: LikelihoodConfig = DEFAULT_CONFIG,
    *,
    cold: bool = False,
) -> dict[str, Assessment]:
    """The likelihood of every strategy, target, outcome and priority, by key (sorted).

    `cold`: without the run's cache (`RunCache.cold`), each item's texts made afresh; the same
    assessments, more slowly."""
    inputs = Inputs.gather(arch, findings, ctx, config, cold)
    run = _Run(inputs)
    found = run.found
    targets, strategies = inputs.target_items, inputs.strategy_items
    outcomes, priorities = inputs.outcome_items, inputs.priority_items
    own = {t.key: target_own(t, inputs) for t in targets}  # (challenge, planning, evidence)
    today, late_share = inputs.today, inputs.config.late_share
    for strategy in strategies:
        caps = error_caps(inputs.parts[strategy.key], inputs)
        late = strategy_late(strategy, inputs.schedules[strategy.key], today, late_share)
        run.add(strategy, strategy_judgements(strategy, own, inputs), caps, late)
    strategy_js = {key: a.judged for key, a in found.items()}
    shared = inputs.cache.driven_by  # capacity and stage, by the strategies driving a target
    for target in targets:
        judgements = target_judgements(target, own[target.key], strategy_js, inputs, shared)
        caps = error_caps(inputs.parts[target.key], inputs) + _driver_caps(target, found, inputs)
        run.add(target, judgements, caps, *target_time(target, inputs.latest(target), inputs))
    for outcome in outcomes:
        run.rollup(outcome, _outcome_children(outcome, inputs))
    for priority in priorities:
        run.rollup(priority, list(inputs.outcomes.get(priority.key, ())))
    run.crises()
    return {key: found[key] for key in sorted(found)}


class _Run:
    """One assessment run: the assessments so far, each settled and triaged as it is made.

    Triage reads only an item's own rating and judgements and the fixed structure, so the level
    is set when the assessment is made; only the portfolio's top crises wait for the end.
    """

    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs
        self.config = inputs.config
        self.found: dict[str, Assessment] = {}
        self.previous = inputs.ctx.previous
        self.today = inputs.today
        self.reach = Reach(inputs)
        self.candidates: list[tuple[str, str, Signals]] = []  # for crisis management
        self.cap_texts = inputs.cache.cap_texts
        self.combined = inputs.cache.combined  # by the five ratings and the item's time: its row

    def add(
        self,
        entity: BaseEntity,
        judgements: Sequence[Judged],
        caps: list[Cap],
        late: bool = False,
        missed: int = NOT_MISSED,
    ) -> None:
        """Settle and triage an item's five judgements (in the order of JUDGEMENTS) and caps:
        the decision table's row for them, its time (`late`) and a passed date (`missed`)."""
        ratings = tuple(map(_RATING, judgements))
        memo = (ratings, late, missed)
        row = self.combined.get(memo)  # a few hundred combinations of five ratings
        if row is None:
            row = self.combined[memo] = decide(ratings, late, missed)
        if caps and min(map(_LIMIT, caps)) < row.rating:  # one binds
            rating, reasons = settle(row.rating, caps, self.cap_texts)
        else:
            rating, reasons = RATINGS[row.rating], []
        evidence = ratings[_EVIDENCE]
        key = entity.key
        kind = _KIND[type(entity)]
        previous = self.previous.get(key)
        own = entity.team_rating
        team = RATINGS[own] if own is not None and 1 <= own <= 4 else None
        judged = tuple(judgements)
        level = reason = None
        if rating <= _AMBER_RED:  # triaged here, as triage() would
            signals = self.reach.signals(entity, rating, previous, evidence)
            level = level_of(signals)
            reason = reason_of(signals, level, rating, previous, kind, self.config)
            if signals.red and signals.persistent and signals.salient:
                self.candidates.append((kind, key, signals))
        values = {  # every field, of its type: what validation would check, the code does
            "key": key,
            "kind": kind,
            "name": entity.name,
            "assessed_on": self.today,
            "judged": judged,
            "likelihood": rating,
            "caps": tuple(reasons),
            "row": row.id,
            "row_words": row.words,
            "previous": previous,
            "team_rating": team,
            "problem_level": level,
            "problem_reason": reason,
            "agreed": None,  # set after the run by rules.agreed (the stock take's rating)
        }
        assessment = Assessment.trusted(values, _FIELDS if level is None else _TRIAGED_FIELDS)
        self.found[key] = assessment

    def crises(self) -> None:
        """Raise the portfolio's top Red items to level 4, crisis management."""
        signals = {key: s for _, key, s in self.candidates}
        for key in top_crises(self.candidates, self.config):
            a = self.found[key]
            reason = problem_reason(signals[key], 4, a, self.config)
            self.found[key] = a.model_copy(update={"problem_level": 4, "problem_reason": reason})

    def rollup(self, entity: BaseEntity, children: list[str]) -> None:
        """An outcome or priority: judgements rolled up from its children, and conservative caps."""
        inputs, found = self.inputs, self.found
        config = inputs.config
        rated = [found[k] for k in children if k in found]
        own_keys = inputs.parts[entity.key]
        if not rated:
            judgements = [_unsupported(name, config.unsupported_rating) for name in JUDGEMENTS]
            self.add(entity, judgements, error_caps(own_keys, inputs))
            return
        kinds = {a.kind for a in rated}
        noun = kinds.pop() if len(kinds) == 1 else "target or strategy"
        judgements = rolled_up_all([(a.key, a.judged) for a in rated], noun, inputs)
        judgements[_PLANNING] = _with_own_planning(judgements[_PLANNING], own_keys, inputs)
        self.add(entity, judgements, error_caps(own_keys, inputs) + _child_caps(rated, inputs))


def _driver_caps(target: Target, found: dict[str, Assessment], inputs: Inputs) -> list[Cap]:
    reddest = None
    for key in inputs.drivers[target.key]:  # by key: the first of the reddest
        rated = found.get(key)
        if rated is not None and (reddest is None or rated.likelihood < reddest.likelihood):
            reddest = rated
    if reddest is None:
        return []
    red = reddest
    limit = int(red.likelihood) + inputs.config.driver_margin
    return [(limit, ("driving strategy {} is rated {}", red.key, OPTIONS[red.likelihood]))]


def _outcome_children(outcome: Outcome, inputs: Inputs) -> list[str]:
    """Its targets (through its indicators) and the strategies that drive it directly."""
    keys = [*inputs.targets.get(outcome.key, ())]
    keys += inputs.arch.driver_keys(outcome.key)
    return sorted(dict.fromkeys(keys))


def _unsupported(name: str, rating: int) -> Judged:
    return (name, rating, "nothing below it to judge by: no target, strategy or outcome")


def _with_own_planning(rolled: Judged, keys: Sequence[str], inputs: Inputs) -> Judged:
    if inputs.planned.keys().isdisjoint(keys):
        return rolled  # no finding on it: its own planning is 4, never below what is below it
    name, own, rationale = planning(keys, inputs)
    if own >= rolled[1]:
        return rolled
    return (name, own, f"{rationale}; below it {rolled[2]}")


def _child_caps(rated: list[Assessment], inputs: Inputs) -> list[Cap]:
    ratings = tuple([a.likelihood for a in rated])
    low = min(ratings)
    red = min([a.key for a in rated if a.likelihood == low])  # the first key of the reddest
    if len(rated) == 1:
        return [(low, f"{red}, the only item below it, is rated {OPTIONS[low]}")]
    caps = inputs.cache.child_caps
    known = caps.get(ratings)
    if known is None:  # the same ratings below: the same mean and margin
        config = inputs.config
        count = len(ratings)
        mean = sum(ratings) / count
        said = ("the {} rated below it average {:.2f}", count, mean)
        known = caps[ratings] = (
            (mean_rating(mean, config.rounding), said),
            low + config.child_margin,
        )
    average, limit = known
    return [average, (limit, ("{} below it is rated {}", red, OPTIONS[low]))]


__all__ = [
    "DEFAULT_CONFIG",
    "Cap",
    "assess",
    "combine",
    "error_caps",
    "settle",
]
