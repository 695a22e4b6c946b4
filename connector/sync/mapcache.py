"""Mapped records kept by record digest, so that a run maps only the records that changed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from connector.sources.base import Source
from connector.sync.steps import map_guarded
from mappings.model import BaseEntity, DataProblem, Measurement
from mappings.records import MappedRecords, Skipped


class Piece(NamedTuple):
    """What one record mapped to (`digest`: the record's digest when it was mapped)."""

    digest: str
    entities: tuple[BaseEntity, ...]
    measurements: tuple[Measurement, ...]
    problems: tuple[DataProblem, ...]
    skipped: tuple[Skipped, ...]


@dataclass
class MapCache:
    """One source's records as mapped, under the fingerprint of what mapping them read
    besides the record (`Source.map_fingerprint`: the mapping, the site's field names)."""

    fingerprint: str
    notes: list[str] = field(default_factory=list)
    pieces: dict[str, Piece] = field(default_factory=dict)
    # (kind, relation) -> the field it is read from, as the site names it (RD902 says it):
    # learnt from the records mapped, so kept for the runs that map only a few of them
    relation_fields: dict[tuple[str, str], str] = field(default_factory=dict)


@dataclass
class Mapped:
    """A source's records mapped this run; `cache` for the next run (None: its records do not
    map one by one, or an output could not be told to its record), `reused` the keys whose
    mapping came from the cache: unchanged since a committed run mapped and stored them."""

    records: MappedRecords
    cache: MapCache | None
    reused: frozenset[str] = frozenset()


def map_cached(
    source: Source, records: Mapping[str, Any], digests: Mapping[str, str], kept: MapCache | None
) -> Mapped:
    """`map_guarded` over the records, mapping again only those whose digest differs from the
    kept one's (or all, when the mapping's fingerprint changed): a record maps alone, so its
    entities, measurements and problems are a function of its JSON and the fingerprint."""
    fingerprint = source.map_fingerprint()
    if fingerprint is None:
        return Mapped(map_guarded(source, dict(records)), None)
    valid = kept if kept is not None and kept.fingerprint == fingerprint else None
    pieces: dict[str, Piece] = {}
    todo: dict[str, Any] = {}
    for key, record in records.items():
        piece = valid.pieces.get(key) if valid is not None else None
        if piece is not None and piece.digest == digests.get(key):
            pieces[key] = piece
        else:
            todo[key] = record
    reused = frozenset(pieces)
    fresh = map_guarded(source, todo)
    split = _split(fresh, todo, digests)
    if split is None:  # an output names no record of the batch: mapped all, cached nothing
        return Mapped(map_guarded(source, dict(records)), None)
    pieces.update(split)
    notes = fresh.notes if todo or valid is None else valid.notes
    labels = {**(valid.relation_fields if valid is not None else {}), **fresh.relation_fields}
    out = MappedRecords(notes=list(notes), relation_fields=dict(labels))
    for key in records:  # in the records' order, as mapping them all at once gives
        piece = pieces[key]
        out.entities += piece.entities
        out.measurements += piece.measurements
        out.problems += piece.problems
        out.skipped += piece.skipped
    return Mapped(out, MapCache(fingerprint, list(notes), pieces, labels), reused)


def _split(
    mapped: MappedRecords, records: Mapping[str, Any], digests: Mapping[str, str]
) -> dict[str, Piece] | None:
    """The batch's outputs by the record each came from (a facet's entity `KEY#facet` from
    `KEY`); None when one names a key outside the batch."""
    found: dict[str, list[list[Any]]] = {key: [[], [], [], []] for key in records}
    groups: tuple[Iterable[Any], ...] = (
        ((e.key, e) for e in mapped.entities),
        ((m.indicator_key, m) for m in mapped.measurements),
        ((p.key, p) for p in mapped.problems),
        ((s.key, s) for s in mapped.skipped),
    )
    for slot, items in enumerate(groups):
        for key, item in items:
            lists = found.get(str(key).partition("#")[0])
            if lists is None:
                return None
            lists[slot].append(item)
    return {
        key: Piece(digests.get(key, ""), *(tuple(items) for items in lists))
        for key, lists in found.items()
    }
