"""How each Airtable field type takes a written value, shows it, and feeds it to a formula.

One `Cells` object serves one request: it checks and converts written values (with or without
`typecast`), renders stored cells the way the API returns them, and gives formulas typed
values. Error types and wording follow what the real API answers (422 with
INVALID_VALUE_FOR_COLUMN, INVALID_MULTIPLE_CHOICE_OPTIONS, ROW_DOES_NOT_EXIST).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from connector.sandbox.airtable.formula_functions import EvalError, Value, parse_datetime
from connector.sandbox.airtable.store import (
    AirtableError,
    BaseDef,
    Collaborator,
    FieldDef,
    Store,
    StoredRecord,
    iso,
    new_id,
)

TEXT_TYPES = frozenset(
    {"singleLineText", "multilineText", "richText", "email", "url", "phoneNumber", "barcode"}
)
NUMBER_TYPES = frozenset({"number", "percent", "currency", "rating", "duration"})
COMPUTED = frozenset({"formula", "multipleLookupValues", "rollup"})  # see computed.py
PALETTE = (
    "blueLight2",
    "cyanLight2",
    "tealLight2",
    "greenLight2",
    "yellowLight2",
    "orangeLight2",
    "redLight2",
    "pinkLight2",
    "purpleLight2",
    "grayLight2",
)


def _cannot_parse(column: FieldDef, value: Any) -> AirtableError:
    shown = json.dumps(value) if not isinstance(value, str) else f'"{value}"'
    return AirtableError(
        422, "INVALID_VALUE_FOR_COLUMN", f"Cannot parse value {shown} for field {column.name}"
    )


def _as_number(column: FieldDef, value: Any, typecast: bool) -> float | int:
    if isinstance(value, bool):
        raise _cannot_parse(column, value)
    if isinstance(value, int | float) and math.isfinite(value):
        return value
    if typecast and isinstance(value, str):
        try:
            number = float(value.replace(",", "").strip())
        except ValueError:
            raise _cannot_parse(column, value) from None
        return int(number) if number.is_integer() else number
    raise _cannot_parse(column, value)


def _as_moment(column: FieldDef, value: Any) -> datetime:
    if not isinstance(value, str):
        raise _cannot_parse(column, value)
    try:
        return parse_datetime(value)
    except EvalError:
        raise _cannot_parse(column, value) from None


def _as_checkbox(column: FieldDef, value: Any, typecast: bool) -> bool:
    if isinstance(value, bool):
        return value
    if typecast and isinstance(value, str | int | float):
        return str(value).strip().lower() in {"true", "1", "yes", "checked", "x"}
    raise _cannot_parse(column, value)


def _write_attachments(column: FieldDef, value: Any) -> list[dict[str, Any]]:
    """Attachments written by public URL (Airtable fetches the file; the sandbox keeps the
    address), or kept by the id of one the cell holds."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _cannot_parse(column, value)
    kept = []
    for item in value:
        url = item.get("url")
        if not isinstance(url, str) and not isinstance(item.get("id"), str):
            raise _cannot_parse(column, value)
        name = item.get("filename") or (url.rsplit("/", 1)[-1] if isinstance(url, str) else "")
        kept.append({"id": item.get("id") or new_id("att"), "url": url, "filename": name})
    return kept


def _as_text(column: FieldDef, value: Any, typecast: bool) -> str:
    if isinstance(value, str):
        return value
    if typecast and isinstance(value, int | float | bool):
        return json.dumps(value)
    raise _cannot_parse(column, value)


class Cells:
    """Value conversion for one request against one base."""

    def __init__(self, store: Store, base: BaseDef, now: datetime, typecast: bool = False) -> None:
        self.store = store
        self.base = base
        self.typecast = typecast
        self.now = now  # what a formula field's NOW() and TODAY() read
        self.changed_fields: dict[str, FieldDef] = {}
        self._people: dict[str, Collaborator] | None = None
        self._names: dict[str, dict[str, str]] = {}

    @property
    def people(self) -> dict[str, Collaborator]:
        if self._people is None:
            self._people = self.store.collaborators(self.base.id)
        return self._people

    def primary_names(self, table_id: str) -> dict[str, str]:
        """Record id -> primary field text, for a linked table (loaded once per request)."""
        if table_id not in self._names:
            primary = self.base.table_by_id(table_id).primary
            self._names[table_id] = {
                record.id: str(record.cells.get(primary.id, ""))
                for record in self.store.records(table_id)
            }
        return self._names[table_id]

    # ------------------------------------------------------------ writing

    def write(self, column: FieldDef, value: Any) -> Any:
        """The canonical cell for a written value; None clears the cell."""
        if column.computed:
            raise AirtableError(
                422,
                "INVALID_VALUE_FOR_COLUMN",
                f'Field "{column.name}" cannot accept a value because the field is computed',
            )
        if value is None or value == "" or value == []:
            return None
        kind = column.type
        if kind in TEXT_TYPES:
            return _as_text(column, value, self.typecast)
        if kind in NUMBER_TYPES:
            return _as_number(column, value, self.typecast)
        if kind == "checkbox":
            return _as_checkbox(column, value, self.typecast) or None
        if kind == "date":
            return _as_moment(column, value).date().isoformat()
        if kind == "dateTime":
            return iso(_as_moment(column, value))
        if kind in {"singleSelect", "multipleSelects"}:
            return self._write_select(column, value)
        if kind == "multipleRecordLinks":
            return self._write_links(column, value)
        if kind in {"multipleCollaborators", "singleCollaborator"}:
            return self._write_people(column, value)
        if kind == "multipleAttachments":
            return _write_attachments(column, value)
        raise _cannot_parse(column, value)

    def _write_select(self, column: FieldDef, value: Any) -> Any:
        many = column.type == "multipleSelects"
        if many and self.typecast and isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        names = value if many else [value]
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise _cannot_parse(column, value)
        chosen = [self._choice(column, name) for name in names]
        return list(dict.fromkeys(chosen)) if many else chosen[0]

    def _choice(self, column: FieldDef, name: str) -> str:
        for choice in column.choices():
            if name in (choice["name"], choice["id"]):
                return str(choice["id"])
        if not self.typecast:
            raise AirtableError(
                422,
                "INVALID_MULTIPLE_CHOICE_OPTIONS",
                f'Insufficient permissions to create new select option ""{name}""',
            )
        choices = column.choices()
        added = {"id": new_id("sel"), "name": name, "color": PALETTE[len(choices) % 10]}
        column.options = {**(column.options or {}), "choices": [*choices, added]}
        self.changed_fields[column.id] = column
        return str(added["id"])

    def _write_links(self, column: FieldDef, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(each, str) for each in value):
            if not (self.typecast and isinstance(value, str)):
                raise AirtableError(
                    422, "INVALID_VALUE_FOR_COLUMN", "Value is not an array of record IDs."
                )
            value = [value]
        linked_table = str((column.options or {})["linkedTableId"])
        found = {record.id for record in self.store.records(linked_table, value)}
        linked: list[str] = []
        for each in value:
            if each not in found and self.typecast:
                names = self.primary_names(linked_table)
                each = next((rid for rid, name in names.items() if name == each), each)
                found |= set(names)
            if each not in found:
                raise AirtableError(
                    422,
                    "ROW_DOES_NOT_EXIST",
                    f"Record ID {each} does not exist in table {linked_table}",
                )
            linked.append(each)
        return list(dict.fromkeys(linked))

    def _write_people(self, column: FieldDef, value: Any) -> Any:
        many = column.type == "multipleCollaborators"
        items = value if many else [value]
        if not isinstance(items, list):
            raise _cannot_parse(column, value)
        ids = [self._person(column, item) for item in items]
        return list(dict.fromkeys(ids)) if many else ids[0]

    def _person(self, column: FieldDef, item: Any) -> str:
        if isinstance(item, str) and self.typecast:
            item = {"email": item} if "@" in item else {"id": item}
        if isinstance(item, dict):
            for person in self.people.values():
                if item.get("id") == person.id or (
                    item.get("email") and str(item["email"]).lower() == person.email.lower()
                ):
                    return person.id
        raise AirtableError(
            422,
            "INVALID_VALUE_FOR_COLUMN",
            f"Cannot parse value {json.dumps(item)} for field {column.name}:"
            " not a collaborator of this base",
        )

    # ------------------------------------------------------------ reading

    def show(self, column: FieldDef, record: StoredRecord) -> Any:
        """The cell as the API returns it; None means the field is left out."""
        if column.type == "lastModifiedTime":
            return self._last_modified(column, record)
        if column.type == "createdTime":
            return record.created
        if column.type in COMPUTED:
            from connector.sandbox.airtable import computed  # it renders through `show`

            return computed.show(self, column, record)
        cell = record.cells.get(column.id)
        if cell is None:
            return None
        if column.type in {"singleSelect", "multipleSelects"}:
            names = {choice["id"]: choice["name"] for choice in column.choices()}
            if column.type == "singleSelect":
                return names.get(cell)
            return [names[each] for each in cell if each in names] or None
        if column.type == "multipleCollaborators":
            shown = [self.people[each].shown() for each in cell if each in self.people]
            return shown or None
        if column.type == "singleCollaborator":
            return self.people[cell].shown() if cell in self.people else None
        return cell

    def _last_modified(self, column: FieldDef, record: StoredRecord) -> str:
        watched = (column.options or {}).get("referencedFieldIds") or []
        times = [record.cell_times[each] for each in watched if each in record.cell_times]
        return max(times) if watched and times else record.modified

    def typed(self, column: FieldDef, record: StoredRecord) -> Value:
        """The cell as a formula sees it: numbers, text, aware date-times, or None."""
        shown = self.show(column, record)
        if shown is None:
            return None
        kind = column.type
        if kind in COMPUTED:
            if isinstance(shown, dict):  # {"error": "#ERROR!"} or {"specialValue": ...}
                raise EvalError(f"{column.name} is an error")
            if isinstance(shown, list):  # a formula sees a lookup's values as one text
                return ", ".join(str(each) for each in shown)
            kind = str(((column.options or {}).get("result") or {}).get("type"))
        if kind in {"date", "dateTime", "lastModifiedTime", "createdTime"}:
            return parse_datetime(str(shown))
        if kind in NUMBER_TYPES:
            return float(shown)
        if kind == "checkbox":
            return bool(shown)
        if kind == "multipleRecordLinks":
            names = self.primary_names(str((column.options or {})["linkedTableId"]))
            return ", ".join(names.get(each, "") for each in shown)
        if kind == "multipleCollaborators":
            return ", ".join(person["name"] for person in shown)
        if kind == "singleCollaborator":
            return str(shown["name"])
        if isinstance(shown, list):
            return ", ".join(str(each) for each in shown)
        return str(shown)


class RowContext:
    """One record seen by a formula (see `formula_functions.RecordContext`).

    `columns` maps field names and ids to fields; build it once per table, not per record.
    """

    def __init__(
        self, cells: Cells, columns: Mapping[str, FieldDef], record: StoredRecord, now: datetime
    ) -> None:
        self._cells = cells
        self._columns = columns
        self._record = record
        self.record_id = record.id
        self.now = now

    @staticmethod
    def columns(fields: Sequence[FieldDef]) -> dict[str, FieldDef]:
        return {each.name: each for each in fields} | {each.id: each for each in fields}

    @property
    def created_time(self) -> datetime:
        return parse_datetime(self._record.created)

    def value(self, field: str) -> Value:
        return self._cells.typed(self._columns[field], self._record)

    def last_modified(self, fields: Sequence[str]) -> datetime:
        if not fields:
            return parse_datetime(self._record.modified)
        times = self._record.cell_times
        stamps = [times[key] for key in (self._columns[name].id for name in fields) if key in times]
        return parse_datetime(max(stamps)) if stamps else self.created_time
