"""The agreed rating's logic (rules/agreed.py): which evidence dates an item, when an agreement is
in force, the line on the ticket, and the report's use of it (heat map, counts)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from mappings.graph import Architecture
from mappings.model import Indicator, Measurement, Milestone, Outcome, Priority, Strategy, Target
from reports import frames
from reports.model import ReportData
from reports.scope import Scope
from rules.agreed import agreement, latest_evidence, with_agreed
from rules.judgements import judge
from rules.model import JUDGEMENTS, Agreed, Assessment, Rating
from rules.writeback_text import rationale_text

TODAY = date(2026, 11, 22)


def _portfolio(**agreed: object) -> Architecture:
    """P → O → I → T, driven by S with milestones M1 (due 2026-11-15) and M2 (due next year);
    I measured on 2026-11-01 and (a typo, in the future) 2027-01-01."""
    return Architecture(
        [
            Priority(key="P", **agreed),
            Outcome(key="O", parent_key="P"),
            Indicator(key="I", parent_key="O"),
            Target(key="T", parent_key="I", **agreed),
            Strategy(key="S", drives=["T"], **agreed),
            Milestone(key="M1", parent_key="S", due=date(2026, 11, 15)),
            Milestone(key="M2", parent_key="S", due=date(2027, 3, 1)),
            Strategy(key="S-other"),
            Milestone(key="M9", parent_key="S-other", due=date(2026, 11, 20)),
        ],
        measurements=[
            Measurement("I", date(2026, 11, 1), 10.0),
            Measurement("I", date(2027, 1, 1), 12.0),
        ],
    )


def test_the_latest_evidence_is_a_measurement_below_or_a_milestone_of_its_strategies_due() -> None:
    arch = _portfolio()
    expected = (date(2026, 11, 15), "milestone M1 due 2026-11-15")
    for key in ("P", "O", "T", "S"):  # never M9: S-other drives none of them
        entity = arch.get(key)
        assert entity is not None
        assert latest_evidence(arch, entity, TODAY) == expected, key
    before = latest_evidence(arch, arch.get("T"), date(2026, 11, 10))  # type: ignore[arg-type]
    assert before == (date(2026, 11, 1), "a measurement of I dated 2026-11-01")
    lonely = arch.get("S-other")
    assert lonely is not None
    assert latest_evidence(arch, lonely, date(2026, 11, 1)) is None


def test_an_agreement_is_in_force_while_dated_and_no_evidence_is_newer() -> None:
    arch = _portfolio(agreed_rating=4, agreed_on=date(2026, 11, 15), agreed_note="agreed")
    target = arch.get("T")
    assert target is not None
    same_day = agreement(arch, target, TODAY)
    assert same_day is not None and same_day.in_force and same_day.note == "agreed"
    older = agreement(arch, target.model_copy(update={"agreed_on": date(2026, 11, 14)}), TODAY)
    assert older is not None and not older.in_force
    assert older.evidence == "milestone M1 due 2026-11-15"
    undated = agreement(arch, target.model_copy(update={"agreed_on": None}), TODAY)
    assert undated is not None and not undated.in_force
    assert Agreed(rating=Rating.RED, on=TODAY).in_force  # nothing dated: nothing overtook it
    assert agreement(arch, target.model_copy(update={"agreed_rating": None}), TODAY) is None


def _assessment(key: str, kind: str, rating: int) -> Assessment:
    judged = [judge(name, rating, "evidence") for name in JUDGEMENTS]
    return Assessment(
        key=key, kind=kind, assessed_on=TODAY, judgements=judged, likelihood=Rating(rating)
    )


def test_with_agreed_sets_it_on_the_items_that_have_one_and_keeps_the_own_rating() -> None:
    arch = Architecture(
        [
            Target(key="T", agreed_rating=4, agreed_on=TODAY),
            Target(key="U"),
            Strategy(key="S", agreed_rating=9),  # never read so: the mapping reports RD901
        ]
    )
    assessed = {k: _assessment(k, str(arch.get(k).kind), 2) for k in ("T", "U", "S")}  # type: ignore[union-attr]
    found = with_agreed(arch, assessed, TODAY)
    assert found["T"].agreed == Agreed(rating=Rating.GREEN, on=TODAY)
    assert found["T"].likelihood == Rating.AMBER_RED
    assert found["T"].rating_in_force == Rating.GREEN
    assert found["U"] is assessed["U"] and found["U"].rating_in_force == Rating.AMBER_RED
    assert found["S"].agreed is None


def test_the_ticket_shows_the_agreed_rating_beside_its_own_and_says_when_it_is_overtaken() -> None:
    own = _assessment("T", "target", 3)
    agreed = Agreed(rating=Rating.GREEN, on=date(2026, 11, 12), note="Contracts\nrenewed")
    text = rationale_text(own.model_copy(update={"agreed": agreed}))
    assert text.splitlines()[0].startswith("Rated 3 - Amber/Green")
    assert text.splitlines()[-1] == (
        "Agreed at the stock take on 2026-11-12: 4 - Green (Contracts renewed)"
    )
    stale = agreed.model_copy(
        update={"evidence_on": TODAY, "evidence": "a measurement of I dated 2026-11-22"}
    )
    text = rationale_text(own.model_copy(update={"agreed": stale}))
    assert text.splitlines()[-1] == (
        "Agreed at the stock take on 2026-11-12: 4 - Green (Contracts renewed); new evidence "
        "since: a measurement of I dated 2026-11-22; this rating stands until it is agreed again"
    )
    undated = Agreed(rating=Rating.RED)
    text = rationale_text(own.model_copy(update={"agreed": undated}))
    assert text.splitlines()[-1] == (
        "Agreed at the stock take (no date given): 1 - Red; this rating stands until it is "
        "agreed again"
    )
    assert "Agreed" not in rationale_text(own)


def test_the_heat_map_and_counts_use_the_agreed_rating_only_while_it_is_in_force() -> None:
    arch = Architecture(
        [
            Priority(key="P"),
            Outcome(key="O", parent_key="P"),
            Indicator(key="I", parent_key="O"),
            Target(key="T", parent_key="I"),
            Strategy(key="S", drives=["T"]),
        ]
    )
    agreed = Agreed(rating=Rating.GREEN, on=TODAY)
    stale = agreed.model_copy(update={"evidence_on": TODAY.replace(day=23), "evidence": "x"})
    for given, shown in ((agreed, 4), (stale, 2)):
        assessments = {
            "P": _assessment("P", "priority", 2),
            "O": _assessment("O", "outcome", 2),
            "T": _assessment("T", "target", 2),
            "S": _assessment("S", "strategy", 2).model_copy(update={"agreed": given}),
        }
        at = datetime(2026, 11, 22, 9, tzinfo=UTC)
        data = ReportData(generated_at=at, architecture=arch, assessments=assessments)
        scope = Scope(data)
        heat = {row["key"]: row for row in frames.heat_map(scope).to_dict("records")}
        assert (heat["S"]["likelihood"], heat["S"]["assessed"]) == (shown, 2)
        counts = {r["kind"]: r for r in frames.likelihood_counts(scope).to_dict("records")}
        assert counts["strategy"]["green"] == (shown == 4)
        assert counts["strategy"]["amber_red"] == (shown == 2)
        rows = frames.agreed_ratings(scope).to_dict("records")
        assert [(r["key"], r["assessed"], r["agreed"], r["in_force"]) for r in rows] == [
            ("S", 2, 4, shown == 4)
        ]
        assert rows[0]["agreed_status"].startswith("In force" if shown == 4 else "Not in force")
        assert "2 levels from rdsync's 2 Amber/Red" in rows[0]["agreed_status"]
