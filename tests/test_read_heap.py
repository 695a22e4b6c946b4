"""A read's pages are frozen out of the collector's walks while the read goes on, and given
back when it ends: a daemon's collector still finds every cycle, read after read."""

import gc
import json
import threading
from typing import Any

from connector.config import JiraSourceConfig
from connector.sources.compact import Shared
from connector.sources.heap import frozen_pages, frozen_run
from connector.sources.jira import JiraSource
from mappings.config import JiraMapping, load_mapping


def test_the_last_of_nested_reads_gives_the_frozen_objects_back() -> None:
    assert gc.get_freeze_count() == 0
    with frozen_pages() as settle:
        kept = [{"page": n} for n in range(100)]
        settle()
        frozen = gc.get_freeze_count()
        assert frozen >= len(kept)
        assert frozen_now(kept)
        with frozen_pages() as inner:  # a second read, in another thread of the process
            inner()
        # The first read still holds its pages frozen. (Not told by the count: it falls as
        # other frozen objects die, in other threads too.)
        assert frozen_now(kept)
    assert gc.get_freeze_count() == 0
    assert not frozen_now(kept)


def frozen_now(container: object) -> bool:
    """Whether a container the collector tracks is frozen: in none of the generations it walks."""
    return gc.is_tracked(container) and all(o is not container for o in gc.get_objects())


class _Cycle:
    """A reference cycle that sets `collected` when the collector frees it."""

    def __init__(self, collected: threading.Event) -> None:
        self.me, self.collected = self, collected

    def __del__(self) -> None:
        self.collected.set()


def test_a_process_that_froze_objects_itself_is_left_as_it_was() -> None:
    gc.freeze()  # as a server that preloads before it forks
    try:
        before = gc.get_freeze_count()  # less as frozen objects die (other threads' too)
        with frozen_pages() as settle:
            _ = [{"page": n} for n in range(100)]
            settle()
            assert gc.get_freeze_count() <= before  # nothing more frozen
        assert gc.get_freeze_count() > before // 2  # and what was, still is
    finally:
        gc.unfreeze()


def test_a_read_inside_a_run_freezes_its_pages_to_the_run_s_end_and_collects_its_cycles() -> None:
    """A sync run froze what it held first (`frozen_run`): a read inside it freezes its pages
    all the same (at 30,000 issues the collector walked them twenty times, 5 s of CPU), and
    its end collects a cycle that became garbage meanwhile, not frozen to the run's end."""
    assert gc.get_freeze_count() == 0
    collected = threading.Event()

    with frozen_run():
        with frozen_pages() as settle:
            kept = [{"page": n} for n in range(100)]
            settle()
            assert frozen_now(kept)
            _Cycle(collected)  # garbage at once, found only by the collector
        assert collected.is_set()
        assert frozen_now(kept)  # the run holds them frozen to its end
    assert gc.get_freeze_count() == 0
    assert not frozen_now(kept)


def test_a_jira_read_freezes_its_pages_and_a_cycle_made_meanwhile_is_collected_after(
    make_sandbox: Any,
) -> None:
    """250 issues in pages of 50: from the second page on, what the first kept is frozen (a
    collection does not walk it again); after the read nothing is, and a reference cycle
    that became garbage during the read (frozen with it) is collected."""
    sandbox = make_sandbox(seed="empty")
    sandbox.seed_bulk(250, history=3)
    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    config = JiraSourceConfig(
        type="jira", url=sandbox.url, email=sandbox.email, projects=["DEL"], page_size=50
    ).with_token(sandbox.token)
    source = JiraSource("jira", config, mapping)
    source.connect()
    frozen: list[int] = []
    collected = threading.Event()

    def watch(response: Any, *args: Any, **kwargs: Any) -> None:
        frozen.append(gc.get_freeze_count())
        if len(frozen) == 2:
            _Cycle(collected)  # garbage at once, found only by the collector

    source.client._session.hooks["response"].append(watch)
    result = source.read()
    assert len(result.records) == 250
    assert frozen[0] == 0 and all(count > 0 for count in frozen[1:]), frozen
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert collected.is_set()


def test_rows_loaded_from_the_state_are_frozen_as_a_read_s_pages() -> None:
    """An incremental run loads every stored record, one JSON row at a time (30,000 rows:
    six full collections walked them, 2.5 s): held through `Shared(settle)`, what the rows
    hold is frozen after each hundred, as a read's pages are."""
    with frozen_run(), frozen_pages() as settle:
        hold = Shared(settle)
        rows = [
            hold(json.loads(json.dumps({"key": f"DEL-{n}", "fields": {"labels": []}})))
            for n in range(99)
        ]
        assert not frozen_now(rows[0])
        rows.append(hold({"key": "DEL-99", "fields": {}}))
        assert all(frozen_now(row) for row in rows)


def test_what_a_map_of_many_issues_builds_is_frozen_as_a_read_s_pages(make_sandbox: Any) -> None:
    """Inside a run, the entities mapped from a read are frozen to the run's end (the
    collector's young passes do not walk them); a map of a few issues is left as it is."""
    sandbox = make_sandbox(seed="empty")
    sandbox.seed_bulk(250, history=3)
    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    config = JiraSourceConfig(
        type="jira", url=sandbox.url, email=sandbox.email, projects=["DEL"]
    ).with_token(sandbox.token)
    source = JiraSource("jira", config, mapping)
    records = source.read().records
    few = dict(list(records.items())[:10])
    with frozen_run():
        mapped = source.map(records)
        some = source.map(few)
        assert len(mapped.entities) == 250 and len(some.entities) == 10
        assert frozen_now(mapped.entities) and frozen_now(mapped.entities[-1])
        assert not frozen_now(some.entities)
    assert gc.get_freeze_count() == 0
    assert not frozen_now(mapped.entities)
