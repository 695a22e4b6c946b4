"""The workers campaign: 20 sources synced by 1 and by 4 `rdsync worker` processes, with and
without workers killed (SIGKILL) at random moments, on a real PostgreSQL job queue.

    python benchmarks/bench_workers.py [--sources 20] [--kills 3] [--seed 1]
        [--heartbeat 10] [--stalled 30]

Ten sandbox sites on the machine's clock, each serving a Jira project (source `jira-N`) and an
Airtable base (`airtable-N`): 20 sources in one config, one state store (on PostgreSQL, beside
the queue, as machines of their own would keep it). Four scenarios, each on
fresh sites, a fresh queue database and a fresh state store, run the same rounds of one sync
job per source (`rdsync run`'s round, `connector.sync.jobs.Scheduler.defer`):

1. the first reads (a job writes nothing until every source was read once);
2. the write-back of every rating;
3. after the teams' edits on every site (ratings move: fields and comments);
4. with kills, one more round 61 s after the last kill (a comment a killed run cannot be sure
   of is settled once the window `SETTLE_AFTER` is past, by the next round, as after any
   kill); fault-free, that round would write nothing and is left out.

Scenarios: 1 worker and 4 workers fault-free, then 1 and 4 with `--kills` kills each at random
moments of rounds 2 and 3 (a replacement worker starts at once, as systemd's Restart= does).
The heartbeat and stalled timeouts are the defaults ([workers] 10 s and 30 s) unless given.

Checked: every site's rdsync-owned fields and comments equal the fault-free single worker's
(`tests.campaign.snapshot`), no comment twice (its idempotency token), every job of a killed
worker started again by another within 60 s of the kill, and no two runs of one source at
once. Measured: each round's seconds, throughput of 4 workers against 1 (rounds 2 and 3).
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connector.clock import Clock
from connector.sandbox.server import Sandbox, start_sandbox
from connector.sync.run import SETTLE_AFTER
from tests.campaign import snapshot, team_edits
from tests.postgres import PostgresServer, running_postgres
from tests.workers import (
    Event,
    Worker,
    defer_round,
    events,
    overlaps,
    start_worker,
    wait_for_jobs,
    workers_config,
)

ROUNDS = ("first reads", "write-back", "after edits", "settle")
TAKEOVER = 60.0  # seconds: the bound on a dead worker's job being taken over


@dataclass
class Scenario:
    name: str
    workers: int
    kills: int
    like: Scenario | None = None  # the fault-free scenario whose round lengths place the kills
    seconds: list[float] = field(default_factory=list)  # by round
    jobs: list[int] = field(default_factory=list)  # by round
    takeovers: list[float] = field(default_factory=list)  # seconds, kill -> started again
    killed_mid_job: int = 0
    kills_made: int = 0  # a kill planned after its round ended is not made
    explained: list[str] = field(default_factory=list)  # comments whose "why" lines differ
    problems: list[str] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)  # by site and tool
    duplicates: int = 0
    calls: dict[str, int] = field(default_factory=dict)  # by tool, rounds 2 and 3

    def throughput(self) -> float:
        """Jobs a second in rounds 2 and 3 (writes, the work that scales)."""
        return sum(self.jobs[1:3]) / sum(self.seconds[1:3])


class Pool:
    """The live worker processes of a scenario, replaced when killed."""

    def __init__(self, folder: Path, size: int) -> None:
        self.folder, self.started = folder, 0
        self.live: list[Worker] = []
        for _ in range(size):
            self.add()

    def add(self) -> None:
        self.live.append(start_worker(self.folder, self.started))
        self.started += 1

    def kill_one(self, rng: random.Random) -> float:
        victim = self.live.pop(rng.randrange(len(self.live)))
        victim.kill()
        killed = time.time()
        victim.handle.close()
        self.add()  # as systemd's Restart=always would
        return killed

    def stop(self) -> None:
        for worker in self.live:
            worker.stop()


def sites(count: int) -> list[Sandbox]:
    return [start_sandbox(seed="demo", clock=Clock()) for _ in range(count)]


def run_scenario(
    server: PostgresServer,
    folder: Path,
    sources: int,
    scenario: Scenario,
    rng: random.Random,
    beat: tuple[float, float],
) -> Scenario:
    started = sites((sources + 1) // 2)
    try:
        layout: dict[str, tuple[Sandbox, str, dict[str, Any]]] = {}
        for n in range(sources):
            site, tool = started[n // 2], ("jira", "airtable")[n % 2]
            layout[f"{tool}-{n // 2}"] = (site, tool, {})
        url = server.database("rdsync_queue")
        # As machines of their own would run it: the state store on PostgreSQL, the queue in
        # the same database ([workers] without a url of its own)
        config = workers_config(
            folder, layout, url, heartbeat=beat[0], stalled=beat[1], state_there=True
        )
        pool = Pool(folder, scenario.workers)
        kills: list[float] = []
        try:
            for number, name in enumerate(ROUNDS):
                if name == "after edits":
                    time.sleep(1.1)  # the last job's requests leave the bases' 1 s windows
                    for site in started:
                        team_edits(site, "jira", site.anchor)
                        team_edits(site, "airtable", site.anchor)
                    time.sleep(1.1)  # the edits' requests leave the bases' 1 s rate windows
                if name == "write-back":
                    for site in started:
                        site.reset_stats()
                if name == "settle" and not scenario.kills:
                    break  # nothing to settle: the round would write nothing
                if name == "settle" and kills:
                    time.sleep(max(0.0, kills[-1] + SETTLE_AFTER.total_seconds() + 1 - time.time()))
                share = scenario.kills // 2 + (scenario.kills % 2 if number == 1 else 0)
                if scenario.like is None or name not in ("write-back", "after edits"):
                    share = 0
                span = scenario.like.seconds[number] if scenario.like and share else 0.0
                seconds = one_round(config, url, pool, (share, span), rng, kills)
                scenario.seconds.append(seconds)
                scenario.jobs.append(sources)
                if name == "after edits":
                    scenario.calls = calls_by_tool(started)
        finally:
            pool.stop()
        history = events(url)
        scenario.kills_made = len(kills)
        check_history(scenario, history, kills)
        for n, site in enumerate(started):
            site.airtable.rate_limit_per_second = None  # the observer's reads: not limited
            for tool in ("jira", "airtable"):
                seen = snapshot(site, tool)
                scenario.state[f"site {n} {tool}"] = seen.state()
                scenario.duplicates += seen.duplicates
    finally:
        for site in started:
            site.stop()
    return scenario


def one_round(
    config: Any,
    url: str,
    pool: Pool,
    kills: tuple[int, float],
    rng: random.Random,
    killed: list[float],
) -> float:
    """Queue a job per source and wait until all are done; `kills[0]` workers killed at
    random moments of the first 90% of `kills[1]` seconds (the same round fault-free)."""
    began = time.monotonic()
    defer_round(config)
    stop = threading.Event()
    moments = sorted(rng.uniform(0.05, 0.9) * kills[1] for _ in range(kills[0]))

    def killer() -> None:
        for moment in moments:
            if stop.wait(max(0.0, began + moment - time.monotonic())):
                return
            killed.append(pool.kill_one(rng))
            print(f"  killed a worker {time.monotonic() - began:.1f} s into the round", flush=True)

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        done = wait_for_jobs(url, timeout=900)
    finally:
        stop.set()
        thread.join()
    if done.get("todo") or done.get("doing"):
        raise SystemExit(f"a round did not finish in 15 minutes: {done}")
    return time.monotonic() - began


def check_history(scenario: Scenario, history: list[Event], kills: list[float]) -> None:
    """Takeovers within the bound, no overlapping runs of a source, every job succeeded."""
    scenario.problems += overlaps(history)
    by_job: dict[int, list[Event]] = {}
    for event in history:
        by_job.setdefault(event.job, []).append(event)
    for job, seen in by_job.items():
        kinds = [e.kind for e in seen]
        if kinds[-1] != "succeeded":
            scenario.problems.append(f"job {job} ({seen[0].source}) ended {kinds[-1]}")
        for i, event in enumerate(seen):
            if event.kind != "deferred_for_retry":
                continue
            kill = max((k for k in kills if k <= event.at.timestamp()), default=None)
            again = next((e for e in seen[i:] if e.kind == "started"), None)
            if kill is None or again is None:
                scenario.problems.append(f"job {job}: queued again with no kill before it")
                continue
            scenario.killed_mid_job += 1
            scenario.takeovers.append(again.at.timestamp() - kill)
    late = [t for t in scenario.takeovers if t > TAKEOVER]
    if late:
        scenario.problems.append(f"{len(late)} takeovers later than {TAKEOVER:g} s: {late}")


def calls_by_tool(started: list[Sandbox]) -> dict[str, int]:
    """Requests the sites answered since the write-back round began, by tool."""
    found = {"jira": 0, "airtable": 0, "429": 0}
    for site in started:
        for count in site.stats()["counts"]:
            found["jira" if count["path"].startswith("/rest/") else "airtable"] += count["count"]
            found["429"] += count["count"] if count["status"] == 429 else 0
    return found


def measure(
    sources: int, kills: int, seed: int, beat: tuple[float, float] = (10, 30)
) -> dict[str, Any]:
    rng = random.Random(seed)
    plan = [
        Scenario("1 worker", 1, 0),
        Scenario("4 workers", 4, 0),
    ]
    plan += [
        Scenario("1 worker, killed", 1, kills, plan[0]),
        Scenario("4 workers, killed", 4, kills, plan[1]),
    ]
    with running_postgres() as server, tempfile.TemporaryDirectory() as tmp:
        for n, scenario in enumerate(plan):
            run_scenario(server, Path(tmp) / f"s{n}", sources, scenario, rng, beat)
    reference = plan[0].state
    for scenario in plan[1:]:
        strict = {key: announced(state) for key, state in scenario.state.items()}
        differing = [key for key, state in strict.items() if state != announced(reference[key])]
        if differing:
            scenario.problems.append(f"ticket state differs from 1 worker's: {differing}")
            scenario.problems.append(first_difference(reference, scenario.state, differing[0]))
        scenario.explained = [
            first_difference(reference, scenario.state, key)
            for key, state in scenario.state.items()
            if state != reference[key] and key not in differing
        ]
    for scenario in plan:
        print(line(scenario), flush=True)
    return {"scenarios": plan, "speedup": plan[1].throughput() / plan[0].throughput()}


def announced(state: dict[str, Any]) -> dict[str, Any]:
    """A site's rdsync-owned fields, and each comment's first line: the rating change it
    announces. The lines after it say why the rating moved, read from the newest stored run
    that showed the old rating, and concurrent jobs commit their runs out of start order
    (see docs/deploy.md): those lines are compared apart (`Scenario.explained`)."""
    comments = {
        key: tuple(text.split("\n", 1)[0] for text in texts)
        for key, texts in state["comments"].items()
    }
    return {"owned": state["owned"], "comments": comments}


def first_difference(want: dict[str, Any], got: dict[str, Any], key: str) -> str:
    for part in ("owned", "comments"):
        mine, theirs = got[key][part], want[key][part]
        for record in sorted(set(mine) | set(theirs)):
            if mine.get(record) != theirs.get(record):
                return f"{key} {part} {record}: {mine.get(record)!r} != {theirs.get(record)!r}"
    return f"{key}: no difference found"


def line(s: Scenario) -> str:
    rounds = ", ".join(f"{name} {sec:.1f} s" for name, sec in zip(ROUNDS, s.seconds, strict=False))
    takeover = f"max {max(s.takeovers):.1f} s" if s.takeovers else "none"
    verdict = "ok" if not s.problems and not s.duplicates else "FAIL: " + "; ".join(s.problems)
    return (
        f"{s.name:<18} {rounds}; {s.throughput():.2f} jobs/s; {s.kills_made} kills, "
        f"{s.killed_mid_job} jobs taken over ({takeover}); {s.duplicates} comments doubled; "
        f"calls {s.calls}; {len(s.explained)} sites' comments explained otherwise: {verdict}"
    ) + "".join(f"\n    explained otherwise: {why}" for why in s.explained)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--heartbeat", type=float, default=10, help="[workers] heartbeat_seconds")
    parser.add_argument("--stalled", type=float, default=30, help="[workers] stalled_seconds")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the workers and sites too
    found = measure(args.sources, args.kills, args.seed, (args.heartbeat, args.stalled))
    passed = sum(not s.problems and not s.duplicates for s in found["scenarios"])
    print(f"throughput, 4 workers against 1: {found['speedup']:.2f}x")
    print(f"{passed}/{len(found['scenarios'])} scenarios passed")
    sys.exit(0 if passed == len(found["scenarios"]) else 1)


if __name__ == "__main__":
    main()
