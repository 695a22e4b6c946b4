"""What `rdsync explain` says of one item, from the state store alone: the item, its rating
and history, its judgements, caps and rollup, its findings, and what would raise it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from connector.cli.raising import limits, row_of, to_raise, unsupported
from connector.sync.keys import SEPARATOR, unqualified
from mappings.errors import RdsyncError
from mappings.graph import Architecture
from mappings.model import BaseEntity
from rules.base import RuleContext
from rules.inputs import Inputs
from rules.judgements import PLANNING
from rules.model import OPTIONS, Assessment, Finding, Rating

if TYPE_CHECKING:
    from connector.config import Config
    from connector.sync.state import StateStore
    from rules.likelihood_config import LikelihoodConfig

# Raised only when a field of the JSON changes meaning or goes away. 2: the decision table
# (`row`) replaced the weighted mean (`weighted_mean` and each judgement's `weight` went).
EXPLAIN_VERSION = 2


def explain(config: Config, store: StateStore, key: str) -> dict[str, Any]:
    """The explanation of one item of the newest run that stored its conclusions."""
    run_id, outputs = store.newest_outputs()
    arch = Architecture(outputs.entities, (), outputs.problems)
    key = resolve_key(key, arch.entities, run_id)
    entity = arch.entities[key]
    assessment = store.assessments_of(run_id, {key: entity.source}).get(key)
    info = store.run_info(run_id)
    started = info.started_at[:10] if info else ""
    today = assessment.assessed_on if assessment else date.fromisoformat(started)
    ctx = RuleContext(today=today, thresholds=config.rules.thresholds)
    inputs = Inputs.gather(arch, outputs.findings, ctx, config.likelihood)
    parts = inputs.parts.get(key, (key,))
    body: dict[str, Any] = {
        "explain_version": EXPLAIN_VERSION,
        "run": {"id": run_id, "started_at": info.started_at if info else None},
        "item": _item(entity),
        "parts": list(parts),
        "counts_towards": sorted(k for k, p in inputs.parts.items() if key in p and k != key),
        "rating": None,
        "history": _history(store, entity),
        "judgements": [],
        "row": None,
        "caps": [],
        "rolled_up_from": [],
        "driven_by": [],
        "findings": [_finding(f) for f in _findings_on(outputs.findings, parts)],
        "to_raise": None,
        "recomputed": None,
    }
    if assessment is not None:
        body.update(_assessed(assessment, inputs, store, run_id, config.likelihood))
        body["rating"]["period_days"] = config.schedule.assessment_days
    body["focus"] = _focus(config, store, arch, run_id, key) if entity.kind == "priority" else None
    return body


def _focus(
    config: Config, store: StateStore, arch: Architecture, run_id: int, key: str
) -> dict[str, Any]:
    """A priority's interdependencies and the work that serves it (reports.focus)."""
    from connector.cli.report import work_data
    from reports.focus import priority_focus

    work = work_data(config, store, None).get("work")
    return priority_focus(arch, store.assessments(run_id), work, key)  # type: ignore[arg-type]


def resolve_key(key: str, known: Iterable[str], run_id: int) -> str:
    """The item's key as the architecture holds it, or an error naming the close matches."""
    keys = set(known)
    for candidate in (key, key.upper()):
        if candidate in keys:
            return candidate
    scoped = sorted(k for k in keys if k.endswith(SEPARATOR + key.upper()))  # two sources
    close = scoped + difflib.get_close_matches(key.upper(), keys, n=5, cutoff=0.6)
    fix = (
        f"Did you mean {', '.join(dict.fromkeys(close))}?"
        if close
        else "Give the key of a ticket or record the last sync read (the report lists them)."
    )
    raise RdsyncError(f"no item {key} in the last sync (run {run_id})", where="KEY", fix=fix)


def _item(entity: BaseEntity) -> dict[str, Any]:
    return {
        "key": entity.key,
        "kind": str(entity.kind.value),
        "name": entity.name,
        "source": entity.source,
        "url": entity.url,
        "owners": [person.label for person in entity.owners],
        "department": entity.department,
        "status": entity.status,
        "parent": entity.parent_key,
    }


def _history(store: StateStore, entity: BaseEntity) -> list[dict[str, Any]]:
    """The stored ratings run by run, each stretch of one rating folded into one span; its
    `runs`: the syncs that completed from its first run to its last (retention keeps only a
    stretch's first and last assessment of older runs, and the log of every run)."""
    rows = store.rating_runs(entity.source, unqualified(entity.source, entity.key))
    spans: list[dict[str, Any]] = []
    for run_id, on, rating in rows:
        last = spans[-1] if spans else None
        if last is not None and last["rating"] == int(rating):
            last.update(to=on, last_run=run_id)
            continue
        spans.append(
            {"from": on, "to": on, "rating": int(rating), "label": rating.label, "runs": 1}
            | {"first_run": run_id, "last_run": run_id}
        )
    for span in spans:
        span["runs"] = store.completed_runs(span["first_run"], span["last_run"])
    return spans


def _findings_on(findings: Sequence[Finding], parts: Sequence[str]) -> list[Finding]:
    wanted = set(parts)
    on = [f for f in findings if f.key in wanted]
    return sorted(on, key=lambda f: (parts.index(f.key), f.severity.rank, f.code))


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "name": f.name,
        "severity": f.severity.value,
        "key": f.key,
        "field": f.field,
        "message": f.message,
        "fix": f.fix,
    }


def _rated(key: str, found: dict[str, Assessment], entity: BaseEntity | None) -> dict[str, Any]:
    a = found.get(key)
    return {
        "key": key,
        "kind": a.kind if a else (str(entity.kind.value) if entity else None),
        "name": a.name if a else (entity.name if entity else ""),
        "rating": int(a.likelihood) if a else None,
        "label": a.likelihood.label if a else None,
    }


def children_of(key: str, kind: str, inputs: Inputs) -> list[str]:
    """What a rollup is judged from, as the likelihood gathers it (`rules.likelihood.assess`):
    an outcome's targets and the strategies driving it directly; a priority's outcomes."""
    if kind == "outcome":
        keys = [*inputs.targets.get(key, ()), *inputs.arch.driver_keys(key)]
        return sorted(dict.fromkeys(keys))
    if kind == "priority":
        return list(inputs.outcomes.get(key, ()))
    return []


def _assessed(
    a: Assessment, inputs: Inputs, store: StateStore, run_id: int, lc: LikelihoodConfig
) -> dict[str, Any]:
    """The parts of the explanation that only a rated item has."""
    arch = inputs.arch
    below = children_of(a.key, a.kind, inputs)
    drivers = inputs.drivers.get(a.key, ()) if a.kind == "target" else ()
    sources = {k: arch.entities[k].source for k in (*below, *drivers) if k in arch.entities}
    found = store.assessments_of(run_id, sources)  # those below it alone: a run has 100,000
    held = limits(a, inputs, found, lc, below)
    alone = unsupported(a, found, below)
    recomputed = max(1, min([4, *(limit.at for limit in held)]))
    return {
        "rating": {
            "rating": int(a.likelihood),
            "label": a.likelihood.label,
            "option": a.likelihood.option,
            "assessed_on": a.assessed_on.isoformat(),
            "previous": _option(a.previous),
            "team_rating": _option(a.team_rating),
            "problem_level": a.problem_level,
            "problem_reason": a.problem_reason,
        },
        "judgements": [
            {"name": name, "rating": rating, "label": Rating(rating).label, "rationale": rationale}
            for name, rating, rationale in a.judged
        ],
        "row": _row(a, inputs),
        "caps": list(a.caps),
        "rolled_up_from": [_rated(k, found, arch.get(k)) for k in below],
        "driven_by": [_rated(k, found, arch.get(k)) for k in drivers],
        "to_raise": to_raise(a, held, _planning_findings(a, inputs, alone)),
        "recomputed": {
            "rating": recomputed,
            "same": recomputed == int(a.likelihood),
            "limits": [limit.as_json() for limit in held],
        },
    }


def _row(a: Assessment, inputs: Inputs) -> dict[str, Any]:
    """The decision table's row the judgements met: as stored, else (an assessment stored
    before the table) as the table reads the stored judgements now."""
    row = row_of(a, inputs)
    if a.row:
        return {"id": a.row, "words": a.row_words, "stored": True, "now": row.id}
    return {"id": row.id, "words": row.words, "stored": False, "now": row.id}


def _planning_findings(a: Assessment, inputs: Inputs, alone: bool) -> list[tuple[str, str, str]]:
    """(code, name, key) of the findings Quality of planning counts, when it is below Green
    (none for a rollup with nothing below it: its planning is unsupported_rating)."""
    planning = next((rating for name, rating, _ in a.judged if name == PLANNING), 4)
    if planning >= 4 or alone:
        return []
    parts = inputs.parts.get(a.key, (a.key,))
    return [(code, name, k) for k in parts for _, code, name, _ in inputs.planned.get(k, ())]


def _option(rating: int | None) -> str | None:
    return None if rating is None else OPTIONS[int(rating)]
