"""Airtable calls cost money: one request a table when nothing changed, the limiter kept across
runs and processes, Airtable's 30 s penalty waited out, and the month's call budget."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyairtable
import pytest

from connector.config import Config
from connector.mapping_tools.guard import UnfitMapping
from connector.sandbox.airtable.seed import BASE_ID, TABLES
from connector.sandbox.server import Sandbox
from connector.sources.airtable import AirtableSource
from connector.sources.airtable_pace import PACE, pace_keys
from connector.sources.retry import RetryPolicy
from connector.sources.usage import BudgetSpent
from connector.sync.daemon import Daemon
from connector.sync.state import StateStore
from mappings.config import load_mapping
from tests.campaign import FAST_RETRY, configure, sync

pytestmark = pytest.mark.e2e

LIST = "/v0/{base_id}/{table}"
SCHEMA = "/v0/meta/bases/{base_id}/tables"
FAST = {"requests_per_second": 50}  # the sandbox's limits are lifted where a test says so


@pytest.fixture
def demo(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox(seed="demo")


def unlimited(folder: Path, site: Sandbox, **source: Any) -> Config:
    site.airtable.rate_limit_per_second = None
    return configure(folder, site, "airtable", source={**FAST, **source})


def test_a_sync_with_nothing_changed_costs_one_request_a_table(
    demo: Sandbox, tmp_path: Path
) -> None:
    config = unlimited(tmp_path, demo)
    sync(config, demo.clock, full=True)
    sync(config, demo.clock)  # reads back the ratings the first one wrote
    demo.reset_stats()
    quiet = sync(config, demo.clock)
    tables = len(TABLES) + 1  # and Measurements
    assert demo.count() == demo.count("GET", LIST) == tables  # no schema, no id scan
    assert quiet.counts["api_calls.airtable"] == tables
    formulas = [row["url"] for row in demo.stats()["log"]]
    assert all("filterByFormula=IS_AFTER" in url for url in formulas)


def test_calls_are_kept_per_run_and_per_month_in_the_state(demo: Sandbox, tmp_path: Path) -> None:
    """Every request counts, as Airtable counts them: a retried one twice."""
    demo.airtable.rate_limit_per_second = None
    config = configure(tmp_path, demo, "airtable", retry=FAST_RETRY, source=FAST)
    seen = []
    for full, faults in ((True, None), (False, None), (False, "503:0.2,seed=3")):
        demo.set_faults(faults)
        before = demo.count()
        sync(config, demo.clock, full=full)
        seen.append(demo.count() - before)
    assert demo.count(status=503) > 0
    store = StateStore(config.state_path, demo.clock)
    try:
        kept = [run.counts["api_calls.airtable"] for run in reversed(store.runs())]
        assert kept == seen
        assert store.month_calls("airtable", demo.clock.today()) == demo.count()
    finally:
        store.close()


def test_the_kept_schema_is_fetched_again_when_the_base_changed(
    demo: Sandbox, tmp_path: Path
) -> None:
    config = unlimited(tmp_path, demo)
    sync(config, demo.clock, full=True)
    api = pyairtable.Api(demo.token, endpoint_url=demo.url, retry_strategy=None)
    field = api.base(BASE_ID).table("Risks").schema().field("Mitigation")
    api.request(
        "PATCH", f"{api.base(BASE_ID).urls.tables}/Risks/fields/{field.id}", json={"name": "Plan B"}
    )
    demo.reset_stats()
    # The kept schema names a field the base no longer has: the read's 422 fetches the schema
    # afresh, and the mapping's check against it stops the run before any write.
    with pytest.raises(UnfitMapping, match=r"entities\.risk\.attributes\.mitigation"):
        sync(config, demo.clock)
    assert demo.count(status=422) == 1 and demo.count("GET", SCHEMA) == 1
    assert demo.count("PATCH", "/v0/{base_id}/{table}") == 0
    demo.reset_stats()
    with pytest.raises(UnfitMapping, match="no field 'Mitigation' in table 'Risks'"):
        sync(config, demo.clock)
    assert demo.count("GET", SCHEMA) == 0  # the schema fetched anew is the one kept
    assert demo.count() == 0  # and the check against it stops the run before any request


def test_a_429_is_waited_out_for_airtables_penalty_not_retried_into(
    make_sandbox: Callable[..., Sandbox],
) -> None:
    site = make_sandbox(seed="demo", airtable_penalty_seconds=1.0)  # Airtable's limits on
    source = _source(site, penalty_seconds=1.0)
    other = pyairtable.Api(site.token, endpoint_url=site.url, retry_strategy=None)
    table = other.table(BASE_ID, "Risks")
    while True:  # another client of the base fills its window, and meets the 429
        try:
            table.first()
        except Exception:
            break
    ours = len(site.stats()["log"])
    source.connect()
    log = site.stats()["log"][ours:]
    assert [row["status"] for row in log] == [429, 200]  # one refusal, then it waited
    assert log[1]["time"] - log[0]["time"] >= 1.0 - 0.01


def test_a_new_process_respects_the_window_the_last_one_left(
    make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    """Five requests a second per base, on the sandbox as on Airtable: the second source,
    in the place of a new `rdsync sync`, takes up the first one's window from the state store."""
    site = make_sandbox(seed="demo", airtable_penalty_seconds=1.0)  # a miss costs 1 s, not 30
    store = StateStore(tmp_path / "state.sqlite", site.clock)
    try:
        first = _source(site, store=store, penalty_seconds=1.0)
        for _ in range(5):  # the base's window, full
            first.call("schema", first.api.get, first.base.urls.tables)
        second = _source(site, store=store, penalty_seconds=1.0)
        second.connect()
        assert second.limiter.waited_seconds > 0.5
        assert site.count(status=429) == 0
        kept = store.source_value(*PACE) or ""
        assert all(key in kept for key in pace_keys(first.config))
        assert site.token not in kept  # the token's limit is kept by a digest of it
    finally:
        store.close()


def test_the_daemon_keeps_one_limiter_for_every_run(demo: Sandbox, tmp_path: Path) -> None:
    config = unlimited(tmp_path, demo)
    daemon = Daemon(config, clock=demo.clock)
    try:
        limiter = daemon.limiter
        daemon.sync()
        daemon.sync()
        assert daemon.limiter is limiter and limiter is not None
        assert limiter.calls == demo.count()  # both runs' requests went through it
    finally:
        daemon.store.close()


# -- the month's budget -------------------------------------------------------------------


def _budgeted(folder: Path, site: Sandbox, **keys: Any) -> Config:
    values = {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in keys.items()}
    return unlimited(folder, site, **values)


def test_past_the_warning_share_the_summary_the_health_file_and_the_log_say_so(
    demo: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sync(_budgeted(tmp_path, demo), demo.clock, full=True)
    used = demo.count()
    config = _budgeted(tmp_path, demo, monthly_call_budget=used * 2, budget_warn_share=0.5)
    daemon = Daemon(config, clock=demo.clock)
    try:
        with caplog.at_level(logging.WARNING, logger="rdsync.usage"):
            outcome = daemon.sync()
    finally:
        daemon.store.close()
    warning = (
        f"airtable: {used} of {used * 2} API calls this month (50%): past 50% of "
        "sources.airtable.monthly_call_budget"
    )
    assert f"\n  note: {warning}" in outcome.summary()
    assert json.loads(config.health_path.read_text())["notes"] == [warning]
    assert "past 50% of sources.airtable.monthly_call_budget" in caplog.text


def test_a_spent_budget_refuses_the_run_before_its_first_request(
    demo: Sandbox, tmp_path: Path
) -> None:
    sync(_budgeted(tmp_path, demo), demo.clock, full=True)
    config = _budgeted(tmp_path, demo, monthly_call_budget=demo.count())
    demo.reset_stats()
    with pytest.raises(BudgetSpent) as refused:
        sync(config, demo.clock)
    assert refused.value.where == "sources.airtable.monthly_call_budget"
    assert "over_budget = true" in str(refused.value.fix) and "Wait for 1 December 2026," in str(
        refused.value.fix
    )
    assert demo.count() == 0
    store = StateStore(config.state_path, demo.clock)
    try:
        assert store.runs(1)[0].status == "failed"
    finally:
        store.close()


def test_over_budget_runs_on_and_a_new_month_starts_afresh(demo: Sandbox, tmp_path: Path) -> None:
    sync(_budgeted(tmp_path, demo), demo.clock, full=True)
    used = demo.count()
    running_on = sync(
        _budgeted(tmp_path, demo, monthly_call_budget=used, over_budget=True), demo.clock
    )
    assert "(over_budget = true: running on)" in running_on.summary()
    demo.clock.advance(demo.clock.today().replace(day=1).replace(month=12) - demo.clock.today())
    fresh = sync(_budgeted(tmp_path, demo, monthly_call_budget=used), demo.clock)
    assert fresh.notes == []  # December's calls so far: none


def _source(site: Sandbox, store: StateStore | None = None, **settings: Any) -> AirtableSource:
    """A source as `build_sources` makes it, with quick retries, on the site's clock."""
    from connector.config import AirtableSourceConfig

    config = AirtableSourceConfig(
        type="airtable", base=BASE_ID, endpoint_url=site.url, token_env="AT_TOKEN", **settings
    ).with_token(site.token)
    retry = RetryPolicy(
        tool="Airtable", budget_seconds=30, max_wait_seconds=0.05, initial_wait_seconds=0.01
    )
    mapping = load_mapping("airtable")
    return AirtableSource(
        "airtable",
        config,
        mapping,
        retry=retry,
        clock=site.clock,
        state=store,  # type: ignore[arg-type]
    )
