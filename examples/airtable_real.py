"""The A&E part of the example portfolio as a hospital team's Airtable base holds it: values in
the shapes Airtable's API sends them (`airtable-real/`).

Every indicator here is a share, so the base keeps shares as percent fields (0.81 is 81%).
A target's baseline is a lookup of the reading taken on its baseline date (`[0.74]`); an
indicator's current value is a formula over this week's figures, which gives `#ERROR!` or
`NaN` where they are missing or wrong; a trajectory is rich text (markdown, dates in bold); a
reading's date is a date-time, taken at 9:00 where the team works and sent in UTC, in a field
whose time zone is Sydney's; targets look up their indicator's unit and strategies roll up the
last date they must deliver by. The same bundled mapping reads it.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from airtable_json import (
    COMMON,
    OWN_FIELDS,
    TABLES,
    airtable_id,
    fields_of,
    record_id,
)
from portfolio import ITEMS, NSW, Item

REFS = (  # the two A&E priorities, down to their strategies' milestones and risks
    *(f"DEL-{n}" for n in range(5, 13)),
    *(f"DEL-{n}" for n in range(21, 28)),
)
ZONES = {NSW: ZoneInfo("Australia/Sydney")}
LONDON = ZoneInfo("Europe/London")
# This week's figures behind each indicator's "Current value" formula: (seen, attendances).
THIS_WEEK = {"DEL-7": (8_140, -1), "DEL-11": (0, 0)}
CURRENT = "IF({Attendances} < 0, ERROR(), {Seen in four hours} / {Attendances})"
PERCENT = {"type": "percent", "options": {"precision": 1}}

# The planted gaps of this export: (code, Jira key of the item, what). examples/README.md
# lists them; the first four are the portfolio's own, the RD901s are the formula's.
PLANTED: list[tuple[str, str, str]] = [
    ("RD105", "DEL-8", "the ED four-hour target has no strategy that drives it"),
    ("RD108", "DEL-25", "tailored A&E support has two accountable owners"),
    ("RD308", "DEL-24", "the out-of-hours triage risk has no mitigation"),
    ("RD309", "DEL-12", "the A&E target has no trajectory (intermediate targets)"),
    ("RD901", "DEL-7", "the ED indicator's current value is #ERROR! (a negative attendance)"),
    ("RD901", "DEL-11", "the A&E indicator's current value is NaN (no figures this week)"),
]


def items() -> list[Item]:
    return [item for item in ITEMS if item.ref in REFS]


def taken_at(item: Item, day: str) -> str:
    """9:00 on `day` where the indicator's team works, as Airtable sends it: UTC, with Z."""
    moment = datetime.combine(
        datetime.fromisoformat(day), time(9), ZONES.get(item.department, LONDON)
    )
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _share(value: Any) -> float:
    return round(float(value) / 100, 6)


def _rich(path: str) -> str:
    """A trajectory as a team types it in rich text: dates in bold, values in percent."""
    lines = (line.split(": ") for line in path.splitlines())
    return "".join(f"**{day}**: {value}%\n" for day, value in lines)


def _record(item: Item, by_ref: dict[str, Item]) -> dict[str, Any]:
    fields = fields_of(item, by_ref)
    if item.kind == "Indicator":
        seen, attendances = THIS_WEEK[item.ref]
        fields |= {"Seen in four hours": seen, "Attendances": attendances}
        failed = {"error": "#ERROR!"} if attendances < 0 else {"specialValue": "NaN"}
        fields["Current value"] = failed
    if item.kind == "Target":
        indicator = by_ref[str(item.parent)]
        baseline = str(item.fields["Baseline date"])
        fields["Baseline value"] = [_share(item.fields["Baseline value"])]
        fields["Baseline reading"] = [record_id(f"{indicator.ref}@{baseline}")]
        fields["Target value"] = _share(item.fields["Target value"])
        fields["Indicator unit"] = [indicator.fields["Unit"]]
        if "Trajectory" in fields:
            fields["Trajectory"] = _rich(str(item.fields["Trajectory"]))
    if item.kind == "Strategy":
        dates = [str(by_ref[ref].fields["Target date"]) for ref in item.drives]
        fields["Last target date"] = max(dates)
    return {"id": record_id(item.ref), "createdTime": "2024-06-24T00:00:00.000Z", "fields": fields}


def _readings(found: list[Item]) -> list[dict[str, Any]]:
    records = []
    for item in found:
        for day, value in item.history:
            fields = {
                "Name": f"{item.name} – {day}",
                "Indicator": [record_id(item.ref)],
                "Date": taken_at(item, day),
                "Value": _share(value),
                "Source": str(item.fields["Data source"]),
            }
            records.append(
                {
                    "id": record_id(f"{item.ref}@{day}"),
                    "createdTime": f"{day}T08:00:00.000Z",
                    "fields": fields,
                }
            )
    return records


def table_responses() -> dict[str, dict[str, Any]]:
    """One list-records response per table, by table name."""
    found = items()
    by_ref = {item.ref: item for item in found}
    tables: dict[str, dict[str, Any]] = {name: {"records": []} for name in TABLES.values()}
    for item in found:
        tables[TABLES[item.kind]]["records"].append(_record(item, by_ref))
    tables["Measurements"] = {"records": _readings([i for i in found if i.kind == "Indicator"])}
    return tables


# -- the base's schema --------------------------------------------------------------------


def _id(table: str, name: str) -> str:
    return airtable_id("fld", f"{table}.{name}")


def _link(table: str, name: str, target: str, single: bool) -> dict[str, Any]:
    options = {"linkedTableId": airtable_id("tbl", target), "isReversed": False}
    return {
        "type": "multipleRecordLinks",
        "options": {**options, "prefersSingleRecordLink": single},
    }


def _lookup(
    table: str, link: str, other: str, looked_up: str, result: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": "multipleLookupValues",
        "options": {
            "isValid": True,
            "recordLinkFieldId": _id(table, link),
            "fieldIdInLinkedTable": _id(other, looked_up),
            "result": result,
        },
    }


TIMES = {
    "dateFormat": {"name": "iso", "format": "YYYY-MM-DD"},
    "timeFormat": {"name": "24hour", "format": "HH:mm"},
}
LINKS = {
    "Outcomes": "Outcomes", "Indicators": "Indicators", "Targets": "Targets",
    "Milestones": "Milestones", "Risks": "Risks", "Priority": "Priorities",
    "Outcome": "Outcomes", "Indicator": "Indicators", "Strategy": "Strategies",
    "Drives": "Targets", "Driven by": "Strategies", "Measurements": "Measurements",
    "Baseline reading": "Measurements",
}  # fmt: skip
OPTIONS: dict[str, dict[str, Any]] = {
    "number": {"precision": 0},
    "percent": {"precision": 1},
    "date": {"dateFormat": TIMES["dateFormat"]},
    "dateTime": {**TIMES, "timeZone": "Australia/Sydney"},
    "lastModifiedTime": {
        "isValid": True,
        "referencedFieldIds": [],
        "result": {"type": "dateTime", "options": {**TIMES, "timeZone": "client"}},
    },
}


def _computed(table: str, name: str) -> dict[str, Any] | None:
    """The computed fields of the base, by table and name (None: a field of its own)."""
    if (table, name) == ("Indicators", "Current value"):
        referenced = [_id(table, "Attendances"), _id(table, "Seen in four hours")]
        formula = CURRENT.replace("{Attendances}", "{" + referenced[0] + "}")
        formula = formula.replace("{Seen in four hours}", "{" + referenced[1] + "}")
        options = {"formula": formula, "isValid": True, "referencedFieldIds": referenced}
        return {"type": "formula", "options": {**options, "result": PERCENT}}
    if (table, name) == ("Targets", "Baseline value"):
        return _lookup(table, "Baseline reading", "Measurements", "Value", PERCENT)
    if (table, name) == ("Targets", "Indicator unit"):
        return _lookup(table, "Indicator", "Indicators", "Unit", {"type": "singleLineText"})
    if (table, name) == ("Strategies", "Last target date"):
        found = _lookup(
            table, "Drives", "Targets", "Target date", {"type": "date", "options": OPTIONS["date"]}
        )
        found["type"] = "rollup"
        found["options"]["referencedFieldIds"] = [_id("Targets", "Target date")]
        return found
    return None


def _kind(table: str, name: str, kind: str) -> str:
    if table == "Targets" and name in ("Target value",):
        return "percent"
    if table == "Targets" and name == "Trajectory":
        return "richText"
    if table == "Measurements":
        return {"Date": "dateTime", "Value": "percent"}.get(name, kind)
    return kind


def _field(table: str, name: str, kind: str) -> dict[str, Any]:
    found: dict[str, Any] = {"id": _id(table, name), "name": name}
    computed = _computed(table, name)
    kind = _kind(table, name, kind)
    if computed is not None:
        return {**found, **computed}
    if kind == "multipleRecordLinks":
        return {
            **found,
            **_link(
                table, name, LINKS[name], name in ("Priority", "Outcome", "Indicator", "Strategy")
            ),
        }
    found["type"] = kind
    if kind in OPTIONS:
        found["options"] = OPTIONS[kind]
    return found


def schema() -> dict[str, Any]:
    """The meta schema of the base (GET /v0/meta/bases/{base}/tables)."""
    extra = {
        "Indicators": [("Seen in four hours", "number"), ("Attendances", "number")],
        "Targets": [("Baseline reading", "multipleRecordLinks"), ("Indicator unit", "lookup")],
        "Strategies": [("Last target date", "rollup")],
    }  # fmt: skip
    layouts = [(TABLES[kind], COMMON + OWN_FIELDS[kind]) for kind in TABLES]
    readings = [("Name", "singleLineText"), ("Indicator", "multipleRecordLinks")]
    readings += [("Date", "dateTime"), ("Value", "percent"), ("Source", "singleLineText")]
    layouts.append(("Measurements", readings))
    tables = []
    for table, fields in layouts:
        described = [_field(table, name, kind) for name, kind in [*fields, *extra.get(table, [])]]
        view = {"id": airtable_id("viw", table), "name": "Grid view", "type": "grid"}
        tables.append(
            {
                "id": airtable_id("tbl", table),
                "name": table,
                "primaryFieldId": described[0]["id"],
                "fields": described,
                "views": [view],
            }
        )
    return {"tables": tables}
