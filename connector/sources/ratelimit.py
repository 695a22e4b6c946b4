"""A client-side rate limiter: at most N requests in any sliding window, per key (a base, a
token), with the lock-out a server imposes after a 429, and its state kept across processes."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol


class Limiter(Protocol):
    """What a source paces its calls with: this module's `RateLimiter` (one process), or
    `pg_ratelimit.PgRateLimiter` (every process that reaches the PostgreSQL state store)."""

    shared: bool  # the windows are kept where every process sees them (no dump to keep)
    calls: int
    waited_seconds: float

    def set_rate(self, key: str, rate: int) -> None: ...
    def penalise(self, *keys: str, seconds: float) -> None: ...
    def reserve(self, *keys: str) -> float: ...
    def acquire(self, *keys: str) -> float: ...
    def slot(self, *keys: str) -> AbstractContextManager[float]: ...
    def dump(self) -> dict[str, Any]: ...
    def load(self, state: Mapping[str, Any]) -> None: ...


class RateLimiter:
    """At most `rate` calls of `acquire(key)` start within any `per` seconds, for each key.

    This mirrors a server that counts requests in a sliding window (Airtable: 5 a second per
    base and 50 per token). `margin` widens the window a little, because the server counts
    arrivals and a request can reach it a few milliseconds after we let it go. Thread-safe: a
    slot is reserved under the lock and the sleep happens outside it, so waiting threads keep
    their order. A call may count against several keys at once (`slot(base, token)`): it waits
    until every one of them has room; `set_rate` gives a key its own rate, and `penalise`
    holds a key's calls back for a while (Airtable refuses every request for 30 s after a 429).

    With a wall clock (`clock=lambda: time.time()`), `dump()` and `load()` carry the windows
    and penalties to the next process, so a new run respects what the last one sent.

    `slot(key)` goes further: it moves the slot's time to when the call *ended*. A request
    arrives somewhere between its start and its end, so on a loaded machine, where a request
    may take longer to reach the server than the margin, counting the window from the end
    still never lets the server see more than `rate` in a window.
    """

    shared = False  # this process's windows only: `dump()` them to keep them

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
        self._rates: dict[str, int] = {}
        self._blocked: dict[str, float] = {}  # key -> no call starts before this time
        self.waited_seconds = 0.0
        self.calls = 0

    def set_rate(self, key: str, rate: int) -> None:
        """Let `key` have `rate` calls a window instead of the limiter's `rate`."""
        if rate < 1:
            raise ValueError("rate must be >= 1")
        with self._lock:
            self._rates[key] = rate

    def penalise(self, *keys: str, seconds: float) -> None:
        """No call of these keys starts in the next `seconds` (a server's lock-out)."""
        with self._lock:
            until = self._clock() + seconds
            for key in keys or ("",):
                self._blocked[key] = max(self._blocked.get(key, until), until)

    def reserve(self, *keys: str) -> float:
        """Reserve the next free slot for the keys; returns how long to wait before using it."""
        return self._reserve(keys or ("",))[0]

    def _earliest(self, key: str, now: float) -> float:
        """When the next call of `key` may start (called under the lock)."""
        rate = self._rates.get(key, self.rate)
        starts = self._starts.setdefault(key, deque())
        while starts and starts[0][0] <= now - self.window:
            starts.popleft()
        # Never before a slot already handed out: starts stay in order, callers in turn.
        start = max(now, starts[-1][0]) if starts else now
        if len(starts) >= rate:
            # The slot frees when the call `rate` places back leaves the window.
            start = max(start, starts[-rate][0] + self.window)
        return max(start, self._blocked.get(key, start))

    def _reserve(self, keys: tuple[str, ...]) -> tuple[float, list[float]]:
        with self._lock:
            now = self._clock()
            start = max(self._earliest(key, now) for key in keys)
            slot = [start]  # one slot shared by every key: its end time moves for all
            for key in keys:
                starts = self._starts[key]
                starts.append(slot)
                while len(starts) > self._rates.get(key, self.rate):
                    starts.popleft()
            self.calls += 1
            self.waited_seconds += start - now
            return start - now, slot

    @contextmanager
    def slot(self, *keys: str) -> Iterator[float]:
        """Wait for a slot, run the call inside, and count the window from the call's end."""
        wait, slot = self._reserve(keys or ("",))
        if wait > 0:
            self._sleep(wait)
        try:
            yield wait
        finally:
            with self._lock:
                slot[0] = max(slot[0], self._clock())

    def acquire(self, *keys: str) -> float:
        """Block until a call for the keys may start; returns the seconds slept."""
        wait = self.reserve(*keys)
        if wait > 0:
            self._sleep(wait)
        return wait

    def dump(self) -> dict[str, Any]:
        """The slots still in a window and the penalties still running, as JSON-ready data."""
        with self._lock:
            now = self._clock()
            slots = {
                key: [slot[0] for slot in starts if slot[0] > now - self.window]
                for key, starts in self._starts.items()
            }
            return {
                "slots": {key: times for key, times in slots.items() if times},
                "blocked": {key: until for key, until in self._blocked.items() if until > now},
            }

    def load(self, state: Mapping[str, Any]) -> None:
        """Take up what `dump()` gave (from an earlier process with the same wall clock)."""
        with self._lock:
            for key, times in dict(state.get("slots") or {}).items():
                merged = sorted([slot[0] for slot in self._starts.get(key, ())] + list(times))
                limit = self._rates.get(str(key), self.rate)
                self._starts[str(key)] = deque([float(t)] for t in merged[-limit:])
            for key, until in dict(state.get("blocked") or {}).items():
                self._blocked[str(key)] = max(self._blocked.get(str(key), 0.0), float(until))
