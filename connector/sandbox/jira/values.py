"""Field values in and out: a client's JSON checked and stored, stored values shown in changelogs.

Stored forms (inside an issue's JSON document): text str; paragraph ADF dict (Cloud) or a wiki
markup str (Server/Data Center, which stores what v2 clients send); number int or float; date
"YYYY-MM-DD"; datetime Jira's "2026-03-31T10:15:00.000+0000"; select option id; users list of
accountIds; user accountId; labels list of str; parent, Parent Link and Epic Link the issue id
they point to.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from connector.sandbox.jira.adf import adf_problem, is_adf, to_adf, to_text
from connector.sandbox.jira.errors import JiraHTTPError
from connector.sandbox.jira.meta import FieldDef, Scheme

TEXT_LIMIT = 255
ADF_REQUIRED = (
    "Operation value must be an Atlassian Document (see the Atlassian Document Format: "
    "https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/)."
)
DATETIME_FORMAT_ERROR = (
    "Invalid date format. Please enter the date in the format \"yyyy-MM-dd'T'HH:mm:ss.SSSZ\"."
)


class FieldValueError(ValueError):
    """A value a field cannot take; the message is Jira's text for the field's `errors` entry."""


def jira_time(moment: datetime) -> str:
    """Jira's date-time form: milliseconds and a +0000 offset, always in UTC."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def parse_time(text: str) -> datetime:
    """A Jira date-time (or any ISO 8601 form with an offset) as an aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"no time zone offset in {text!r}")
    return moment.astimezone(UTC)


def number_text(value: float) -> str:
    """A number as Jira prints it in a changelog: no trailing .0 on whole numbers."""
    return str(int(value)) if float(value).is_integer() else str(value)


class Values:
    """Parses client values into stored ones for one scheme, API version and deployment mode."""

    def __init__(self, scheme: Scheme, *, version: str, mode: str) -> None:
        self.scheme = scheme
        self.version = version
        self.mode = mode

    def parse(self, fdef: FieldDef, value: Any) -> Any:
        """The stored form of `value`, or FieldValueError with Jira's message."""
        if value is None:
            if fdef.id == "summary":
                raise FieldValueError("You must specify a summary of the issue.")
            return None
        parser = getattr(self, f"_parse_{fdef.kind}")
        return parser(fdef, value)

    def _parse_text(self, fdef: FieldDef, value: Any) -> str:
        if not isinstance(value, str):
            raise FieldValueError("Operation value must be a string")
        if fdef.id == "summary":
            if not value.strip():
                raise FieldValueError("You must specify a summary of the issue.")
            if "\n" in value or "\r" in value:
                raise FieldValueError(
                    "The summary is invalid because it contains newline characters."
                )
        if len(value) > TEXT_LIMIT:
            raise FieldValueError(
                "The entered text is too long. "
                f"It exceeds the allowed limit of {TEXT_LIMIT} characters."
            )
        return value

    def _parse_paragraph(self, fdef: FieldDef, value: Any) -> dict[str, Any] | str:
        if self.version == "2":
            if not isinstance(value, str):
                raise FieldValueError("Operation value must be a string")
            # Data Center keeps the wiki markup as sent; Cloud converts it to a document.
            return value if self.mode == "server" else to_adf(value)
        if not is_adf(value):
            raise FieldValueError(ADF_REQUIRED)
        if adf_problem(value) is not None:
            # Cloud checks the whole document against the ADF schema and names nothing.
            raise JiraHTTPError(400, "INVALID_INPUT")
        return dict(value)

    def _parse_number(self, fdef: FieldDef, value: Any) -> float | int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FieldValueError("Operation value must be a number")
        return value

    def _parse_date(self, fdef: FieldDef, value: Any) -> str:
        problem = FieldValueError(f"Error parsing date string: {value}")
        if not isinstance(value, str) or len(value) != len("2026-03-31"):
            raise problem
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise problem from None

    def _parse_datetime(self, fdef: FieldDef, value: Any) -> str:
        try:
            return jira_time(parse_time(value))
        except (TypeError, ValueError):
            raise FieldValueError(DATETIME_FORMAT_ERROR) from None

    def _parse_select(self, fdef: FieldDef, value: Any) -> str:
        if not isinstance(value, dict) or not ({"id", "value"} & value.keys()):
            raise FieldValueError(
                "Could not find valid 'id' or 'value' in the Parent Option object."
            )
        if "id" in value:
            option = self.scheme.option(fdef.id, oid=str(value["id"]))
            if option is None:
                raise FieldValueError(f"Option id '{value['id']}' is not valid")
        else:
            option = self.scheme.option(fdef.id, value=str(value["value"]))
            if option is None:
                raise FieldValueError(f"Option value '{value['value']}' is not valid")
        return option.id

    def _parse_users(self, fdef: FieldDef, value: Any) -> list[str]:
        if not isinstance(value, list):
            raise FieldValueError("data was not an array")
        accounts = [self._user(item) for item in value]
        return list(dict.fromkeys(accounts))

    def _parse_user(self, fdef: FieldDef, value: Any) -> str:
        return self._user(value)

    def _user(self, value: Any) -> str:
        """A user reference resolved to a stored accountId: Cloud takes {"accountId"}, Server
        and Data Center take {"name": username} or {"key": user key} and know no accountId."""
        wanted = "accountId" if self.mode == "cloud" else "name"
        if not isinstance(value, dict):
            raise FieldValueError(f"Operation value must be an object with '{wanted}'")
        given = "key" if self.mode == "server" and "name" not in value else wanted
        ref = value.get(given)
        if not isinstance(ref, str):
            raise FieldValueError(f"Specify a valid '{wanted}' for the user")
        user = {
            "accountId": lambda: self.scheme.user_by(account_id=ref),
            "name": lambda: self.scheme.user_by(name=ref),
            "key": lambda: self.scheme.user_by(key=ref),
        }[given]()
        if user is None:
            raise FieldValueError(f"User '{ref}' does not exist.")
        return user.account_id

    def _parse_labels(self, fdef: FieldDef, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise FieldValueError("data was not an array")
        for label in value:
            if " " in label:
                raise FieldValueError(f"The label '{label}' contains spaces which is invalid.")
        return list(dict.fromkeys(value))

    def _parse_parentlink(self, fdef: FieldDef, value: Any) -> dict[str, str]:
        """Advanced Roadmaps' Parent Link takes the parent's key; the handlers resolve it."""
        if not isinstance(value, str) or not value.strip():
            raise FieldValueError("Could not find valid parent issue.")
        return {"key": value.strip().upper()}

    def _parse_epiclink(self, fdef: FieldDef, value: Any) -> dict[str, str]:
        """Jira Software's Epic Link takes the epic's key; the handlers resolve it."""
        if not isinstance(value, str) or not value.strip():
            raise FieldValueError("String value expected as the Epic Key.")
        return {"key": value.strip().upper()}

    def _parse_parent(self, fdef: FieldDef, value: Any) -> dict[str, str]:
        """Kept as the reference; the issue handlers resolve it (they need the database)."""
        if not isinstance(value, dict) or not ({"id", "key"} & value.keys()):
            raise FieldValueError("Could not find issue by id or key.")
        return {k: str(v) for k, v in value.items() if k in ("id", "key")}

    def apply_op(self, fdef: FieldDef, current: Any, verb: str, value: Any) -> Any:
        """One `update` operation ("set", or "add"/"remove" on list fields) on a stored value."""
        if verb == "set":
            return self.parse(fdef, value)
        if verb in ("add", "remove") and fdef.kind in ("labels", "users"):
            (item,) = self.parse(fdef, [value])
            items = list(current or [])
            if verb == "add" and item not in items:
                items.append(item)
            if verb == "remove" and item in items:
                items.remove(item)
            return items
        raise FieldValueError(f"Field '{fdef.id}' does not support operation '{verb}'")

    def display(self, fdef: FieldDef, stored: Any) -> tuple[str | None, str | None]:
        """The (id, text) pair a changelog item shows for a stored value."""
        if stored is None or stored == []:
            return None, None
        kind = fdef.kind
        if kind == "number":
            return None, number_text(stored)
        if kind == "paragraph":
            return None, stored if isinstance(stored, str) else to_text(stored)
        if kind == "select":
            option = self.scheme.option(fdef.id, oid=stored)
            return stored, option.value if option else None
        if kind in ("users", "user"):
            ids = stored if isinstance(stored, list) else [stored]
            names = [u.display_name for u in map(self.scheme.users.get, ids) if u]
            return ", ".join(ids), ", ".join(names)
        if kind == "labels":
            return None, " ".join(stored)
        return (stored, stored) if kind in ("date", "datetime") else (None, str(stored))
