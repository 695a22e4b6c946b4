"""The five judgements of the assessment framework (manual Rule 7) for a strategy.

From its profile (delivery chain, resources, owner and their load), its milestones, and the
targets it drives; docs/likelihood.md states each rule in words.
"""

from __future__ import annotations

from datetime import date

from mappings.model import Strategy
from rules.inputs import Inputs, Schedule
from rules.judgements import (
    CAPACITY,
    CHALLENGE,
    EVIDENCE,
    STAGE,
    Own,
    judge,
    planning,
    plural,
    rolled_up,
    rollup,
)
from rules.model import Judged


def strategy_judgements(
    strategy: Strategy, targets: dict[str, Own], inputs: Inputs
) -> list[Judged]:
    """All five for a strategy, from its profile, milestones, owner load and driven targets."""
    driven = [key for key in inputs.driven.get(strategy.key, ()) if key in targets]
    return [
        _strategy_challenge(strategy, driven, targets, inputs),
        planning(inputs.parts[strategy.key], inputs),
        strategy_capacity(strategy, inputs),
        strategy_stage(strategy, inputs),
        strategy_evidence(strategy, driven, targets, inputs),
    ]


def _strategy_challenge(
    strategy: Strategy, driven: list[str], targets: dict[str, Own], inputs: Inputs
) -> Judged:
    if driven:
        parts = [(key, targets[key][0][1]) for key in driven]  # challenge, its rating
        rating, rationale = rolled_up(parts, "driven target", inputs)
    else:
        rating = inputs.config.no_data_rating
        rationale = "drives no target: nothing to size the challenge against"
    if strategy.difficulty is not None and 1 <= strategy.difficulty <= 4:
        rating = min(rating, 5 - strategy.difficulty)
        rationale += f"; the team rates its difficulty {strategy.difficulty} of 4"
    return judge(CHALLENGE, rating, rationale)


def strategy_capacity(strategy: Strategy, inputs: Inputs) -> Judged:
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
    schedule = inputs.schedules[strategy.key]
    if schedule.due:
        overdue = schedule.overdue
        notes.append(f"{overdue} of {schedule.due} milestones due by today overdue")
        lost += bool(overdue) + (overdue / schedule.due >= inputs.config.overdue_severe_share)
    return judge(CAPACITY, 4 - lost, "; ".join(notes))


def strategy_stage(strategy: Strategy, inputs: Inputs) -> Judged:
    """Stage of delivery: the phase, and whether the milestones done keep up with those due."""
    config = inputs.config
    schedule = inputs.schedules[strategy.key]
    phase = _phase(strategy, schedule, inputs.today)
    ceiling = config.stage_ceilings.of(phase)
    if not schedule.total:
        rating = min(ceiling, config.no_data_rating)
        text = f"{phase} by its dates; no milestones to show the stage"
        return inputs.shared(judge(STAGE, rating, text))
    done, due = schedule.done, schedule.due
    lag = (due - done) / schedule.total
    rating = min(ceiling, config.schedule_lag.rate(lag))
    rationale = f"{phase}: {done} of {schedule.total} milestones done, {due} due by today"
    if rating < ceiling:
        rationale += f" (behind by {lag:.0%} of the plan)"
    return inputs.shared(judge(STAGE, rating, rationale))


def _phase(strategy: Strategy, schedule: Schedule, today: date) -> str:
    done, total = schedule.done, schedule.total
    if strategy.done or (total and done == total):
        return "conclusion"
    start = strategy.start_date or schedule.first
    end = strategy.end_date or schedule.last
    if done == 0 and (start is None or today < start):
        return "policy and planning"
    if total:
        return "early implementation" if done / total < 0.5 else "late implementation"
    if start is not None and end is not None and end > start:
        half = start + (end - start) / 2
        return "early implementation" if today < half else "late implementation"
    return "early implementation"


def strategy_evidence(
    strategy: Strategy, driven: list[str], targets: dict[str, Own], inputs: Inputs
) -> Judged:
    """Evidence of progress: milestones met, and the evidence of the targets it drives."""
    config = inputs.config
    ratings: list[int] = []
    notes: list[str] = []
    schedule = inputs.schedules[strategy.key]
    if schedule.due:
        met, due = schedule.met, schedule.due
        ratings.append(config.milestones.rate(met / due))
        notes.append(f"{met} of {due} milestones due by today met")
    if driven:
        parts = [(key, targets[key][2][1]) for key in driven]  # evidence, its rating
        rating, rationale = rolled_up(parts, "driven target", inputs)
        ratings.append(rating)
        notes.append(f"target evidence {rationale}")
    if not ratings:
        rationale = "no milestone due yet and no driven target: missing evidence is not progress"
        return judge(EVIDENCE, config.no_data_rating, rationale)
    return judge(EVIDENCE, rollup(ratings, config.child_margin, config.rounding), "; ".join(notes))
