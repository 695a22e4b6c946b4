"""While a read fetches ahead from a thread of its own, the interpreter lock is handed to that
thread within `HANDOFF_SECONDS`, not CPython's 5 ms; after the read the interval is as before."""

import sys
from typing import Any

from pytest import approx

from connector.config import JiraSourceConfig
from connector.sources.handoff import HANDOFF_SECONDS, quick_handoff
from connector.sources.jira import JiraSource
from mappings.config import JiraMapping, load_mapping


def test_the_last_of_overlapping_read_aheads_puts_the_interval_back() -> None:
    before = sys.getswitchinterval()
    assert before > HANDOFF_SECONDS
    first, second = quick_handoff(), quick_handoff()  # two reads, in two threads of a process
    first.__enter__()
    assert sys.getswitchinterval() == approx(HANDOFF_SECONDS)
    second.__enter__()
    first.__exit__(None, None, None)  # the first ends while the second still reads
    assert sys.getswitchinterval() == approx(HANDOFF_SECONDS)
    second.__exit__(None, None, None)
    assert sys.getswitchinterval() == before


def test_a_shorter_interval_set_by_the_process_is_kept() -> None:
    before = sys.getswitchinterval()
    sys.setswitchinterval(HANDOFF_SECONDS / 2)
    try:
        with quick_handoff():
            assert sys.getswitchinterval() == approx(HANDOFF_SECONDS / 2)
        assert sys.getswitchinterval() == approx(HANDOFF_SECONDS / 2)
    finally:
        sys.setswitchinterval(before)


def test_a_jira_read_hands_the_lock_over_promptly_while_its_pages_come(make_sandbox: Any) -> None:
    """250 issues in pages of 50 and their indicators' changelogs in bulk: every answer the
    fetching thread takes, it takes under the short interval; the read leaves it as it was."""
    sandbox = make_sandbox(seed="empty")
    sandbox.seed_bulk(250, history=3)
    mapping = load_mapping("jira")
    assert isinstance(mapping, JiraMapping)
    config = JiraSourceConfig(
        type="jira", url=sandbox.url, email=sandbox.email, projects=["DEL"], page_size=50
    ).with_token(sandbox.token)
    source = JiraSource("jira", config, mapping)
    source.connect()
    before = sys.getswitchinterval()
    seen: dict[str, list[float]] = {"search": [], "bulkfetch": []}

    def watch(response: Any, *args: Any, **kwargs: Any) -> None:
        for what, found in seen.items():
            if what in response.request.url:
                found.append(sys.getswitchinterval())

    source.client._session.hooks["response"].append(watch)
    result = source.read()
    assert len(result.records) == 250
    assert len(seen["search"]) == 5 and seen["bulkfetch"], seen
    assert all(value == approx(HANDOFF_SECONDS) for found in seen.values() for value in found), seen
    assert sys.getswitchinterval() == before
