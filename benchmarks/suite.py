"""The benchmark suite: every benchmark in a process of its own, gathered into one table.

    benchmarks/run [--only NAME ...] [--quick] [--campaigns]

Each row is one figure: what was measured, its target (from the issue that set it, or marked
"ours" where no issue did), a baseline measured in the same run on the same machine, and the
ratio figure / baseline. A process per benchmark keeps peak memory and timings its own.
`--quick` shrinks the workloads for a smoke run; `--campaigns` adds the long reliability
campaigns (fault, crash, fuzz: several minutes each) as rows of seeds passed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MARK = "FIGURES "


@dataclass(frozen=True)
class Figure:
    """One measured figure, its target (`aim` `bound`, on the value or on the ratio) and the
    baseline it is compared with."""

    name: str
    value: float
    unit: str
    aim: str  # "<=", ">=" or "=="
    bound: float
    on: str = "value"  # "ratio": the bound is on value / baseline
    baseline: float | None = None
    baseline_name: str = ""
    source: str = ""  # where the target comes from

    @property
    def ratio(self) -> float | None:
        return None if not self.baseline else self.value / self.baseline

    @property
    def met(self) -> bool | None:
        measured = self.ratio if self.on == "ratio" else self.value
        if measured is None:
            return None
        return {
            "<=": measured <= self.bound,
            ">=": measured >= self.bound,
            "==": measured == self.bound,
        }[self.aim]

    @property
    def target(self) -> str:
        bound = f"{self.bound:g}"
        shown = f"{bound}x {self.baseline_name}" if self.on == "ratio" else f"{bound} {self.unit}"
        source = f" ({self.source})" if self.source else ""
        return f"{self.aim} {shown}".replace("== ", "= ") + source

    def cells(self) -> list[str]:
        ratio = "" if self.ratio is None else f"{self.ratio:.2f}x"
        baseline = ""
        if self.baseline is not None:
            baseline = f"{_num(self.baseline)} {self.unit} {self.baseline_name}"
        met = {True: "yes", False: "NO", None: ""}[self.met]
        return [self.name, f"{_num(self.value)} {self.unit}", self.target, baseline, ratio, met]

    def line(self) -> str:
        return " | ".join(self.cells())


def _num(value: float) -> str:
    if value == int(value) and abs(value) >= 10:
        return f"{int(value):,}"
    return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# -- the benchmarks, each as figures ---------------------------------------------------------


def figure(
    name: str,
    value: float,
    unit: str,
    target: str,
    baseline: float | None = None,
    baseline_name: str = "",
    source: str = "",
) -> Figure:
    """A Figure from a target written as "<= 10", ">= 45", "== 0", or "<= 1.5x" (a ratio)."""
    aim, bound = target.split()
    on = "ratio" if bound.endswith("x") else "value"
    return Figure(
        name, value, unit, aim, float(bound.rstrip("x")), on, baseline, baseline_name, source
    )


def sync_figures(quick: bool) -> list[Figure]:
    """A daemon's syncs (bench_sync): each against a floor measured in the same run."""
    from benchmarks.bench_sync import measure, phase_table

    n = 2_000 if quick else 10_000
    found = measure(n)
    for line in [*found["notes"], *phase_table(found["phases"]).splitlines()]:
        print(f"  sync: {line}")
    full = found["full_seconds"]
    reads = math.ceil(found["changed"] / 100) + 2
    first = (found["first_calls"], "first sync", "issue 19")
    return [
        figure(
            f"first sync, {n:,} issues, {found['first_writes']:,} writes",
            found["first_seconds"],
            "s",
            "<= 1.25x",
            found["first_floor_seconds"],
            "read + same writes",
            "issue 19",
        ),
        figure(
            f"full sync (re-read), {n:,} issues",
            full,
            "s",
            "<= 1.25x",
            found["floor_seconds"],
            "bare read",
            "issue 19",
        ),
        figure("no-change resync: calls", found["quiet_calls_full_sync"], "calls", "<= 1", *first),
        # Deletions looked for in every sync (Jira's default): still one search, but a Cloud
        # search page carries no total (the enhanced search/jql dropped it), so Cloud counts
        # the scope with one search/approximate-count more; Data Center's search has the total.
        figure(
            "  deletions every sync: searches",
            found["quiet_searches_every_sync"],
            "calls",
            "<= 1",
            *first,
        ),
        figure(
            "  deletions every sync: calls (Cloud: + count)",
            found["quiet_calls_every_sync"],
            "calls",
            "<= 2",
            *first,
        ),
        figure(
            "no-change resync: writes",
            found["quiet_writes_every_sync"] + found["quiet_writes_full_sync"],
            "writes",
            "== 0",
            found["first_writes"],
            "first sync",
            "issue 19",
        ),
        # The "full sync" does a sync's whole work, its writes too (it faults the old
        # row for writing nothing): the first sync, every item rated and written. 1% changed
        # then costs about 1% of it. Against the re-read, which writes nothing (below), the
        # 1% change's own few hundred writes alone take about 0.1x.
        figure(
            f"sync after 1% of {n:,} changed",
            found["step_seconds"],
            "s",
            "<= 0.15x",
            found["first_seconds"],
            "first sync (full, its writes)",
            "issue 19",
        ),
        figure(
            "  against the full re-read",
            found["step_seconds"],
            "s",
            "<= 0.15x",
            full,
            "full re-read",
            "issue 19, read strictly",
        ),
        figure(
            f"  its reads ({found['changed']} changed)",
            found["step_read_calls"],
            "calls",
            f"<= {reads}",
            source="issue 19",
        ),
    ]


def jira_read_figures(quick: bool) -> list[Figure]:
    from benchmarks.bench_jira_read import measure

    n = 2_000 if quick else 10_000
    found = measure(n, runs=1 if quick else 5)  # alternated, the best of each side
    read, floor = found["connector_seconds"], found["bare_seconds"]
    return [
        figure(
            f"Jira read + map, {n:,} issues", read, "s", "<= 1.25x", floor, "bare read", "issue 4"
        )
    ]


def airtable_figures(quick: bool) -> list[Figure]:
    from benchmarks.bench_airtable_writeback import measure

    found = measure(300 if quick else 2_000)
    ceiling = 5 * 10.0  # 5 requests a second, 10 records a request
    return [
        figure(
            "Airtable write-back",
            found["per_second"],
            "records/s",
            ">= 45",
            ceiling,
            "ceiling",
            "issue 4",
        ),
        figure("Airtable write-back: 429s", found["refused"], "429s", "== 0", source="issue 4"),
    ]


def pipeline_figures(quick: bool) -> list[Figure]:
    """Map + rules, then map + rules + likelihood as a sync judges, on generated Jira JSON."""
    from benchmarks import bench_map_rules as bench

    n = 20_000 if quick else 100_000
    _, base_s, gen_s = bench.baseline(n)
    input_mb = _rss_mb()
    _, _, rules_s, _ = bench.pipeline(n)
    _, _, judged_s, _ = bench.judged(n)
    peak_mb = _rss_mb()
    label = f"{n // 1000}k entities"
    return [
        figure(
            f"map + rules, {label}", rules_s - gen_s, "s", "<= 10", base_s, "input alone", "issue 2"
        ),
        figure(
            f"map + rules + assess, {label}",
            judged_s - gen_s,
            "s",
            "<= 10",
            base_s,
            "input alone",
            "issues 2, 5 and 19",
        ),
        figure(
            f"  peak memory, {label}", peak_mb, "MB", "<= 300", input_mb, "input alone", "issue 19"
        ),
    ]


def assess_figures(quick: bool) -> list[Figure]:
    from benchmarks.bench_assess import measure

    found = []
    for portfolio in ("plans", "jira"):
        measured = measure(364 if quick else 1820, repeat=1 if quick else 3, portfolio=portfolio)
        label = f"likelihood, {portfolio} {measured['entities'] // 1000}k entities (CPU)"
        rules = measured["rules_seconds"]
        found.append(
            figure(label, measured["assess_seconds"], "s", "<= 1x", rules, "rules", "issue 5")
        )
    return found


def report_figures(quick: bool) -> list[Figure]:
    """bench_report prints its figures (it is the reports' own); they are read off its output."""
    from benchmarks import bench_report

    printed = io.StringIO()
    argv = sys.argv
    sys.argv = ["bench_report", "--priorities", "2" if quick else "10"]
    try:
        with contextlib.redirect_stdout(printed):
            bench_report.main()
    finally:
        sys.argv = argv
    text = printed.getvalue()
    targets = int(_found(r"([\d,]+) targets", text).replace(",", ""))
    every = float(_found(r"all four, one model:\s+([\d.]+)", text))
    html = float(_found(r"^\s+html\s+([\d.]+)", text))
    label = f"CRDO report, {targets:,} targets, 4 formats"
    return [figure(label, every, "s", "<= 2x", html, "HTML alone", "issue 19")]


def _found(pattern: str, text: str) -> str:
    match = re.search(pattern, text, re.MULTILINE)
    if match is None:
        raise SystemExit(f"bench_report no longer prints {pattern!r}; update suite.py")
    return match[1]


def startup_figures(quick: bool) -> list[Figure]:
    from benchmarks.bench_startup import measure

    found = measure(5 if quick else 15)
    help_ms, python_ms = found["help_seconds"] * 1000, found["python_seconds"] * 1000
    return [figure("rdsync --help", help_ms, "ms", "<= 200", python_ms, "python -c pass", "ours")]


def sandbox_figures(quick: bool) -> list[Figure]:
    from benchmarks.bench_sandbox_search import measure

    found = measure(10_000 if quick else 50_000, 20 if quick else 60)
    page, inside = found["median_ms"], found["inside_ms"]
    return [figure("sandbox search page", page, "ms", "<= 100", inside, "in the server", "ours")]


def growth_figures(quick: bool) -> list[Figure]:
    from benchmarks.bench_growth import size_figures

    return size_figures(quick)


def month_figures(quick: bool) -> list[Figure]:
    from benchmarks.bench_growth import month_figures as month

    return month(quick)


def workers_figures(quick: bool) -> list[Figure]:
    """The workers campaign (bench_workers): 20 sources by 1 and 4 workers, some killed."""
    from benchmarks.bench_workers import line, measure

    sources, beat = (4, (1.0, 4.0)) if quick else (20, (10.0, 30.0))
    found = measure(sources, 2 if quick else 3, 1, beat)
    plan = found["scenarios"]
    for scenario in plan:
        print(f"  workers: {line(scenario)}")
    takeovers = [t for s in plan for t in s.takeovers]
    return [
        figure(
            f"workers: 4 against 1, {sources} sources",
            plan[1].throughput(),
            "jobs/s",
            ">= 1x",
            plan[0].throughput(),
            "1 worker",
            "ours",
        ),
        figure(
            f"workers: slowest takeover of {len(takeovers)} killed jobs",
            max(takeovers, default=0.0),
            "s",
            "<= 60",
            source="issue 21",
        ),
        figure(
            "workers: scenarios unlike 1 worker's, or failing",
            sum(bool(s.problems) for s in plan),
            "",
            "== 0",
            source="issue 21",
        ),
        figure(
            "workers: comments doubled",
            sum(s.duplicates for s in plan),
            "",
            "== 0",
            source="issue 21",
        ),
    ]


BENCHMARKS: dict[str, Callable[[bool], list[Figure]]] = {
    "sync": sync_figures,
    "jira-read": jira_read_figures,
    "airtable": airtable_figures,
    "pipeline": pipeline_figures,
    "assess": assess_figures,
    "report": report_figures,
    "startup": startup_figures,
    "sandbox": sandbox_figures,
    "growth": growth_figures,  # bench_growth.py: sizes, and `month` (200 syncs)
    "month": month_figures,
    "workers": workers_figures,  # bench_workers.py: needs PostgreSQL's server binaries
}
CAMPAIGNS = {
    "fault campaign (seeds x tools)": ["-m", "tests.campaign_faults", "--seeds", "50"],
    "crash campaign (kill -9)": ["-m", "tests.campaign_crash", "--seeds", "50"],
    "fuzz campaign (tools)": ["benchmarks/campaign_fuzz.py", "--records", "10000"],
}


# -- running and printing --------------------------------------------------------------------


def run_one(name: str, quick: bool) -> list[Figure]:
    """Run a benchmark in a process of its own; its figures come back as JSON on stdout."""
    command = [sys.executable, "-m", "benchmarks.suite", "--one", name, *(["--quick"] * quick)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    marked = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if done.returncode != 0 or not marked:
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-4000:])
        raise SystemExit(f"benchmark {name} failed (exit {done.returncode})")
    for line in done.stdout.splitlines():  # a benchmark's details (the sync's phase table)
        if line.startswith("  ") and not line.startswith(MARK):
            print(line, flush=True)
    return [Figure(**item) for item in json.loads(marked[-1][len(MARK) :])]


def run_campaign(name: str, args: list[str]) -> Figure:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True)
    passed = re.findall(r"(\d+)/(\d+) (?:seeds|tools) passed", done.stdout)
    good = sum(int(p) for p, _ in passed)
    total = sum(int(t) for _, t in passed) or 1
    return Figure(name, good, f"/ {total} passed", "==", total, "value", None, "", "issue 9")


def table(figures: list[Figure]) -> str:
    header = ["benchmark", "figure", "target", "baseline (same run)", "ratio", "met"]
    rows = [header, *(f.cells() for f in figures)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), default=None)
    parser.add_argument("--quick", action="store_true", help="small workloads, for a smoke run")
    parser.add_argument("--campaigns", action="store_true", help="also the long campaigns")
    parser.add_argument("--one", choices=sorted(BENCHMARKS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        found = BENCHMARKS[args.one](args.quick)
        print(MARK + json.dumps([asdict(f) for f in found]))
        return
    figures: list[Figure] = []
    for name in args.only or BENCHMARKS:
        started = time.monotonic()
        figures += run_one(name, args.quick)
        print(f"{name}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    for name, command in CAMPAIGNS.items() if args.campaigns else ():
        started = time.monotonic()
        figures.append(run_campaign(name, command))
        print(f"{name}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    print(table(figures))
    sys.exit(0 if all(f.met is not False for f in figures) else 1)


if __name__ == "__main__":
    main()
