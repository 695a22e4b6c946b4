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
configured by default. It prints the time of each tenth sync, its writes, and the state's size
(the file and its WAL) over the runs: the last sync as fast as the tenth. Two parts of the state
grow with genuine new data and are kept by design: the rating history (retention keeps each
stretch of one rating's first and last rows: here every sync re-rates the same items, so each
sync adds a row for each of them) and the records' JSON (each edit adds to the issue's own
changelog on the site). The suite's rows: the rest of the state flat (end against halfway),
and the history kept per rating change.
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
    each (`Edits.swing`): the seconds, writes and comments of every sync and the state's size
    after it."""
    clock = Clock()
    with (
        start_sandbox(seed="empty", clock=clock) as sandbox,
        tempfile.TemporaryDirectory() as folder,
    ):
        sandbox.seed_bulk(issues, history=12)
        config = configure(Path(folder), sandbox)
        sync(config, clock, full=True)
        team = Edits(sandbox)
        seconds, sizes_mb, writes, parts, changes = [], [], [], [], []
        for _ in range(syncs):
            clock.advance(timedelta(minutes=15))
            team.swing(edits)
            started = time.perf_counter()
            outcome = sync(config, clock)
            seconds.append(time.perf_counter() - started)
            sizes_mb.append(_state_mb(config.state_path))
            writes.append((outcome.counts["written"], outcome.counts["comments"]))
            parts.append(_state_parts(config.state_path))
            changes.append(outcome.counts["ratings_changed"])
    return {
        "issues": issues,
        "seconds": seconds,
        "state_mb": sizes_mb,
        "writes": writes,
        "parts": parts,
        "ratings_changed": changes,
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
    args = parser.parse_args()
    if args.what == "one":
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
    seconds, sizes_mb = found["seconds"], found["state_mb"]
    print(f"{len(seconds)} syncs of {found['issues']:,} issues, 15 minutes apart")
    writes = found["writes"]
    for n in range(9, len(seconds), 10):
        done = f"{writes[n][0]:>3} written, {writes[n][1]:>3} comments"
        print(f"sync {n + 1:>4}: {seconds[n]:6.2f} s   {done}   state {sizes_mb[n]:8.1f} MB")
    print(f"last / tenth sync time: {seconds[-1] / seconds[min(9, len(seconds) - 1)]:.2f}")
    early, late = _median(seconds[5:15]), _median(seconds[-10:])
    print(f"median of syncs 6-15: {early:.2f} s; of the last 10: {late:.2f} s")
    for name, part in (("6-15", writes[5:15]), ("last 10", writes[-10:])):
        print(f"writes, comments of syncs {name}: {sorted(set(part))}")
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
    """Time: the last syncs against the tenth (medians of ten), and the state's size at the
    end against halfway (`python benchmarks/bench_growth.py month` runs 200)."""
    from benchmarks.suite import figure

    issues, syncs = (300, 30) if quick else (1_000, 100)
    found = month(issues, syncs)
    print_month(found)
    seconds, parts, half = found["seconds"], found["parts"], syncs // 2 - 1
    early, late = _median(seconds[5:15]), _median(seconds[-10:])
    label = f"{syncs} syncs of {issues:,} issues, 15 min apart"
    changed = sum(found["ratings_changed"][half + 1 :])
    rows = parts[-1]["history_rows"] - parts[half]["history_rows"]
    return [
        figure(f"{label}: last 10 (median)", late, "s", "<= 1.1x", early, "syncs 6-15", "issue 19"),
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
