"""The likelihood's run cache changes nothing: a run with it and a cold run (`cold=True`, a
cache that keeps nothing, so every text is made afresh for every item) give the same rating and
the same texts for every item, on the demo portfolio and two generated ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import date

import pytest

from mappings.graph import Architecture
from rules.base import RuleContext
from rules.config import RulesConfig
from rules.engine import run_rules
from rules.likelihood import assess
from rules.model import Assessment, Rating
from rules.run_cache import RunCache
from tests.likelihood_cases import DEMO_ANCHOR, demo
from tests.portfolios import PLANS_TODAY, build, jira_portfolio

# A portfolio, the day it is judged on, and the ratings of its last assessment.
Portfolio = tuple[Architecture, date, dict[str, Rating]]


def _demo() -> Portfolio:
    return demo().arch, DEMO_ANCHOR, {}


def _plans(priorities: int = 20) -> Portfolio:
    """Every third priority and every second outcome Red or Amber/Red before: triage runs as
    in a sync, crisis management too."""
    previous = {f"P{p}": Rating.RED for p in range(0, priorities, 3)}
    previous |= {f"P{p}-O0": Rating.AMBER_RED for p in range(0, priorities, 2)}
    return build(priorities), PLANS_TODAY, previous


def _jira(entities: int = 3_000) -> Portfolio:
    arch, today = jira_portfolio(entities)
    return arch, today, {}


def _summary(a: Assessment) -> tuple[object, ...]:
    """What a CRDO reads of an assessment: the ratings and every text."""
    return (a.likelihood, a.judged, a.caps, a.problem_level, a.problem_reason, a.team_rating)


@pytest.mark.parametrize("portfolio", [_demo, _plans, _jira], ids=["demo", "plans", "jira"])
def test_a_cold_run_rates_and_words_every_item_as_a_run_with_its_cache(
    portfolio: Callable[[], Portfolio],
) -> None:
    arch, today, previous = portfolio()
    config = RulesConfig()
    ctx = RuleContext(today=today, thresholds=config.thresholds, previous=previous)
    findings = run_rules(arch, config, ctx)
    cached = assess(arch, findings, ctx)
    # A context of its own too: the cold run fits every trend itself.
    alone = RuleContext(today=today, thresholds=config.thresholds, previous=previous)
    cold = assess(arch, findings, alone, cold=True)
    assert len(cached) > 20
    assert list(cold) == list(cached)
    differ = [key for key in cached if _summary(cold[key]) != _summary(cached[key])]
    assert not differ, f"{len(differ)} items differ, first {differ[0]}"
    assert [a.model_dump_json() for a in cold.values()] == [
        a.model_dump_json() for a in cached.values()
    ]


def test_a_cold_cache_keeps_nothing_in_any_field() -> None:
    cache = RunCache.cold()
    for each in fields(cache):
        kept = getattr(cache, each.name)
        kept[(1, 2)] = "made once"
        assert not kept, each.name
    assert cache.days[date(2026, 11, 22)] == "2026-11-22"
    assert not cache.days


def test_a_run_cache_keeps_what_it_is_given() -> None:
    cache = RunCache()
    cache.paces["1.52"] = "a rise of 1.52 a year"
    assert cache.paces == {"1.52": "a rise of 1.52 a year"}
    assert cache.days[date(2026, 11, 22)] == "2026-11-22"
    assert cache.days == {date(2026, 11, 22): "2026-11-22"}
