"""The `rdsync` command: a click group whose subcommands load only when they are run."""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from typing import Any

import click

from connector.cli.terminal import echo
from mappings.errors import RdsyncError

# name -> "module:attribute"; modules keep heavy imports inside their functions so that
# `rdsync --help` stays fast.
COMMANDS: dict[str, str] = {
    "check": "connector.cli.check:check",
    "rules": "connector.cli.rules:rules",
    "sandbox": "connector.sandbox.cli:sandbox",
    "sync": "connector.cli.sync:sync",
    "run": "connector.cli.sync:run",
    "worker": "connector.cli.worker:worker",
    "demo": "connector.cli.demo:demo",
    "report": "connector.cli.report:report",
    "stocktake": "connector.cli.report:stocktake",
    "routines": "connector.cli.routines:routines",
    "mapping": "connector.cli.mapping:mapping",
    "explain": "connector.cli.explain:explain",
    "status": "connector.cli.status:status",
    "jira": "connector.cli.jira:jira",
}


class LazyGroup(click.Group):
    """Resolves subcommands from COMMANDS on first use (click's documented lazy-loading pattern)."""

    def __init__(self, *args: Any, lazy: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module_name, attribute = self.lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        os.umask(0o077)  # what rdsync creates (state, reports, logs of its tools) is the owner's
        try:
            return super().invoke(ctx)
        except RdsyncError as error:
            echo(f"rdsync: {_redact(str(error))}", err=True)
            sys.exit(error.exit_code)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:  # a bug: its traceback, but never a token in it
            echo(_redact("".join(traceback.format_exception(error))), err=True, nl=False)
            sys.exit(1)


def _redact(text: str) -> str:
    from connector.config import redact  # loaded only on an error: `rdsync --help` stays fast

    return redact(text)


def _version(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    """`rdsync --version`: the installed package's version (its metadata, not a constant)."""
    if not value or ctx.resilient_parsing:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("rdsync")
    except PackageNotFoundError:  # run from a clone without `pip install -e .`
        found = "unknown: not installed as a package (pip install -e .)"
    echo(f"rdsync {found}")
    ctx.exit()


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_version,
    help="Print rdsync's version and exit.",
)
def main() -> None:
    """rdsync: Results and Delivery for teams that live in Jira and Airtable.

    Reads tickets and records through field mappings, checks the manual's rules, judges the
    likelihood of delivery and writes it back, and reports to the CRDO.
    """
