"""SQLite storage for the sandbox: one connection, one lock, and the Jira tables."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Issue documents are JSON (the field values as stored, see jira_values.py); the columns beside
# them are the ones JQL filters and sorts on, so a search never parses a document it drops.
JIRA_SCHEMA = """
CREATE TABLE IF NOT EXISTS sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jira_users (
    account_id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS jira_accounts (
    account_id TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE, role TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jira_projects (
    id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, name TEXT NOT NULL, lead TEXT,
    next_num INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS jira_issue_types (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL,
    hierarchy_level INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS jira_statuses (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, category_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS jira_fields (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, custom_id INTEGER,
    description TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS jira_options (
    id INTEGER PRIMARY KEY, field_id TEXT NOT NULL, value TEXT NOT NULL,
    position INTEGER NOT NULL, UNIQUE (field_id, value));
CREATE TABLE IF NOT EXISTS jira_link_types (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, inward TEXT NOT NULL,
    outward TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jira_issues (
    id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, project_id INTEGER NOT NULL,
    pkey TEXT NOT NULL, num INTEGER NOT NULL, type_id INTEGER NOT NULL,
    status_id INTEGER NOT NULL, category_id INTEGER NOT NULL,
    created TEXT NOT NULL, updated TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS jira_issues_by_key ON jira_issues (pkey, num);
CREATE INDEX IF NOT EXISTS jira_issues_by_updated ON jira_issues (updated);
CREATE INDEX IF NOT EXISTS jira_issues_by_created ON jira_issues (created);
CREATE INDEX IF NOT EXISTS jira_issues_by_project ON jira_issues (project_id, num);
CREATE INDEX IF NOT EXISTS jira_issues_by_type ON jira_issues (type_id);
CREATE INDEX IF NOT EXISTS jira_issues_by_status ON jira_issues (status_id);
CREATE TABLE IF NOT EXISTS jira_changelog (
    id INTEGER PRIMARY KEY, issue_id INTEGER NOT NULL, created TEXT NOT NULL,
    author TEXT NOT NULL, items TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS jira_changelog_by_issue ON jira_changelog (issue_id, created, id);
CREATE TABLE IF NOT EXISTS jira_comments (
    id INTEGER PRIMARY KEY, issue_id INTEGER NOT NULL, author TEXT NOT NULL,
    body TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS jira_comments_by_issue ON jira_comments (issue_id, id);
CREATE TABLE IF NOT EXISTS jira_comment_properties (
    comment_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (comment_id, key));
CREATE TABLE IF NOT EXISTS jira_attachments (
    id INTEGER PRIMARY KEY, issue_id INTEGER NOT NULL, author TEXT NOT NULL,
    filename TEXT NOT NULL, mime TEXT NOT NULL, size INTEGER NOT NULL, created TEXT NOT NULL,
    content BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS jira_attachments_by_issue ON jira_attachments (issue_id, id);
CREATE TABLE IF NOT EXISTS jira_links (
    id INTEGER PRIMARY KEY, type_id INTEGER NOT NULL, source_id INTEGER NOT NULL,
    target_id INTEGER NOT NULL, UNIQUE (type_id, source_id, target_id));
CREATE INDEX IF NOT EXISTS jira_links_by_target ON jira_links (target_id);
"""

# Jira Cloud numbers its objects from 10000; ids below stay recognisably "Jira-like".
FIRST_ID = 10000


class Store:
    """One SQLite connection shared by every request thread, serialised by one re-entrant lock.

    `path=None` keeps everything in memory; a file is opened in WAL mode so a crash loses at
    most the transaction in flight. The Airtable API gets `conn` and `lock` and adds its own
    `at_` tables.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(
            str(path) if path else ":memory:", check_same_thread=False, isolation_level=None
        )
        if path:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(JIRA_SCHEMA)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection, held by this thread alone for the block."""
        with self.lock:
            yield self.conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed at the end of the block, rolled back on an exception."""
        with self.lock:
            if self.conn.in_transaction:  # nested: the outer block commits
                yield self.conn
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def next_id(self, conn: sqlite3.Connection, table: str) -> int:
        """The next free id of a table whose ids start at FIRST_ID (call inside `write`)."""
        row = conn.execute(f"SELECT MAX(id) FROM {table}").fetchone()
        return max(FIRST_ID, (row[0] or 0) + 1)

    def get_meta(self, key: str) -> str | None:
        with self.read() as conn:
            row = conn.execute("SELECT value FROM sandbox_meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT INTO sandbox_meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def analyze(self) -> None:
        """Refreshes the planner's statistics, so a bulk load does not leave it guessing."""
        with self.lock:
            self.conn.execute("ANALYZE")

    def close(self) -> None:
        with self.lock:
            self.conn.close()
