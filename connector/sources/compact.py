"""Raw records held compactly: equal reference objects (users, statuses, options) held once,
rdsync's own texts as text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mappings.readers import ReadError, read_paragraph

ROWS = 100  # rows held one at a time between two `settle` calls: as a read's page
SHORT = 24  # texts up to this long recur (field ids, types, option values): shared


class Shared:
    """One read's table of the reference objects met so far. A JSON object that names itself
    by its address (`self`, as Jira's users, statuses, issue types, options and parents do)
    is replaced by the first one met at that address when it is equal to it, and short
    repeated texts in history items (field names, types) by the first equal text.

    A 30,000-issue read repeats a few hundred users in every history entry: held once, the
    records take a fraction of the memory (a third, on the benchmark's site), and their JSON
    (what is hashed and stored) is the same. An object unequal to the one kept at its address
    (an option renamed mid-read), or equal with its keys in another order or a value of
    another type at the top (1 for true), is kept as read."""

    def __init__(self, settle: Callable[[], None] | None = None) -> None:
        self.objects: dict[str, Any] = {}
        self.signs: dict[str, Sign] = {}  # each kept object's keys and the types of its values
        self.texts: dict[str, str] = {}
        self.settle = settle  # called after each `ROWS` rows held (`heap.frozen_pages`)
        self.rows = 0

    def __call__(self, value: Any) -> Any:
        """`value` with its reference objects, keys and short texts shared (lists are updated
        in place; an object comes back as a new dict with the same items in the same order).
        `value` itself, a record, is not kept for sharing: see `page`."""
        held = self._row(value, record=True)
        self.rows += 1
        if self.settle is not None and self.rows % ROWS == 0:
            self.settle()
        return held

    def _row(self, value: Any, record: bool = False) -> Any:
        if isinstance(value, list):
            for at, item in enumerate(value):
                if isinstance(item, dict | list):
                    value[at] = self._row(item)
            return value
        if not isinstance(value, dict):
            return value
        address = None if record else value.get("self")
        if isinstance(address, str):
            kept = self.objects.get(address)
            if kept is not None and self._same(address, kept, value):
                return kept
        texts = self.texts
        # The keys too: JSON parsed one record at a time (the state's rows) holds its own copy
        # of every key ("customfield_10023", "fromString"): a third of a record's memory.
        held = {}
        for key, item in value.items():
            if isinstance(item, dict | list):
                item = self._row(item)
            elif isinstance(item, str) and len(item) <= SHORT:
                item = texts.setdefault(item, item)
            held[texts.setdefault(key, key)] = item
        if isinstance(address, str):
            self._keep(address, held)
        return held

    def page(self, value: Any) -> Any:
        """`value`, parsed from a page the client just received, with its reference objects
        and short texts shared, changed in place. Its keys are left as they are: the parser
        already holds each key of one page once (what `__call__` does for rows parsed one at
        a time), so a read pays only for what repeats across pages.

        A record itself (an issue, or a history entry) is not kept for sharing: it is met once
        a read, and kept at its address it would take the place of the stubs that do repeat
        (an issue's `parent`, at the parent issue's address, in each of its children)."""
        if value.__class__ is dict:
            return self._page_dict(value, record=True)
        if value.__class__ is list:
            self._page_list(value)
        return value

    def _page_dict(self, value: dict[str, Any], record: bool = False) -> dict[str, Any]:
        texts = self.texts
        address = None if record else value.get("self")
        if address.__class__ is str:
            kept = self.objects.get(address)
            if kept is not None and self._same(address, kept, value):
                return kept
        for key, item in value.items():  # only values change: the dict keeps its size
            kind = item.__class__
            if kind is str:
                if len(item) <= SHORT:
                    value[key] = texts.setdefault(item, item)
            elif kind is dict:
                value[key] = self._page_dict(item)
            elif kind is list:
                self._page_list(item)
        if address.__class__ is str:
            self._keep(address, value)
        return value

    def _page_list(self, items: list[Any]) -> None:
        for at, item in enumerate(items):
            kind = item.__class__
            if kind is dict:
                items[at] = self._page_dict(item)
            elif kind is list:
                self._page_list(item)

    def _same(self, address: str, kept: dict[str, Any], value: dict[str, Any]) -> bool:
        """Equal as JSON: values equal, and the same keys in the same order with values of the
        same types (`==` alone takes 1 for true and misses order)."""
        return kept == value and self.signs[address] == _sign(value)

    def _keep(self, address: str, value: dict[str, Any]) -> None:
        if address not in self.objects:
            self.objects[address] = value
            self.signs[address] = _sign(value)

    def text(self, text: str) -> str:
        """The first text equal to `text` met in this read (a ticket's gaps recur)."""
        return self.texts.setdefault(text, text)


Sign = tuple[tuple[str, ...], tuple[type, ...]]


def _sign(value: dict[str, Any]) -> Sign:
    return tuple(value), tuple(map(type, value.values()))


def owned_texts(fields: dict[str, Any], ids: tuple[str, ...], shared: Shared | None) -> None:
    """The texts rdsync itself wrote (rationale, rubric gaps) held as the text they read as,
    in place of the Atlassian document a Cloud site returns them as.

    The planner only asks whether a ticket says what rdsync wants, by that text
    (`connector.sync.plan.normalise_text`, the same for a document and for its text), and no
    mapping reads these fields: a document of a few lines held as parsed JSON takes some
    13 KB, its text a tenth of that. A value that does not read as text is kept as read (the
    planner then rewrites it, as before)."""
    for fid in ids:
        value = fields.get(fid)
        if not isinstance(value, dict) or value.get("type") != "doc":
            continue
        try:
            text = read_paragraph(value)
        except ReadError:
            continue
        fields[fid] = text if shared is None or text is None else shared.text(text)
