"""What `rdsync mapping check` reports: problems (one line each: the mapping key, what is wrong,
what the site has instead) and the creations `--fix` can make for them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from connector.mapping_tools.schema import SiteField

SHOWN = 6  # names listed when none is close enough to suggest


@dataclass(frozen=True)
class Creation:
    """A write-back field, or select options on one, that `--fix` can create."""

    role: str  # likelihood, rationale, gaps, assessed
    name: str  # the field's name
    type: str  # the type word: select, paragraph, datetime
    options: tuple[str, ...] = ()  # a new select field's options, or the options to add
    field_id: str | None = None  # set: add `options` to this existing field
    table: str | None = None  # Airtable: the table the field is (to be) in

    def describe(self) -> str:
        where = f" in table '{self.table}'" if self.table else ""
        if self.field_id is not None:
            added = ", ".join(f"'{o}'" for o in self.options)
            return f"add option(s) {added} to field '{self.name}'{where}"
        listed = f" with options {', '.join(self.options)}" if self.options else ""
        return f"create {self.type} field '{self.name}'{where}{listed}"


@dataclass(frozen=True)
class Problem:
    """One finding of `check`: the mapping key, what is wrong, and what the site has instead.

    A `note` is worth knowing but does not fail the check."""

    key: str
    message: str
    hint: str = ""
    creation: Creation | None = None
    note: bool = False

    def line(self) -> str:
        text = f"{self.key}: {self.message}"
        text += f"; {self.hint}" if self.hint else ""
        return f"note: {text}" if self.note else text


def did_you_mean(name: str, candidates: Iterable[str], *, listed: Sequence[str] = ()) -> str:
    """'did you mean 'X'?' from difflib over what the site has, ignoring case; else what the
    site has (`listed`, or the candidates), a few of them."""
    names = list(dict.fromkeys(candidates))
    folded = {candidate.casefold(): candidate for candidate in names}
    close = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.6)
    if close:
        return f"did you mean '{folded[close[0]]}'?"
    shown = list(listed) or names
    if not shown:
        return "the site has none"
    more = f" and {len(shown) - SHOWN} more" if len(shown) > SHOWN else ""
    return "the site has: " + ", ".join(f"'{n}'" for n in shown[:SHOWN]) + more


def field_hint(ref: str, fields: Sequence[SiteField], fitting: Sequence[SiteField]) -> str:
    """A suggestion for a field reference: the closest name, or fields of a fitting type."""
    return did_you_mean(ref, [f.name for f in fields], listed=[f.name for f in fitting])


def typed_hint(ref: str, attribute: str, fitting: Sequence[SiteField]) -> str:
    """For a field of the wrong type: the fitting field closest to the name or attribute."""
    names = [f.name for f in fitting]
    if not names:
        return "the site has no field of that type"
    for wanted in (ref, attribute.replace("_", " ")):
        folded = {n.casefold(): n for n in names}
        close = difflib.get_close_matches(wanted.casefold(), list(folded), n=1, cutoff=0.5)
        if close:
            found = next(f for f in fitting if f.name == folded[close[0]])
            return f"did you mean {found.shown}?"
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return "fields of that type: " + ", ".join(f"'{n}'" for n in names[:SHOWN]) + more
