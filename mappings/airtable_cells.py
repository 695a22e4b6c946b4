"""Airtable cell values as the API sends them, read by what the base's schema says of the field.

- A lookup (and a rollup such as ARRAYUNIQUE) is an array: `[58]` reads as 58; several
  different values where one is wanted are an RD901 naming them.
- A formula, rollup or lookup that fails is `{"error": "#ERROR!"}`, or `{"specialValue":
  "NaN"}` / `"Infinity"`: an RD901 that says so, never a number.
- A percent field (or a computed one whose result is a percent) holds a fraction: 0.58 is 58%.
- Rich text is markdown: `**2026-06-30**: 58` reads as `2026-06-30: 58`.
- A date-time is in UTC; read as a date, it is the date in the field's time zone (its
  `options.timeZone`), or, for a field shown in each viewer's own zone ("client"), in the
  source's `time_zone`: a reading taken at 9:00 on 1 January in Sydney is dated 1 January.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from datetime import date
from typing import Any

from mappings.markdown import markdown_text
from mappings.readers import Reader, ReadError, read_date, read_datetime

COMPUTED = frozenset({"formula", "rollup", "multipleLookupValues"})
TIMES = frozenset({"dateTime", "createdTime", "lastModifiedTime"})
ARRAY_READERS = frozenset({"users", "keys"})  # readers that take an array as it is
JOINED_READERS = frozenset({"text", "paragraph"})  # several values read as one text


def result_of(kind: str, options: Any) -> tuple[str, Mapping[str, Any]]:
    """The type and options of what a field holds: a computed field's result, else its own."""
    options = options if isinstance(options, Mapping) else {}
    result = options.get("result")
    if kind in COMPUTED | {"createdTime", "lastModifiedTime"} and isinstance(result, Mapping):
        inner = result.get("options")
        return str(result.get("type")), inner if isinstance(inner, Mapping) else {}
    return kind, options


def cell_reader(
    read: Reader,
    reader: str,
    field: tuple[str, Any],
    *,
    number: bool = False,
    time_zone: str | None = None,
) -> Reader:
    """`read` for the values of a field of type `field` = (type, options): `reader` is the
    mapping's reader name, `number` whether a percent is read as a number of percent."""
    kind, options = field
    holds, held = result_of(kind, options)
    computed = kind in COMPUTED
    percent = number and holds == "percent"
    rich = holds == "richText"
    zone = _zone(held.get("timeZone"), time_zone) if reader == "date" and holds in TIMES else None
    if not (computed or percent or rich or zone):
        return read

    def read_cell(raw: Any) -> Any:
        if computed:
            raw = settle(raw, reader)
            if raw is None:
                return None
        if rich and isinstance(raw, str):
            raw = markdown_text(raw)
        if zone is not None and isinstance(raw, str):
            return local_date(raw, zone)
        value = read(raw)
        if percent and isinstance(raw, int | float) and value is not None:
            return round(value * 100, 9)  # 0.744 is 74.4, not 74.40000000000001
        return value

    return read_cell


def settle(raw: Any, reader: str) -> Any:
    """A computed field's value as one value (or the array, for readers that take arrays);
    a formula's error or special value raises ReadError saying so."""
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, dict):
            _refuse_special(item)
    if not isinstance(raw, list) or reader in ARRAY_READERS:
        return raw
    values: list[Any] = []
    for item in raw:
        if item not in (None, "") and item not in values:
            values.append(item)
    if len(values) <= 1:
        return values[0] if values else None
    if reader in JOINED_READERS:
        return values
    shown = ", ".join(repr(value) for value in values[:4])
    raise ReadError(
        f"it holds {len(values)} different values ({shown}), from the several records it "
        "looks up; expected one"
    )


def _refuse_special(cell: dict[str, Any]) -> None:
    if isinstance(cell.get("error"), str):
        raise ReadError(
            f"the formula gives {cell['error']} here: correct the formula, or the values it reads"
        )
    if isinstance(cell.get("specialValue"), str):
        raise ReadError(
            f"the formula's result is {cell['specialValue']}, not a number (a division by "
            "zero, or an average of nothing): correct the formula, or the values it reads"
        )


def _zone(field_zone: Any, source_zone: str | None) -> zoneinfo.ZoneInfo | None:
    """The zone a field's dates are seen in: its own, else the source's ("client" and none);
    None for UTC, which needs nothing done."""
    name = source_zone if field_zone in (None, "client") else field_zone
    if not isinstance(name, str) or name.lower() == "utc":
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None  # Airtable names only zones it knows; an unknown one reads as UTC


def local_date(raw: str, zone: zoneinfo.ZoneInfo) -> date | None:
    """The date a UTC date-time has in `zone`; a bare date stays as it is."""
    text = raw.strip()
    if len(text) <= 10:
        return read_date(text)
    moment = read_datetime(text)
    return None if moment is None else moment.astimezone(zone).date()
