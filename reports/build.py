"""The entry points: build a CRDO report or a stock take pack into a folder, in chosen formats."""

from __future__ import annotations

import multiprocessing
import os
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from mappings.errors import InputError
from reports.model import ReportData

if TYPE_CHECKING:
    from reports.document import ReportDocument

FORMATS = ("html", "pdf", "xlsx", "json")
PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700
STOCKTAKE_FORMATS = ("html", "pdf")


def build_report(
    data: ReportData, out_dir: Path, formats: Sequence[str] = FORMATS
) -> dict[str, Path]:
    """Write the report in each format to `out_dir`; returns the path of each, by format.

    All formats come from one model. The HTML is one self-contained page; the PDF is printed
    from that same HTML; the XLSX has a sheet per table; the JSON follows report.schema.json.
    """
    from reports.document import build_document

    wanted = _formats(formats, FORMATS)
    folder = _folder(out_dir)
    document = build_document(data, charts=bool({"html", "pdf"} & set(wanted)))
    stem = f"crdo-report-{_slug(data.department or 'all-departments')}-{data.today.isoformat()}"
    html = ""
    if {"html", "pdf"} & set(wanted):
        from reports.html import render_report

        html = render_report(document)
    paths = {fmt: folder / f"{stem}.{fmt}" for fmt in wanted}
    # The tables need no layout: a second process writes them while this one prints the PDF.
    beside = [f for f in wanted if f in TABLE_FORMATS] if "pdf" in wanted else []
    with TablesBeside(document, {f: paths[f] for f in beside}) as elsewhere:
        for fmt in wanted:
            if fmt not in elsewhere:
                _write(fmt, document, html, paths[fmt])
    return paths


TABLE_FORMATS = ("xlsx", "json")


def _write(fmt: str, document: ReportDocument, html: str, path: Path) -> None:
    """Write one format of the report to `path`, atomically."""
    if fmt == "html":
        _atomic(path, lambda p: p.write_text(html, encoding="utf-8"))
    elif fmt == "pdf":
        from reports.pdf import write_pdf

        _atomic(path, lambda p: write_pdf(html, p))
    elif fmt == "xlsx":
        from reports.xlsx import write_xlsx

        _atomic(path, lambda p: write_xlsx(document, p))
    else:
        from reports.json_out import write_json

        _atomic(path, lambda p: write_json(document, p))


class TablesBeside:
    """Writes the table formats (XLSX, JSON) in a forked process while the caller prints the
    PDF, which holds one core for most of a report's time; on leaving, waits for them.

    The child inherits the document as it is (nothing pickled on the way in). Where a fork is
    not safe (no fork, or other threads running) or a write fails there, the formats are
    written in this process, so that an error is raised here as itself.
    """

    def __init__(self, document: ReportDocument, paths: dict[str, Path]) -> None:
        self.document, self.paths = document, paths
        self.pool: ProcessPoolExecutor | None = None
        self.futures: dict[str, Future[None]] = {}

    def __enter__(self) -> set[str]:
        forkable = "fork" in multiprocessing.get_all_start_methods()
        if not self.paths or not forkable or threading.active_count() > 1:
            self.paths = {}
            return set()
        context = multiprocessing.get_context("fork")
        self.pool = ProcessPoolExecutor(1, context, initializer=_adopt, initargs=(self.document,))
        self.futures = {f: self.pool.submit(_write_adopted, f, p) for f, p in self.paths.items()}
        return set(self.paths)

    def __exit__(self, *failed: object) -> None:
        if self.pool is None:
            return
        try:
            for fmt, future in self.futures.items():
                try:
                    future.result()
                except Exception:  # a broken pool, or an error that did not cross: write here
                    _write(fmt, self.document, "", self.paths[fmt])
        finally:
            self.pool.shutdown(cancel_futures=True)


_ADOPTED: list[ReportDocument] = []  # the forked writer's document, set once as it starts


def _adopt(document: ReportDocument) -> None:
    _ADOPTED[:] = [document]


def _write_adopted(fmt: str, path: Path) -> None:
    _write(fmt, _ADOPTED[0], "", path)


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
