"""Jira seeds: the DOMAIN.md §2 scheme ("empty"), the demo portfolio ("demo"), bulk issues."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from connector.sandbox.jira.adf import to_adf
from connector.sandbox.jira.context import change_item
from connector.sandbox.jira.values import jira_time, number_text
from connector.sandbox.seeds import portfolio
from connector.sandbox.store import Store

PROJECT = (10000, "DEL", "Results and Delivery")
# The project an out-of-scope link points into (RD902 in the demo).
OTHER_PROJECT = (10001, "OPS", "Operations Support")
LEVELS = {
    "Priority": 3,
    "Outcome": 2,
    "Indicator": 1,
    "Target": 0,
    "Strategy": 1,
    "Milestone": 0,
    "Risk": 0,
}
DESCRIPTIONS = {
    "Priority": "A government or department priority: one of the few things that matter most.",
    "Outcome": "A goal expressed as impact on citizens.",
    "Indicator": "The metric: meaningful, moveable, measurable.",
    "Target": "A SMART definition of success on one indicator.",
    "Strategy": "A bounded body of work that moves the target numbers.",
    "Milestone": "A dated step of a strategy.",
    "Risk": "A threat along the delivery chain, with its mitigation.",
}
STATUSES = ((10000, "To Do", 2), (3, "In Progress", 4), (10001, "Done", 3))
LINK_TYPES = (
    (10000, "Blocks", "is blocked by", "blocks"),
    (10003, "Relates", "relates to", "relates to"),
    (10010, "Drives", "is driven by", "drives"),
)
BLOCKS_LINK, RELATES_LINK = 10000, 10003
EPIC = (10020, "Epic")
FIRST_CUSTOM_ID = 10020
FIRST_OPTION_ID = 10100
# The hierarchy fields of Jira Data Center's apps, after the scheme's own (server mode only).
APP_FIELDS = (("Parent Link", "parentlink"), ("Epic Link", "epiclink"))
FIRST_APP_ID = 10200


def account_id(email: str) -> str:
    """A stable, realistic-looking accountId (24 hex digits) for an e-mail address."""
    return hashlib.sha1(email.lower().encode()).hexdigest()[:24]


def seed_scheme(store: Store, mode: str = "cloud") -> None:
    """Project DEL, its issue types, workflow statuses, custom fields and options, link types;
    on Data Center (`mode="server"`) also the Parent Link and Epic Link fields."""
    with store.write() as conn:
        if mode == "server":
            conn.executemany(
                "INSERT OR IGNORE INTO jira_fields (id, name, kind, custom_id) VALUES (?, ?, ?, ?)",
                [
                    (f"customfield_{FIRST_APP_ID + n}", name, kind, FIRST_APP_ID + n)
                    for n, (name, kind) in enumerate(APP_FIELDS)
                ],
            )
        add_project(conn, PROJECT)
        for offset, name in enumerate(portfolio.ISSUE_TYPES):
            conn.execute(
                "INSERT OR IGNORE INTO jira_issue_types VALUES (?, ?, ?, ?)",
                (10000 + offset, name, DESCRIPTIONS[name], LEVELS[name]),
            )
        conn.executemany("INSERT OR IGNORE INTO jira_statuses VALUES (?, ?, ?)", STATUSES)
        conn.executemany("INSERT OR IGNORE INTO jira_link_types VALUES (?, ?, ?, ?)", LINK_TYPES)
        option_id = FIRST_OPTION_ID
        for offset, (name, kind) in enumerate(portfolio.FIELDS):
            custom_id = FIRST_CUSTOM_ID + offset
            conn.execute(
                "INSERT OR IGNORE INTO jira_fields (id, name, kind, custom_id) VALUES (?, ?, ?, ?)",
                (f"customfield_{custom_id}", name, kind, custom_id),
            )
            for position, value in enumerate(portfolio.SELECT_OPTIONS.get(name, ())):
                conn.execute(
                    "INSERT OR IGNORE INTO jira_options VALUES (?, ?, ?, ?)",
                    (option_id, f"customfield_{custom_id}", value, position),
                )
                option_id += 1


def add_epic_type(conn: sqlite3.Connection) -> None:
    """The Epic issue type: the work teams plan outside the delivery architecture (the demo's
    wider scope of all work; the empty scheme has none, as the bundled mapping expects)."""
    conn.execute(
        "INSERT OR IGNORE INTO jira_issue_types VALUES (?, ?, ?, ?)",
        (EPIC[0], EPIC[1], "A large body of work a team plans.", 1),
    )


def add_project(conn: sqlite3.Connection, project: tuple[int, str, str]) -> None:
    conn.execute("INSERT OR IGNORE INTO jira_projects (id, key, name) VALUES (?, ?, ?)", project)


def ensure_user(store: Store, email: str, display_name: str, account: str | None = None) -> str:
    """Adds a user unless one with this e-mail exists; returns the user's accountId."""
    with store.write() as conn:
        row = conn.execute("SELECT account_id FROM jira_users WHERE email = ?", (email,)).fetchone()
        if row:
            return str(row[0])
        account = account or account_id(email)
        conn.execute(
            "INSERT INTO jira_users (account_id, email, display_name) VALUES (?, ?, ?)",
            (account, email, display_name),
        )
        conn.execute("UPDATE jira_projects SET lead = COALESCE(lead, ?)", (account,))
        return account


def set_account(store: Store, account: str, token: str, role: str) -> None:
    """Lets a user sign in with `token` (their API token, or Data Center password and personal
    access token) in `role`: admin, project-admin or user."""
    with store.write() as conn:
        conn.execute(
            "DELETE FROM jira_accounts WHERE token = ? AND account_id <> ?", (token, account)
        )
        conn.execute(
            "INSERT INTO jira_accounts (account_id, token, role) VALUES (?, ?, ?) "
            "ON CONFLICT (account_id) DO UPDATE SET token = excluded.token, role = excluded.role",
            (account, token, role),
        )


class _Writer:
    """Inserts issues, histories and links straight into the tables (seeding, not the API).

    `mode="server"` writes what Data Center holds: paragraphs as wiki markup, and parents in
    Parent Link (from the Epic level up) or Epic Link (from the story level)."""

    def __init__(self, conn: sqlite3.Connection, store: Store, mode: str = "cloud") -> None:
        self.conn = conn
        self.mode = mode
        self.fields = {
            name: (fid, kind)
            for fid, name, kind in conn.execute("SELECT id, name, kind FROM jira_fields")
        }
        self.options = {
            (fid, value): str(oid)
            for oid, fid, value in conn.execute("SELECT id, field_id, value FROM jira_options")
        }
        self.types = {
            name: tid for tid, name in conn.execute("SELECT id, name FROM jira_issue_types")
        }
        self.levels = dict(conn.execute("SELECT name, hierarchy_level FROM jira_issue_types"))
        self.statuses = {
            name: (sid, cat)
            for sid, name, cat in conn.execute("SELECT id, name, category_id FROM jira_statuses")
        }
        self.next_issue = store.next_id(conn, "jira_issues")
        self.next_history = store.next_id(conn, "jira_changelog")
        self.next_link = store.next_id(conn, "jira_links")
        self.issues: list[tuple[Any, ...]] = []
        self.histories: list[tuple[Any, ...]] = []
        self.links: list[tuple[Any, ...]] = []

    def field_id(self, name: str) -> str:
        return self.fields[name][0]

    def stored(self, name: str, value: Any, people: dict[str, str]) -> Any:
        """A portfolio value (plain Python) in the stored form of its custom field."""
        fid, kind = self.fields[name]
        if kind == "users":
            return [people[ref] for ref in value] or None
        if kind == "select":
            return self.options[(fid, str(value))]
        if kind == "paragraph":
            if self.mode == "server":
                return wiki_markup(value)
            lines = (
                [f"{d.isoformat()}: {number_text(v)}" for d, v in value]
                if isinstance(value, list)
                else [str(value)]
            )
            return to_adf("\n".join(lines))
        if kind == "date":
            return value.isoformat()
        if kind == "datetime":
            return jira_time(value)
        return value

    def place(self, doc: dict[str, Any], type_name: str, parent_id: int) -> None:
        """Name an issue's parent as the site keeps it: Cloud's `parent`; on Data Center the
        Epic Link of a story-level issue, the Parent Link of an Epic-level one or above."""
        if self.mode != "server":
            doc["parent"] = parent_id
        elif self.levels[type_name] == 0:
            doc[self.field_id("Epic Link")] = parent_id
        else:
            doc[self.field_id("Parent Link")] = parent_id

    def issue(
        self,
        project: tuple[int, str, str],
        num: int,
        type_name: str,
        status: str,
        created: str,
        updated: str,
        doc: dict[str, Any],
    ) -> int:
        issue_id = self.next_issue
        self.next_issue += 1
        status_id, category = self.statuses[status]
        doc.setdefault("statuscategorychangedate", created)
        self.issues.append(
            (
                issue_id,
                f"{project[1]}-{num}",
                project[0],
                project[1],
                num,
                self.types[type_name],
                status_id,
                category,
                created,
                updated,
                json.dumps(doc),
            )
        )
        return issue_id

    def history(
        self, issue_id: int, created: str, author: str, items: list[dict[str, Any]]
    ) -> None:
        self.histories.append((self.next_history, issue_id, created, author, json.dumps(items)))
        self.next_history += 1

    def link(self, source: int, target: int, type_id: int = 10010) -> None:
        self.links.append((self.next_link, type_id, source, target))
        self.next_link += 1

    def flush(self) -> None:
        self.conn.executemany(
            "INSERT INTO jira_issues VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.issues
        )
        self.conn.executemany("INSERT INTO jira_changelog VALUES (?, ?, ?, ?, ?)", self.histories)
        self.conn.executemany("INSERT OR IGNORE INTO jira_links VALUES (?, ?, ?, ?)", self.links)
        for pkey, top in {(row[3], row[4]) for row in self.issues}:
            self.conn.execute(
                "UPDATE jira_projects SET next_num = MAX(next_num, ?) WHERE key = ?",
                (top + 1, pkey),
            )


def wiki_markup(value: Any) -> str:
    """A portfolio paragraph as a Data Center user types it: intermediate targets as a
    numbered list with the dates in bold, other text as it is."""
    if isinstance(value, list):
        return "\n".join(f"# *{d.isoformat()}*: {number_text(v)}" for d, v in value)
    return str(value)


def at(day: date, minutes: int = 0) -> str:
    """A seeded moment: 09:00 UTC on `day`, plus minutes (keeps same-day events ordered)."""
    moment = datetime.combine(day, time(9, 0), tzinfo=UTC) + timedelta(minutes=minutes)
    return jira_time(moment)


def number_change(field_id: str, old: float | None, new: float) -> dict[str, Any]:
    """A `Current value` changelog item: a number field keeps its values only as strings."""
    before = None if old is None else number_text(old)
    return change_item(
        "Current value", "custom", field_id, (None, before), (None, number_text(new))
    )


def status_change(old: tuple[int, str], new: tuple[int, str]) -> dict[str, Any]:
    return change_item("status", "jira", "status", (str(old[0]), old[1]), (str(new[0]), new[1]))
