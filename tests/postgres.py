"""A real PostgreSQL server for the tests and benchmarks: initdb in a temporary folder, started
on a free loopback port, each caller given a database of its own.

Debian's `postgresql` package keeps its binaries in /usr/lib/postgresql/<version>/bin, off the
PATH; both places are searched. PostgreSQL refuses to run as root, so under root (CI's
container) the cluster belongs to the `postgres` account the package creates (else `nobody`).
Without the binaries the tests that need a server skip and say so, unless
`RDSYNC_REQUIRE_POSTGRES=1` (`.ci/run` sets it), when they fail instead.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

REQUIRE = "RDSYNC_REQUIRE_POSTGRES"
# The one role that must sign in with a password (SCRAM), for the tests of [state]
# password_env; every other role is trusted on loopback.
SIGNED = "rdsync_signed"


class NoPostgres(RuntimeError):
    """The machine has no PostgreSQL server binaries."""


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: on the PATH, else Debian's newest version."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    folders = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")]
    folders.sort(key=lambda bin: int(bin.parent.name) if bin.parent.name.isdigit() else 0)
    return folders[-1] if folders else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _account() -> str | None:
    """Whom the server runs as: None (this process's user) unless that is root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise NoPostgres("running as root, and neither a postgres nor a nobody account exists")


@dataclass
class PostgresServer:
    """One running cluster; `database()` makes a fresh database and returns its URL."""

    folder: Path
    port: int
    bin: Path
    account: str | None

    @property
    def admin_url(self) -> str:
        return f"postgresql://rdsync@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://rdsync@127.0.0.1:{self.port}/{database}"

    def database(self, prefix: str = "rdsync") -> str:
        """A new, empty database of its own: its URL."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.admin_url, autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)

    def signed_database(self, password: str) -> str:
        """A new database owned by the role that signs in with `password`: its URL (without
        the password, as a config names it)."""
        import psycopg
        from psycopg import sql

        name = f"signed_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.admin_url, autocommit=True) as db:
            exists = db.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (SIGNED,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            db.execute(
                sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(SIGNED), sql.Literal(password)
                )
            )
            db.execute(f'CREATE DATABASE "{name}" OWNER {SIGNED} TEMPLATE template0')
        return f"postgresql://{SIGNED}@127.0.0.1:{self.port}/{name}"

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            user=self.account,
            capture_output=True,
            text=True,
            check=False,
            cwd=self.folder,
        )
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}{done.stderr}")

    def stop(self) -> None:
        with suppress(RuntimeError):
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A throwaway cluster (trust auth on loopback but for SIGNED, no fsync: tests, not
    production)."""
    folder_bin = binaries()
    if folder_bin is None:
        raise NoPostgres(
            "no PostgreSQL server binaries (initdb, pg_ctl) on the PATH or in "
            "/usr/lib/postgresql/*/bin: install Debian's postgresql package"
        )
    account = _account()
    folder = Path(tempfile.mkdtemp(prefix="rdsync-pg-"))
    if account is not None:
        entry = pwd.getpwnam(account)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    folder.chmod(0o700)
    server = PostgresServer(folder, _free_port(), folder_bin, account)
    data = str(folder / "data")
    server._run("initdb", "-D", data, "-U", "rdsync", "--auth=trust", "-E", "UTF8", "--no-sync")
    rules = folder / "data" / "pg_hba.conf"  # the first matching line wins: SIGNED's first
    signed = f"host all {SIGNED} 127.0.0.1/32 scram-sha-256\n"
    rules.write_text(signed + rules.read_text(encoding="utf-8"), encoding="utf-8")
    options = (
        f"-p {server.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    server._run("pg_ctl", "-D", data, "-o", options, "-l", str(folder / "log"), "-w", "start")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
