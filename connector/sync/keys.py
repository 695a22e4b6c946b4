"""The keys of a run's architecture, scoped by source: a key stays plain (DEL-1) where one
source holds it and becomes "<source>:<key>" (hr:DEL-1) where two or more do.

Two Jira sites may each have a project DEL: their DEL-1s are two tickets. Reports, findings
and links keep the plain key a team knows wherever it is unambiguous, and the qualified one
where a reader needs to be told which site; the state store keys every record, assessment and
write by (source, plain key) all the same, so that a key's history survives a second source
being added. Two sources on one site that both read a ticket read the same ticket twice:
it gets an RD904 finding, and neither writes it.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from connector.sync.references import SEPARATOR, References, unresolved
from mappings.model import BaseEntity, DataProblem, Strategy
from mappings.records import MappedRecords

V = TypeVar("V")


def unqualified(source: str, key: str) -> str:
    """A key of the architecture back as its source knows it."""
    prefix = source + SEPARATOR
    return key[len(prefix) :] if key.startswith(prefix) else key


def by_architecture(
    stored: Mapping[tuple[str, str], V], sources: Mapping[str, str]
) -> dict[str, V]:
    """Values the state store keeps by (source, plain key), by the keys of the architecture
    (`sources`: each key's source). A row stored before keys were scoped (source '') counts
    for whichever source now holds its key."""
    found: dict[str, V] = {}
    for key, source in sources.items():
        plain = unqualified(source, key)
        value = stored.get((source, plain))
        if value is None:
            value = stored.get(("", plain))
        if value is not None:
            found[key] = value
    return found


@dataclass(frozen=True)
class KeyScope:
    """Which plain keys more than one source holds, and which of them one site holds twice."""

    shared: frozenset[str] = frozenset()
    twice: Mapping[str, frozenset[str]] = field(default_factory=dict)  # source -> plain keys

    def key(self, source: str, plain: str) -> str:
        """The key of a source's record (or entity) in the architecture."""
        return f"{source}{SEPARATOR}{plain}" if plain in self.shared else plain

    def writable(self, source: str, plain: str) -> bool:
        """Whether the source may write the record: not if another source reads it too."""
        return plain not in self.twice.get(source, frozenset())

    def local(self, source: str, text: str | None) -> str | None:
        """Text written back to one of the source's records, its own keys plain again: on
        the hr site, "hr:DEL-2" is DEL-2 (reports keep the qualified key)."""
        if not text or not self.shared:
            return text
        own = re.compile(rf"(?<![\w:]){re.escape(source + SEPARATOR)}([A-Za-z0-9_#-]+)")
        return own.sub(lambda m: m[1] if m[1] in self.shared else m[0], text)


def scope_keys(
    mapped: Mapping[str, MappedRecords],
    records: Mapping[str, Iterable[str]],
    sites: Mapping[str, str],
) -> tuple[MappedRecords, KeyScope]:
    """The sources' mapped records as one, keys qualified where sources share them.

    `records` are the keys each source read (a record that could not be mapped still holds
    its key; given as the records by key, a REST URL's issue id is found too); `sites` each
    source's site (Jira URL, Airtable base), which tells a ticket read twice from two tickets
    of one key. A reference (a parent, a "Drives" link) is resolved across sources
    (`connector.sync.references`): to a shared key it means the referring source's own record
    when it has one; one that names no record is an RD902 and is dropped.
    """
    keys = {name: _keys(part, records.get(name, ())) for name, part in mapped.items()}
    if len(mapped) == 1:  # every key its own: spare a large portfolio the index
        ((name, only),) = keys.items()
        refs = References(_Solo(name, only), sites, KeyScope().key, records)
        return _qualified(name, mapped[name], KeyScope(), refs, only), KeyScope()
    holders: dict[str, set[str]] = defaultdict(set)
    for name, held in keys.items():
        for key in held:
            holders[key].add(name)
    shared = frozenset(key for key, names in holders.items() if len(names) > 1)
    scope = KeyScope(shared, _twice(shared, holders, sites)) if shared else KeyScope()
    refs = References(holders, sites, scope.key, records)
    merged = MappedRecords()
    for name, part in mapped.items():
        merged.extend(_qualified(name, part, scope, refs, keys[name] - shared))
    merged.problems.extend(_read_twice(scope, sites))
    return merged, scope


class _Solo(Mapping[str, frozenset[str]]):
    """The holders of one source's keys, all its own, without an index of them."""

    def __init__(self, name: str, keys: AbstractSet[str]) -> None:
        self.own, self.keys_ = frozenset((name,)), keys

    def __getitem__(self, key: str) -> frozenset[str]:
        if key not in self.keys_:
            raise KeyError(key)
        return self.own

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys_)

    def __len__(self) -> int:
        return len(self.keys_)


def _keys(part: MappedRecords, records: Iterable[str]) -> set[str]:
    keys = set(records)
    keys.update(entity.key for entity in part.entities)
    keys.update(problem.key for problem in part.problems)
    return keys


def _twice(
    shared: frozenset[str], holders: Mapping[str, Iterable[str]], sites: Mapping[str, str]
) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for key in shared:
        by_site: dict[str, list[str]] = defaultdict(list)
        for name in holders[key]:
            by_site[sites.get(name, name)].append(name)
        for names in by_site.values():
            if len(names) > 1:
                for name in names:
                    found[name].add(key)
    return {name: frozenset(keys) for name, keys in found.items()}


def _qualified(
    name: str, part: MappedRecords, scope: KeyScope, refs: References, mine: set[str]
) -> MappedRecords:
    """One source's records with its own shared keys qualified and its references resolved;
    an entity whose key and references are all `mine` (the source's unshared keys) is kept as
    it is: nearly every one."""
    out = MappedRecords(notes=list(part.notes), relation_fields=dict(part.relation_fields))
    shared, kept = scope.shared, out.entities.append
    for entity in part.entities:
        parent, blocks = entity.parent_key, entity.blocks
        if (
            entity.key in shared
            or (parent is not None and parent not in mine)
            or (blocks and not mine.issuperset(blocks))
            or (type(entity) is Strategy and not mine.issuperset(entity.drives))
        ):
            kept(_entity(name, entity, scope, refs, part, out))
        else:
            kept(entity)
    if not scope.shared:
        out.measurements, out.skipped = part.measurements, part.skipped
        out.problems = part.problems + out.problems
        return out

    def ref(key: str) -> str:
        return scope.key(name, key) if name in refs.holders.get(key, ()) else key

    out.measurements = [
        m
        if m.indicator_key not in scope.shared
        else dataclasses.replace(m, indicator_key=ref(m.indicator_key))
        for m in part.measurements
    ]
    out.problems = [p.model_copy(update={"key": ref(p.key)}) for p in part.problems] + out.problems
    out.skipped = [s.model_copy(update={"key": ref(s.key)}) for s in part.skipped]
    return out


def _entity(
    name: str,
    entity: BaseEntity,
    scope: KeyScope,
    refs: References,
    part: MappedRecords,
    out: MappedRecords,
) -> BaseEntity:
    """An entity with its key qualified and its references resolved (or left out: RD902)."""
    key = scope.key(name, entity.key)
    update: dict[str, object] = {"key": key} if key != entity.key else {}
    label = partial(_label, part, entity.kind.value)
    if entity.parent_key is not None:
        parent = _resolved(refs, name, key, "parent", [entity.parent_key], label, out)
        if parent != [entity.parent_key]:
            update["parent_key"] = parent[0] if parent else None
    if isinstance(entity, Strategy) and entity.drives:
        drives = _resolved(refs, name, key, "drives", entity.drives, label, out)
        if drives != entity.drives:
            update["drives"] = drives
    if entity.blocks:  # one outside every scope is ordinary work, left as it is
        blocks = [refs.resolve(name, text)[0] or text for text in entity.blocks]
        if blocks != entity.blocks:
            update["blocks"] = blocks
    return entity.model_copy(update=update) if update else entity


def _label(part: MappedRecords, kind: str, relation: str) -> str:
    return part.relation_fields.get((kind, relation), relation)


def _resolved(
    refs: References,
    name: str,
    key: str,
    relation: str,
    texts: list[str],
    label: Callable[[str], str],
    out: MappedRecords,
) -> list[str]:
    """The keys `texts` name; each that names none is an RD902 on `key` and is left out."""
    found = []
    for text in texts:
        resolved, why = refs.resolve(name, text)
        if resolved is None:
            out.problems.append(unresolved(key, relation, label(relation), text, why))
        else:
            found.append(resolved)
    return found


def _read_twice(scope: KeyScope, sites: Mapping[str, str]) -> list[DataProblem]:
    """RD904 on each copy of a ticket two sources of one site both read: written by neither."""
    problems = []
    for name, keys in sorted(scope.twice.items()):
        for key in sorted(keys):
            others = sorted(n for n, ks in scope.twice.items() if key in ks and n != name)
            shown = ", ".join(f"sources.{n}" for n in others)
            problems.append(
                DataProblem(
                    code="RD904",
                    key=scope.key(name, key),
                    message=f"{key} is in the scope of sources.{name} and of {shown}, on the "
                    f"same site ({sites.get(name, name)}): it is read twice and written by "
                    "neither",
                    fix=f"Narrow the projects or jql of those sources so that {key} is in "
                    "exactly one of them.",
                )
            )
    return problems
