"""Every command is documented: named in README's command table, with an example in its help
(as sqlite-utils checks its docs); and `rdsync --version` reads the package's metadata."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import click
from click.testing import CliRunner

from connector.cli import COMMANDS, main

README = Path(__file__).resolve().parents[1] / "README.md"
ROW = re.compile(r"^\| `rdsync ([a-z-]+)(?: ([a-z|\\-]+))?")


def _commands() -> dict[str, click.Command]:
    """Every command by its full name (`mapping check`), groups opened."""
    ctx = click.Context(main)
    found: dict[str, click.Command] = {}
    for name in COMMANDS:
        command = main.get_command(ctx, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            for sub in command.list_commands(ctx):
                found[f"{name} {sub}"] = command.get_command(ctx, sub)  # type: ignore[assignment]
        else:
            found[name] = command
    return found


def _readme_table() -> set[str]:
    """The commands README's command table names: `rdsync mapping discover\\|check` names two."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("## Commands") :].split("\n\n")[1]
    named: set[str] = set()
    for line in table.splitlines():
        found = ROW.match(line)
        if found is None:
            continue
        command, subs = found.groups()
        named.add(command)
        for sub in (subs or "").split("\\|"):
            if sub and not sub.startswith("-"):
                named.add(f"{command} {sub}")
    return named


def test_every_command_is_in_the_readme_table() -> None:
    named = _readme_table()
    assert [name for name in _commands() if name not in named] == []
    assert {"explain", "status"} <= named  # what an admin asks of a running daemon


def test_every_command_has_an_example_in_its_help() -> None:
    lacking = [
        name
        for name, command in _commands().items()
        if "rdsync " + name not in (command.help or "")
    ]
    assert lacking == []


def test_version_is_the_installed_package_s() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"rdsync {version('rdsync')}\n"
