"""The incremental cursor: overlap, duplicates dropped at the boundary, edits let through."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connector.sources.incremental import Cursor, Seen

OVERLAP = timedelta(minutes=5)


def at(minute: int) -> datetime:
    return datetime(2026, 3, 31, 10, minute, tzinfo=UTC)


def test_a_new_cursor_reads_everything() -> None:
    assert Cursor().since(OVERLAP) is None


def test_the_cursor_keeps_the_newest_time_and_the_versions_near_it() -> None:
    cursor = Cursor().advance(
        [Seen("DEL-1", "v1", at(0)), Seen("DEL-2", "v1", at(28)), Seen("DEL-3", "v1", at(30))],
        OVERLAP,
    )
    assert cursor.value == at(30)
    assert cursor.since(OVERLAP) == at(25)
    assert cursor.seen == {"DEL-2": "v1", "DEL-3": "v1"}  # DEL-1 is older than the overlap


def test_the_same_version_is_a_duplicate_and_an_edit_is_not() -> None:
    cursor = Cursor().advance([Seen("DEL-2", "2026-03-31T10:28:00.000+0000", at(28))], OVERLAP)
    assert cursor.is_duplicate("DEL-2", "2026-03-31T10:28:00.000+0000")
    assert not cursor.is_duplicate("DEL-2", "2026-03-31T10:31:00.000+0000")
    assert not cursor.is_duplicate("DEL-9", "2026-03-31T10:28:00.000+0000")


def test_an_empty_read_keeps_the_time_and_the_cursor_never_goes_back() -> None:
    cursor = Cursor().advance([Seen("DEL-2", "v1", at(28))], OVERLAP)
    # Nothing since 10:23 came back, so DEL-2 is gone from the window: only the time stays.
    assert cursor.advance([], OVERLAP) == Cursor(value=at(28))
    later = Cursor(value=at(40)).advance([Seen("DEL-2", "v1", at(28))], OVERLAP)
    assert later.value == at(40) and later.seen == {}


def test_records_without_a_time_count_as_at_the_boundary() -> None:
    cursor = Cursor(value=at(10)).advance([Seen("rec1", "hash", None)], OVERLAP)
    assert cursor.value == at(10) and cursor.seen == {"rec1": "hash"}


def test_a_cursor_round_trips_as_text() -> None:
    cursor = Cursor().advance([Seen("DEL-2", "v1", at(28))], OVERLAP)
    assert Cursor.load(cursor.dump()) == cursor
    assert Cursor.load(None) == Cursor() == Cursor.load("")
