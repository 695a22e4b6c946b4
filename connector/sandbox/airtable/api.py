"""The sandbox's Airtable Web API: routes, dispatch, error bodies and the per-base rate limit.

The server mounts `AirtableAPI.url_rules()` in its werkzeug Map, checks the Bearer token and
injects faults, then calls `dispatch`. Everything else Airtable does is here: records (list
with formula, sort, fields and offset paging; get; create; update and upsert; delete), the meta
API, and Airtable's rate limits: 5 requests per second per base and 50 per second per token
(across all bases, the meta API included), answered with Airtable's 429 body. A 429 starts
Airtable's penalty: for `rate_limit_penalty_seconds` (30, as documented) every request of that
base or token is refused too. `rate_limit_per_second = None` turns both limits off.

Errors take Airtable's shapes: `{"error": {"type": ..., "message": ...}}`. An unknown base is
403 INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND (what a personal access token gets), an unknown
table 404 TABLE_NOT_FOUND, an unknown record 404 MODEL_ID_NOT_FOUND.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from connector.sandbox.airtable import extras
from connector.sandbox.airtable import seed as airtable_seed
from connector.sandbox.airtable.listing import Lister, ListQuery, invalid_request
from connector.sandbox.airtable.meta import (
    base_schema,
    create_field,
    list_bases,
    new_field,
    update_field,
)
from connector.sandbox.airtable.records import Writer
from connector.sandbox.airtable.store import AirtableError, BaseDef, Store, TableDef
from connector.sandbox.airtable.values import Cells

RATE_LIMITED = {
    "errors": [
        {"error": "RATE_LIMIT_REACHED", "message": "Rate limit exceeded. Please try again later"}
    ]
}
MODEL_NOT_FOUND = (
    "Invalid permissions, or the requested model was not found. Check that both your user and"
    " your token have the required permissions, and that the model names and/or ids are correct."
)
PENALTY_SECONDS = 30.0  # Airtable: "must wait 30 seconds before subsequent requests will succeed"
WHOAMI = {
    "id": "usrSandboxAdmin01",
    "scopes": [
        "data.records:read",
        "data.records:write",
        "schema.bases:read",
        "schema.bases:write",
        "data.recordComments:read",
        "data.recordComments:write",
    ],
}
WRITE_KEYS = {
    "create_records": {"records", "fields", "typecast", "returnFieldsByFieldId"},
    "update_records": {"records", "typecast", "returnFieldsByFieldId", "performUpsert"},
    "update_record": {"fields", "typecast", "returnFieldsByFieldId"},
}


class _RateLimited(Exception):
    """The base's window is full: answer 429 without touching the store."""


def _json(status: int, body: Any) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _body(request: Request) -> dict[str, Any]:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise AirtableError(
            400, "INVALID_REQUEST_UNKNOWN", "Invalid request: the body is not valid JSON."
        ) from None
    if not isinstance(body, dict):
        raise invalid_request()
    return body


class AirtableAPI:
    """Airtable's Web API over the sandbox's SQLite connection (tables prefixed `at_`)."""

    def __init__(
        self, conn: sqlite3.Connection, lock: threading.RLock, now: Callable[[], datetime]
    ) -> None:
        self.conn = conn
        self.lock = lock
        self.now = now
        self.rate_limit_per_second: int | None = 5
        self.token_limit_per_second = 50
        self.rate_limit_penalty_seconds = PENALTY_SECONDS
        self.clock: Callable[[], float] = time.monotonic
        with lock, self._transaction():
            self.store = Store(conn)
            extras.ensure(conn)
        self.lister = Lister(self.store, now)
        self.writer = Writer(self.store, now)
        self._windows: dict[str, deque[float]] = {}
        self._blocked_until: dict[str, float] = {}
        self._rate_lock = threading.Lock()

    def url_rules(self) -> list[Rule]:
        """The routes, endpoints named `airtable.<name>`, for the server's Map."""
        records, record = "/v0/<base_id>/<table>", "/v0/<base_id>/<table>/<record_id>"
        meta = "/v0/meta/bases/<base_id>/tables"
        routes = [
            ("/v0/meta/whoami", "whoami", ["GET"]),
            ("/v0/meta/bases", "list_bases", ["GET"]),
            (meta, "base_schema", ["GET"]),
            (f"{meta}/<table>/fields", "create_field", ["POST"]),
            (f"{meta}/<table>/fields/<field_id>", "update_field", ["PATCH"]),
            (records, "list_records", ["GET"]),
            (records, "create_records", ["POST"]),
            (records, "update_records", ["PATCH", "PUT"]),
            (records, "delete_records", ["DELETE"]),
            (f"{records}/listRecords", "list_records_post", ["POST"]),
            (record, "get_record", ["GET"]),
            (record, "update_record", ["PATCH", "PUT"]),
            (record, "delete_record", ["DELETE"]),
            (f"{record}/comments", "list_comments", ["GET"]),
            (f"{record}/comments", "add_comment", ["POST"]),
            ("/v0/<base_id>/<record_id>/<field>/uploadAttachment", "upload_attachment", ["POST"]),
        ]
        return [Rule(path, endpoint=f"airtable.{name}", methods=m) for path, name, m in routes]

    def dispatch(self, endpoint: str, request: Request, values: dict[str, Any]) -> Response:
        """Answer one request routed to an `airtable.*` endpoint."""
        try:
            keys = [("token:" + request.headers.get("Authorization", ""), "token")]
            if "base_id" in values:
                keys.append(("base:" + str(values["base_id"]), "base"))
            self._admit(keys)
            with self.lock, self._transaction():
                answer = self._handle(endpoint.removeprefix("airtable."), request, values)
            return _json(200, answer)
        except _RateLimited:
            return _json(429, RATE_LIMITED)
        except AirtableError as error:
            return _json(error.status, error.body())

    def seed(self, name: str, anchor: date) -> None:
        """Replace the Airtable data with a seed: "empty" (the scheme) or "demo"."""
        with self.lock, self._transaction():
            airtable_seed.seed(self.store, name, anchor, self.now())
            self.lister = Lister(self.store, self.now)

    def bulk_create(
        self,
        table: str,
        rows: list[dict[str, Any]],
        base_id: str = airtable_seed.BASE_ID,
        typecast: bool = False,
    ) -> list[str]:
        """Insert many records at once, checked as the API checks them but without its limits
        (10 a request, 5 requests a second); for benchmarks that need a big table first."""
        with self.lock, self._transaction():
            base = self._base(base_id)
            found = self._table(base, table)
            cells = Cells(self.store, base, self.now(), typecast=typecast)
            created = self.writer.create(cells, found, {"records": []}, rows)
        return [record["id"] for record in created["records"]]

    def add_field(
        self, table: str, body: dict[str, Any], base_id: str = airtable_seed.BASE_ID
    ) -> dict[str, Any]:
        """Add a field as a base's owner does in Airtable's UI: any type, formulas, lookups and
        rollups included, which the Web API cannot create (see computed.py for their options:
        fields by name or id, a rollup's `function`, a formula's `result`). Returns the field
        as the meta API shows it."""
        with self.lock, self._transaction():
            base = self._base(base_id)
            added = new_field(base, self._table(base, table), body, seeding=True)
            self.store.add_field(base.id, self._table(base, table).id, added)
        return added.meta()

    # ------------------------------------------------------------ plumbing

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        began = not self.conn.in_transaction
        if began:
            self.conn.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.store_forget()
            if began:
                self.conn.rollback()
            raise
        if began:
            self.conn.commit()

    def store_forget(self) -> None:
        """Drop cached schema objects a failed request may have changed in memory."""
        if hasattr(self, "store"):
            self.store.forget()

    def reset_rate_limits(self) -> None:
        """Forget every window and penalty (a test that moves `clock` starts afresh)."""
        with self._rate_lock:
            self._windows.clear()
            self._blocked_until.clear()

    def _admit(self, keys: list[tuple[str, str]]) -> None:
        """Count a request against its token and base, or refuse it: a key over its limit,
        or still in the penalty an earlier 429 started, answers 429 and is not counted."""
        if not self.rate_limit_per_second:
            return
        limits = {"base": self.rate_limit_per_second, "token": self.token_limit_per_second}
        with self._rate_lock:
            moment = self.clock()
            if any(moment < self._blocked_until.get(key, 0.0) for key, _ in keys):
                raise _RateLimited
            windows = [self._windows.setdefault(key, deque()) for key, _ in keys]
            for window in windows:
                while window and window[0] <= moment - 1.0:
                    window.popleft()
            pairs = zip(keys, windows, strict=True)
            over = [key for (key, kind), window in pairs if len(window) >= limits[kind]]
            if over:
                for key in over:
                    self._blocked_until[key] = moment + self.rate_limit_penalty_seconds
                raise _RateLimited
            for window in windows:
                window.append(moment)

    def _base(self, base_id: str) -> BaseDef:
        base = self.store.base(base_id)
        if base is None:
            raise AirtableError(403, "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND", MODEL_NOT_FOUND)
        return base

    def _table(self, base: BaseDef, name: str) -> TableDef:
        table = base.table(name)
        if table is None:
            raise AirtableError(
                404, "TABLE_NOT_FOUND", f"Could not find table {name} in application {base.id}"
            )
        return table

    # ------------------------------------------------------------ endpoints

    def _handle(self, name: str, request: Request, values: dict[str, Any]) -> Any:
        if name == "whoami":
            return WHOAMI
        if name == "list_bases":
            return list_bases(self.store)
        base = self._base(str(values["base_id"]))
        if name == "base_schema":
            include = request.args.getlist("include") + request.args.getlist("include[]")
            return base_schema(base, include)
        body = _body(request) if request.method in {"POST", "PATCH", "PUT"} else {}
        if name == "upload_attachment":
            return extras.upload(
                self.conn, base, str(values["record_id"]), str(values["field"]), body, self.now()
            )
        table = self._table(base, str(values["table"]))
        if name in {"list_comments", "add_comment"}:
            return self._comments(name, request, base, table, str(values["record_id"]), body)
        if name in WRITE_KEYS and set(body) - WRITE_KEYS[name]:
            raise invalid_request()
        cells = Cells(self.store, base, self.now(), typecast=bool(body.get("typecast")))
        replace = request.method == "PUT"
        by_id = request.args.get("returnFieldsByFieldId", "").lower() in {"1", "true"}
        record_id = str(values.get("record_id", ""))
        handlers: dict[str, Callable[[], Any]] = {
            "create_field": lambda: create_field(self.store, base, table, body),
            "update_field": lambda: update_field(
                self.store, base, table, str(values["field_id"]), body
            ),
            "list_records": lambda: self.lister.list_records(
                cells, table, ListQuery.from_args(request.args)
            ),
            "list_records_post": lambda: self.lister.list_records(
                cells, table, ListQuery.from_body(body)
            ),
            "get_record": lambda: self.lister.get(cells, table, record_id, by_id),
            "create_records": lambda: self.writer.create(cells, table, body),
            "update_records": lambda: self.writer.update(cells, table, body, replace),
            "update_record": lambda: self.writer.update_one(cells, table, record_id, body, replace),
            "delete_records": lambda: self._delete(cells, table, request.args.getlist("records[]")),
            "delete_record": lambda: self._delete(cells, table, [record_id])["records"][0],
        }
        return handlers[name]()

    def _comments(
        self,
        name: str,
        request: Request,
        base: BaseDef,
        table: TableDef,
        record_id: str,
        body: dict[str, Any],
    ) -> Any:
        people = self.store.collaborators(base.id)
        if name == "add_comment":
            return extras.add_comment(self.conn, base, table, record_id, body, people, self.now())
        offset = request.args.get("offset")
        return extras.list_comments(self.conn, table, record_id, offset, people)

    def _delete(self, cells: Cells, table: TableDef, ids: list[str]) -> dict[str, Any]:
        answer = self.writer.delete(table, ids)
        self.writer.unlink(cells, table, ids)
        return answer
