"""Stock take packs: one priority, T-shaped, as the manual's routines run them (Rule 7).

A routine has three objectives: a shared view of progress (one page), deep dives on a few
issues (most of the time), and clear next steps. A pack follows that order. When each
priority's pack is due (staggered, every few weeks) is the daemon's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mappings.errors import InputError
from mappings.model import Priority, Target
from reports import frames, words
from reports.focus import priority_focus
from reports.model import ReportData
from reports.review import findings as finding_table
from reports.scope import APPROACHES, Scope
from reports.targets import targets as target_table
from rules.model import Rating, Severity

DEEP_DIVES = 5  # "dive deep on specific issues": a few, not a list
SHARED_TARGETS = 10  # targets that fit the one-page shared view; the annex has them all
STATUS_ORDER = words.STATUSES


@dataclass
class StocktakePack:
    """Everything one stock take pack shows, built from a ReportData for one priority."""

    data: ReportData
    scope: Scope
    priority: Priority
    keys: set[str]
    targets: pd.DataFrame
    strategies: pd.DataFrame
    deep_dives: list[dict[str, Any]]
    decisions: pd.DataFrame
    milestones: pd.DataFrame
    findings: pd.DataFrame
    missed: pd.DataFrame  # update requests of this stock take still not done, by person
    # The ratings agreed at earlier stock takes, beside rdsync's (the shared view's starting point)
    agreed: pd.DataFrame = field(default_factory=lambda: frames.frame([], frames.AGREED_COLUMNS))
    charts: dict[str, str] = field(default_factory=dict)
    legend: str = ""
    focus: dict[str, Any] = field(default_factory=dict)  # reports.focus.priority_focus


def build_pack(data: ReportData, priority_key: str, *, charts: bool = True) -> StocktakePack:
    """The pack of one priority; InputError when the key is not a priority of the report."""
    scope = Scope(data)
    priority = next((p for p in scope.priorities if p.key == priority_key), None)
    if priority is None:
        known = ", ".join(p.key for p in scope.priorities) or "none"
        raise InputError(
            f"{priority_key} is not a priority in this report",
            where=f"--priority {priority_key}",
            fix=f"Pass the key of one of its priorities: {known}.",
        )
    keys = {e.key for e in scope.plans[priority.key]}
    targets = target_table(scope)
    heat = frames.heat_map(scope)
    pack = StocktakePack(
        data=data,
        scope=scope,
        priority=priority,
        keys=keys,
        targets=_worst_first(targets[targets["key"].isin(keys)]),
        strategies=heat[heat["priority_key"] == priority.key],
        deep_dives=deep_dives(scope, keys - {priority.key}),  # page 1 is the priority's
        decisions=_within(frames.decisions(scope), keys),
        milestones=frames.milestones_due(scope, keys),
        findings=_open(finding_table(scope), keys),
        missed=_of_priority(frames.missed_updates(scope), priority.key),
        agreed=_within(frames.agreed_ratings(scope), keys),
        focus=priority_focus(data.architecture, data.assessments, _work(data), priority.key),
    )
    if charts:
        _draw(pack)
    return pack


def _work(data: ReportData) -> list[Any] | None:
    """All work in the pack's department (or all), as the report reads it."""
    if data.work is None:
        return None
    return [i for i in data.work if data.department in (None, i.department)]


def _worst_first(table: pd.DataFrame) -> pd.DataFrame:
    rank = table["status"].map(lambda s: STATUS_ORDER.index(s) if s in STATUS_ORDER else 9)
    like = table["likelihood"].map(lambda v: 9 if v is None else v)
    ordered = table.assign(_rank=rank, _like=like).sort_values(["_rank", "_like"], kind="stable")
    return ordered.drop(columns=["_rank", "_like"]).reset_index(drop=True)


def _within(table: pd.DataFrame, keys: set[str]) -> pd.DataFrame:
    return table[table["key"].isin(keys)].reset_index(drop=True)


def _of_priority(table: pd.DataFrame, key: str) -> pd.DataFrame:
    return table[table["priority_key"] == key].reset_index(drop=True)


def _open(table: pd.DataFrame, keys: set[str]) -> pd.DataFrame:
    """Errors and warnings on the plan: the next steps a team can take in its own tool."""
    kept = table["key"].isin(keys) & (table["severity"] != Severity.INFO.value)
    return table[kept].reset_index(drop=True)


def deep_dives(scope: Scope, keys: set[str]) -> list[dict[str, Any]]:
    """The reddest items of the plan and its biggest drops, at most DEEP_DIVES of them."""
    assessed = [a for a in scope.assessments() if a.key in keys]
    reddest = sorted(
        (a for a in assessed if a.likelihood <= Rating.AMBER_RED),
        key=lambda a: (int(a.likelihood), -(a.problem_level or 0)),
    )
    drops = sorted(
        (a for a in assessed if _fall(scope, a.key) > 0),
        key=lambda a: -_fall(scope, a.key),
    )
    order = [a.key for a in [*reddest[:3], *drops[:2], *reddest[3:], *drops[2:]]]
    return [_dive(scope, key) for key in list(dict.fromkeys(order))[:DEEP_DIVES]]


def _fall(scope: Scope, key: str) -> int:
    before, now = scope.previous(key), scope.likelihood(key)
    return 0 if before is None or now is None else int(before) - int(now)


def _dive(scope: Scope, key: str) -> dict[str, Any]:
    a = scope.assessment(key)
    assert a is not None  # chosen among the assessed
    why = []
    if a.likelihood <= Rating.AMBER_RED:
        why.append(a.likelihood.label)
    before = scope.previous(key)
    if before is not None and before > a.likelihood:
        fall = int(before) - int(a.likelihood)
        why.append(f"fell {fall} level{'s' if fall > 1 else ''} from {before.label}")
    return {
        "key": key,
        "name": scope.name(key),
        "kind": a.kind,
        "leader": scope.leader(key),
        "likelihood": int(a.likelihood),
        "previous": None if before is None else int(before),
        "why": " and ".join(why),
        "judgements": [
            {"name": j.name, "rating": int(j.rating), "rationale": j.rationale}
            for j in a.judgements
        ],
        "row": {"id": a.row, "words": a.row_words} if a.row else None,
        "caps": list(a.caps),
        "level": a.problem_level,
        "approach": APPROACHES.get(a.problem_level or 0, "Not triaged"),
        "reason": a.problem_reason or "",
        "findings": [f.model_dump(mode="json") for f in scope.findings_on({key})],
        "is_target": isinstance(scope.entity(key), Target),
    }


def _draw(pack: StocktakePack) -> None:
    from reports.charts import draw_targets, legend_svg

    pack.charts = draw_targets(pack.scope.arch, pack.targets["key"], pack.scope.today)
    pack.legend = legend_svg()
