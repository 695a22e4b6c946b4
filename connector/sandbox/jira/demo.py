"""The demo portfolio (portfolio.py) rendered as Jira issues, links and changelog in project DEL."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from connector.sandbox.jira.seed import (
    BLOCKS_LINK,
    OTHER_PROJECT,
    PROJECT,
    RELATES_LINK,
    _Writer,
    add_epic_type,
    add_project,
    at,
    ensure_user,
    number_change,
    status_change,
)
from connector.sandbox.seeds import portfolio
from connector.sandbox.store import Store

# Data problems only raw tool data can show (portfolio.py plants the rule gaps): RD901 an
# unreadable trajectory line, RD902 a Drives link into a project outside the mapped scope.
UNREADABLE_LINE = "to be confirmed"
OUT_OF_SCOPE_SUMMARY = "Call-centre calls answered within five minutes"


def seed_demo(store: Store, anchor: date, admin: str, mode: str = "cloud") -> dict[str, Any]:
    """Writes the demo; returns {"keys": ref -> issue key, "planted": RD code -> refs, "work":
    work item ref -> epic key}.

    `mode="server"` writes it as Data Center holds it (see `_Writer`)."""
    built = portfolio.build(anchor)
    people = {p.ref: ensure_user(store, p.email, p.name, p.jira_account_id) for p in built.people}
    planted = {ref for refs in built.planted.values() for ref in refs}
    unreadable = _last_unplanted(built, "target", planted, "Trajectory")
    outside = _last_unplanted(built, "strategy", planted, None)
    with store.write() as conn:
        add_epic_type(conn)
        writer = _Writer(conn, store, mode)
        ids = {item.ref: writer.next_issue + n for n, item in enumerate(built.items)}
        setup = _setup_day(built)
        for n, item in enumerate(built.items):
            doc = _document(writer, item, people, ids, admin)
            if item.ref == unreadable:
                _spoil_trajectory(writer, doc)
            _issue(writer, built, item, n + 1, setup, doc, people, admin)
        for item in built.items:
            for target in item.drives:
                writer.link(ids[item.ref], ids[target])
            for blocked in item.blocks:
                writer.link(ids[item.ref], ids[blocked], BLOCKS_LINK)
        add_project(conn, OTHER_PROJECT)
        if outside:
            other = writer.issue(
                OTHER_PROJECT,
                1,
                "Target",
                "To Do",
                at(setup),
                at(setup),
                {"summary": OUT_OF_SCOPE_SUMMARY, "reporter": admin, "creator": admin},
            )
            writer.link(ids[outside], other)
        work = _work(writer, built, ids, admin, at(setup))
        writer.flush()
    keys = {item.ref: f"{PROJECT[1]}-{n + 1}" for n, item in enumerate(built.items)}
    extra = {"RD901": (unreadable,) if unreadable else (), "RD902": (outside,) if outside else ()}
    gaps = {**{k: list(v) for k, v in built.planted.items()}, **extra}
    return {"keys": keys, "planted": gaps, "work": work}


def _work(
    writer: _Writer, built: portfolio.Portfolio, ids: dict[str, int], admin: str, when: str
) -> dict[str, str]:
    """Every epic of the departments' work in project OPS, linked ("relates to") to the
    strategy it serves, if any; returns ref -> key."""
    keys = {}
    for n, work in enumerate(built.work, start=2):  # OPS-1 is the out-of-scope target
        doc = {
            "summary": work.name,
            "reporter": admin,
            "creator": admin,
            writer.field_id("Department"): writer.stored("Department", work.department, {}),
            writer.field_id("Team"): work.team,
            writer.field_id("Effort"): work.effort,
        }
        issue = writer.issue(OTHER_PROJECT, n, "Epic", "In Progress", when, when, doc)
        if work.serves is not None:
            writer.link(issue, ids[work.serves], RELATES_LINK)
        keys[work.ref] = f"{OTHER_PROJECT[1]}-{n}"
    return keys


def _last_unplanted(
    built: portfolio.Portfolio, kind: str, planted: set[str], needs: str | None
) -> str | None:
    candidates = [
        i.ref
        for i in built.items
        if i.kind == kind and i.ref not in planted and (needs is None or needs in i.fields)
    ]
    return candidates[-1] if candidates else None


def _setup_day(built: portfolio.Portfolio) -> date:
    """The day the site was set up: a month before the earliest date the portfolio records."""
    days = [d for series in built.history.values() for d, _v in series]
    for item in built.items:
        days += [v for v in item.fields.values() if isinstance(v, date)]
    return min(days, default=built.anchor - timedelta(days=730)) - timedelta(days=30)


def _document(
    writer: _Writer, item: portfolio.Item, people: dict[str, str], ids: dict[str, int], admin: str
) -> dict[str, Any]:
    doc: dict[str, Any] = {"summary": item.name, "reporter": admin, "creator": admin}
    for name, value in item.fields.items():
        if name == "Due date":
            doc["duedate"] = value.isoformat()  # type: ignore[attr-defined]
        elif name in writer.fields:
            stored = writer.stored(name, value, people)
            if stored is not None:
                doc[writer.field_id(name)] = stored
    labels = [*item.labels, *(["salient"] if item.fields.get(portfolio.SALIENT) else [])]
    if labels:  # Jira marks political salience with a label (the default mapping reads it)
        doc["labels"] = labels
    if item.parent:
        writer.place(doc, item.kind.title(), ids[item.parent])
    return doc


def _spoil_trajectory(writer: _Writer, doc: dict[str, Any]) -> None:
    trajectory = doc[writer.field_id("Trajectory")]
    if isinstance(trajectory, str):  # wiki markup: "# *2026-06-30*: 58" lines
        *kept, last_line = trajectory.split("\n")
        day = last_line.split(":", 1)[0]
        doc[writer.field_id("Trajectory")] = "\n".join([*kept, f"{day}: {UNREADABLE_LINE}"])
        return
    last = trajectory["content"][-1]["content"][0]
    day = last["text"].split(":", 1)[0]
    last["text"] = f"{day}: {UNREADABLE_LINE}"


def _issue(
    writer: _Writer,
    built: portfolio.Portfolio,
    item: portfolio.Item,
    num: int,
    setup: date,
    doc: dict[str, Any],
    people: dict[str, str],
    admin: str,
) -> None:
    """One issue with its history: measurements as `Current value` changes, Done as a move."""
    created = at(setup, num)
    author = _steward(built, item, people) or admin
    events: list[tuple[str, list[dict[str, Any]]]] = []
    previous: float | None = None
    for day, value in built.history.get(item.ref, []):
        events.append(
            (at(day, num % 60), [number_change(writer.field_id("Current value"), previous, value)])
        )
        previous = value
    done = bool(item.fields.get("Done"))
    status = "Done" if done else ("In Progress" if item.kind == "strategy" else "To Do")
    if done:
        due = item.fields.get("Due date")
        day = (
            min(due, built.anchor - timedelta(days=1))
            if isinstance(due, date)
            else built.anchor - timedelta(days=14)
        )
        moved = at(max(day, setup + timedelta(days=1)), num % 60)
        doc["statuscategorychangedate"] = moved
        todo, finished = writer.statuses["To Do"][0], writer.statuses["Done"][0]
        events.append((moved, [status_change((todo, "To Do"), (finished, "Done"))]))
    updated = max([created, *(when for when, _items in events)])
    issue_id = writer.issue(PROJECT, num, item.kind.title(), status, created, updated, doc)
    for when, items in sorted(events, key=lambda e: e[0]):
        writer.history(issue_id, when, author, items)


def _steward(
    built: portfolio.Portfolio, item: portfolio.Item, people: dict[str, str]
) -> str | None:
    """Who records an item's changes: its first accountable owner, else its nearest ancestor's."""
    current: portfolio.Item | None = item
    while current is not None:
        owners = current.fields.get("Accountable owner")
        if isinstance(owners, list) and owners:
            return people[owners[0]]
        current = built.item(current.parent) if current.parent else None
    return None


def demo_summary(meta: str | None) -> dict[str, Any]:
    """The stored result of `seed_demo` (sandbox_meta "jira.demo"), or empty."""
    return json.loads(meta) if meta else {"keys": {}, "planted": {}}
