"""Values, coercions, operators and functions of the sandbox's Airtable formula subset.

Values are None (blank), bool, float, str and aware UTC datetimes. A function that cannot
work on one record's values raises EvalError: Airtable shows #ERROR! there, and a record
whose filter is an error is left out of the result.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

Value = None | bool | float | str | datetime


class EvalError(Exception):
    """A formula produced #ERROR! for one record (the record is filtered out)."""


class SpecialValue(EvalError):
    """A number that is not one: a formula field shows `{"specialValue": kind}`; a filter
    leaves the record out, as for any error."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind  # "NaN", "Infinity" or "-Infinity"


class RecordContext(Protocol):
    """What a formula may ask about one record."""

    @property
    def record_id(self) -> str: ...

    @property
    def created_time(self) -> datetime: ...

    @property
    def now(self) -> datetime: ...

    def value(self, field: str) -> Value: ...

    def last_modified(self, fields: Sequence[str]) -> datetime: ...


Compiled = Callable[[RecordContext], Value]

# ---------------------------------------------------------------- coercions


def to_bool(value: Value) -> bool:
    if value is None:
        return False
    if isinstance(value, datetime):
        return True
    return bool(value)


def to_number(value: Value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool | int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip() or 0)
        except ValueError:
            raise EvalError(f"not a number: {value!r}") from None
    raise EvalError("a date is not a number")


def to_text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float | int):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
            f"{value.microsecond // 1000:03d}Z"
        )
    return value


def parse_datetime(text: str) -> datetime:
    """ISO 8601 dates and date-times as Airtable reads them; naive means UTC."""
    cleaned = text.strip()
    if cleaned.endswith("Z"):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        raise EvalError(f"not a date: {text!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def to_datetime(value: Value) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value.strip():
        return parse_datetime(value)
    raise EvalError(f"not a date: {value!r}")


_MOMENT = [
    ("YYYY", "%Y"),
    ("MM", "%m"),
    ("DD", "%d"),
    ("HH", "%H"),
    ("mm", "%M"),
    ("ss", "%S"),
    ("SSS", "%f"),
]


def _datetime_parse(args: list[Value]) -> Value:
    text = to_text(args[0])
    if len(args) < 2 or args[1] is None:
        return to_datetime(text) if text else None
    pattern = to_text(args[1])
    if pattern in {"x", "X"}:
        seconds = to_number(text) / (1000 if pattern == "x" else 1)
        return datetime.fromtimestamp(seconds, UTC)
    for moment, strftime in _MOMENT:
        pattern = pattern.replace(moment, strftime)
    try:
        return datetime.strptime(text, pattern).replace(tzinfo=UTC)
    except ValueError:
        raise EvalError(f"{text!r} does not match {pattern!r}") from None


# ---------------------------------------------------------------- comparisons


def _comparable(left: Value, right: Value) -> tuple[Any, Any]:
    """Bring two values to one type the way Airtable compares them."""
    if isinstance(left, datetime) or isinstance(right, datetime):
        return to_datetime(left), to_datetime(right)
    if isinstance(left, str) and isinstance(right, str):
        return left, right
    if isinstance(left, str) or isinstance(right, str):
        try:
            return to_number(left), to_number(right)
        except EvalError:
            return to_text(left), to_text(right)
    return to_number(left), to_number(right)


def _blank(value: Value) -> bool:
    return value is None or value == "" or value is False or value == 0


def equals(left: Value, right: Value) -> bool:
    """Airtable's `=`: blank equals empty text, zero and false; text meets numbers as numbers."""
    if left is None or right is None:
        return _blank(left) and _blank(right)
    a, b = _comparable(left, right)
    return bool(a == b)


def _order(compare: Callable[[Any, Any], Any]) -> Callable[[Value, Value], bool]:
    def ordered(left: Value, right: Value) -> bool:
        return bool(compare(*_comparable(left, right)))

    return ordered


def _divide(left: Value, right: Value) -> Value:
    divisor, dividend = to_number(right), to_number(left)
    if divisor == 0:
        raise SpecialValue("NaN" if dividend == 0 else "Infinity" if dividend > 0 else "-Infinity")
    return dividend / divisor


def _error(args: list[Value]) -> Value:
    raise EvalError("ERROR()")


BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "=": equals,
    "!=": lambda a, b: not equals(a, b),
    "<>": lambda a, b: not equals(a, b),
    "<": _order(operator.lt),
    ">": _order(operator.gt),
    "<=": _order(operator.le),
    ">=": _order(operator.ge),
    "&": lambda a, b: to_text(a) + to_text(b),
    "+": lambda a, b: to_number(a) + to_number(b),
    "-": lambda a, b: to_number(a) - to_number(b),
    "*": lambda a, b: to_number(a) * to_number(b),
    "/": _divide,
}


# ---------------------------------------------------------------- functions

_UNITS = {
    "milliseconds": timedelta(milliseconds=1),
    "ms": timedelta(milliseconds=1),
    "seconds": timedelta(seconds=1),
    "s": timedelta(seconds=1),
    "minutes": timedelta(minutes=1),
    "m": timedelta(minutes=1),
    "hours": timedelta(hours=1),
    "h": timedelta(hours=1),
    "days": timedelta(days=1),
    "d": timedelta(days=1),
    "weeks": timedelta(weeks=1),
    "w": timedelta(weeks=1),
}
_MONTHS = {"months": 1, "M": 1, "quarters": 3, "Q": 3, "years": 12, "y": 12}
_TRUNCATE = ("year", "month", "day", "hour", "minute", "second")


def _unit(value: Value) -> str:
    unit = to_text(value)
    return unit if unit in _UNITS or unit in _MONTHS else unit.rstrip("s") + "s"


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month + 1, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month + 1, day=min(moment.day, 28))


def _dateadd(args: list[Value]) -> Value:
    moment, count, unit = to_datetime(args[0]), to_number(args[1]), _unit(args[2])
    if unit in _MONTHS:
        return _add_months(moment, int(count) * _MONTHS[unit])
    if unit not in _UNITS:
        raise EvalError(f"unknown unit {unit!r}")
    return moment + _UNITS[unit] * count


def _datetime_diff(args: list[Value]) -> Value:
    later, earlier = to_datetime(args[0]), to_datetime(args[1])
    unit = _unit(args[2]) if len(args) > 2 else "seconds"
    if unit in _MONTHS:
        months = (later.year - earlier.year) * 12 + later.month - earlier.month
        return float(int(months / _MONTHS[unit]))
    if unit not in _UNITS:
        raise EvalError(f"unknown unit {unit!r}")
    return float(int((later - earlier) / _UNITS[unit]))


def _is_same(args: list[Value]) -> Value:
    left, right = to_datetime(args[0]), to_datetime(args[1])
    if len(args) < 3:
        return left == right
    unit = to_text(args[2]).rstrip("s")
    if unit not in _TRUNCATE:
        raise EvalError(f"unknown unit {unit!r}")
    depth = _TRUNCATE.index(unit) + 1
    return left.timetuple()[:depth] == right.timetuple()[:depth]


def _find(blank_if_missing: bool) -> Callable[[list[Value]], Value]:
    def find(args: list[Value]) -> Value:
        needle, haystack = to_text(args[0]), to_text(args[1])
        start = max(int(to_number(args[2])) - 1, 0) if len(args) > 2 else 0
        index = haystack.find(needle, start) + 1
        return None if blank_if_missing and index == 0 else float(index)

    return find


def _if(args: list[Value]) -> Value:
    if to_bool(args[0]):
        return args[1]
    return args[2] if len(args) > 2 else None


def _xor(args: list[Value]) -> Value:
    return sum(to_bool(arg) for arg in args) % 2 == 1


def _datestr(args: list[Value]) -> Value:
    return to_datetime(args[0]).strftime("%Y-%m-%d")


# name -> (least, most arguments (None: any), implementation)
FUNCTIONS: dict[str, tuple[int, int | None, Callable[[list[Value]], Value]]] = {
    "AND": (1, None, lambda args: all(to_bool(arg) for arg in args)),
    "OR": (1, None, lambda args: any(to_bool(arg) for arg in args)),
    "XOR": (1, None, _xor),
    "NOT": (1, 1, lambda args: not to_bool(args[0])),
    "IF": (2, 3, _if),
    "BLANK": (0, 0, lambda args: None),
    "ERROR": (0, 0, _error),
    "TRUE": (0, 0, lambda args: True),
    "FALSE": (0, 0, lambda args: False),
    "IS_AFTER": (2, 2, lambda args: to_datetime(args[0]) > to_datetime(args[1])),
    "IS_BEFORE": (2, 2, lambda args: to_datetime(args[0]) < to_datetime(args[1])),
    "IS_SAME": (2, 3, _is_same),
    "DATETIME_PARSE": (1, 3, _datetime_parse),
    "DATEADD": (3, 3, _dateadd),
    "DATETIME_DIFF": (2, 3, _datetime_diff),
    "DATESTR": (1, 1, _datestr),
    "FIND": (2, 3, _find(False)),
    "SEARCH": (2, 3, _find(True)),
    "LEN": (1, 1, lambda args: float(len(to_text(args[0])))),
    "LOWER": (1, 1, lambda args: to_text(args[0]).lower()),
    "UPPER": (1, 1, lambda args: to_text(args[0]).upper()),
    "TRIM": (1, 1, lambda args: to_text(args[0]).strip()),
    "CONCATENATE": (1, None, lambda args: "".join(to_text(arg) for arg in args)),
    "ABS": (1, 1, lambda args: abs(to_number(args[0]))),
}


def _today(context: RecordContext) -> Value:
    now = context.now.astimezone(UTC)
    return datetime.combine(date(now.year, now.month, now.day), datetime.min.time(), UTC)


# functions that read the record or the clock rather than their arguments
CONTEXT_FUNCTIONS: dict[str, Compiled] = {
    "RECORD_ID": lambda context: context.record_id,
    "CREATED_TIME": lambda context: context.created_time,
    "NOW": lambda context: context.now,
    "TODAY": _today,
}
