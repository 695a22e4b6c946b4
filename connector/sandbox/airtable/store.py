"""SQLite tables (prefix `at_`), ids and schema objects behind the sandbox's Airtable API.

Cells are stored by field id in a canonical form: text and numbers as given, dates as
`YYYY-MM-DD`, date-times as ISO with `Z`, select values as choice ids, links as record ids and
collaborators as user ids, so that renaming a choice or a user changes every record at once.
Every function here expects the caller to hold the API's lock.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ALPHABET = string.ascii_letters + string.digits
COMPUTED_TYPES = frozenset(
    {
        "autoNumber",
        "count",
        "createdBy",
        "createdTime",
        "formula",
        "lastModifiedBy",
        "lastModifiedTime",
        "multipleLookupValues",
        "rollup",
    }
)

DDL = """
CREATE TABLE IF NOT EXISTS at_bases (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS at_tables (
    id TEXT PRIMARY KEY, base_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
    primary_field_id TEXT NOT NULL, view_id TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS at_fields (
    id TEXT PRIMARY KEY, table_id TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
    options TEXT, description TEXT, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS at_collaborators (
    base_id TEXT NOT NULL, id TEXT NOT NULL, email TEXT NOT NULL, name TEXT NOT NULL,
    PRIMARY KEY (base_id, id));
CREATE TABLE IF NOT EXISTS at_records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, table_id TEXT NOT NULL,
    created TEXT NOT NULL, modified TEXT NOT NULL, cells TEXT NOT NULL, cell_times TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS at_records_by_table ON at_records (table_id, seq);
"""


class AirtableError(Exception):
    """An error the API answers with: HTTP status, Airtable's error type and message."""

    def __init__(self, status: int, error_type: str, message: str | None = None) -> None:
        super().__init__(f"{status} {error_type}: {message}")
        self.status = status
        self.error_type = error_type
        self.message = message

    def body(self) -> dict[str, Any]:
        if self.message is None:
            return {"error": self.error_type}
        return {"error": {"type": self.error_type, "message": self.message}}


def new_id(prefix: str) -> str:
    """A fresh Airtable-style id: the prefix and 14 letters or digits."""
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(14))


def stable_id(prefix: str, *parts: str) -> str:
    """An id derived from names, so that a seed gives the same ids on every run."""
    number = int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest(), "big")
    digits = []
    for _ in range(14):
        number, index = divmod(number, len(ALPHABET))
        digits.append(ALPHABET[index])
    return prefix + "".join(digits)


def iso(moment: datetime) -> str:
    """Airtable's date-time form: UTC, milliseconds, `Z`."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class FieldDef:
    id: str
    name: str
    type: str
    options: dict[str, Any] | None = None
    description: str | None = None

    @property
    def computed(self) -> bool:
        return self.type in COMPUTED_TYPES

    def choices(self) -> list[dict[str, Any]]:
        return list((self.options or {}).get("choices", []))

    def meta(self) -> dict[str, Any]:
        """The field as the meta API shows it."""
        shown: dict[str, Any] = {"type": self.type, "id": self.id, "name": self.name}
        if self.description:
            shown["description"] = self.description
        if self.options is not None:  # keys with "_" are the sandbox's own (a rollup's function)
            shown["options"] = {k: v for k, v in self.options.items() if not k.startswith("_")}
        return shown


@dataclass
class TableDef:
    id: str
    base_id: str
    name: str
    primary_field_id: str
    view_id: str
    description: str | None = None
    fields: list[FieldDef] = field(default_factory=list)

    def field(self, name_or_id: str) -> FieldDef | None:
        for candidate in self.fields:
            if name_or_id in (candidate.name, candidate.id):
                return candidate
        return None

    def column(self, name_or_id: str) -> FieldDef:
        """The field, which the caller knows exists (KeyError names it otherwise)."""
        found = self.field(name_or_id)
        if found is None:
            raise KeyError(f"{self.name}.{name_or_id}")
        return found

    @property
    def primary(self) -> FieldDef:
        found = self.field(self.primary_field_id)
        assert found is not None
        return found

    def meta(self, visible_field_ids: bool = False) -> dict[str, Any]:
        view: dict[str, Any] = {"id": self.view_id, "name": "Grid view", "type": "grid"}
        if visible_field_ids:
            view["visibleFieldIds"] = [each.id for each in self.fields]
        shown: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.description:
            shown["description"] = self.description
        shown |= {
            "primaryFieldId": self.primary_field_id,
            "fields": [each.meta() for each in self.fields],
            "views": [view],
        }
        return shown


@dataclass
class BaseDef:
    id: str
    name: str
    tables: list[TableDef] = field(default_factory=list)

    def table(self, name_or_id: str) -> TableDef | None:
        for candidate in self.tables:
            if name_or_id in (candidate.name, candidate.id):
                return candidate
        return None

    def table_by_id(self, table_id: str) -> TableDef:
        found = next((each for each in self.tables if each.id == table_id), None)
        assert found is not None, table_id
        return found


class StoredRecord:
    """A stored record; its cells (and their change times) are decoded on first use, so a
    filter on the record's own times never pays for JSON it does not read."""

    __slots__ = ("_cells", "_times", "created", "id", "modified", "table_id")

    def __init__(
        self,
        record_id: str,
        table_id: str,
        created: str,
        modified: str,
        cells: dict[str, Any] | str,
        cell_times: dict[str, str] | str,
    ) -> None:
        self.id = record_id
        self.table_id = table_id
        self.created = created
        self.modified = modified
        self._cells = cells
        self._times = cell_times

    @property
    def cells(self) -> dict[str, Any]:
        if isinstance(self._cells, str):
            self._cells = json.loads(self._cells)
        assert isinstance(self._cells, dict)
        return self._cells

    @cells.setter
    def cells(self, value: dict[str, Any]) -> None:
        self._cells = value

    @property
    def cell_times(self) -> dict[str, str]:
        if isinstance(self._times, str):
            self._times = json.loads(self._times)
        assert isinstance(self._times, dict)
        return self._times

    @cell_times.setter
    def cell_times(self, value: dict[str, str]) -> None:
        self._times = value


@dataclass
class Collaborator:
    id: str
    email: str
    name: str

    def shown(self) -> dict[str, str]:
        return {"id": self.id, "email": self.email, "name": self.name}


class Store:
    """Reads and writes the `at_` tables; schema objects are cached until the schema changes."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        for statement in DDL.split(";"):
            if statement.strip():
                conn.execute(statement)
        self._bases: dict[str, BaseDef] = {}

    # ------------------------------------------------------------ schema

    def base_ids(self) -> list[tuple[str, str]]:
        return list(self.conn.execute("SELECT id, name FROM at_bases ORDER BY position, id"))

    def base(self, base_id: str) -> BaseDef | None:
        if base_id not in self._bases:
            row = self.conn.execute("SELECT id, name FROM at_bases WHERE id = ?", (base_id,))
            found = row.fetchone()
            if found is None:
                return None
            self._bases[base_id] = self._load_base(*found)
        return self._bases[base_id]

    def _load_base(self, base_id: str, name: str) -> BaseDef:
        base = BaseDef(base_id, name)
        tables = self.conn.execute(
            "SELECT id, name, primary_field_id, view_id, description FROM at_tables"
            " WHERE base_id = ? ORDER BY position",
            (base_id,),
        )
        for table_id, table_name, primary, view, description in tables.fetchall():
            table = TableDef(table_id, base_id, table_name, primary, view, description)
            rows = self.conn.execute(
                "SELECT id, name, type, options, description FROM at_fields"
                " WHERE table_id = ? ORDER BY position",
                (table_id,),
            )
            for field_id, field_name, kind, options, about in rows:
                loaded = json.loads(options) if options is not None else None
                table.fields.append(FieldDef(field_id, field_name, kind, loaded, about))
            base.tables.append(table)
        return base

    def add_base(self, base_id: str, name: str) -> None:
        position = self.conn.execute("SELECT COUNT(*) FROM at_bases").fetchone()[0]
        self.conn.execute("INSERT INTO at_bases VALUES (?, ?, ?)", (base_id, name, position))
        self._bases.pop(base_id, None)

    def add_table(self, table: TableDef) -> None:
        count = "SELECT COUNT(*) FROM at_tables WHERE base_id = ?"
        position = self.conn.execute(count, (table.base_id,)).fetchone()[0]
        self.conn.execute(
            "INSERT INTO at_tables VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                table.id,
                table.base_id,
                table.name,
                table.description,
                table.primary_field_id,
                table.view_id,
                position,
            ),
        )
        for each in table.fields:
            self.add_field(table.base_id, table.id, each)

    def add_field(self, base_id: str, table_id: str, added: FieldDef) -> None:
        count = "SELECT COUNT(*) FROM at_fields WHERE table_id = ?"
        position = self.conn.execute(count, (table_id,)).fetchone()[0]
        options = json.dumps(added.options) if added.options is not None else None
        self.conn.execute(
            "INSERT INTO at_fields VALUES (?, ?, ?, ?, ?, ?, ?)",
            (added.id, table_id, added.name, added.type, options, added.description, position),
        )
        self._bases.pop(base_id, None)

    def save_field(self, base_id: str, changed: FieldDef) -> None:
        options = json.dumps(changed.options) if changed.options is not None else None
        self.conn.execute(
            "UPDATE at_fields SET name = ?, options = ?, description = ? WHERE id = ?",
            (changed.name, options, changed.description, changed.id),
        )
        self._bases.pop(base_id, None)

    def forget(self) -> None:
        """Drop cached schema objects (after a failed request changed one in memory)."""
        self._bases.clear()

    def clear(self) -> None:
        for table in ("at_records", "at_fields", "at_tables", "at_collaborators", "at_bases"):
            self.conn.execute(f"DELETE FROM {table}")
        self._bases.clear()

    # ------------------------------------------------------------ collaborators

    def add_collaborator(self, base_id: str, person: Collaborator) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO at_collaborators VALUES (?, ?, ?, ?)",
            (base_id, person.id, person.email, person.name),
        )

    def collaborators(self, base_id: str) -> dict[str, Collaborator]:
        rows = self.conn.execute(
            "SELECT id, email, name FROM at_collaborators WHERE base_id = ?", (base_id,)
        )
        return {row[0]: Collaborator(*row) for row in rows}

    # ------------------------------------------------------------ records

    def records(self, table_id: str, ids: Iterable[str] | None = None) -> Iterator[StoredRecord]:
        """A table's records in creation order, or the given ones (missing ids are skipped)."""
        select = "SELECT id, table_id, created, modified, cells, cell_times FROM at_records"
        if ids is None:
            rows = self.conn.execute(f"{select} WHERE table_id = ? ORDER BY seq", (table_id,))
        else:
            wanted = list(ids)
            # by the unique id alone: with `table_id = ?` too, SQLite scans the table's index
            query = f"{select} WHERE id IN ({','.join('?' * len(wanted))})"
            found = {row[0]: row for row in self.conn.execute(query, wanted) if row[1] == table_id}
            rows = (found[each] for each in wanted if each in found)  # type: ignore[assignment]
        for rid, tid, created, modified, cells, times in rows:
            yield StoredRecord(rid, tid, created, modified, cells, times)

    def record_ids(self, table_id: str) -> list[str]:
        query = "SELECT id FROM at_records WHERE table_id = ? ORDER BY seq"
        return [row[0] for row in self.conn.execute(query, (table_id,))]

    def insert(self, record: StoredRecord) -> None:
        self.conn.execute(
            "INSERT INTO at_records (id, table_id, created, modified, cells, cell_times)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                record.id,
                record.table_id,
                record.created,
                record.modified,
                json.dumps(record.cells),
                json.dumps(record.cell_times),
            ),
        )

    def save(self, record: StoredRecord) -> None:
        self.conn.execute(
            "UPDATE at_records SET modified = ?, cells = ?, cell_times = ? WHERE id = ?",
            (record.modified, json.dumps(record.cells), json.dumps(record.cell_times), record.id),
        )

    def delete(self, record_ids: list[str]) -> None:
        marks = ",".join("?" * len(record_ids))
        self.conn.execute(f"DELETE FROM at_records WHERE id IN ({marks})", record_ids)

    def referencing(self, table_id: str, record_id: str) -> Iterator[StoredRecord]:
        """Records of a table whose cells mention a record id (candidates for unlinking)."""
        query = (
            "SELECT id, table_id, created, modified, cells, cell_times FROM at_records"
            " WHERE table_id = ? AND instr(cells, ?) > 0"
        )
        for rid, tid, created, modified, cells, times in self.conn.execute(
            query, (table_id, json.dumps(record_id))
        ).fetchall():
            yield StoredRecord(rid, tid, created, modified, cells, times)
