"""The rating agreed at a stock take: read beside rdsync's own, in force until evidence moves.

The manual's rating is a consensus ("after coming to consensus on the likelihood of Results
and Delivery"), reached on "an independent assessment of progress by the delivery team".
rdsync's assessment is that independent assessment and is never replaced; the agreed rating,
where the mapping names its fields, is carried beside it (`Assessment.agreed`) and used by the
portfolio views while no evidence is newer than the day it was agreed. The evidence of an
item is what its judgements read that carries a date: the measurements of the indicators of
the targets it covers, and the due dates of the milestones of its strategies (a milestone
falling due, met or not, is news). RD406 and RD407 flag an agreement the evidence has
overtaken, or one two levels or more from the assessment.
"""

from __future__ import annotations

from datetime import date

from mappings.graph import Architecture
from mappings.model import BaseEntity, Indicator, Milestone, Strategy, Target
from rules.model import RATINGS, Agreed, Assessment


def with_agreed(
    arch: Architecture, assessments: dict[str, Assessment], today: date
) -> dict[str, Assessment]:
    """The assessments, those of items with an agreed rating carrying it (`agreed`)."""
    found = dict(assessments)
    for key, assessment in assessments.items():
        entity = arch.get(key)
        agreed = agreement(arch, entity, today) if entity is not None else None
        if agreed is not None:
            found[key] = assessment.model_copy(update={"agreed": agreed})
    return found


def agreement(arch: Architecture, entity: BaseEntity, today: date) -> Agreed | None:
    """The entity's agreed rating against its latest evidence; None when it has none (a value
    that is not a rating never gets here: the mapping reports it as RD901)."""
    rating = entity.agreed_rating
    if rating is None or rating not in RATINGS:
        return None
    latest = latest_evidence(arch, entity, today)
    evidence_on, evidence = latest if latest is not None else (None, None)
    return Agreed(
        rating=RATINGS[rating],
        on=entity.agreed_on,
        note=entity.agreed_note,
        evidence_on=evidence_on,
        evidence=evidence,
    )


def latest_evidence(arch: Architecture, entity: BaseEntity, today: date) -> tuple[date, str] | None:
    """The date and a description of the newest dated evidence of an item, today or before."""
    indicators, milestones = _evidence_of(arch, entity)
    found: list[tuple[date, str]] = []
    for key in sorted(indicators):
        dates = [m.at for m in arch.series(key) if m.at <= today]
        if dates:
            found.append((max(dates), f"a measurement of {key} dated {max(dates).isoformat()}"))
    for milestone in milestones:
        if milestone.due is not None and milestone.due <= today:
            found.append((milestone.due, f"milestone {milestone.key} due {milestone.due}"))
    return max(found, default=None)


def _evidence_of(arch: Architecture, entity: BaseEntity) -> tuple[set[str], list[Milestone]]:
    """The indicators and milestones whose dates are an item's evidence."""
    key = entity.key
    below = [entity, *arch.descendants(key)]
    targets = [e for e in below if isinstance(e, Target)]
    indicators = {e.key for e in below if isinstance(e, Indicator)}
    if isinstance(entity, Strategy):
        strategies: dict[str, Strategy] = {key: entity}
        targets += [e for e in arch.drives(key) if isinstance(e, Target)]
    else:  # the strategies driving it, or the outcomes and targets below it
        strategies = {s.key: s for e in below for s in arch.strategies_for(e.key)}
    for target in targets:
        indicator = arch.indicator_of(target)
        if indicator is not None:
            indicators.add(indicator.key)
    milestones = [m for s in sorted(strategies) for m in arch.children(s, Milestone)]
    return indicators, milestones
