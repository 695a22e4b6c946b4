"""Unit tests of `inline_histories`: which changed issues the search page's newest histories
complete, and which still need the bulk fetch."""

from __future__ import annotations

from typing import Any

from connector.sources.jira_history import INLINE_AFTER, inline_histories, long_held

FIELD = "customfield_10020"


def _history(n: int, *fields: str) -> dict[str, Any]:
    """History `n` as Jira inlines it: an author, and an item for each field."""
    items = [
        {"field": f, "fieldtype": "custom", "fieldId": f, "fromString": "1", "toString": str(n)}
        for f in fields
    ]
    stamp = f"2026-01-01T00:{n:02d}:00.000+0000"
    return {"id": str(n), "author": {"accountId": "a"}, "created": stamp, "items": items}


def _lean(n: int) -> dict[str, Any]:
    """History `n` of FIELD as the bulk fetch leaves it once read (`_history`)."""
    stamp = f"2026-01-01T00:{n:02d}:00.000+0000"
    item = {"field": FIELD, "fieldId": FIELD, "toString": str(n)}
    return {"id": str(n), "created": stamp, "items": [item]}


def _page(*histories: dict[str, Any]) -> dict[str, Any]:
    return {
        "startAt": 0,
        "maxResults": len(histories),
        "total": len(histories),
        "histories": list(histories),
    }


def _held(issue_id: str, *ns: int) -> dict[str, Any]:
    return {"id": issue_id, "key": "DEL-1", "changelog": _page(*map(_lean, ns))}


def test_histories_newer_than_the_held_one_are_appended_filtered_and_lean() -> None:
    issue: dict[str, Any] = {"id": "10", "key": "DEL-1", "fields": {}}
    inline = {
        "DEL-1": _page(
            _history(5, "summary"),
            _history(4, FIELD, "summary"),
            _history(3, FIELD),
            _history(2, FIELD),
        )
    }
    rest = inline_histories([issue], inline, {"DEL-1": _held("10", 1, 2)}, [FIELD])
    assert rest == []
    assert issue["changelog"]["histories"] == [_lean(1), _lean(2), _lean(3), _lean(4)]
    assert issue["changelog"]["total"] == issue["changelog"]["maxResults"] == 4


def test_an_issue_the_page_does_not_reach_back_for_is_left_to_the_bulk_fetch() -> None:
    """More changes than search inlines: the held newest history is not on the page."""
    issue: dict[str, Any] = {"id": "10", "key": "DEL-1"}
    inline = {"DEL-1": _page(*(_history(n, FIELD) for n in range(45, 5, -1)))}
    assert inline_histories([issue], inline, {"DEL-1": _held("10", 1, 2)}, [FIELD]) == [issue]
    assert "changelog" not in issue


def test_a_new_issue_one_holding_no_history_or_another_issue_under_the_key_is_fetched() -> None:
    """A key may name another issue than last read (moved, then the key reused): its id tells;
    an issue held with no history of the field has nothing to reach back to."""
    inline = {"DEL-1": _page(_history(3, FIELD), _history(2, FIELD))}
    for held in ({}, {"DEL-1": _held("99", 1, 2)}, {"DEL-1": _held("10")}):
        issue: dict[str, Any] = {"id": "10", "key": "DEL-1"}
        assert inline_histories([issue], inline, held, [FIELD]) == [issue]


def test_a_newer_history_the_mapper_could_not_read_is_left_to_the_bulk_fetch() -> None:
    issue: dict[str, Any] = {"id": "10", "key": "DEL-1"}
    inline = {"DEL-1": _page({"id": "4", "items": "broken"}, _history(2, FIELD))}
    assert inline_histories([issue], inline, {"DEL-1": _held("10", 1, 2)}, [FIELD]) == [issue]


def test_nothing_new_keeps_the_held_changelog() -> None:
    issue: dict[str, Any] = {"id": "10", "key": "DEL-1"}
    inline = {"DEL-1": _page(_history(3, "summary"), _history(2, FIELD))}
    assert inline_histories([issue], inline, {"DEL-1": _held("10", 1, 2)}, [FIELD]) == []
    assert issue["changelog"]["histories"] == [_lean(1), _lean(2)]


def test_only_issues_holding_a_long_history_of_their_own_are_read_from_search() -> None:
    """Below `INLINE_AFTER` held histories, the whole history costs less than 40 of any
    field: those are bulk fetched; so is a key now naming another issue."""
    issues = [{"id": str(n), "key": f"DEL-{n}"} for n in range(1, 5)]
    known = {
        "DEL-1": {**_held("1", *range(1, INLINE_AFTER + 1)), "key": "DEL-1"},
        "DEL-2": {**_held("2", *range(1, INLINE_AFTER)), "key": "DEL-2"},
        "DEL-3": {**_held("99", *range(1, INLINE_AFTER + 1)), "key": "DEL-3"},
    }
    assert long_held(issues, known) == [issues[0]]
