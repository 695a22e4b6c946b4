"""The focus and coordination section: interdependencies between priorities, the critical ones
at risk, and the work that serves no priority (with its trend since the previous report)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reports.frames import frame
from reports.scope import Scope
from rules import alignment
from rules.dependencies import (
    KINDS,
    SHARED_ACTOR,
    SHARED_LEADER,
    CriticalDependency,
    Dependency,
    critical,
    dependencies,
    membership,
    priority_links,
)

DEPENDENCY_COLUMNS = ("dependency", "key", "subject", "priorities", "tickets", "description")
PEOPLE_KINDS = (SHARED_LEADER, SHARED_ACTOR)  # their subject is a person or actor, not a ticket
CRITICAL_COLUMNS = ("key", "name", "likelihood", "rated_key", "waiting", "priorities", "leader")
WORK_COLUMNS = (
    "department",
    "work_team",
    "work_items",
    "unaligned",
    "unaligned_share",
    "effort",
    "unaligned_effort",
    "unaligned_effort_share",
    "previous_share",
    "share_change",
)
UNALIGNED_COLUMNS = ("key", "name", "department", "work_team", "effort", "source")
LARGEST = 10  # unaligned items the report lists, largest effort first
TITLES = {
    "dependencies": "Interdependencies between priorities",
    "critical_dependencies": "Critical dependencies at risk",
    "unaligned_work": "Work that serves no priority",
    "unaligned_items": "Largest unaligned work",
}
COLUMNS = {
    "dependencies": DEPENDENCY_COLUMNS,
    "critical_dependencies": CRITICAL_COLUMNS,
    "unaligned_work": WORK_COLUMNS,
    "unaligned_items": UNALIGNED_COLUMNS,
}


@dataclass
class Focus:
    """What the section shows: its tables, and the facts its chart and headline read."""

    priorities: list[str]  # keys, in report order
    names: dict[str, str]
    dependencies: list[Dependency]
    critical: list[CriticalDependency]
    links: dict[tuple[str, str], int]
    at_risk: set[tuple[str, str]]  # (priority waited on, waiting priority) at risk
    work: alignment.WorkShare | None  # all work of the scope, summed
    work_before: alignment.WorkShare | None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def build_focus(scope: Scope) -> Focus:
    """The section for a report's scope: only what touches its priorities (or department)."""
    arch = scope.arch
    members = membership(arch)
    keys = [p.key for p in scope.priorities]
    wanted = set(keys)
    deps = [d for d in dependencies(arch, members) if wanted & set(d.priorities)]
    risky = [c for c in critical(arch, members, scope.data.assessments) if scope.covers(c.key)]
    at_risk = {
        (mine, theirs)
        for c in risky
        for mine in members.get(c.key, ())
        for theirs in c.priorities
        if mine != theirs
    }
    items = scope_items(scope)
    rows = alignment.shares(items) if items is not None else None
    before = _before(scope)
    focus = Focus(
        priorities=keys,
        names={p.key: p.name for p in scope.priorities},
        dependencies=deps,
        critical=risky,
        links=priority_links(deps, keys),
        at_risk=at_risk,
        work=alignment.total(rows) if rows is not None else None,
        work_before=alignment.total(before) if before else None,
    )
    focus.tables = {
        "dependencies": _dependency_table(scope, deps),
        "critical_dependencies": _critical_table(scope, risky),
        "unaligned_work": _work_table(rows or [], before or []),
        "unaligned_items": _largest(items or []),
    }
    return focus


def scope_items(scope: Scope) -> list[Any] | None:
    work = scope.data.work
    if work is None:
        return None
    department = scope.data.department
    return [i for i in work if department is None or i.department == department]


def _before(scope: Scope) -> list[alignment.WorkShare] | None:
    before = scope.data.work_before
    department = scope.data.department
    if before is None:
        return None
    return [r for r in before if department is None or r.department == department]


def _names(scope: Scope, keys: tuple[str, ...] | list[str]) -> str:
    return "; ".join(f"{key} {scope.name(key)}".strip() for key in keys)


def _dependency_table(scope: Scope, deps: list[Dependency]) -> pd.DataFrame:
    order = {kind: n for n, kind in enumerate(KINDS)}
    rows = [
        {
            "dependency": d.kind,
            "key": d.keys[0],
            "subject": d.subject if d.subject != d.keys[0] else scope.name(d.subject),
            "priorities": _names(scope, d.priorities),
            "tickets": ", ".join(d.keys),
            "description": d.text,
        }
        for d in sorted(deps, key=lambda d: order[d.kind])
    ]
    return frame(rows, DEPENDENCY_COLUMNS)


def _critical_table(scope: Scope, risky: list[CriticalDependency]) -> pd.DataFrame:
    rows = [
        {
            "key": c.key,
            "name": scope.name(c.key),
            "likelihood": int(c.rating),
            "rated_key": c.rated,
            "waiting": ", ".join(c.waiting),
            "priorities": _names(scope, c.priorities),
            "leader": scope.leader(c.rated),
        }
        for c in sorted(risky, key=lambda c: (int(c.rating), c.key))
    ]
    return frame(rows, CRITICAL_COLUMNS)


def _work_table(rows: list[alignment.WorkShare], before: list[alignment.WorkShare]) -> pd.DataFrame:
    """A row per department and team, each department's total, then all: the unaligned share
    by count and by effort, and the count share at the previous report."""
    then = {(r.department, r.team): r for r in before}
    out: list[dict[str, Any]] = []
    departments = sorted({r.department for r in rows})
    for department in departments:
        mine = [r for r in rows if r.department == department]
        gone = [r for r in before if r.department == department]
        out += [_work_row(r, then.get((r.department, r.team))) for r in mine]
        if len(mine) > 1:
            total = alignment.total(mine, department)
            out.append(_work_row(total, alignment.total(gone, department) if gone else None))
    if len(departments) > 1:
        everything = alignment.total(rows, "All departments")
        out.append(_work_row(everything, alignment.total(before) if before else None))
    return frame(out, WORK_COLUMNS)


def _work_row(row: alignment.WorkShare, before: alignment.WorkShare | None) -> dict[str, Any]:
    share = round(100 * row.share, 1)
    was = round(100 * before.share, 1) if before is not None and before.items else None
    effort = row.effort_share
    return {
        "department": row.department,
        "work_team": row.team,
        "work_items": row.items,
        "unaligned": row.unaligned,
        "unaligned_share": share,
        "effort": row.effort if row.effort else None,
        "unaligned_effort": row.unaligned_effort if row.effort else None,
        "unaligned_effort_share": None if effort is None else round(100 * effort, 1),
        "previous_share": was,
        "share_change": None if was is None else round(share - was, 1),
    }


def _largest(items: list[Any]) -> pd.DataFrame:
    rows = [
        {
            "key": item.key,
            "name": item.name,
            "department": item.department,
            "work_team": item.team,
            "effort": item.effort,
            "source": item.source,
        }
        for item in alignment.largest_unaligned(items, LARGEST)
    ]
    return frame(rows, UNALIGNED_COLUMNS)


def headline(focus: Focus) -> list[str]:
    """The section's sentences: how tied the priorities are, and how much work serves none."""
    tied = {p for pair in focus.links for p in pair}
    n, total = len(focus.dependencies), len(focus.priorities)
    risky = len(focus.critical)
    lines = [
        f"{n} interdependenc{'y ties' if n == 1 else 'ies tie'} {len(tied)} of the {total} "
        f"priorities; {risky} {'is' if risky == 1 else 'are'} critical and at risk (an item "
        "rated Red or Amber/Red that another priority waits on)."
        if n
        else "No priority depends on another through what the tools hold."
    ]
    work = focus.work
    if work is not None and work.items:
        line = (
            f"Of {work.items} items of all work, {work.unaligned} "
            f"({100 * work.share:.0f}%) serve no priority"
        )
        if work.effort_share is not None:
            line += f", {100 * work.effort_share:.0f}% of the effort"
        before = focus.work_before
        if before is not None and before.items:
            moved = round(100 * (work.share - before.share), 1)
            line += (
                f"; {abs(moved):g} points {'up' if moved > 0 else 'down'} since the previous report"
                if moved
                else "; no change since the previous report"
            )
        lines.append(line + ".")
    return lines


def view(document: Any) -> dict[str, Any]:
    """What the HTML template of the section reads (reports/templates/_focus.html.j2)."""
    from reports.document import FOCUS_MATRIX, FOCUS_WORK

    focus: Focus = document.focus
    tables = focus.tables
    return {
        "headline": headline(focus),
        "matrix": document.charts.get(FOCUS_MATRIX, ""),
        "work_chart": document.charts.get(FOCUS_WORK, ""),
        "critical": tables["critical_dependencies"].to_dict("records"),
        "dependencies": tables["dependencies"].to_dict("records"),
        "work": None if focus.work is None else tables["unaligned_work"].to_dict("records"),
        "people_kinds": PEOPLE_KINDS,
        "largest": tables["unaligned_items"].to_dict("records"),
    }


def priority_focus(
    arch: Any, assessments: dict[str, Any], work: list[Any] | None, key: str
) -> dict[str, Any]:
    """One priority's ties (`rdsync explain` and its stock take pack): the interdependencies
    it is in, the critical ones either way (its items at risk that others wait on, and the
    items at risk it waits on), the work that serves it and its department's unaligned work."""
    members = membership(arch)
    deps = [d for d in dependencies(arch, members) if key in d.priorities]
    risky = []
    for c in critical(arch, members, assessments):
        if key in c.priorities or key in members.get(c.key, ()):
            waits = key in c.priorities and key not in members.get(c.key, ())
            risky.append(
                {
                    "key": c.key,
                    "rated_key": c.rated,
                    "likelihood": int(c.rating),
                    "waiting": list(c.waiting),
                    "priorities": list(c.priorities),
                    "via": c.via,
                    "direction": "this priority waits on it" if waits else "others wait on it",
                }
            )
    return {
        "dependencies": [
            {
                "dependency": d.kind,
                "subject": d.subject,
                "priorities": list(d.priorities),
                "tickets": list(d.keys),
                "description": d.text,
            }
            for d in deps
        ],
        "critical": risky,
        "work": None if work is None else _priority_work(arch, work, key),
    }


def _priority_work(arch: Any, work: list[Any], key: str) -> dict[str, Any]:
    priority = arch.get(key)
    department = priority.department if priority is not None else None
    serving = [i for i in work if key in i.serves]
    mine = [i for i in work if department is None or i.department == department]
    whole = alignment.total(alignment.shares(mine), department or "All")
    return {
        "serving": len(serving),
        "serving_effort": sum(i.effort or 0.0 for i in serving),
        "serving_keys": [i.key for i in serving],
        "department": department,
        "work_items": whole.items,
        "unaligned": whole.unaligned,
        "unaligned_share": round(100 * whole.share, 1),
        "unaligned_effort_share": (
            None if whole.effort_share is None else round(100 * whole.effort_share, 1)
        ),
        "largest_unaligned": [
            {"key": i.key, "name": i.name, "team": i.team, "effort": i.effort}
            for i in alignment.largest_unaligned(mine, 5)
        ],
    }
