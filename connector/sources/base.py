"""What a source offers the sync engine: read, map, the values it holds, and apply patches.

The engine plans against this contract only: it never asks which tool a source is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import Field

from connector.sources.incremental import Cursor, ReadResult
from connector.sources.retry import ToolUnavailable
from mappings.model import Strict
from mappings.records import MappedRecords

BATCH = 10  # patches written (and a stop checked for) at a time: one Airtable request
# Writes in a row that kept failing through the whole retry budget: one ticket failing is that
# ticket's problem, this many in a row mean the site is down.
OUTAGE_STREAK = 3

Role = Literal["likelihood", "rationale", "gaps", "assessed"]
TEXT_ROLES: tuple[Role, ...] = ("likelihood", "rationale", "gaps")
ROLES: tuple[Role, ...] = (*TEXT_ROLES, "assessed")


class CurrentValues(Strict):
    """What the tool holds in those fields, raw as read: strings, ADF documents, option dicts."""

    likelihood: Any = None
    rationale: Any = None
    gaps: Any = None
    assessed: Any = None


class Patch(Strict):
    """The owned fields of one record that must change, by role, with the values they replace."""

    source: str
    key: str
    changes: dict[Role, str | datetime | None]
    before: dict[Role, str | None] = Field(default_factory=dict)
    field_names: dict[Role, str]
    comment: str | None = None  # set when the likelihood label changes and comments are on

    @property
    def fields(self) -> dict[str, str | datetime | None]:
        """The changes by the tool's field name: only owned write-back fields, ever."""
        return {self.field_names[role]: value for role, value in self.changes.items()}

    def describe(self) -> str:
        """Human-readable, for `--dry-run`: one line for the record, one per field."""
        lines = [f"{self.key} ({self.source}): {len(self.changes)} field(s)"]
        for role, value in self.changes.items():
            name = self.field_names[role]
            if role == "assessed":
                shown = value.isoformat() if isinstance(value, datetime) else str(value)
                lines.append(f"  {name}: -> {shown}")
            elif role == "likelihood":
                lines.append(f"  {name}: {_short(self.before.get(role))} -> {_short(value)}")
            else:
                lines.append(f"  {name}: {_lines(self.before.get(role))} -> {_lines(value)}")
        if self.comment:
            lines.append(f"  comment: {self.comment.splitlines()[0]}")
        return "\n".join(lines)


class WriteFailure(Strict):
    """A patch the tool refused (400, 403, 404), or one that kept failing through the retry
    budget (`transient`: a 5xx, a timeout): the record, the field, and what to do. Either way
    the record keeps its old values, so the next run plans the patch again."""

    key: str
    field: str | None = None
    message: str
    fix: str
    status: int | None = None
    transient: bool = False

    @property
    def what(self) -> str:
        """The refusal naming its record and field, without the fix."""
        where = f"{self.key}: field '{self.field}'" if self.field else self.key
        return f"{where} {self.message}"

    def __str__(self) -> str:
        return f"{self.what}: {self.fix}"


@dataclass
class ApplyResult:
    """What applying patches did: records written, comments added, refusals, calls made.

    `commented` are the records whose comment is now on the record (posted, or found there on
    a retry); `unsettled` those whose comment may or may not have arrived (its answer timed out
    while the tool could still be adding it): the next run looks before it posts again.
    """

    written: list[str] = field(default_factory=list)
    comments: int = 0
    commented: list[str] = field(default_factory=list)
    unsettled: list[str] = field(default_factory=list)
    failures: list[WriteFailure] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)


def unavailable(key: str, error: ToolUnavailable, what: str = "edit") -> WriteFailure:
    """A write that kept failing after the retry budget (a broken ticket, a flaky proxy)."""
    return WriteFailure(
        key=key,
        message=f"{what} could not be sent: {error.message}",
        fix=f"rdsync tries again on the next sync; if {key} keeps failing, open it in the tool "
        "(it may be broken there) or ask the site's admin",
        transient=True,
    )


class Outage:
    """The writes of one source that kept failing in a row, over a run's batches.

    A ticket that keeps failing is refused and the others go on; `limit` in a row mean the
    site itself is down, and the source's writes stop naming it (the other sources' go on)
    rather than spending the retry budget on every ticket and reporting each as refused.
    """

    def __init__(self, source: str, limit: int = OUTAGE_STREAK) -> None:
        self.source = source
        self.limit = limit
        self.streak = 0

    def succeeded(self) -> None:
        self.streak = 0

    def failed(self, error: ToolUnavailable) -> None:
        self.streak += 1
        if self.streak >= self.limit:
            raise ToolUnavailable(
                f"{self.streak} writes in a row kept failing; the last: {error.message} "
                f"({error.where})",
                where=f"sources.{self.source}",
                fix="The site looks down or unreachable: check it, then sync again. Nothing is "
                "lost: the next sync writes what this one could not.",
            ) from error


def _short(value: object) -> str:
    return "(empty)" if value in (None, "") else repr(value)


def _lines(value: object) -> str:
    if value in (None, ""):
        return "(empty)"
    count = len(str(value).splitlines())
    return f"{count} line{'s' if count != 1 else ''}"


class Source(Protocol):
    """What JiraSource and AirtableSource both offer a sync run."""

    name: str
    tool: str
    site: str  # the Jira site or Airtable base: two sources of one site share its records
    mapping: Any
    notes: list[str]
    calls: Counter[str]

    def begin_run(self) -> None: ...
    def read(
        self, cursor: Cursor | None = None, known: Mapping[str, Any] | None = None
    ) -> ReadResult: ...
    def scan_keys(self) -> set[str]: ...
    def map(self, records: dict[str, Any]) -> MappedRecords: ...
    def map_fingerprint(self) -> str | None: ...
    def current_values(self, records: dict[str, Any]) -> dict[str, CurrentValues]: ...
    def field_names(self) -> dict[Role, str]: ...
    def batches(self, patches: list[Patch]) -> Iterator[list[Patch]]: ...
    def apply(self, patches: list[Patch], outage: Outage | None = None) -> ApplyResult: ...
    def restore(self, raw: Any) -> Any: ...
    def planned_comment(self, patch: Patch) -> tuple[str, str] | None: ...
    def settle_comment(self, key: str, text: str, token: str) -> str: ...
