"""The delivery architecture of DOMAIN.md §1 as pydantic models, each keeping its source key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class EntityKind(StrEnum):
    PRIORITY = "priority"
    OUTCOME = "outcome"
    INDICATOR = "indicator"
    TARGET = "target"
    STRATEGY = "strategy"
    MILESTONE = "milestone"
    RISK = "risk"


class Direction(StrEnum):
    INCREASE = "Increase"
    DECREASE = "Decrease"


class Strict(BaseModel):
    """The base of every strict model: unknown keys are errors, so typos are never ignored; and
    frozen, so values are never changed in place (a change is a new instance)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(Strict):
    """An accountable leader: a Jira accountId, an Airtable collaborator id, or an email."""

    id: str
    name: str | None = None
    email: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.email or self.id


@dataclass(frozen=True, slots=True)
class Measurement:
    """One observed value of an indicator at a date.

    A slotted dataclass, not a model: a portfolio holds hundreds of thousands of them, and a
    pydantic instance costs about six times the memory. The readers validate the values.
    """

    indicator_key: str
    at: date
    value: float
    source: str | None = None
    record_key: str | None = None  # the Airtable Measurements record, when there is one


class TrajectoryPoint(Strict):
    """An intermediate target: the value planned for a date."""

    at: date
    value: float


class BaseEntity(BaseModel):
    """What every item of the delivery architecture has; `kind` says which one it is."""

    model_config = ConfigDict(extra="forbid")

    kind: EntityKind
    key: str  # the ticket key (DEL-12) or record id (rec...) it came from
    name: str = ""
    source: str = ""  # the configured source it was read from, e.g. "jira" or "airtable"
    url: str | None = None
    parent_key: str | None = None
    owners: list[Person] = Field(default_factory=list)
    department: str | None = None
    status: str | None = None
    done: bool = False
    updated: datetime | None = None
    team_rating: int | None = None  # the team's own likelihood (1-4), where the mapping names one
    # Rule 8 and the stock take (docs/likelihood.md): each read only where the mapping names it.
    salient: bool = False  # politically salient factors in play: a checkbox, or a label
    agreed_rating: int | None = None  # the likelihood agreed at the last stock take (1-4)
    agreed_on: date | None = None  # the date of that stock take
    agreed_note: str | None = None  # what the stock take agreed, in its words
    blocks: list[str] = Field(default_factory=list)  # keys of the items that wait on this one


class Priority(BaseEntity):
    kind: Literal[EntityKind.PRIORITY] = EntityKind.PRIORITY


class Outcome(BaseEntity):
    kind: Literal[EntityKind.OUTCOME] = EntityKind.OUTCOME


class Indicator(BaseEntity):
    kind: Literal[EntityKind.INDICATOR] = EntityKind.INDICATOR
    unit: str | None = None
    data_source: str | None = None
    current_value: float | None = None


class Target(BaseEntity):
    kind: Literal[EntityKind.TARGET] = EntityKind.TARGET
    baseline_value: float | None = None
    baseline_date: date | None = None
    target_value: float | None = None
    target_date: date | None = None
    direction: Direction | None = None
    trajectory: list[TrajectoryPoint] = Field(default_factory=list)


class Strategy(BaseEntity):
    kind: Literal[EntityKind.STRATEGY] = EntityKind.STRATEGY
    drives: list[str] = Field(default_factory=list)  # keys of the targets or outcomes it moves
    start_date: date | None = None
    end_date: date | None = None
    rationale: str | None = None
    scale: str | None = None
    resources: str | None = None
    success_definition: str | None = None
    delivery_chain: str | None = None
    impact: int | None = None
    difficulty: int | None = None


class Milestone(BaseEntity):
    kind: Literal[EntityKind.MILESTONE] = EntityKind.MILESTONE
    due: date | None = None


class Risk(BaseEntity):
    kind: Literal[EntityKind.RISK] = EntityKind.RISK
    mitigation: str | None = None


Entity = Annotated[
    Priority | Outcome | Indicator | Target | Strategy | Milestone | Risk,
    Field(discriminator="kind"),
]

ENTITY_CLASSES: dict[EntityKind, type[BaseEntity]] = {
    EntityKind.PRIORITY: Priority,
    EntityKind.OUTCOME: Outcome,
    EntityKind.INDICATOR: Indicator,
    EntityKind.TARGET: Target,
    EntityKind.STRATEGY: Strategy,
    EntityKind.MILESTONE: Milestone,
    EntityKind.RISK: Risk,
}

# Which kind may sit under which, by `parent` (DOMAIN.md §2 hierarchy).
PARENT_KIND: dict[EntityKind, EntityKind] = {
    EntityKind.OUTCOME: EntityKind.PRIORITY,
    EntityKind.INDICATOR: EntityKind.OUTCOME,
    EntityKind.TARGET: EntityKind.INDICATOR,
    EntityKind.MILESTONE: EntityKind.STRATEGY,
    EntityKind.RISK: EntityKind.STRATEGY,
}


class DataProblem(Strict):
    """Bad input met while mapping or assembling: becomes an RD9xx finding, never a crash."""

    code: Literal["RD901", "RD902", "RD903", "RD904", "RD905"]
    key: str  # the ticket key or record id
    field: str | None = None
    message: str
    fix: str
