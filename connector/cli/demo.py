"""`rdsync demo`: the sandbox with the demo seed, a config for it, one full sync, the report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Literal

import click

from connector.cli.terminal import echo

Tool = Literal["jira", "airtable"]
TOKEN_FILE = "sandbox.token"
MARKER = ".rdsync-demo"  # in a folder the demo made, so that a later demo may reuse it
# The two databases a later demo starts afresh: all it ever deletes (with their -wal and -shm).
# What else it made there (config, token, health file, reports) it writes over.
DATABASES = ("sandbox.sqlite", "state.sqlite")


# The demo's wider scope of all work: every epic of its departments' projects (Jira), the
# Work table (Airtable), for the report's "work that serves no priority".
DEMO_WORK = {
    "jira": 'work = { jql = "project in (DEL, OPS) AND issuetype = Epic", team = "Team", '
    'effort = "Effort" }',
    "airtable": 'work = { table = "Work", team = "Team", effort = "Effort", links = ["Strategy"] }',
}


def demo_config(url: str, email: str, tool: Tool, base_id: str, *, work: bool = False) -> str:
    """The config `rdsync demo` writes: a real config file, pointing at the sandbox (with the
    demo's wider scope of all work when `work`)."""
    if tool == "jira":
        source = f"""[sources.jira]
type = "jira"
url = "{url}"
email = "{email}"
token_file = "{TOKEN_FILE}"
projects = ["DEL"]
mapping = "jira"
"""
    else:
        source = f"""[sources.airtable]
type = "airtable"
base = "{base_id}"
endpoint_url = "{url}"
token_file = "{TOKEN_FILE}"
mapping = "airtable"
"""
    if work:
        source += DEMO_WORK[tool] + "\n"
    return f"""# Written by `rdsync demo` for the sandbox at {url}.
# config.example.toml describes every key.
{source}
[state]
path = "state.sqlite"

[reports]
out = "reports"
formats = ["html", "pdf", "xlsx", "json"]
"""


@click.command()
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("rdsync-demo"),
    show_default=True,
    help="Where the config, the state store and the reports go: a new or empty folder, or one "
    "an earlier demo made (its files are replaced).",
)
@click.option(
    "--tool",
    type=click.Choice(["jira", "airtable"]),
    default="jira",
    show_default=True,
    help="Which of the sandbox's two APIs the demo syncs.",
)
@click.option("--no-report", is_flag=True, help="Skip the CRDO report (faster).")
def demo(workdir: Path, tool: Tool, no_report: bool) -> None:
    """Try rdsync on a local sandbox site, no account or token needed.

    Starts the sandbox (Jira Cloud and Airtable APIs) with a demo department on a free loopback
    port, writes a config for it, runs one full sync with write-back, prints the summary and a
    few rated tickets, and builds the CRDO report.

    \b
    Example:
      rdsync demo --workdir /tmp/rdsync-demo
    """
    from connector.cli.sync import setup_logging
    from connector.clock import SYSTEM
    from connector.config import load_config
    from connector.sandbox.airtable.seed import BASE_ID
    from connector.sandbox.server import start_sandbox
    from connector.sync.files import write_private
    from connector.sync.run import SyncRun
    from connector.sync.stores import open_store

    started = time.monotonic()
    setup_logging(False)
    prepare(workdir)
    clock = SYSTEM  # the site, the state store and the run read one clock
    with start_sandbox(seed="demo", state=workdir / "sandbox.sqlite", clock=clock) as sandbox:
        echo(f"sandbox: {sandbox.url} (Jira under /rest, Airtable under /v0)")
        write_private(workdir / TOKEN_FILE, sandbox.token + "\n")
        config_path = workdir / "rdsync.toml"
        write_private(
            config_path, demo_config(sandbox.url, sandbox.email, tool, BASE_ID, work=True)
        )
        config = load_config(config_path)
        store = open_store(config, clock)
        try:
            store.lock()
            outcome = SyncRun(config, store, clock=clock, echo=lambda _: None).execute(full=True)
            echo(outcome.summary())
            _show_ratings(outcome)
            if not no_report:
                from connector.cli.report import build_reports

                paths = build_reports(config, store, config.resolve(config.reports.out))
                for fmt, path in sorted(paths.items()):
                    echo(f"report ({fmt}): {path}")
        finally:
            store.close()
    echo(f"config: {config_path}")
    echo(f"state store: {config.state_path}")
    echo(f"done in {time.monotonic() - started:.1f} s")


def prepare(workdir: Path) -> None:
    """Make the demo's folder ready, deleting only what an earlier demo made there.

    A folder the demo did not make (no marker in it) must be new or empty; `.` and a folder
    holding `.git` are refused outright."""
    from connector.sync.files import private_folders, write_private
    from mappings.errors import RdsyncError

    def refuse(why: str) -> RdsyncError:
        return RdsyncError(
            f"rdsync demo will not use this folder: {why}",
            where=f"--workdir {workdir}",
            fix="Give it a folder of its own, e.g. --workdir rdsync-demo (made if missing); if "
            "an older rdsync demo made this one, delete it yourself.",
        )

    folder = workdir.resolve()
    if folder == Path.cwd().resolve() or folder in Path.cwd().resolve().parents:
        raise refuse("it is the current folder or holds it")
    if (folder / ".git").exists():
        raise refuse("it holds a .git repository")
    if folder.is_dir() and any(folder.iterdir()):
        if not (folder / MARKER).is_file():
            raise refuse(f"it is not empty, and no earlier demo made it (no {MARKER} file)")
        for name in DATABASES:
            for suffix in ("", "-wal", "-shm"):
                (folder / (name + suffix)).unlink(missing_ok=True)
    private_folders(folder)
    write_private(folder / MARKER, "Made by `rdsync demo`, which may replace its files here.\n")


def _show_ratings(outcome: object) -> None:
    """The priorities as rated, then the reddest targets with the evidence quoted."""
    from connector.sync.run import Outcome
    from rules.model import JUDGEMENTS

    assert isinstance(outcome, Outcome)
    arch, rated = outcome.arch, outcome.assessments
    echo("\nPriorities, as now written on their tickets:")
    for key in sorted((k for k, a in rated.items() if a.kind == "priority"), key=_order):
        entity = arch.get(key)
        echo(f"  {key:<8} {rated[key].likelihood.option:<16} {entity.name if entity else ''}")
    targets = sorted(
        (a for a in rated.values() if a.kind == "target"),
        key=lambda a: (a.likelihood, _order(a.key)),
    )
    echo("\nThe reddest targets, with their evidence of progress:")
    for assessment in targets[:3]:
        entity = arch.get(assessment.key)
        evidence = next(j for j in assessment.judgements if j.name == JUDGEMENTS[4])
        name = entity.name if entity else ""
        echo(f"  {assessment.key:<8} {assessment.likelihood.option:<16} {name}")
        echo(f"  {'':<8} {evidence.rationale}")
        if assessment.problem_reason:
            echo(f"  {'':<8} {assessment.problem_reason}")
    echo("")


def _order(key: str) -> tuple[str, int]:
    prefix, _, number = key.rpartition("-")
    return (prefix, int(number)) if number.isdigit() else (key, 0)
