"""`rdsync report` and `rdsync stocktake`: reports built from the state store, never the tools."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from connector.cli.sync import CONFIG, setup_logging
from connector.cli.terminal import echo
from mappings.errors import RdsyncError

if TYPE_CHECKING:  # heavy (pydantic, sqlite3): imported inside the commands that need them
    from connector.config import Config
    from connector.sync.state import StateStore
    from reports.model import ReportData


def _stamp(text: str | None) -> datetime | None:
    if not text:
        return None
    at = datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def report_data(config: Config, store: StateStore, department: str | None = None) -> ReportData:
    """The report model of the newest run, with the ratings of the previous report beside it."""
    from mappings.graph import Architecture
    from reports.model import ReportData

    run_id, outputs = store.newest_outputs()
    _known_department(outputs.entities, department, config.reports.department)
    arch = Architecture(outputs.entities, store.measurements(), outputs.problems)
    department = department or config.reports.department
    # Compare with the previous report of the same scope (this department, or all: a
    # department's report is never compared with another's) made from an earlier run; else
    # with the run before this one (and then there is no previous report date to quote).
    last = store.last_report("report", subject=department or "", before_run=run_id)
    previous_run = last[0] if last is not None else None
    if previous_run is None:
        previous_run = store.assessment_run_before(run_id)
    previous = (
        {k: a.likelihood for k, a in store.assessments(previous_run).items()}
        if previous_run is not None
        else {}
    )
    data = ReportData(
        department=department,
        generated_at=store.clock.now(),  # the one clock of the store: tests and demo set it
        data_as_of=_read_at(config, store, run_id),
        architecture=arch,
        findings=outputs.findings,
        assessments=store.assessments(run_id),
        previous=previous,
        previous_generated_at=_stamp(last[1]) if last is not None else None,
        rubric=outputs.rubric,
        thresholds=config.rules.thresholds,
        likelihood=config.likelihood,
        **work_data(config, store, previous_run),
    )
    return data.model_copy(update={"missed_updates": missed(data, store)})


def _read_at(config: Config, store: StateStore, run_id: int) -> dict[str, datetime]:
    """When each source was last read: the run that last committed its read, which for a
    source that failed since is older than the report's run (its records stood in)."""
    runs = store.read_runs()
    found = {}
    for source in config.sources:  # one never read yet is left out: no date to give
        info = store.run_info(min(runs[source], run_id)) if source in runs else None
        at = _stamp(info.ended_at or info.started_at) if info is not None else None
        if at is not None:
            found[source] = at
    return found


def missed(data: ReportData, store: StateStore) -> list[Any]:
    """The update requests of each priority's last stock take (today's included) still not
    done: the write ledger says what each asked for, the data whether it is done."""
    from connector.sync.routines import requested
    from reports.requests import missed_updates

    last: dict[str, str] = {}
    asked = [r for r in requested(store) if str(r.get("stocktake_on")) <= data.today.isoformat()]
    for request in asked:
        key, on = str(request["priority"]), str(request["stocktake_on"])
        last[key] = max(last.get(key, on), on)
    return missed_updates(data, [r for r in asked if last[str(r["priority"])] == r["stocktake_on"]])


def work_data(config: Config, store: StateStore, previous_run: int | None) -> dict[str, object]:
    """All work as the newest read left it, and its shares at the previous report's run (the
    trend); nothing when no source reads a wider scope."""
    from connector.sync import work

    if not any(getattr(source, "work", None) for source in config.sources.values()):
        return {}
    before = work.shares_at(store.db, previous_run) if previous_run is not None else None
    return {"work": work.items(store.db), "work_before": before}


def _known_department(
    entities: Sequence[object], given: str | None, configured: str | None
) -> None:
    """A report for a department no priority of the last sync has would be empty: an error,
    naming the departments there are."""
    import difflib

    from mappings.model import Priority

    wanted = given or configured
    if wanted is None:
        return
    names = sorted({e.department for e in entities if isinstance(e, Priority) and e.department})
    if wanted in names:
        return
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.5)
    hint = f"Did you mean {' or '.join(repr(n) for n in close)}? " if close else ""
    raise RdsyncError(
        f"no priority of the last sync is in department {wanted!r}",
        where="--department" if given else "reports.department",
        fix=f"{hint}The departments are: {_some(names, '; ') or 'none (no priority names one)'}.",
    )


def _some(names: Sequence[str], sep: str = ", ", shown: int = 20) -> str:
    more = f"{sep}and {len(names) - shown} more" if len(names) > shown else ""
    return sep.join(names[:shown]) + more


def build_reports(
    config: Config,
    store: StateStore,
    out: Path,
    formats: Sequence[str] | None = None,
    department: str | None = None,
    pdf_edition: str | None = None,
) -> dict[str, Path]:
    """The CRDO report in every format asked for; recorded so the next one shows the change.
    The PDF is `pdf_edition` (print or full), else `[reports] pdf`."""
    from reports import build_report
    from reports.edition import Edition
    from reports.model import ReportData

    data = report_data(config, store, department)
    assert isinstance(data, ReportData)
    edition: Edition = "full" if (pdf_edition or config.reports.pdf) == "full" else "print"
    paths = build_report(data, out, list(formats or config.reports.formats), edition)
    found = store.outputs()
    assert found is not None
    store.record_report(found[0], "report", data.department or "", out)
    return paths


def stocktake_priorities(
    config: Config, entities: Iterable[object], department: str | None = None
) -> list[str]:
    """The keys of the priorities whose stock takes are held, from every source: those of the
    department (given, or `[reports] department`), else all; sorted, so that the stagger of
    `stocktake_due` stays put from run to run."""
    from mappings.model import Priority

    wanted = department or config.reports.department
    return sorted(
        e.key for e in entities if isinstance(e, Priority) and wanted in (None, e.department)
    )


def build_stocktakes(
    config: Config,
    store: StateStore,
    priority_keys: Sequence[str],
    out: Path,
    department: str | None = None,
) -> dict[str, dict[str, Path]]:
    from mappings.model import Priority
    from reports import build_stocktake
    from reports.model import ReportData

    data = report_data(config, store, department)
    assert isinstance(data, ReportData)
    made: dict[str, dict[str, Path]] = {}
    priorities = sorted(p.key for p in data.architecture.of_kind(Priority))
    for key in priority_keys:
        if key not in priorities:
            what = data.architecture.get(key)
            kind = what.kind.value if what else ""
            article = "an" if kind[:1] in ("a", "e", "i", "o", "u") else "a"
            said = f"{key} is {article} {kind}, not a priority" if what else f"no {key}"
            raise RdsyncError(
                f"in the last sync, {said}",
                where="--priority",
                fix=f"Give the key of a priority: {_some(priorities) or 'there is none'}.",
            )
        made[key] = build_stocktake(data, key, out)
        found = store.outputs()
        assert found is not None
        store.record_report(found[0], "stocktake", key, out)
    return made


def scheduled_report(config: Config, store: StateStore) -> None:
    build_reports(config, store, config.resolve(config.reports.out))


def scheduled_stocktakes(config: Config, store: StateStore, on: date) -> None:
    """The stock take packs due today: each priority every N weeks, staggered (Rule 7)."""
    from connector.sync.daemon import stocktake_due

    found = store.outputs()
    if found is None:
        return
    keys = stocktake_priorities(config, found[1].entities)
    weeks = config.schedule.stocktake_weeks
    due = [k for i, k in enumerate(keys) if stocktake_due(i, len(keys), weeks, on)]
    if due:
        build_stocktakes(config, store, due, config.resolve(config.reports.out) / "stocktakes")


@click.command()
@CONFIG
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the report files (default: [reports] out).",
)
@click.option(
    "--format",
    "formats",
    default=None,
    help="Comma list of html, pdf, xlsx, json (default: [reports] formats).",
)
@click.option("--department", default=None, help="Only this department's priorities.")
@click.option(
    "--pdf-edition",
    type=click.Choice(["print", "full"]),
    default=None,
    help="The PDF's edition: print (charts of the targets that need attention, every target's "
    "figures in a ledger) or full (every chart, as the HTML); default: [reports] pdf.",
)
def report(
    config_path: Path,
    out: Path | None,
    formats: str | None,
    department: str | None,
    pdf_edition: str | None,
) -> None:
    """Build the CRDO compliance report from the state store of the last sync.

    \b
    Example:
      rdsync report --config rdsync.toml --out reports --format html,pdf
      rdsync report --config rdsync.toml --format pdf --pdf-edition full
    """
    from connector.config import REPORT_FORMATS, load_config
    from connector.sync.state import state_errors
    from connector.sync.stores import open_store

    setup_logging(False)
    config = load_config(config_path)
    chosen = [f.strip() for f in formats.split(",")] if formats else None
    for fmt in chosen or ():
        if fmt not in REPORT_FORMATS:
            raise RdsyncError(
                f"unknown format {fmt!r}",
                where="--format",
                fix=f"Use a comma list of {', '.join(REPORT_FORMATS)}.",
            )
    store = open_store(config)  # not locked: a report reads, beside a running sync
    try:
        target = out or config.resolve(config.reports.out)
        with state_errors(store.where):
            built = build_reports(config, store, target, chosen, department, pdf_edition)
        for fmt, path in sorted(built.items()):
            echo(f"{fmt}: {path}")
    finally:
        store.close()


@click.command()
@CONFIG
@click.option("--priority", "priorities", multiple=True, help="A priority's key.")
@click.option(
    "--department", default=None, help="Every priority of this department (from any source)."
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None)
def stocktake(
    config_path: Path, priorities: tuple[str, ...], department: str | None, out: Path | None
) -> None:
    """Build the stock take pack of a priority: shared view, deep dives, next steps.

    Where two sources hold a key, give it as reports show it (hr:DEL-1).

    \b
    Example:
      rdsync stocktake --config rdsync.toml --priority DEL-1
      rdsync stocktake --config rdsync.toml --department "Department of Health"
    """
    from connector.config import load_config
    from connector.sync.state import state_errors
    from connector.sync.stores import open_store

    setup_logging(False)
    if not priorities and department is None:
        raise RdsyncError(
            "no priority given",
            where="--priority",
            fix="Give --priority KEY (repeatable) or --department NAME.",
        )
    config = load_config(config_path)
    store = open_store(config)
    try:
        target = out or config.resolve(config.reports.out) / "stocktakes"
        with state_errors(store.where):
            if department is not None and not priorities:
                _, outputs = store.newest_outputs()
                _known_department(outputs.entities, department, None)
                priorities = tuple(stocktake_priorities(config, outputs.entities, department))
            made = build_stocktakes(config, store, priorities, target, department)
        for key, paths in made.items():
            for fmt, path in sorted(paths.items()):
                echo(f"{key} {fmt}: {path}")
    finally:
        store.close()
