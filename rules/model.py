"""What rules and judgements produce: findings, rubric ratings, judgements and assessments."""

from __future__ import annotations

from datetime import date
from enum import IntEnum, StrEnum
from typing import Any, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

_RANKS = {"error": 0, "warning": 1, "info": 2}
LABELS = {1: "Red", 2: "Amber/Red", 3: "Amber/Green", 4: "Green"}  # a rating's words
OPTIONS = {value: f"{value} - {label}" for value, label in LABELS.items()}  # "2 - Amber/Red"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANKS[self]


class Rating(IntEnum):
    """The manual's four-point scale (Rule 7 assessment framework)."""

    RED = 1
    AMBER_RED = 2
    AMBER_GREEN = 3
    GREEN = 4

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def option(self) -> str:
        """The write-back select option, e.g. `2 - Amber/Red`."""
        return OPTIONS[self]


def share_fields_set(model: BaseModel, fields: set[str]) -> None:
    """Give a model the one set of the fields it was given that all its like share.

    A run makes tens of thousands of findings and assessments; a set apiece is as many more
    objects for the cyclic garbage collector to walk. Only models whose set is never changed in
    place share one: they are frozen, and `model_copy` copies the set before it adds to it.
    """
    object.__setattr__(model, "__pydantic_fields_set__", fields)


class Finding(BaseModel):
    """One rule's verdict on one ticket or record: the fact, and the action that fixes it."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    severity: Severity
    key: str  # the ticket key or record id a team can open
    kind: str | None = None  # the entity kind of `key`, when known
    message: str
    fix: str
    field: str | None = None


class Judgement(NamedTuple):
    """One of the five judgements of the assessment framework, with the evidence behind it.

    A value, not a model: a run over a large portfolio makes 150,000 of them. Its rating is
    1 (Red) to 4 (Green); a `Rating` where it is read from an `Assessment`.
    """

    name: str  # one of JUDGEMENTS
    rating: int
    rationale: str  # one line that quotes its data


# A judgement as a plain (name, rating, rationale) tuple of str and int: the form a run keeps,
# which the cyclic garbage collector stops tracking (a `Judgement` is a subtype).
Judged = tuple[str, int, str]


JUDGEMENTS = (
    "Degree of the challenge",
    "Quality of planning",
    "Capacity to drive progress",
    "Stage of delivery",
    "Evidence of progress",
)


RATINGS = {int(r): r for r in Rating}


class Agreed(BaseModel):
    """The rating agreed at a stock take, beside rdsync's own (docs/likelihood.md, "The rating
    agreed at the stock take").

    In force while it is dated and no evidence is newer than that date: the manual's rating is
    the consensus, reached on the delivery team's independent assessment, so the portfolio
    views (the heat map, the counts) use it until new evidence asks for a new consensus."""

    model_config = ConfigDict(frozen=True)

    rating: Rating
    on: date | None = None  # the day it was agreed; None: not said, so never in force
    note: str | None = None
    evidence_on: date | None = None  # the latest evidence of the item, today or before
    evidence: str | None = None  # what that evidence is, e.g. "a measurement of DEL-3"

    @property
    def in_force(self) -> bool:
        return self.on is not None and (self.evidence_on is None or self.evidence_on <= self.on)


class Assessment(BaseModel):
    """The likelihood of delivery of one strategy, target, outcome or priority.

    Its judgements are kept as (name, rating, rationale) tuples of str and int, which the cyclic
    garbage collector stops tracking (a tuple holding a `Rating` it keeps walking): on a
    100,000-entity portfolio, 145,000 tracked judgements cost a full collection per run.
    `judgements` gives them as `Judgement`s; the JSON form is a list of objects either way.
    """

    model_config = ConfigDict(frozen=True)

    key: str
    kind: str
    name: str = ""
    assessed_on: date
    judged: tuple[Judged, ...] = ()  # (name, rating, rationale), in the order of JUDGEMENTS
    likelihood: Rating
    caps: tuple[str, ...] = ()  # why the rating is lower than the decision table's row gives
    # The row of the decision table (rules/decision_table.py) the five judgements met: its
    # stable id ("G1") and its words; empty in assessments stored before the table.
    row: str = ""
    row_words: str = ""
    previous: Rating | None = None  # the rating at the last assessment, when known
    team_rating: Rating | None = None
    problem_level: int | None = None  # Rule 8: 1 nudge .. 4 crisis management (Red, Amber/Red)
    problem_reason: str | None = None
    agreed: Agreed | None = None  # the rating agreed at the last stock take, where mapped

    @model_validator(mode="before")
    @classmethod
    def _from_judgements(cls, data: Any) -> Any:
        """Accept `judgements` (Judgement values or JSON objects) for `judged`."""
        if isinstance(data, dict) and "judgements" in data:
            data = dict(data)
            data["judged"] = tuple(_judged(j) for j in data.pop("judgements"))
        return data

    @model_serializer(mode="wrap")
    def _as_judgements(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Write `judged` as `judgements`, a list of {name, rating, rationale} objects."""
        found: dict[str, Any] = handler(self)
        return {
            "judgements" if field == "judged" else field: (
                [{"name": n, "rating": r, "rationale": t} for n, r, t in value]
                if field == "judged"
                else value
            )
            for field, value in found.items()
        }

    @classmethod
    def trusted(cls, values: dict[str, Any], fields_set: set[str]) -> Assessment:
        """An assessment of values already of the fields' types, every field named, made as
        `model_construct` makes one (no validation) but without its generic work: for the
        30,000 a run over a large portfolio makes. `fields_set` is shared, never changed.

        The values are set one by one, in the order given, rather than `values` made the
        instance's dict: Python then keeps one table of the field names for all the instances
        and a row of values each (280 bytes against 464 for a dict of its own, 6 MB at 100,000
        entities); the fields read and dump in the same order either way."""
        assessment = cls.__new__(cls)
        for name, value in values.items():
            object.__setattr__(assessment, name, value)
        object.__setattr__(assessment, "__pydantic_fields_set__", fields_set)
        object.__setattr__(assessment, "__pydantic_extra__", None)
        object.__setattr__(assessment, "__pydantic_private__", None)
        return assessment

    @property
    def rating_in_force(self) -> Rating:
        """The rating the portfolio views use: the agreed one while it is in force, else
        rdsync's own assessment."""
        agreed = self.agreed
        return agreed.rating if agreed is not None and agreed.in_force else self.likelihood

    @property
    def judgements(self) -> list[Judgement]:
        return [Judgement(name, RATINGS[rating], text) for name, rating, text in self.judged]

    @property
    def rationale_lines(self) -> list[str]:
        lines = [f"{name}: {rating} - {text}" for name, rating, text in self.judged]
        if self.row:
            lines.append(f"Row {self.row}: {self.row_words}")
        lines.extend(f"Capped: {c}" for c in self.caps)
        return lines


def _share_field_names(cls: type[BaseModel]) -> None:
    """Fix the table of field names that `Assessment.trusted` instances share: Python fills it
    from the first instances given attributes one by one, and names given first by other code
    can leave no room for the last fields (the test suite's imports did: each instance then
    had a dict of its own again), so the first instance sets every field, in order."""
    bare = cls.__new__(cls)
    for name in cls.model_fields:
        object.__setattr__(bare, name, None)


_share_field_names(Assessment)


def _judged(judgement: Any) -> Any:
    if isinstance(judgement, dict):
        return (judgement.get("name"), judgement.get("rating"), judgement.get("rationale"))
    if isinstance(judgement, tuple) and len(judgement) == 3:
        name, rating, rationale = judgement
        return (name, int(rating) if isinstance(rating, int) else rating, rationale)
    return judgement


RUBRIC_CRITERIA = (
    "Aspiration",
    "Strategies",
    "Delivery chain",
    "Trajectory",
    "Feedback loops",
    "Leadership and accountability",
    "Resources",
    "Risks",
)


class RubricRating(BaseModel):
    """One criterion of the delivery planning rubric (Rule 5), rated for one plan."""

    model_config = ConfigDict(frozen=True)

    priority_key: str
    criterion: str  # one of RUBRIC_CRITERIA
    rating: Rating
    codes: list[str] = Field(default_factory=list)  # the rule codes behind a rating below Green
