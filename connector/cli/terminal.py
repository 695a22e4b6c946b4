"""What rdsync prints to a terminal: ticket text with its control characters shown, never run."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import click

# C0 controls but tab and newline, DEL, and the C1 controls. Raw, a ticket's text could move the
# cursor, hide all later output (ESC[8m), retitle the window or plant a link (OSC), or overwrite
# the line it is on (CR); shown as `\x1b`, it is only text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# json.dumps escapes C0 controls itself; DEL and C1 it passes on raw unless ensure_ascii is set.
_RAW_IN_JSON = re.compile("[\x7f-\x9f]")


def visible(text: str) -> str:
    """`text` with each control character but tab and newline shown as its escape (`\\x1b`)."""
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(lambda match: f"\\x{ord(match[0]):02x}", text)


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """`click.echo` for every line rdsync prints: any of them may quote a ticket."""
    click.echo(visible(str(message)), err=err, nl=nl)


def json_text(value: Any) -> str:
    """JSON for the terminal: the same JSON, with no raw control character in its strings."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return _RAW_IN_JSON.sub(lambda match: f"\\u{ord(match[0]):04x}", text)


class VisibleFormatter(logging.Formatter):
    """Log lines with their control characters shown: a message may quote a ticket too."""

    def format(self, record: logging.LogRecord) -> str:
        return visible(super().format(record))
