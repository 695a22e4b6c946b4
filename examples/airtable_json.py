"""Items of the example portfolio as Airtable returns them: one list-records response per table
(`GET /v0/{base}/{table}`) and the base schema (`GET /v0/meta/bases/{base}/tables`)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from portfolio import OFFSET, PEOPLE, Item

BASE = "appRd7Deliv3ry01"  # 17 characters like every Airtable id
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def airtable_id(prefix: str, name: str) -> str:
    """A stable id of Airtable's form: a prefix and 14 base-62 characters."""
    number = int.from_bytes(hashlib.sha256(name.encode()).digest()[:12], "big")
    chars = []
    for _ in range(14):
        number, rest = divmod(number, 62)
        chars.append(_ALPHABET[rest])
    return prefix + "".join(chars)


TABLES = {
    "Priority": "Priorities",
    "Outcome": "Outcomes",
    "Indicator": "Indicators",
    "Target": "Targets",
    "Strategy": "Strategies",
    "Milestone": "Milestones",
    "Risk": "Risks",
}
PARENT_FIELD = {
    "Outcome": "Priority",
    "Indicator": "Outcome",
    "Target": "Indicator",
    "Milestone": "Strategy",
    "Risk": "Strategy",
}
CHILDREN_FIELD = {
    "Priority": "Outcomes",
    "Outcome": "Indicators",
    "Indicator": "Targets",
    "Strategy": "Milestones",
}
WRITEBACK = [
    ("Delivery likelihood", "singleSelect"),
    ("Likelihood rationale", "multilineText"),
    ("Rubric gaps", "multilineText"),
    ("Last assessed", "dateTime"),
]
COMMON = [
    ("Name", "singleLineText"),
    ("Accountable owner", "multipleCollaborators"),
    ("Department", "singleSelect"),
    ("Status", "singleSelect"),
    ("Last modified", "lastModifiedTime"),
]
OWN_FIELDS: dict[str, list[tuple[str, str]]] = {
    "Priority": [("Outcomes", "multipleRecordLinks"), *WRITEBACK],
    "Outcome": [("Priority", "multipleRecordLinks"), ("Indicators", "multipleRecordLinks"),
                *WRITEBACK],
    "Indicator": [("Outcome", "multipleRecordLinks"), ("Unit", "singleLineText"),
                  ("Data source", "singleLineText"), ("Current value", "number"),
                  ("Targets", "multipleRecordLinks"), ("Measurements", "multipleRecordLinks")],
    "Target": [("Indicator", "multipleRecordLinks"), ("Baseline value", "number"),
               ("Baseline date", "date"), ("Target value", "number"), ("Target date", "date"),
               ("Direction", "singleSelect"), ("Trajectory", "multilineText"),
               ("Driven by", "multipleRecordLinks"), *WRITEBACK],
    "Strategy": [("Drives", "multipleRecordLinks"), ("Start date", "date"),
                 ("End date", "date"), ("Rationale", "multilineText"),
                 ("Scale", "multilineText"), ("Resources", "multilineText"),
                 ("Definition of success", "multilineText"),
                 ("Delivery chain", "multilineText"), ("Impact", "singleSelect"),
                 ("Difficulty", "singleSelect"), ("Milestones", "multipleRecordLinks"),
                 ("Risks", "multipleRecordLinks"), *WRITEBACK],
    "Milestone": [("Strategy", "multipleRecordLinks"), ("Due date", "date")],
    "Risk": [("Strategy", "multipleRecordLinks"), ("Mitigation", "multilineText")],
}  # fmt: skip
MEASUREMENT_FIELDS = [
    ("Name", "singleLineText"),
    ("Indicator", "multipleRecordLinks"),
    ("Date", "date"),
    ("Value", "number"),
    ("Source", "singleLineText"),
]


def record_id(ref: str) -> str:
    return airtable_id("rec", ref)


def utc(item: Item, local: str) -> str:
    """A department-local YYYY-MM-DDTHH:MM as Airtable writes times: in UTC, with Z."""
    moment = datetime.fromisoformat(f"{local}:00{OFFSET[item.department]}")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def collaborator(handle: str) -> dict[str, str]:
    name, email, _ = PEOPLE[handle]
    return {"id": airtable_id("usr", email), "email": email, "name": name}


def fields_of(item: Item, items: dict[str, Item]) -> dict[str, Any]:
    values: dict[str, Any] = {"Name": item.name, "Department": item.department}
    values["Status"] = "Done" if item.done else "In progress"
    values["Last modified"] = utc(item, item.updated)
    if item.owners:
        values["Accountable owner"] = [collaborator(handle) for handle in item.owners]
    if item.parent is not None:
        values[PARENT_FIELD[item.kind]] = [record_id(item.parent)]
    if item.drives:
        values["Drives"] = [record_id(ref) for ref in item.drives]
    for name, value in item.fields.items():
        values[name] = value
    if item.history:
        values["Current value"] = item.history[-1][1]
        values["Measurements"] = [record_id(f"{item.ref}@{day}") for day, _ in item.history]
    children = [other.ref for other in items.values() if other.parent == item.ref]
    if item.kind in CHILDREN_FIELD:
        kids = [ref for ref in children if items[ref].kind != "Risk"]
        if kids:
            values[CHILDREN_FIELD[item.kind]] = [record_id(ref) for ref in kids]
    risks = [ref for ref in children if items[ref].kind == "Risk"]
    if risks:
        values["Risks"] = [record_id(ref) for ref in risks]
    drivers = [other.ref for other in items.values() if item.ref in other.drives]
    if drivers:
        values["Driven by"] = [record_id(ref) for ref in drivers]
    return values


def record(item: Item, items: dict[str, Item]) -> dict[str, Any]:
    return {
        "id": record_id(item.ref),
        "createdTime": "2024-06-24T00:00:00.000Z",
        "fields": fields_of(item, items),
    }


def measurement_records(items: list[Item]) -> list[dict[str, Any]]:
    found = []
    for item in items:
        for day, value in item.history:
            fields: dict[str, Any] = {
                "Name": f"{item.name} – {day}",
                "Indicator": [record_id(item.ref)],
                "Date": day,
                "Value": value,
            }
            source = item.fields.get("Data source")
            if source:
                fields["Source"] = source
            found.append(
                {
                    "id": record_id(f"{item.ref}@{day}"),
                    "createdTime": f"{day}T08:00:00.000Z",
                    "fields": fields,
                }
            )
    return found


def _field(table: str, name: str, kind: str) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": airtable_id("fld", f"{table}.{name}"),
        "name": name,
        "type": kind,
    }
    if kind == "multipleRecordLinks":
        target = {
            "Outcomes": "Outcomes",
            "Indicators": "Indicators",
            "Targets": "Targets",
            "Measurements": "Measurements",
            "Milestones": "Milestones",
            "Risks": "Risks",
            "Priority": "Priorities",
            "Outcome": "Outcomes",
            "Indicator": "Indicators",
            "Strategy": "Strategies",
            "Drives": "Targets",
            "Driven by": "Strategies",
        }[name]
        found["options"] = {
            "linkedTableId": airtable_id("tbl", target),
            "isReversed": False,
            "prefersSingleRecordLink": name in PARENT_FIELD.values(),
        }
    elif kind == "number":
        found["options"] = {"precision": 1}
    elif kind == "date":
        found["options"] = {"dateFormat": {"name": "iso", "format": "YYYY-MM-DD"}}
    return found


def schema() -> dict[str, Any]:
    """The meta schema of the base: every table with its fields and one grid view."""
    tables = []
    layouts = [(TABLES[kind], COMMON + OWN_FIELDS[kind]) for kind in TABLES]
    layouts.append(("Measurements", MEASUREMENT_FIELDS))
    for table, fields in layouts:
        described = [_field(table, name, kind) for name, kind in fields]
        tables.append(
            {
                "id": airtable_id("tbl", table),
                "name": table,
                "primaryFieldId": described[0]["id"],
                "fields": described,
                "views": [{"id": airtable_id("viw", table), "name": "Grid view", "type": "grid"}],
            }
        )
    return {"tables": tables}


def table_responses(items: list[Item]) -> dict[str, dict[str, Any]]:
    """One list-records response per table, by table name."""
    by_ref = {item.ref: item for item in items}
    found: dict[str, dict[str, Any]] = {name: {"records": []} for name in TABLES.values()}
    for item in items:
        found[TABLES[item.kind]]["records"].append(record(item, by_ref))
    found["Measurements"] = {"records": measurement_records(items)}
    return found
