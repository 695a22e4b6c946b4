"""Seeds of the sandbox's Airtable base "Results and Delivery" (DOMAIN.md §2).

`empty` creates the base, its eight tables and their fields, so a test can add its own
records through the API; `demo` also renders the portfolio of `portfolio.build(anchor)`: one
record per item, links to parents (and strategy → targets in `Drives`), owners as
collaborators, and every indicator's history as `Measurements` rows. Ids are derived from
names and portfolio refs, so the same seed gives the same base, table, field and record ids.

Field names follow `mappings/defaults/airtable.toml`: Jira's custom-field names, plus `Status`
(select; `Done` means done), `End date` (a strategy's end) and `Due date` (a milestone's),
which Jira keeps in system fields, and `Last modified` (a last-modified-time field). The demo
base also has the computed fields a real one grows (`COMPUTED_FIELDS`: a lookup, a formula
that meets Airtable's `#ERROR!` and `Infinity` on some targets, a rollup), which the bundled
mapping does not read.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from connector.sandbox.airtable.meta import new_field
from connector.sandbox.airtable.store import (
    BaseDef,
    Collaborator,
    FieldDef,
    Store,
    StoredRecord,
    TableDef,
    iso,
    stable_id,
)
from connector.sandbox.seeds import portfolio

BASE_NAME = "Results and Delivery"
BASE_ID = stable_id("app", BASE_NAME)
TABLES = {
    "priority": "Priorities",
    "outcome": "Outcomes",
    "indicator": "Indicators",
    "target": "Targets",
    "strategy": "Strategies",
    "milestone": "Milestones",
    "risk": "Risks",
}
MEASUREMENTS = "Measurements"
PARENT_LINK = {
    "outcome": ("Priority", "priority"),
    "indicator": ("Outcome", "outcome"),
    "target": ("Indicator", "indicator"),
    "milestone": ("Strategy", "strategy"),
    "risk": ("Strategy", "strategy"),
}
DRIVES = "Drives"
BLOCKS = "Blocks"  # milestones -> the milestones that wait on them
WORK = "Work"  # the demo's every epic: the wider scope of all work
OWN_FIELDS = {
    "priority": portfolio.AGREED_FIELDS,
    "outcome": portfolio.AGREED_FIELDS,
    "indicator": ("Unit", "Data source", "Current value"),
    "target": (
        "Baseline value",
        "Baseline date",
        "Target value",
        "Target date",
        "Direction",
        "Trajectory",
        *portfolio.AGREED_FIELDS,
    ),
    "strategy": (
        "Start date",
        "End date",
        "Rationale",
        "Scale",
        "Resources",
        "Definition of success",
        "Delivery chain",
        "Impact",
        "Difficulty",
        *portfolio.AGREED_FIELDS,
    ),
    "milestone": ("Due date",),
    "risk": ("Mitigation",),
}
COMMON_FIELDS = ("Accountable owner", "Department", "Status", *portfolio.WRITE_BACK_FIELDS)
STATUS_OPTIONS = ("To do", "In progress", "Done")
LIKELIHOOD_COLOURS = ("redBright", "orangeBright", "yellowBright", "greenBright")
KIND_TYPES = {
    "users": "multipleCollaborators",
    "text": "singleLineText",
    "paragraph": "multilineText",
    "number": "number",
    "date": "date",
    "datetime": "dateTime",
    "select": "singleSelect",
    "bool": "checkbox",
}
EXTRA_KINDS = {
    "End date": "date",
    "Due date": "date",
    "Status": "select",
    portfolio.SALIENT: "bool",
}
# Bad raw data planted for the mapping layer to report (RD9xx): an unreadable trajectory on a
# target that already has no usable one (RD309), so no other gap appears because of it.
UNREADABLE_TRAJECTORY = ("P4-O1-I1-T1", "to be agreed with the districts by spring")
PLANTED_DATA_PROBLEMS = {"RD901": (UNREADABLE_TRAJECTORY[0],)}
# Computed fields of the demo base, by table (see computed.py for their options).
COMPUTED_FIELDS: dict[str, tuple[dict[str, Any], ...]] = {
    "Targets": (
        {
            "name": "Indicator unit",
            "type": "multipleLookupValues",
            "options": {"recordLinkFieldId": "Indicator", "fieldIdInLinkedTable": "Unit"},
        },
        {
            "name": "Gain a month",
            "type": "formula",
            "options": {
                "formula": "({Target value} - {Baseline value}) / "
                "DATETIME_DIFF({Target date}, {Baseline date}, 'months')"
            },
        },
    ),
    "Strategies": (
        {
            "name": "Last target date",
            "type": "rollup",
            "options": {
                "recordLinkFieldId": DRIVES,
                "fieldIdInLinkedTable": "Target date",
                "function": "MAX",
            },
        },
    ),
}


def _field_body(table_name: str, name: str) -> dict[str, Any]:
    kinds = dict(portfolio.FIELDS) | EXTRA_KINDS
    kind = KIND_TYPES[kinds[name]]
    body: dict[str, Any] = {"name": name, "type": kind}
    if kind == "number":
        body["options"] = {"precision": 2}
    if kind == "singleSelect":
        names = STATUS_OPTIONS if name == "Status" else portfolio.SELECT_OPTIONS[name]
        colours = LIKELIHOOD_COLOURS if name == "Delivery likelihood" else (None,) * len(names)
        body["options"] = {
            "choices": [
                {"id": stable_id("sel", table_name, name, option), "name": option, "color": c}
                for option, c in zip(names, colours, strict=True)
            ]
        }
    return body


def _add_field(base: BaseDef, table: TableDef, body: dict[str, Any]) -> None:
    field_id = stable_id("fld", table.name, str(body["name"]))
    table.fields.append(new_field(base, table, body, field_id, seeding=True))


def _new_table(base: BaseDef, name: str) -> TableDef:
    primary = stable_id("fld", name, "Name")
    view = stable_id("viw", name, "Grid view")
    table = TableDef(stable_id("tbl", BASE_NAME, name), base.id, name, primary, view)
    table.fields.append(FieldDef(primary, "Name", "singleLineText"))
    base.tables.append(table)
    return table


def scheme() -> BaseDef:
    """The base with its tables and fields, before anything is stored."""
    base = BaseDef(BASE_ID, BASE_NAME)
    tables = {kind: _new_table(base, name) for kind, name in TABLES.items()}
    for kind, table in tables.items():
        if kind in PARENT_LINK:
            link, parent = PARENT_LINK[kind]
            _add_link(base, table, link, tables[parent])
        if kind == "strategy":
            _add_link(base, table, DRIVES, tables["target"], single=False)
        if kind == "milestone":
            _add_link(base, table, BLOCKS, table, single=False)
        for name in (*OWN_FIELDS[kind], *COMMON_FIELDS):
            _add_field(base, table, _field_body(table.name, name))
        _add_field(base, table, {"name": "Last modified", "type": "lastModifiedTime"})
    measurements = _new_table(base, MEASUREMENTS)
    _add_link(base, measurements, "Indicator", tables["indicator"])
    _add_field(base, measurements, {"name": "Date", "type": "date"})
    _add_field(base, measurements, {"name": "Value", "type": "number", "options": {"precision": 2}})
    _add_field(base, measurements, {"name": "Source", "type": "singleLineText"})
    _add_field(base, measurements, {"name": "Last modified", "type": "lastModifiedTime"})
    return base


def _add_link(
    base: BaseDef, table: TableDef, name: str, linked: TableDef, single: bool = True
) -> None:
    options = {"linkedTableId": linked.id, "prefersSingleRecordLink": single}
    _add_field(base, table, {"name": name, "type": "multipleRecordLinks", "options": options})


def seed(store: Store, name: str, anchor: date, now: datetime) -> None:
    """Replace all Airtable data with the `empty` or `demo` seed."""
    if name not in {"empty", "demo"}:
        raise ValueError(f"unknown seed {name!r}; use 'empty' or 'demo'")
    store.clear()
    base = scheme()
    store.add_base(base.id, base.name)
    for table in base.tables:
        store.add_table(table)
    if name == "demo":
        for table_name, bodies in COMPUTED_FIELDS.items():
            computing = base.table(table_name)
            assert computing is not None
            for body in bodies:
                _add_field(base, computing, body)
                store.add_field(base.id, computing.id, computing.fields[-1])
        work = _work_table(base)
        store.add_table(work)
        built = portfolio.build(anchor)
        _demo(store, base, built, now)
        _work(store, base, work, built, now)


# ---------------------------------------------------------------- demo content


def _choice(table: TableDef, field: str, option: str) -> str:
    return stable_id("sel", table.name, field, option)


def _cell(table: TableDef, name: str, value: Any) -> Any:
    """A portfolio value in the store's canonical form for this table's field."""
    column = table.column(name)
    if column.type == "singleSelect":
        return _choice(table, name, str(value))
    if column.type == "multipleCollaborators":
        return [f"person:{ref}" for ref in value]  # resolved to user ids by the caller
    if isinstance(value, date):
        return value.isoformat()
    if name == "Trajectory" and isinstance(value, list):
        return "\n".join(f"{when.isoformat()}: {amount:g}" for when, amount in value)
    return value


def _item_cells(table: TableDef, item: portfolio.Item) -> dict[str, Any]:
    named: dict[str, Any] = {"Name": item.name}
    for name, value in item.fields.items():
        if name == "Done":
            continue
        if name == "Due date" and item.kind == "strategy":
            name = "End date"
        if table.field(name) is not None:
            named[name] = value
    if "Done" in item.fields:
        open_status = "In progress" if item.kind == "strategy" else "To do"
        named["Status"] = "Done" if item.fields["Done"] else open_status
    if item.ref == UNREADABLE_TRAJECTORY[0]:
        named["Trajectory"] = UNREADABLE_TRAJECTORY[1]
    return {table.column(name).id: _cell(table, name, v) for name, v in named.items()}


def _demo(store: Store, base: BaseDef, plan: portfolio.Portfolio, now: datetime) -> None:
    people = {person.ref: person for person in plan.people}
    for person in plan.people:
        store.add_collaborator(
            base.id, Collaborator(person.airtable_user_id, person.email, person.name)
        )
    tables = {kind: base.table(name) for kind, name in TABLES.items()}
    ids = {item.ref: stable_id("rec", "item", item.ref) for item in plan.items}
    kinds = {item.ref: item.kind for item in plan.items}
    start = now - timedelta(days=730)
    for index, item in enumerate(plan.items):
        table = tables[item.kind]
        assert table is not None
        cells = _item_cells(table, item)
        for key, value in cells.items():
            if isinstance(value, list):
                cells[key] = [people[ref.removeprefix("person:")].airtable_user_id for ref in value]
        if item.parent is not None and item.kind in PARENT_LINK:
            cells[table.column(PARENT_LINK[item.kind][0]).id] = [ids[item.parent]]
        driven = [ids[ref] for ref in item.drives if kinds.get(ref) == "target"]
        if driven:
            cells[table.column(DRIVES).id] = driven
        if item.blocks:
            cells[table.column(BLOCKS).id] = [ids[ref] for ref in item.blocks]
        created = start + timedelta(hours=index)
        _store(store, ids[item.ref], table, cells, created, created + timedelta(days=30))
    measurements = base.table(MEASUREMENTS)
    assert measurements is not None
    for ref, series in plan.history.items():
        _measurements(store, measurements, plan.item(ref), ids[ref], series, now)


def _work_table(base: BaseDef) -> TableDef:
    """The demo's table of all work: name, department, team, effort and the strategy served."""
    table = _new_table(base, WORK)
    strategies = base.table(TABLES["strategy"])
    assert strategies is not None
    _add_link(base, table, "Strategy", strategies)
    _add_field(base, table, _field_body(WORK, "Department"))
    _add_field(base, table, {"name": "Team", "type": "singleLineText"})
    _add_field(base, table, {"name": "Effort", "type": "number", "options": {"precision": 0}})
    _add_field(base, table, {"name": "Last modified", "type": "lastModifiedTime"})
    return table


def _work(
    store: Store, base: BaseDef, table: TableDef, plan: portfolio.Portfolio, now: datetime
) -> None:
    start = now - timedelta(days=60)
    for index, work in enumerate(plan.work):
        named: dict[str, Any] = {"Name": work.name, "Team": work.team, "Effort": work.effort}
        cells = {table.column(name).id: value for name, value in named.items()}
        cells[table.column("Department").id] = _choice(table, "Department", work.department)
        if work.serves is not None:
            cells[table.column("Strategy").id] = [stable_id("rec", "item", work.serves)]
        created = start + timedelta(hours=index)
        _store(store, stable_id("rec", "work", work.ref), table, cells, created, created)


def _measurements(
    store: Store,
    table: TableDef,
    indicator: portfolio.Item,
    indicator_id: str,
    series: list[tuple[date, float]],
    now: datetime,
) -> None:
    source = str(indicator.fields.get("Data source", "Monthly return"))
    for when, value in series:
        entered = min(datetime.combine(when + timedelta(days=3), time(9), UTC), now)
        named = {
            "Name": f"{indicator.name}, {when.isoformat()}",
            "Indicator": [indicator_id],
            "Date": when.isoformat(),
            "Value": value,
            "Source": source,
        }
        cells = {table.column(name).id: value for name, value in named.items()}
        record_id = stable_id("rec", "measurement", indicator.ref, when.isoformat())
        _store(store, record_id, table, cells, entered, entered)


def _store(
    store: Store,
    record_id: str,
    table: TableDef,
    cells: dict[str, Any],
    created: datetime,
    modified: datetime,
) -> None:
    stamp = iso(modified)
    store.insert(
        StoredRecord(record_id, table.id, iso(created), stamp, cells, dict.fromkeys(cells, stamp))
    )
