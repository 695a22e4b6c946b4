"""The collector and a read's records: what earlier pages hold is frozen while the read goes on.

A full read keeps every page it parsed (10,000 issues: some two million objects). Python's
cyclic collector walks its whole oldest generation each time that generation grows by a
quarter, so a read re-walked its earlier pages some seven times: a third of its own CPU at
10,000 issues, and more per issue the larger the site (30,000 issues: twenty full walks, 5 s
of a sync's 18 s of CPU; none at 1,000). Parsed JSON holds no cycles (reference counting frees
it), so the collector has nothing to find there: `gc.freeze()` after each page moves what
exists into the permanent generation, which no collection walks, and the end of the read
(`gc.unfreeze()`) gives it all back to the oldest generation, so a daemon never keeps objects
out of the collector's reach from one read to the next.

A sync run freezes what it holds at its start and unfreezes at its end (`frozen_run`): a read
inside it freezes its pages all the same, and leaves them to the run's end. Its last step is
one full collection, which walks only what the read left unfrozen (milliseconds): it frees any
cycle made meanwhile and the interpreter's free lists, which would otherwise stay held to the
run's end (1,500 issues: some 270 KB).

The permanent generation is the process's: reads in threads of one process share it (the last
to end gives it back), and a process that froze objects of its own before, outside a run (a
server preloading before it forks), is left as it is: then nothing is frozen here.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_reads = 0  # reads under way in this process
_runs = 0  # runs under way in this process (`frozen_run`), each to unfreeze at its end
_ours = False  # whether those reads may freeze: nothing was frozen before, or a run froze it
_owner = False  # whether the last of those reads unfreezes: nothing was frozen before


@contextmanager
def frozen_run() -> Iterator[None]:
    """A sync run's context: what lives before it (a daemon's kept records, modules) is
    frozen, and reads inside it freeze their pages too; on leaving, all is given back."""
    global _runs
    with _lock:
        _runs += 1
    gc.freeze()
    try:
        yield
    finally:
        with _lock:
            _runs -= 1
        gc.unfreeze()


@contextmanager
def frozen_pages() -> Iterator[Callable[[], None]]:
    """A read's context: it calls what this yields after keeping each page (freezing what
    the process holds so far); on leaving, the last read under way unfreezes it all, or,
    inside a run, collects what the read left unfrozen."""
    global _reads, _ours, _owner
    with _lock:
        if _reads == 0:
            _owner = gc.get_freeze_count() == 0
            _ours = _owner or _runs > 0
        _reads += 1
    try:
        yield _freeze
    finally:
        with _lock:
            _reads -= 1
            if _reads == 0 and _owner:
                gc.unfreeze()
            elif _reads == 0 and _ours:
                gc.collect()  # walks only what is not frozen: the read's last objects


def _freeze() -> None:
    if _ours:
        gc.freeze()
