"""The crash campaign: `kill -9` an `rdsync sync` at a random point, then run a clean sync;
and a second `rdsync sync` on the state of a running one, by the paths that once let it in.

    python tests/campaign_crash.py [--seeds 50] [--workers 4]

Each seed starts a fresh demo sandbox. Even seeds kill the first sync of a new state store
(59 tickets to rate); odd seeds sync once, let the team edit three indicators, then kill the
second sync (15 tickets to rewrite, 10 comments to post). The kill lands at a random point: most
seeds after a random number of the run's requests (so that kills spread over the reads and the
writes), one in four at a random moment of the run's whole life (start-up and commit too).

After the kill a clean sync runs, and then: the state store passes `PRAGMA integrity_check`; the
write-back values and comments equal those of the same sync never killed; no comment is
duplicated; the team's fields are byte-identical to before; one more sync writes nothing.
Prints one line per seed, where each kill landed, and `N/N passed`.

The lock paths: while a first `rdsync sync` posts its comments (slowed by the site), a second
starts through a symlink to the state file, and another after the side lock file an older
rdsync kept (`state.sqlite.lock`) is deleted. Each must exit 2 naming the first, and the first
run's writes must equal the baseline's: no comment doubled.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connector.clock import Clock
from connector.config import Config
from connector.sandbox.server import Sandbox, start_sandbox
from connector.sync.state import StateStore
from tests.campaign import (
    clobbered,
    configure,
    differences,
    settle,
    snapshot,
    sync,
    team_edits,
)

ROOT = Path(__file__).resolve().parents[1]
COMMENT = "/rest/api/3/issue/{issueIdOrKey}/comment"


@dataclass
class Baseline:
    """A run of the same kind never killed: its length, its requests and the state it leaves."""

    seconds: float
    requests: int
    state: dict[str, Any]


@dataclass
class CrashResult:
    seed: int
    kind: str  # "first" or "second" sync killed
    landed: str = ""
    problems: list[str] = field(default_factory=list)
    duplicates: int = 0
    settled: int = 0  # comments the killed run meant to add, found or added by the clean run
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        verdict = "ok" if self.ok else "FAIL: " + "; ".join(self.problems)
        return (
            f"seed {self.seed:3d} kill the {self.kind:<6} sync while {self.landed:<10} "
            f"{self.settled} comments settled, {self.duplicates} duplicated; "
            f"{self.seconds:.1f} s: {verdict}"
        )


def _prepare(kind: str, folder: Path) -> tuple[Sandbox, Config]:
    """A fresh site on the machine's clock (the killed `rdsync sync` process reads that one);
    for the second sync, one sync and the team's edits already made."""
    sandbox = start_sandbox(seed="demo", clock=Clock())
    config = configure(folder, sandbox)
    if kind == "second":
        sync(config, sandbox.clock)
        team_edits(sandbox, "jira", sandbox.anchor)
    sandbox.reset_stats()
    return sandbox, config


def _command(folder: Path) -> list[str]:
    return [sys.executable, "-m", "connector.cli", "sync", "--config", str(folder / "rdsync.toml")]


def baseline(kind: str, folder: Path) -> Baseline:
    """The sync as a process, never killed."""
    sandbox, _ = _prepare(kind, folder)
    try:
        started = time.monotonic()
        subprocess.run(_command(folder), cwd=ROOT, check=True, capture_output=True, timeout=120)
        seconds = time.monotonic() - started
        return Baseline(seconds, sandbox.stats()["total"], snapshot(sandbox, "jira").state())
    finally:
        sandbox.stop()


def _kill_at_random(sandbox: Sandbox, folder: Path, rng: random.Random, base: Baseline) -> None:
    """Start the sync and SIGKILL it after a random number of requests or a random time."""
    by_time = rng.random() < 0.25
    moment = rng.uniform(0, base.seconds)
    after_requests = rng.randint(1, max(1, base.requests - 1))
    extra = rng.uniform(0, 0.01)
    sandbox.reset_stats()
    process = subprocess.Popen(
        _command(folder), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    if by_time:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=moment)  # the kill lands `moment` seconds in
    elif sandbox.wait_for(lambda: sandbox.stats()["total"] >= after_requests, timeout=60):
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=extra)  # a little after that request, at random
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()


def landed(store: StateStore, last_run: int) -> str:
    """Where the kill landed, from what the store holds of the killed run."""
    row = store.db.execute(
        "SELECT id, status FROM runs WHERE id > ? ORDER BY id LIMIT 1", (last_run,)
    ).fetchone()
    if row is None:
        return "starting"
    run_id, status = row
    if status == "ok":
        return "finished"
    (committed,) = store.db.execute(
        "SELECT count(*) FROM cursors WHERE run_id = ?", (run_id,)
    ).fetchone()
    if committed:
        return "finishing"
    (writes,) = store.db.execute(
        "SELECT count(*) FROM ledger WHERE run_id = ?", (run_id,)
    ).fetchone()
    return "writing" if writes else "reading"


def _last_run(config: Config) -> int:
    store = StateStore(config.state_path)
    try:
        runs = store.runs(1)
        return runs[0].id if runs else 0
    finally:
        store.close()


def run_seed(seed: int, base: dict[str, Baseline], folder: Path) -> CrashResult:
    started = time.monotonic()
    kind = "first" if seed % 2 == 0 else "second"
    result = CrashResult(seed, kind)
    sandbox, config = _prepare(kind, folder)
    try:
        before = snapshot(sandbox, "jira")
        last = _last_run(config)
        _kill_at_random(sandbox, folder, random.Random(seed), base[kind])
        store = StateStore(config.state_path)
        result.landed = landed(store, last)
        store.close()
        settle(sandbox)  # what the killed run left in flight has landed; its window passed
        clean = sync(config, sandbox.clock)
        result.settled = clean.counts["comments_settled"]
        store = StateStore(config.state_path)
        check = store.integrity()
        store.close()
        if check != "ok":
            result.problems.append(f"integrity check: {check}")
        after = snapshot(sandbox, "jira")
        result.problems.extend(differences(base[kind].state, after.state()))
        result.duplicates = after.duplicates
        if after.duplicates:
            result.problems.append(f"{after.duplicates} duplicated comments")
        changed = clobbered(before, after)
        if changed:
            result.problems.append(f"team fields changed on {', '.join(changed[:5])}")
        again = sync(config, sandbox.clock)
        if again.patches:
            result.problems.append(f"a further sync planned {len(again.patches)} writes")
    finally:
        sandbox.stop()
    result.seconds = time.monotonic() - started
    return result


def _seed_job(args: tuple[int, dict[str, Baseline], str]) -> CrashResult:
    seed, base, root = args
    return run_seed(seed, base, Path(root) / f"seed-{seed}")


def campaign(seeds: range, workers: int = 1) -> tuple[list[CrashResult], dict[str, Baseline]]:
    """Every seed; the baselines are measured first, one per kind of killed sync.

    The sites run on the machine's clock, which the killed `rdsync sync` process reads too."""
    with tempfile.TemporaryDirectory(prefix="rdsync-crash-") as root:
        base = {kind: baseline(kind, Path(root) / f"base-{kind}") for kind in ("first", "second")}
        jobs = [(seed, base, root) for seed in seeds]
        if workers <= 1:
            return [_seed_job(job) for job in jobs], base
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(_seed_job, jobs)), base


@dataclass
class LockPathsResult:
    """What the second syncs did while a first one held the state store."""

    exits: dict[str, int] = field(default_factory=dict)  # way in -> exit status
    said: dict[str, str] = field(default_factory=dict)  # way in -> its stderr
    first_exit: int | None = None
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        exits = ", ".join(f"{way}: exit {code}" for way, code in self.exits.items())
        verdict = "ok" if self.ok else "FAIL: " + "; ".join(self.problems)
        return f"lock paths: {exits}; {self.duplicates} comments duplicated: {verdict}"


def _symlinked(folder: Path) -> Path:
    """A config of its own whose [state] path is a symlink to `folder`'s state file."""
    linked = folder.with_name(folder.name + "-linked")
    linked.mkdir()
    (linked / "state.sqlite").symlink_to(folder / "state.sqlite")
    (linked / "sandbox.token").write_bytes((folder / "sandbox.token").read_bytes())
    (linked / "rdsync.toml").write_text((folder / "rdsync.toml").read_text())
    return linked


def lock_paths(folder: Path, base: Baseline) -> LockPathsResult:
    """A second sync on the state of a running one, by a symlink and after deleting the side
    lock file: both refused (exit 2, naming the first), and the first run's writes, compared
    with the baseline's, not doubled."""
    result = LockPathsResult()
    sandbox, _ = _prepare("second", folder)
    try:
        seconds = {"symlink": _symlinked(folder), "lock file deleted": folder}
        sandbox.set_faults("comment_add:slow:1,delay=1")  # 10 comments: ten seconds of holding
        first = subprocess.Popen(
            _command(folder), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if not sandbox.wait_for(lambda: sandbox.count("POST", COMMENT) >= 1, timeout=60):
            result.problems.append("the first sync never posted a comment")
        for way, config_folder in seconds.items():
            (folder / "state.sqlite.lock").unlink(missing_ok=True)
            second = subprocess.run(
                _command(config_folder), cwd=ROOT, capture_output=True, text=True, timeout=60
            )
            result.exits[way], result.said[way] = second.returncode, second.stderr
            if second.returncode != 2 or f"rdsync pid {first.pid}" not in second.stderr:
                result.problems.append(f"{way}: exit {second.returncode}, {second.stderr[-200:]}")
        result.first_exit = first.wait(timeout=120)
        sandbox.set_faults(None)
        after = snapshot(sandbox, "jira")
        result.duplicates = after.duplicates
        if result.first_exit != 0:
            result.problems.append(f"the first sync exited {result.first_exit}")
        if after.duplicates:
            result.problems.append(f"{after.duplicates} duplicated comments")
        result.problems.extend(differences(base.state, after.state()))
    finally:
        sandbox.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=min(4, 2 * (os.cpu_count() or 1)))
    args = parser.parse_args()
    started = time.monotonic()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    results, base = campaign(seeds, args.workers)
    for kind, found in base.items():
        print(f"baseline {kind} sync: {found.seconds:.2f} s, {found.requests} requests")
    for result in results:
        print(result.line())
    where = Counter(r.landed for r in results)
    print(
        "kills landed while: "
        + ", ".join(f"{phase} {n}" for phase, n in sorted(where.items()))
        + f"; comments settled by the clean run {sum(r.settled for r in results)}, "
        f"duplicated {sum(r.duplicates for r in results)}; "
        f"{time.monotonic() - started:.0f} s"
    )
    print(f"crash campaign: {sum(r.ok for r in results)}/{len(results)} seeds passed")
    with tempfile.TemporaryDirectory(prefix="rdsync-lock-") as root:
        locked = lock_paths(Path(root) / "first", base["second"])
    print(locked.line())
    sys.exit(0 if all(r.ok for r in results) and locked.ok else 1)


if __name__ == "__main__":
    main()
