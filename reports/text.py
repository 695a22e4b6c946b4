"""Ticket text as a report shows it: control characters made visible, never passed on raw."""

from __future__ import annotations

import re

# C0 controls but tab, line feed and carriage return; DEL; the C1 controls. openpyxl refuses
# the C0 ones (its ILLEGAL_CHARACTERS_RE), XML 1.0 (XLSX, SVG) forbids them, and on a page they
# are invisible: a reader would never learn that a ticket holds an ANSI code or a NUL.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Word pastes a line break inside a paragraph as a vertical tab; a page shows it as a space.
_AS_SPACE = frozenset("\x0b\x0c")


def printable(text: str) -> str:
    """`text` with each control character shown as its escape (ESC as `\\x1b`), VT and FF as
    spaces; text without one (nearly all of it) is returned as it is."""
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(_shown, text)


def _shown(match: re.Match[str]) -> str:
    char = match[0]
    return " " if char in _AS_SPACE else f"\\x{ord(char):02x}"
