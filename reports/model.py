"""What a report is built from: the architecture, findings and ratings of one run, and the last."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import ConfigDict, Field, field_validator

from mappings.graph import Architecture
from mappings.model import Strict
from mappings.work import WorkItem
from rules.alignment import WorkShare
from rules.base import Thresholds
from rules.likelihood_config import LikelihoodConfig
from rules.model import Assessment, Finding, Rating, RubricRating


class MissedUpdate(Strict):
    """A line of an update request still not done at the stock take (reports/requests.py)."""

    person: str  # the person's name (or e-mail, or id)
    person_id: str = ""  # as the tool knows them: Capacity counts their missed updates
    priority_key: str
    stocktake_on: date
    key: str
    name: str = ""
    kind: str  # measurement | milestone | finding | rating
    what: str
    fix: str
    requested_on: date | None = None


class ReportData(Strict):
    """Everything a CRDO report or stock take pack shows; the renderers read nothing else.

    The lead fills it from the state store of the last run. `previous` holds the likelihood of
    each key at the previous report; where a key is missing there, `Assessment.previous` is used.
    Team ratings come from `team_ratings`, else `Assessment.team_rating`, else the entity's own.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)  # the Architecture graph

    department: str | None = None  # None: every department in the architecture
    title: str = "CRDO compliance report"
    generated_at: datetime
    data_as_of: dict[str, datetime] = Field(default_factory=dict)  # source -> last read
    architecture: Architecture
    findings: list[Finding] = Field(default_factory=list)
    assessments: dict[str, Assessment] = Field(default_factory=dict)
    previous: dict[str, Rating] = Field(default_factory=dict)
    previous_generated_at: datetime | None = None  # the previous report of the same scope
    rubric: list[RubricRating] = Field(default_factory=list)
    team_ratings: dict[str, Rating] = Field(default_factory=dict)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    # The method's numbers, so that a target's status reads its latest measurement as the
    # Evidence of progress judgement did (stale, or so old that it counts as missing).
    likelihood: LikelihoodConfig = Field(default_factory=LikelihoodConfig)
    horizon_days: int = Field(56, ge=1, description="next steps: milestones due this many days on")
    # What update requests asked before each priority's last stock take and is still not done.
    missed_updates: list[MissedUpdate] = Field(default_factory=list)
    # All work (a source's wider scope), aligned; None when no source reads one. The shares at
    # the previous report give the trend (None: no earlier read).
    work: list[WorkItem] | None = None
    work_before: list[WorkShare] | None = None

    @field_validator("generated_at", "previous_generated_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        """Naive datetimes are ambiguous on a cover page read in another time zone."""
        if value is not None and value.tzinfo is None:
            raise ValueError("give an aware datetime, e.g. datetime.now(UTC)")
        return value

    @field_validator("data_as_of")
    @classmethod
    def _aware_sources(cls, value: dict[str, datetime]) -> dict[str, datetime]:
        for source, at in value.items():
            if at.tzinfo is None:
                raise ValueError(f"data_as_of[{source!r}]: give an aware datetime")
        return value

    @property
    def today(self) -> date:
        return self.generated_at.date()
