"""The demo portfolio both sandbox seeders render into Jira and Airtable: pure data, stdlib only.

Two departments built from the manual's cases, dated relative to an anchor (the seed date) so
the demo never goes stale. Most plans are sound; `Portfolio.planted` names, for every rule code
the demo exercises, the items where that gap was planted on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from connector.sandbox.seeds import focus
from connector.sandbox.seeds.draft import HEALTH, JOBS, Draft
from connector.sandbox.seeds.health import health
from connector.sandbox.seeds.jobs import jobs

ISSUE_TYPES = ("Priority", "Outcome", "Indicator", "Target", "Strategy", "Milestone", "Risk")
KINDS = tuple(name.lower() for name in ISSUE_TYPES)

RATING_OPTIONS = ("1 - Red", "2 - Amber/Red", "3 - Amber/Green", "4 - Green")

# Every custom field of DOMAIN.md §2, write-back fields last. "Due date" and "Done" are Jira
# system fields (duedate, status category); the Airtable seeder adds them as its own columns.
FIELDS: tuple[tuple[str, str], ...] = (
    ("Accountable owner", "users"),
    ("Unit", "text"),
    ("Data source", "text"),
    ("Current value", "number"),
    ("Baseline value", "number"),
    ("Baseline date", "date"),
    ("Target value", "number"),
    ("Target date", "date"),
    ("Direction", "select"),
    ("Trajectory", "paragraph"),
    ("Start date", "date"),
    ("Rationale", "paragraph"),
    ("Scale", "text"),
    ("Resources", "paragraph"),
    ("Definition of success", "paragraph"),
    ("Delivery chain", "paragraph"),
    ("Mitigation", "paragraph"),
    ("Impact", "select"),
    ("Difficulty", "select"),
    ("Agreed likelihood", "select"),  # the stock take's consensus (read, never written)
    ("Agreed on", "date"),
    ("Agreed note", "paragraph"),
    ("Department", "select"),
    ("Delivery likelihood", "select"),
    ("Likelihood rationale", "paragraph"),
    ("Rubric gaps", "paragraph"),
    ("Last assessed", "datetime"),
    # Read from the wider scope of all work only (epics), after the write-back fields so that
    # the fields above keep their ids.
    ("Team", "text"),
    ("Effort", "number"),
)
WRITE_BACK_FIELDS = ("Delivery likelihood", "Likelihood rationale", "Rubric gaps", "Last assessed")

SELECT_OPTIONS: dict[str, tuple[str, ...]] = {
    "Direction": ("Increase", "Decrease"),
    "Impact": ("1", "2", "3", "4"),
    "Difficulty": ("1", "2", "3", "4"),
    "Department": (HEALTH, JOBS),
    "Delivery likelihood": RATING_OPTIONS,
    "Agreed likelihood": RATING_OPTIONS,
}
# Rule 8's politically salient factors: a checkbox in Airtable, the label "salient" in Jira.
SALIENT = "Politically salient"
AGREED_FIELDS = (SALIENT, "Agreed likelihood", "Agreed on", "Agreed note")


@dataclass(frozen=True)
class Person:
    """An accountable leader, with the ids each tool knows them by."""

    ref: str
    name: str
    email: str
    jira_account_id: str
    airtable_user_id: str


@dataclass(frozen=True)
class Item:
    """One ticket / record. `fields` is keyed by custom-field name; an absent key is empty.

    Values are plain Python: "Accountable owner" a list of person refs, dates as `date`,
    "Trajectory" a list of (date, value), "Impact"/"Difficulty" ints 1-4, "Done" a bool,
    "Due date" the milestone due date or strategy end (Jira's system duedate).
    """

    ref: str
    kind: str
    name: str
    parent: str | None
    fields: dict[str, object]
    drives: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()  # refs of the items that wait on this one


@dataclass(frozen=True)
class Portfolio:
    """Everything the seeders write, and the gaps planted in it (RD code → item refs)."""

    anchor: date
    departments: tuple[str, ...]
    people: tuple[Person, ...]
    items: tuple[Item, ...]
    history: dict[str, list[tuple[date, float]]] = field(default_factory=dict)
    planted: dict[str, tuple[str, ...]] = field(default_factory=dict)
    work: tuple[focus.WorkItem, ...] = ()  # every epic of the projects: the wider scope

    def item(self, ref: str) -> Item:
        """The item with this ref; KeyError names the ref when there is none."""
        for candidate in self.items:
            if candidate.ref == ref:
                return candidate
        raise KeyError(ref)

    def person(self, ref: str) -> Person:
        """The person with this ref; KeyError names the ref when there is none."""
        for candidate in self.people:
            if candidate.ref == ref:
                return candidate
        raise KeyError(ref)


PEOPLE: tuple[Person, ...] = (
    Person(
        "amara",
        "Amara Okafor",
        "amara.okafor@dhss.example.gov",
        "5f3c9a1e8b2d4c0069a1b2c3",
        "usrA7kQ2mZ9xLp4Wt",
    ),
    Person(
        "liam",
        "Liam Tremblay",
        "liam.tremblay@dhss.example.gov",
        "5f3c9a1e8b2d4c0069a1b2d7",
        "usrB3nR8vX1cKd6Ys",
    ),
    Person(
        "priya",
        "Priya Natarajan",
        "priya.natarajan@dhss.example.gov",
        "60a7e2b94c1d3f006f8e4a15",
        "usrC9pT4wQ7hJm2Uf",
    ),
    Person(
        "chloe",
        "Chloé Gagnon",
        "chloe.gagnon@dhss.example.gov",
        "60a7e2b94c1d3f006f8e4b02",
        "usrD2sV6yN3gHr8Ek",
    ),
    Person(
        "owen",
        "Owen Whitehorse",
        "owen.whitehorse@dhss.example.gov",
        "61b2f0c7a93e5d0070c1e8f4",
        "usrE5uX1zM8fGt3Dj",
    ),
    Person(
        "sofia",
        "Sofia Rossi",
        "sofia.rossi@dhss.example.gov",
        "61b2f0c7a93e5d0070c1e9a6",
        "usrF8wZ3aL5eFq7Ch",
    ),
    Person(
        "nadia",
        "Nadia Haddad",
        "nadia.haddad@djsc.example.gov",
        "62d45e1f0b7a8c006a3d7c21",
        "usrG1yB7bK2dEp9Bg",
    ),
    Person(
        "ethan",
        "Ethan MacLeod",
        "ethan.macleod@djsc.example.gov",
        "62d45e1f0b7a8c006a3d7d48",
        "usrH4aD9cJ6cDn1Af",
    ),
    Person(
        "mateo",
        "Mateo García",
        "mateo.garcia@djsc.example.gov",
        "63e81a2c5f9b0d0071b6f390",
        "usrJ7cF2dH9bCm4Ze",
    ),
    Person(
        "grace",
        "Grace Kowalski",
        "grace.kowalski@djsc.example.gov",
        "63e81a2c5f9b0d0071b6f4b3",
        "usrK2eH5fG1aBk6Yd",
    ),
    Person(
        "david",
        "David Chen",
        "david.chen@djsc.example.gov",
        "64f0b3d8e21c7a0068d2a5e9",
        "usrL5gJ8gF4zAj8Xc",
    ),
)


def build(anchor: date) -> Portfolio:
    """The demo portfolio as of `anchor`; the same anchor always gives the same portfolio."""
    draft = Draft(anchor)
    health(draft)
    jobs(draft)
    items = tuple(_item(r) for r in draft.rows)
    return Portfolio(
        anchor=anchor,
        departments=(HEALTH, JOBS),
        people=PEOPLE,
        items=items,
        history=dict(draft.history),
        planted={code: tuple(refs) for code, refs in sorted(draft.planted.items())},
        work=focus.WORK,
    )


def _item(row: Any) -> Item:
    """A drafted row as an item, with the interdependencies of `focus` planted on it."""
    fields = dict(row.fields)
    if row.ref in focus.DEPARTMENT_OF:
        fields["Department"] = focus.DEPARTMENT_OF[row.ref]
    drives = (*row.drives, *focus.EXTRA_DRIVES.get(row.ref, ()))
    blocks = tuple(blocked for blocker, blocked in focus.BLOCKS if blocker == row.ref)
    return Item(row.ref, row.kind, row.name, row.parent, fields, drives, row.labels, blocks)
