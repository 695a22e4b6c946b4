"""List and get records: query parameters, formula filter, sort, paging with offsets.

The first page of a listing takes a snapshot of the matching record ids, as Airtable's
iterators do; its `offset` is `itr…/rec…` (the iterator, then the first record of the next
page), so repeating a request with the same offset is safe. An offset the sandbox no longer
knows (too many listings since, or a restart) gets 422 LIST_RECORDS_ITERATOR_NOT_AVAILABLE.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connector.sandbox.airtable.formula import FormulaError, compile_filter
from connector.sandbox.airtable.store import (
    AirtableError,
    FieldDef,
    Store,
    StoredRecord,
    TableDef,
    new_id,
)
from connector.sandbox.airtable.values import Cells, RowContext

MAX_PAGE_SIZE = 100
MAX_ITERATORS = 1000
MAX_SNAPSHOT_IDS = 500_000  # kept across all iterators; the oldest are forgotten first
PARAMETER_VALIDATION = "Invalid request: parameter validation failed. Check your request data."
_OFFSET = re.compile(r"^(itr[A-Za-z0-9]{14})/(rec[A-Za-z0-9]{14})$")
_SORT_KEY = re.compile(r"^sort\[(\d+)\]\[(field|direction)\]$")


def invalid_request(message: str = PARAMETER_VALIDATION) -> AirtableError:
    return AirtableError(422, "INVALID_REQUEST_UNKNOWN", message)


def unknown_field(name: str) -> AirtableError:
    return AirtableError(422, "UNKNOWN_FIELD_NAME", f'Unknown field name: "{name}"')


@dataclass
class ListQuery:
    """The list-records parameters, from a query string or a listRecords body."""

    page_size: int = MAX_PAGE_SIZE
    max_records: int | None = None
    offset: str | None = None
    fields: list[str] | None = None
    formula: str = ""
    sort: list[tuple[str, str]] = field(default_factory=list)
    view: str | None = None
    by_field_id: bool = False
    comment_count: bool = False

    @classmethod
    def from_args(cls, args: Any) -> ListQuery:
        """From werkzeug's MultiDict of query arguments."""
        sort: dict[int, dict[str, str]] = {}
        for key in args:
            if match := _SORT_KEY.match(key):
                sort.setdefault(int(match.group(1)), {})[match.group(2)] = args[key]
        fields = args.getlist("fields[]") or args.getlist("fields") or None
        return cls.build(
            page_size=args.get("pageSize"),
            max_records=args.get("maxRecords"),
            offset=args.get("offset"),
            fields=fields,
            formula=args.get("filterByFormula", ""),
            sort=[sort[index] for index in sorted(sort)],
            view=args.get("view"),
            by_field_id=args.get("returnFieldsByFieldId", "").lower() in {"1", "true"},
            metadata=args.getlist("recordMetadata[]"),
            cell_format=args.get("cellFormat"),
        )

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> ListQuery:
        """From the JSON body of `POST …/listRecords`."""
        allowed = {"pageSize", "maxRecords", "offset", "fields", "filterByFormula", "sort"}
        allowed |= {"view", "returnFieldsByFieldId", "recordMetadata", "cellFormat"}
        allowed |= {"timeZone", "userLocale"}
        if set(body) - allowed:
            raise invalid_request()
        sort = body.get("sort") or []
        fields = body.get("fields")
        if not isinstance(sort, list) or (fields is not None and not isinstance(fields, list)):
            raise invalid_request()
        return cls.build(
            page_size=body.get("pageSize"),
            max_records=body.get("maxRecords"),
            offset=body.get("offset"),
            fields=fields,
            formula=body.get("filterByFormula") or "",
            sort=sort,
            view=body.get("view"),
            by_field_id=bool(body.get("returnFieldsByFieldId")),
            metadata=body.get("recordMetadata") or [],
            cell_format=body.get("cellFormat"),
        )

    @classmethod
    def build(cls, **raw: Any) -> ListQuery:
        if raw["cell_format"] not in (None, "json"):
            raise invalid_request("The sandbox serves cellFormat 'json' only.")
        sort: list[tuple[str, str]] = []
        for spec in raw["sort"]:
            if not isinstance(spec, dict) or not isinstance(spec.get("field"), str):
                raise invalid_request()
            direction = spec.get("direction", "asc")
            if direction not in {"asc", "desc"}:
                raise invalid_request()
            sort.append((spec["field"], direction))
        fields = raw["fields"]
        if fields is not None and not all(isinstance(name, str) for name in fields):
            raise invalid_request()
        return cls(
            page_size=_positive(raw["page_size"], MAX_PAGE_SIZE, MAX_PAGE_SIZE) or MAX_PAGE_SIZE,
            max_records=_positive(raw["max_records"], None, None),
            offset=raw["offset"] or None,
            fields=fields,
            formula=str(raw["formula"]),
            sort=sort,
            view=raw["view"],
            by_field_id=raw["by_field_id"],
            comment_count="commentCount" in raw["metadata"],
        )


def _positive(raw: Any, default: int | None, most: int | None) -> int | None:
    if raw is None or raw == "":
        return default
    try:
        number = int(raw)
    except (TypeError, ValueError):
        raise invalid_request() from None
    if number < 1 or (most is not None and number > most):
        raise invalid_request()
    return number


def render(
    cells: Cells,
    record: StoredRecord,
    columns: list[FieldDef],
    by_field_id: bool = False,
) -> dict[str, Any]:
    """A record as the API returns it; empty fields are left out."""
    shown: dict[str, Any] = {}
    for column in columns:
        value = cells.show(column, record)
        if value is not None:
            shown[column.id if by_field_id else column.name] = value
    return {"id": record.id, "createdTime": record.created, "fields": shown}


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    return (1, value.casefold() if isinstance(value, str) else value)


class Lister:
    """Serves list and get requests; keeps the iterators behind `offset`."""

    def __init__(self, store: Store, now: Callable[[], datetime]) -> None:
        self.store = store
        self.now = now
        self._iterators: OrderedDict[str, tuple[str, list[str], dict[str, int]]] = OrderedDict()
        self._kept = 0

    def columns(self, table: TableDef, names: list[str] | None) -> list[FieldDef]:
        if names is None:
            return table.fields
        columns = []
        for name in names:
            column = table.field(name)
            if column is None:
                raise unknown_field(name)
            columns.append(column)
        return columns

    def list_records(self, cells: Cells, table: TableDef, query: ListQuery) -> dict[str, Any]:
        columns = self.columns(table, query.fields)
        if query.offset is not None:
            ids, start = self._resume(table, query.offset)
            iterator = query.offset.split("/")[0]
        else:
            ids, start, iterator = self._select(cells, table, query), 0, ""
        end = start + query.page_size
        page = list(self.store.records(table.id, ids[start:end]))
        records = [render(cells, record, columns, query.by_field_id) for record in page]
        if query.comment_count:
            for record in records:
                record["commentCount"] = 0
        answer: dict[str, Any] = {"records": records}
        if end < len(ids):
            iterator = iterator or self._remember(table, ids)
            answer["offset"] = f"{iterator}/{ids[end]}"
        return answer

    def _select(self, cells: Cells, table: TableDef, query: ListQuery) -> list[str]:
        if query.view is not None and query.view not in {"Grid view", table.view_id}:
            raise AirtableError(422, "VIEW_NAME_NOT_FOUND", f"View {query.view} not found")
        sort = [(self.columns(table, [name])[0], direction) for name, direction in query.sort]
        formula = None
        if query.formula.strip():
            known = {each.name for each in table.fields} | {each.id for each in table.fields}
            try:
                formula = compile_filter(query.formula, known)
            except FormulaError as error:
                raise AirtableError(
                    422,
                    "INVALID_FILTER_BY_FORMULA",
                    f"The formula for filtering records is invalid: {error.message}",
                ) from None
        if formula is None and not sort:
            ids = self.store.record_ids(table.id)
        else:
            now = self.now()
            rows = list(self.store.records(table.id))
            if formula is not None:
                columns = RowContext.columns(table.fields)
                rows = [r for r in rows if formula.matches(RowContext(cells, columns, r, now))]
            for column, direction in reversed(sort):
                rows.sort(
                    key=lambda row, c=column: _sort_key(cells.typed(c, row)),  # type: ignore[misc]
                    reverse=direction == "desc",
                )
            ids = [row.id for row in rows]
        return ids[: query.max_records] if query.max_records else ids

    def _remember(self, table: TableDef, ids: list[str]) -> str:
        iterator = new_id("itr")
        self._iterators[iterator] = (table.id, ids, {rid: index for index, rid in enumerate(ids)})
        self._kept += len(ids)
        while len(self._iterators) > MAX_ITERATORS or (
            self._kept > MAX_SNAPSHOT_IDS and len(self._iterators) > 1
        ):
            self._kept -= len(self._iterators.popitem(last=False)[1][1])
        return iterator

    def _resume(self, table: TableDef, offset: str) -> tuple[list[str], int]:
        match = _OFFSET.match(offset)
        if match is None:
            raise AirtableError(
                422, "INVALID_OFFSET_VALUE", f"The value of offset {offset} is invalid"
            )
        known = self._iterators.get(match.group(1))
        if known is None or known[0] != table.id or match.group(2) not in known[2]:
            raise AirtableError(
                422,
                "LIST_RECORDS_ITERATOR_NOT_AVAILABLE",
                "The list records iterator is not available (expired, or from another table);"
                " start the listing again without an offset.",
            )
        self._iterators.move_to_end(match.group(1))
        return known[1], known[2][match.group(2)]

    def get(self, cells: Cells, table: TableDef, record_id: str, by_id: bool) -> dict[str, Any]:
        found = next(iter(self.store.records(table.id, [record_id])), None)
        if found is None:
            raise AirtableError(404, "MODEL_ID_NOT_FOUND", "Record not found")
        return render(cells, found, table.fields, by_id)
