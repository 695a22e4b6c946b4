"""The fault campaign: syncs against a sandbox that fails a fifth of its requests, seed by seed.

    python tests/campaign_faults.py [--seeds 50] [--rate 0.2] [--tool jira|airtable|both]

For each seed, on a fresh demo sandbox: a first sync and, after the team has edited three
indicators, a second one (ratings change, so comments are posted), both while the sandbox
answers `rate` of its requests with a fault: 429 with a Retry-After in seconds (even seeds) or
as an HTTP date (odd seeds), 500, 502, 503, a slow response or a dropped connection. After each
sync, every field a team owns is byte-identical to before it; at the end, the write-back values
and the comments equal those of the same two syncs without faults, no comment is duplicated,
and one more sync (without faults) writes nothing. Prints one line per seed and `N/N passed`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connector.clock import Clock
from connector.sandbox.server import Sandbox, start_sandbox
from tests.campaign import (
    ANCHOR,
    FAST_RETRY,
    clobbered,
    configure,
    differences,
    settle,
    snapshot,
    sync,
    team_edits,
)

# Shares of the fault rate by kind: rate limits most, then outages, slowness and drops.
MIX = (("429", 0.4), ("500", 0.1), ("502", 0.1), ("503", 0.15), ("slow", 0.1), ("drop", 0.15))
SOURCE = {"jira": {}, "airtable": {"requests_per_second": 50}}


def fault_spec(seed: int, rate: float, phase: int = 0) -> str:
    """The sandbox fault spec of a seed: the mix at `rate`, Retry-After by the seed's parity."""
    items = [f"{kind}:{rate * share:.4f}" for kind, share in MIX]
    after = "1" if seed % 2 == 0 else "date:1"
    return ",".join([*items, f"seed={seed * 10 + phase}", f"retry-after={after}", "delay=0.2"])


@dataclass
class SeedResult:
    """What one seed did and what went wrong (nothing, when `ok`)."""

    seed: int
    tool: str
    problems: list[str] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    comments: int = 0
    settled_later: int = 0  # comments given up on, then found (or added) by the next run
    duplicates: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        shown = ", ".join(f"{kind} {n}" for kind, n in sorted(self.faults.items()))
        verdict = "ok" if self.ok else "FAIL: " + "; ".join(self.problems)
        return (
            f"seed {self.seed:3d} {self.tool:<8} {self.requests:4d} requests, faults: {shown}; "
            f"{self.comments} comments ({self.settled_later} by the next run), "
            f"{self.duplicates} duplicated; "
            f"{self.seconds:.1f} s: {verdict}"
        )


def _start(tool: str) -> Sandbox:
    sandbox = start_sandbox(seed="demo", anchor=ANCHOR, clock=Clock.starting(ANCHOR))
    if tool == "airtable":
        sandbox.airtable.rate_limit_per_second = None  # the campaign's 429s come from the spec
    return sandbox


def reference(tool: str, folder: Path) -> dict[str, Any]:
    """The two syncs without faults: the state every faulted seed must end in."""
    with _start(tool) as sandbox:
        config = configure(folder, sandbox, tool, retry=FAST_RETRY, source=SOURCE[tool])
        sync(config, sandbox.clock)
        team_edits(sandbox, tool)
        sync(config, sandbox.clock)
        return snapshot(sandbox, tool).state()


def _faulted_sync(sandbox: Sandbox, config: Any, spec: str, result: SeedResult, step: str) -> None:
    """One sync under `spec`; the team's fields must be byte-identical afterwards."""
    before = snapshot(sandbox, result.tool)
    sandbox.reset_stats()
    sandbox.set_faults(spec)
    try:
        sync(config, sandbox.clock)
    except Exception as error:  # the campaign reports it; the next seeds still run
        result.problems.append(f"{step} sync failed: {type(error).__name__}: {error}")
    finally:
        sandbox.set_faults(None)
    stats = sandbox.stats()
    result.requests += stats["total"]
    result.faults.update(entry["fault"] for entry in stats["log"] if entry["fault"])
    changed = clobbered(before, snapshot(sandbox, result.tool))
    if changed:
        result.problems.append(f"{step} sync changed team fields of {', '.join(changed[:5])}")


def lost_answers(seed: int) -> bool:
    """One seed in five: a slow answer outlasts the client's timeout, so requests the tool
    still carries out look lost to rdsync (the hardest case for a comment's idempotency)."""
    return seed % 5 == 0


def run_seed(
    seed: int, tool: str, expected: dict[str, Any], rate: float, folder: Path
) -> SeedResult:
    """One seed: two faulted syncs on a fresh sandbox, then the checks of the module doc."""
    started = time.monotonic()
    result = SeedResult(seed, tool)
    source = dict(SOURCE[tool], **({"timeout_seconds": 0.15} if lost_answers(seed) else {}))
    with _start(tool) as sandbox:
        config = configure(folder, sandbox, tool, retry=FAST_RETRY, source=source)
        _faulted_sync(sandbox, config, fault_spec(seed, rate, 0), result, "first")
        team_edits(sandbox, tool)
        _faulted_sync(sandbox, config, fault_spec(seed, rate, 1), result, "second")
        now = snapshot(sandbox, tool)
        # A comment whose answer was lost is settled by the next run, never raced in this one.
        parts = ("owned",) if lost_answers(seed) else ("owned", "comments")
        result.problems.extend(differences(expected, now.state(), parts))
        settle(sandbox)  # what a run left in flight has landed; its comments' window passed
        again = sync(config, sandbox.clock)
        if again.patches:
            result.problems.append(f"a further sync planned {len(again.patches)} writes")
        final = snapshot(sandbox, tool)
        result.problems.extend(differences(expected, final.state(), ("comments",)))
        result.comments = sum(final.tokens.values())
        result.settled_later = again.counts["comments_settled"]
        result.duplicates = final.duplicates
        if final.duplicates:
            result.problems.append(f"{final.duplicates} duplicated comments")
    result.seconds = time.monotonic() - started
    return result


def _seed_job(args: tuple[int, str, dict[str, Any], float, str]) -> SeedResult:
    seed, tool, expected, rate, root = args
    return run_seed(seed, tool, expected, rate, Path(root) / f"{tool}-{seed}")


def campaign(
    runs: Iterable[tuple[int, str]], rate: float = 0.2, workers: int = 1
) -> list[SeedResult]:
    """Every (seed, tool) run; `workers` > 1 runs them in parallel processes (they mostly
    wait on Retry-After, so more workers than cores still pay)."""
    runs = list(runs)
    with tempfile.TemporaryDirectory(prefix="rdsync-faults-") as root:
        tools = sorted({tool for _, tool in runs})
        expected = {tool: reference(tool, Path(root) / f"{tool}-reference") for tool in tools}
        jobs = [(seed, tool, expected[tool], rate, root) for seed, tool in runs]
        if workers <= 1:
            return [_seed_job(job) for job in jobs]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(_seed_job, jobs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=0.2, help="share of requests faulted")
    parser.add_argument("--tool", choices=("jira", "airtable", "both"), default="both")
    parser.add_argument("--workers", type=int, default=min(8, 4 * (os.cpu_count() or 1)))
    args = parser.parse_args()
    tools = ("jira", "airtable") if args.tool == "both" else (args.tool,)
    started = time.monotonic()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    results = campaign([(seed, tool) for tool in tools for seed in seeds], args.rate, args.workers)
    for result in results:
        print(result.line())
    faults: Counter[str] = Counter()
    for result in results:
        faults.update(result.faults)
    requests = sum(r.requests for r in results)
    print(
        f"faults injected: {sum(faults.values())} of {requests} requests "
        f"({', '.join(f'{k} {n}' for k, n in sorted(faults.items()))}); "
        f"comments {sum(r.comments for r in results)}, duplicated "
        f"{sum(r.duplicates for r in results)}; {time.monotonic() - started:.0f} s"
    )
    for tool in tools:
        mine = [r for r in results if r.tool == tool]
        print(f"{tool}: {sum(r.ok for r in mine)}/{len(mine)} seeds passed")
    sys.exit(0 if all(r.ok for r in results) else 1)


if __name__ == "__main__":
    main()
