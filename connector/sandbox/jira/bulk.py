"""Many synthetic but well-formed plans, fast, for benchmarks and paging tests."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from connector.sandbox.jira.seed import PROJECT, _Writer, at, ensure_user, number_change
from connector.sandbox.store import Store

# One plan: a priority, an outcome, two indicators each with a target, and a strategy that
# drives both targets, with two milestones and a risk. Positions of parents within the block.
BLOCK: tuple[tuple[str, int | None], ...] = (
    ("Priority", None),
    ("Outcome", 0),
    ("Indicator", 1),
    ("Target", 2),
    ("Indicator", 1),
    ("Target", 4),
    ("Strategy", None),
    ("Milestone", 6),
    ("Milestone", 6),
    ("Risk", 6),
)
OWNERS = 25


def seed_bulk(
    store: Store,
    n: int,
    anchor: date,
    *,
    admin: str,
    history: int = 12,
    seed: int = 1,
    mode: str = "cloud",
) -> tuple[str, str]:
    """Appends `n` issues to project DEL; returns the first and last key.

    Each indicator gets `history` monthly `Current value` changes ending a month before
    `anchor`; dates, values and owners come from a seeded random generator.
    """
    owners = [
        ensure_user(store, f"owner{i:02d}@bulk.example.gov", f"Bulk Owner {i:02d}")
        for i in range(OWNERS)
    ]
    with store.write() as conn:
        (first,) = conn.execute(
            "SELECT next_num FROM jira_projects WHERE id = ?", (PROJECT[0],)
        ).fetchone()
        writer = _Writer(conn, store, mode)
        bulk = _Bulk(writer, random.Random(seed), anchor, owners, admin, history)
        block: list[int] = []
        for offset in range(n):
            block = [] if offset % len(BLOCK) == 0 else block
            block.append(bulk.issue(first + offset, offset, block))
        bulk.writer.flush()
    return f"{PROJECT[1]}-{first}", f"{PROJECT[1]}-{first + n - 1}"


class _Bulk:
    """Makes one synthetic issue at a time, from a seeded random generator."""

    def __init__(
        self,
        writer: _Writer,
        rng: random.Random,
        anchor: date,
        owners: list[str],
        admin: str,
        history: int,
    ) -> None:
        self.writer, self.rng, self.anchor = writer, rng, anchor
        self.owners, self.admin, self.months = owners, admin, history

    def issue(self, num: int, offset: int, block: list[int]) -> int:
        """The issue at `offset`, its parent and links taken from the ids of its block so far."""
        position = offset % len(BLOCK)
        kind, parent = BLOCK[position]
        doc = self.fields(kind)
        doc["summary"] = f"{kind} {offset // len(BLOCK) + 1}.{position + 1}"
        if parent is not None and parent < len(block):
            self.writer.place(doc, kind, block[parent])
        created = at(self.anchor - timedelta(days=self.rng.randint(400, 800)))
        events = self.history() if kind == "Indicator" else []
        if events:
            doc[self.writer.field_id("Current value")] = events[-1][2]
        updated = max([created, *(when for when, _item, _value in events)])
        status = "Done" if kind == "Milestone" and self.rng.random() < 0.4 else "To Do"
        issue_id = self.writer.issue(PROJECT, num, kind, status, created, updated, doc)
        for when, item, _value in events:
            self.writer.history(issue_id, when, self.rng.choice(self.owners), [item])
        if kind == "Strategy":
            for target in (3, 5):  # the block's two targets
                if target < len(block):
                    self.writer.link(issue_id, block[target])
        return issue_id

    def fields(self, kind: str) -> dict[str, Any]:
        values: dict[str, Any] = {"Department": "Department of Health and Social Services"}
        if kind in ("Priority", "Outcome", "Strategy"):
            values["Accountable owner"] = [self.rng.choice(self.owners)]
        if kind == "Indicator":
            values.update({"Unit": "%", "Data source": "Monthly administrative extract"})
        if kind == "Target":
            values.update(self.target())
        if kind == "Strategy":
            values.update(self.strategy())
        if kind == "Risk":
            values["Mitigation"] = "Stagger the roll-out and keep a reserve team."
        doc: dict[str, Any] = {"reporter": self.admin, "creator": self.admin}
        people = {o: o for o in self.owners}
        for name, value in values.items():
            doc[self.writer.field_id(name)] = self.writer.stored(name, value, people)
        if kind in ("Milestone", "Strategy"):
            due = self.anchor + timedelta(days=self.rng.randint(-200, 700))
            doc["duedate"] = due.isoformat()
        return doc

    def target(self) -> dict[str, Any]:
        base = round(self.rng.uniform(20, 60), 1)
        goal = round(base + self.rng.uniform(5, 30), 1)
        return {
            "Baseline value": base,
            "Baseline date": self.anchor - timedelta(days=730),
            "Target value": goal,
            "Target date": self.anchor + timedelta(days=self.rng.randint(180, 1200)),
            "Direction": "Increase",
            "Trajectory": [
                (self.anchor + timedelta(days=365 * k), round(base + (goal - base) * k / 4, 1))
                for k in (1, 2, 3)
            ],
        }

    def strategy(self) -> dict[str, Any]:
        return {
            "Start date": self.anchor - timedelta(days=self.rng.randint(90, 500)),
            "Rationale": "Evidence from the pilot sites shows the change moves the measure.",
            "Scale": "All regions",
            "Resources": "$4M a year; 30 FTE",
            "Definition of success": "Every region runs the new process.",
            "Delivery chain": "Department → regions → service centres → front-line staff",
            "Impact": self.rng.randint(1, 4),
            "Difficulty": self.rng.randint(1, 4),
        }

    def history(self) -> list[tuple[str, dict[str, Any], float]]:
        """Monthly `Current value` changes: (when, changelog item, the new value)."""
        field_id = self.writer.field_id("Current value")
        value, previous = self.rng.uniform(20, 60), None
        events = []
        for k in range(self.months, 0, -1):
            value = round(value + self.rng.uniform(-1, 2), 1)
            when = at(self.anchor - timedelta(days=30 * k))
            events.append((when, number_change(field_id, previous, value), value))
            previous = value
        return events
