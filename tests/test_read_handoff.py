"""`quick_handoff`: the switch interval short while any read-ahead lasts, then as it was (a read
under it: tests/test_jira_read_ahead.py)."""

import sys

from pytest import approx

from connector.sources.handoff import HANDOFF_SECONDS, quick_handoff


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
