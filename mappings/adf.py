"""Atlassian Document Format (Jira Cloud's rich text, API v3) to plain text."""

from __future__ import annotations

from typing import Any


def adf_text(node: Any) -> str:
    """The plain text of an Atlassian Document Format node: one line per paragraph or item."""
    blocks: list[str] = []
    _adf_blocks(node, blocks)
    return "\n".join(block for block in blocks if block)


_ADF_BLOCKS = frozenset({"paragraph", "heading", "codeBlock"})


def _adf_blocks(node: Any, blocks: list[str]) -> None:
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind in _ADF_BLOCKS:
        blocks.append(_adf_inline(node).strip())
        return
    for child in node.get("content") or ():
        _adf_blocks(child, blocks)


def _adf_inline(node: dict[str, Any]) -> str:
    parts: list[str] = []
    for child in node.get("content") or ():
        if not isinstance(child, dict):
            continue
        kind = child.get("type")
        if kind == "text":
            parts.append(str(child.get("text", "")))
        elif kind == "hardBreak":
            parts.append("\n")
        elif kind in ("mention", "emoji", "status", "date", "inlineCard"):
            attrs = child.get("attrs") or {}
            parts.append(str(attrs.get("text") or attrs.get("url") or attrs.get("timestamp", "")))
        else:
            parts.append(_adf_inline(child))
    return "".join(parts)
