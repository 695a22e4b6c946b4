"""`rdsync sync` and `rdsync run`: one sync run, and the daemon that runs them on a schedule."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from connector.cli.terminal import VisibleFormatter, echo

CONFIG = click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The rdsync config file (see config.example.toml).",
)
VERBOSE = click.option("-v", "--verbose", is_flag=True, help="Log every phase at debug level.")
ACCEPT = click.option(
    "--accept-scope-change",
    is_flag=True,
    help="Proceed when a source's scope shrank by more than [sync] max_gone_share or returns "
    "nothing (a sync stops on that, exit 2, before writing).",
)


def setup_logging(verbose: bool) -> None:
    """Plain structured lines on stderr: time, level, logger, key=value fields."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        VisibleFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", "%Y-%m-%dT%H:%M:%S")
    )
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, handlers=[handler], force=True
    )
    for installed in logging.getLogger().handlers:
        installed.addFilter(_redacting)
    # The jira client sets its logger to INFO on construction; its request logs are noise here.
    for noisy in ("jira", "urllib3", "matplotlib", "fontTools", "weasyprint"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _redacting(record: logging.LogRecord) -> bool:
    """A log line, and the traceback it carries, with any token in them replaced."""
    from connector.config import redact

    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    record.msg, record.args = redact(record.getMessage()), None
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    return True


@click.command()
@CONFIG
@click.option(
    "--dry-run", is_flag=True, help="Read and judge, print the planned writes, write none."
)
@click.option("--full", is_flag=True, help="Read everything, not only what changed since last run.")
@ACCEPT
@VERBOSE
def sync(
    config_path: Path, dry_run: bool, full: bool, accept_scope_change: bool, verbose: bool
) -> None:
    """Run one sync: read, map, check, judge, write back, commit.

    First the mapping's fields are checked against the site (as `rdsync mapping check` does):
    a field that is missing, shared by two fields, only a case-variant of the name, or both
    read and written stops the sync with exit 2 before anything is read or written.

    A sync whose read would take more than [sync] max_gone_share of a source's records as gone
    (or whose scope returns nothing) stops before writing, with exit status 2; check the
    scope, and if the change is meant, sync once with --accept-scope-change.

    A source whose site keeps failing (past the [retry] budget, or refusing the token) sits
    the run out while the others are synced, its last committed records standing in: the
    sync exits 4 naming it (3 when every source failed).

    \b
    Example:
      rdsync sync --config rdsync.toml --dry-run
      rdsync sync --config rdsync.toml --accept-scope-change
    """
    from connector.config import load_config
    from connector.sync.daemon import write_health
    from connector.sync.run import SyncRun
    from connector.sync.state import state_errors
    from connector.sync.stores import open_store

    setup_logging(verbose)
    config = load_config(config_path)
    store = open_store(config)
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="writing", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        with state_errors(store.where):
            store.lock()  # a dry run writes its run to the state, so it takes the lock too
            run = SyncRun(
                config,
                store,
                echo=echo,
                on_write=progress if sys.stderr.isatty() else None,
                accept_scope_change=accept_scope_change,
            )
            outcome = run.execute(full=full, dry_run=dry_run)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        store.close()
    if not dry_run:
        write_health(config.health_path, outcome)
    echo(outcome.summary())
    if outcome.failed:  # the others were synced; say so to a scheduler or monitor
        from connector.sync.failures import PARTIAL_EXIT

        echo(
            f"rdsync sync: {len(outcome.failed)} source(s) failed: "
            + ", ".join(f"sources.{name}" for name in outcome.failed),
            err=True,
        )
        raise SystemExit(PARTIAL_EXIT)


@click.command()
@CONFIG
@ACCEPT
@VERBOSE
def run(config_path: Path, accept_scope_change: bool, verbose: bool) -> None:
    """Run the daemon: a sync every [schedule] sync_minutes, a full one daily, and the reports.

    With a [workers] table it is the scheduler instead: it queues one sync job per source
    every sync_minutes (and the full syncs, reports, stock takes and routines), and
    `rdsync worker` processes run them (docs/deploy.md).

    Stops cleanly on SIGTERM or SIGINT (finishing the write in flight and committing). A second
    daemon on the same state store refuses to start and names the process holding it. A source
    whose mapping does not fit its site sits each run out, the others sync; the log and the
    health file say why. A sync stopped by a scope change is logged and tried again at its
    next time; started with --accept-scope-change, the daemon accepts the change in its next
    successful sync only.

    \b
    Example:
      rdsync run --config rdsync.toml
    """
    from connector.cli.report import scheduled_report, scheduled_stocktakes
    from connector.cli.routines import scheduled_routines
    from connector.config import load_config
    from connector.sync.daemon import Daemon
    from connector.sync.state import state_errors
    from connector.sync.stores import store_where

    setup_logging(verbose)
    config = load_config(config_path)
    if config.workers is not None:  # the scheduler: workers run the jobs (docs/deploy.md)
        from connector.sync.jobs import serve

        sys.exit(serve(config))
    with state_errors(store_where(config)):
        daemon = Daemon(
            config,
            reporter=lambda store, why: scheduled_report(config, store),
            stocktaker=lambda store, on: scheduled_stocktakes(config, store, on),
            routiner=(
                (lambda store, on: scheduled_routines(config, store, on))
                if config.routines is not None
                else None
            ),
            accept_scope_change=accept_scope_change,
        )
        status = daemon.run()
    sys.exit(status)
