"""The state store's file: one writer's lock on it, whatever path leads to it, and its SQLite
failures as errors that name it.

The lock is an flock on the SQLite file itself, not on a file beside it: a side file can be
deleted, or reached under another name (a symlinked state path gets a side file of its own),
and then a second writer runs beside the first. Every path to the state store (a symlink, a
relative path, `..`, a hard link) leads to the same inode, and flock locks the inode.

SQLite takes POSIX (fcntl) locks on the same file. On a local filesystem the two kinds do not
interact, with one exception: closing *any* descriptor of a file drops every POSIX lock the
process holds on it, SQLite's included (an idle WAL connection holds a shared one). So a process
opens each state file once, before SQLite does, shares that descriptor between all its stores
on the file, and closes it only when the last of them has closed its connection. (On NFS, flock
is emulated with POSIX locks and would meet SQLite's; SQLite's WAL mode needs a local disk
anyway.)
"""

from __future__ import annotations

import fcntl
import itertools
import os
import shlex
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from connector.sync.files import FILE_MODE
from mappings.errors import RdsyncError


@dataclass
class _Opened:
    """A state file as this process holds it open: the descriptor, its users, the holder."""

    fd: int
    users: set[int] = field(default_factory=set)  # the StateFile tokens using it
    holder: int | None = None  # the token of the one holding the lock, if any
    strays: list[int] = field(default_factory=list)  # descriptors opened in a race, kept


_OPENED: dict[tuple[int, int], _Opened] = {}
_GUARD = threading.Lock()
_TOKENS = itertools.count(1)
# A forked child shares its parent's descriptors, and so its flocks: it must open afresh, as
# another process would (the inherited descriptors are left open, not to drop SQLite's locks).
os.register_at_fork(after_in_child=_OPENED.clear)


def _identity(stat: os.stat_result) -> tuple[int, int]:
    return (stat.st_dev, stat.st_ino)


class StateFile:
    """One store's hold on its state file; `path` must be resolved (no symlink in it)."""

    def __init__(self, path: Path) -> None:
        self.user = next(_TOKENS)
        with _GUARD:
            self.key = self._open(path)
            _OPENED[self.key].users.add(self.user)

    @staticmethod
    def _open(path: Path) -> tuple[int, int]:
        try:
            key = _identity(os.stat(path))
        except FileNotFoundError:
            key = None
        if key is not None and key in _OPENED:
            return key  # open already: a second descriptor's close would drop SQLite's locks
        try:  # a new file is the owner's alone; SQLite gives its -wal and -shm the same mode
            fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            os.fchmod(fd, FILE_MODE)
        except FileExistsError:
            fd = os.open(path, os.O_RDONLY)  # flock needs no write access
        key = _identity(os.fstat(fd))
        if key in _OPENED:  # made or replaced between the stat and the open
            _OPENED[key].strays.append(fd)
        else:
            _OPENED[key] = _Opened(fd)
        return key

    def try_lock(self) -> bool:
        """Take the lock; False if another process, or another store of this one, holds it."""
        with _GUARD:
            opened = _OPENED[self.key]
            if opened.holder is not None:
                return opened.holder == self.user
            try:
                fcntl.flock(opened.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            opened.holder = self.user
            return True

    @property
    def held(self) -> bool:
        with _GUARD:
            opened = _OPENED.get(self.key)
            return opened is not None and opened.holder == self.user

    @property
    def held_here(self) -> bool:
        """Whether a store of this process holds the lock (this one or another)."""
        with _GUARD:
            opened = _OPENED.get(self.key)
            return opened is not None and opened.holder is not None

    def unlock(self) -> None:
        with _GUARD:
            opened = _OPENED.get(self.key)
            if opened is not None and opened.holder == self.user:
                fcntl.flock(opened.fd, fcntl.LOCK_UN)
                opened.holder = None

    def release(self) -> None:
        """After the store's SQLite connection is closed: unlock, and close the file if no
        other store of this process still uses it."""
        self.unlock()
        with _GUARD:
            opened = _OPENED.get(self.key)
            if opened is None:
                return
            opened.users.discard(self.user)
            if not opened.users:
                for fd in (opened.fd, *opened.strays):
                    os.close(fd)
                del _OPENED[self.key]


class StateLocked(RdsyncError):
    """Another rdsync process holds the state store."""


class StateUnusable(RdsyncError):
    """The state store's file cannot be used: damaged, not a database, unreadable or full."""


# SQLite's primary result codes -> (what is wrong, what fixes it)
_UNUSABLE: dict[int, tuple[str, str]] = {
    sqlite3.SQLITE_CORRUPT: ("is damaged", "restore"),
    sqlite3.SQLITE_NOTADB: ("is not an SQLite database", "restore"),
    sqlite3.SQLITE_CANTOPEN: ("cannot be opened", "access"),
    sqlite3.SQLITE_PERM: ("may not be written", "access"),
    sqlite3.SQLITE_READONLY: ("may not be written", "access"),
    sqlite3.SQLITE_IOERR: ("could not be read or written (disk I/O error)", "disk"),
    sqlite3.SQLITE_FULL: ("could not be written: the disk is full", "disk"),
    sqlite3.SQLITE_BUSY: ("stayed busy: another process held a write on it too long", "busy"),
}
FIXES = {
    "restore": "Restore it from a backup; or move it aside (keep it for inspection) and run "
    "`rdsync sync`, which starts a new state store and reads everything from the tools (the "
    "history of ratings and the write ledger start again).",
    "access": "Check that the file and its folder exist and that this user may read and write "
    "them, or point [state] path at another file.",
    "disk": "Free space on that disk or check it for errors, then run again.",
    "busy": "Run again when that process is done.",
    "server": "Check that the PostgreSQL server of [state] url runs and takes connections from "
    "this machine, then run again.",
}


def unusable(path: Path | str, error: BaseException) -> StateUnusable | None:
    """The error to show for an SQLite failure of the state file (or a PostgreSQL store's
    lost server), or None if it is not one (a failure of rdsync's own, such as using a closed
    connection, stays a bug)."""
    if not isinstance(error, sqlite3.DatabaseError):
        return _server_lost(str(path), error)
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:  # Python's own decoding of a text column: damaged bytes
        found = ("is damaged", "restore") if "decode" in str(error) else None
    else:
        found = _UNUSABLE.get(code & 0xFF)
    if found is None:
        return None
    what, fix = found
    said = str(error) if len(str(error)) <= 120 else str(error)[:117] + "..."
    return StateUnusable(
        f"the state store {what} (SQLite: {said})", where=str(path), fix=FIXES[fix]
    )


def _server_lost(where: str, error: BaseException) -> StateUnusable | None:
    """A PostgreSQL store's server gone or refusing (psycopg's OperationalError): the store is
    unusable until it is back. psycopg is looked up, not imported: a SQLite store never
    loads it."""
    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(error, psycopg.OperationalError):
        return None
    said = " ".join(str(error).split())
    said = said if len(said) <= 160 else said[:157] + "..."
    return StateUnusable(
        f"the state store's server could not be used (PostgreSQL: {said})",
        where=where,
        fix=FIXES["server"],
    )


@contextmanager
def state_errors(path: Path | str) -> Iterator[None]:
    """Failures of the state store, met anywhere within, as errors naming its file (or URL)."""
    try:
        yield
    except Exception as error:
        found = unusable(path, error)
        if found is None:
            raise
        raise found from None


def alive(pid: int) -> bool:
    """Whether a process of that id runs (a recorded holder that died left a stale note)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def invocation() -> str:
    """This process's command line, as a person would type it (for "in use by ...")."""
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    if program in ("rdsync", "__main__.py"):
        return shlex.join(["rdsync", *sys.argv[1:]])
    return shlex.join([program, *sys.argv[1:]])
