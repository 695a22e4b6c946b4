"""The portfolio tables of a report as pandas DataFrames: counts, changes, heat map, triage."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

import pandas as pd

from mappings.model import Milestone, Strategy
from reports import reasons
from reports.scope import APPROACHES, ASSESSED_KINDS, Scope
from reports.words import JUDGEMENT_COLUMNS
from rules.engine import natural_key
from rules.model import Assessment, Rating

RATING_COLUMNS = {1: "red", 2: "amber_red", 3: "amber_green", 4: "green"}
DECISION_LIMIT = 6  # "the few items that need a decision": the summary shows this many


def frame(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A table of plain Python values (object dtype), so None stays None in every format."""
    return pd.DataFrame(list(rows), columns=list(columns), dtype=object)


COUNT_COLUMNS = ("kind", *RATING_COLUMNS.values(), "not_assessed", "total")


def likelihood_counts(scope: Scope) -> pd.DataFrame:
    """How many priorities, outcomes, targets and strategies sit at each likelihood: the
    rating agreed at the stock take while it is in force, else rdsync's own."""
    rows = [
        {"kind": kind, "key": key, "rating": _rating_column(scope.in_force(key))}
        for kind in ASSESSED_KINDS
        for key in scope.keys_of_kind(kind)
    ]
    long = pd.DataFrame(rows, columns=["kind", "key", "rating"])
    columns = [*RATING_COLUMNS.values(), "not_assessed"]
    table = pd.crosstab(
        pd.Categorical(long["kind"], categories=list(ASSESSED_KINDS)),
        pd.Categorical(long["rating"], categories=columns),
        dropna=False,
    )
    table = table.reindex(index=list(ASSESSED_KINDS), columns=columns, fill_value=0)
    table["total"] = table.sum(axis=1)
    table.index.name = "kind"
    out = table.reset_index()
    out.columns = list(COUNT_COLUMNS)
    return out.astype(object).map(lambda v: int(v) if not isinstance(v, str) else v)


def _rating_column(rating: Rating | None) -> str:
    return "not_assessed" if rating is None else RATING_COLUMNS[int(rating)]


def _item(scope: Scope, a: Assessment) -> dict[str, Any]:
    """The columns that open a row about one assessed item: who and what it is."""
    return {
        "key": a.key,
        "name": scope.name(a.key),
        "kind": a.kind,
        "priority": scope.priority_name(a.key),
        "leader": scope.leader(a.key),
    }


CHANGE_COLUMNS = ("key", "name", "kind", "priority", "leader", "previous", "likelihood", "change")


def changes(scope: Scope) -> pd.DataFrame:
    """What rose and what fell since the previous report, the biggest falls first."""
    rows: list[dict[str, Any]] = []
    for a in scope.assessments():
        before = scope.previous(a.key)
        if before is None or before == a.likelihood:
            continue
        rows.append(
            {
                **_item(scope, a),
                "previous": int(before),
                "likelihood": int(a.likelihood),
                "change": int(a.likelihood) - int(before),
            }
        )
    # Falls first, the biggest first; then rises, the biggest first (the sort is stable).
    rows.sort(key=lambda r: (r["change"] > 0, -abs(r["change"])))
    return frame(rows, CHANGE_COLUMNS)


DECISION_COLUMNS = (
    "key",
    "name",
    "kind",
    "priority",
    "leader",
    "likelihood",
    "why",
    "reasons",
    "ask",
)


def decisions(scope: Scope) -> pd.DataFrame:
    """The items that need a CRDO decision, most urgent first.

    An item needs one when it is Red, fell two levels or more, is triaged at problem level 3
    or 4, or its team's own rating, or the rating agreed at its stock take, is two levels or
    more away from rdsync's (DOMAIN §4).
    """
    rows: list[dict[str, Any]] = []
    for a in scope.assessments():
        why, ask = _decision_reasons(scope, a)
        if not why:
            continue
        before = scope.previous(a.key)
        fall = int(before) - int(a.likelihood) if before is not None else 0
        rows.append(
            {
                **_item(scope, a),
                "likelihood": int(a.likelihood),
                "why": "; ".join(why),
                "reasons": reasons.decision_reasons(scope, a),
                "ask": " ".join(ask),
                "_order": (int(a.likelihood), -(a.problem_level or 0), -fall),
            }
        )
    rows.sort(key=lambda r: r.pop("_order"))
    return frame(rows, DECISION_COLUMNS)


ASKS = {  # what the CRDO is asked to decide, by Rule 8 level
    1: "Agree the timely nudge from the delivery unit, and who gives it.",
    2: "Agree who leads standard problem-solving, and by when.",
    3: "Commission an intensive problem-solving drive: a priority review of the delivery chain.",
    4: "Set up crisis management: a weekly or daily routine, led from the top.",
}


def _decision_reasons(scope: Scope, a: Assessment) -> tuple[list[str], list[str]]:
    why: list[str] = []
    ask: list[str] = []
    before = scope.previous(a.key)
    if a.likelihood == Rating.RED:
        why.append("Red")
    if before is not None and int(before) - int(a.likelihood) >= 2:
        why.append(f"fell from {before.label} to {a.likelihood.label}")
    level = a.problem_level
    if level is not None and level >= 3:
        why.append(f"problem level {level}, {APPROACHES[level].lower()}")
    if why:
        unset = "Set its level of problem solving (Rule 8): it has none yet."
        ask.append(ASKS.get(level or 0, unset))
    team = scope.team(a.key)
    if team is not None and abs(int(team) - int(a.likelihood)) >= 2:
        why.append(f"the team rates it {team.label}, rdsync {a.likelihood.label}")
        ask.append("Settle the rating with the team before the stock take.")
    agreed = a.agreed
    if agreed is not None and abs(int(agreed.rating) - int(a.likelihood)) >= 2:
        why.append(f"agreed {agreed.rating.label} at the stock take, rdsync {a.likelihood.label}")
        ask.append("Reopen the agreed rating at the next stock take.")
    return why, ask


HEAT_COLUMNS = (
    "priority_key",
    "key",
    "name",
    "kind",
    "leader",
    *JUDGEMENT_COLUMNS.values(),
    "likelihood",
    "assessed",
    "previous",
    "change",
    "team",
    "disagreement",
    "evidence",
)


def heat_map(scope: Scope) -> pd.DataFrame:
    """Priorities, each followed by the strategies of its plan, against the five judgements."""
    rows: list[dict[str, Any]] = []
    placed: set[str] = set()
    for priority in scope.priorities:
        rows.append(_heat_row(scope, priority.key, priority.key))
        strategies = [
            e.key
            for e in scope.plans[priority.key]
            if isinstance(e, Strategy) and scope.home(e.key) == priority.key
        ]
        for key in sorted(strategies, key=natural_key):
            rows.append(_heat_row(scope, priority.key, key))
            placed.add(key)
    for key in scope.keys_of_kind("strategy"):
        if key not in placed and scope.home(key) is None:
            rows.append(_heat_row(scope, None, key))
    return frame(rows, HEAT_COLUMNS)


def _heat_row(scope: Scope, priority_key: str | None, key: str) -> dict[str, Any]:
    a = scope.assessment(key)
    by_name = {j.name: int(j.rating) for j in a.judgements} if a is not None else {}
    now = scope.likelihood(key)
    shown = scope.in_force(key)  # the agreed rating while it is in force
    before = scope.previous(key)
    team = scope.team(key)
    return {
        "priority_key": priority_key,
        "key": key,
        "name": scope.name(key),
        "kind": scope.kind(key),
        "leader": scope.leader(key),
        **{column: by_name.get(name) for name, column in JUDGEMENT_COLUMNS.items()},
        "likelihood": None if shown is None else int(shown),
        "assessed": None if now is None else int(now),
        "previous": None if before is None else int(before),
        "change": None if now is None or before is None else int(now) - int(before),
        "team": None if team is None else int(team),
        "disagreement": bool(
            team is not None and now is not None and abs(int(team) - int(now)) >= 2
        ),
        "evidence": reasons.evidence(a),
    }


AGREED_COLUMNS = (
    "key",
    "name",
    "kind",
    "priority",
    "leader",
    "assessed",
    "agreed",
    "agreed_on",
    "in_force",
    "agreed_status",
    "agreed_note",
)


def agreed_ratings(scope: Scope) -> pd.DataFrame:
    """Every item with a rating agreed at a stock take, beside rdsync's own assessment, and
    whether the agreed one is in force (dated, and no evidence newer than that date)."""
    rows: list[dict[str, Any]] = []
    for a in scope.assessments():
        agreed = a.agreed
        if agreed is None:
            continue
        rows.append(
            {
                **_item(scope, a),
                "assessed": int(a.likelihood),
                "agreed": int(agreed.rating),
                "agreed_on": agreed.on,
                "in_force": agreed.in_force,
                "agreed_status": reasons.agreed_status(a),
                "agreed_note": agreed.note or "",
            }
        )
    return frame(rows, AGREED_COLUMNS)


PROBLEM_COLUMNS = (
    "key",
    "name",
    "kind",
    "priority",
    "leader",
    "likelihood",
    "level",
    "approach",
    "reason",
)


def problem_solving(scope: Scope) -> pd.DataFrame:
    """Rule 8 triage of every Red and Amber/Red item; an untriaged one says so."""
    rows: list[dict[str, Any]] = [
        {
            **_item(scope, a),
            "likelihood": int(a.likelihood),
            "level": a.problem_level,
            "approach": APPROACHES.get(a.problem_level or 0, "Not triaged"),
            "reason": a.problem_reason or "",
        }
        for a in scope.assessments()
        if a.likelihood <= Rating.AMBER_RED
    ]
    # Untriaged first (a Red with no plan to solve it is itself a gap), then the most severe.
    rows.sort(key=lambda r: (r["level"] is not None, -(r["level"] or 0), r["likelihood"]))
    return frame(rows, PROBLEM_COLUMNS)


QUALITY_COLUMNS = ("code", "severity", "key", "field", "message", "fix")


def data_quality(scope: Scope) -> pd.DataFrame:
    """Bad input (RD9xx): the findings, and data problems no finding reports yet."""
    rows: list[dict[str, Any]] = [
        {
            "code": f.code,
            "severity": f.severity.value,
            "key": f.key,
            "field": f.field,
            "message": f.message,
            "fix": f.fix,
        }
        for f in scope.findings
        if f.code.startswith("RD9")
    ]
    rows.extend(
        {
            "code": p.code,
            "severity": "warning",
            "key": p.key,
            "field": p.field,
            "message": p.message,
            "fix": p.fix,
        }
        for p in scope.problems
    )
    rows.sort(key=lambda r: (r["code"], natural_key(r["key"])))
    return frame(rows, QUALITY_COLUMNS)


MILESTONE_COLUMNS = ("key", "name", "strategy_key", "strategy", "leader", "due", "days", "status")


def milestones_due(scope: Scope, keys: set[str] | None = None) -> pd.DataFrame:
    """Open milestones overdue or due within the horizon, soonest first; `keys` narrows them."""
    horizon = scope.today + timedelta(days=scope.data.horizon_days)
    rows: list[dict[str, Any]] = []
    for m in scope.arch.of_kind(Milestone):
        if m.done or m.due is None or m.due > horizon or not scope.covers(m.key):
            continue
        if keys is not None and m.key not in keys:
            continue
        days = (m.due - scope.today).days
        parent = scope.arch.parent(m.key)
        rows.append(
            {
                "key": m.key,
                "name": m.name,
                "strategy_key": parent.key if parent is not None else None,
                "strategy": parent.name if parent is not None else "",
                "leader": scope.leader(m.key),
                "due": m.due,
                "days": days,
                "status": f"Overdue by {-days} days" if days < 0 else f"Due in {days} days",
            }
        )
    rows.sort(key=lambda r: (r["due"], natural_key(r["key"])))
    return frame(rows, MILESTONE_COLUMNS)


MISSED_COLUMNS = (
    "person", "priority_key", "stocktake_on", "key", "name", "need", "what", "fix", "requested_on"
)  # fmt: skip


def missed_updates(scope: Scope, keys: set[str] | None = None) -> pd.DataFrame:
    """What update requests asked before each priority's stock take and is still not done,
    by person (Rule 7: accountable leaders drive the follow-ups); `keys` narrows the items."""
    rows = [
        {**m.model_dump(exclude={"kind", "person_id"}), "need": m.kind}
        for m in scope.data.missed_updates
        if (keys is None or m.key in keys) and scope.covers(m.key)
    ]
    return frame(rows, MISSED_COLUMNS)
