"""The sandbox's Airtable Web API, driven only through the real pyairtable client."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests
from pyairtable import Api, Table
from pyairtable import formulas as F

from connector.sandbox.airtable import listing as airtable_list
from connector.sandbox.airtable.api import AirtableAPI
from connector.sandbox.airtable.seed import BASE_ID, PLANTED_DATA_PROBLEMS, TABLES
from connector.sandbox.airtable.store import AirtableError
from connector.sandbox.seeds import portfolio
from connector.sandbox.server import Sandbox, start_sandbox

TOKEN = "patSandbox.airtable-tests"
ANCHOR = date(2026, 3, 1)
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class Clock:
    """The sandbox's `now`, moved by the tests."""

    moment: datetime = START

    def __call__(self) -> datetime:
        return self.moment

    def tick(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment


@dataclass
class Harness:
    """The running sandbox, its Airtable API object, its clock and the client's call log."""

    running: Sandbox
    clock: Clock
    calls: list[tuple[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.running.url

    @property
    def api(self) -> AirtableAPI:
        return self.running.airtable

    def client(self) -> Api:
        """A real pyairtable client whose requests are counted in `calls`."""
        client = Api(TOKEN, endpoint_url=self.url, retry_strategy=None, timeout=(5, 30))
        client.session.hooks["response"].append(self._count)
        return client

    def _count(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.calls.append((str(response.request.method), str(response.request.url)))

    def table(self, name: str) -> Table:
        return self.client().table(BASE_ID, name)


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    """The whole sandbox (server, auth, faults, stats) with this module's clock."""
    clock = Clock()
    with start_sandbox(seed="empty", token=TOKEN, anchor=ANCHOR, clock=clock) as running:
        yield Harness(running, clock)


@pytest.fixture
def empty(harness: Harness) -> Harness:
    """The empty scheme, no rate limit, a fresh clock, call log and stats."""
    harness.api.seed("empty", ANCHOR)
    harness.api.rate_limit_per_second = None
    harness.clock.moment = START
    harness.calls.clear()
    harness.running.reset_stats()
    return harness


def _error(raised: pytest.ExceptionInfo[requests.HTTPError]) -> tuple[int, Any]:
    response = raised.value.response
    assert response is not None
    return response.status_code, response.json()


def _field(table: Any, name: str) -> Any:
    """A field of a parsed table schema, untyped (pyairtable types it as a wide union)."""
    return table.field(name)


def _indicators(sandbox: Harness, count: int) -> list[str]:
    names = [f"Indicator {n:03d}" for n in range(count)]
    created = sandbox.table("Indicators").batch_create([{"Name": name} for name in names])
    return [record["id"] for record in created]


def _measurements(sandbox: Harness, indicator: str, count: int) -> list[Any]:
    rows: list[Any] = [
        {
            "Name": f"Reading {n:03d}",
            "Indicator": [indicator],
            "Date": (date(2024, 1, 1) + timedelta(days=7 * n)).isoformat(),
            "Value": float(n),
            "Source": "EDIS monthly extract",
        }
        for n in range(count)
    ]
    return sandbox.table("Measurements").batch_create(rows)


# ---------------------------------------------------------------- schema


def test_schema_has_the_domain_tables_and_field_types(empty: Harness) -> None:
    schema = empty.client().base(BASE_ID).schema()
    assert [table.name for table in schema.tables] == [*TABLES.values(), "Measurements"]
    targets, strategies = schema.table("Targets"), schema.table("Strategies")
    assert all(table.field(table.primary_field_id).name == "Name" for table in schema.tables)
    assert all(table.id.startswith("tbl") and len(table.id) == 17 for table in schema.tables)
    drives = _field(strategies, "Drives")
    assert drives.type == "multipleRecordLinks"
    assert drives.options.linked_table_id == targets.id
    assert strategies.field("Accountable owner").type == "multipleCollaborators"
    assert targets.field("Target date").type == "date"
    assert targets.field("Last assessed").type == "dateTime"
    assert targets.field("Rubric gaps").type == "multilineText"
    assert targets.field("Last modified").type == "lastModifiedTime"
    likelihood = _field(targets, "Delivery likelihood")
    assert likelihood.type == "singleSelect"
    assert [(c.name, c.color) for c in likelihood.options.choices] == [
        ("1 - Red", "redBright"),
        ("2 - Amber/Red", "orangeBright"),
        ("3 - Amber/Green", "yellowBright"),
        ("4 - Green", "greenBright"),
    ]
    direction = _field(targets, "Direction")
    assert [c.name for c in direction.options.choices] == ["Increase", "Decrease"]
    measurements = schema.table("Measurements")
    assert [f.name for f in measurements.fields] == [
        "Name",
        "Indicator",
        "Date",
        "Value",
        "Source",
        "Last modified",
    ]
    assert measurements.views[0].visible_field_ids == [f.id for f in measurements.fields]
    assert [base.id for base in empty.client().bases()] == [BASE_ID]
    assert empty.client().whoami()["id"].startswith("usr")


def test_fields_can_be_added_and_renamed_but_options_come_by_typecast(empty: Harness) -> None:
    table = empty.table("Milestones")
    added: Any = table.create_field(
        "Team rating", "singleSelect", options={"choices": [{"name": "On track"}]}
    )
    assert added.id.startswith("fld") and added.options.choices[0].id.startswith("sel")
    url = f"{empty.url}/v0/meta/bases/{BASE_ID}/tables/Milestones/fields/{added.id}"
    client = empty.client()
    renamed = client.request("PATCH", url, json={"name": "Team view", "description": "own"})
    assert (renamed["name"], renamed["description"]) == ("Team view", "own")
    with pytest.raises(requests.HTTPError) as raised:
        client.request("PATCH", url, json={"options": {"choices": [{"name": "Late"}]}})
    assert _error(raised)[1]["error"]["type"] == "INVALID_REQUEST_UNKNOWN"
    with pytest.raises(requests.HTTPError) as raised:
        table.create_field("Status", "singleLineText")
    assert _error(raised)[0] == 422
    record = table.create({"Name": "Go-live", "Team view": "Late"}, typecast=True)
    assert record["fields"]["Team view"] == "Late"
    choices = _field(table.schema(force=True), "Team view").options.choices
    assert [choice.name for choice in choices] == ["On track", "Late"]


def test_a_field_name_is_unique_in_its_table_ignoring_case_and_matched_exactly(
    empty: Harness,
) -> None:
    # Airtable refuses a field whose name differs from another's only in case, and the
    # record API knows a field by its exact name (or id): "last assessed" is unknown.
    table = empty.table("Targets")
    with pytest.raises(requests.HTTPError) as raised:
        table.create_field("last ASSESSED", "dateTime", options=DATE_TIME)
    assert _error(raised) == (
        422,
        {
            "error": {
                "type": "DUPLICATE_OR_EMPTY_FIELD_NAME",
                "message": 'Field name "last ASSESSED" is already used.',
            }
        },
    )
    with pytest.raises(requests.HTTPError) as raised:
        table.create({"Name": "T", "last assessed": "2026-11-22T09:00:00.000Z"})
    assert _error(raised)[1]["error"] == {
        "type": "UNKNOWN_FIELD_NAME",
        "message": 'Unknown field name: "last assessed"',
    }
    other = empty.table("Measurements").create_field("Last Assessed", "dateTime", options=DATE_TIME)
    assert other.name == "Last Assessed"  # another table may use the name in any case


DATE_TIME = {"dateFormat": {"name": "iso"}, "timeFormat": {"name": "24hour"}, "timeZone": "utc"}


# ---------------------------------------------------------------- reading


def test_all_with_a_formula_pages_over_more_than_100_records(empty: Harness) -> None:
    indicator = _indicators(empty, 1)[0]
    _measurements(empty, indicator, 230)
    empty.calls.clear()
    table = empty.table("Measurements")
    pages = list(table.iterate(formula="AND({Value} >= 20, {Source} = 'EDIS monthly extract')"))
    assert [len(page) for page in pages] == [100, 100, 10]
    assert [method for method, _ in empty.calls] == ["GET"] * 3
    matched = table.all(formula=F.GTE(F.Field("Value"), 20), page_size=40)
    assert len(matched) == 210 and len(empty.calls) == 3 + math.ceil(210 / 40)
    assert sorted(record["fields"]["Value"] for record in matched) == [
        float(n) for n in range(20, 230)
    ]
    assert all(record["fields"]["Indicator"] == [indicator] for record in matched)


def test_offsets_resume_a_snapshot_and_unknown_ones_are_refused(empty: Harness) -> None:
    _measurements(empty, _indicators(empty, 1)[0], 15)
    table = empty.table("Measurements")
    first = table.api.get(table.urls.records, params={"pageSize": 10})
    offset = first["offset"]
    assert offset.startswith("itr") and offset.split("/")[1].startswith("rec")
    again = table.api.get(table.urls.records, params={"pageSize": 10, "offset": offset})
    repeat = table.api.get(table.urls.records, params={"pageSize": 10, "offset": offset})
    assert again == repeat and len(again["records"]) == 5 and "offset" not in again
    for bad, kind in [
        ("itrAAAAAAAAAAAAAA/recAAAAAAAAAAAAAA", "LIST_RECORDS_ITERATOR_NOT_AVAILABLE"),
        ("page2", "INVALID_OFFSET_VALUE"),
    ]:
        with pytest.raises(requests.HTTPError) as raised:
            table.api.get(table.urls.records, params={"offset": bad})
        assert _error(raised)[0] == 422 and _error(raised)[1]["error"]["type"] == kind


def test_a_forgotten_iterator_is_refused(empty: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(airtable_list, "MAX_ITERATORS", 1)
    _measurements(empty, _indicators(empty, 1)[0], 5)
    table = empty.table("Measurements")
    first = table.api.get(table.urls.records, params={"pageSize": 2})["offset"]
    table.api.get(table.urls.records, params={"pageSize": 3})  # a newer listing
    with pytest.raises(requests.HTTPError) as raised:
        table.api.get(table.urls.records, params={"pageSize": 2, "offset": first})
    assert _error(raised)[1]["error"]["type"] == "LIST_RECORDS_ITERATOR_NOT_AVAILABLE"


def test_fields_sort_max_records_and_field_ids(empty: Harness) -> None:
    _measurements(empty, _indicators(empty, 1)[0], 12)
    table = empty.table("Measurements")
    records = table.all(fields=["Name", "Value"], sort=["-Value"], max_records=5)
    assert [r["fields"]["Value"] for r in records] == [11.0, 10.0, 9.0, 8.0, 7.0]
    assert all(set(r["fields"]) == {"Name", "Value"} for r in records)
    by_name = table.all(sort=["Name"], fields=["Name"])
    assert [r["fields"]["Name"] for r in by_name] == sorted(r["fields"]["Name"] for r in by_name)
    value_id = table.schema().field("Value").id
    keyed = table.all(fields=[value_id], use_field_ids=True, max_records=1)
    assert list(keyed[0]["fields"]) == [value_id]
    assert keyed[0]["createdTime"] == "2026-03-01T09:00:00.000Z"


def test_a_url_too_long_falls_back_to_post_list_records(empty: Harness) -> None:
    ids = _indicators(empty, 12)
    table = empty.table("Indicators")
    wanted = ids[:3]
    padding = [F.EQ(F.Field("Name"), "x" * 40) for _ in range(420)]
    formula = F.OR(*[F.EQ(F.RECORD_ID(), rid) for rid in wanted], *padding)
    empty.calls.clear()
    found = table.all(formula=formula, fields=["Name"])
    assert sorted(record["id"] for record in found) == sorted(wanted)
    assert empty.calls[0][0] == "POST" and empty.calls[0][1].endswith("/listRecords")


def test_get_renders_each_field_type_and_omits_empty_ones(empty: Harness) -> None:
    empty.api.seed("demo", ANCHOR)
    item = next(i for i in portfolio.build(ANCHOR).items if i.kind == "strategy" and i.drives)
    strategies = empty.table("Strategies")
    found = strategies.all(formula=F.match({"Name": item.name}))
    assert len(found) == 1
    got = strategies.get(found[0]["id"])
    fields = got["fields"]
    assert got["id"].startswith("rec") and len(got["id"]) == 17
    assert fields["Start date"] == item.fields["Start date"].isoformat()  # type: ignore[attr-defined]
    assert fields["End date"] == item.fields["Due date"].isoformat()  # type: ignore[attr-defined]
    assert fields["Status"] == ("Done" if item.fields["Done"] else "In progress")
    assert fields["Impact"] == str(item.fields["Impact"])
    assert len(fields["Drives"]) == len(item.drives)
    assert all(link.startswith("rec") and len(link) == 17 for link in fields["Drives"])
    assert fields["Last modified"].endswith("Z") and got["createdTime"].endswith(".000Z")
    assert "Delivery likelihood" not in fields and "Rubric gaps" not in fields
    owners = {p.ref: p for p in portfolio.PEOPLE}
    assert fields["Accountable owner"] == [
        {"id": owners[ref].airtable_user_id, "email": owners[ref].email, "name": owners[ref].name}
        for ref in item.fields["Accountable owner"]  # type: ignore[attr-defined]
    ]


def test_lookups_rollups_and_formulas_take_airtables_shapes(empty: Harness) -> None:
    api = empty.api
    api.add_field(
        "Targets",
        {
            "name": "Unit",
            "type": "multipleLookupValues",
            "options": {"recordLinkFieldId": "Indicator", "fieldIdInLinkedTable": "Unit"},
        },
    )
    api.add_field(
        "Targets",
        {
            "name": "Ratio",
            "type": "formula",
            "options": {"formula": "{Target value} / {Baseline value}"},
        },
    )
    api.add_field(
        "Targets", {"name": "Broken", "type": "formula", "options": {"formula": "ERROR()"}}
    )
    for name, function in (("Highest", "MAX"), ("Mean", "AVERAGE")):
        options = {"recordLinkFieldId": "Drives", "fieldIdInLinkedTable": "Target value"}
        api.add_field(
            "Strategies",
            {"name": name, "type": "rollup", "options": {**options, "function": function}},
        )
    indicator = empty.table("Indicators").create({"Name": "ED share", "Unit": "%"})["id"]
    targets = empty.table("Targets")
    rows: list[Any] = [
        {"Name": "a", "Indicator": [indicator], "Target value": 58, "Baseline value": 29},
        {"Name": "b", "Target value": 3, "Baseline value": 0},
        {"Name": "c", "Target value": 0, "Baseline value": 0},
        {"Name": "d", "Target value": -3, "Baseline value": 0},
    ]
    made = {r["fields"]["Name"]: r for r in targets.batch_create(rows)}
    assert made["a"]["fields"]["Unit"] == ["%"] and "Unit" not in made["b"]["fields"]
    assert made["a"]["fields"]["Ratio"] == 2
    assert [made[n]["fields"]["Ratio"] for n in "bcd"] == [
        {"specialValue": "Infinity"},
        {"specialValue": "NaN"},
        {"specialValue": "-Infinity"},
    ]
    assert all(made[n]["fields"]["Broken"] == {"error": "#ERROR!"} for n in "abcd")
    strategies = empty.table("Strategies")
    driving = strategies.create({"Name": "s", "Drives": [made["a"]["id"], made["b"]["id"]]})
    assert (driving["fields"]["Highest"], driving["fields"]["Mean"]) == (58, 30.5)
    assert strategies.create({"Name": "none"})["fields"]["Mean"] == {"specialValue": "NaN"}
    ratio = _field(targets.schema(force=True), "Ratio")
    assert ratio.options.formula == (
        f"{{{_field(targets.schema(), 'Target value').id}}} / "
        f"{{{_field(targets.schema(), 'Baseline value').id}}}"
    )  # the meta API names a formula's fields by id
    assert "function" not in str(strategies.schema(force=True).field("Mean")._raw)
    with pytest.raises(requests.HTTPError) as raised:
        targets.update(made["a"]["id"], {"Ratio": 1})
    assert _error(raised)[1]["error"]["type"] == "INVALID_VALUE_FOR_COLUMN"
    with pytest.raises(requests.HTTPError) as raised:  # the Web API creates none of them
        targets.create_field("Gain", "formula", options={"formula": "1"})
    assert _error(raised)[1]["error"]["type"] == "UNSUPPORTED_FIELD_TYPE_FOR_CREATE"
    found = targets.all(formula="{Ratio} > 1", fields=["Name"])  # an error filters a record out
    assert [r["fields"]["Name"] for r in found] == ["a"]


def test_percent_rich_text_and_zoned_date_times_as_airtable_sends_them(empty: Harness) -> None:
    table = empty.table("Indicators")
    table.create_field("Share", "percent", options={"precision": 1})
    table.create_field("Notes", "richText")
    zoned = {"timeZone": "Australia/Sydney", "dateFormat": {"name": "iso"}}
    table.create_field("Measured at", "dateTime", options=zoned)
    record = table.create(
        {
            "Name": "Seen in four hours",
            "Share": 0.58,
            "Notes": "**2026-06-30**: 58\n",
            "Measured at": "2026-01-01T09:00:00+11:00",
        }
    )
    assert record["fields"]["Share"] == 0.58  # a percent is a fraction: 58% is 0.58
    assert record["fields"]["Notes"] == "**2026-06-30**: 58\n"  # rich text is markdown
    assert record["fields"]["Measured at"] == "2025-12-31T22:00:00.000Z"  # always in UTC
    schema = table.schema(force=True)
    assert _field(schema, "Measured at").options.time_zone == "Australia/Sydney"
    assert _field(schema, "Share").type == "percent"


# ---------------------------------------------------------------- writing


def test_incremental_read_with_last_modified_time(empty: Harness) -> None:
    ids = _indicators(empty, 6)
    table = empty.table("Indicators")
    cursor = empty.clock.tick(hours=1)
    empty.clock.tick(minutes=5)
    table.update(ids[1], {"Unit": "%"})
    table.batch_update([{"id": ids[4], "fields": {"Current value": 12.5}}])
    table.update(ids[2], {"Name": "Indicator 002"})  # the same value: nothing changes
    since = F.IS_AFTER(F.LAST_MODIFIED_TIME(), F.DATETIME_PARSE(cursor))
    changed = table.all(formula=since)
    assert sorted(record["id"] for record in changed) == sorted([ids[1], ids[4]])
    assert changed[0]["fields"]["Last modified"] == "2026-03-01T10:05:00.000Z"
    by_field = table.all(formula=f"IS_AFTER(LAST_MODIFIED_TIME({{Unit}}), '{cursor.isoformat()}')")
    assert [record["id"] for record in by_field] == [ids[1]]


def test_batch_update_of_23_records_makes_3_patch_requests(empty: Harness) -> None:
    ids = _indicators(empty, 23)
    empty.calls.clear()
    table = empty.table("Indicators")
    updated = table.batch_update(
        [{"id": rid, "fields": {"Current value": float(n)}} for n, rid in enumerate(ids)]
    )
    assert [method for method, _ in empty.calls] == ["PATCH"] * 3
    assert [record["fields"]["Current value"] for record in updated] == [
        float(n) for n in range(23)
    ]
    assert table.get(ids[22])["fields"]["Current value"] == 22.0


def test_put_replaces_and_patch_merges(empty: Harness) -> None:
    table = empty.table("Targets")
    record = table.create({"Name": "Median wait", "Direction": "Decrease", "Target value": 30})
    merged = table.update(record["id"], {"Target date": "2027-11-01"})
    assert merged["fields"]["Direction"] == "Decrease" and merged["fields"]["Target value"] == 30
    replaced = table.update(record["id"], {"Name": "Median wait"}, replace=True)
    assert set(replaced["fields"]) == {"Name", "Last modified"}


def test_batch_upsert_matches_on_key_fields(empty: Harness) -> None:
    table = empty.table("Risks")
    table.create({"Name": "Winter surge", "Mitigation": "Summer training"})
    result = table.batch_upsert(
        [
            {"fields": {"Name": "Winter surge", "Mitigation": "Backfill from the nursing pool"}},
            {"fields": {"Name": "Data lag", "Mitigation": "Weekly extract"}},
        ],
        key_fields=["Name"],
    )
    assert len(result["createdRecords"]) == 1 and len(result["updatedRecords"]) == 1
    by_name = {r["fields"]["Name"]: r["fields"]["Mitigation"] for r in table.all()}
    assert by_name == {
        "Winter surge": "Backfill from the nursing pool",
        "Data lag": "Weekly extract",
    }


def test_links_collaborators_dates_and_typecast(empty: Harness) -> None:
    empty.api.seed("demo", ANCHOR)
    amara = portfolio.PEOPLE[0]
    priorities, outcomes = empty.table("Priorities"), empty.table("Outcomes")
    fields: Any = {
        "Name": "Safer streets",
        "Accountable owner": [{"email": amara.email}],
        "Last assessed": "2026-03-01T10:15:00+01:00",
        "Department": portfolio.SELECT_OPTIONS["Department"][0],
    }
    priority = priorities.create(fields)
    assert priority["fields"]["Accountable owner"] == [
        {"id": amara.airtable_user_id, "email": amara.email, "name": amara.name}
    ]
    assert priority["fields"]["Last assessed"] == "2026-03-01T09:15:00.000Z"
    outcome = outcomes.create({"Name": "Fewer repeat offences", "Priority": [priority["id"]]})
    assert outcome["fields"]["Priority"] == [priority["id"]]
    typed = outcomes.create({"Name": "Typed", "Priority": "Safer streets"}, typecast=True)
    assert typed["fields"]["Priority"] == [priority["id"]]
    priorities.delete(priority["id"])
    assert "Priority" not in outcomes.get(outcome["id"])["fields"]
    numbers = empty.table("Measurements").create({"Name": "n", "Value": "1,234.5"}, typecast=True)
    assert numbers["fields"]["Value"] == 1234.5


def test_bulk_create_skips_the_request_limits_but_not_the_checks(empty: Harness) -> None:
    empty.api.rate_limit_per_second = 5
    try:
        ids = empty.api.bulk_create("Risks", [{"Name": f"Risk {n}"} for n in range(250)])
        assert len(set(ids)) == 250 and empty.running.count(path="/v0/*") == 0
        with pytest.raises(AirtableError) as raised:
            empty.api.bulk_create("Risks", [{"Name": "late"}, {"Nmae": "typo"}])
        assert raised.value.error_type == "UNKNOWN_FIELD_NAME"
    finally:
        empty.api.rate_limit_per_second = None
    assert len(empty.table("Risks").all(fields=["Name"])) == 250


def test_batch_delete(empty: Harness) -> None:
    ids = _indicators(empty, 12)
    deleted = empty.table("Indicators").batch_delete(ids)
    assert [d["id"] for d in deleted] == ids and all(d["deleted"] for d in deleted)
    assert empty.table("Indicators").all() == []


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "status", "kind"),
    [
        (lambda t: t.create({"Nmae": "x"}), 422, "UNKNOWN_FIELD_NAME"),
        (lambda t: t.all(fields=["Nmae"]), 422, "UNKNOWN_FIELD_NAME"),
        (lambda t: t.all(formula="{Value} >"), 422, "INVALID_FILTER_BY_FORMULA"),
        (lambda t: t.all(formula="{Vaule} > 1"), 422, "INVALID_FILTER_BY_FORMULA"),
        (lambda t: t.all(formula="WEEKDAY({Date}) = 1"), 422, "INVALID_FILTER_BY_FORMULA"),
        (lambda t: t.create({"Value": "many"}), 422, "INVALID_VALUE_FOR_COLUMN"),
        (lambda t: t.create({"Date": "next week"}), 422, "INVALID_VALUE_FOR_COLUMN"),
        (lambda t: t.create({"Indicator": "recX"}), 422, "INVALID_VALUE_FOR_COLUMN"),
        (lambda t: t.create({"Indicator": ["recAAAAAAAAAAAAAA"]}), 422, "ROW_DOES_NOT_EXIST"),
        (lambda t: t.create({"Last modified": "2026-01-01"}), 422, "INVALID_VALUE_FOR_COLUMN"),
        (lambda t: t.get("recAAAAAAAAAAAAAA"), 404, "MODEL_ID_NOT_FOUND"),
        (lambda t: t.delete("recAAAAAAAAAAAAAA"), 404, "MODEL_ID_NOT_FOUND"),
        (lambda t: t.all(page_size=101), 422, "INVALID_REQUEST_UNKNOWN"),
        (lambda t: t.all(view="Kanban"), 422, "VIEW_NAME_NOT_FOUND"),
        (
            lambda t: t.batch_update([{"id": "recAAAAAAAAAAAAAA", "fields": {}}]),
            422,
            "ROW_DOES_NOT_EXIST",
        ),
        (
            lambda t: t.api.post(t.urls.records, json={"records": [{"fields": {}}] * 11}),
            422,
            "INVALID_RECORDS",
        ),
        (
            lambda t: t.api.patch(t.urls.records, json={"records": [{"fields": {}}] * 11}),
            422,
            "INVALID_RECORDS",
        ),
        (lambda t: t.api.post(t.urls.records, json={"record": {}}), 422, "INVALID_REQUEST_UNKNOWN"),
    ],
)
def test_bad_requests_get_airtables_status_and_shape(
    empty: Harness, call: Any, status: int, kind: str
) -> None:
    with pytest.raises(requests.HTTPError) as raised:
        call(empty.table("Measurements"))
    got_status, body = _error(raised)
    assert got_status == status
    assert body["error"]["type"] == kind and body["error"]["message"]


def test_error_messages_say_what_airtable_says(empty: Harness) -> None:
    table = empty.table("Measurements")
    with pytest.raises(requests.HTTPError) as raised:
        table.api.post(table.urls.records, json={"records": [{"fields": {}}] * 11})
    assert _error(raised)[1]["error"]["message"] == (
        "A maximum of 10 records can be created per request but you have provided 11."
    )
    with pytest.raises(requests.HTTPError) as raised:
        table.all(formula="AND({Vaule} > 1, {Suorce} = 'x')")
    assert _error(raised)[1]["error"]["message"] == (
        "The formula for filtering records is invalid: Unknown field names: Vaule, Suorce"
    )
    with pytest.raises(requests.HTTPError) as raised:
        empty.table("Targets").create({"Direction": "Sideways"})
    assert _error(raised)[1] == {
        "error": {
            "type": "INVALID_MULTIPLE_CHOICE_OPTIONS",
            "message": 'Insufficient permissions to create new select option ""Sideways""',
        }
    }
    assert empty.table("Targets").all() == []


def test_unknown_table_and_base(empty: Harness) -> None:
    with pytest.raises(requests.HTTPError) as raised:
        empty.table("Initiatives").all()
    assert _error(raised) == (
        404,
        {
            "error": {
                "type": "TABLE_NOT_FOUND",
                "message": f"Could not find table Initiatives in application {BASE_ID}",
            }
        },
    )
    with pytest.raises(requests.HTTPError) as raised:
        empty.client().table("appAAAAAAAAAAAAAA", "Priorities").all()
    assert _error(raised)[0] == 403
    assert _error(raised)[1]["error"]["type"] == "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND"


def test_a_failed_batch_writes_nothing(empty: Harness) -> None:
    table = empty.table("Risks")
    with pytest.raises(requests.HTTPError):
        table.batch_create([{"Name": "fine"}, {"Name": "bad", "Mitigation": 3}])
    assert table.all() == []


# ---------------------------------------------------------------- rate limit


RATE_LIMITED = {
    "errors": [
        {"error": "RATE_LIMIT_REACHED", "message": "Rate limit exceeded. Please try again later"}
    ]
}


@pytest.fixture
def limited(empty: Harness) -> Iterator[list[float]]:
    """Airtable's limits on, on a clock the test moves (`seconds[0]`)."""
    seconds = [100.0]
    empty.api.reset_rate_limits()
    empty.api.clock = lambda: seconds[0]
    empty.api.rate_limit_per_second = 5
    yield seconds
    empty.api.rate_limit_per_second = None
    empty.api.clock = time.monotonic


def test_the_sixth_request_in_a_second_gets_429_and_30_seconds_of_refusals(
    empty: Harness, limited: list[float]
) -> None:
    assert empty.api.rate_limit_penalty_seconds == 30  # Airtable's, unless the sandbox is told
    table = empty.table("Priorities")
    for _ in range(5):
        table.all()
    with pytest.raises(requests.HTTPError) as raised:
        table.all()
    assert _error(raised) == (429, RATE_LIMITED)
    assert empty.client().bases()  # the bases list is not a base's request
    for later in (1.001, 10.0, 28.0):  # a second later the window is free, but the penalty holds
        limited[0] = 100.0 + later
        with pytest.raises(requests.HTTPError) as raised:
            table.all()
        assert _error(raised) == (429, RATE_LIMITED)
    limited[0] = 100.0 + 30.001  # refusals during the penalty did not lengthen it
    assert table.all() == []
    log = empty.running.stats()["log"]
    statuses = [row["status"] for row in log if row["path"] != "/v0/meta/bases"]
    assert statuses == [200] * 5 + [429] * 4 + [200]


def test_fifty_requests_a_second_per_token_across_bases(
    empty: Harness, limited: list[float]
) -> None:
    client = empty.client()
    for _ in range(50):  # the meta API names no base: only the token's limit counts it
        client.whoami()
    with pytest.raises(requests.HTTPError) as raised:
        client.whoami()
    assert _error(raised) == (429, RATE_LIMITED)
    limited[0] += 5.0  # the token's penalty holds for every base too
    with pytest.raises(requests.HTTPError) as raised:
        empty.table("Priorities").all()
    assert _error(raised)[0] == 429
    limited[0] += 25.001
    assert empty.table("Priorities").all() == []


def test_the_penalty_is_the_sandboxs_to_shorten(make_sandbox: Any) -> None:
    quick = make_sandbox(seed="empty", airtable_penalty_seconds=0.2)
    table = Api(quick.token, endpoint_url=quick.url, retry_strategy=None).table(BASE_ID, "Risks")

    def status() -> int:
        try:
            table.all()
        except requests.HTTPError as error:
            assert error.response is not None
            return error.response.status_code
        return 200

    statuses = [status() for _ in range(20)]
    assert 429 in statuses and statuses[: statuses.index(429)] == [200] * 5
    time.sleep(1.25)  # the real window (1 s) and the short penalty to pass: real time here
    assert status() == 200


# ---------------------------------------------------------------- demo seed


def test_demo_renders_the_portfolio(empty: Harness) -> None:
    empty.api.seed("demo", ANCHOR)
    built = portfolio.build(ANCHOR)
    client = empty.client()
    for kind, name in TABLES.items():
        records = client.table(BASE_ID, name).all()
        assert len(records) == sum(item.kind == kind for item in built.items), name
    measurements = client.table(BASE_ID, "Measurements").all()
    assert len(measurements) == sum(len(series) for series in built.history.values())
    indicators = {r["id"]: r["fields"]["Name"] for r in client.table(BASE_ID, "Indicators").all()}
    per_indicator: dict[str, list[str]] = {}
    for row in measurements:
        per_indicator.setdefault(indicators[row["fields"]["Indicator"][0]], []).append(
            row["fields"]["Date"]
        )
    assert all(len(dates) >= 24 for dates in per_indicator.values())
    stale = built.item(built.planted["RD205"][0])
    assert max(per_indicator[stale.name]) == built.history[stale.ref][-1][0].isoformat()
    outcomes = client.table(BASE_ID, "Outcomes").all()
    priorities = {r["fields"]["Name"]: r["id"] for r in client.table(BASE_ID, "Priorities").all()}
    parents = {
        i.name: built.item(i.parent).name for i in built.items if i.kind == "outcome" and i.parent
    }
    assert {
        r["fields"]["Name"]: r["fields"]["Priority"] for r in outcomes if "Priority" in r["fields"]
    } == {name: [priorities[parent]] for name, parent in parents.items()}
    targets = {r["fields"]["Name"]: r["fields"] for r in client.table(BASE_ID, "Targets").all()}
    unreadable = built.item(PLANTED_DATA_PROBLEMS["RD901"][0])
    assert not targets[unreadable.name]["Trajectory"][:4].isdigit()
    sound = next(t for t in built.items if t.kind == "target" and t.fields.get("Trajectory"))
    assert targets[sound.name]["Trajectory"].splitlines()[0][:10].count("-") == 2
    two_owners = built.item(built.planted["RD108"][0])
    shown = {r["fields"]["Name"]: r["fields"] for r in outcomes}[two_owners.name]
    assert len(shown["Accountable owner"]) == 2
    units = {r["id"]: r["fields"].get("Unit") for r in client.table(BASE_ID, "Indicators").all()}
    for fields in targets.values():  # the computed fields a real base grows, in their shapes
        linked = fields.get("Indicator", [])
        assert fields.get("Indicator unit") == ([units[linked[0]]] if linked else None)
        dated = "Target date" in fields and "Baseline date" in fields
        gain = fields["Gain a month"]
        assert isinstance(gain, int | float) if dated else gain == {"error": "#ERROR!"}
    first_ids = sorted(indicators)  # the same anchor gives the same ids
    empty.api.seed("demo", ANCHOR)
    assert sorted(r["id"] for r in client.table(BASE_ID, "Indicators").all()) == first_ids
