"""Atlassian Document Format (ADF): plain text in, plain text out, and a shape check."""

from __future__ import annotations

from typing import Any


def to_adf(text: str) -> dict[str, Any]:
    """A document with one paragraph per line, the way Jira's editor stores typed lines."""
    paragraphs = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}] if line else []}
        for line in text.split("\n")
    ]
    return {"type": "doc", "version": 1, "content": paragraphs}


def to_text(node: Any) -> str:
    """The text of a document: blocks joined by newlines, hard breaks kept as newlines."""
    if not isinstance(node, dict):
        return ""
    if node.get("type") == "text":
        return str(node.get("text", ""))
    if node.get("type") == "hardBreak":
        return "\n"
    parts = [to_text(child) for child in node.get("content") or []]
    if node.get("type") in ("doc", "bulletList", "orderedList", "listItem"):
        return "\n".join(parts)
    return "".join(parts)


def is_adf(value: Any) -> bool:
    """Whether a value has the top-level shape Jira v3 requires of a rich-text value."""
    return (
        isinstance(value, dict)
        and value.get("type") == "doc"
        and value.get("version") == 1
        and isinstance(value.get("content"), list)
    )
