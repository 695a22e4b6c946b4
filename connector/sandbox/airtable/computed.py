"""Formula, lookup and rollup fields: computed from a record's cells and links when it is read.

As in Airtable, these fields cannot be created through the Web API (a base's owner makes them
in the UI; here a seed or `AirtableAPI.add_field` does). Their values take Airtable's shapes:
a lookup is an array of the linked records' values (`[58]`, `["%"]`), a rollup is its
aggregate (`MAX(values)`), and a formula that fails on a record answers `{"error": "#ERROR!"}`,
or `{"specialValue": "NaN"}` / `{"specialValue": "Infinity"}` for a number that is not one
(a division by zero, an average of nothing). In the meta API a formula names its fields by id.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from connector.sandbox.airtable.formula import Formula, FormulaError
from connector.sandbox.airtable.formula_functions import EvalError, SpecialValue, Value
from connector.sandbox.airtable.store import (
    AirtableError,
    BaseDef,
    FieldDef,
    StoredRecord,
    TableDef,
    iso,
)

COMPUTED = frozenset({"formula", "multipleLookupValues", "rollup"})
ERROR = {"error": "#ERROR!"}
NUMBER_RESULT = {"type": "number", "options": {"precision": 2}}
TEXT_RESULT = {"type": "singleLineText"}
_FIELD_REFERENCE = re.compile(r"\{((?:[^}\\]|\\.)*)\}")


def _numbers(values: list[Any]) -> list[float]:
    return [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]


def _average(values: list[Any]) -> Any:
    numbers = _numbers(values)
    if not numbers:
        return {"specialValue": "NaN"}  # Airtable's answer for an average of nothing
    return sum(numbers) / len(numbers)


def _extreme(pick: Callable[[list[Any]], Any]) -> Callable[[list[Any]], Any]:
    def extreme(values: list[Any]) -> Any:
        numbers = _numbers(values)
        if numbers:
            return pick(numbers)
        texts = [v for v in values if isinstance(v, str) and v]
        return pick(texts) if texts else None  # ISO dates and times order as text

    return extreme


# A rollup's aggregation formula, by name, over the linked records' `values`.
AGGREGATIONS: dict[str, tuple[Callable[[list[Any]], Any], dict[str, Any] | None]] = {
    "SUM": (lambda values: sum(_numbers(values)), NUMBER_RESULT),
    "AVERAGE": (_average, NUMBER_RESULT),
    "MAX": (_extreme(max), None),  # None: the result takes the looked-up field's type
    "MIN": (_extreme(min), None),
    "COUNT": (lambda values: len(_numbers(values)), NUMBER_RESULT),
    "COUNTA": (lambda values: sum(1 for v in values if v not in (None, "")), NUMBER_RESULT),
    "ARRAYJOIN": (lambda values: ", ".join(str(v) for v in values), TEXT_RESULT),
    "ARRAYUNIQUE": (lambda values: list(dict.fromkeys(values)), None),
    "ARRAYCOMPACT": (lambda values: [v for v in values if v not in (None, "")], None),
}


# ---------------------------------------------------------------- values


def show(cells: Any, column: FieldDef, record: StoredRecord) -> Any:
    """The value of a computed field for one record, as the API returns it (None: omitted).

    `cells` is the request's `values.Cells`, which renders the fields these read."""
    if column.type == "formula":
        return _formula(cells, column, record)
    values = _linked_values(cells, column, record)
    if column.type == "multipleLookupValues":
        return values or None
    aggregate, _ = AGGREGATIONS[str((column.options or {})["_function"])]
    return _number_shape(aggregate(values))


def _linked_values(cells: Any, column: FieldDef, record: StoredRecord) -> list[Any]:
    """What the looked-up field shows on each linked record, in link order, arrays flattened."""
    options = column.options or {}
    table = cells.base.table_by_id(record.table_id)
    link = table.column(str(options["recordLinkFieldId"]))
    linked_table = cells.base.table_by_id(str((link.options or {})["linkedTableId"]))
    looked_up = linked_table.column(str(options["fieldIdInLinkedTable"]))
    values: list[Any] = []
    for linked in cells.store.records(linked_table.id, record.cells.get(link.id) or []):
        shown = cells.show(looked_up, linked)
        if isinstance(shown, list):
            values.extend(shown)
        elif shown is not None:
            values.append(shown)
    return values


def _formula(cells: Any, column: FieldDef, record: StoredRecord) -> Any:
    from connector.sandbox.airtable.values import RowContext  # values renders through us

    options = column.options or {}
    table = cells.base.table_by_id(record.table_id)
    context = RowContext(cells, RowContext.columns(table.fields), record, cells.now)
    try:
        value = _compiled(str(options["formula"])).evaluate(context)
    except SpecialValue as special:
        return {"specialValue": special.kind}
    except EvalError:
        return ERROR
    return _result(value, str((options.get("result") or {}).get("type")))


@lru_cache(maxsize=256)
def _compiled(text: str) -> Formula:
    return Formula(text)


def _result(value: Value, kind: str) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, datetime):
        return value.date().isoformat() if kind == "date" else iso(value)
    return _number_shape(value)


def _number_shape(value: Any) -> Any:
    """Numbers as JSON numbers (58, not 58.0); one that is not finite as a special value."""
    if isinstance(value, float):
        if math.isnan(value):
            return {"specialValue": "NaN"}
        if math.isinf(value):
            return {"specialValue": "Infinity" if value > 0 else "-Infinity"}
        return int(value) if value.is_integer() else value
    return value


# ---------------------------------------------------------------- definitions


def options_for(
    base: BaseDef, table: TableDef, kind: str, given: Mapping[str, Any]
) -> dict[str, Any]:
    """Complete, checked options of a new computed field (fields by name or id)."""
    if kind == "formula":
        return _formula_options(table, given)
    link = _field(table, given.get("recordLinkFieldId"), "recordLinkFieldId")
    if link.type != "multipleRecordLinks":
        raise _invalid(f"recordLinkFieldId {link.name!r} is not a linked-record field")
    linked_table = base.table_by_id(str((link.options or {})["linkedTableId"]))
    looked_up = _field(linked_table, given.get("fieldIdInLinkedTable"), "fieldIdInLinkedTable")
    result: dict[str, Any] = {"type": looked_up.type}
    if looked_up.options is not None:
        result["options"] = looked_up.options
    options: dict[str, Any] = {
        "isValid": True,
        "recordLinkFieldId": link.id,
        "fieldIdInLinkedTable": looked_up.id,
    }
    if kind == "rollup":
        function = str(given.get("function", "")).upper()
        if function not in AGGREGATIONS:
            raise _invalid(f"a rollup's function is one of {', '.join(AGGREGATIONS)}")
        options["referencedFieldIds"] = [looked_up.id]
        options["_function"] = function  # the sandbox's own: the API does not show it
        result = AGGREGATIONS[function][1] or result
    return {**options, "result": result}


def _formula_options(table: TableDef, given: Mapping[str, Any]) -> dict[str, Any]:
    text = str(given.get("formula", ""))
    try:
        formula = Formula(text)
    except FormulaError as error:
        raise _invalid(f"the formula is invalid: {error.message}") from None
    fields = [_field(table, name, "formula") for name in formula.fields]
    by_name = {field.name: field.id for field in fields}

    def by_id(match: re.Match[str]) -> str:
        return "{" + by_name.get(match.group(1), match.group(1)) + "}"

    return {
        "formula": _FIELD_REFERENCE.sub(by_id, text),
        "isValid": True,
        "referencedFieldIds": list(dict.fromkeys(field.id for field in fields)),
        "result": dict(given.get("result") or NUMBER_RESULT),
    }


def _field(table: TableDef, ref: Any, key: str) -> FieldDef:
    found = table.field(str(ref)) if ref else None
    if found is None:
        raise _invalid(f"{key} {ref!r} is not a field of table {table.name}")
    return found


def _invalid(message: str) -> AirtableError:
    return AirtableError(422, "INVALID_FIELD_OPTIONS", message)
