"""Benchmark: what the PostgreSQL rate limiter costs per request, against the in-process one.

Run from the repository root:  python benchmarks/bench_pg_ratelimit.py [--calls 2000]

Starts a throwaway PostgreSQL (tests/postgres.py), then times `--calls` reservations on keys
with room: 50 a window, as Airtable's token has, but a window of 1 ms, so that no call waits
and only the limiter's own cost shows: `acquire` (one statement) and
`slot` (reserve, then record the call's end: two), each on one key and on two (a base and its
token), and the same on `RateLimiter` in this process. Prints milliseconds per call and
statements per call. The database is on loopback: across a network add one round trip per
statement.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connector.sources.pg_ratelimit import PgRateLimiter
from connector.sources.ratelimit import Limiter, RateLimiter
from tests.postgres import running_postgres

WINDOW = 0.001  # seconds: each call finds the window all but empty, as at a real rate


def per_call(calls: int, step: Callable[[], object]) -> float:
    """Milliseconds a call of `step`, the best of three runs (the machine is shared)."""
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        for _ in range(calls):
            step()
        best = min(best, (time.perf_counter() - began) / calls * 1000)
    return best


def measure(name: str, limiter: Limiter, calls: int) -> None:
    for keys in (("base",), ("base", "token")):

        def in_slot(keys: tuple[str, ...] = keys) -> None:
            with limiter.slot(*keys):
                pass

        acquire = per_call(calls, lambda keys=keys: limiter.acquire(*keys))
        slot = per_call(calls, in_slot)
        print(f"{name:<12} {len(keys)} key(s): acquire {acquire:.3f} ms, slot {slot:.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    calls = parser.parse_args().calls
    measure("in-process", RateLimiter(50, per=WINDOW, margin=0), calls)
    with running_postgres() as server:
        limiter = PgRateLimiter(server.database(), 50, per=WINDOW, margin=0)
        limiter.acquire("warm-up")
        measure("postgresql", limiter, calls)
        trips = limiter.round_trips
        with limiter.slot("base", "token"):
            pass
        print(f"postgresql   statements a slot: {limiter.round_trips - trips}")


if __name__ == "__main__":
    main()
