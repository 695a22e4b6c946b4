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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from mappings.model import DataProblem
from mappings.records import MappedRecords

SEPARATOR = ":"  # never in a Jira key, an Airtable record id or a facet
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
    its key); `sites` each source's site (Jira URL, Airtable base), which tells a ticket read
    twice from two tickets of one key. A reference to a shared key (a parent, a "Drives"
    link, a measurement) means the referring source's own record when it has one.
    """
    holders: dict[str, set[str]] = defaultdict(set)
    if len(mapped) > 1:  # one source shares no key: spare a large portfolio the index
        for name, part in mapped.items():
            for key in _keys(part, records.get(name, ())):
                holders[key].add(name)
    shared = frozenset(key for key, names in holders.items() if len(names) > 1)
    merged = MappedRecords()
    if not shared:
        for part in mapped.values():
            merged.extend(part)
        return merged, KeyScope()
    scope = KeyScope(shared, _twice(shared, holders, sites))
    for name, part in mapped.items():
        merged.extend(_qualified(name, part, scope, holders))
    merged.problems.extend(_read_twice(scope, sites))
    return merged, scope


def _keys(part: MappedRecords, records: Iterable[str]) -> set[str]:
    keys = set(records)
    keys.update(entity.key for entity in part.entities)
    keys.update(problem.key for problem in part.problems)
    return keys


def _twice(
    shared: frozenset[str], holders: Mapping[str, set[str]], sites: Mapping[str, str]
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
    name: str, part: MappedRecords, scope: KeyScope, holders: Mapping[str, set[str]]
) -> MappedRecords:
    """One source's records with its own shared keys, and its references to them, qualified."""

    def ref(key: str) -> str:
        return scope.key(name, key) if name in holders.get(key, ()) else key

    out = MappedRecords(notes=list(part.notes))
    for entity in part.entities:
        update: dict[str, object] = {"key": ref(entity.key)}
        if entity.parent_key is not None:
            update["parent_key"] = ref(entity.parent_key)
        drives = getattr(entity, "drives", None)
        if drives:
            update["drives"] = [ref(key) for key in drives]
        out.entities.append(entity.model_copy(update=update))
    out.measurements = [
        m
        if m.indicator_key not in scope.shared
        else dataclasses.replace(m, indicator_key=ref(m.indicator_key))
        for m in part.measurements
    ]
    out.problems = [p.model_copy(update={"key": ref(p.key)}) for p in part.problems]
    out.skipped = [s.model_copy(update={"key": ref(s.key)}) for s in part.skipped]
    return out


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
