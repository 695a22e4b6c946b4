"""What the CLI prints: ticket text with every control character shown, from one place."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from connector.cli.sync import setup_logging
from connector.cli.terminal import json_text, visible

CLI = Path(__file__).resolve().parents[1] / "connector" / "cli"
CONTROLS = [chr(n) for n in (*range(0x20), *range(0x7F, 0xA0)) if chr(n) not in "\t\n"]


def test_every_control_character_but_tab_and_newline_is_shown_as_its_escape() -> None:
    shown = visible("".join(CONTROLS))
    assert shown == "".join(f"\\x{ord(c):02x}" for c in CONTROLS)
    assert visible("Line\tone\nline two, café, 東京, ✓") == "Line\tone\nline two, café, 東京, ✓"


def test_json_for_the_terminal_is_the_same_json_with_no_raw_control() -> None:
    rows = [{"message": "".join(CONTROLS) + "é"}]
    text = json_text(rows)
    assert not [c for c in text if c in CONTROLS]
    assert json.loads(text) == rows


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_log_lines_show_the_escapes_of_the_text_they_quote(
    root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging(False)
    logging.getLogger("rdsync.sync").warning("DEL-4: %s", "Hidden\x1b[8m\x9b2J")
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x9b" not in err
    assert err.rstrip().endswith("WARNING rdsync.sync DEL-4: Hidden\\x1b[8m\\x9b2J")


def test_every_command_prints_through_the_one_echo() -> None:
    """A new command printing with click.echo or print would put ticket text out raw."""
    raw = re.compile(r"\bclick\.(echo|secho)\(|(?<![\w.])print\(")
    stray = [
        f"{path.name}:{number}"
        for path in sorted(CLI.glob("*.py"))
        if path.name != "terminal.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if raw.search(line)
    ]
    assert stray == []
