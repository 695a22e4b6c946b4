"""The fault campaign: syncs against a sandbox that fails a fifth of its requests, seed by seed.

    python -m tests.campaign_faults [--seeds 50] [--rate 0.2] [--tool jira|airtable|both]

For each seed, on a fresh demo sandbox, while the sandbox answers `rate` of its requests with a
fault (429 with a Retry-After in seconds on even seeds or as an HTTP date on odd ones, 500,
502, 503, a slow response or a dropped connection):

1. a first sync;
2. after the team has edited three indicators, a second one (ratings change: comments);
3. past the cursor's overlap window, after a team edit, a third: the targets, outcomes and
   priorities above the edited indicator are rated anew from their stored copies;
4. Jira: after an edit that re-rates P6-O1-I1-T1, a sync while that issue answers 500 to every
   request (and nothing else fails): it alone is refused (RD905), the run goes on; then its
   JQL shrunk to a third of the issues: the sync stops before writing (exit 2); then the scope
   restored, a faulted sync writes the broken issue. Airtable: a faulted sync after the edit.

After each sync, every field a team owns is byte-identical to before it; at the end, the
write-back values and the comments equal those of the same syncs without faults, no comment
is duplicated or lost, a full read finds nothing left to write, and one more sync (without
faults) writes nothing. Prints one line per seed, the totals, and `N/N passed`.
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
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connector.clock import Clock
from connector.config import Config, RetryConfig
from connector.sandbox.server import Sandbox, start_sandbox
from connector.sync.run import Outcome
from connector.sync.steps import ScopeChanged
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

# The team's later edits, by portfolio ref: one read past the cursor's overlap (the target,
# outcome and priority it re-rates are not read again), one that re-rates the broken issue.
LATER_EDITS = (("P2-O1-I1", 1.0),)
BROKEN_EDITS = (("P6-O1-I1", 99.0),)
BROKEN = "P6-O1-I1-T1"
SHRUNK = "project = DEL AND issuetype in (Priority, Outcome)"  # a sixth of the issues
# A broken issue is retried for the whole budget: the run that meets it uses a short one.
SHORT_RETRY = {"budget_seconds": 2.0, "max_wait_seconds": 0.5, "initial_wait_seconds": 0.05}
EDIT = "/rest/api/3/issue/{issueIdOrKey}"
COMMENT = "/rest/api/3/issue/{issueIdOrKey}/comment"
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
    runs: int = 0
    crashes: int = 0  # syncs that raised, other than the scope change they were meant to stop
    clobbered: int = 0  # records whose team-owned fields or comments a sync changed
    comments: int = 0
    settled_later: int = 0  # comments given up on, then found (or added) by the next run
    duplicates: int = 0
    lost: int = 0  # comments the fault-free syncs made that this seed does not have
    refused: int = 0  # writes refused: the broken issue only, once
    stopped: int = 0  # syncs stopped by the scope change (with no write)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        shown = ", ".join(f"{kind} {n}" for kind, n in sorted(self.faults.items()))
        verdict = "ok" if self.ok else "FAIL: " + "; ".join(self.problems)
        return (
            f"seed {self.seed:3d} {self.tool:<8} {self.runs} runs, {self.requests:4d} requests, "
            f"faults: {shown}; {self.comments} comments ({self.settled_later} by the next run), "
            f"{self.duplicates} duplicated, {self.lost} lost; {self.refused} refused, "
            f"{self.stopped} stopped; {self.seconds:.1f} s: {verdict}"
        )


def _start(tool: str) -> Sandbox:
    sandbox = start_sandbox(seed="demo", anchor=ANCHOR, clock=Clock.starting(ANCHOR))
    if tool == "airtable":
        sandbox.airtable.rate_limit_per_second = None  # the campaign's 429s come from the spec
    return sandbox


def past_overlap(sandbox: Sandbox, config: Config, tool: str) -> None:
    """Move the site's clock past the cursor's overlap: the next read asks only for edits."""
    clock = sandbox.clock
    assert isinstance(clock, Clock)
    clock.advance(timedelta(seconds=config.sources[tool].overlap_seconds + 60))


def reference(tool: str, folder: Path) -> dict[str, Any]:
    """The same syncs without faults: the state every faulted seed must end in."""
    with _start(tool) as sandbox:
        config = configure(folder, sandbox, tool, retry=FAST_RETRY, source=SOURCE[tool])
        sync(config, sandbox.clock)
        team_edits(sandbox, tool)
        sync(config, sandbox.clock)
        past_overlap(sandbox, config, tool)
        team_edits(sandbox, tool, edits=LATER_EDITS)
        sync(config, sandbox.clock)
        team_edits(sandbox, tool, edits=BROKEN_EDITS)
        sync(config, sandbox.clock)
        return snapshot(sandbox, tool).state()


def _sync(
    sandbox: Sandbox, config: Config, spec: str | None, result: SeedResult, step: str
) -> Outcome | None:
    """One sync under `spec`; the team's fields must be byte-identical afterwards."""
    before = snapshot(sandbox, result.tool)
    sandbox.reset_stats()
    sandbox.set_faults(spec)
    result.runs += 1
    outcome = None
    try:
        outcome = sync(config, sandbox.clock)
    except Exception as error:  # the campaign reports it; the next seeds still run
        if isinstance(error, ScopeChanged) and step == "shrunk scope":
            result.stopped += 1
        else:
            result.crashes += 1
            result.problems.append(f"{step} sync failed: {type(error).__name__}: {error}")
    finally:
        sandbox.set_faults(None)
    stats = sandbox.stats()
    result.requests += stats["total"]
    result.faults.update(entry["fault"] for entry in stats["log"] if entry["fault"])
    changed = clobbered(before, snapshot(sandbox, result.tool))
    result.clobbered += len(changed)
    if changed:
        result.problems.append(f"{step} sync changed team fields of {', '.join(changed[:5])}")
    if outcome is not None:
        result.refused += outcome.counts["refused"]
    return outcome


def lost_answers(seed: int) -> bool:
    """One seed in five: a slow answer outlasts the client's timeout, so requests the tool
    still carries out look lost to rdsync (the hardest case for a comment's idempotency)."""
    return seed % 5 == 0


def _broken_and_shrunk(sandbox: Sandbox, config: Config, result: SeedResult) -> None:
    """Jira: one issue answers 500 to every request of a run (nothing else fails), then the
    scope shrinks to a sixth of the issues; neither may crash a run, lose or clobber a write."""
    broken = sandbox.demo()["keys"][BROKEN]
    short = config.model_copy(update={"retry": RetryConfig(**SHORT_RETRY)})
    outcome = _sync(sandbox, short, f"@{broken}:500:1", result, "broken issue")
    refused = [] if outcome is None else [f.key for f in outcome.findings if f.code == "RD905"]
    if outcome is not None and (refused != [broken] or outcome.counts["refused"] != 1):
        result.problems.append(f"the broken issue's run refused {refused}, not [{broken}]")
    jira = config.sources["jira"].model_copy(update={"projects": [], "jql": SHRUNK})
    shrunk = config.model_copy(update={"sources": {"jira": jira}})
    _sync(sandbox, shrunk, None, result, "shrunk scope")
    writes = sandbox.count("PUT", EDIT) + sandbox.count("POST", COMMENT)
    if result.stopped != 1 or writes:
        result.problems.append(f"the shrunk scope stopped {result.stopped} runs, wrote {writes}")


def run_seed(
    seed: int, tool: str, expected: dict[str, Any], rate: float, folder: Path
) -> SeedResult:
    """One seed: the faulted syncs of the module doc on a fresh sandbox, then its checks."""
    started = time.monotonic()
    result = SeedResult(seed, tool)
    source = dict(SOURCE[tool], **({"timeout_seconds": 0.15} if lost_answers(seed) else {}))
    with _start(tool) as sandbox:
        config = configure(folder, sandbox, tool, retry=FAST_RETRY, source=source)
        _sync(sandbox, config, fault_spec(seed, rate, 0), result, "first")
        team_edits(sandbox, tool)
        _sync(sandbox, config, fault_spec(seed, rate, 1), result, "second")
        past_overlap(sandbox, config, tool)
        team_edits(sandbox, tool, edits=LATER_EDITS)
        _sync(sandbox, config, fault_spec(seed, rate, 2), result, "past the overlap")
        team_edits(sandbox, tool, edits=BROKEN_EDITS)
        if tool == "jira":
            _broken_and_shrunk(sandbox, config, result)
        _sync(sandbox, config, fault_spec(seed, rate, 3), result, "last faulted")
        _check_end(sandbox, config, expected, result)
    result.seconds = time.monotonic() - started
    return result


def _check_end(
    sandbox: Sandbox, config: Config, expected: dict[str, Any], result: SeedResult
) -> None:
    """The end state against the fault-free syncs', before and after the next clean run."""
    tool = result.tool
    now = snapshot(sandbox, tool)
    # A comment whose answer was lost is settled by the next run, never raced in this one.
    parts = ("owned",) if lost_answers(result.seed) else ("owned", "comments")
    result.problems.extend(differences(expected, now.state(), parts))
    settle(sandbox)  # what a run left in flight has landed; its comments' window passed
    whole = sync(config, sandbox.clock, full=True, dry_run=True)
    if whole.patches:
        result.problems.append(f"a full read found {len(whole.patches)} writes left to make")
    again = sync(config, sandbox.clock)
    result.runs += 2
    if again.patches:
        result.problems.append(f"a further sync planned {len(again.patches)} writes")
    final = snapshot(sandbox, tool)
    result.problems.extend(differences(expected, final.state(), ("comments",)))
    result.comments = sum(final.tokens.values())
    result.settled_later = again.counts["comments_settled"]
    result.duplicates = final.duplicates
    result.lost = sum(
        (Counter(texts) - Counter(final.comments.get(key, ()))).total()
        for key, texts in expected["comments"].items()
    )
    if final.duplicates:
        result.problems.append(f"{final.duplicates} duplicated comments")


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
        f"{sum(r.duplicates for r in results)}, lost {sum(r.lost for r in results)}; "
        f"{time.monotonic() - started:.0f} s"
    )
    print(
        f"over {sum(r.runs for r in results)} runs: fields clobbered "
        f"{sum(r.clobbered for r in results)}, crashes {sum(r.crashes for r in results)}, "
        f"writes refused {sum(r.refused for r in results)} (the broken issue), "
        f"runs stopped by a scope change {sum(r.stopped for r in results)}"
    )
    for tool in tools:
        mine = [r for r in results if r.tool == tool]
        print(f"{tool}: {sum(r.ok for r in mine)}/{len(mine)} seeds passed")
    sys.exit(0 if all(r.ok for r in results) else 1)


if __name__ == "__main__":
    main()
