"""`rdsync explain KEY`: an item's rating, judgements, caps, rollup, findings, history and what
would raise it, from the state store of two demo syncs, with no request to the site."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.cli.explanation import explain
from connector.config import load_config
from connector.sandbox.server import Sandbox, start_sandbox
from connector.sync.state import StateStore
from rules.model import Assessment, Rating
from tests.campaign import configure, sync, team_edits
from tests.conftest import ANCHOR, site_clock

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Sandbox]]:
    """The demo site synced twice (full, then incremental after the team's edits)."""
    folder = tmp_path_factory.mktemp("explain")
    with start_sandbox(seed="demo", anchor=ANCHOR, clock=site_clock()) as sandbox:
        config = configure(folder, sandbox)
        sync(config, sandbox.clock, full=True)
        team_edits(sandbox, "jira")
        sync(config, sandbox.clock)
        yield folder / "rdsync.toml", sandbox


@pytest.fixture
def stored(site: tuple[Path, Sandbox]) -> Iterator[tuple[StateStore, Any]]:
    config = load_config(site[0])
    store = StateStore(config.state_path, site[1].clock)
    yield store, config
    store.close()


def _one_of(store: StateStore, rating: Rating, with_findings: bool = False) -> Assessment:
    """The first item (by key) of a rating; with_findings: one whose caps name an error."""
    found = store.outputs()
    assert found is not None
    keys_with_errors = {f.key for f in found[1].findings if f.severity.value == "error"}
    for key, a in sorted(store.assessments().items()):
        if a.likelihood != rating:
            continue
        if with_findings and not (key in keys_with_errors and any("error" in c for c in a.caps)):
            continue
        return a
    raise AssertionError(f"the demo has no {rating.label} item (with_findings={with_findings})")


def _run(site: tuple[Path, Sandbox], *args: str) -> Any:
    """`rdsync explain ...`; the site must not see a single request."""
    config_path, sandbox = site
    sandbox.reset_stats()
    result = CliRunner().invoke(main, ["explain", *args, "--config", str(config_path)])
    assert sandbox.count() == 0, sandbox.stats()["counts"]
    return result


def _cases(store: StateStore) -> list[Assessment]:
    return [
        _one_of(store, Rating.RED),
        _one_of(store, Rating.AMBER_RED, with_findings=True),
        _one_of(store, Rating.GREEN),
    ]


def test_explains_a_red_an_amber_red_and_a_green_item_in_text(
    site: tuple[Path, Sandbox], stored: tuple[StateStore, Any]
) -> None:
    store, _ = stored
    found = store.outputs()
    assert found is not None
    entities = {e.key: e for e in found[1].entities}
    for a in _cases(store):
        result = _run(site, a.key)
        assert result.exit_code == 0, result.output
        out = result.output
        entity = entities[a.key]
        assert out.startswith(f"{a.key} · {a.kind} · {entity.name}\n")
        assert f"ticket      {entity.url}" in out
        assert f"Rating: {a.likelihood.option} (assessed {a.assessed_on}" in out
        for name, rating, rationale in a.judged:
            assert f"{name:<27} {Rating(rating).option:<16}" in out and rationale in out
        for cap in a.caps:
            assert f"  {cap}\n" in out
        assert f"Decision table row {a.row} (docs/likelihood.md)\n  {a.row_words}\n" in out
        for f in found[1].findings:
            if f.key == a.key:
                assert f"{f.code} {f.name} ({f.severity.value}) on {f.key}" in out
                assert f.message in out and f"fix: {f.fix}" in out
        if a.likelihood == Rating.GREEN:
            assert "What would raise it: nothing; Green is the top of the scale." in out
        else:
            assert f"What would raise it to {Rating(a.likelihood + 1).option}" in out


def test_json_has_the_numbers_the_findings_and_what_would_raise_it(
    site: tuple[Path, Sandbox], stored: tuple[StateStore, Any]
) -> None:
    store, _ = stored
    found = store.outputs()
    assert found is not None
    run_id, outputs = found
    for a in _cases(store):
        result = _run(site, a.key, "--format", "json")
        assert result.exit_code == 0, result.output
        body = json.loads(result.output)
        assert body["explain_version"] == 2 and body["run"]["id"] == run_id == 2
        assert body["item"]["key"] == a.key and body["item"]["kind"] == a.kind
        assert body["rating"]["rating"] == int(a.likelihood)
        judged = [(j["name"], j["rating"], j["rationale"]) for j in body["judgements"]]
        assert judged == list(a.judged)
        assert body["caps"] == list(a.caps)
        assert body["row"] == {"id": a.row, "words": a.row_words, "stored": True, "now": a.row}
        on_parts = [f for f in outputs.findings if f.key in body["parts"]]
        assert sorted((f["code"], f["key"], f["fix"]) for f in body["findings"]) == sorted(
            (f.code, f.key, f.fix) for f in on_parts
        )
        assert sum(span["runs"] for span in body["history"]) == 2  # the two syncs
        assert body["history"][-1]["rating"] == int(a.likelihood)
        assert body["recomputed"]["rating"] == int(a.likelihood) and body["recomputed"]["same"]
        plan = body["to_raise"]
        if a.likelihood == Rating.GREEN:
            assert plan is None
            continue
        assert plan["to"] == int(a.likelihood) + 1 and plan["needs"]
        assert all(need["at"] <= int(a.likelihood) for need in plan["needs"])


def test_an_error_finding_that_caps_the_rating_is_what_would_raise_it(
    site: tuple[Path, Sandbox], stored: tuple[StateStore, Any]
) -> None:
    store, _ = stored
    a = _one_of(store, Rating.AMBER_RED, with_findings=True)
    body = json.loads(_run(site, a.key, "--format", "json").output)
    errors = [f for f in body["findings"] if f["severity"] == "error"]
    assert errors
    (need,) = [n for n in body["to_raise"]["needs"] if n["cap"] == "errors"]
    assert need["at"] == 2 and set(need["codes"]) == {f["code"] for f in errors}
    for f in errors:
        assert f"{f['code']} {f['name']} on {f['key']}" in need["needs"]
    text = _run(site, a.key).output
    assert "error finding on it or its parts caps it at 2 - Amber/Red" in text
    assert f"needs: fix {errors[0]['code']}" in text


def test_a_rollup_names_what_it_rolled_up_from(
    site: tuple[Path, Sandbox], stored: tuple[StateStore, Any]
) -> None:
    store, config = stored
    rated = store.assessments()
    priorities = sorted(
        (a for a in rated.values() if a.kind == "priority" and a.likelihood < Rating.GREEN),
        key=lambda a: (a.likelihood, a.key),
    )
    red = next(a for a in priorities if explain(config, store, a.key)["rolled_up_from"])
    body = json.loads(_run(site, red.key, "--format", "json").output)
    below = body["rolled_up_from"]
    assert below and all(b["kind"] == "outcome" for b in below)
    assert all(b["rating"] == int(rated[b["key"]].likelihood) for b in below)
    reddest = min(below, key=lambda b: (b["rating"], b["key"]))
    needs = body["to_raise"]["needs"]
    assert any(reddest["key"] in n["keys"] for n in needs)
    assert (
        f"what holds {reddest['key']}: rdsync explain {reddest['key']}"
        in _run(site, red.key).output
    )


def test_every_stored_rating_is_what_the_caps_it_lists_give(
    stored: tuple[StateStore, Any],
) -> None:
    """The caps `explain` reads back are the method's: recomputed, they give every stored rating."""
    store, config = stored
    rated = store.assessments()
    assert len(rated) > 50
    recomputed = {key: explain(config, store, key)["recomputed"]["rating"] for key in rated}
    assert recomputed == {key: int(a.likelihood) for key, a in rated.items()}


def test_an_item_that_is_not_rated_says_what_it_counts_towards(
    site: tuple[Path, Sandbox], stored: tuple[StateStore, Any]
) -> None:
    store, _ = stored
    target = next(a for a in store.assessments().values() if a.kind == "target")
    found = store.outputs()
    assert found is not None
    indicator = next(e.parent_key for e in found[1].entities if e.key == target.key)
    assert indicator is not None
    result = _run(site, indicator)
    assert result.exit_code == 0, result.output
    assert "Not rated: the likelihood is judged for strategies, targets" in result.output
    assert target.key in result.output.split("It counts towards ")[1]


def test_an_unknown_key_exits_2_naming_the_closest_keys(site: tuple[Path, Sandbox]) -> None:
    result = _run(site, "DEL-1000")
    assert result.exit_code == 2
    assert "no item DEL-1000 in the last sync (run 2)" in result.output
    assert "Did you mean DEL-100" in result.output
    assert "Traceback" not in result.output
    assert _run(site, "del-4").output.startswith("DEL-4 · target · ")


def test_says_so_when_the_likelihood_settings_changed_since_the_run(
    site: tuple[Path, Sandbox], stored: tuple[StateStore, Any]
) -> None:
    """Read back under other [likelihood] settings, the caps give another rating: explain
    says which, rather than explain the stored one by rules it was not made by."""
    store, _ = stored
    a = _one_of(store, Rating.AMBER_RED, with_findings=True)
    config_path, _ = site
    stricter = config_path.with_name("rdsync-stricter.toml")
    stricter.write_text(
        config_path.read_text(encoding="utf-8") + "\n[likelihood]\nerror_cap = 1\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["explain", a.key, "--config", str(stricter)])
    assert result.exit_code == 0, result.output
    said = "Note: under the [likelihood] settings of the config now, these judgements and caps"
    assert f"{said} give 1, not the stored 2" in " ".join(result.output.split())
    assert "Note:" not in _run(site, a.key).output
