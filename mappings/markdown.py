"""Airtable's rich text, as its API sends it (markdown), as the plain text a reader reads.

A team that bolds the dates of a trajectory sends `**2026-06-30**: 58`; this gives
`2026-06-30: 58`. Lines are kept (a list item stays `- item`), the marks around words go.
"""

from __future__ import annotations

import re

_LINE_MARKS = (
    (re.compile(r"^\s{0,3}#{1,6}\s+"), ""),  # a heading
    (re.compile(r"^\s{0,3}>\s?"), ""),  # a quote
    (re.compile(r"^(\s*)[-*+]\s+\[[ xX]\]\s+"), r"\1- "),  # a checklist item
    (re.compile(r"^(\s*)[*+]\s+"), r"\1- "),  # a bullet: one form, never taken for emphasis
    (re.compile(r"^(\s*)\d+[.)]\s+"), r"\1"),  # a numbered item
)
_WORD_MARKS = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # an image: its alt text
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # a link: its text
    (re.compile(r"`([^`]*)`"), r"\1"),  # code
    (re.compile(r"\*\*(.+?)\*\*"), r"\1"),  # bold
    (re.compile(r"(?<!\w)__(.+?)__(?!\w)"), r"\1"),
    (re.compile(r"~~(.+?)~~"), r"\1"),  # struck through
    (re.compile(r"(?<![\w*])\*(\S(?:.*?\S)?)\*(?![\w*])"), r"\1"),  # italic
    (re.compile(r"(?<!\w)_(\S(?:.*?\S)?)_(?!\w)"), r"\1"),
)
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!~>|])")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


def markdown_text(text: str) -> str:
    """Plain text of a markdown string: one line for each of its lines, fences dropped."""
    lines = []
    for line in text.splitlines():
        if _FENCE.match(line):
            continue
        for pattern, replacement in _LINE_MARKS:
            line = pattern.sub(replacement, line, count=1)
        for pattern, replacement in _WORD_MARKS:
            line = pattern.sub(replacement, line)
        lines.append(_ESCAPED.sub(r"\1", line))
    return "\n".join(lines).strip()
