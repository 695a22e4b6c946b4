"""The delivery planning rubric of Rule 5: eight criteria rated Green to Red for each plan.

Each criterion of the manual's rubric is read from the findings of the rules that test it, on
the entities of one plan (a priority and everything under it, `Architecture.plan`). The
rubric's own words for a strong / weak plan decide which rules belong where:

- Aspiration ← RD101 RD102 RD104 RD201 RD202: "a time-bound end target", "specific and
  measurable outcomes" / "Desired outcomes are not specified", "Measure of success not well
  defined".
- Strategies ← RD105 RD301 RD302 RD310: "a clear set of strategies", "a theory of
  action" / "No strategies are defined", "No linkage drawn between strategies and impact".
- Delivery chain ← RD305: "clear roles at every level" / "Roles not well defined".
- Trajectory ← RD203 RD206 RD303 RD304 RD309: "Trajectory of intermediate targets", "validated
  by relevant benchmarks", "Specific and time-bound implementation milestones" / "No
  intermediate targets", "Implementation timeline is vague or non-existent".
- Feedback loops ← RD204 RD205 RD401 RD402: "Leading indicators of implementation quality",
  "mechanisms to monitor this information" / "No indicators given other than the main measure
  of success"; overdue milestones and off-trajectory readings are the loop's signals unheeded.
- Leadership and accountability ← RD107 RD108 RD404: "a single owner", "a single accountable
  owner" / "no owner or multiple owners".
- Resources ← RD306: "resources available" / "Resources are not mentioned".
- Risks ← RD307 RD308: "a potential solution for managing each risk" / "No risks identified".

Not in the rubric: RD103 and RD106, whose entities belong to no plan (a target without its
indicator, a strategy driving nothing: the plan is found through those links); RD109, which
judges a department's portfolio, not one plan; RD207, a result rather than planning (the
likelihood judges it); RD9xx, data problems.

Rating of one criterion on one plan, with the severities as configured (an `info` finding
never lowers a rating, and a rule the config ignores has no findings to lower it):
- Red: the plan has no open entity the criterion's rules look at (no strategy, so no delivery
  chain: "don't give the benefit of the doubt"; `codes` then names the findings that say which
  level is missing, RD101, RD102, RD104, RD105), or for some rule at least `RED_SHARE` (half)
  of the plan's open entities it looks at have an error finding of it.
- Amber/Red: some error finding, on less than half of them.
- Amber/Green: warning findings only.
- Green: no error or warning finding.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import cache

from mappings.graph import Architecture
from mappings.model import Priority
from rules.model import RUBRIC_CRITERIA, Finding, Rating, RubricRating, Severity
from rules.registry import get_rule

CRITERIA: dict[str, tuple[str, ...]] = {
    "Aspiration": ("RD101", "RD102", "RD104", "RD201", "RD202"),
    "Strategies": ("RD105", "RD301", "RD302", "RD310"),
    "Delivery chain": ("RD305",),
    "Trajectory": ("RD203", "RD206", "RD303", "RD304", "RD309"),
    "Feedback loops": ("RD204", "RD205", "RD401", "RD402"),
    "Leadership and accountability": ("RD107", "RD108", "RD404"),
    "Resources": ("RD306",),
    "Risks": ("RD307", "RD308"),
}
assert tuple(CRITERIA) == RUBRIC_CRITERIA

RED_SHARE = 0.5  # errors on this share of the entities a rule looks at make the criterion Red
# The findings that say a level of the plan is missing: they explain a criterion with nothing
# to look at (no strategy under RD105, no target under RD104 ...).
STRUCTURE = ("RD101", "RD102", "RD104", "RD105")


# A plan's ratings, by its priority's key, with what they were rated from: the counts of its
# open entities by kind and the findings on its entities (`rate_criterion` reads nothing else).
RatedFrom = tuple[tuple[tuple[str, int], ...], tuple[Finding, ...]]
Rated = dict[str, tuple[RatedFrom, list[RubricRating]]]


def rate_rubric(
    arch: Architecture, findings: Iterable[Finding], kept: Rated | None = None
) -> list[RubricRating]:
    """Every criterion for every open priority's plan: priorities in architecture order,
    criteria in the manual's order. A done priority's plan is closed and not rated. With
    `kept` (the last call's, replaced by this one's), a plan rated from the same counts and
    findings takes its ratings again."""
    by_key: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_key[finding.key].append(finding)
    last: Rated = kept or {}
    now: Rated = {}
    ratings: list[RubricRating] = []
    for priority in arch.of_kind(Priority):
        if priority.done:
            continue
        plan = arch.plan(priority.key)
        kinds = Counter(str(e.kind) for e in plan if not e.done)
        found = [f for entity in plan for f in by_key.get(entity.key, ())]
        rated_from = (tuple(sorted(kinds.items())), tuple(found))
        held = last.get(priority.key)
        if held is None or held[0] != rated_from:
            rated = [rate_criterion(priority.key, c, kinds, found) for c in RUBRIC_CRITERIA]
            held = (rated_from, rated)
        now[priority.key] = held
        ratings += held[1]
    if kept is not None:
        kept.clear()
        kept.update(now)
    return ratings


def rate_criterion(
    priority_key: str, criterion: str, kinds: Mapping[str, int], findings: Sequence[Finding]
) -> RubricRating:
    """One criterion of one plan, from the counts of the plan's open entities by kind and the
    findings on the plan's entities."""
    codes = CRITERIA[criterion]
    looked_at = {code: sum(kinds.get(k, 0) for k in _kinds_of(code)) for code in codes}
    if not any(looked_at.values()):
        missing = sorted({f.code for f in findings if f.code in STRUCTURE})
        return RubricRating(
            priority_key=priority_key, criterion=criterion, rating=Rating.RED, codes=missing
        )
    errors: dict[str, set[str]] = defaultdict(set)
    lowering: set[str] = set()
    for finding in findings:
        if finding.code not in codes or finding.severity is Severity.INFO:
            continue
        lowering.add(finding.code)
        if finding.severity is Severity.ERROR:
            errors[finding.code].add(finding.key)
    if not lowering:
        rating = Rating.GREEN
    elif not errors:
        rating = Rating.AMBER_GREEN
    elif any(len(keys) >= RED_SHARE * looked_at[code] for code, keys in errors.items()):
        rating = Rating.RED
    else:
        rating = Rating.AMBER_RED
    return RubricRating(
        priority_key=priority_key, criterion=criterion, rating=rating, codes=sorted(lowering)
    )


@cache
def _kinds_of(code: str) -> tuple[str, ...]:
    return tuple(str(kind) for kind in get_rule(code).kinds)
