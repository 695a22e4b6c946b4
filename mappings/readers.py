"""Value readers: raw Jira and Airtable field values to numbers, dates, people, text, trajectories.

Each reader takes one raw value as the API returns it (never None: the mapper skips empty
fields) and returns the attribute's value, or raises `ReadError` saying what it expected. The
mapper turns a `ReadError` into an RD901 problem naming the ticket, the field and the raw value.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, date, datetime
from typing import Any

from mappings.adf import adf_text
from mappings.errors import RdsyncError
from mappings.model import Direction, Person, TrajectoryPoint
from mappings.wiki import wiki_text

Reader = Callable[[Any], Any]


class ReadError(RdsyncError, ValueError):
    """A raw value that a reader cannot read; `message` says what was expected."""


# "1,200", "-3.5", "45%", "12.5 days", "$1,200", "1 200": an optional sign and currency sign,
# a number with optional thousands separators, and an optional unit (no digits) after it.
_NUMBER = re.compile(
    r"^([-+])?\s*[$€£¥]?\s*([-+])?(\d{1,3}(?:[, \u00a0\u202f]\d{3})+|\d*)(\.\d+)?"
    r"\s*(%|[^\W\d_][^\d]*)?$"
)
_SCALE_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
_THOUSANDS = str.maketrans("", "", ", \u00a0\u202f")
_LEADING_INT = re.compile(r"^\s*(\d+)\b")
_KEYS = re.compile(r"[\s,;]+")
_TRAJECTORY_LINE = re.compile(r"^\s*(?:[-*•]\s*)?(\S+?)\s*[:=]\s*(.+?)\s*$")

_RATING_LABELS = {"red": 1, "amber/red": 2, "amber/green": 3, "green": 4}

# The values a person could have meant, and every report format can hold (RD901's docs say
# why): dates from 1900, where Excel's calendar starts, to 2199, far short of where pandas
# (2262) and chart date arithmetic (year 9999) stop; numbers up to a quadrillion either way,
# the 15 significant digits Excel keeps, far short of where a chart axis overflows (1.8e308).
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
LARGEST = 1e15


def _describe(raw: Any) -> str:
    return shown_value(raw, 60)


def shown_value(raw: Any, room: int = 80) -> str:
    """A raw value as the text a person typed, quoted and cut to `room` characters: the lines
    of a paragraph joined by " / ", an option or user by its name, never a Python repr of a
    dict or list (a team reads it on a ticket). A value with no text says what it is."""
    try:
        text = _as_text(raw)
    except (ReadError, RecursionError, OverflowError, ValueError):
        text = ""
    text = " / ".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
    if not text:
        return "an empty value" if raw in ("", [], {}) else f"a value without text ({_kind(raw)})"
    if len(text) > room - 2:
        text = text[: max(1, room - 3)].rstrip() + "…"
    return f"'{text}'"


def _kind(raw: Any) -> str:
    return {dict: "an object", list: "a list", int: "a number"}.get(type(raw), type(raw).__name__)


# -- text ---------------------------------------------------------------------------------


def _as_text(raw: Any) -> str:
    """Any raw value as text: strings, numbers, ADF documents, options, users, lists."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, int | float):
        return f"{raw:g}"
    if isinstance(raw, dict):
        if raw.get("type") == "doc":
            return adf_text(raw)
        for name in ("value", "name", "displayName", "email", "key", "id"):
            value = raw.get(name)
            if isinstance(value, str):
                return value
        raise ReadError(f"{_describe(raw)} holds no text")
    if isinstance(raw, list):
        return ", ".join(_as_text(item) for item in raw)
    raise ReadError(f"{_describe(raw)} is not text")


def read_paragraph(raw: Any) -> str | None:
    """Multi-line text: a string, or an ADF document (Jira Cloud v3 paragraph fields)."""
    text = _as_text(raw).strip()
    return text or None


def read_text(raw: Any) -> str | None:
    """One line of text; line breaks of a paragraph become single spaces."""
    text = raw if type(raw) is str else _as_text(raw)
    if "\n" in text or "  " in text or "\t" in text or "\r" in text:
        text = " ".join(text.split())
    return text.strip() or None


def read_select(raw: Any) -> str | None:
    """A select option: Jira `{"value": ...}`, a Jira status `{"name": ...}`, an Airtable string.

    A multi-select with one option reads as that option; several options are an error, since
    the attribute holds one value.
    """
    if isinstance(raw, list):
        if not raw:
            return None
        if len(raw) > 1:
            raise ReadError(f"{_describe(raw)} holds {len(raw)} options; expected one")
        raw = raw[0]
    text = read_text(raw)
    # Options repeat on every ticket: one shared string each keeps 100,000 tickets small.
    return sys.intern(text) if text is not None and len(text) <= 80 else text


# -- numbers ------------------------------------------------------------------------------


def read_number(raw: Any) -> float | None:
    """A number: 1200, "1,200", "45%" (45.0), "12.5 days", "$1,200"; "" is empty."""
    if isinstance(raw, bool):
        raise ReadError(f"{raw!r} is a yes/no value, not a number")
    if isinstance(raw, int | float):
        if -LARGEST <= raw <= LARGEST:  # false for NaN, infinities and too large a number
            return float(raw)
        raise _implausible(raw)
    if isinstance(raw, dict) and "value" in raw:  # a select option such as {"value": "3"}
        return read_number(raw["value"])
    if not isinstance(raw, str):
        raise ReadError(f"{_describe(raw)} is not a number")
    text = raw.strip()
    if not text:
        return None
    if "," not in text:
        try:
            value = float(text)  # the common case, and exponents
        except ValueError:
            value = _parse_number(text)
    else:
        value = _parse_number(text)
    return plausible_number(value, raw)


def plausible_number(value: float, raw: Any) -> float:
    """`value` if a person could have meant it: finite, and within ±LARGEST (1e15)."""
    if -LARGEST <= value <= LARGEST:
        return value
    raise _implausible(raw, value)


def _implausible(raw: Any, value: float | None = None) -> ReadError:
    """Why `raw` (read as `value`, or a number itself) is not a number a person could mean."""
    value = raw if value is None else value
    if isinstance(value, float) and not math.isfinite(value):
        return ReadError(
            f"{_describe(raw)} is not a number; expected e.g. 1,200 or 45% or 12.5 days"
        )
    try:
        shown = f"{float(value):g}"  # 1.7e+308, not the 309 digits a changelog may print
    except OverflowError:
        shown = _describe(raw)
    return ReadError(
        f"{shown} is not a number an indicator can mean; expected one within ±1e15 (a quadrillion)"
    )


def _parse_number(text: str) -> float:
    match = _NUMBER.match(text)
    if match is None or not (match[3] or match[4]):
        raise ReadError(f"{text!r} is not a number; expected e.g. 1,200 or 45% or 12.5 days")
    value = float(match[3].translate(_THOUSANDS) + (match[4] or "") or "0")
    if match[5]:  # "2 million trainings" is 2,000,000; "12.5 days" is 12.5
        value *= _SCALE_WORDS.get(match[5].split()[0].casefold(), 1)
    return -value if "-" in (match[1], match[2]) else value


def read_int(raw: Any) -> int | None:
    """A whole number: 3, 3.0, "3", or the leading number of an option such as "3 - High"."""
    if isinstance(raw, dict) and "value" in raw:
        return read_int(raw["value"])
    if isinstance(raw, str):
        match = _LEADING_INT.match(raw)
        if match is not None:
            return int(plausible_number(float(match[1]), raw))
    value = read_number(raw)
    if value is None:
        return None
    if not value.is_integer():
        raise ReadError(f"{_describe(raw)} is not a whole number")
    return int(value)


def read_rating(raw: Any) -> int | None:
    """A 1-4 likelihood rating: 3, "3 - Amber/Green", or the label alone ("Amber/Green")."""
    if isinstance(raw, dict) and "value" in raw:
        raw = raw["value"]
    if isinstance(raw, str) and raw.strip().lower() in _RATING_LABELS:
        return _RATING_LABELS[raw.strip().lower()]
    try:
        value = read_int(raw)
    except ReadError:
        value = 0
    if value is None:
        return None
    if not 1 <= value <= 4:
        raise ReadError(
            f"{_describe(raw)} is not a rating; expected 1 - Red, 2 - Amber/Red, "
            "3 - Amber/Green or 4 - Green"
        )
    return value


# -- dates --------------------------------------------------------------------------------


def read_date(raw: Any) -> date | None:
    """A date: "2025-03-31", or the date part of a Jira or Airtable date-time."""
    if isinstance(raw, datetime):
        return plausible_date(raw.date())
    if isinstance(raw, date):
        return plausible_date(raw)
    if not isinstance(raw, str):
        raise ReadError(f"{_describe(raw)} is not a date; expected YYYY-MM-DD")
    text = raw.strip()
    if not text:
        return None
    if len(text) > 10:
        return read_datetime(text).date()  # type: ignore[union-attr]
    try:
        value = date.fromisoformat(text)
    except ValueError as error:
        reason = "" if "Invalid isoformat" in str(error) else f" ({error})"
        raise ReadError(f"{raw!r} is not a date{reason}; expected YYYY-MM-DD") from None
    return plausible_date(value)


def plausible_date(value: date) -> date:
    """`value` if a plan could mean it: from EARLIEST (1900-01-01) to LATEST (2199-12-31)."""
    if not EARLIEST <= value <= LATEST:
        raise ReadError(
            f"{value.isoformat()} is not a date a plan can mean; expected one from "
            f"{EARLIEST.isoformat()} to {LATEST.isoformat()}"
        )
    return value


def read_datetime(raw: Any) -> datetime | None:
    """A date-time: Jira "2025-03-31T09:30:00.000+0000", Airtable "2025-03-31T09:30:00.000Z".

    A date without a time reads as midnight UTC; a date-time without a zone is taken as UTC.
    """
    if raw.__class__ is str:  # the common case, every issue's `updated` and history's `created`
        try:
            value = datetime.fromisoformat(raw)  # no spaces around it: `strip` would not change it
        except ValueError:
            pass  # spaces around it, or not a date-time: read below, and said why
        else:
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            if not EARLIEST.year <= value.year <= LATEST.year:  # the bounds are whole years
                plausible_date(value.date())
            return value
    if isinstance(raw, datetime):
        plausible_date(raw.date())
        return raw
    if isinstance(raw, date):
        plausible_date(raw)
        return datetime(raw.year, raw.month, raw.day, tzinfo=UTC)
    if not isinstance(raw, str):
        raise ReadError(f"{_describe(raw)} is not a date-time")
    text = raw.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ReadError(
            f"{raw!r} is not a date-time; expected e.g. 2025-03-31T09:30:00.000+0000"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    plausible_date(value.date())
    return value


# -- people, options, flags, keys ---------------------------------------------------------


def _person(raw: Any) -> Person:
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            raise ReadError("an empty user")
        return _known_person(text, None, text if "@" in text else None)
    if not isinstance(raw, dict):
        raise ReadError(f"{_describe(raw)} is not a user")
    ident = _user_ident(raw)
    if ident is None:
        raise ReadError(f"{_describe(raw)} is a user without an accountId, key, name or email")
    name = raw.get("displayName") or raw.get("name")
    return _known_person(ident, name if isinstance(name, str) and name else None, _email(raw))


def _user_ident(raw: dict[str, Any]) -> str | None:
    """Who a user is: the Cloud accountId, an Airtable user id, the Data Center user key (it
    survives a rename; the username `name` does not), else the username, else the e-mail.

    Data Center sites often hide e-mail addresses, so its users are known by key or name."""
    for name in ("accountId", "id", "key", "name", "email", "emailAddress"):
        value = raw.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _email(raw: dict[str, Any]) -> str | None:
    """The user's e-mail address, if shown: Data Center may hide it, or mask it as
    "jo at example dot com", which is no address."""
    value = raw.get("emailAddress") or raw.get("email")
    return value if isinstance(value, str) and "@" in value else None


@functools.lru_cache(maxsize=8192)
def _known_person(ident: str, name: str | None, email: str | None) -> Person:
    """One shared (frozen) Person per distinct user: leaders own many tickets."""
    return Person(id=ident, name=name, email=email)


def read_users(raw: Any) -> list[Person] | None:
    """People: a Jira user or multi-user picker, an Airtable collaborator or collaborators."""
    items = raw if isinstance(raw, list) else [raw]
    people = [_person(item) for item in items]
    return list({person.id: person for person in people}.values()) or None


def read_direction(raw: Any) -> Direction | None:
    """The direction of a target: Increase or Decrease (any case; also Up/Down, Higher/Lower)."""
    text = read_select(raw)
    if text is None:
        return None
    word = text.strip().lower()
    if word in ("increase", "up", "higher", "more", "+"):
        return Direction.INCREASE
    if word in ("decrease", "down", "lower", "less", "-"):
        return Direction.DECREASE
    raise ReadError(f"{text!r} is not a direction; expected Increase or Decrease")


def bool_reader(true_values: Collection[str] = ()) -> Reader:
    """A yes/no reader. Without `true_values`: a checkbox, or a Jira status whose category is
    Done. With them: true when the text of the value (a status or option name), or of any item
    of a list (Jira labels, a multiple select), is one of them."""
    wanted = {value.casefold() for value in true_values}

    def read_bool(raw: Any) -> bool:
        if isinstance(raw, bool):
            return raw
        if wanted and isinstance(raw, list):  # labels, a multiple select: any one of them
            return any(_as_text(item).strip().casefold() in wanted for item in raw)
        if wanted:
            return _as_text(raw).strip().casefold() in wanted
        if isinstance(raw, dict) and isinstance(raw.get("statusCategory"), dict):
            return raw["statusCategory"].get("key") == "done"
        if isinstance(raw, str) and raw.strip().casefold() in ("yes", "true", "done", "x", "1"):
            return True
        if isinstance(raw, str) and raw.strip().casefold() in ("no", "false", "", "0"):
            return False
        raise ReadError(f"{_describe(raw)} is not yes or no; set true_values in the mapping")

    return read_bool


def read_keys(raw: Any) -> list[str]:
    """Keys of other records: Airtable linked records, a list of keys, "DEL-4, DEL-5", issues."""
    if isinstance(raw, str):
        return [key for key in _KEYS.split(raw.strip()) if key]
    if isinstance(raw, dict):
        key = raw.get("key") or raw.get("id")
        if not isinstance(key, str):
            raise ReadError(f"{_describe(raw)} holds no key")
        return [key]
    if isinstance(raw, list):
        return [key for item in raw for key in read_keys(item)]
    raise ReadError(f"{_describe(raw)} is not a key or a list of keys")


def read_trajectory(raw: Any) -> list[TrajectoryPoint] | None:
    """Intermediate targets, one `YYYY-MM-DD: value` a line (a string or an ADF paragraph)."""
    text = read_paragraph(raw)
    if text is None:
        return None
    points: dict[date, float] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _TRAJECTORY_LINE.match(line)
        if match is None:
            raise ReadError(f"line {number} {line.strip()!r} is not 'YYYY-MM-DD: value'")
        try:
            at = read_date(match[1])
            value = read_number(match[2])
        except ReadError as error:
            raise ReadError(f"line {number} {line.strip()!r}: {error.message}") from None
        if at is None or value is None:
            raise ReadError(f"line {number} {line.strip()!r} is not 'YYYY-MM-DD: value'")
        points[at] = value
    return [TrajectoryPoint(at=at, value=points[at]) for at in sorted(points)] or None


# -- Jira rich text ------------------------------------------------------------------------


def read_jira_paragraph(raw: Any) -> str | None:
    """A Jira paragraph: ADF (Cloud, API v3), or a string of Jira wiki markup (Server/Data
    Center, API v2) read as its text lines (`* item` as `item`, `*bold*` as `bold`)."""
    return read_paragraph(wiki_text(raw) if isinstance(raw, str) else raw)


def read_jira_trajectory(raw: Any) -> list[TrajectoryPoint] | None:
    """Intermediate targets typed in a Jira paragraph: ADF (lists, date pickers) or wiki
    markup (`# *2026-06-30*: 58`), one `YYYY-MM-DD: value` a line once read as text."""
    return read_trajectory(wiki_text(raw) if isinstance(raw, str) else raw)


# Jira holds rich text as ADF or wiki markup, never as plain text: these replace the plain
# readers of the same name when a Jira issue is mapped.
JIRA_READERS: dict[str, Reader] = {
    "paragraph": read_jira_paragraph,
    "trajectory": read_jira_trajectory,
}


# -- the registry the mapping config names ------------------------------------------------

READERS: dict[str, Reader] = {
    "text": read_text,
    "paragraph": read_paragraph,
    "select": read_select,
    "number": read_number,
    "int": read_int,
    "rating": read_rating,
    "date": read_date,
    "datetime": read_datetime,
    "users": read_users,
    "direction": read_direction,
    "bool": bool_reader(),
    "keys": read_keys,
    "trajectory": read_trajectory,
}

# The default reader of each attribute (the model's field names), by the attribute's type.
DEFAULT_READERS: dict[str, str] = {
    "name": "text",
    "owners": "users",
    "department": "select",
    "status": "select",
    "done": "bool",
    "updated": "datetime",
    "team_rating": "rating",
    "salient": "bool",
    "agreed_rating": "rating",
    "agreed_on": "date",
    "agreed_note": "paragraph",
    "unit": "text",
    "data_source": "text",
    "current_value": "number",
    "baseline_value": "number",
    "baseline_date": "date",
    "target_value": "number",
    "target_date": "date",
    "direction": "direction",
    "trajectory": "trajectory",
    "start_date": "date",
    "end_date": "date",
    "rationale": "paragraph",
    "scale": "paragraph",
    "resources": "paragraph",
    "success_definition": "paragraph",
    "delivery_chain": "paragraph",
    "impact": "int",
    "difficulty": "int",
    "due": "date",
    "mitigation": "paragraph",
}


def reader_for(name: str, true_values: Iterable[str] = (), *, tool: str = "") -> Reader:
    """The reader a mapping names; `true_values` configures the bool reader; `tool="jira"`
    reads rich text as Jira holds it (ADF or wiki markup)."""
    if tool == "jira" and name in JIRA_READERS:
        return JIRA_READERS[name]
    values = tuple(true_values)
    if name == "bool" and values:
        return bool_reader(values)
    return READERS[name]
