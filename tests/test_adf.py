"""ADF as people type it in Jira Cloud: lists, hard breaks, mentions, date pickers, tasks."""

from typing import Any

import pytest

from mappings.adf import adf_date, adf_text
from mappings.readers import read_jira_trajectory, read_trajectory


def doc(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(blocks)}


def para(*inline: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(inline)}


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def picked(day_ms: str) -> dict[str, Any]:
    """A date chosen with the editor's date picker (`//` or the + menu)."""
    return {"type": "date", "attrs": {"timestamp": day_ms}}


def items(kind: str, *paragraphs: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": kind,
        "content": [{"type": "listItem", "content": [p]} for p in paragraphs],
    }


# 2026-06-30T00:00Z and 2027-06-30T00:00Z in milliseconds, as the date picker stores them.
JUNE_2026, JUNE_2027 = "1782777600000", "1814313600000"


def test_a_date_node_reads_as_its_iso_day_in_utc() -> None:
    assert adf_date(JUNE_2026) == "2026-06-30"
    assert adf_date("1782863999999") == "2026-06-30"  # the last millisecond of that UTC day
    assert adf_date("1582152559") == "2020-02-19"  # seconds, as Jira's node reference shows
    assert adf_date("next June") == "next June"  # left for the reader to report
    assert adf_text(doc(para(text("due "), picked(JUNE_2027)))) == "due 2027-06-30"


def test_lists_hard_breaks_and_mentions_are_lines_of_text() -> None:
    typed = doc(
        para(text("Owners: "), {"type": "mention", "attrs": {"id": "712020:ab", "text": "@Jo"}}),
        items("bulletList", para(text("first")), para(text("second"), {"type": "hardBreak"})),
        items(
            "orderedList",
            para(text("one"), {"type": "hardBreak"}, text("  and a half")),
            para({"type": "mention", "attrs": {"id": "712020:cd"}}),
        ),
        {
            "type": "bulletList",
            "content": [
                {
                    "type": "listItem",
                    "content": [para(text("outer")), items("bulletList", para(text("inner")))],
                }
            ],
        },
    )
    assert adf_text(typed).splitlines() == [
        "Owners: @Jo",
        "first",
        "second",
        "one",
        "and a half",
        "@712020:cd",  # a mention without its text: the account it names
        "outer",
        "inner",
    ]


def test_tasks_statuses_emoji_cards_and_placeholders() -> None:
    typed = doc(
        {
            "type": "taskList",
            "attrs": {"localId": "t"},
            "content": [
                {"type": "taskItem", "attrs": {"state": "DONE"}, "content": [text("hire")]},
                {"type": "taskItem", "attrs": {"state": "TODO"}, "content": [text("train")]},
            ],
        },
        para(
            {"type": "status", "attrs": {"text": "ON TRACK", "color": "green"}},
            text(" "),
            {"type": "emoji", "attrs": {"shortName": ":tada:"}},
            {"type": "placeholder", "attrs": {"text": "Type here"}},
        ),
        {"type": "blockCard", "attrs": {"url": "https://example.gov/plan"}},
        para({"type": "inlineCard", "attrs": {"url": "https://example.gov/x"}}),
    )
    assert adf_text(typed).splitlines() == [
        "hire",
        "train",
        "ON TRACK :tada:",
        "https://example.gov/plan",
        "https://example.gov/x",
    ]


@pytest.mark.parametrize("kind", ["bulletList", "orderedList"])
def test_a_trajectory_typed_as_a_list_of_picked_dates_reads(kind: str) -> None:
    typed = doc(
        items(
            kind,
            para(picked(JUNE_2026), text(": 58")),
            para(
                {"type": "text", "text": "2026-12-31", "marks": [{"type": "strong"}]}, text(": 60")
            ),
            para(picked(JUNE_2027), text(" = 61.5")),
        )
    )
    points = read_jira_trajectory(typed)
    assert points is not None
    assert [(p.at.isoformat(), p.value) for p in points] == [
        ("2026-06-30", 58.0),
        ("2026-12-31", 60.0),
        ("2027-06-30", 61.5),
    ]
    assert read_trajectory(typed) == points  # the plain reader reads ADF the same way
