"""The state store's file: one writer by any path to it (symlink, relative path, `..`, a deleted
side file), the holder named; its -wal/-shm never lose SQLite's locks to ours; and a damaged
file is an error naming it, never a traceback."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from connector.clock import Clock
from connector.sandbox.server import Sandbox
from connector.sync.state import StateLocked, StateStore, StateUnusable
from tests.campaign import configure, sync

pytestmark = pytest.mark.e2e

EDIT = "/rest/api/3/issue/{issueIdOrKey}"
COMMENT = EDIT + "/comment"


def rdsync(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "connector.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=cwd)


def config_with_state(folder: Path, model: Path, state: str) -> Path:
    """A copy of the config at `model` whose [state] path is `state`, in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(model.parent / "sandbox.token", folder / "sandbox.token")
    text = model.read_text().replace('path = "state.sqlite"', f'path = "{state}"')
    (folder / "rdsync.toml").write_text(text)
    return folder / "rdsync.toml"


@pytest.fixture
def daemon(make_sandbox: Callable[..., Sandbox], tmp_path: Path) -> Iterator[tuple[Sandbox, int]]:
    """`rdsync run` on a demo site, its first sync done: it holds the state store's lock."""
    sandbox = make_sandbox(seed="demo", clock=Clock())  # the daemon process reads this clock
    config = configure(tmp_path / "first", sandbox)
    process = subprocess.Popen(
        [sys.executable, "-m", "connector.cli", "run", "--config", "rdsync.toml"],
        cwd=tmp_path / "first",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not config.health_path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)  # waits for the daemon process to start and finish its first sync
    assert config.health_path.exists(), "the daemon never completed a sync"
    yield sandbox, process.pid
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0


def test_a_second_writer_by_any_path_to_the_state_exits_2_naming_the_holder(
    daemon: tuple[Sandbox, int], tmp_path: Path
) -> None:
    sandbox, pid = daemon
    first = tmp_path / "first"
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / "state.sqlite").symlink_to(first / "state.sqlite")
    (first / "state.sqlite.lock").unlink(missing_ok=True)  # a side lock file, deleted
    seconds = {
        "symlink": config_with_state(tmp_path / "linked", first / "rdsync.toml", "state.sqlite"),
        "..": config_with_state(tmp_path / "dots", first / "rdsync.toml", "../first/state.sqlite"),
        "the same file, its lock file deleted": first / "rdsync.toml",
    }
    sandbox.reset_stats()
    for way, config in seconds.items():
        for args in (("sync",), ("sync", "--dry-run"), ("run",)):
            second = rdsync(*args, "--config", config.name, cwd=config.parent)
            assert second.returncode == 2, (way, args, second.stderr)
            assert "Traceback" not in second.stderr
            said = second.stderr
            assert f"{(first / 'state.sqlite').resolve()}: the state store is in use" in said
            assert f"rdsync pid {pid} since 20" in said, said  # since when, as an ISO time
            assert "(rdsync run --config rdsync.toml)" in said  # the holder's command
    assert sandbox.stats()["total"] == 0  # none of them read or wrote the site
    report = rdsync("report", "--config", "rdsync.toml", "--format", "json", cwd=first)
    assert report.returncode == 0, report.stderr  # a report only reads: it runs beside
    assert list((first / "reports").glob("*.json"))


def test_mapping_check_fix_writes_the_tool_so_it_takes_the_lock_too(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    from tests.test_mapping_check import WRITES, discovered

    site = make_sandbox(seed="typical-jira")
    config = discovered(tmp_path, site)
    holder = subprocess.Popen(
        [
            *(sys.executable, "-c"),
            "import sys; from connector.sync.state import StateStore\n"
            "s = StateStore(sys.argv[1]); sys.argv = ['rdsync', 'run', '--config', 'other.toml']\n"
            "s.lock(); print('held', flush=True); sys.stdin.read()",
            str(tmp_path / "rdsync-state.sqlite"),  # the config's default [state] path
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    site.reset_stats()
    fix = rdsync("mapping", "check", "--config", str(config), "--fix", "--yes")
    assert fix.returncode == 2, fix.stdout + fix.stderr
    assert f"in use by rdsync pid {holder.pid}" in fix.stderr
    assert "(rdsync run --config other.toml)" in fix.stderr
    assert sum(site.count(method) for method in WRITES) == 0
    holder.communicate("")  # ends it: the lock goes with its process
    fixed = rdsync("mapping", "check", "--config", str(config), "--fix", "--yes")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert site.count("POST", "/rest/api/3/field") == 4


def test_a_killed_holder_leaves_no_lock_behind(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    holder = subprocess.Popen(
        [
            *(sys.executable, "-c"),
            "import sys, time; from connector.sync.state import StateStore\n"
            f"s = StateStore({str(path)!r}); s.lock(); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    store = StateStore(path)
    with pytest.raises(StateLocked, match=f"rdsync pid {holder.pid}"):
        store.lock()
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    store.lock()  # the kernel dropped the flock with the process; its note is overwritten
    assert store.holder().startswith("this process")
    store.close()


def test_closing_a_second_store_on_the_file_keeps_sqlite_s_locks_of_the_first(
    tmp_path: Path,
) -> None:
    """Closing any descriptor of a file drops every POSIX lock the process holds on it. The
    first store's idle WAL connection holds a shared one, which stops another process from
    taking the file exclusively; a second store on the same file (here through a symlink)
    must not drop it when it closes."""
    path = tmp_path / "state.sqlite"
    first = StateStore(path)
    first.lock()
    (tmp_path / "link.sqlite").symlink_to(path)
    second = StateStore(tmp_path / "link.sqlite")
    assert second.path == first.path
    with pytest.raises(StateLocked, match="this process"):
        second.lock()
    second.close()
    exclusive = (
        "import sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], timeout=0)\n"
        "db.execute('PRAGMA locking_mode=EXCLUSIVE')\n"
        "try:\n    db.execute('SELECT count(*) FROM runs').fetchall()\n"
        "except sqlite3.OperationalError as e:\n    print(e); sys.exit(3)\n"
    )
    taken = subprocess.run([sys.executable, "-c", exclusive, str(path)], capture_output=True)
    assert taken.returncode == 3 and b"locked" in taken.stdout  # the first's lock still holds
    assert first.runs() == []  # and the first store still works
    first.close()


# -- a damaged state file -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def synced_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A state store after one full sync of the demo site (the model every damage starts from)."""
    from connector.sandbox.server import start_sandbox
    from tests.conftest import site_clock

    folder = tmp_path_factory.mktemp("synced")
    with start_sandbox(seed="demo", clock=site_clock()) as sandbox:
        config = configure(folder, sandbox)
        sync(config, sandbox.clock)
    store = StateStore(config.state_path)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all of it in the file itself
    store.close()
    yield config.state_path


def _garbage(at: int, size: int) -> Callable[[bytes], bytes]:
    def damage(data: bytes) -> bytes:
        noise = bytes((i * 151 + 7) % 256 for i in range(size))
        return data[:at] + noise + data[at + size :]

    return damage


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "garbage bytes": lambda data: bytes((i * 37) % 256 for i in range(len(data))),
    "truncated to its header": lambda data: data[:100],
    "truncated to a page": lambda data: data[:4096],
    "truncated to half": lambda data: data[: len(data) // 2],
    "garbage over its schema page": _garbage(0x64, 4000),
    "garbage over a page of its tables": _garbage(8192, 8192),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_state_store_is_an_error_naming_it(
    damage: str, synced_state: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.sqlite"
    state.write_bytes(DAMAGE[damage](synced_state.read_bytes()))
    (tmp_path / "rdsync.toml").write_text(
        '[sources.jira]\ntype = "jira"\nurl = "http://127.0.0.1:9"\nemail = "a@b.c"\n'
        'token_file = "token"\nprojects = ["DEL"]\n\n[state]\npath = "state.sqlite"\n'
    )
    (tmp_path / "token").write_text("t0ken\n")
    for command in ("sync", "run", "report"):
        ran = rdsync(command, "--config", "rdsync.toml", cwd=tmp_path)
        assert "Traceback" not in ran.stderr
        if command == "report" and ran.returncode == 0:
            continue  # it reads the last run's conclusions alone: they may be intact
        assert ran.returncode == 2, (command, ran.stderr)
        assert f"rdsync: {state}: the state store is " in ran.stderr
        assert "damaged" in ran.stderr or "not an SQLite database" in ran.stderr
        assert "fix: Restore it from a backup" in ran.stderr


def test_a_state_store_that_cannot_be_read_names_it(synced_state: Path, tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    state.mkdir()  # a folder where the file should be
    with pytest.raises(StateUnusable, match=f"{state}: the state store cannot be opened"):
        StateStore(state)
