"""The run cache of the likelihood (`RunCache`): what many items of one assessment run share,
made once a run and kept by what it is made from.

Most of what the judgements cost is formatting: a rollup's "2 targets, the weakest", a cap's
reason, a rate's "rise of 1.5 a year" repeat across thousands of items. Each field keeps one
kind of value, by a key of the values it is made from, so an item whose inputs are the same
gets the same text, word for word. `RunCache.cold()` keeps nothing: every look-up misses and
every value is made afresh, which shows that the cache changes no rating and no text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import TYPE_CHECKING, Generic, TypeVar

from rules.model import Judged, Rating

if TYPE_CHECKING:  # rules.decision_table reads Inputs, which holds a RunCache
    from rules.decision_table import Row

_K = TypeVar("_K")
_V = TypeVar("_V")

# A cap's reason: its text, or, for the caps that may not bind, (a `str.format` template, its
# values), formatted only when it binds.
CapReason = str | tuple[str, *tuple[str | float, ...]]
# A cap: a ceiling on a rating, and the reason a CRDO reads for it. Plain tuples, not
# functions: a run makes 100,000 of them.
Cap = tuple[int, CapReason]
Settled = tuple[Rating, list[str]]  # a rating and the reasons of the caps that set it
# A judgement rolled up from the same ratings below: its name, rating, the start of its line,
# the index of the first of the lowest below (whose key the line names), and the line's end.
Rolled = tuple[str, int, str, int, str]


class Days(dict[date, str]):
    """Days as the texts write them (ISO), each formatted once: `days[day]`."""

    __slots__ = ()

    def __missing__(self, day: date) -> str:
        text = self[day] = day.isoformat()
        return text


class _Forgetful(dict[_K, _V], Generic[_K, _V]):
    """A field of a cold cache: it keeps nothing, so every look-up misses."""

    __slots__ = ()

    def __setitem__(self, key: _K, value: _V) -> None:
        pass


class _ForgetfulDays(Days):
    """`Days` that keeps nothing: each day is formatted each time it is asked."""

    __slots__ = ()

    def __setitem__(self, key: date, value: str) -> None:
        pass


@dataclass(slots=True)
class RunCache:
    """What one assessment run makes once and reads many times, a field per kind of value."""

    days: Days = field(default_factory=Days)  # a day's ISO text, by the day
    # A rate as "rise of 1.52 points a year", by the rate at three significant figures ("1.52")
    # and the indicator's unit.
    paces: dict[tuple[str, str | None], str] = field(default_factory=dict)
    # A rollup's rating and the start of its line, by (sum of the ratings, their count, the
    # lowest, the noun of the items below).
    rolled: dict[tuple[int, int, int, str], tuple[int, str]] = field(default_factory=dict)
    # The judgements rolled up from items below, by (the noun of the items, the judgements'
    # names, every rating below, item by item).
    rollups: dict[tuple[str, tuple[str, ...], tuple[int, ...]], list[Rolled]] = field(
        default_factory=dict
    )
    # Quality of planning's rating, "2 points from 2 findings" and their list, by the findings
    # counted, as (severity rank, code, name, severity).
    planning: dict[tuple[tuple[int, str, str, str], ...], tuple[int, str, str]] = field(
        default_factory=dict
    )
    # A strategy owner's " leads 3 active strategies (limit 4)" and whether it is over the
    # limit, by the number they lead.
    leads: dict[int, tuple[str, bool]] = field(default_factory=dict)
    # Capacity's rating, the text before the owner and after, by (delivery chain set, resources
    # set, owner overloaded, milestones due, milestones overdue).
    capacity: dict[tuple[bool, bool, bool, int, int], tuple[int, str, str]] = field(
        default_factory=dict
    )
    # A strategy's Stage of delivery, by (phase, milestones in all, done, due by today).
    stages: dict[tuple[str, int, int, int], Judged] = field(default_factory=dict)
    # A strategy's Evidence of progress rating and its milestones' note, by (milestones met,
    # due, the rolled-up evidence rating of its driven targets or None).
    strategy_evidence: dict[tuple[int, int, int | None], tuple[int, str]] = field(
        default_factory=dict
    )
    # A target's Capacity and Stage rolled up from the strategies driving it, by their keys.
    driven_by: dict[tuple[str, ...], tuple[Judged, Judged]] = field(default_factory=dict)
    # The decision table's row, by an item's five ratings, whether it is in the second half of
    # its time, and whether its date passed short of it (rules/decision_table.py).
    combined: dict[tuple[tuple[int, ...], bool, int], Row] = field(default_factory=dict)
    # A binding cap's text, "at 2 - Amber/Red: ...", by (the rating, the cap's reason).
    cap_texts: dict[tuple[int, CapReason], str] = field(default_factory=dict)
    # An outcome's or priority's two caps from the items below, the average's and the lowest's
    # limit, by the ratings below.
    child_caps: dict[tuple[int, ...], tuple[Cap, int]] = field(default_factory=dict)

    @classmethod
    def cold(cls) -> RunCache:
        """A cache that keeps nothing: a run with it makes every value for every item, as the
        first item of a run does; slower, and the same ratings and texts."""
        cache = cls()
        for each in fields(cls):  # every field, a new one too
            setattr(cache, each.name, _ForgetfulDays() if each.name == "days" else _Forgetful())
        return cache
