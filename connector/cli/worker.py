"""`rdsync worker`: runs the sync, report and routine jobs `rdsync run` queues (docs/deploy.md)."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import click

from connector.cli.sync import CONFIG, VERBOSE, setup_logging
from mappings.errors import ConfigError


@click.command()
@CONFIG
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=None,
    help="Jobs run at once by this worker (default: [workers] concurrency).",
)
@VERBOSE
def worker(config_path: Path, concurrency: int | None, verbose: bool) -> None:
    """Run jobs from the queue: a sync of one source, a report, stock takes, routines.

    Needs a [workers] table (the queue's PostgreSQL database). Start as many workers as wanted,
    on as many machines; one `rdsync run` queues the jobs. A source is synced by one worker at
    a time; a worker silent for [workers] stalled_seconds is taken for dead and its job given
    to another, and its commit, should it come back, is refused. Stops cleanly on SIGTERM or
    SIGINT, finishing the job in hand.

    \b
    Example:
      rdsync worker --config rdsync.toml --concurrency 4
    """
    from connector.cli.report import scheduled_report, scheduled_stocktakes
    from connector.cli.routines import scheduled_routines
    from connector.config import load_config
    from connector.sync.jobs import Callbacks, Jobs, work

    setup_logging(verbose)
    config = load_config(config_path)
    if config.workers is None:
        raise ConfigError(
            "`rdsync worker` needs a [workers] table: where the job queue lives",
            where=str(config_path),
            fix='Add [workers] url = "postgresql://user@host/db" (docs/deploy.md), or run '
            "`rdsync run` alone on one machine.",
        )
    callbacks = Callbacks(
        report=lambda store: scheduled_report(config, store),
        stocktake=lambda store, on: scheduled_stocktakes(config, store, on),
        routines=(
            (lambda store, on: scheduled_routines(config, store, on))
            if config.routines is not None
            else None
        ),
    )
    jobs = Jobs(config, callbacks)
    name = f"{socket.gethostname()}:{os.getpid()}"
    asyncio.run(work(jobs, concurrency=concurrency or config.workers.concurrency, name=name))
