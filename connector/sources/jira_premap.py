"""A Jira read's issues mapped as their page comes, while the site prepares the next page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from mappings.jira import IssueMapper
from mappings.records import MappedRecords, cyclic_gc_paused


class Premapped:
    """A read's issues mapped as their page came, while the site prepares the next page (the
    mapping was a quarter of a read + map's client time, after the read). An indicator waits
    for its whole changelog, fetched after the pages: it is mapped once its batch is whole,
    while the next batch is fetched. Each issue's output is held as tuples (none: one shared
    empty tuple), by key, beside the very record it came from: `map` takes it only for that
    record."""

    def __init__(self, mapper: IssueMapper | None = None) -> None:
        self.mapper = mapper
        self.pieces: dict[str, tuple[Any, ...]] = {}

    def issues(
        self,
        issues: Iterable[Any],
        records: dict[str, Any],
        waits: Callable[[dict[str, Any]], bool] | None,
    ) -> None:
        """Map those of `issues` that `records` kept (as those very objects), but for those
        that `waits` says are not whole yet."""
        if self.mapper is None:
            return
        piece = MappedRecords()
        with cyclic_gc_paused():
            for item in issues:
                if not isinstance(item, dict):
                    continue
                issue: dict[str, Any] = item
                key = issue.get("key")
                if not isinstance(key, str) or records.get(key) is not issue:
                    continue
                if waits is not None and waits(issue):
                    continue
                try:
                    self.mapper.into(issue, piece)
                except Exception:  # `map` maps it again, under the run's guard
                    piece = MappedRecords()
                    continue
                self.pieces[key] = (
                    issue,
                    tuple(piece.entities),
                    tuple(piece.measurements),
                    tuple(piece.problems),
                    tuple(piece.skipped),
                )
                for held in (piece.entities, piece.measurements, piece.problems, piece.skipped):
                    held.clear()

    def take(self, key: str, record: Any, out: MappedRecords) -> bool:
        """Add what `record` mapped to, if it was mapped so; whether it was."""
        piece = self.pieces.get(key)
        if piece is None or piece[0] is not record:
            return False
        out.entities += piece[1]
        out.measurements += piece[2]
        out.problems += piece[3]
        out.skipped += piece[4]
        return True
