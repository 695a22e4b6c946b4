"""Airtable through `pyairtable`: mapped tables page by page, batched write-back, every call paced
(per base and per token, across runs), counted against the month's budget, and few: the schema
is kept between runs and deletions are found by the daily full read, so an incremental run
with nothing changed costs one request per table."""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import requests
from pyairtable import Api
from pyairtable.formulas import IS_AFTER, LAST_MODIFIED_TIME, to_formula_str

from connector.clock import SYSTEM, Clock
from connector.config import AirtableSourceConfig, WritebackConfig, refused
from connector.sources.airtable_pace import Pace, airtable_limiter, pace_keys, paced
from connector.sources.base import (
    BATCH,
    ROLES,
    ApplyResult,
    CurrentValues,
    Outage,
    Patch,
    Role,
    WriteFailure,
    unavailable,
)
from connector.sources.incremental import Cursor, ReadResult, Seen, SiteTime
from connector.sources.ratelimit import Limiter
from connector.sources.reach import answer, answer_text, not_the_tool, unreachable
from connector.sources.retry import CONNECT_SECONDS, RetryPolicy, ToolUnavailable, status_of
from connector.sources.usage import CallBudget, SourceState
from mappings.airtable import map_airtable
from mappings.config import AirtableMapping
from mappings.readers import ReadError, read_datetime
from mappings.records import MappedRecords

PAGE = 100  # Airtable's largest page


class TableRecord(NamedTuple):
    """A raw record and the table (by name) it was read from."""

    table: str
    record: dict[str, Any]


class AirtableSource:
    """One configured base: every request goes through the limiter (per base and per token)
    and the retry policy; pyairtable's own retries are off (`retry_strategy=None`). With a
    `state` (the state store) the source keeps the base's schema, the limiter's windows and
    the calls it makes, and holds to `monthly_call_budget`."""

    tool = "airtable"

    def __init__(
        self,
        name: str,
        config: AirtableSourceConfig,
        mapping: AirtableMapping,
        *,
        retry: RetryPolicy | None = None,
        writeback: WritebackConfig | None = None,
        limiter: Limiter | None = None,
        clock: Clock = SYSTEM,
        state: SourceState | None = None,
    ) -> None:
        self.name = name
        self.clock = clock
        self.config = config
        self.site = f"{config.endpoint_url.rstrip('/').casefold()}/{config.base}"
        self.mapping = mapping
        self.retry = retry or RetryPolicy(tool="Airtable")
        self.writeback = writeback or WritebackConfig()
        self.state = state
        self.limiter = limiter or airtable_limiter([config], clock, state)
        self.pace = pace_keys(config)
        self.budget = CallBudget(
            name,
            state,
            clock,
            budget=config.monthly_call_budget,
            warn_share=config.budget_warn_share,
            over_budget=config.over_budget,
        )
        self._budget_checked = False
        self.overlap = timedelta(seconds=config.overlap_seconds)
        self.calls: Counter[str] = Counter()
        self.schema: dict[str, Any] = {}
        self.schema_kept = False  # the schema came from the state store, not this run
        self.notes: list[str] = []
        self.schema_notes: list[str] = []  # what the schema said: kept from run to run
        self.table_of: dict[str, str] = {}  # record id -> table name, learnt from reads
        timeout = math.ceil(config.timeout_seconds)  # pyairtable types it as whole seconds
        self.api = Api(
            config.token.get_secret_value(),
            endpoint_url=config.endpoint_url,
            timeout=(min(math.ceil(CONNECT_SECONDS), timeout), timeout),  # (connect, read)
            retry_strategy=None,
        )
        self.base = self.api.base(config.base)
        self.site_time = SiteTime()
        self.api.session.hooks["response"].append(self.site_time)

    def begin_run(self) -> None:
        """A run starts: calls counted afresh, the month's budget checked again at its first
        call; the schema's notes are kept with the schema."""
        self.calls.clear()
        self._budget_checked = False
        self.notes = [note for note in self.notes if note in self.schema_notes]

    def call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """One request: each attempt paced, counted and kept (`airtable_pace.paced`), and
        retried by the policy. The first call of a run checks the month's budget. `calls`
        counts attempts, as Airtable does: a retried request costs two."""
        if not self._budget_checked:
            self._budget_checked = True
            warning = self.budget.check()
            if warning:
                self.notes.append(warning)
        pace = Pace(self.limiter, self.pace, self.config.penalty_seconds, self.budget, self.state)

        def attempt() -> Any:
            self.calls[what.split(" ")[0]] += 1
            return paced(pace, fn, *args, **kwargs)

        return self.retry.call(f"{self.name}: {what}", attempt)

    # -- connecting -----------------------------------------------------------------------

    def connect(self, fresh: bool = True) -> None:
        """Read the base's schema (or, unless `fresh`, take the one kept from an earlier run);
        a refused token stops the run naming its config key, and so does an address where no
        Airtable answers (`sources.<name>.endpoint_url`)."""
        key = f"schema:{self.config.base}"
        kept = None if fresh or self.state is None else self.state.source_value(self.name, key)
        self.schema_kept = kept is not None
        if kept is not None:
            self.schema = json.loads(kept)
            return
        try:
            self.schema = self._reach()
        except requests.HTTPError as error:
            if status_of(error) in (401, 403):
                raise refused(self.name, self.config, status_of(error)) from None
            raise
        if self.state is not None:
            self.state.set_source_value(self.name, key, json.dumps(self.schema))
        fields = {
            field["name"] for table in self.schema.get("tables", ()) for field in table["fields"]
        }
        self.schema_notes = [
            f"write-back field '{name}' (mapping writeback.{role}) is in no table; "
            "create it in Airtable or change the mapping"
            for role, name in self.field_names().items()
            if name not in fields
        ]
        self.notes += [note for note in self.schema_notes if note not in self.notes]

    def _reach(self) -> Any:
        """The first call: the base's schema, from what must be Airtable's API."""
        key, url = f"sources.{self.name}.endpoint_url", self.config.endpoint_url
        asked = f"/v0/meta/bases/{self.config.base}/tables"
        pace = Pace(self.limiter, self.pace, self.config.penalty_seconds, self.budget, self.state)

        def attempt() -> Any:
            self.calls["schema"] += 1  # an attempt, as Airtable counts (see `call`)
            return paced(pace, self.api.get, self.base.urls.tables)

        fix = (
            f"Set {key} to https://api.airtable.com (or leave it out), or to your proxy's address."
        )
        try:
            return self.retry.reach(f"{self.name}: schema", attempt)
        except ToolUnavailable as error:
            raise unreachable("Airtable", key, url, error) from None
        except requests.exceptions.JSONDecodeError as error:
            raise not_the_tool("Airtable", key, url, asked, answer_text(error.doc), fix) from None
        except requests.HTTPError as error:
            if status_of(error) != 404:  # an unknown base is 403, as a refused token is
                raise
            raise not_the_tool("Airtable", key, url, asked, answer(error.response), fix) from None

    def tables(self) -> dict[str, list[str]]:
        """Each mapped table (by name) and the fields to ask for: mapped and write-back only."""
        tables: dict[str, set[str]] = {}
        owned = set(self.field_names().values())
        for kind, entity in self.mapping.entities.items():
            wanted = tables.setdefault(entity.table, set())
            wanted.update(spec.field for spec in self.mapping.attributes_for(kind).values())
            wanted.update(rel.field for rel in self.mapping.relations_for(kind).values())
            if kind in self.mapping.writeback.kinds:
                wanted.update(owned)
            elif kind in self.mapping.writeback.gap_kinds and self.mapping.writeback.gaps:
                wanted.add(self.mapping.writeback.gaps)
        spec = self.mapping.measurements
        if spec is not None:
            wanted = tables.setdefault(spec.table, set())
            wanted.update(f for f in (spec.indicator, spec.date, spec.value, spec.source) if f)
            updated = self.mapping.attributes.get("updated")
            if updated is not None:
                wanted.add(updated.field)  # the Measurements table's cursor field too
        present = self._present_fields()
        return {
            table: sorted(f for f in fields if f in present.get(table, fields))
            for table, fields in tables.items()
        }

    def _present_fields(self) -> dict[str, set[str]]:
        """Fields each table has, by exact name or id (as Airtable matches them): asking for
        one it lacks is a 422, so those are left out."""
        return {
            t["name"]: {key for f in t["fields"] for key in (f["name"], f["id"])}
            for t in self.schema.get("tables", ())
        }

    def field_names(self) -> dict[Role, str]:
        """Write-back role -> field name, for the roles the mapping writes."""
        wanted = self.mapping.writeback
        return {role: getattr(wanted, role) for role in ROLES if getattr(wanted, role)}

    # -- reading --------------------------------------------------------------------------

    def read(
        self, cursor: Cursor | None = None, known: Mapping[str, Any] | None = None
    ) -> ReadResult:
        """Records modified since the cursor (all, without one), table by table (a record
        carries no history: what the last read held, `known`, is not needed).

        An incremental read uses the schema kept from the last run (a full read fetches it
        anew); if the base changed since (a table or field the kept schema names is gone),
        the schema is fetched and the read made again."""
        cursor = cursor or Cursor()
        if not self.schema or (cursor.value is None and self.schema_kept):
            self.connect(fresh=cursor.value is None)
        try:
            return self._read(cursor)
        except requests.HTTPError as error:
            if not self.schema_kept or status_of(error) not in (404, 422):
                raise
            self.connect()
            return self._read(cursor)

    def _read(self, cursor: Cursor) -> ReadResult:
        since = cursor.since(self.overlap)
        formula = None
        if since is not None:
            formula = to_formula_str(IS_AFTER(LAST_MODIFIED_TIME(), since.astimezone(UTC)))
        counts: Counter[str] = Counter()
        records: dict[str, TableRecord] = {}
        returned: list[Seen] = []
        started = self.clock.now()
        self.site_time.value = None  # the site's clock at this read's first answer
        for table, fields in self.tables().items():
            for record in self.records_of(table, fields, formula, counts):
                version = _digest(record.get("fields") or {})
                returned.append(Seen(record["id"], version, self._updated(record) or started))
                if cursor.is_duplicate(record["id"], version):
                    counts["duplicates"] += 1
                    continue
                records[record["id"]] = TableRecord(table, record)
                self.table_of[record["id"]] = table
        counts["read"] = len(records)
        scan = self.config.deletions == "every_sync"  # else the daily full read finds them
        advanced = cursor.advance(returned, self.overlap, self.site_time.value)
        return ReadResult(records, advanced, since is None, counts, scan=scan)

    def _updated(self, record: dict[str, Any]) -> datetime | None:
        spec = self.mapping.attributes.get("updated")
        raw = (record.get("fields") or {}).get(spec.field) if spec is not None else None
        try:
            return read_datetime(raw) if raw else None
        except ReadError:
            return None

    def records_of(
        self,
        table: str,
        fields: list[str],
        formula: str | None,
        counts: Counter[str],
        view: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The records of one table (or of one of its views), one retried request per page
        of 100."""
        api_table = self.base.table(table)
        options: dict[str, Any] = {"fields": fields, "page_size": PAGE}
        if formula:
            options["formula"] = formula
        if view:
            options["view"] = view
        page_number = 0
        while True:
            page_number += 1
            counts["list_calls"] += 1
            page = self.call(
                f"list {table} page {page_number}",
                self.api.request,
                "get",
                api_table.urls.records,
                fallback=("post", api_table.urls.records_post),
                options=dict(options),
            )
            yield from page.get("records") or ()
            if not page.get("offset"):
                return
            options["offset"] = page["offset"]

    def scan_keys(self) -> set[str]:
        """Every record id of the mapped tables, asking for the primary field alone.

        pyairtable drops an empty `fields` list (and then every field comes back), so the
        primary field, short and always present, stands in for "no fields".
        """
        ids: set[str] = set()
        counts: Counter[str] = Counter()
        for table in self.tables():
            fields = [self._primary_field(table)]
            ids.update(record["id"] for record in self.records_of(table, fields, None, counts))
        return ids

    def _primary_field(self, table: str) -> str:
        for found in self.schema.get("tables", ()):
            if found["name"] == table:
                names = {f["id"]: f["name"] for f in found["fields"]}
                return names.get(found.get("primaryFieldId", ""), found["fields"][0]["name"])
        return "Name"

    def map_fingerprint(self) -> None:
        """None: a record's links name other records by id, so records map together."""
        return None

    def map(self, records: dict[str, TableRecord]) -> MappedRecords:
        """The mapped entities and measurements of these raw records."""
        tables: dict[str, list[dict[str, Any]]] = {table: [] for table in self.tables()}
        for table, record in records.values():
            tables.setdefault(table, []).append(record)
        return map_airtable(
            tables,
            self.schema,
            self.mapping,
            self.name,
            base_id=self.config.base,
            time_zone=self.config.time_zone,
        )

    # -- writing --------------------------------------------------------------------------

    def current_values(self, records: dict[str, TableRecord]) -> dict[str, CurrentValues]:
        names = self.field_names()
        return {
            rid: CurrentValues(
                **{role: (rec.record.get("fields") or {}).get(name) for role, name in names.items()}
            )
            for rid, rec in records.items()
        }

    def batches(self, patches: list[Patch]) -> Iterator[list[Patch]]:
        """Ten records of one table at a time: each batch is one `batch_update` request."""
        by_table: dict[str, list[Patch]] = {}
        for patch in patches:
            by_table.setdefault(self.table_of[patch.key], []).append(patch)
        for group in by_table.values():
            for start in range(0, len(group), BATCH):
                yield group[start : start + BATCH]

    def apply(self, patches: list[Patch], outage: Outage | None = None) -> ApplyResult:
        """`batch_update` 10 records a request, per table; a refused batch is retried record
        by record so that one bad record names itself and the others are written. A request
        that kept failing through the retry budget refuses its records (the next run tries
        them again) until `outage` says the base is down.

        Records are patched in the table they were read from (`table_of`).
        """
        outage = outage or Outage(self.name)
        result = ApplyResult()
        for batch in self.batches(patches):
            self._batch(self.table_of[batch[0].key], batch, result, outage)
        return result

    def restore(self, raw: Any) -> TableRecord:
        """A record as the state store kept it ([table, record]) back as `read` returns it."""
        table, record = raw
        self.table_of[record["id"]] = table
        return TableRecord(table, record)

    def planned_comment(self, patch: Patch) -> tuple[str, str] | None:
        """None: rdsync announces a rating change on Airtable by the fields alone."""
        return None

    def settle_comment(self, key: str, comment: str, token: str) -> str:
        """Never asked (no comment is planned on Airtable): an entry is superseded."""
        return "superseded"

    def _batch(self, table: str, patches: list[Patch], result: ApplyResult, outage: Outage) -> None:
        api_table = self.base.table(table)
        records = [{"id": p.key, "fields": _values(p)} for p in patches]
        try:
            result.calls["write"] += 1
            self.call(f"update {table}", api_table.batch_update, records)
        except requests.HTTPError as error:
            if status_of(error) == 401:
                raise refused(self.name, self.config, 401) from None
            if len(patches) == 1:
                result.failures.append(failure(patches[0], error))
                return
            for patch in patches:
                self._batch(table, [patch], result, outage)
            return
        except ToolUnavailable as error:
            result.failures.extend(unavailable(p.key, error) for p in patches)
            outage.failed(error)
            return
        outage.succeeded()
        result.written.extend(p.key for p in patches)


def _values(patch: Patch) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in patch.fields.items():
        if isinstance(value, datetime):
            stamp = value.astimezone(UTC)
            value = stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
        values[name] = value
    return values


def failure(patch: Patch, error: requests.HTTPError) -> WriteFailure:
    """A refused record, in Airtable's words (its error type), with what to do."""
    status = status_of(error)
    try:
        body = error.response.json() if error.response is not None else {}
    except ValueError:
        body = {}
    detail = body.get("error") if isinstance(body, dict) else None
    kind = detail.get("type", "") if isinstance(detail, dict) else str(detail or "")
    message = detail.get("message", "") if isinstance(detail, dict) else ""
    field = next((name for name in patch.fields if name in message), None)
    if kind == "INVALID_MULTIPLE_CHOICE_OPTIONS" or "option" in message.lower():
        name = field or patch.field_names.get("likelihood")
        wanted = patch.changes.get("likelihood")
        return WriteFailure(
            key=patch.key,
            field=name,
            message=f"has no option '{wanted}'",
            fix="add the option in Airtable or change [writeback] in the config",
            status=status,
        )
    if status == 404:
        fix = f"{patch.key} was deleted; the next sync drops it"
    elif status == 403:
        fix = "give the token write access to the base (scope data.records:write)"
    else:
        fix = "create the field with that type in Airtable, or change [writeback] in the mapping"
    return WriteFailure(
        key=patch.key,
        field=field,
        message=f"was refused: {kind} {message}".strip(),
        fix=fix,
        status=status,
    )


def _digest(fields: dict[str, Any]) -> str:
    """A record's version for the boundary check: a hash of its fields."""
    return hashlib.sha1(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()[:16]
