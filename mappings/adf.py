"""Atlassian Document Format (Jira Cloud's rich text, API v3) to plain text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# Blocks whose inline content is one line each. A list item holds paragraphs (each a line);
# task and decision items hold inline content directly, so they are lines themselves.
_ADF_BLOCKS = frozenset({"paragraph", "heading", "codeBlock", "taskItem", "decisionItem"})
# A `date` timestamp below this is read as seconds: in milliseconds it would be before
# 1973, while Jira's own node reference shows a seconds value ("1582152559").
_SECONDS_BELOW = 100_000_000_000


def adf_text(node: Any) -> str:
    """The plain text of an Atlassian Document Format node: one line per paragraph or item.

    List items are lines (nested lists too), a hard break starts a new line, a mention reads
    as its text (`@Name`), and a date picked in the editor as its ISO date in UTC.
    """
    blocks: list[str] = []
    _adf_blocks(node, blocks)
    return "\n".join(block for block in blocks if block)


def _adf_blocks(node: Any, blocks: list[str]) -> None:
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind in _ADF_BLOCKS:
        line = _adf_inline(node)
        if "\n" in line:
            blocks.extend(part.strip() for part in line.split("\n"))
        else:  # most blocks: one line
            blocks.append(line.strip())
        return
    if kind in ("blockCard", "embedCard"):  # a pasted link shown as a card: its address
        blocks.append(str(_attrs(node).get("url") or ""))
        return
    for child in node.get("content") or ():
        _adf_blocks(child, blocks)


def _adf_inline(node: dict[str, Any]) -> str:
    parts: list[str] = []
    for child in node.get("content") or ():
        if not isinstance(child, dict):
            continue
        kind = child.get("type")
        if kind == "text":  # most nodes: no attributes to look at
            text = child.get("text", "")
            parts.append(text if text.__class__ is str else str(text))
            continue
        attrs = _attrs(child)
        if kind == "hardBreak":
            parts.append("\n")
        elif kind == "date":
            parts.append(adf_date(attrs.get("timestamp")))
        elif kind == "mention":
            parts.append(_mention(attrs))
        elif kind in ("emoji", "status"):
            parts.append(str(attrs.get("text") or attrs.get("shortName") or ""))
        elif kind == "inlineCard":
            parts.append(str(attrs.get("url") or ""))
        elif kind == "placeholder":
            continue  # the editor's hint text, not what anyone typed
        else:
            parts.append(_adf_inline(child))
    return "".join(parts)


def _attrs(node: dict[str, Any]) -> dict[str, Any]:
    attrs = node.get("attrs")
    return attrs if isinstance(attrs, dict) else {}


def adf_date(timestamp: Any) -> str:
    """A `date` node's timestamp (milliseconds since the epoch, as a string) as YYYY-MM-DD in
    UTC; a value that is not a number stays as it is, for the reader to report."""
    text = str(timestamp if timestamp is not None else "").strip()
    try:
        number = int(text)
    except ValueError:
        return text
    seconds = number if abs(number) < _SECONDS_BELOW else number / 1000
    try:
        return datetime.fromtimestamp(seconds, UTC).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return text


def _mention(attrs: dict[str, Any]) -> str:
    """A mention as the editor shows it: its text (`@Name`), else @ and the account id."""
    text = attrs.get("text")
    if isinstance(text, str) and text.strip():
        return text if text.startswith("@") else f"@{text}"
    ident = attrs.get("id")
    return f"@{ident}" if ident else ""
