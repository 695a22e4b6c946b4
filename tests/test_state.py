"""The state store on disk: migrations, one-transaction commits, history, ledger and the lock."""

import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from connector.sync.keys import by_architecture
from connector.sync.state import MIGRATIONS, StateStore, StoredRecord
from mappings.model import Measurement
from rules.model import Assessment, Judgement, Rating


def _assessment(key: str, rating: Rating, on: date) -> Assessment:
    return Assessment(
        key=key,
        kind="target",
        assessed_on=on,
        likelihood=rating,
        judgements=[Judgement(name="Evidence of progress", rating=rating, rationale="latest 74%")],
    )


def test_new_store_is_migrated_to_the_latest_version_in_wal(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.sqlite")
    assert store.version == len(MIGRATIONS)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.integrity() == "ok"
    store.close()
    assert StateStore(tmp_path / "state.sqlite").version == len(MIGRATIONS)


def test_a_run_commits_cursors_records_history_and_assessments_together(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.sqlite")
    first = store.start_run(full=True)
    store.commit_run(
        first,
        cursors={"jira": "2026-11-01T10:00:00+00:00"},
        records={"jira": {"DEL-4": StoredRecord("target", "h1", "2026-11-01", {"key": "DEL-4"})}},
        deleted={},
        measurements=[Measurement(indicator_key="DEL-3", at=date(2026, 10, 1), value=74.0)],
        assessments=[_assessment("DEL-4", Rating.AMBER_GREEN, date(2026, 11, 1))],
        sources={"DEL-4": "jira"},
    )
    store.finish_run(first, "ok", {"read": 1})
    second = store.start_run()
    store.commit_run(
        second,
        cursors={"jira": "2026-11-02T10:00:00+00:00"},
        records={"jira": {"DEL-4": StoredRecord("target", "h2", None, {"key": "DEL-4", "v": 2})}},
        deleted={"jira": ["DEL-9"]},
        measurements=[Measurement(indicator_key="DEL-3", at=date(2026, 10, 1), value=75.0)],
        assessments=[_assessment("DEL-4", Rating.AMBER_RED, date(2026, 11, 2))],
        sources={"DEL-4": "jira"},
    )
    assert store.cursor("jira") == "2026-11-02T10:00:00+00:00"
    assert store.hashes("jira") == {"DEL-4": "h2"}
    assert store.records("jira")["DEL-4"].raw == {"key": "DEL-4", "v": 2}
    assert [m.value for m in store.measurements()] == [75.0]
    assert store.previous_ratings() == {("jira", "DEL-4"): Rating.AMBER_RED}
    assert store.assessments(first)["DEL-4"].likelihood == Rating.AMBER_GREEN
    assert [r for _, r in store.rating_history("DEL-4")] == [Rating.AMBER_GREEN, Rating.AMBER_RED]
    assert store.last_ok_run().id == first  # type: ignore[union-attr]


def test_a_failed_commit_leaves_nothing_behind(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.sqlite")
    run = store.start_run()
    with pytest.raises(AttributeError):
        store.commit_run(
            run,
            cursors={"jira": "2026-11-01T10:00:00+00:00"},
            records={},
            deleted={},
            measurements=[],
            assessments=[object()],  # type: ignore[list-item]
        )
    assert store.cursor("jira") is None


def test_ledger_keeps_one_entry_per_token(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.sqlite")
    run = store.start_run()
    entry = store.plan_write(run, "jira", "DEL-4", "comment", "t1", {"label": "2 - Amber/Red"})
    again = store.plan_write(run + 1, "jira", "DEL-4", "comment", "t1", {})
    assert again.id == entry.id and again.status == "planned"
    store.mark_write(entry.id, "done")
    assert [e.status for e in store.ledger()] == ["done"]
    assert store.ledger("planned") == []


def test_a_second_process_cannot_take_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    store = StateStore(path)
    store.lock()
    script = (
        "import sys; from connector.sync.state import StateStore, StateLocked\n"
        f"s = StateStore({str(path)!r})\n"
        "try:\n    s.lock()\nexcept StateLocked as e:\n    print(e); sys.exit(3)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 3
    assert "in use by rdsync pid" in result.stdout
    store.unlock()
    assert subprocess.run([sys.executable, "-c", script]).returncode == 0


def test_store_newer_than_rdsync_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    StateStore(path).db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(Exception, match="newer than this rdsync"):
        StateStore(path)


def test_a_store_from_before_sources_were_scoped_keeps_its_history(tmp_path: Path) -> None:
    """Schema 2 kept assessments by key alone. Migrated, each row gets the one source whose
    records hold its key (a facet's too), else '' (read for whichever source holds it now)."""
    path = tmp_path / "state.sqlite"
    db = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:
        db.executescript(script)
    db.execute("PRAGMA user_version = 2")
    rows = [("jira", "DEL-4"), ("airtable", "recA"), ("jira", "DEL-7"), ("airtable", "DEL-7")]
    db.executemany(
        "INSERT INTO records (source, key, content_hash, run_id) VALUES (?,?,'h',1)", rows
    )
    for key in ("DEL-4", "DEL-4#plan", "recA", "DEL-7", "DEL-9"):
        body = _assessment(key, Rating.AMBER_RED, date(2026, 11, 1))
        db.execute(
            "INSERT INTO assessments VALUES (1, ?, 'target', '2026-11-01', 2, ?)",
            (key, body.model_dump_json()),
        )
    db.commit()
    db.close()
    store = StateStore(path)
    assert store.version == len(MIGRATIONS)
    assert set(store.previous_ratings()) == {
        ("jira", "DEL-4"),
        ("jira", "DEL-4#plan"),
        ("airtable", "recA"),
        ("", "DEL-7"),  # two sources hold DEL-7: not guessed
        ("", "DEL-9"),  # no record holds it any more
    }
    assert set(store.assessments(1)) == {"DEL-4", "DEL-4#plan", "recA", "DEL-7", "DEL-9"}
    arch_keys = {"DEL-7": "jira", "hr:DEL-9": "hr", "DEL-4": "jira"}
    found = by_architecture(store.previous_ratings(), arch_keys)
    assert found == dict.fromkeys(arch_keys, Rating.AMBER_RED)
    store.close()
