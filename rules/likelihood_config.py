"""Every threshold and weight of the likelihood method (config key `[likelihood]`), with defaults.

docs/likelihood.md explains each number; the defaults are what that page's worked example uses.
The data thresholds that the rules share (freshness, off-trajectory tolerance, history window,
owner load) are not repeated here: judgements read them from `[rules.thresholds]`, so a finding
such as RD205 and the judgement beside it always agree.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from mappings.model import Strict

# The keys of the weighted mean that the decision table replaced (issue 18).
RETIRED = frozenset({"weights", "evidence_margin", "worst_margin"})
STAGES = ("policy and planning", "early implementation", "late implementation", "conclusion")


class ShareBands(Strict):
    """Cut-offs of a share where higher is better: at or above `green` rates 4, and so on; below
    `amber_red` rates 1. A `green` of None is supplied by the caller (see `evidence`)."""

    green: float | None
    amber_green: float
    amber_red: float

    @model_validator(mode="after")
    def _ordered(self) -> ShareBands:
        top = self.amber_green if self.green is None else self.green
        if not top >= self.amber_green >= self.amber_red:
            raise ValueError("bands must satisfy green >= amber_green >= amber_red")
        return self

    def rate(self, share: float, green: float | None = None) -> int:
        top = max(self.green if self.green is not None else (green or 1.0), self.amber_green)
        if share >= top:
            return 4
        if share >= self.amber_green:
            return 3
        return 2 if share >= self.amber_red else 1


class RatioBands(Strict):
    """Cut-offs of a value where lower is better: at or below `green` rates 4, and so on; above
    `amber_red` rates 1."""

    green: float
    amber_green: float
    amber_red: float

    @model_validator(mode="after")
    def _ordered(self) -> RatioBands:
        if not self.green <= self.amber_green <= self.amber_red:
            raise ValueError("bands must satisfy green <= amber_green <= amber_red")
        return self

    def rate(self, value: float) -> int:
        if value <= self.green:
            return 4
        if value <= self.amber_green:
            return 3
        return 2 if value <= self.amber_red else 1


class StageCeilings(Strict):
    """The best Stage of delivery a phase can earn: early phases have proved less (forward-looking).

    Must not fall from one phase to the next, so that progress never lowers a rating.
    """

    policy_and_planning: int = Field(3, ge=1, le=4)
    early_implementation: int = Field(3, ge=1, le=4)
    late_implementation: int = Field(4, ge=1, le=4)
    conclusion: int = Field(4, ge=1, le=4)

    @model_validator(mode="after")
    def _not_falling(self) -> StageCeilings:
        values = [self.of(stage) for stage in STAGES]
        if values != sorted(values):
            raise ValueError("stage ceilings must not fall from one phase to the next")
        return self

    def of(self, stage: str) -> int:
        return int(getattr(self, stage.replace(" ", "_")))


class LikelihoodConfig(Strict):
    """The likelihood method's numbers. Every default is documented in docs/likelihood.md."""

    rounding: Literal["down", "nearest"] = Field(
        "down",
        description="How a rollup's mean becomes a rating: 'down' never rounds up "
        "(the manual: don't give the benefit of the doubt); 'nearest' rounds halves down",
    )
    late_share: float = Field(
        0.5,
        gt=0,
        lt=1,
        description="The decision table: an item is in the second half of its time (late) "
        "once this share of the time from its start to its end date has passed",
    )
    error_cap: int = Field(
        2, ge=1, le=4, description="The most an item with an error finding on it can be rated"
    )
    driver_margin: int = Field(
        1, ge=0, le=3, description="A target is at most its reddest driving strategy + this"
    )
    child_margin: int = Field(
        1, ge=0, le=3, description="A rollup is at most its reddest child + this"
    )
    unsupported_rating: int = Field(
        1, ge=1, le=2, description="An outcome or priority with nothing below it to judge by"
    )
    no_data_rating: int = Field(
        2, ge=1, le=2, description="Evidence of progress of a target with no measurement"
    )
    stale_penalty: int = Field(
        1, ge=0, le=3, description="Evidence lost when the latest measurement is stale"
    )
    stale_as_missing: float = Field(
        2.0,
        ge=1,
        description="A measurement older than this many times the freshness counts as missing",
    )
    challenge: RatioBands = Field(
        default_factory=lambda: RatioBands(green=1.0, amber_green=1.5, amber_red=3.0),
        description="Required rate over historical rate",
    )
    evidence: ShareBands = Field(
        default_factory=lambda: ShareBands(green=None, amber_green=0.75, amber_red=0.5),
        description="Share of the planned gain achieved; a green of None follows the "
        "off-trajectory tolerance of [rules.thresholds] (green = 1 - tolerance), so that a "
        "target RD402 flags is never rated green on evidence",
    )
    milestones: ShareBands = Field(
        default_factory=lambda: ShareBands(green=1.0, amber_green=0.75, amber_red=0.5),
        description="Share of the milestones due by today that are done",
    )
    planning_points: dict[str, int] = Field(
        default_factory=lambda: {"error": 2, "warning": 1, "info": 0},
        description="Points each finding costs Quality of planning, by severity",
    )
    planning: RatioBands = Field(
        default_factory=lambda: RatioBands(green=0, amber_green=1, amber_red=3),
        description="Planning points: at most green rates 4, and so on",
    )
    planning_excludes: list[str] = Field(
        default_factory=lambda: ["RD4"],
        description="Code prefixes Quality of planning ignores: the routine findings (overdue, "
        "off trajectory, owner load) that Capacity and Evidence already measure",
    )
    overdue_severe_share: float = Field(
        0.5, gt=0, le=1, description="Share of due milestones overdue that costs Capacity twice"
    )
    schedule_lag: RatioBands = Field(
        default_factory=lambda: RatioBands(green=0.1, amber_green=0.25, amber_red=0.5),
        description="Stage of delivery: share of time elapsed minus share of milestones done",
    )
    stage_ceilings: StageCeilings = Field(default_factory=StageCeilings)
    salient_reach: int = Field(
        3, ge=1, description="Triage: a Red item reaching this many targets is broad (level 3)"
    )
    crisis_max: int = Field(
        2, ge=0, le=2, description="Triage: how many items may be in crisis management (top 1-2)"
    )

    @model_validator(mode="before")
    @classmethod
    def _no_retired_keys(cls, data: object) -> object:
        """The keys of the weighted mean the decision table replaced: a clear error, not 'extra'."""
        if isinstance(data, dict):
            retired = sorted(set(data) & RETIRED)
            if retired:
                raise ValueError(
                    f"{', '.join(retired)}: no longer used; the five judgements combine by the "
                    "decision table of docs/likelihood.md. Remove them from [likelihood]"
                )
        return data

    @model_validator(mode="after")
    def _known_severities(self) -> LikelihoodConfig:
        unknown = set(self.planning_points) - {"error", "warning", "info"}
        if unknown:
            raise ValueError(
                f"planning_points keys are error, warning, info; not {sorted(unknown)}"
            )
        return self
