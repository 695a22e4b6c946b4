"""Benchmark: the CRDO report of a 1,000-target portfolio, in each format, from one model.

Run from the repository root:  python -m benchmarks.bench_report [--priorities 10]
Each priority holds 100 targets (10 outcomes x 5 indicators x 2 targets), 25 strategies, their
milestones and risks, quarterly measurements, assessments and findings. Prints wall and CPU
seconds for the shared model (tables, then charts: drawn once, for HTML and PDF alike, over a
process per core from 200 charts) and for each format's own work; the PDF (the print edition
`build_report` writes by default: reports/edition.py) as WeasyPrint's parse and layout, then
its drawing of the pages (the charts' SVG among them). Then the row itself: `build_report` of
the HTML alone and of all four formats, in turn (--rounds times), the fastest wall time of each.
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from mappings.model import Target
from tests.fixtures_reports_bulk import portfolio


def timed(label: str, work: Callable[[], Any]) -> tuple[Any, float]:
    """Runs `work`, prints its wall time and CPU time: this process's, then with the child
    processes it waited for (chart drawers, the tables' writer), which a loaded machine
    stretches far less than the wall time."""
    wall, cpu, every = time.perf_counter(), time.process_time(), _cpu()
    result = work()
    wall, cpu, every = time.perf_counter() - wall, time.process_time() - cpu, _cpu() - every
    print(f"{label:<26} {wall:7.2f} s wall {cpu:7.2f} s CPU {every:7.2f} s CPU with children")
    return result, wall


def _cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--priorities", type=int, default=10, help="100 targets each")
    parser.add_argument("--rounds", type=int, default=3, help="builds of each side, in turn")
    args = parser.parse_args()
    from mappings.records import cyclic_gc_paused
    from reports.document import build_document, draw_charts
    from reports.html import render_report
    from reports.json_out import write_json
    from reports.pdf import as_images, offline_fetcher
    from reports.xlsx import write_xlsx

    data, _ = timed("portfolio (fixture)", lambda: portfolio(args.priorities))
    targets = sum(1 for e in data.architecture.entities.values() if isinstance(e, Target))
    print(f"  {targets:,} targets, {len(data.architecture):,} entities, "
          f"{len(data.findings):,} findings, {len(data.assessments):,} assessments")  # fmt: skip
    document, tables = timed("model: tables (pandas)", lambda: build_document(data, charts=False))
    keys = list(document.tables["targets"]["key"])
    _, charts = timed("model: charts (SVG)", lambda: draw_charts(document, keys))
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        html, render = timed("html: render", lambda: render_report(document))
        (out / "report.html").write_text(html)
        from weasyprint import HTML

        printed = render_report(document, "print")  # the PDF's edition, from the same charts
        with cyclic_gc_paused():  # as write_pdf prints
            page = HTML(string=as_images(printed), url_fetcher=offline_fetcher())
            pages, layout = timed("pdf: parse + layout", page.render)
            _, draw = timed("pdf: draw + write", lambda: pages.write_pdf(out / "report.pdf"))
        pdf = layout + draw
        print(f"  {len(pages.pages)} pages")
        page = pages = None  # its boxes collected now, not in the middle of the next part
        gc.collect()
        _, xlsx = timed("xlsx", lambda: write_xlsx(document, out / "report.xlsx"))
        _, json_ = timed("json", lambda: write_json(document, out / "report.json"))
        sizes = {p.suffix: p.stat().st_size / 2**20 for p in out.iterdir()}
    print("sizes MiB: " + ", ".join(f"{k[1:]} {v:.1f}" for k, v in sorted(sizes.items())))
    print("seconds per format from the parts above, each with the shared model it needs (wall):")
    for fmt, seconds in [
        ("html", tables + charts + render),
        ("pdf", tables + charts + render + pdf),
        ("xlsx", tables + xlsx),
        ("json", tables + json_),
        ("all four, one after another", tables + charts + render + pdf + xlsx + json_),
    ]:
        print(f"  parts of {fmt}: {seconds:6.1f}")
    builds(data, args.rounds)


def builds(data: Any, rounds: int) -> None:
    """What a user waits for: `build_report` of HTML alone, then of all four formats (the
    tables written beside the PDF), each from the data, in this one warmed process; `rounds`
    times in turn, the fastest of each kept: on a machine other programs load, one build of
    each was 1.7-2.7x the other from run to run, and both sides meet the same load in turn."""
    from reports.build import FORMATS, build_report

    html: list[float] = []
    wall: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        for n in range(rounds):
            for name, formats, walls in (("html", ["html"], html), ("all", FORMATS, wall)):
                where = out / f"{name}{n}"
                label = "build: html alone" if name == "html" else "build: all four"
                walls.append(timed(label, partial(build_report, data, where, formats))[1])
    print(f"the row (wall, the fastest of {rounds} builds each, alternated):")
    print(f"  html {min(html):6.1f}")
    print(f"  all four, one model: {min(wall):6.1f}  ({min(wall) / min(html):.2f}x the HTML alone)")


if __name__ == "__main__":
    main()
