"""The meta API: list bases, a base's schema, and creating or renaming a field.

Field options take the shapes the real meta API returns (and pyairtable's schema models
parse): choices with `sel…` ids and colours, `linkedTableId` on links, date and time formats.
As in Airtable, updating a field changes only its name and description; a missing select
option is added by writing it with `typecast: true`.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from typing import Any

from connector.sandbox.airtable.computed import COMPUTED, options_for
from connector.sandbox.airtable.store import (
    AirtableError,
    BaseDef,
    FieldDef,
    Store,
    TableDef,
    new_id,
)
from connector.sandbox.airtable.values import NUMBER_TYPES, PALETTE, TEXT_TYPES

ISO_DATE = {"name": "iso", "format": "YYYY-MM-DD"}
TIME_24 = {"name": "24hour", "format": "HH:mm"}
CREATABLE = (
    TEXT_TYPES
    | NUMBER_TYPES - {"rating", "duration"}
    | {
        "checkbox",
        "date",
        "dateTime",
        "singleSelect",
        "multipleSelects",
        "multipleRecordLinks",
        "multipleCollaborators",
        "singleCollaborator",
        "multipleAttachments",
    }
)
_ZONES = zoneinfo.available_timezones()
SEEDED_ONLY = frozenset({"lastModifiedTime", "createdTime"}) | COMPUTED


# Airtable answers a format given by name with its pattern too, as the field model lists them.
DATE_FORMATS = {"l": "local", "LL": "friendly", "M/D/YYYY": "us", "D/M/YYYY": "european"}
DATE_FORMATS = {name: pattern for pattern, name in DATE_FORMATS.items()} | {"iso": "YYYY-MM-DD"}
TIME_FORMATS = {"12hour": "h:mma", "24hour": "HH:mm"}


def _format(given: Any, patterns: Mapping[str, str], default: dict[str, str]) -> dict[str, str]:
    name = given.get("name") if isinstance(given, dict) else None
    if name not in patterns:
        return default
    return {"name": str(name), "format": patterns[str(name)]}


def _date_time(options: Mapping[str, Any]) -> dict[str, Any]:
    zone = options.get("timeZone", "utc")
    if zone not in ("utc", "client") and zone not in _ZONES:
        raise AirtableError(
            422, "INVALID_FIELD_OPTIONS", f"timeZone {zone!r} is not a supported time zone"
        )
    return {
        "dateFormat": _format(options.get("dateFormat"), DATE_FORMATS, ISO_DATE),
        "timeFormat": _format(options.get("timeFormat"), TIME_FORMATS, TIME_24),
        "timeZone": zone,
    }


def _choices(options: Mapping[str, Any]) -> dict[str, Any]:
    raw = options.get("choices", [])
    if not isinstance(raw, list) or not all(isinstance(c, dict) and c.get("name") for c in raw):
        raise AirtableError(
            422, "INVALID_FIELD_OPTIONS", "Select choices must be objects with a name."
        )
    choices = [
        {
            "id": str(choice.get("id") or new_id("sel")),
            "name": str(choice["name"]),
            "color": str(choice.get("color") or PALETTE[index % len(PALETTE)]),
        }
        for index, choice in enumerate(raw)
    ]
    return {"choices": choices}


def _link(base: BaseDef, options: Mapping[str, Any]) -> dict[str, Any]:
    linked = base.table(str(options.get("linkedTableId", "")))
    if linked is None:
        raise AirtableError(
            422,
            "INVALID_FIELD_OPTIONS",
            f"linkedTableId {options.get('linkedTableId')!r} is not a table of base {base.id}.",
        )
    return {
        "linkedTableId": linked.id,
        "isReversed": False,
        "prefersSingleRecordLink": bool(options.get("prefersSingleRecordLink", False)),
    }


def field_options(
    base: BaseDef, table: TableDef, kind: str, options: Mapping[str, Any] | None
) -> Any:
    """Complete options for a field type, filling Airtable's defaults where none are given."""
    given = options or {}
    if kind in COMPUTED:
        return options_for(base, table, kind, given)
    if kind in {"number", "percent"}:
        return {"precision": int(given.get("precision", 0))}
    if kind == "currency":
        return {"precision": int(given.get("precision", 2)), "symbol": given.get("symbol", "$")}
    if kind == "checkbox":
        return {"icon": given.get("icon", "check"), "color": given.get("color", "greenBright")}
    if kind == "date":
        return {"dateFormat": _format(given.get("dateFormat"), DATE_FORMATS, ISO_DATE)}
    if kind == "dateTime":
        return _date_time(given)
    if kind in {"singleSelect", "multipleSelects"}:
        return _choices(given)
    if kind == "multipleRecordLinks":
        return _link(base, given)
    if kind in SEEDED_ONLY:
        result = {"type": "dateTime", "options": _date_time(given)}
        return {"isValid": True, "referencedFieldIds": [], "result": result}
    return None


def new_field(
    base: BaseDef,
    table: TableDef,
    body: Mapping[str, Any],
    field_id: str | None = None,
    seeding: bool = False,
) -> FieldDef:
    """A field checked against the table (unique name, known type, valid options)."""
    name, kind = body.get("name"), body.get("type")
    if not isinstance(name, str) or not name.strip():
        raise AirtableError(422, "INVALID_REQUEST_UNKNOWN", "A field needs a non-empty name.")
    if any(each.name.lower() == name.strip().lower() for each in table.fields):
        raise AirtableError(
            422, "DUPLICATE_OR_EMPTY_FIELD_NAME", f'Field name "{name}" is already used.'
        )
    if kind not in CREATABLE and not (seeding and kind in SEEDED_ONLY):
        raise AirtableError(
            422,
            "UNSUPPORTED_FIELD_TYPE_FOR_CREATE",
            f"Field type {kind!r} cannot be created through the API.",
        )
    options = field_options(base, table, str(kind), body.get("options"))
    description = body.get("description")
    return FieldDef(field_id or new_id("fld"), name.strip(), str(kind), options, description)


def list_bases(store: Store) -> dict[str, Any]:
    bases = [
        {"id": base_id, "name": name, "permissionLevel": "create"}
        for base_id, name in store.base_ids()
    ]
    return {"bases": bases}


def base_schema(base: BaseDef, include: list[str]) -> dict[str, Any]:
    visible = "visibleFieldIds" in include
    return {"tables": [table.meta(visible) for table in base.tables]}


def create_field(
    store: Store, base: BaseDef, table: TableDef, body: Mapping[str, Any]
) -> dict[str, Any]:
    added = new_field(base, table, body)
    store.add_field(base.id, table.id, added)
    return added.meta()


def update_field(
    store: Store, base: BaseDef, table: TableDef, field_id: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    column = table.field(field_id)
    if column is None or column.id != field_id:
        raise AirtableError(404, "NOT_FOUND", f"Could not find field {field_id}")
    if not body or set(body) - {"name", "description"}:
        raise AirtableError(
            422,
            "INVALID_REQUEST_UNKNOWN",
            "Invalid request: only a field's name and description can be updated.",
        )
    name = body.get("name", column.name)
    if not isinstance(name, str) or not name.strip():
        raise AirtableError(422, "INVALID_REQUEST_UNKNOWN", "A field needs a non-empty name.")
    if any(o.name.lower() == name.lower() and o.id != column.id for o in table.fields):
        raise AirtableError(
            422, "DUPLICATE_OR_EMPTY_FIELD_NAME", f'Field name "{name}" is already used.'
        )
    column.name = name.strip()
    column.description = body.get("description", column.description)
    store.save_field(base.id, column)
    return column.meta()
