"""Atlassian Document Format (ADF): plain text in, plain text out, and a shape check."""

from __future__ import annotations

from typing import Any

# What Jira Cloud's ADF schema lets each node hold (https://developer.atlassian.com/cloud/
# jira/platform/apis/document/structure/): a block's children, by node type.
_BLOCKS = frozenset(
    {
        "paragraph", "heading", "bulletList", "orderedList", "blockquote", "codeBlock",
        "panel", "rule", "table", "taskList", "decisionList", "expand", "mediaSingle",
        "mediaGroup", "blockCard", "embedCard",
    }
)  # fmt: skip
_INLINE = frozenset(
    {
        "text", "hardBreak", "mention", "emoji", "date", "status", "inlineCard",
        "placeholder", "mediaInline",
    }
)  # fmt: skip
_LIST_ITEM = frozenset({"paragraph", "bulletList", "orderedList", "codeBlock", "mediaSingle"})
_CELL = _BLOCKS - {"table", "expand"} | {"nestedExpand"}
_CHILDREN: dict[str, frozenset[str]] = {
    "doc": _BLOCKS,
    "paragraph": _INLINE,
    "heading": _INLINE,
    "bulletList": frozenset({"listItem"}),
    "orderedList": frozenset({"listItem"}),
    "listItem": _LIST_ITEM,
    "blockquote": _LIST_ITEM | {"mediaGroup"},
    "codeBlock": frozenset({"text"}),
    "panel": _LIST_ITEM | {"heading", "rule", "blockCard", "mediaGroup", "taskList"},
    "table": frozenset({"tableRow"}),
    "tableRow": frozenset({"tableHeader", "tableCell"}),
    "tableHeader": _CELL,
    "tableCell": _CELL,
    "taskList": frozenset({"taskItem", "taskList"}),
    "taskItem": _INLINE,
    "decisionList": frozenset({"decisionItem"}),
    "decisionItem": _INLINE,
    "expand": _BLOCKS - {"expand"} | {"nestedExpand"},
    "nestedExpand": _LIST_ITEM | {"heading", "rule", "panel", "blockquote", "mediaGroup"},
    "mediaSingle": frozenset({"media", "caption"}),
    "mediaGroup": frozenset({"media"}),
    "caption": _INLINE,
}
_LEAVES = _INLINE - {"text"} | {"rule", "media", "blockCard", "embedCard"}
# Blocks that must hold at least one child; paragraphs, headings and items may be empty.
_NON_EMPTY = frozenset(_CHILDREN) - {
    "doc", "paragraph", "heading", "codeBlock", "taskItem", "decisionItem", "caption",
}  # fmt: skip
# Attributes a node cannot do without: a mention names its account, a date its moment.
_REQUIRED_ATTRS = {
    "mention": "id",
    "date": "timestamp",
    "emoji": "shortName",
    "status": "text",
    "heading": "level",
    "panel": "panelType",
}
_TEXT_MARKS = frozenset(
    {
        "strong", "em", "code", "strike", "underline", "link", "subsup", "textColor",
        "backgroundColor", "annotation",
    }
)  # fmt: skip


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


def adf_problem(doc: dict[str, Any]) -> str | None:
    """What in a document breaks the ADF schema (None: nothing), for a top-level-valid doc.

    Jira Cloud answers such a document with 400 and the bare message INVALID_INPUT; the
    reason is only for the sandbox's own tests and logs.
    """
    return _node_problem(doc, "doc")


def _node_problem(node: Any, kind: str) -> str | None:
    attrs = node.get("attrs")
    if attrs is not None and not isinstance(attrs, dict):
        return f"{kind}: attrs is not an object"
    wanted = _REQUIRED_ATTRS.get(kind)
    if wanted is not None and (attrs or {}).get(wanted) in (None, ""):
        return f"{kind}: attrs.{wanted} is required"
    if kind == "text":
        return _text_problem(node)
    content = node.get("content")
    if not content and kind in _NON_EMPTY:
        return f"{kind}: needs content"
    if content is None:
        return None
    if kind in _LEAVES or not isinstance(content, list):
        return f"{kind}: content is not allowed here"
    allowed = _CHILDREN[kind]
    for child in content:
        child_kind = child.get("type") if isinstance(child, dict) else None
        if child_kind not in allowed:
            return f"{kind} cannot hold {child_kind!r}"
        problem = _node_problem(child, str(child_kind))
        if problem is not None:
            return problem
    return None


def _text_problem(node: dict[str, Any]) -> str | None:
    text = node.get("text")
    if not isinstance(text, str) or not text:
        return "text: a text node needs non-empty text"
    for mark in node.get("marks") or ():
        if not isinstance(mark, dict) or mark.get("type") not in _TEXT_MARKS:
            return f"text: unknown mark {mark!r}"
    return None
