"""What rules and judgements produce: findings, rubric ratings, judgements and assessments."""

from __future__ import annotations

from datetime import date
from enum import IntEnum, StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


class Rating(IntEnum):
    """The manual's four-point scale (Rule 7 assessment framework)."""

    RED = 1
    AMBER_RED = 2
    AMBER_GREEN = 3
    GREEN = 4

    @property
    def label(self) -> str:
        return {1: "Red", 2: "Amber/Red", 3: "Amber/Green", 4: "Green"}[self.value]

    @property
    def option(self) -> str:
        """The write-back select option, e.g. `2 - Amber/Red`."""
        return f"{self.value} - {self.label}"


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


class Judgement(BaseModel):
    """One of the five judgements of the assessment framework, with the evidence behind it."""

    model_config = ConfigDict(frozen=True)

    name: str  # one of JUDGEMENTS
    rating: Rating
    rationale: str  # one line that quotes its data


JUDGEMENTS = (
    "Degree of the challenge",
    "Quality of planning",
    "Capacity to drive progress",
    "Stage of delivery",
    "Evidence of progress",
)


class Assessment(BaseModel):
    """The likelihood of delivery of one strategy, target, outcome or priority."""

    model_config = ConfigDict(frozen=True)

    key: str
    kind: str
    name: str = ""
    assessed_on: date
    judgements: list[Judgement] = Field(default_factory=list)
    likelihood: Rating
    caps: list[str] = Field(default_factory=list)  # why the rating is lower than the judgements
    previous: Rating | None = None  # the rating at the last assessment, when known
    team_rating: Rating | None = None
    problem_level: int | None = None  # Rule 8: 1 nudge .. 4 crisis management (Red, Amber/Red)
    problem_reason: str | None = None

    @property
    def rationale_lines(self) -> list[str]:
        lines = [f"{j.name}: {j.rating.value} - {j.rationale}" for j in self.judgements]
        lines.extend(f"Capped: {c}" for c in self.caps)
        return lines


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
