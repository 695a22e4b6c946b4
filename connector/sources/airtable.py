"""Airtable through `pyairtable`: mapped tables page by page, id scans, batched write-back."""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import requests
from pyairtable import Api
from pyairtable.formulas import IS_AFTER, LAST_MODIFIED_TIME, to_formula_str

from connector.clock import SYSTEM, Clock
from connector.config import AirtableSourceConfig, WritebackConfig, refused
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
from connector.sources.incremental import Cursor, ReadResult, Seen
from connector.sources.ratelimit import RateLimiter
from connector.sources.retry import RetryPolicy, ToolUnavailable, status_of
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
    """One configured base: every request goes through the limiter (per base) and the retry
    policy; pyairtable's own retries are off (`retry_strategy=None`)."""

    tool = "airtable"

    def __init__(
        self,
        name: str,
        config: AirtableSourceConfig,
        mapping: AirtableMapping,
        *,
        retry: RetryPolicy | None = None,
        writeback: WritebackConfig | None = None,
        limiter: RateLimiter | None = None,
        clock: Clock = SYSTEM,
    ) -> None:
        self.name = name
        self.clock = clock
        self.config = config
        self.site = f"{config.endpoint_url.rstrip('/').casefold()}/{config.base}"
        self.mapping = mapping
        self.retry = retry or RetryPolicy(tool="Airtable")
        self.writeback = writeback or WritebackConfig()
        self.limiter = limiter or RateLimiter(max(1, int(config.requests_per_second)))
        self.overlap = timedelta(seconds=config.overlap_seconds)
        self.calls: Counter[str] = Counter()
        self.schema: dict[str, Any] = {}
        self.notes: list[str] = []
        self.table_of: dict[str, str] = {}  # record id -> table name, learnt from reads
        timeout = math.ceil(config.timeout_seconds)  # pyairtable types it as whole seconds
        self.api = Api(
            config.token.get_secret_value(),
            endpoint_url=config.endpoint_url,
            timeout=(timeout, timeout),
            retry_strategy=None,
        )
        self.base = self.api.base(config.base)

    def call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """One request: through the limiter (each attempt) and the retry policy."""
        self.calls[what.split(" ")[0]] += 1

        def attempt() -> Any:
            with self.limiter.slot(self.config.base):
                return fn(*args, **kwargs)

        return self.retry.call(f"{self.name}: {what}", attempt)

    # -- connecting -----------------------------------------------------------------------

    def connect(self) -> None:
        """Read the base's schema once; a refused token stops the run naming its config key."""
        try:
            self.schema = self.call("schema", self.api.get, self.base.urls.tables)
        except requests.HTTPError as error:
            if status_of(error) in (401, 403):
                raise refused(self.name, self.config, status_of(error)) from None
            raise
        fields = {
            field["name"] for table in self.schema.get("tables", ()) for field in table["fields"]
        }
        for role, name in self.field_names().items():
            if name not in fields:
                self.notes.append(
                    f"write-back field '{name}' (mapping writeback.{role}) is in no table; "
                    "create it in Airtable or change the mapping"
                )

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

    def read(self, cursor: Cursor | None = None) -> ReadResult:
        """Records modified since the cursor (all, without one), table by table."""
        if not self.schema:
            self.connect()
        cursor = cursor or Cursor()
        since = cursor.since(self.overlap)
        formula = None
        if since is not None:
            formula = to_formula_str(IS_AFTER(LAST_MODIFIED_TIME(), since.astimezone(UTC)))
        counts: Counter[str] = Counter()
        records: dict[str, TableRecord] = {}
        returned: list[Seen] = []
        started = self.clock.now()
        for table, fields in self.tables().items():
            for record in self._records(table, fields, formula, counts):
                version = _digest(record.get("fields") or {})
                returned.append(Seen(record["id"], version, self._updated(record) or started))
                if cursor.is_duplicate(record["id"], version):
                    counts["duplicates"] += 1
                    continue
                records[record["id"]] = TableRecord(table, record)
                self.table_of[record["id"]] = table
        counts["read"] = len(records)
        return ReadResult(records, cursor.advance(returned, self.overlap), since is None, counts)

    def _updated(self, record: dict[str, Any]) -> datetime | None:
        spec = self.mapping.attributes.get("updated")
        raw = (record.get("fields") or {}).get(spec.field) if spec is not None else None
        try:
            return read_datetime(raw) if raw else None
        except ReadError:
            return None

    def _records(
        self, table: str, fields: list[str], formula: str | None, counts: Counter[str]
    ) -> Iterator[dict[str, Any]]:
        """The records of one table, one retried request per page of 100."""
        api_table = self.base.table(table)
        options: dict[str, Any] = {"fields": fields, "page_size": PAGE}
        if formula:
            options["formula"] = formula
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
            ids.update(record["id"] for record in self._records(table, fields, None, counts))
        return ids

    def _primary_field(self, table: str) -> str:
        for found in self.schema.get("tables", ()):
            if found["name"] == table:
                names = {f["id"]: f["name"] for f in found["fields"]}
                return names.get(found.get("primaryFieldId", ""), found["fields"][0]["name"])
        return "Name"

    def map(self, records: dict[str, TableRecord]) -> MappedRecords:
        """The mapped entities and measurements of these raw records."""
        tables: dict[str, list[dict[str, Any]]] = {table: [] for table in self.tables()}
        for table, record in records.values():
            tables.setdefault(table, []).append(record)
        return map_airtable(tables, self.schema, self.mapping, self.name, base_id=self.config.base)

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
