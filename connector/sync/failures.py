"""A source that fails while the others answer: what counts as its failure, and its part of
the portfolio as the last committed run left it, so that the others' run goes on.

A site that keeps failing through the retry budget (5xx, timeouts, dropped connections), that
refuses the token, whose certificate fails, or whose monthly call budget is spent, is that
source's failure: the run reads, judges and writes the other sources, and the failed one keeps
its last committed records for the portfolio's rules and likelihood; nothing is written to it
and its cursor stays, so the next run reads what it missed. A bad config or an unfit mapping
is the admin's to fix and still stops the run before any write.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from connector.config import AuthRefused, redact
from connector.sources.retry import CertificateRefused, ToolUnavailable
from connector.sources.usage import BudgetSpent
from connector.sync.keys import unqualified
from connector.sync.state import StateStore
from mappings.errors import RdsyncError
from mappings.model import EntityKind
from mappings.records import MappedRecords

SOURCE_FAILURES: tuple[type[Exception], ...] = (
    ToolUnavailable,
    AuthRefused,
    CertificateRefused,
    BudgetSpent,
)

# `rdsync sync`'s exit status when the run completed but a source failed (named on stderr, in
# the health file and in `rdsync status`): not 0, so that a scheduler or monitor sees it; not
# 3 (a tool kept failing and nothing was done), because the other sources were synced.
PARTIAL_EXIT = 4


def reason(error: BaseException) -> str:
    """One line saying why a source failed (where and what; the log has the fix too), its
    tokens redacted."""
    text = str(error)
    if isinstance(error, RdsyncError):
        text = f"{error.where}: {error.message}" if error.where else error.message
    return redact(" ".join(text.split()))


def last_parts(store: StateStore, names: Iterable[str]) -> dict[str, MappedRecords]:
    """Each source's entities and measurements as the newest committed run mapped them, their
    keys as the source knows them (for the run to scope anew); nothing for a source when no
    run has committed yet."""
    parts = {name: MappedRecords() for name in names}
    found = store.outputs() if parts else None
    if found is None:
        return parts
    indicators: dict[str, str] = {}  # key in that run's architecture -> source
    for entity in found[1].entities:
        part = parts.get(entity.source)
        if part is None:
            continue
        if entity.kind == EntityKind.INDICATOR:
            indicators[entity.key] = entity.source
        part.entities.append(entity.model_copy(update=_own_keys(entity.source, entity)))
    for m in store.measurements() if indicators else ():
        name = indicators.get(m.indicator_key)
        if name is not None:
            key = unqualified(name, m.indicator_key)
            parts[name].measurements.append(dataclasses.replace(m, indicator_key=key))
    return parts


def _own_keys(name: str, entity: Any) -> dict[str, Any]:
    """The entity's key and references with the source's own qualification taken off."""
    update: dict[str, Any] = {"key": unqualified(name, entity.key)}
    if entity.parent_key is not None:
        update["parent_key"] = unqualified(name, entity.parent_key)
    if getattr(entity, "drives", None):
        update["drives"] = [unqualified(name, key) for key in entity.drives]
    if entity.blocks:
        update["blocks"] = [unqualified(name, key) for key in entity.blocks]
    return update
