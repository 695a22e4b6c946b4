"""What a team member reads on a ticket, over the demo site and the benchmark portfolios: the
rating and what would raise it first, no words of the method's insides, nothing raw, every gap
naming its ticket, numbers as people write them, and every finding on a ticket someone reads."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from connector.config import load_config
from connector.sandbox.server import Sandbox
from connector.sync.plan import DesiredValues, desired_values
from mappings.config import load_mapping
from mappings.graph import Architecture
from mappings.model import Indicator, Measurement, Target, TrajectoryPoint
from rules.base import RuleContext
from rules.config import RulesConfig
from rules.engine import run_rules
from rules.likelihood import assess
from rules.model import Finding, RubricRating
from rules.rubric import rate_rubric
from tests.campaign import configure, sync
from tests.portfolios import PLANS_TODAY, build, jira_portfolio

# The method's insides: words a team member should never have to decode.
INTERNALS = (
    "weighted mean",
    "capped",
    "rollup",
    "rolled up",
    "mean ",
    "lowest judgement",
    "points from",
    "(limit",
    "× history",
    "caps and findings",
    "planning findings",
    "finding",
)
RAW = ("{'", "[{", '{"')
RAW_WORDS = re.compile(r"\b(?:None|nan|inf)\b")
NOW = datetime(2026, 11, 22, 9, tzinfo=UTC)
JIRA_LIMIT = 32_767
DEFAULTS = Path(__file__).resolve().parents[1] / "mappings" / "defaults"
CODE = re.compile(r"\bRD\d{3}\b")


def texts(desired: Mapping[str, DesiredValues]) -> Iterator[tuple[str, str, str]]:
    """(ticket, which text, the text) of every ticket's rationale and gaps."""
    for key, values in desired.items():
        for role in ("rationale", "gaps"):
            text = getattr(values, role)
            if text:
                yield key, role, text


def assert_readable(
    desired: Mapping[str, DesiredValues], arch: Architecture, keys: re.Pattern[str]
) -> None:
    for key, role, text in texts(desired):
        lowered = text.lower()
        assert not [w for w in INTERNALS if w in lowered], (key, role, text)
        assert not [r for r in RAW if r in text], (key, role, text)
        assert not RAW_WORDS.search(text), (key, role, text)
        for line in text.splitlines():
            if role == "gaps" or CODE.search(line):
                assert keys.search(line), (key, line)  # a gap names the ticket it is about
            assert not re.search(r"\b0\.0[01]\b", line), (key, line)  # 0.0062, never 0.01
    for key, values in desired.items():
        if values.rationale:
            first = values.rationale.splitlines()[0]
            assert first.startswith("Rated "), (key, first)
            if "4 - Green" not in first:  # what would raise it comes before the judgements
                assert first.endswith("What would most raise it:"), (key, values.rationale)
                assert values.rationale.splitlines()[1].startswith("- "), key


def judged(arch: Architecture, today: date) -> dict[str, DesiredValues]:
    """What the default Jira mapping writes on each ticket of a portfolio judged on `today`."""
    config = RulesConfig()
    ctx = RuleContext(today=today, thresholds=config.thresholds)
    findings = run_rules(arch, config, ctx)
    assessments = assess(arch, findings, ctx)
    by_priority: dict[str, list[RubricRating]] = {}
    for rating in rate_rubric(arch, findings):
        by_priority.setdefault(rating.priority_key, []).append(rating)
    return desired_values(
        arch,
        findings,
        assessments,
        load_mapping("jira").writeback,
        limit=JIRA_LIMIT,
        now=NOW,
        rubric=by_priority,
    )


def evidence(arch: Architecture, key: str, today: date) -> str:
    config = RulesConfig()
    ctx = RuleContext(today=today, thresholds=config.thresholds)
    assessed = assess(arch, run_rules(arch, config, ctx), ctx)
    return dict((n, t) for n, _, t in assessed[key].judged)["Evidence of progress"]


@pytest.mark.parametrize("portfolio", ["plans", "jira"])
def test_the_benchmark_portfolios_read_as_a_team_member_reads(portfolio: str) -> None:
    arch, today = (build(12), PLANS_TODAY) if portfolio == "plans" else jira_portfolio(35 * 12)
    desired = judged(arch, today)
    keys = re.compile("|".join(re.escape(k) for k in sorted(arch.entities, key=len, reverse=True)))
    assert_readable(desired, arch, keys)
    assert any(v.gaps for v in desired.values())


def test_small_and_large_numbers_keep_their_figures_and_units() -> None:
    """A share of 0.0062 against 0.0056 planned reads so, not '0.01 against 0.01'; a count in
    the millions has its thousands separated; the indicator's unit follows each value."""
    indicator = Indicator(key="I-1", name="Infection rate", unit="per bed-day")
    target = Target(
        key="T-1",
        name="Fewer infections",
        parent_key="I-1",
        baseline_value=0.008,
        baseline_date=date(2025, 1, 1),
        target_value=0.004,
        target_date=date(2028, 1, 1),
        trajectory=[TrajectoryPoint(at=date(2026, 11, 1), value=0.0056)],
    )
    values = (0.008, 0.0075, 0.007, 0.0066, 0.0062)
    days = (date(2025, 1, 1), date(2025, 6, 1), date(2025, 11, 1), date(2026, 6, 1))
    series = [
        Measurement("I-1", day, v)
        for day, v in zip((*days, date(2026, 11, 1)), values, strict=True)
    ]
    arch = Architecture([indicator, target], series)
    said = evidence(arch, "T-1", date(2026, 11, 22))
    assert "latest 0.0062 per bed-day on 2026-11-01 against 0.0056 per bed-day planned" in said
    big = Target(
        key="T-2",
        parent_key="I-2",
        baseline_value=1_000_000,
        baseline_date=date(2025, 1, 1),
        target_value=2_000_000,
        target_date=date(2028, 1, 1),
    )
    arch = Architecture(
        [Indicator(key="I-2", unit="trainings"), big],
        [Measurement("I-2", date(2026, 11, 1), 1_234_567)],
    )
    assert "latest 1,234,567 trainings on 2026-11-01" in evidence(arch, "T-2", date(2026, 11, 22))


def reached(finding: Finding, desired: Mapping[str, DesiredValues], arch: Architecture) -> bool:
    """The finding is in its own ticket's gaps, or in the gaps of the nearest rated ticket it
    counts against (its targets, for an indicator; else an ancestor), naming its key."""
    own = desired.get(finding.key)
    if own is not None and own.gaps and finding.code in own.gaps:
        return True
    near = [k for k in arch.child_keys(finding.key) if arch.entities[k].kind == "target"]
    near += [a.key for a in arch.ancestors(finding.key)]
    return any(
        (gaps := desired[k].gaps) is not None and finding.code in gaps and finding.key in gaps
        for k in near
        if k in desired
    )


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("tool", "gap_kinds"), [("jira", True), ("jira", False), ("airtable", True)]
)
def test_every_finding_of_the_demo_reaches_a_ticket(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path, tool: str, gap_kinds: bool
) -> None:
    """With the default mapping each finding sits on its own ticket (indicators, milestones
    and risks carry their gaps); a mapping without `gap_kinds` writes them on the target or
    strategy above, naming the key. The department-wide RD109 is on one priority in full."""
    site = make_sandbox(seed="demo")
    config = configure(tmp_path, site, tool)
    if not gap_kinds:  # the default mapping without its `gap_kinds` line
        mapping = (DEFAULTS / "jira.toml").read_text(encoding="utf-8")
        (tmp_path / "mine.toml").write_text(re.sub(r"(?m)^gap_kinds = .*$", "", mapping))
        text = (tmp_path / "rdsync.toml").read_text()
        (tmp_path / "rdsync.toml").write_text(
            text.replace('mapping = "jira"', 'mapping = "mine.toml"')
        )
        config = load_config(tmp_path / "rdsync.toml")
    outcome = sync(config, site.clock, full=True)
    arch = outcome.arch
    written = {
        p.key: DesiredValues(
            rationale=p.changes.get("rationale"),  # type: ignore[arg-type]
            gaps=p.changes.get("gaps"),  # type: ignore[arg-type]
            assessed=NOW,
        )
        for p in outcome.patches
    }
    missed = [(f.code, f.key) for f in outcome.findings if not reached(f, written, arch)]
    assert missed == []
    wide = [k for k, v in written.items() if v.gaps and "Department of Jobs, Skills" in v.gaps]
    assert len(wide) == 1  # the department-wide sentence once, on one priority
    only = {arch.entities[p.key].kind for p in outcome.patches if set(p.changes) == {"gaps"}}
    assert only == ({"indicator", "milestone", "risk"} if gap_kinds else set())
    keys = re.compile(r"\bDEL-\d+\b|\brec[A-Za-z0-9]{14}\b")
    assert_readable(written, arch, keys)
