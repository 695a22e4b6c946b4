"""The `typical-jira` seed: a Jira site laid out as departments really run one, not as rdsync's
defaults, for `rdsync mapping discover / check / preview` and docs/admin-guide.md.

Project PMO: Initiative (hierarchy level 2) → Epic (1) → Story (0), with Objective (1) and KPI
(0) beside them and Risk, Task and Bug at level 0. The accountable owner is a single-user field
"SRO (Senior Responsible Owner)" on Initiatives and Objectives and the assignee on Epics;
targets live in fields of Epics ("Baseline", "Target value", "Target date", "Desired trend");
each Epic "relates to" the KPI it moves; a KPI's "Actual" keeps its measurements in the
changelog. There are no write-back fields: `rdsync mapping check --fix` creates them. Dates are
relative to the anchor, so the site never goes stale.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from connector.sandbox.jira.context import change_item
from connector.sandbox.jira.seed import STATUSES, _Writer, at, ensure_user, status_change
from connector.sandbox.jira.values import number_text
from connector.sandbox.store import Store

SEED = "typical-jira"
PROJECT = (10000, "PMO", "Portfolio Management Office")
ISSUE_TYPES = (
    ("Initiative", 2, "A large body of work that spans several Epics."),
    ("Epic", 1, "A large user story that needs to be broken down."),
    ("Objective", 1, "What an Initiative aims to achieve."),
    ("Story", 0, "A user story: a piece of functionality from the user's point of view."),
    ("KPI", 0, "A key performance indicator the department reports on."),
    ("Risk", 0, "Something that may stop the work delivering."),
    ("Task", 0, "A small, distinct piece of work."),
    ("Bug", 0, "A problem that impairs a product or service."),
)
LINK_TYPES = (
    (10000, "Blocks", "is blocked by", "blocks"),
    (10001, "Cloners", "is cloned by", "clones"),
    (10002, "Duplicate", "is duplicated by", "duplicates"),
    (10003, "Relates", "relates to", "relates to"),
)
RELATES = 10003
SRO = "SRO (Senior Responsible Owner)"
# Custom fields as an admin of an ordinary site named them (ids from customfield_10020).
FIELDS: tuple[tuple[str, str], ...] = (
    ("Start date", "date"),
    ("Story point estimate", "number"),
    ("Team", "text"),
    (SRO, "user"),
    ("Business unit", "select"),
    ("Actual", "number"),
    ("Unit of measure", "text"),
    ("Source system", "text"),
    ("Baseline", "number"),
    ("Baseline date", "date"),
    ("Target value", "number"),
    ("Target date", "date"),
    ("Desired trend", "select"),
    ("Business case", "paragraph"),
    ("Resourcing", "paragraph"),
    ("Success criteria", "paragraph"),
    ("Delivery partners", "paragraph"),
    ("Mitigation plan", "paragraph"),
)
BENEFITS, SKILLS, DIGITAL = "Benefits Delivery", "Skills and Employment", "Digital Services"
OPTIONS = {"Business unit": (BENEFITS, SKILLS, DIGITAL), "Desired trend": ("Up", "Down")}
PEOPLE = {
    "dana": ("dana.whitfield@example.gov", "Dana Whitfield"),
    "marcus": ("marcus.oyelaran@example.gov", "Marcus Oyelaran"),
    "priya": ("priya.raman@example.gov", "Priya Raman"),
    "tom": ("tom.bergeron@example.gov", "Tom Bergeron"),
    "aiko": ("aiko.tanaka@example.gov", "Aiko Tanaka"),
    "luis": ("luis.ferreira@example.gov", "Luis Ferreira"),
}


@dataclass
class Item:
    """One issue: `fields` by field name (people by PEOPLE ref, dates as day offsets)."""

    ref: str
    type: str
    summary: str
    parent: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    status: str = "To Do"
    relates: tuple[str, ...] = ()
    history: tuple[float, ...] = ()  # monthly values of "Actual", the last one a month ago


TARGET_FIELDS = ("Baseline", "Baseline date", "Target value", "Target date", "Desired trend")
TEXT_FIELDS = {
    "case": "Business case",
    "resourcing": "Resourcing",
    "success": "Success criteria",
    "partners": "Delivery partners",
}


def _epic(
    ref: str,
    parent: str,
    summary: str,
    owner: str | None,
    kpi: str,
    target: tuple[Any, ...] = (),
    **texts: str,
) -> Item:
    """An Epic under an Initiative, relating to its KPI; `target` in TARGET_FIELDS order."""
    values = {"assignee": owner, "Start date": -300, "duedate": 240}
    values |= dict(zip(TARGET_FIELDS, target, strict=False))
    values |= {TEXT_FIELDS[name]: text for name, text in texts.items()}
    fields = {name: value for name, value in values.items() if value is not None}
    return Item(ref, "Epic", summary, parent, fields, "In Progress", (kpi,))


# fmt: off
ITEMS: tuple[Item, ...] = (
    Item("I1", "Initiative", "Faster benefit decisions", None,
         {SRO: "dana", "Business unit": BENEFITS}, "In Progress"),
    Item("I2", "Initiative", "Skills for the green transition", None,
         {SRO: "marcus", "Business unit": SKILLS}, "In Progress"),
    Item("I3", "Initiative", "A digital front door for citizens", None,
         {"Business unit": DIGITAL}, "In Progress"),
    Item("O1", "Objective", "Claimants get a decision within ten working days", "I1",
         {SRO: "dana"}),
    Item("O2", "Objective", "More job seekers complete green-skills training", "I2",
         {SRO: "marcus"}),
    Item("O3", "Objective", "Citizens finish services online, end to end", "I3",
         {SRO: "aiko"}),
    Item("K1", "KPI", "Share of claims decided within 10 working days", "O1",
         {"Unit of measure": "%", "Source system": "Claims data warehouse"},
         history=(62, 63, 63.5, 64, 65, 65.5, 66, 67, 68, 68.5, 69, 70)),
    Item("K2", "KPI", "Average days from claim to decision", "O1",
         {"Unit of measure": "days", "Source system": "Claims data warehouse"},
         history=(14, 13.8, 13.9, 13.5, 13.2, 13, 12.8, 12.9, 12.5, 12.3, 12, 11.8)),
    Item("K3", "KPI", "Green-skills course completions (rolling 12 months)", "O2",
         {"Unit of measure": "people", "Source system": "College returns"},
         history=(1200, 1260, 1350, 1400, 1480, 1600, 1650, 1700, 1820, 1900, 1950, 2050)),
    Item("K4", "KPI", "Services completed fully online", "O3",
         {"Unit of measure": "%", "Source system": "Web analytics"},
         history=(38, 38, 38.5, 39, 39, 39.2, 39.5, 40, 40, 40.2, 40.5, 41)),
    Item("K5", "KPI", "Online service satisfaction", "O3", {"Unit of measure": "score"}),
    _epic("E1", "I1", "Automate straightforward claims", "priya", "K1",
          (62, -365, 80, 420, "Up"),
          case="Four in ten claims need no judgement: a rules engine decides them the day "
          "they arrive, freeing assessors for the rest.",
          resourcing="12 FTE; $4.2M over two years",
          success="80% of claims decided within ten working days",
          partners="Claims operations -> regional processing centres -> assessors; "
          "IT supplier for the rules engine"),
    _epic("E2", "I1", "Triage team for complex claims", "tom", "K2",
          (14, -365, 9, 300, "Down"),
          case="Complex claims wait in the same queue as simple ones; a triage team routes "
          "them to specialists on day one.",
          resourcing="6 FTE seconded from the regions",
          success="Average decision in nine days",
          partners="Triage team -> specialist assessors"),
    _epic("E3", "I1", "Modernise the claims portal", "luis", "K1",
          case="The portal is ten years old."),
    _epic("E4", "I2", "Fund college places in green skills", "priya", "K3",
          (1200, -365, 6000, 240, "Up"),
          case="Colleges have waiting lists; funded places turn them into completions.",
          resourcing="$18M grant programme",
          success="6,000 completions a year",
          partners="Department -> colleges -> course leaders"),
    _epic("E5", "I2", "Match employers with apprentices", "tom", "K3",
          (None, None, 3000, 500, "Up"),
          case="Employers cannot find trainees; a matching service finds them.",
          resourcing="Existing employer-services team"),
    _epic("E6", "I3", "Single sign-on for all services", "aiko", "K4",
          (38, -365, 75, 200, "Up"),
          resourcing="Digital platform team (8 FTE)",
          success="Three in four services completed online"),
    _epic("E7", "I3", "Rewrite service content in plain language", None, "K5"),
    Item("R1", "Risk", "Rules engine supplier late", "E1",
         {"Mitigation plan": "Fixed-price contract with weekly delivery reviews"}),
    Item("R2", "Risk", "Colleges lack instructors", "E4",
         {"Mitigation plan": "Fund instructor training from the same grant"}),
    Item("R3", "Risk", "Identity provider outage", "E6"),
    Item("T1", "Task", "Renew the portfolio dashboard licence", None, {"duedate": 30}),
    Item("T2", "Bug", "Claims report shows last month twice", None),
    Item("T3", "Task", "Book the quarterly portfolio review room", None, {"duedate": 10}),
)
# Stories (milestones) of each Epic: (summary, due in days from the anchor, done).
STORIES: dict[str, tuple[tuple[str, int, bool], ...]] = {
    "E1": (("Rules for the five simplest claim types", -200, True),
           ("Rules engine in production", -60, True),
           ("Second wave of claim types", 90, False)),
    "E2": (("Triage team recruited", -150, True),
           ("Routing rules agreed with the regions", -20, False)),
    "E3": (("Portal discovery", -100, True),),
    "E4": (("Grant round one awarded", -180, True),
           ("Grant round two awarded", -30, True),
           ("Instructor training funded", 60, False)),
    "E5": (("Employer sign-up page", -90, True),
           ("First 100 matches", 45, False)),
    "E6": (("Identity provider chosen", -160, True),
           ("Five services on single sign-on", -40, False),
           ("All services on single sign-on", 150, False)),
    "E7": (("Style guide published", 30, False),),
}
# fmt: on


def seed_typical(store: Store, anchor: date, email: str, admin_name: str) -> dict[str, Any]:
    """Writes the site: scheme, people and issues; returns {"keys": ref -> issue key}."""
    admin = ensure_user(store, email, admin_name)
    people = {ref: ensure_user(store, mail, name) for ref, (mail, name) in PEOPLE.items()}
    with store.write() as conn:
        _scheme(conn, admin)
        writer = _Writer(conn, store)
        items = [*ITEMS, *_stories()]
        ids = {item.ref: writer.next_issue + n for n, item in enumerate(items)}
        setup = anchor - timedelta(days=400)
        for num, item in enumerate(items, start=1):
            _issue(writer, item, num, anchor, setup, people, ids, admin)
        for item in items:
            for other in item.relates:
                writer.link(ids[item.ref], ids[other], RELATES)
        writer.flush()
    keys = {item.ref: f"{PROJECT[1]}-{n}" for n, item in enumerate(items, start=1)}
    summary = {"keys": keys}
    store.set_meta("jira.typical", json.dumps(summary))
    return summary


def typical_summary(store: Store) -> dict[str, Any]:
    """What `seed_typical` returned: {"keys": ref -> issue key} ({} on another seed)."""
    meta = store.get_meta("jira.typical")
    return json.loads(meta) if meta else {"keys": {}}


def _scheme(conn: sqlite3.Connection, admin: str) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO jira_projects (id, key, name, lead) VALUES (?, ?, ?, ?)",
        (*PROJECT, admin),
    )
    for offset, (name, level, description) in enumerate(ISSUE_TYPES):
        conn.execute(
            "INSERT OR IGNORE INTO jira_issue_types VALUES (?, ?, ?, ?)",
            (10000 + offset, name, description, level),
        )
    conn.executemany("INSERT OR IGNORE INTO jira_statuses VALUES (?, ?, ?)", STATUSES)
    conn.executemany("INSERT OR IGNORE INTO jira_link_types VALUES (?, ?, ?, ?)", LINK_TYPES)
    option_id = 10100
    for offset, (name, kind) in enumerate(FIELDS):
        fid = f"customfield_{10020 + offset}"
        conn.execute(
            "INSERT OR IGNORE INTO jira_fields (id, name, kind, custom_id) VALUES (?, ?, ?, ?)",
            (fid, name, kind, 10020 + offset),
        )
        for position, value in enumerate(OPTIONS.get(name, ())):
            conn.execute(
                "INSERT OR IGNORE INTO jira_options VALUES (?, ?, ?, ?)",
                (option_id, fid, value, position),
            )
            option_id += 1


def _stories() -> list[Item]:
    return [
        Item(f"{epic}-S{n}", "Story", summary, epic, {"duedate": due}, "Done" if done else "To Do")
        for epic, stories in STORIES.items()
        for n, (summary, due, done) in enumerate(stories, start=1)
    ]


def _issue(
    writer: _Writer,
    item: Item,
    num: int,
    anchor: date,
    setup: date,
    people: dict[str, str],
    ids: dict[str, int],
    admin: str,
) -> None:
    """One issue, its KPI history as changes of "Actual", and Done as a status move."""
    doc: dict[str, Any] = {"summary": item.summary, "reporter": admin, "creator": admin}
    for name, value in item.fields.items():
        doc.update(_stored(writer, name, value, anchor, people))
    if item.parent:
        doc["parent"] = ids[item.parent]
    created = at(setup, num)
    events: list[tuple[str, list[dict[str, Any]]]] = []
    actual = writer.field_id("Actual")
    previous: str | None = None
    for back, value in zip(range(len(item.history), 0, -1), item.history, strict=True):
        shown = number_text(value)
        change = change_item("Actual", "custom", actual, (None, previous), (None, shown))
        events.append((at(anchor - timedelta(days=30 * back), num), [change]))
        doc[actual], previous = value, shown
    if item.status == "Done":
        moved = at(min(anchor - timedelta(days=1), _due(doc, anchor)), num)
        doc["statuscategorychangedate"] = moved
        todo, done = writer.statuses["To Do"][0], writer.statuses["Done"][0]
        events.append((moved, [status_change((todo, "To Do"), (done, "Done"))]))
    updated = max([created, *(when for when, _items in events)])
    issue_id = writer.issue(PROJECT, num, item.type, item.status, created, updated, doc)
    for when, items in sorted(events, key=lambda event: event[0]):
        writer.history(issue_id, when, doc["reporter"], items)


def _due(doc: dict[str, Any], anchor: date) -> date:
    due = doc.get("duedate")
    return date.fromisoformat(due) if isinstance(due, str) else anchor - timedelta(days=7)


def _stored(
    writer: _Writer, name: str, value: Any, anchor: date, people: dict[str, str]
) -> dict[str, Any]:
    """A field value in its stored form: day offsets become dates, people account ids."""
    if name == "assignee":
        return {"assignee": people[value]}
    if name == "duedate":
        return {"duedate": (anchor + timedelta(days=value)).isoformat()}
    fid, kind = writer.fields[name]
    if kind == "user":
        return {fid: people[value]}
    if kind == "date":
        return {fid: (anchor + timedelta(days=value)).isoformat()}
    return {fid: writer.stored(name, value, people)}
