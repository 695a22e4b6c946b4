"""The incremental cursor (an update time read back with an overlap) and what a read returns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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

    The next read asks for records updated since `value - overlap`, because a tool's search
    index can lag behind its clock and Jira's JQL dates have minute resolution. The records
    of that overlap were read before: `seen` holds their versions, so the same version is
    recognised and dropped at the boundary, while a newer one (an edit) goes through.
    """

    value: datetime | None = None
    seen: dict[str, str] = Field(default_factory=dict)

    def since(self, overlap: timedelta) -> datetime | None:
        """The time the next incremental read starts from; None means read everything."""
        return None if self.value is None else self.value - overlap

    def is_duplicate(self, key: str, version: str) -> bool:
        return self.seen.get(key) == version

    def advance(self, returned: Iterable[Seen], overlap: timedelta) -> Cursor:
        """The cursor after a read that returned these records (duplicates included)."""
        records = list(returned)
        times = [r.updated for r in records if r.updated is not None]
        value = max([*times, *([self.value] if self.value else [])], default=None)
        if value is None:
            return self
        edge = value - overlap
        seen = {r.key: r.version for r in records if r.updated is None or r.updated >= edge}
        return Cursor(value=value, seen=seen)

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
    the source leaves them to its next full read, as Airtable does to save calls).
    """

    records: dict[str, Any]
    cursor: Cursor
    full: bool
    counts: Counter[str] = field(default_factory=Counter)
    scan: bool = True
