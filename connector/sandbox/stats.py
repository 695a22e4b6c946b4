"""Request counters (by method, path template and status) and a log of recent requests."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

LOG_SIZE = 2000


class Stats:
    """What clients asked of the sandbox since the last reset; thread-safe.

    A dropped connection counts with status 0 and fault "drop".
    """

    def __init__(self, log_size: int = LOG_SIZE) -> None:
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)  # a request began, was counted or ended
        self._in_flight = 0  # requests being answered now
        self._counts: Counter[tuple[str, str, int]] = Counter()
        self._log: deque[dict[str, Any]] = deque(maxlen=log_size)
        self._since = time.time()

    def record(
        self,
        method: str,
        path: str,
        status: int,
        *,
        endpoint: str | None,
        url: str,
        fault: str | None,
        seconds: float,
    ) -> None:
        entry = {
            "time": round(time.time(), 3),
            "method": method,
            "path": path,
            "endpoint": endpoint,
            "url": url,
            "status": status,
            "fault": fault,
            "ms": round(seconds * 1000, 2),
        }
        with self._lock:
            self._counts[(method, path, status)] += 1
            self._log.append(entry)
            self._changed.notify_all()

    def begin(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._changed.notify_all()  # `wait_for` promises a re-check when a request begins

    def end(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._changed.notify_all()

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    def wait_for(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Block until `condition()` holds, re-checked whenever a request begins, is counted
        or ends; False if it still does not after `timeout` seconds."""
        with self._lock:
            return self._changed.wait_for(condition, timeout)

    def snapshot(self) -> dict[str, Any]:
        """{"total", "since", "counts": [{"method", "path", "status", "count"}], "log": [...]}."""
        with self._lock:
            counts = sorted(self._counts.items())
            log = list(self._log)
            since = self._since
            in_flight = self._in_flight
        return {
            "total": sum(n for _key, n in counts),
            "in_flight": in_flight,
            "since": round(since, 3),
            "counts": [
                {"method": m, "path": p, "status": s, "count": n} for (m, p, s), n in counts
            ],
            "log": log,
        }

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._log.clear()
            self._since = time.time()


def count(
    snapshot: dict[str, Any],
    method: str | None = None,
    path: str | None = None,
    status: int | None = None,
) -> int:
    """How many requests of a snapshot match; `path` may end in "*" to match a prefix."""

    def matches(row: dict[str, Any]) -> bool:
        if method is not None and row["method"] != method:
            return False
        if status is not None and row["status"] != status:
            return False
        if path is None:
            return True
        return row["path"].startswith(path[:-1]) if path.endswith("*") else row["path"] == path

    return sum(row["count"] for row in snapshot["counts"] if matches(row))
