"""The Jira read one page ahead: the site answers the next page while the caller takes this one,
with never more than one request in flight, errors raised where the caller asks, no thread left."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest

from connector.sandbox.server import Sandbox
from connector.sources import jira_history
from connector.sources.handoff import HANDOFF_SECONDS
from connector.sources.jira import JiraSource
from connector.sources.jira_history import fetch_histories
from connector.sources.retry import RetryPolicy, ToolUnavailable
from tests.test_jira_source import BULK, SEARCH, source_for

pytestmark = pytest.mark.e2e

DC_SEARCH = "/rest/api/2/search"
WAIT = 10.0  # seconds to wait for a request that prefetching sends at once


def spy_takes(source: JiraSource, site: Sandbox, path: str, pages: int) -> list[bool]:
    """Wrap the caller's taking of each page (the real `_take` still runs): before taking page
    n < `pages`, note whether the site receives the request for page n + 1 meanwhile."""
    seen: list[bool] = []
    take = source._take

    def taking(page: dict[str, Any], *args: Any) -> bool:
        n = len(seen) + 1
        if n < pages:
            seen.append(site.wait_for(lambda: site.count("GET", path) >= n + 1, WAIT))
        else:
            seen.append(True)
        return take(page, *args)

    source._take = taking  # type: ignore[method-assign]
    return seen


def pages_threads() -> list[threading.Thread]:
    """The read's fetching threads still alive (the in-process site has threads of its own)."""
    return [t for t in threading.enumerate() if t.name.startswith("jira-pages")]


def search_spans(site: Sandbox, path: str) -> list[tuple[float, float]]:
    """(start, end) of each search request the site answered, in order of starting."""
    rows = [r for r in site.stats()["log"] if r["path"] == path]
    return sorted((r["time"] - r["ms"] / 1000, r["time"]) for r in rows)


@pytest.fixture
def demo(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox(seed="demo")


def test_the_next_page_is_asked_for_while_the_caller_takes_this_one_one_at_a_time(
    demo: Sandbox,
) -> None:
    demo.set_faults("search:slow:1,delay=0.05")  # long enough for any overlap to show
    source = source_for(demo, page_size=20)
    source.connect()
    demo.reset_stats()
    seen = spy_takes(source, demo, SEARCH, pages=7)  # 132 issues, 20 a page
    result = source.read()
    assert len(result.records) == 132 and result.counts["search_calls"] == 7
    assert seen == [True] * 7  # pages 2..7 each reached the site while the one before was taken
    assert demo.count("GET", SEARCH) == 7 and source.calls["search"] == 7
    spans = search_spans(demo, SEARCH)
    # never two searches at the site at once (the log's stamps are rounded to the millisecond)
    assert all(later[0] >= earlier[1] - 0.002 for earlier, later in pairwise(spans))
    assert pages_threads() == []


def test_an_error_on_a_later_page_is_raised_when_the_caller_asks_for_that_page(
    demo: Sandbox,
) -> None:
    source = source_for(demo, page_size=50)
    source.retry = RetryPolicy(
        tool="Jira", budget_seconds=0.3, max_wait_seconds=0.05, initial_wait_seconds=0.01
    )
    source.connect()
    demo.reset_stats()

    def fail_after_the_first_page(response: Any, *args: Any, **kwargs: Any) -> None:
        if response.url.split("?")[0].endswith(SEARCH):
            demo.set_faults("search:503:1")

    source.client._session.hooks["response"].append(fail_after_the_first_page)
    taken: list[int] = []
    take = source._take

    def taking(page: dict[str, Any], *args: Any) -> bool:
        # page 2 fails (and is retried until the budget ends) while page 1 is being taken
        taken.append(demo.wait_for(lambda: demo.count("GET", SEARCH, 503) >= 1, WAIT))
        return take(page, *args)

    source._take = taking  # type: ignore[method-assign]
    with pytest.raises(ToolUnavailable) as raised:
        source.read()
    assert taken == [True]  # page 1 was taken whole; the error came when page 2 was asked for
    assert raised.value.where == "jira: search page 2"
    assert demo.count("GET", SEARCH, 200) == 1 and demo.count("GET", SEARCH, 503) >= 2
    assert pages_threads() == []


def test_a_newest_first_read_asks_for_no_page_past_its_stop_and_leaves_no_thread(
    make_sandbox: Callable[..., Sandbox],
) -> None:
    server = make_sandbox(seed="demo", mode="server")
    source = source_for(server, deployment="server", page_size=5, overlap_seconds=60)
    first = source.read()
    server.clock.advance(timedelta(minutes=15))
    for key in sorted(first.records)[:7]:  # pages of 5 newest first: the stop comes on page 2
        source.client.issue(key).update(fields={"summary": f"{key} edited"}, notify=False)
    server.reset_stats()
    seen = spy_takes(source, server, DC_SEARCH, pages=2)
    again = source.read(first.cursor)
    assert again.counts["read"] == 7 and again.total == len(first.records)
    assert seen == [True, True]  # page 2 came while page 1 was taken
    assert server.count("GET", DC_SEARCH) == 2 == again.counts["search_calls"]  # no page 3
    assert pages_threads() == []


def test_pages_closed_early_wait_for_the_page_coming_and_end_their_thread(
    demo: Sandbox,
) -> None:
    source = source_for(demo, page_size=20)
    source.connect()
    demo.set_faults("search:slow:1,delay=0.3")
    demo.reset_stats()
    counts: Counter[str] = Counter()
    pages = source._pages(source._read_jql(None), source.read_fields(), None, counts, bool)
    assert len(next(pages)["issues"]) == 20 and pages_threads() != []
    assert demo.wait_for(lambda: demo.stats()["in_flight"] == 1, WAIT)  # page 2 is coming
    pages.close()
    assert demo.stats()["in_flight"] == 0  # closing waited for it; nothing is left to land
    assert demo.count("GET", SEARCH) == 2 == counts["search_calls"]
    assert pages_threads() == []


def test_the_next_bulk_changelog_page_is_asked_for_while_this_one_is_kept(
    demo: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo.seed_bulk(100, history=40, seed=4)
    # Smaller batches and pages than Jira's (1,000 issues, 10,000 histories), to see both.
    monkeypatch.setattr(jira_history, "ISSUES", 20)
    monkeypatch.setattr(jira_history, "PAGE", 300)
    source = source_for(demo)
    full = source.read()
    indicators = [i for i in full.records.values() if source._is_indicator(i)]
    requests = full.counts["changelog_calls"]
    assert requests > len(indicators) / 20 + 1  # several batches, some of several pages
    expected = {i["key"]: i["changelog"] for i in indicators}
    demo.set_faults("changelog:slow:1,delay=0.02")  # long enough for any overlap to show
    demo.reset_stats()
    kept: list[bool] = []

    def settle() -> None:  # called once a page is kept: the next one was asked for before
        n = len(kept) + 1
        reached = n == requests or demo.wait_for(lambda: demo.count("POST", BULK) > n, WAIT)
        kept.append(reached)

    counts: Counter[str] = Counter()
    fetch_histories(indicators, source._measured(), source._bulk_post(), counts, settle=settle)
    assert kept == [True] * requests and counts["changelog_calls"] == requests
    assert demo.count("POST", BULK) == requests
    assert {i["key"]: i["changelog"] for i in indicators} == expected
    spans = search_spans(demo, BULK)
    assert all(later[0] >= earlier[1] - 0.002 for earlier, later in pairwise(spans))
    assert [t for t in threading.enumerate() if t.name.startswith("jira-changelog")] == []


def test_the_fetching_thread_takes_every_answer_under_the_short_switch_interval(
    demo: Sandbox,
) -> None:
    """Pages and bulk changelogs: the thread that fetches them gets the interpreter lock within
    `HANDOFF_SECONDS` of an answer (CPython's own 5 ms made each page wait behind the caller's
    taking of the one before); the read leaves the interval as it found it."""
    source = source_for(demo, page_size=20)
    source.connect()
    before = sys.getswitchinterval()
    seen: dict[str, list[float]] = {SEARCH: [], BULK: []}

    def watch(response: Any, *args: Any, **kwargs: Any) -> None:  # in the fetching thread
        for path, found in seen.items():
            if path in response.request.url:
                found.append(sys.getswitchinterval())

    source.client._session.hooks["response"].append(watch)
    assert len(source.read().records) == 132
    assert len(seen[SEARCH]) == 7 and seen[BULK], seen
    assert all(value == pytest.approx(HANDOFF_SECONDS) for v in seen.values() for value in v)
    assert sys.getswitchinterval() == before
