"""The state store as runs pile up: the rating reads give the old answers and cost the same
after 10 runs as after 100."""

import random
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.sync.keys import by_architecture
from connector.sync.retention import retain
from connector.sync.state import StateStore
from rules.model import Assessment, Rating

START = date(2026, 11, 1)


def _fill(
    store: StateStore, runs: list[tuple[int, dict[tuple[str, str], int]]], first: int = 1
) -> None:
    """Rows as commit_run stores them: run n (from `first`) on day START + days, each
    (source, key) rated."""
    rows = []
    for run, (days, rated) in enumerate(runs, start=first):
        on = START + timedelta(days=days)
        for (source, key), value in rated.items():
            body = Assessment(key=key, kind="target", assessed_on=on, likelihood=Rating(value))
            rows.append((run, source, key, "target", on.isoformat(), value, body.model_dump_json()))
    with store.transaction() as db:
        db.executemany("INSERT INTO assessments VALUES (?,?,?,?,?,?,?)", rows)


def _latest(runs: list[tuple[int, dict[tuple[str, str], int]]], cutoff: date | None) -> dict:
    """What previous_ratings answered before it read by index: the newest rating of each
    (source, key) made on or before the day, run by run."""
    found: dict[tuple[str, str], Rating] = {}
    for days, rated in runs:
        if cutoff is None or START + timedelta(days=days) <= cutoff:
            found.update({pair: Rating(value) for pair, value in rated.items()})
    return found


PAIRS = [("jira", "DEL-1"), ("jira", "DEL-2"), ("hr", "DEL-2"), ("", "DEL-3"), ("jira", "DEL-4")]
RUN = st.tuples(
    st.integers(0, 2),  # days after the run before: runs follow the one clock
    st.dictionaries(st.sampled_from(PAIRS), st.integers(1, 4), max_size=len(PAIRS)),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(RUN, min_size=1, max_size=12), back=st.integers(0, 20))
def test_the_indexed_reads_answer_as_the_scan_did(
    tmp_path_factory: object, steps: list[tuple[int, dict]], back: int
) -> None:
    """Keys rated in some runs and not others (gone, back again, a row from before keys were
    scoped): by the architecture's keys, the same ratings as every run read in turn."""
    folder = tmp_path_factory.mktemp("store")  # type: ignore[attr-defined]
    store = StateStore(folder / "state.sqlite")
    runs, days = [], 0
    for gap, rated in steps:
        days += gap
        runs.append((days, rated))
    _fill(store, runs)
    wanted = {"DEL-1": "jira", "hr:DEL-2": "hr", "jira:DEL-2": "jira", "DEL-3": "jira"}
    wanted |= {"DEL-4": "jira", "DEL-5": "jira"}
    for cutoff in (None, START + timedelta(days=max(days - back, 0))):
        expected = by_architecture(_latest(runs, cutoff), wanted)
        assert by_architecture(store.previous_ratings(cutoff, wanted), wanted) == expected
        assert store.previous_ratings(cutoff) == _latest(runs, cutoff)
    rated = [n for n, (_, rows) in enumerate(runs, start=1) if rows][::-1]
    assert store.assessment_runs() == rated
    assert store.assessment_run_before(len(runs)) == next((n for n in rated if n < len(runs)), None)
    store.close()


def _steps(store: StateStore, cutoff: date, wanted: dict[str, str]) -> int:
    """The work of a sync's rating reads, in hundreds of SQLite's virtual-machine steps: the
    query's own cost, which a busy machine does not change (their time at load 7.5 once read
    20 ms at 100 runs against 3.4 ms at 10, the same queries)."""
    steps = 0

    def counted() -> int:
        nonlocal steps
        steps += 1
        return 0  # go on

    store.db.set_progress_handler(counted, 100)
    try:
        store.previous_ratings(cutoff, wanted)
        store.previous_ratings(None, wanted)
        store.assessments()
    finally:
        store.db.set_progress_handler(None, 0)
    return steps


def test_reading_the_ratings_costs_the_same_after_100_runs_as_after_10(tmp_path: Path) -> None:
    """A sync's two rating reads (a period ago, the latest) read one run's rows and seek the
    keys it did not rate: the stored runs do not count. The scan they replace read every row
    of every run for every key (43 s at 100 runs of 5,000 keys)."""
    keys = [f"DEL-{n}" for n in range(400)]
    wanted = dict.fromkeys(keys, "jira")
    costs = []
    for count in (10, 100):
        store = StateStore(tmp_path / f"{count}.sqlite")
        rng = random.Random(count)
        # Four syncs a day; a key in twenty is left out of each run (gone for a while).
        runs = [
            (n // 4, {("jira", k): rng.randint(1, 4) for k in keys if rng.random() > 0.05})
            for n in range(count)
        ]
        _fill(store, runs)
        cutoff = START + timedelta(days=runs[-1][0] - 1)
        expected = by_architecture(_latest(runs, cutoff), wanted)
        assert by_architecture(store.previous_ratings(cutoff, wanted), wanted) == expected
        costs.append(_steps(store, cutoff, wanted))
        store.close()
    print(f"rating reads, hundreds of SQLite steps: {costs[0]} at 10 runs, {costs[1]} at 100")
    assert costs[1] < 3 * costs[0], costs


def _wal_pages(store: StateStore) -> int:
    """The pages in the store's write-ahead log (its header is 32 bytes, a frame 24 + a page)."""
    wal = store.path.with_name(store.path.name + "-wal")
    size = wal.stat().st_size if wal.exists() else 0
    return max(size - 32, 0) // (24 + 4096)


def test_retention_drops_old_conclusions_without_writing_them_over(tmp_path: Path) -> None:
    """Each sync's retention drops an older run's conclusions (at 1,000 issues about 1.5 MB:
    the mapped architecture, the findings). A build of SQLite that deletes securely (Debian's)
    wrote every freed page over with zeros: about 400 pages a sync through the log and then
    into the file, 40% of a sync's writes. Now it writes a few pages for what it frees."""
    store = StateStore(tmp_path / "state.sqlite")
    outputs = "x" * 400_000  # a run's conclusions: about 100 pages
    for days in range(6):  # six runs of one day, each rating one item
        run = store.start_run()
        _fill(store, [(0, {("jira", "DEL-1"): 1 + days % 2})], first=run)
        with store.transaction() as db:
            db.execute("INSERT INTO run_outputs VALUES (?,?,?,?,?)", (run, outputs, "", "", ""))
        store.finish_run(run, "ok", {})
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the log empty: what follows is retain's
    assert _wal_pages(store) == 0
    dropped = retain(store, keep=2, period_days=7)
    assert dropped.outputs == 4  # four runs' conclusions: about 400 pages freed
    assert store.db.execute("SELECT COUNT(*) FROM run_outputs").fetchone()[0] == 2
    assert _wal_pages(store) < 40, _wal_pages(store)
    store.close()
