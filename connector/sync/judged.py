"""A run's findings and assessments, kept with what they were drawn from: a run whose inputs
are all the same (a quiet sync, a full re-read that found nothing new) takes them again."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from connector.config import Config
from connector.sync.steps import judge_portfolio
from mappings.graph import Architecture
from mappings.model import BaseEntity, DataProblem, Measurement
from rules.model import Assessment, Finding, Rating


@dataclass(frozen=True)
class Judged:
    """What `judge_portfolio` read (the graph's entities, measurements and problems, the day,
    the ratings before the period, the missed updates, the config) and what it concluded."""

    entities: list[BaseEntity]
    measurements: dict[str, list[Measurement]]
    problems: list[DataProblem]
    today: date
    previous: dict[str, Rating]
    missed: dict[str, int]
    config: Config
    findings: list[Finding]
    assessments: dict[str, Assessment]

    def holds(
        self,
        arch: Architecture,
        today: date,
        previous: dict[str, Rating],
        missed: dict[str, int],
        config: Config,
    ) -> bool:
        """Whether a run judging these inputs concludes what this one did: every input the
        same (the entities mostly the very objects: their mapping was kept)."""
        entities = arch.entities
        return (
            today == self.today
            and previous == self.previous
            and missed == self.missed
            and config == self.config
            and len(entities) == len(self.entities)
            and all(a is b or a == b for a, b in zip(entities.values(), self.entities, strict=True))
            and arch.measurements == self.measurements
            and arch.problems == self.problems
        )


def judge(
    arch: Architecture,
    config: Config,
    today: date,
    previous: dict[str, Rating],
    missed: dict[str, int],
    seconds: defaultdict[str, float],
    last: Judged | None,
) -> tuple[list[Finding], dict[str, Assessment], Judged]:
    """`judge_portfolio`, or the last run's conclusions when it judged the same inputs (new
    containers: the run adds to its findings)."""
    if last is not None and last.holds(arch, today, previous, missed, config):
        return list(last.findings), dict(last.assessments), last
    # The inputs as they are before judging (a look-up may add an empty series to the graph).
    entities = list(arch.entities.values())
    measurements = {key: list(series) for key, series in arch.measurements.items()}
    problems = list(arch.problems)
    findings, assessments = judge_portfolio(arch, config, today, previous, missed, seconds)
    judged = Judged(
        entities,
        measurements,
        problems,
        today,
        previous,
        missed,
        config,
        list(findings),
        dict(assessments),
    )
    return findings, assessments, judged
