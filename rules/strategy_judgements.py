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
    key = strategy.key
    driven = [target for target in inputs.driven.get(key, ()) if target in targets]
    schedule = inputs.schedules[key]
    return [
        _strategy_challenge(strategy, driven, targets, inputs),
        planning(inputs.parts[key], inputs),
        _capacity(strategy, schedule, inputs),
        _stage(strategy, schedule, inputs),
        _evidence(schedule, driven, targets, inputs),
    ]


def _strategy_challenge(
    strategy: Strategy, driven: list[str], targets: dict[str, Own], inputs: Inputs
) -> Judged:
    if driven:
        parts = [(key, targets[key][0][1]) for key in driven]  # challenge, its rating
        rating, rationale = rolled_up(parts, "driven target", inputs)
    else:
        rating = inputs.config.no_data_rating
        rationale = "drives no target: nothing to size the challenge by"
    difficulty = strategy.difficulty
    if difficulty is not None and 1 <= difficulty <= 4:
        rating = min(rating, 5 - difficulty)
        rationale += f"; the team rates its difficulty {difficulty} of 4"
    return judge(CHALLENGE, rating, rationale)


def _capacity(strategy: Strategy, schedule: Schedule, inputs: Inputs) -> Judged:
    cache = inputs.cache
    owners = strategy.owners
    if len(owners) == 1:
        owner = owners[0]
        load = inputs.owner_load.get(owner.id, 0)
        leads = cache.leads.get(load)
        if leads is None:
            limit = inputs.ctx.thresholds.max_active_strategies_per_owner
            over = f", more than the {limit} one person should lead" if load > limit else ""
            said = f" leads {plural(load, 'active strategy')}{over}"
            leads = cache.leads[load] = (said, load > limit)
        said, overloaded = leads
        owned = f"{owner.label}{said}"
    else:
        owned, overloaded = f"{len(owners)} accountable owners where one is needed", True
    chain = bool((strategy.delivery_chain or "").strip())
    resources = bool((strategy.resources or "").strip())
    memo = (chain, resources, overloaded, schedule.due, schedule.overdue)
    known = cache.capacity.get(memo)
    if known is None:  # a few dozen combinations a run
        lost = (not chain) + (not resources) + overloaded
        head = (
            f"{'delivery chain described' if chain else 'no delivery chain'}; "
            f"{'resources stated' if resources else 'no resources stated'}; "
        )
        tail = ""
        if schedule.due:
            overdue = schedule.overdue
            tail = f"; {plural(schedule.due, 'milestone')} due so far, {overdue or 'none'} overdue"
            severe = overdue / schedule.due >= inputs.config.overdue_severe_share
            lost += bool(overdue) + severe
        known = cache.capacity[memo] = (max(1, 4 - lost), head, tail)
    rating, head, tail = known
    missed = sum(inputs.ctx.missed_updates.get(o.id, 0) for o in owners)
    if missed:  # Rule 7: follow-ups left undone between routines are capacity not there
        rating = max(1, rating - 1)
        owned += f", with {plural(missed, 'requested update')} missed at the last stock take"
    return (CAPACITY, rating, f"{head}{owned}{tail}")


def _stage(strategy: Strategy, schedule: Schedule, inputs: Inputs) -> Judged:
    phase = _phase(strategy, schedule, inputs.today)
    stages = inputs.cache.stages
    memo = (phase, schedule.total, schedule.done, schedule.due)
    found = stages.get(memo)
    if found is not None:  # the same phase and counts: the same judgement, word for word
        return found
    config = inputs.config
    ceiling = config.stage_ceilings.of(phase)
    if not schedule.total:
        rating = min(ceiling, config.no_data_rating)
        found = judge(STAGE, rating, f"{phase} by its dates; no milestones to show the stage")
    else:
        done, due = schedule.done, schedule.due
        lag = (due - done) / schedule.total
        rating = min(ceiling, config.schedule_lag.rate(lag))
        total = plural(schedule.total, "milestone")
        rationale = f"{phase}: {done} of {total} done, {due} due so far"
        if rating < ceiling:
            rationale += f" (behind schedule by {lag:.0%} of its milestones)"
        found = judge(STAGE, rating, rationale)
    stages[memo] = found
    return found


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


def _evidence(
    schedule: Schedule, driven: list[str], targets: dict[str, Own], inputs: Inputs
) -> Judged:
    config = inputs.config
    met, due = schedule.met, schedule.due
    driving: int | None = None
    if driven:
        parts = [(key, targets[key][2][1]) for key in driven]  # evidence, its rating
        driving, rationale = rolled_up(parts, "driven target", inputs)
    elif not due:
        rationale = "no milestone due yet and no target it drives: missing evidence is not progress"
        return (EVIDENCE, config.no_data_rating, rationale)
    noted = inputs.cache.strategy_evidence
    memo = (met, due, driving)
    known = noted.get(memo)
    if known is None:  # the same milestone counts and target rating: the same rating and note
        ratings = [] if driving is None else [driving]
        said = ""
        if due:
            ratings.insert(0, config.milestones.rate(met / due))
            said = f"{plural(due, 'milestone')} due so far, {met or 'none'} met"
        known = noted[memo] = (rollup(ratings, config.child_margin, config.rounding), said)
    rating, said = known
    if driving is None:
        return (EVIDENCE, rating, said)
    return (
        EVIDENCE,
        rating,
        f"{said}; evidence of {rationale}" if said else f"evidence of {rationale}",
    )
