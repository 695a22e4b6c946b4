"""A client-side rate limiter: at most N requests in any sliding window, per key (e.g. a base)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class RateLimiter:
    """At most `rate` calls of `acquire(key)` start within any `per` seconds, for each key.

    This mirrors a server that counts requests in a sliding window (Airtable: 5 a second per
    base). `margin` widens the window a little, because the server counts arrivals and a
    request can reach it a few milliseconds after we let it go. Thread-safe: a slot is reserved
    under the lock and the sleep happens outside it, so waiting threads keep their order.

    `slot(key)` goes further: it moves the slot's time to when the call *ended*. A request
    arrives somewhere between its start and its end, so on a loaded machine, where a request
    may take longer to reach the server than the margin, counting the window from the end
    still never lets the server see more than `rate` in a window.
    """

    def __init__(
        self,
        rate: int,
        per: float = 1.0,
        *,
        margin: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate < 1 or per <= 0 or margin < 0:
            raise ValueError("rate must be >= 1, per > 0 and margin >= 0")
        self.rate = rate
        self.window = per + margin
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._starts: dict[str, deque[list[float]]] = {}  # per key: [time] of each slot
        self.waited_seconds = 0.0
        self.calls = 0

    def reserve(self, key: str = "") -> float:
        """Reserve the next free slot for `key`; returns how long to wait before using it."""
        return self._reserve(key)[0]

    def _reserve(self, key: str) -> tuple[float, list[float]]:
        with self._lock:
            now = self._clock()
            starts = self._starts.setdefault(key, deque())
            while starts and starts[0][0] <= now - self.window:
                starts.popleft()
            # Never before a slot already handed out: starts stay in order, callers in turn.
            start = max(now, starts[-1][0]) if starts else now
            if len(starts) >= self.rate:
                # The slot frees when the call `rate` places back leaves the window.
                start = max(start, starts[-self.rate][0] + self.window)
            slot = [start]
            starts.append(slot)
            while len(starts) > self.rate:
                starts.popleft()
            self.calls += 1
            self.waited_seconds += start - now
            return start - now, slot

    @contextmanager
    def slot(self, key: str = "") -> Iterator[float]:
        """Wait for a slot, run the call inside, and count the window from the call's end."""
        wait, slot = self._reserve(key)
        if wait > 0:
            self._sleep(wait)
        try:
            yield wait
        finally:
            with self._lock:
                slot[0] = max(slot[0], self._clock())

    def acquire(self, key: str = "") -> float:
        """Block until a call for `key` may start; returns the seconds slept."""
        wait = self.reserve(key)
        if wait > 0:
            self._sleep(wait)
        return wait
