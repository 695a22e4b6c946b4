"""Benchmark: how a sync's cost grows with the site and with time.

    python benchmarks/bench_growth.py sizes [--sizes 1000 3000 10000 30000]
    python benchmarks/bench_growth.py month [--issues 1000] [--syncs 200]

`sizes`: for each size, a sandbox seeded with that many issues (bench_sync's synthetic site)
and, each in a process of its own (so that its peak RSS and CPU are its own): the first sync
(every plan rated and written), one that absorbs our writes, a full re-read (`--full`) and an
incremental sync after 1% of the indicators changed, the last two `TRIALS` times each (the
fastest kept, at every size alike). It prints each run's wall time, client CPU per issue and
peak RSS, and the exponent of a least-squares fit of time against size on
log-log axes (1.0: linear).

`month`: one store, `--syncs` incremental syncs 15 minutes apart on the one clock (stepped,
not waited for), the same few indicators edited before each (each moved between the same two
values, so that every sync has the same work: the same writes and comments), retention on as
configured by default. The syncs run one after another in a child process, the sandbox in
this one, so that a sync's CPU time is its own. It prints the time of each tenth sync, its
writes, and the state's size (the file and its WAL) over the runs; the wall and CPU seconds of
the first 15 and the last 10 syncs, and each phase's median in syncs 6-15 and the last 10: the
last syncs as fast as the tenth. Two parts of the state grow with genuine new data and are
kept by design: the rating history (retention keeps each stretch of one rating's first and
last rows: here every sync re-rates the same items, so each sync adds a row for each of them)
and the records' JSON (each edit adds to the issue's own changelog on the site, which a sync
maps for every changed issue; it reads only the newest histories of each, with its search page,
where those reach back to what the state holds: `jira_history.inline_histories`). The suite's
rows: the last ten syncs against syncs 6-15 in wall and in CPU time, the rest of the state flat
(end against halfway), and the history kept per rating change.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests

from connector.clock import Clock
from connector.config import load_config
from connector.sandbox.server import Sandbox, start_sandbox
from tests.campaign import configure, sync

ROOT = Path(__file__).resolve().parents[1]
SIZES = (1_000, 3_000, 10_000, 30_000)
# Full and incremental syncs timed at each size, the fastest kept: one 1,000-issue sync takes
# 1.5 s, where a neighbour's burst on a shared machine moves the fitted exponent by 0.05.
TRIALS = 2


def one_sync(config_path: str, at: str, full: bool) -> dict[str, Any]:
    """One sync in this process on a clock reading `at` (the parent's one clock, passed on):
    its wall time, CPU and this process's peak RSS."""
    config = load_config(Path(config_path))
    clock = Clock(datetime.fromisoformat(at))
    started, cpu = time.perf_counter(), time.process_time()
    outcome = sync(config, clock, full=full)
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "peak_rss_mb": peak_rss_mb(),
        "read": outcome.counts["read"],
        "written": outcome.counts["written"],
    }


def peak_rss_mb() -> float:
    """This process's own peak RSS. Linux's `ru_maxrss` is no less than the parent's peak at
    the time it started this process (the kernel carries the high-water mark over `exec`):
    started from a parent holding a 30,000-issue sandbox, a sync's figure would be the
    sandbox's. `VmHWM` is the peak of this process's own memory."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(config: Path, clock: Clock, full: bool = False) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.bench_growth", "one", str(config)]
    command += ["--at", clock.now().isoformat(), *(["--full"] * full)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"a sync failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    found: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return found


def size_runs(issues: int, trials: int = TRIALS) -> dict[str, Any]:
    """The syncs of one site of `issues` issues, each in a child process: the first, one that
    absorbs its writes, then `trials` full re-reads and `trials` incremental syncs (each after
    1% more edits, and followed by one that absorbs its writes, so that each finds the same
    work): the fastest of each kind."""
    clock = Clock()
    with (
        start_sandbox(seed="empty", clock=clock) as sandbox,
        tempfile.TemporaryDirectory() as folder,
    ):
        sandbox.seed_bulk(issues, history=12)
        configure(Path(folder), sandbox)
        path = Path(folder) / "rdsync.toml"
        first = _child(path, clock, full=True)
        _child(path, clock)  # absorbs our own writes
        full = fastest([_child(path, clock, full=True) for _ in range(trials)])
        team, steps = Edits(sandbox), []
        for _ in range(trials):
            team.next(max(issues // 100, 1))
            steps.append(_child(path, clock))
            _child(path, clock)  # absorbs this one's writes
        step = fastest(steps)
    return {"issues": issues, "first": first, "full": full, "incremental": step}


def fastest(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest of runs of one kind (its time and CPU), with the highest peak RSS of any."""
    best = dict(min(runs, key=lambda run: run["seconds"]))
    best["peak_rss_mb"] = max(run["peak_rss_mb"] for run in runs)
    return best


def exponent(sizes: list[float], costs: list[float]) -> float:
    """The slope of log(cost) against log(size), least squares: 1.0 is linear (NaN for
    one size)."""
    if len(set(sizes)) < 2:
        return math.nan
    xs, ys = [math.log(s) for s in sizes], [math.log(c) for c in costs]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def sizes(chosen: list[int]) -> dict[str, Any]:
    """Every size's runs, and the fitted exponents of full and incremental time and of the
    first sync's peak RSS."""
    found = [size_runs(n) for n in chosen]
    ns = [float(n) for n in chosen]
    fits = {
        kind: exponent(ns, [f[kind]["seconds"] for f in found])
        for kind in ("first", "full", "incremental")
    }
    return {"runs": found, "exponents": fits}


def _state_mb(path: Path) -> float:
    files = [path, path.with_name(path.name + "-wal")]
    return sum(p.stat().st_size for p in files if p.exists()) / 2**20


def month(issues: int, syncs: int, edits: int = 5) -> dict[str, Any]:
    """`syncs` incremental syncs 15 minutes apart, the same `edits` indicators changed before
    each (`Edits.swing`): the seconds, CPU seconds, phases, writes and comments of every sync
    and the state's size after it.

    The last ten syncs run in turn with syncs 6-15 of a second month of the same site, begun
    alongside (`young`): a busy machine slows both sides alike, where the first month's own
    syncs 6-15 ran minutes before its last (and the machine's load moved a median of ten by
    half between them). Both sides' figures are kept: `early` holds the second month's."""
    found: dict[str, Any] = {"issues": issues, "seconds": [], "cpu_seconds": [], "phases": []}
    found |= {"state_mb": [], "writes": [], "parts": [], "ratings_changed": [], "early": []}
    found["read_calls"] = []
    with ExitStack() as stack:
        old = _Month(stack, issues, edits)
        for _ in range(max(syncs - 10, 0)):
            _note(found, old)
        young = _Month(stack, issues, edits)
        for _ in range(5):
            young.step()
        for _ in range(min(syncs, 10)):
            found["early"].append(young.step())
            _note(found, old)
    return found


def _note(found: dict[str, Any], month: _Month) -> None:
    """The month's next sync, and its state's size after it, noted in `found`."""
    done = month.step()
    for name in ("seconds", "cpu_seconds", "phases", "ratings_changed", "read_calls"):
        found[name].append(done[name])
    found["writes"].append((done["written"], done["comments"]))
    found["state_mb"].append(_state_mb(month.state))
    found["parts"].append(_state_parts(month.state))


class _Month:
    """A site of `issues` issues on a clock of its own, its store after a full sync, and the
    child that syncs it; `step()` moves the clock 15 minutes on, edits and syncs."""

    def __init__(self, stack: ExitStack, issues: int, edits: int) -> None:
        self.clock, self.edits = Clock(), edits
        sandbox = stack.enter_context(start_sandbox(seed="empty", clock=self.clock))
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        sandbox.seed_bulk(issues, history=12)
        self.state = configure(folder, sandbox).state_path
        self.child = stack.enter_context(MonthSyncs(folder / "rdsync.toml"))
        self.child.sync(self.clock, full=True)
        self.team = Edits(sandbox)

    def step(self) -> dict[str, Any]:
        self.clock.advance(timedelta(minutes=15))
        self.team.swing(self.edits)
        return self.child.sync(self.clock)


class MonthSyncs:
    """The month's syncs, run one after another in one child process that lives through them
    (as a process running them in turn would), each asked for on its stdin with the parent's
    clock. The sandbox stays in this process: the child's CPU time is the sync's own, not the
    site's serving of it, and the two do not take turns at one interpreter lock (in one
    process a median of ten syncs moved by 10% between runs of the suite)."""

    def __init__(self, config: Path) -> None:
        command = [sys.executable, "-m", "benchmarks.bench_growth", "syncs", str(config)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def sync(self, clock: Clock, full: bool = False) -> dict[str, Any]:
        """One sync at the clock's time: `month_sync`'s figures."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"at": clock.now().isoformat(), "full": full}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"a sync failed (the child exited {self.process.wait()})")
        found: dict[str, Any] = json.loads(line)
        return found

    def __enter__(self) -> MonthSyncs:
        return self

    def __exit__(self, *_: object) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()  # the child's loop ends with its input
        self.process.wait(timeout=60)


def month_syncs(config_path: str) -> None:
    """The child's loop (`MonthSyncs`): a sync for each line of stdin, its figures a line."""
    config = load_config(Path(config_path))
    for line in sys.stdin:
        asked = json.loads(line)
        print(json.dumps(month_sync(config, asked["at"], asked["full"])), flush=True)


def month_sync(config: Any, at: str, full: bool) -> dict[str, Any]:
    """One sync on a clock reading `at`: its wall time, the CPU time of this process (the
    sync's own: its reading threads' too), its phases' seconds and its counts."""
    clock = Clock(datetime.fromisoformat(at))
    started, cpu = time.perf_counter(), time.process_time()
    outcome = sync(config, clock, full=full)
    counts = outcome.counts
    reads = [read.counts for read in outcome.reads.values()]
    calls = ("search_calls", "changelog_calls", "count_calls")
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "phases": dict(outcome.phases),
        "read_calls": sum(read[name] for read in reads for name in calls),
        **{name: counts[name] for name in ("written", "comments", "ratings_changed")},
    }


# The bytes of a row: every column's, as stored (portable SQL: CAST and LENGTH).
_ROW = "COALESCE(LENGTH(CAST({} AS BLOB)), 0)"


def _state_parts(path: Path) -> dict[str, int]:
    """The state's content in bytes: in all; the rating history retention keeps by design
    (the rows of thinned runs: each stretch of one rating's first and last, one or two rows a
    rating change, which RD403, `explain` and the comments read); and the records' JSON (each
    issue as last read, which grows with the issue's own changelog on the site)."""
    db = sqlite3.connect(path)
    try:
        total = 0
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            size = " + ".join(_ROW.format(column) for column in columns)
            total += db.execute(f"SELECT COALESCE(SUM({size}), 0) FROM {table}").fetchone()[0]
        columns = [row[1] for row in db.execute("PRAGMA table_info(assessments)")]
        size = " + ".join(_ROW.format(column) for column in columns)
        history, rows = db.execute(
            f"SELECT COALESCE(SUM({size}), 0), COUNT(*) FROM assessments "
            "WHERE run_id IN (SELECT run_id FROM past_runs)"
        ).fetchone()
        records = db.execute(f"SELECT COALESCE(SUM({_ROW.format('raw')}), 0) FROM records")
        return {
            "total": total,
            "history": history,
            "history_rows": rows,
            "records": records.fetchone()[0],
        }
    finally:
        db.close()


def bounded(part: dict[str, int]) -> int:
    """The state's content less what grows as genuine new data: the rating history and the
    records' JSON (`_state_parts`)."""
    return part["total"] - part["history"] - part["records"]


class Edits:
    """A team editing indicators' current values, a few at a time, round the site: each edit
    a new value (so that ratings move), through the REST API as a team's client would."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.session = requests.Session()
        self.session.auth = (sandbox.email, sandbox.token)
        self.url = sandbox.url
        self.field = sandbox.field_id("Current value")
        params: dict[str, str | int] = {"jql": "issuetype = Indicator", "fields": "key"}
        self.keys: list[str] = []
        token = None
        while True:
            page = self.session.get(
                f"{self.url}/rest/api/3/search/jql",
                params=params | ({"nextPageToken": token} if token else {}) | {"maxResults": 100},
                timeout=60,
            ).json()
            self.keys += [issue["key"] for issue in page["issues"]]
            token = page.get("nextPageToken")
            if not token:
                break
        self.done = 0
        self.swings = 0  # `swing`'s steps so far

    def next(self, count: int) -> None:
        for _ in range(count):
            key = self.keys[self.done % len(self.keys)]
            value = 20.0 + (self.done * 37) % 80
            self.session.put(
                f"{self.url}/rest/api/3/issue/{key}",
                json={"fields": {self.field: value}},
                timeout=60,
            ).raise_for_status()
            self.done += 1

    def swing(self, count: int, values: tuple[float, float] = (25.0, 90.0)) -> None:
        """The first `count` indicators, each moved to the other of two values than last
        time: every step the same edits of the same issues, so that each sync after it has
        the same work (a rating moved, and its writes), however many came before."""
        value = values[self.swings % 2]
        for key in self.keys[:count]:
            self.session.put(
                f"{self.url}/rest/api/3/issue/{key}",
                json={"fields": {self.field: value}},
                timeout=60,
            ).raise_for_status()
        self.swings += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    by_size = sub.add_parser("sizes")
    by_size.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    over_time = sub.add_parser("month")
    over_time.add_argument("--issues", type=int, default=1_000)
    over_time.add_argument("--syncs", type=int, default=200)
    one = sub.add_parser("one")  # one sync in a process of its own (what `sizes` runs)
    one.add_argument("config")
    one.add_argument("--at", required=True)
    one.add_argument("--full", action="store_true")
    sub.add_parser("syncs").add_argument("config")  # the month's syncs' child (`MonthSyncs`)
    args = parser.parse_args()
    if args.what == "syncs":
        month_syncs(args.config)
    elif args.what == "one":
        print(json.dumps(one_sync(args.config, args.at, args.full)))
    elif args.what == "sizes":
        print_sizes(sizes(args.sizes))
    else:
        print_month(month(args.issues, args.syncs))


def print_sizes(found: dict[str, Any]) -> None:
    print("issues  sync         seconds  CPU ms/issue  peak RSS MB  read  written")
    for run in found["runs"]:
        n = run["issues"]
        for kind in ("first", "full", "incremental"):
            r = run[kind]
            per = 1000 * r["cpu_seconds"] / n
            print(
                f"{n:>6,}  {kind:<11} {r['seconds']:8.2f}  {per:12.3f}  {r['peak_rss_mb']:11.1f}"
                f"  {r['read']:>5,}  {r['written']:>7,}"
            )
    for kind, slope in found["exponents"].items():
        print(f"exponent of {kind} sync time vs size: {slope:.2f}")


def print_month(found: dict[str, Any]) -> None:
    seconds, sizes_mb, cpu = found["seconds"], found["state_mb"], found["cpu_seconds"]
    print(f"{len(seconds)} syncs of {found['issues']:,} issues, 15 minutes apart")
    writes = found["writes"]
    for n in range(9, len(seconds), 10):
        done = f"{writes[n][0]:>3} written, {writes[n][1]:>3} comments"
        print(f"sync {n + 1:>4}: {seconds[n]:6.2f} s   {done}   state {sizes_mb[n]:8.1f} MB")
    for label, chosen in (("first 15", range(15)), ("last 10", range(len(seconds))[-10:])):
        times = " ".join(f"{seconds[n]:.2f}/{cpu[n]:.2f}" for n in chosen)
        print(f"seconds / CPU seconds of the {label}: {times}")
    print(f"last / tenth sync time: {seconds[-1] / seconds[min(9, len(seconds) - 1)]:.2f}")
    beside = found["early"]
    times = " ".join(f"{run['seconds']:.2f}/{run['cpu_seconds']:.2f}" for run in beside)
    print(f"seconds / CPU seconds of syncs 6-15 of a second month, in turn with the last: {times}")
    for name, label in (("seconds", "seconds"), ("cpu_seconds", "CPU seconds")):
        early, late = _median([run[name] for run in beside]), _median(found[name][-10:])
        print(
            f"{label}, median of syncs 6-15: {early:.3f} (the month's own, minutes before: "
            f"{_median(found[name][5:15]):.3f}); of the last 10: {late:.3f}"
        )
    print(_month_phases([run["phases"] for run in beside], found["phases"][-10:]))
    for name, part in (("6-15", writes[5:15]), ("last 10", writes[-10:])):
        print(f"writes, comments of syncs {name}: {sorted(set(part))}")
    calls = (found["read_calls"][5:15], found["read_calls"][-10:])
    print(f"read calls of syncs 6-15, last 10: {sorted(set(calls[0]))}, {sorted(set(calls[1]))}")
    parts, half = found["parts"], len(seconds) // 2 - 1
    for label, n in (("halfway", half), ("end", -1)):
        kb = {name: value / 1024 for name, value in parts[n].items() if name != "history_rows"}
        print(
            f"state content at the {label}: {kb['total']:,.0f} KB, of which rating history "
            f"{kb['history']:,.0f} KB ({parts[n]['history_rows']:,} rows), records' JSON "
            f"{kb['records']:,.0f} KB; the rest {bounded(parts[n]) / 1024:,.0f} KB"
        )
    changed = sum(found["ratings_changed"][half + 1 :])
    rows = parts[-1]["history_rows"] - parts[half]["history_rows"]
    print(f"second half: {changed:,} ratings changed, {rows:,} rows of rating history kept")


def _month_phases(first: list[dict[str, float]], last: list[dict[str, float]]) -> str:
    """Each phase's median seconds in syncs 6-15 and in the last 10: where a slower sync's
    time went."""
    names = sorted({name for run in first + last for name in run})
    lines = ["phase      6-15 (ms)  last 10 (ms)"]
    for name in names:
        early = _median([run.get(name, 0.0) for run in first]) * 1000
        late = _median([run.get(name, 0.0) for run in last]) * 1000
        lines.append(f"{name:<9} {early:10.1f}  {late:12.1f}")
    return "\n".join(lines)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


if __name__ == "__main__":
    main()


# -- the suite's rows (benchmarks/suite.py registers them) -----------------------------------


def size_figures(quick: bool) -> list[Any]:
    """Growth with size: the exponents of full and incremental sync time, client CPU per
    issue at the largest size against the smallest, and the peak RSS of the largest site's
    first, full and incremental syncs: the issue's sizes, its 600 MB at the largest, 30,000
    (`--quick` stops at 3,000)."""
    from benchmarks.suite import figure

    chosen = [300, 1_000, 3_000] if quick else list(SIZES)
    found = sizes(chosen)
    print_sizes(found)
    small, large = found["runs"][0], found["runs"][-1]
    span = f"{chosen[0] // 1000 or chosen[0]}{'k' if chosen[0] >= 1000 else ''}"
    span += f"-{chosen[-1] // 1000}k issues"
    per = {
        run["issues"]: run["full"]["cpu_seconds"] * 1000 / run["issues"] for run in (small, large)
    }
    fits = found["exponents"]
    return [
        figure(
            f"full sync time vs size, {span}: exponent",
            fits["full"],
            "",
            "<= 1.1",
            source="issue 19",
        ),
        figure(
            f"incremental sync time vs size, {span}: exponent",
            fits["incremental"],
            "",
            "<= 1.1",
            source="issue 19",
        ),
        figure(
            f"client CPU per issue, full sync, {chosen[-1]:,} issues",
            per[large["issues"]],
            "ms",
            "<= 1.1x",
            per[small["issues"]],
            f"at {chosen[0]:,}",
            "issue 19",
        ),
        *(
            figure(
                f"peak RSS, {kind} sync of {chosen[-1]:,} issues",
                large[kind]["peak_rss_mb"],
                "MB",
                "<= 600",
                source="issue 19",
            )
            for kind in ("first", "full", "incremental")
        ),
    ]


def month_figures(quick: bool) -> list[Any]:
    """Time: the last ten syncs against syncs 6-15 (medians of ten, the two run in turn: see
    `month`), in wall time and in the sync's own CPU time (its process holds no sandbox:
    `MonthSyncs`), and the state's size at the end against halfway. The issue's 200 syncs
    (`--quick`: 30 of 300 issues)."""
    from benchmarks.suite import figure

    issues, syncs = (300, 30) if quick else (1_000, 200)
    found = month(issues, syncs)
    print_month(found)
    parts, half = found["parts"], syncs // 2 - 1
    label = f"{syncs} syncs of {issues:,} issues, 15 min apart"
    changed = sum(found["ratings_changed"][half + 1 :])
    rows = parts[-1]["history_rows"] - parts[half]["history_rows"]
    times = [
        figure(
            f"{label}: last 10{kind} (median)",
            _median(found[name][-10:]),
            "s",
            "<= 1.1x",
            _median([run[name] for run in found["early"]]),
            "syncs 6-15, run in turn",
            "issue 19",
        )
        for name, kind in (("seconds", ""), ("cpu_seconds", ", CPU"))
    ]
    return [
        *times,
        figure(
            f"{label}: state less rating history, records' JSON",
            bounded(parts[-1]) / 2**20,
            "MB",
            "<= 1.05x",
            bounded(parts[half]) / 2**20,
            "halfway",
            "issue 19",
        ),
        figure(
            "  rating history kept a rating change",
            rows / max(changed, 1),
            "rows",
            "<= 2",
            source="ours (a stretch's first and last)",
        ),
    ]
