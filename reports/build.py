"""The entry points: build a CRDO report or a stock take pack into a folder, in chosen formats."""

from __future__ import annotations

import gc
import multiprocessing
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mappings.errors import InputError
from reports.model import ReportData

if TYPE_CHECKING:
    from reports.document import ReportDocument
    from reports.edition import Edition

FORMATS = ("html", "pdf", "xlsx", "json")
PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700
STOCKTAKE_FORMATS = ("html", "pdf")


def build_report(
    data: ReportData,
    out_dir: Path,
    formats: Sequence[str] = FORMATS,
    pdf_edition: Edition = "print",
) -> dict[str, Path]:
    """Write the report in each format to `out_dir`; returns the path of each, by format.

    All formats come from one model, and each chart is drawn once. The HTML is one
    self-contained page charting every target; the PDF prints the `pdf_edition` of that page
    (reports/edition.py); the XLSX has a sheet per table; the JSON follows report.schema.json.
    The PDF and the tables are written by forked processes (see `Beside`): the PDF prints from
    the charts its edition shows while this process draws the others for the HTML.
    """
    from reports.document import build_document, draw_charts, draw_focus
    from reports.edition import charted
    from reports.html import render_report

    wanted = _formats(formats, FORMATS)
    folder = _folder(out_dir)
    document = build_document(data, charts=False)
    stem = f"crdo-report-{_slug(data.department or 'all-departments')}-{data.today.isoformat()}"
    paths = {fmt: folder / f"{stem}.{fmt}" for fmt in wanted}
    with Beside() as beside:
        for fmt in [f for f in TABLE_FORMATS if f in wanted]:
            job = _table_writer(fmt, document)
            if "pdf" in wanted:  # first, on the core left idle while the PDF's charts draw
                beside.write(paths[fmt], job)
            else:  # with no PDF to wait for, quicker written here than forked
                _atomic(paths[fmt], job)
        if "pdf" in wanted:
            draw_charts(document, charted(document, pdf_edition))
            draw_focus(document)
            printed = render_report(document, pdf_edition)
            beside.write(paths["pdf"], lambda p: _pdf(printed, p))
        if "html" in wanted:
            # Those the PDF did not need, beside it.
            draw_charts(document, charted(document, "full"))
            draw_focus(document)
            page = render_report(document)
            _atomic(paths["html"], lambda p: p.write_text(page, encoding="utf-8"))
    return paths


TABLE_FORMATS = ("xlsx", "json")


def _pdf(html: str, path: Path) -> None:
    from reports.pdf import write_pdf

    write_pdf(html, path)


def _table_writer(fmt: str, document: ReportDocument) -> Callable[[Path], object]:
    """The writer of a table format (XLSX or JSON) of the document."""
    if fmt == "xlsx":
        from reports.xlsx import write_xlsx

        return lambda p: write_xlsx(document, p)
    from reports.json_out import write_json

    return lambda p: write_json(document, p)


class Beside:
    """Writes files in forked processes while this one goes on; on leaving, waits for them.

    The PDF holds one core for most of a report's time: it prints in a child while this process
    draws the HTML's charts. The tables need no layout: each is written first, by a child of
    its own, on the core left idle while this process draws the PDF's charts. A child
    inherits what it writes as it is (nothing pickled) and starts no thread here, so the chart
    pool may still fork. Where a fork is not safe (no fork, or other threads running) a file is
    written at once in this process; a child that fails is written again here, so that its
    error is raised as itself (an InputError does not cross processes whole).
    """

    def __init__(self) -> None:
        self.children: list[tuple[Any, Path, Callable[[Path], object]]] = []

    def __enter__(self) -> Beside:
        return self

    def write(self, path: Path, job: Callable[[Path], object]) -> None:
        """Write `path` with `job` in a child, or here."""
        forkable = "fork" in multiprocessing.get_all_start_methods()
        if not forkable or threading.active_count() > 1:
            _atomic(path, job)
            return
        context = multiprocessing.get_context("fork")
        child = context.Process(target=_quietly, args=(path, job))
        child.start()
        self.children.append((child, path, job))

    def __exit__(self, *failed: object) -> None:
        for child, path, job in self.children:
            child.join()
            if child.exitcode != 0 and not failed[0]:
                _atomic(path, job)


def _quietly(path: Path, job: Callable[[Path], object]) -> None:
    """A child's write: a failure is its exit code (this process raises it again), never a
    traceback printed by multiprocessing."""
    # A child writes one file and exits: what it allocates lives until then, so the cyclic
    # collector (walking the parent's heap it inherited, and the writer's) is time lost.
    gc.disable()
    try:
        _atomic(path, job)
    except BaseException:
        sys.exit(1)


def build_stocktake(
    data: ReportData,
    priority_key: str,
    out_dir: Path,
    formats: Sequence[str] = STOCKTAKE_FORMATS,
) -> dict[str, Path]:
    """Write the stock take pack of one priority (HTML and/or PDF) to `out_dir`."""
    from reports.html import render_stocktake
    from reports.stocktake import build_pack

    wanted = _formats(formats, STOCKTAKE_FORMATS)
    folder = _folder(out_dir)
    html = render_stocktake(build_pack(data, priority_key))
    stem = f"stocktake-{_slug(priority_key)}-{data.today.isoformat()}"
    written: dict[str, Path] = {}
    for fmt in wanted:
        path = folder / f"{stem}.{fmt}"
        if fmt == "html":
            _atomic(path, lambda p: p.write_text(html, encoding="utf-8"))
        else:
            from reports.pdf import write_pdf

            _atomic(path, lambda p: write_pdf(html, p))
        written[fmt] = path
    return written


def _formats(formats: Sequence[str], allowed: Sequence[str]) -> list[str]:
    """The requested formats, lower-cased, each once; an unknown one is an InputError."""
    wanted = [f.strip().lower() for f in formats if f.strip()]
    unknown = [f for f in wanted if f not in allowed]
    if unknown or not wanted:
        raise InputError(
            f"unknown format {', '.join(unknown)}" if unknown else "no format asked for",
            where="--format",
            fix=f"Pass one or more of {', '.join(allowed)}, e.g. --format {','.join(allowed)}.",
        )
    return list(dict.fromkeys(wanted))


def _folder(out_dir: Path) -> Path:
    """The output folder; those it creates are the owner's alone (0700), whatever the umask."""
    try:
        missing = [p for p in (out_dir, *out_dir.parents) if not p.exists()]
        for folder in reversed(missing):
            folder.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
            os.chmod(folder, PRIVATE_FOLDER)
    except OSError as error:
        raise InputError(
            f"cannot create the output folder: {error.strerror}",
            where=str(out_dir),
            fix="Pass --out a folder you can write to.",
        ) from error
    return out_dir


def _atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write to a temporary name and rename, so a reader never sees half a report; the file
    is the owner's alone (0600): a report names people and their ratings."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE))
        write(partial)  # writers that replace the file keep no mode: set it once written
        os.chmod(partial, PRIVATE_FILE)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "report"
