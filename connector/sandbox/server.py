"""The sandbox as a Python object: seeded state, a threaded HTTP server, stats and faults.

    with start_sandbox(seed="empty") as sandbox:
        jira = JIRA(server=sandbox.url, basic_auth=(sandbox.email, sandbox.token),
                    options={"rest_api_version": "3"}, max_retries=0, timeout=10)
        api = pyairtable.Api(sandbox.token, endpoint_url=sandbox.url, retry_strategy=None)

A state file is seeded once, when it is new; later starts serve what it holds (`seed` is then
ignored). `mode="server"` answers as Jira Server/Data Center instead of Jira Cloud: deploymentType
"Server", API v2 only (`/rest/api/2/search` with startAt and total), users by username and key
with no accountId and e-mail addresses hidden, paragraphs and comments kept as the wiki markup
sent, the hierarchy in Parent Link and Epic Link, and Basic username:password (the token is
the admin's password) or a Bearer personal access token (the same token).
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from werkzeug.http import http_date
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from connector.sandbox.airtable.api import PENALTY_SECONDS, AirtableAPI
from connector.sandbox.app import SandboxApp
from connector.sandbox.faults import FaultInjector, FaultSpec
from connector.sandbox.jira.api import JiraAPI
from connector.sandbox.jira.bulk import seed_bulk
from connector.sandbox.jira.demo import demo_summary, seed_demo
from connector.sandbox.jira.permissions import ROLES
from connector.sandbox.jira.seed import ensure_user, seed_scheme, set_account
from connector.sandbox.jira.shares import add_group
from connector.sandbox.seeds.typical import seed_typical
from connector.sandbox.stats import Stats, count
from connector.sandbox.store import Store

SEEDS = ("demo", "empty", "typical-jira")
MODES = ("cloud", "server")
ADMIN_NAME = "Sandbox Admin"
POLL_SECONDS = 0.05  # how soon `stop()` takes effect


def utc_now() -> datetime:
    return datetime.now(UTC)


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: `/_sandbox/stats` is the sandbox's request log."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        """Every answer's `Date` by the site's clock, as a real server dates it by its own
        (a client may read the site's time from it); a test's clock is not the machine's."""
        clock = getattr(self.server, "site_clock", None)
        if timestamp is not None or clock is None:
            return super().date_time_string(timestamp)
        return str(http_date(clock()))


class Sandbox:
    """A seeded sandbox bound to a port; `start()` serves it from a background thread."""

    def __init__(
        self,
        *,
        seed: str = "demo",
        state: Path | None = None,
        mode: str = "cloud",
        faults: str | None = None,
        token: str = "sandbox-token",
        email: str = "admin@example.gov",
        host: str = "127.0.0.1",
        port: int = 0,
        anchor: date | None = None,
        clock: Callable[[], datetime] | None = None,
        airtable_penalty_seconds: float = PENALTY_SECONDS,
    ) -> None:
        if seed not in SEEDS:
            raise ValueError(f"seed {seed!r} is not one of {', '.join(SEEDS)}")
        if mode not in MODES:
            raise ValueError(f"mode {mode!r} is not one of {', '.join(MODES)}")
        self.token, self.email, self.mode = token, email, mode
        self.clock = clock or utc_now
        self.anchor = anchor or self.clock().date()
        self.store = Store(state)
        self._faults = FaultInjector(FaultSpec.parse(faults), now=self.clock)
        self._stats = Stats()
        self.airtable = AirtableAPI(self.store.conn, self.store.lock, self.clock)
        self.airtable.rate_limit_penalty_seconds = airtable_penalty_seconds
        self.jira = JiraAPI(self.store, mode=mode, now=self.clock)
        self.seeded = self._seed(seed)
        self.cloud_id = self._cloud_id()
        app = SandboxApp(
            self.jira,
            self.airtable,
            token=token,
            email=email,
            faults=self._faults,
            stats=self._stats,
            cloud_id=self.cloud_id if mode == "cloud" else None,
        )
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=_QuietHandler
        )
        self._server.site_clock = self.clock  # type: ignore[attr-defined]
        shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)
        self.url = f"http://{shown}:{self._server.port}"
        # Scoped API tokens and service accounts reach a Cloud site through Atlassian's gateway,
        # https://api.atlassian.com/ex/jira/{cloudId}: the sandbox serves the same path prefix.
        self.gateway_url = f"{self.url}/ex/jira/{self.cloud_id}"
        self._thread: threading.Thread | None = None

    def _seed(self, seed: str) -> str:
        """Seeds a new state; returns the seed the state holds."""
        held = self.store.get_meta("seed")
        if held is None:
            if seed == "typical-jira":  # its own site: no DEL scheme, an empty Airtable base
                seed_typical(self.store, self.anchor, self.email, ADMIN_NAME)
            else:
                seed_scheme(self.store, self.mode)
            admin = ensure_user(self.store, self.email, ADMIN_NAME)
            set_account(self.store, admin, self.token, "admin")
            if seed == "demo":
                summary = seed_demo(self.store, self.anchor, admin, self.mode)
                self.store.set_meta("jira.demo", json.dumps(summary))
            self.airtable.seed("empty" if seed == "typical-jira" else seed, self.anchor)
            self.store.set_meta("anchor", self.anchor.isoformat())
            self.store.set_meta("seed", seed)
            self.store.analyze()
            held = seed
        else:
            admin = ensure_user(self.store, self.email, ADMIN_NAME)
            set_account(self.store, admin, self.token, "admin")
        self.jira.reload()
        return held

    def _cloud_id(self) -> str:
        """The site's cloudId, made once and kept with its state, as a site keeps its own."""
        held = self.store.get_meta("cloud_id")
        if held is None:
            held = str(uuid.uuid4())
            self.store.set_meta("cloud_id", held)
        return held

    def add_account(self, email: str, name: str, role: str = "user") -> str:
        """A user who can sign in, in the role given (admin, project-admin or user); returns
        their API token (on Data Center: their password and personal access token). Again
        for the same e-mail, it changes their role and keeps their token."""
        if role not in ROLES:
            raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
        account = ensure_user(self.store, email, name)
        held = [t for t, a in self.jira.scheme.tokens.items() if a == account]
        token = held[0] if held else secrets.token_urlsafe(18)
        set_account(self.store, account, token, role)
        self.jira.reload()
        return token

    def add_group(self, name: str) -> str:
        """A group of the site that filters and dashboards may be shared with; its groupId."""
        with self.store.write() as conn:
            return add_group(conn, name)

    def start(self) -> Sandbox:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": POLL_SECONDS},
                name="rdsync-sandbox",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serves on the calling thread until `stop()` is called from another."""
        self._server.serve_forever(poll_interval=POLL_SECONDS)

    def stop(self) -> None:
        """Stops serving and closes the state; safe to call twice."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()
        self.store.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def stats(self) -> dict[str, Any]:
        """What `GET /_sandbox/stats` returns: counts by method, path template, status; the log."""
        return self._stats.snapshot()

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Return once no request is being answered: what a killed client left in flight
        has landed or been dropped. Raises TimeoutError after `timeout` seconds."""
        if not self._stats.wait_for(lambda: self._stats.in_flight == 0, timeout):
            raise TimeoutError(f"the sandbox still answers a request after {timeout:g} s")

    def wait_for(self, condition: Callable[[], bool], timeout: float = 60.0) -> bool:
        """Block until `condition()` (e.g. `lambda: sandbox.count("PUT", EDIT) >= 2`) holds,
        re-checked as requests arrive and end; False if it does not within `timeout` s."""
        return self._stats.wait_for(condition, timeout)

    def reset_stats(self) -> None:
        self._stats.reset()

    def count(
        self, method: str | None = None, path: str | None = None, status: int | None = None
    ) -> int:
        """Requests so far by method, path template (a trailing * matches a prefix), status."""
        return count(self._stats.snapshot(), method, path, status)

    def set_faults(self, spec: str | None) -> None:
        """Replaces the fault spec (None or "" for none); see faults.py for the grammar."""
        self._faults.set(FaultSpec.parse(spec))

    def seed_bulk(self, n: int, *, history: int = 12, seed: int = 1) -> tuple[str, str]:
        """Adds `n` synthetic issues to project DEL (jira_bulk.py); returns first and last key."""
        admin = ensure_user(self.store, self.email, ADMIN_NAME)
        keys = seed_bulk(
            self.store, n, self.anchor, admin=admin, history=history, seed=seed, mode=self.mode
        )
        self.store.analyze()
        self.jira.reload()
        return keys

    def field_id(self, name: str) -> str:
        """The Jira field id of a field name, e.g. "Current value" -> "customfield_10023"."""
        found = self.jira.scheme.field_named(name)
        if found is None:
            raise KeyError(f"no Jira field named {name!r}")
        return found.id

    def demo(self) -> dict[str, Any]:
        """The Jira demo: {"keys": portfolio ref -> issue key, "planted": RD code -> refs}."""
        return demo_summary(self.store.get_meta("jira.demo"))


def start_sandbox(
    seed: str = "demo",
    state: Path | None = None,
    mode: str = "cloud",
    faults: str | None = None,
    token: str = "sandbox-token",
    email: str = "admin@example.gov",
    port: int = 0,
    anchor: date | None = None,
    *,
    host: str = "127.0.0.1",
    clock: Callable[[], datetime] | None = None,
    airtable_penalty_seconds: float = PENALTY_SECONDS,
) -> Sandbox:
    """A started sandbox on a loopback port; use it as a context manager or call `.stop()`.

    After a 429 Airtable refuses the base's (or token's) requests for 30 s; a test that means
    to hit the limit can shorten that with `airtable_penalty_seconds`."""
    sandbox = Sandbox(
        seed=seed,
        state=state,
        mode=mode,
        faults=faults,
        token=token,
        email=email,
        host=host,
        port=port,
        anchor=anchor,
        clock=clock,
        airtable_penalty_seconds=airtable_penalty_seconds,
    )
    return sandbox.start()
