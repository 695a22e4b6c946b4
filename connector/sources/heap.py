"""The collector and a read's records: what earlier pages hold is frozen while the read goes on.

A full read keeps every page it parsed (10,000 issues: some two million objects). Python's
cyclic collector walks its whole oldest generation each time that generation grows by a
quarter, so a read re-walked its earlier pages some seven times: a third of its own CPU at
10,000 issues, and more per issue the larger the site. Parsed JSON holds no cycles (reference
counting frees it), so the collector has nothing to find there: `gc.freeze()` after each page
moves what exists into the permanent generation, which no collection walks, and the end of
the read (`gc.unfreeze()`) gives it all back to the oldest generation, so a daemon never keeps
objects out of the collector's reach from one read to the next.

The permanent generation is the process's: reads in threads of one process share it (the last
to end gives it back), and a process that froze objects of its own before (a server preloading
before it forks) is left as it is: then nothing is frozen here.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_reads = 0  # reads under way in this process
_ours = False  # whether those reads may freeze: nothing was frozen by anyone else before


@contextmanager
def frozen_pages() -> Iterator[Callable[[], None]]:
    """A read's context: it calls what this yields after keeping each page (freezing what
    the process holds so far); on leaving, the last read under way unfreezes it all."""
    global _reads, _ours
    with _lock:
        if _reads == 0:
            _ours = gc.get_freeze_count() == 0
        _reads += 1
    try:
        yield _freeze
    finally:
        with _lock:
            _reads -= 1
            if _reads == 0 and _ours:
                gc.unfreeze()


def _freeze() -> None:
    if _ours:
        gc.freeze()
