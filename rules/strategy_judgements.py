"""The five judgements of the assessment framework (manual Rule 7) for a strategy.

From its profile (delivery chain, resources, owner and their load), its milestones, and the
targets it drives; docs/likelihood.md states each rule in words.
"""

from __future__ import annotations

from datetime import date

from mappings.model import Milestone, Strategy
from rules.judgements import (
    CAPACITY,
    CHALLENGE,
    EVIDENCE,
    STAGE,
    Inputs,
    judge,
    planning,
    plural,
    rolled_up,
    rollup,
)
from rules.model import Judgement


def strategy_judgements(
    strategy: Strategy, targets: dict[str, dict[str, Judgement]], inputs: Inputs
) -> list[Judgement]:
    """All five for a strategy, from its profile, milestones, owner load and driven targets."""
    driven = [t.key for t in inputs.driven(strategy) if t.key in targets]
    return [
        _strategy_challenge(strategy, driven, targets, inputs),
        planning(inputs.parts(strategy), inputs),
        strategy_capacity(strategy, inputs),
        strategy_stage(strategy, inputs),
        strategy_evidence(strategy, driven, targets, inputs),
    ]


def _strategy_challenge(
    strategy: Strategy, driven: list[str], targets: dict[str, dict[str, Judgement]], inputs: Inputs
) -> Judgement:
    if driven:
        parts = [(key, int(targets[key][CHALLENGE].rating)) for key in driven]
        rating, rationale = rolled_up(parts, "driven target", inputs.config)
    else:
        rating = inputs.config.no_data_rating
        rationale = "drives no target: nothing to size the challenge against"
    if strategy.difficulty is not None and 1 <= strategy.difficulty <= 4:
        rating = min(rating, 5 - strategy.difficulty)
        rationale += f"; the team rates its difficulty {strategy.difficulty} of 4"
    return judge(CHALLENGE, rating, rationale)


def strategy_capacity(strategy: Strategy, inputs: Inputs) -> Judgement:
    """Capacity to drive progress: chain, resources, one owner within load, milestones on time."""
    limit = inputs.ctx.thresholds.max_active_strategies_per_owner
    notes: list[str] = []
    lost = 0
    for text, present in (
        ("delivery chain", bool((strategy.delivery_chain or "").strip())),
        ("resources", bool((strategy.resources or "").strip())),
    ):
        notes.append(f"{text} {'set' if present else 'missing'}")
        lost += not present
    if len(strategy.owners) == 1:
        owner = strategy.owners[0]
        load = inputs.owner_load.get(owner.id, 0)
        notes.append(f"{owner.label} leads {plural(load, 'active strategy')} (limit {limit})")
        lost += load > limit
    else:
        notes.append(f"{len(strategy.owners)} accountable owners where one is needed")
        lost += 1
    today = inputs.today
    due = [m for m in inputs.milestones(strategy) if m.due is not None and m.due < today]
    overdue = [m for m in due if not m.done]
    if due:
        notes.append(f"{len(overdue)} of {len(due)} milestones due by today overdue")
        share = len(overdue) / len(due)
        lost += bool(overdue) + (share >= inputs.config.overdue_severe_share)
    return judge(CAPACITY, 4 - lost, "; ".join(notes))


def strategy_stage(strategy: Strategy, inputs: Inputs) -> Judgement:
    """Stage of delivery: the phase, and whether the milestones done keep up with those due."""
    config, today = inputs.config, inputs.today
    milestones = inputs.milestones(strategy)
    done = sum(m.done for m in milestones)
    phase = _phase(strategy, milestones, today)
    ceiling = config.stage_ceilings.of(phase)
    if not milestones:
        rating = min(ceiling, config.no_data_rating)
        return inputs.shared(STAGE, rating, f"{phase} by its dates; no milestones to show the stage")
    due = sum(m.due is not None and m.due < today for m in milestones)
    lag = (due - done) / len(milestones)
    rating = min(ceiling, config.schedule_lag.rate(lag))
    rationale = f"{phase}: {done} of {len(milestones)} milestones done, {due} due by today"
    if rating < ceiling:
        rationale += f" (behind by {lag:.0%} of the plan)"
    return inputs.shared(STAGE, rating, rationale)


def _phase(strategy: Strategy, milestones: list[Milestone], today: date) -> str:
    done = sum(m.done for m in milestones)
    if strategy.done or (milestones and done == len(milestones)):
        return "conclusion"
    dates = [m.due for m in milestones if m.due is not None]
    start = strategy.start_date or min(dates, default=None)
    end = strategy.end_date or max(dates, default=None)
    if done == 0 and (start is None or today < start):
        return "policy and planning"
    if milestones:
        return "early implementation" if done / len(milestones) < 0.5 else "late implementation"
    if start is not None and end is not None and end > start:
        half = start + (end - start) / 2
        return "early implementation" if today < half else "late implementation"
    return "early implementation"


def strategy_evidence(
    strategy: Strategy, driven: list[str], targets: dict[str, dict[str, Judgement]], inputs: Inputs
) -> Judgement:
    """Evidence of progress: milestones met, and the evidence of the targets it drives."""
    config = inputs.config
    ratings: list[int] = []
    notes: list[str] = []
    today = inputs.today
    due = [m for m in inputs.milestones(strategy) if m.due is not None and m.due < today]
    if due:
        met = sum(m.done for m in due)
        ratings.append(config.milestones.rate(met / len(due)))
        notes.append(f"{met} of {len(due)} milestones due by today met")
    if driven:
        parts = [(key, int(targets[key][EVIDENCE].rating)) for key in driven]
        rating, rationale = rolled_up(parts, "driven target", config)
        ratings.append(rating)
        notes.append(f"target evidence {rationale}")
    if not ratings:
        rationale = "no milestone due yet and no driven target: missing evidence is not progress"
        return judge(EVIDENCE, config.no_data_rating, rationale)
    return judge(EVIDENCE, rollup(ratings, config.child_margin, config.rounding), "; ".join(notes))
