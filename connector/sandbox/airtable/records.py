"""Create, update (PATCH merges, PUT replaces), upsert and delete records, 10 at most a request.

Each request is checked whole before anything is written, so a bad record leaves the table
untouched, as Airtable does. A write moves a record's last-modified time (and the time of each
cell it changed) only when a value really changes; deleting a record also removes it from
the linked-record cells that pointed at it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from connector.sandbox.airtable.listing import invalid_request, render, unknown_field
from connector.sandbox.airtable.store import (
    AirtableError,
    Store,
    StoredRecord,
    TableDef,
    iso,
    new_id,
)
from connector.sandbox.airtable.values import Cells

MAX_RECORDS = 10


def _batch(body: Mapping[str, Any], verb: str, needs_id: bool) -> list[dict[str, Any]]:
    records = body.get("records")
    shape = 'an "id" string and a "fields" object' if needs_id else 'a "fields" object'
    if not isinstance(records, list) or not records:
        raise AirtableError(
            422,
            "INVALID_RECORDS",
            f"You must provide an array of up to {MAX_RECORDS} record objects, each with {shape}.",
        )
    if len(records) > MAX_RECORDS:
        raise AirtableError(
            422,
            "INVALID_RECORDS",
            f"A maximum of {MAX_RECORDS} records can be {verb} per request"
            f" but you have provided {len(records)}.",
        )
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("fields", {}), dict):
            raise AirtableError(422, "INVALID_RECORDS", f"Each record must have {shape}.")
    return records


def _reply(
    cells: Cells, table: TableDef, records: list[StoredRecord], by_id: bool
) -> list[dict[str, Any]]:
    return [render(cells, record, table.fields, by_id) for record in records]


class Writer:
    """Serves the writing requests of one sandbox."""

    def __init__(self, store: Store, now: Callable[[], datetime]) -> None:
        self.store = store
        self.now = now

    def _cells_for(
        self, cells: Cells, table: TableDef, fields: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Canonical cells by field id for written fields (None clears a cell)."""
        written: dict[str, Any] = {}
        for name, value in fields.items():
            column = table.field(name)
            if column is None:
                raise unknown_field(name)
            written[column.id] = cells.write(column, value)
        return written

    def _apply(
        self, record: StoredRecord, written: dict[str, Any], replace: bool, stamp: str
    ) -> bool:
        before = dict(record.cells)
        after = {} if replace else dict(before)
        after.update(written)
        after = {key: value for key, value in after.items() if value is not None}
        changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
        if not changed:
            return False
        record.cells = after
        record.cell_times = {**record.cell_times, **dict.fromkeys(changed, stamp)}
        record.modified = stamp
        return True

    def _new(self, table: TableDef, written: dict[str, Any], stamp: str) -> StoredRecord:
        cells = {key: value for key, value in written.items() if value is not None}
        return StoredRecord(
            new_id("rec"), table.id, stamp, stamp, cells, dict.fromkeys(cells, stamp)
        )

    def _finish(self, cells: Cells, created: list[StoredRecord], saved: list[StoredRecord]) -> None:
        for column in cells.changed_fields.values():
            self.store.save_field(cells.base.id, column)
        for record in created:
            self.store.insert(record)
        for record in saved:
            self.store.save(record)

    def _existing(self, table: TableDef, ids: list[Any]) -> dict[str, StoredRecord]:
        found = {record.id: record for record in self.store.records(table.id, map(str, ids))}
        for each in ids:
            if each not in found:
                raise AirtableError(
                    422, "ROW_DOES_NOT_EXIST", f"Record ID {each} does not exist in this table"
                )
        return found

    # ------------------------------------------------------------ endpoints

    def create(
        self,
        cells: Cells,
        table: TableDef,
        body: Mapping[str, Any],
        unlimited: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Create records; `unlimited` (fields of each record) skips the 10-a-request check."""
        by_id = bool(body.get("returnFieldsByFieldId"))
        single = "fields" in body and "records" not in body
        if unlimited is not None:
            specs = [{"fields": fields} for fields in unlimited]
        else:
            specs = [{"fields": body["fields"]}] if single else _batch(body, "created", False)
        stamp = iso(self.now())
        created = [
            self._new(table, self._cells_for(cells, table, spec.get("fields", {})), stamp)
            for spec in specs
        ]
        self._finish(cells, created, [])
        shown = _reply(cells, table, created, by_id)
        return shown[0] if single else {"records": shown}

    def update(
        self, cells: Cells, table: TableDef, body: Mapping[str, Any], replace: bool
    ) -> dict[str, Any]:
        if body.get("performUpsert") is not None:
            return self.upsert(cells, table, body, replace)
        specs = _batch(body, "updated", True)
        if not all(isinstance(spec.get("id"), str) for spec in specs):
            raise AirtableError(422, "INVALID_RECORDS", 'Each record must have an "id" string.')
        found = self._existing(table, [spec["id"] for spec in specs])
        stamp = iso(self.now())
        planned = [
            (found[spec["id"]], self._cells_for(cells, table, spec.get("fields", {})))
            for spec in specs
        ]
        saved = [
            record for record, written in planned if self._apply(record, written, replace, stamp)
        ]
        self._finish(cells, [], saved)
        by_id = bool(body.get("returnFieldsByFieldId"))
        return {"records": _reply(cells, table, [record for record, _ in planned], by_id)}

    def update_one(
        self,
        cells: Cells,
        table: TableDef,
        record_id: str,
        body: Mapping[str, Any],
        replace: bool,
    ) -> dict[str, Any]:
        fields = body.get("fields")
        if not isinstance(fields, dict):
            raise invalid_request('Could not find field "fields" in the request body')
        record = next(iter(self.store.records(table.id, [record_id])), None)
        if record is None:
            raise AirtableError(404, "MODEL_ID_NOT_FOUND", "Record not found")
        written = self._cells_for(cells, table, fields)
        saved = [record] if self._apply(record, written, replace, iso(self.now())) else []
        self._finish(cells, [], saved)
        return render(cells, record, table.fields, bool(body.get("returnFieldsByFieldId")))

    def upsert(
        self, cells: Cells, table: TableDef, body: Mapping[str, Any], replace: bool
    ) -> dict[str, Any]:
        merge_on = (body.get("performUpsert") or {}).get("fieldsToMergeOn")
        if not isinstance(merge_on, list) or not 1 <= len(merge_on) <= 3:
            raise invalid_request("performUpsert.fieldsToMergeOn must list 1 to 3 field names.")
        keys = []
        for name in merge_on:
            column = table.field(str(name))
            if column is None:
                raise unknown_field(str(name))
            keys.append(column.id)
        specs = _batch(body, "upserted", False)
        stamp = iso(self.now())
        pool = list(self.store.records(table.id))
        created: list[StoredRecord] = []
        changed: list[StoredRecord] = []
        answered: list[StoredRecord] = []
        for spec in specs:
            written = self._cells_for(cells, table, spec.get("fields", {}))
            target = self._upsert_target(table, spec, written, keys, pool)
            if target is None:
                target = self._new(table, written, stamp)
                pool.append(target)
                created.append(target)
            elif self._apply(target, written, replace, stamp):
                changed.append(target)
            answered.append(target)
        self._finish(cells, created, changed)
        by_id = bool(body.get("returnFieldsByFieldId"))
        new_ids = {record.id for record in created}
        return {
            "records": _reply(cells, table, answered, by_id),
            "createdRecords": [record.id for record in created],
            "updatedRecords": list(
                dict.fromkeys(record.id for record in answered if record.id not in new_ids)
            ),
        }

    def _upsert_target(
        self,
        table: TableDef,
        spec: dict[str, Any],
        written: dict[str, Any],
        keys: list[str],
        pool: list[StoredRecord],
    ) -> StoredRecord | None:
        if "id" in spec:
            found = next((record for record in pool if record.id == spec["id"]), None)
            if found is None:
                raise AirtableError(
                    422,
                    "ROW_DOES_NOT_EXIST",
                    f"Record ID {spec['id']} does not exist in this table",
                )
            return found
        missing = [key for key in keys if written.get(key) is None]
        if missing:
            names = ", ".join(table.column(key).name for key in missing)
            raise invalid_request(f"A record to upsert has no value for fieldsToMergeOn: {names}")
        matches = [
            record for record in pool if all(record.cells.get(k) == written[k] for k in keys)
        ]
        if len(matches) > 1:
            raise invalid_request(
                f"{len(matches)} records match the fieldsToMergeOn values; an upsert needs one."
            )
        return matches[0] if matches else None

    def delete(self, table: TableDef, ids: list[str]) -> dict[str, Any]:
        if not ids:
            raise invalid_request()
        if len(ids) > MAX_RECORDS:
            raise AirtableError(
                422,
                "INVALID_RECORDS",
                f"A maximum of {MAX_RECORDS} records can be deleted per request"
                f" but you have provided {len(ids)}.",
            )
        found = {record.id for record in self.store.records(table.id, ids)}
        for each in ids:
            if each not in found:
                raise AirtableError(404, "MODEL_ID_NOT_FOUND", "Record not found")
        self.store.delete(ids)
        return {"records": [{"id": each, "deleted": True} for each in ids]}

    def unlink(self, cells: Cells, table: TableDef, ids: list[str]) -> None:
        """Drop deleted records from every linked-record cell that pointed at them."""
        stamp = iso(self.now())
        for other in cells.base.tables:
            links = [
                column.id
                for column in other.fields
                if column.type == "multipleRecordLinks"
                and (column.options or {}).get("linkedTableId") == table.id
            ]
            for gone in ids if links else []:
                for record in self.store.referencing(other.id, gone):
                    kept = {
                        key: [r for r in record.cells[key] if r != gone]
                        for key in links
                        if key in record.cells
                    }
                    if self._apply(record, {k: v or None for k, v in kept.items()}, False, stamp):
                        self.store.save(record)
