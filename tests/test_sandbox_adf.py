"""The sandbox's Jira Cloud takes rich text as people type it and refuses what ADF forbids."""

from __future__ import annotations

from typing import Any

import pytest
from jira import JIRA
from jira.exceptions import JIRAError

from connector.sandbox.server import Sandbox

pytestmark = pytest.mark.e2e

TYPED = {  # lists, a hard break, a mention and a picked date, as the Cloud editor saves them
    "type": "doc",
    "version": 1,
    "content": [
        {
            "type": "heading",
            "attrs": {"level": 3},
            "content": [{"type": "text", "text": "Steps", "marks": [{"type": "strong"}]}],
        },
        {
            "type": "orderedList",
            "attrs": {"order": 1},
            "content": [
                {
                    "type": "listItem",
                    "content": [
                        {
                            "type": "paragraph",
                            "content": [
                                {"type": "date", "attrs": {"timestamp": "1782777600000"}},
                                {"type": "text", "text": ": 58"},
                                {"type": "hardBreak"},
                                {
                                    "type": "mention",
                                    "attrs": {"id": "712020:ab", "text": "@Jo", "accessLevel": ""},
                                },
                            ],
                        },
                        {
                            "type": "bulletList",
                            "content": [
                                {
                                    "type": "listItem",
                                    "content": [
                                        {
                                            "type": "paragraph",
                                            "content": [{"type": "text", "text": "x"}],
                                        }
                                    ],
                                }
                            ],
                        },
                    ],
                }
            ],
        },
        {"type": "paragraph"},
    ],
}


def _with(node: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": [node]}


def paragraph(*inline: dict[str, Any]) -> dict[str, Any]:
    return _with({"type": "paragraph", "content": list(inline)})


BROKEN = [  # each breaks Jira's ADF schema in one way
    _with({"type": "bulletList", "content": [{"type": "paragraph", "content": []}]}),
    _with({"type": "bulletList", "content": []}),
    _with({"type": "sparkle", "content": []}),
    _with({"type": "text", "text": "text straight under doc"}),
    paragraph({"type": "text", "text": ""}),
    paragraph({"type": "text", "text": "x", "marks": [{"type": "blink"}]}),
    paragraph({"type": "date", "attrs": {}}),
    paragraph({"type": "mention", "attrs": {"text": "@no id"}}),
    paragraph({"type": "paragraph", "content": []}),
]


def test_rich_text_as_typed_is_kept_and_what_adf_forbids_is_invalid_input(
    jira: JIRA, sandbox: Sandbox
) -> None:
    trajectory = sandbox.field_id("Trajectory")
    issue = jira.create_issue(
        fields={
            "project": {"key": "DEL"},
            "issuetype": {"name": "Target"},
            "summary": "58% by mid-2026",
            trajectory: TYPED,
        }
    )
    assert jira.issue(issue.key, fields=trajectory).raw["fields"][trajectory] == TYPED
    for number, bad in enumerate(BROKEN):
        with pytest.raises(JIRAError) as caught:
            issue.update(fields={trajectory: bad}, notify=False)
        assert caught.value.status_code == 400, number
        assert caught.value.response.json() == {"errorMessages": ["INVALID_INPUT"], "errors": {}}
    assert jira.issue(issue.key, fields=trajectory).raw["fields"][trajectory] == TYPED
