"""The one clock of a run: every time stamp (sandbox edits, cursors, ledger, health) reads it.

Production reads the machine's clock. A test, a benchmark or the demo gives every component
the same `Clock` started at a day of its choosing: time then runs on from there at the real
pace, so ordering and elapsed times stay true, and `advance()` skips ahead where a test would
otherwise wait for the wall clock (a comment's settle window, a cursor's overlap).
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta


def _wall() -> datetime:
    return datetime.now(UTC)


class Clock:
    """`clock()` (or `clock.now()`): an aware UTC datetime; `Clock()` is the machine's clock."""

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("give the clock an aware datetime, e.g. datetime(..., tzinfo=UTC)")
        self._offset = timedelta(0) if start is None else start - _wall()
        self._lock = threading.Lock()

    @classmethod
    def starting(cls, day: date, at: time = time(9, 0)) -> Clock:
        """A clock that reads `day` at `at` (UTC) now and runs on from there."""
        return cls(datetime.combine(day, at, tzinfo=UTC))

    def now(self) -> datetime:
        with self._lock:
            return _wall() + self._offset

    __call__ = now

    def today(self) -> date:
        return self.now().date()

    def advance(self, delta: timedelta) -> None:
        """Move the clock on by `delta` for everything that reads it."""
        if delta < timedelta(0):
            raise ValueError("a clock never runs backwards")
        with self._lock:
            self._offset += delta


SYSTEM = Clock()
