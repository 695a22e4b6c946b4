"""`rdsync sandbox serve`: the local Jira + Airtable API on one port, until stopped."""

from __future__ import annotations

import signal
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from connector.sandbox.server import Sandbox

FAULTS_HELP = """Inject faults: comma-separated [SCOPE:]KIND:RATE items (KIND 429, 500,
502, 503, slow or drop; RATE 0..1) and options seed=N, retry-after=N | date:N | reset:N |
beta:N | none, reason=RATELIMIT-REASON, delay=SECONDS. SCOPE limits an item to endpoints by
name, e.g. 'search' (Jira searches), 'issue_edit', 'airtable', and to one issue or record
with '@ID' ('@DEL-7': every request on DEL-7). Example:
'429:0.1,search:503:0.05,drop:0.02,@DEL-7:500:1,seed=7'."""


@click.group()
def sandbox() -> None:
    """The local sandbox: a Jira Cloud REST v3 and Airtable Web API backed by SQLite."""


@sandbox.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=0, show_default=True, type=int, help="0 picks a free port.")
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file kept between runs; seeded only when new. Default: in memory.",
)
@click.option(
    "--seed",
    type=click.Choice(["demo", "empty", "typical-jira"]),
    default="demo",
    show_default=True,
    help="demo: a portfolio with history; empty: only the schemes; typical-jira: an "
    "ordinary Jira site (Initiative → Epic → Story) to map with `rdsync mapping`.",
)
@click.option(
    "--mode",
    type=click.Choice(["cloud", "server"]),
    default="cloud",
    show_default=True,
    help="Answer as Jira Cloud, or as Jira Server/Data Center.",
)
@click.option("--faults", metavar="SPEC", help=FAULTS_HELP)
@click.option(
    "--token",
    default="sandbox-token",
    show_default=True,
    help="API token (Jira: Basic email:token or Bearer; Airtable: Bearer).",
)
@click.option(
    "--email",
    default="admin@example.gov",
    show_default=True,
    help="The admin account's e-mail, the user of Jira Basic auth.",
)
@click.option(
    "--anchor",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The demo's 'today' (YYYY-MM-DD). Default: today.",
)
def serve(
    host: str,
    port: int,
    state: Path | None,
    seed: str,
    mode: str,
    faults: str | None,
    token: str,
    email: str,
    anchor: datetime | None,
) -> None:
    """Serve the sandbox until Ctrl-C or SIGTERM; the first line printed is its base URL.

    \b
    Example:
      rdsync sandbox serve --port 8080 --state sandbox.db --faults '429:0.1,seed=7'
    then point rdsync (or jira.JIRA / pyairtable.Api(endpoint_url=...)) at the URL.
    GET /_sandbox/stats counts the requests made; DELETE /_sandbox/stats resets them;
    PUT /_sandbox/faults {"spec": "..."} changes the faults while serving.
    """
    from connector.sandbox.faults import FaultSpecError
    from connector.sandbox.server import Sandbox

    try:
        running = Sandbox(
            seed=seed,
            state=state,
            mode=mode,
            faults=faults,
            token=token,
            email=email,
            host=host,
            port=port,
            anchor=anchor.date() if anchor else None,
        )
    except FaultSpecError as problem:
        raise click.BadParameter(str(problem), param_hint="--faults") from None
    click.echo(running.url)
    click.echo(f"  Jira:     {running.url}  (basic auth {email} : {token}, deployment {mode})")
    click.echo(f"  Airtable: pyairtable.Api({token!r}, endpoint_url={running.url!r})")
    click.echo(f"  state:    {state or 'in memory'} (seed: {running.seeded})")
    _serve_until_stopped(running)


def _serve_until_stopped(running: Sandbox) -> None:
    """Serves on this thread; Ctrl-C or SIGTERM stops it and closes the state cleanly."""

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        running.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
