"""Why an item is rated as it is, in words: its evidence, the reasons a decision is needed,
and what holds back a target whose measurements are on track.

Everything here is read from the assessment (its judgements and caps) and the findings of the
run, never recomputed: the report says what the rating was made of.
"""

from __future__ import annotations

from mappings.model import Strategy, Target
from reports.scope import Scope
from rules.model import JUDGEMENTS, Assessment, Finding, Rating, Severity

EVIDENCE_OF_PROGRESS = JUDGEMENTS[4]
FINDING_REASONS = 2  # the findings a decision quotes, errors first
CAP_REASONS = 1
JUDGEMENT_REASONS = 2  # groups of the weakest judgements
REASONS = 3  # what a decision quotes in all: the few that say most


def rated(value: int) -> str:
    """`2 Amber/Red`: a rating in words, as the report prints it beside a number."""
    return f"{value} {Rating(value).label}"


def evidence(assessment: Assessment | None) -> list[str]:
    """Each judgement with its rating and the evidence behind it, the row of the decision
    table they met, then the caps."""
    if assessment is None:
        return []
    lines = [f"{name} ({rated(rating)}): {text}" for name, rating, text in assessment.judged]
    if assessment.row:
        lines.append(f"Row {assessment.row}: {assessment.row_words}")
    return lines + [capped(cap) for cap in assessment.caps]


def capped(cap: str) -> str:
    """A cap as a sentence: "at 2 - Amber/Red: why" reads "Capped at 2 - Amber/Red: why"."""
    return f"Capped {cap}" if cap.startswith("at ") else f"Capped: {cap}"


def last_caps(assessment: Assessment) -> tuple[str, ...]:
    """The caps that say most: the last ones. The likelihood lists the rounding of the mean
    first and the caps of findings, driving strategies and children after it."""
    return assessment.caps[-CAP_REASONS:] if assessment.caps else ()


def weakest(assessment: Assessment, skip: tuple[str, ...] = ()) -> list[str]:
    """The lowest-rated judgements, those with the same evidence said once: "Degree of the
    challenge and Quality of planning (1 Red): mean 1.50 of 2 outcomes"."""
    judged = [(n, r, t) for n, r, t in assessment.judged if n not in skip]
    if not judged:
        return []
    low = min(r for _, r, _ in judged)
    groups: dict[str, list[str]] = {}
    for name, rating, text in judged:
        if rating == low:
            groups.setdefault(text, []).append(name)
    lines = []
    for text, names in groups.items():
        if len(names) == len(JUDGEMENTS):
            said = "All five judgements"
        else:
            said = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        lines.append(f"{said} ({rated(low)}): {text}")
    return lines[:JUDGEMENT_REASONS]


def held_back_by(assessment: Assessment | None) -> str:
    """What keeps a target below Green when its measurements alone are good news: its weakest
    judgements but Evidence of progress, or its caps when nothing else is lower."""
    if assessment is None or assessment.likelihood == Rating.GREEN:
        return ""
    lines = weakest(assessment, skip=(EVIDENCE_OF_PROGRESS,))
    others = [r for n, r, _ in assessment.judged if n != EVIDENCE_OF_PROGRESS]
    if assessment.caps and (not others or min(others) > assessment.likelihood):
        lines = [capped(cap) for cap in last_caps(assessment)]
    return "; ".join(lines)


def decision_reasons(scope: Scope, assessment: Assessment) -> list[str]:
    """Why an item is rated as low as it is: the findings on it (and on the parts it answers
    for), its caps, its weakest judgements, and for a rollup the reddest item below it."""
    reasons = [finding_text(f) for f in findings_of(scope, assessment.key)[:FINDING_REASONS]]
    reasons += [capped(cap) for cap in last_caps(assessment)]
    below = reddest_below(scope, assessment)
    reasons += weakest(assessment)[: 1 if reasons or below else JUDGEMENT_REASONS]
    if below is not None:
        reasons.append(below)
    return reasons[:REASONS]


def finding_text(finding: Finding) -> str:
    return f"{finding.message} ({finding.code} {finding.name})"


def findings_of(scope: Scope, key: str) -> list[Finding]:
    """The errors and warnings on an item and the parts it answers for: a target's indicator,
    a strategy's milestones and risks; the most severe first."""
    keys = {key}
    entity = scope.entity(key)
    if isinstance(entity, Target) and entity.parent_key is not None:
        keys.add(entity.parent_key)
    elif isinstance(entity, Strategy):
        keys.update(scope.arch.child_keys(key))
    return [f for f in scope.findings_on(keys) if f.severity is not Severity.INFO]


def reddest_below(scope: Scope, assessment: Assessment) -> str | None:
    """For a priority or an outcome: the nearest item below it rated as low as it is (or
    lower), with what that item's own rating rests on."""
    if assessment.kind not in ("priority", "outcome"):
        return None
    found: Assessment | None = None
    for entity in scope.arch.descendants(assessment.key):
        below = scope.assessment(entity.key)
        if below is not None and (found is None or below.likelihood < found.likelihood):
            found = below
    if found is None or found.likelihood > assessment.likelihood:
        return None
    own = findings_of(scope, found.key)
    why = finding_text(own[0]) if own else next(iter(weakest(found)), "")
    name = scope.name(found.key)
    return f"Reddest below it: {found.key} {name} ({rated(found.likelihood)})" + (
        f" — {why}" if why else ""
    )


def agreed_status(assessment: Assessment) -> str:
    """Whether the rating agreed at the stock take stands, in words; "" when there is none."""
    agreed = assessment.agreed
    if agreed is None:
        return ""
    own = rated(int(assessment.likelihood))
    apart = abs(int(agreed.rating) - int(assessment.likelihood))
    far = f"; {apart} levels from rdsync's {own}" if apart >= 2 else ""
    if agreed.on is None:
        return f"Not in force: no date given, so rdsync's {own} stands{far}"
    if not agreed.in_force:
        return f"Not in force: {agreed.evidence} is newer, so rdsync's {own} stands{far}"
    return f"In force: no evidence since {agreed.on}; the heat map and counts use it{far}"
