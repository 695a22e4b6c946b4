"""The incremental cursor (an update time read back with an overlap) and what a read returns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple

from pydantic import Field

from mappings.model import Strict


class Seen(NamedTuple):
    """One record a read returned: its key, a version (update stamp or content hash), its time."""

    key: str
    version: str
    updated: datetime | None


class Cursor(Strict):
    """Where the last read stopped: the newest update time seen, and the versions near it.

    The next read asks for records updated since `max(value, read_at) - overlap`: a tool's
    search index can lag behind its clock (by less than the overlap) and Jira's JQL dates have
    minute resolution, so a record updated more than the overlap before the last read began
    was visible to it and read. Starting from `value` alone would page a burst of our own
    writes again at every run until a newer edit moved `value` on. The records of that overlap
    were read before: `seen` holds their versions, so the same version is recognised and
    dropped at the boundary, while a newer one (an edit) goes through.
    """

    value: datetime | None = None
    read_at: datetime | None = None  # when the read that made this cursor began (our clock)
    seen: dict[str, str] = Field(default_factory=dict)

    def since(self, overlap: timedelta) -> datetime | None:
        """The time the next incremental read starts from; None means read everything."""
        if self.value is None:
            return None
        return max(self.value, self.read_at or self.value) - overlap

    def is_duplicate(self, key: str, version: str) -> bool:
        return self.seen.get(key) == version

    def advance(
        self, returned: Iterable[Seen], overlap: timedelta, read_at: datetime | None = None
    ) -> Cursor:
        """The cursor after a read that began at `read_at` and returned these records
        (duplicates included): only the versions the next read can return again are kept."""
        records = list(returned)
        times = [r.updated for r in records if r.updated is not None]
        value = max([*times, *([self.value] if self.value else [])], default=None)
        if value is None:
            return self if read_at is None else self.model_copy(update={"read_at": read_at})
        edge = max(value, read_at or value) - overlap
        seen = {r.key: r.version for r in records if r.updated is None or r.updated >= edge}
        return Cursor(value=value, read_at=read_at, seen=seen)

    def dump(self) -> str:
        """As text, for the state store's cursor column."""
        return self.model_dump_json()

    @classmethod
    def load(cls, text: str | None) -> Cursor:
        return cls() if not text else cls.model_validate_json(text)


@dataclass
class ReadResult:
    """What one read of a source returned: raw records (new or changed), the next cursor.

        `records` are the tool's own JSON (Jira issues with their full changelog; Airtable
        records by table). `counts` holds calls and records for the run summary. `scan`: after an
        incremental read, whether the engine scans the source's keys to find deletions (False:
        the source leaves them to its next full read, as Airtable does to save calls). `total`: the
    scope's size as the tool counted it during the read; when it equals the snapshot's, nothing
    left, and the key scan is not needed.
    """

    records: dict[str, Any]
    cursor: Cursor
    full: bool
    counts: Counter[str] = field(default_factory=Counter)
    scan: bool = True
    total: int | None = None  # records in scope as the tool counts them (None: not asked)


class SiteTime:
    """A response hook noting the site's clock (the `Date` of the first answer after a reset):
    the cursor's `read_at` by the site's own time, whatever this machine's clock says."""

    def __init__(self) -> None:
        self.value: datetime | None = None

    def __call__(self, response: Any, *args: Any, **kwargs: Any) -> None:
        if self.value is not None or not response.headers.get("Date"):
            return
        try:
            self.value = parsedate_to_datetime(response.headers["Date"])
        except (TypeError, ValueError):
            return
        if self.value.tzinfo is None:
            self.value = None  # a date without a zone says nothing sure
