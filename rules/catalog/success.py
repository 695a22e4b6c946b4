"""RD201–RD207: the definition of success of Rule 2 (SMART targets, the 3 M's, benchmarks)."""

from __future__ import annotations

from collections.abc import Iterator

from mappings.graph import Architecture
from mappings.model import BaseEntity, Direction, EntityKind, Measurement, Target
from rules.base import RuleContext
from rules.engine import EntityRule, MissingValueRule
from rules.judgements import fmt
from rules.model import Finding, Severity
from rules.registry import register
from rules.trajectory import (
    direction_of,
    latest_on,
    reached,
    toward,
)

SMART = "Rule 2 — Define success clearly: SMART targets"
THREE_MS = "Rule 2 — Define success clearly: the 3 M's of indicator selection"
BENCHMARKS = "Rule 5 — Estimates of impact: benchmarking against history"


def _series(arch: Architecture, target: Target) -> list[Measurement]:
    indicator = arch.indicator_of(target)
    return arch.series(indicator.key) if indicator is not None else []


def _number(value: float) -> str:
    return fmt(value)  # as the judgements write numbers: 86.4, 1,200, 0.0062


@register
class TargetNotTimeBound(MissingValueRule):
    """
    ## What it does
    Flags an open target without a target date.

    ## Why it matters
    Rule 2: "our targets must be Specific, Measurable, Ambitious, Realistic and Time-bound."
    The planning rubric's strong plan has "a time-bound end target". Without a date there is no
    trajectory, no required rate and no way to say whether delivery is on time.

    ## Example
    Target DEL-4 "81% of patients through ED in four hours" has no "Target date".

    ## Fix
    Set "Target date" to the date by which the value must be reached, e.g. 2019-12-31.
    """

    code = "RD201"
    name = "target-not-time-bound"
    severity = Severity.ERROR
    kinds = (EntityKind.TARGET,)
    manual = SMART
    attribute = "target_date"
    label = "Target date"
    fix_text = "Set 'Target date' to the date by which the value must be reached."


@register
class TargetNotQuantified(MissingValueRule):
    """
    ## What it does
    Flags an open target without a target value.

    ## Why it matters
    Rule 2: "Ideally, your definition of success will include a quantitative anchor", and
    ""decreasing the rate of primary school dropouts by 10% in the next 3 months" is a clearer
    definition of success than "improving basic education"." A target without a number cannot be
    measured against.

    ## Example
    Target DEL-4 "More patients seen faster" has no "Target value".

    ## Fix
    Set "Target value" to the number the indicator must reach, in the indicator's unit.
    """

    code = "RD202"
    name = "target-not-quantified"
    severity = Severity.ERROR
    kinds = (EntityKind.TARGET,)
    manual = SMART
    attribute = "target_value"
    label = "Target value"
    fix_text = "Set 'Target value' to the number the indicator must reach."


@register
class TargetWithoutBaseline(EntityRule):
    """
    ## What it does
    Flags an open target missing its baseline value or its baseline date.

    ## Why it matters
    Rule 2 asks: "What do baseline data (or comparable benchmarks) tell us right now about each
    indicator? Based on that, what should our SMART target be?" The baseline is where the
    trajectory starts; without it the planned gain, and so progress against the plan, is unknown.

    ## Example
    Target DEL-4 has "Baseline value" 74 but no "Baseline date".

    ## Fix
    Fill in "Baseline value" and "Baseline date" from the indicator's measurement when the
    target was set.
    """

    code = "RD203"
    name = "target-without-baseline"
    severity = Severity.WARNING
    kinds = (EntityKind.TARGET,)
    manual = "Rule 2 — Define success clearly: tools and exercises (baseline data)"

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        assert isinstance(entity, Target)
        missing = [
            label
            for label, value in (
                ("baseline value", entity.baseline_value),
                ("baseline date", entity.baseline_date),
            )
            if value is None
        ]
        if missing:
            yield self.finding(
                entity,
                f"{entity.key} has no {' and no '.join(missing)}",
                "Fill in 'Baseline value' and 'Baseline date' from the measurement when the target "
                "was set.",
                field="baseline_value" if entity.baseline_value is None else "baseline_date",
            )


@register
class IndicatorNotMeasurable(EntityRule):
    """
    ## What it does
    Flags an open indicator without a data source, or with no measurement at all.

    ## Why it matters
    Rule 2's third M: "Measurable: you measure it already, or you are willing to invest the
    resources to do so", and the 3 M's exercise adds: "Consider data source(s) and how data
    collection will occur". The CRDO is told to "be ruthless about either pushing people to
    invest in data collection or to stop considering metrics where they are unwilling to make
    that investment."

    ## Example
    Indicator DEL-3 has an empty "Data source" and its "Current value" was never set.

    ## Fix
    Name the data source in "Data source" and record the indicator's current value (each change
    of "Current value" is a measurement).
    """

    code = "RD204"
    name = "indicator-not-measurable"
    severity = Severity.ERROR
    kinds = (EntityKind.INDICATOR,)
    manual = THREE_MS

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        missing = []
        if not (getattr(entity, "data_source", None) or "").strip():
            missing.append("no data source")
        if not arch.series(entity.key):
            missing.append("no measurement")
        if missing:
            yield self.finding(
                entity,
                f"{entity.key} has {' and '.join(missing)}",
                "Name the source in 'Data source' and record the current value.",
                field="data_source" if missing[0] == "no data source" else "current_value",
            )


@register
class IndicatorStale(EntityRule):
    """
    ## What it does
    Flags an open indicator whose latest measurement is older than `freshness_days` (as of the
    day of the check). An indicator never measured is RD204's, not this rule's.

    ## Why it matters
    Rule 7 asks the data lead "to ensure that data on progress against targets and estimates of
    impact are up to date and easy to understand". Judgements are made on a schedule "rather
    than waiting until data are available", so stale data is a gap to close, not a reason to
    wait.

    ## Example
    With `freshness_days = 120`, indicator DEL-3 was last measured on 2026-05-01 and the check
    runs on 2026-11-22 (205 days later).

    ## Fix
    Record the newest value of the indicator ("Current value", or a Measurements row), or raise
    `[rules.thresholds] freshness_days` for an indicator published less often.
    """

    code = "RD205"
    name = "indicator-stale"
    severity = Severity.WARNING
    kinds = (EntityKind.INDICATOR,)
    manual = "Rule 7 — Use routines to drive progress: your role (data lead)"
    options = ("freshness_days",)

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        latest = latest_on(arch.series(entity.key), ctx.today)
        if latest is None:
            return
        age = (ctx.today - latest.at).days
        if age > ctx.thresholds.freshness_days:
            yield self.finding(
                entity,
                # Dates, not ages: a message that changed daily would rewrite the ticket daily.
                f"{entity.key} was last measured on {latest.at.isoformat()}, more than "
                f"{ctx.thresholds.freshness_days} days before {ctx.today.isoformat()}",
                "Record the indicator's newest value in 'Current value'.",
                field="current_value",
            )


@register
class TargetImplausible(EntityRule):
    """
    ## What it does
    Compares the rate of change an open target still needs (from the latest measurement to the
    target value by the target date) with the indicator's historical rate (a least-squares fit
    over the last `history_years` of measurements before the latest). Flags the target when the
    history moves away from the target while it needs progress, or when the required rate is
    more than `implausible_ratio` times the historical one. Direction-aware; silent where there
    is no history of at least two measurements, or when the target date has passed (RD207).

    ## Why it matters
    Rule 5, benchmarking against history: "how has this metric moved in the past in our own
    system? Would our target and trajectory represent a major departure from that trend? Is the
    difference plausible?" The rubric's strong plan has a "Target and trajectory ... validated by
    relevant benchmarks to ensure that they are ambitious and realistic".

    ## Example
    Target DEL-4 "81% by 2026-12-31" needs the indicator to rise 9.5 a year from its latest
    value, 76.3; over the last 3 years it rose 1.2 a year: 7.9 times that pace is needed, far
    beyond `implausible_ratio = 3`.

    ## Fix
    Either show the strategies that make the departure from the trend plausible (an estimate of
    impact per strategy in "Trajectory"), or revise the target value or date.
    """

    code = "RD206"
    name = "target-implausible"
    severity = Severity.WARNING
    kinds = (EntityKind.TARGET,)
    manual = BENCHMARKS
    options = ("implausible_ratio", "history_years")

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        assert isinstance(entity, Target)
        if entity.target_date is None or entity.target_date <= ctx.today:
            return  # a target without a date is RD201's, one whose date has passed RD207's
        indicator = arch.indicator_of(entity)
        if indicator is None:
            return
        series = arch.series(indicator.key)
        latest = latest_on(series, ctx.today)
        if latest is None:
            return
        # from the latest value on its own date, and the fit the "Degree of the challenge"
        # judgement reads (the same, fitted once a run)
        needed = ctx.required(entity, latest)
        _, _, history = ctx.trend(indicator.key, series)
        if needed is None or history is None:
            return
        direction = direction_of(entity)
        need, had = toward(direction, needed), toward(direction, history)
        if need <= 0:
            return
        ratio = ctx.thresholds.implausible_ratio
        if had > 0 and need <= ratio * had:
            return
        verb = "fall" if direction == Direction.DECREASE else "rise"
        trend = (
            f"{need / had:.1f} times that pace is needed"
            if had > 0
            else "away from the target"
            if had < 0
            else "a flat trend"
        )
        yield self.finding(
            entity,
            f"{entity.key} needs the indicator to {verb} {_number(need)} a year to reach "
            f"{_number(entity.target_value or 0)} by {entity.target_date}; over the last "
            f"{ctx.thresholds.history_years:g} years it moved {_number(history)} a year ({trend})",
            "Set an evidence-based 'Trajectory' that shows how the strategies bend the trend, or "
            "revise 'Target value' or 'Target date'.",
            field="target_value",
        )


@register
class TargetMissed(EntityRule):
    """
    ## What it does
    Flags an open target whose target date has passed while the indicator's latest measurement
    does not reach the target value (direction-aware). Silent where there is no measurement
    (RD204 says so). A latest measurement from before the target date counts: missing evidence
    is not read as good news.

    ## Why it matters
    Rule 8: "they shouldn't give any potential problem the benefit of the doubt, and neither
    should you." Rule 2: "If a target needs to be revisited because of influences outside of
    your control then be open about it, and clear about the reasons."

    ## Example
    Target DEL-4 "81% by 2025-12-31": the latest value, 77 on 2026-03-01, is below 81.

    ## Fix
    Record the result, and either close the target as missed with the reasons or set a new
    target date openly, with the reasons, and a new trajectory.
    """

    code = "RD207"
    name = "target-missed"
    severity = Severity.ERROR
    kinds = (EntityKind.TARGET,)
    manual = "Rule 2 — Define success clearly; Rule 8 — don't give the benefit of the doubt"

    def check_entity(
        self, entity: BaseEntity, arch: Architecture, ctx: RuleContext
    ) -> Iterator[Finding]:
        assert isinstance(entity, Target)
        if entity.target_date is None or entity.target_value is None:
            return
        latest = latest_on(_series(arch, entity), ctx.today)
        if entity.target_date >= ctx.today or latest is None or reached(entity, latest.value):
            return
        yield self.finding(
            entity,
            f"{entity.key} was due on {entity.target_date.isoformat()}; the latest value, "
            f"{_number(latest.value)} on {latest.at.isoformat()}, does not reach "
            f"{_number(entity.target_value)}",
            "Close the target as missed with the reasons, or set a new 'Target date' openly with a "
            "new 'Trajectory'.",
            field="target_date",
        )
