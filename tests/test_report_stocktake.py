"""Stock take packs: the shared view, the few deep dives, and the next steps of one priority."""

from __future__ import annotations

import pytest

from mappings.errors import InputError
from reports.stocktake import DEEP_DIVES, StocktakePack, build_pack
from tests.fixtures_reports import J, demo_data


@pytest.fixture(scope="module")
def pack() -> StocktakePack:
    return build_pack(demo_data(), "DEL-30", charts=False)


def test_the_pack_covers_the_plan_of_its_priority_only(pack: StocktakePack) -> None:
    assert pack.keys == {"DEL-30", "DEL-31", "DEL-32", "DEL-33", "DEL-34", "DEL-35", "DEL-36",
                         "DEL-37"}  # fmt: skip
    assert list(pack.targets["key"]) == ["DEL-33"]
    assert list(pack.strategies["key"]) == ["DEL-30", "DEL-34"]


def test_deep_dives_are_the_reddest_and_the_biggest_drops(pack: StocktakePack) -> None:
    dives = {d["key"]: d for d in pack.deep_dives}
    assert len(pack.deep_dives) <= DEEP_DIVES
    assert pack.deep_dives[0]["key"] == "DEL-33"  # Red at problem level 4
    assert "DEL-30" not in dives  # the priority itself is the shared view's subject
    assert dives["DEL-34"]["why"] == "Red and fell 2 levels from Amber/Green"
    assert dives["DEL-33"]["judgements"][0]["name"] == "Degree of the challenge"
    assert {f["code"] for f in dives["DEL-33"]["findings"]} == {"RD206", "RD402"}


def test_a_green_plan_has_no_deep_dive_but_its_drops() -> None:
    pack = build_pack(demo_data(), J["P1"], charts=False)
    assert [d["key"] for d in pack.deep_dives] == []  # nothing Red, nothing fell


def test_next_steps_hold_milestones_decisions_and_open_findings(pack: StocktakePack) -> None:
    milestones = {m["key"]: m["status"] for m in pack.milestones.to_dict("records")}
    assert milestones == {"DEL-35": "Overdue by 34 days", "DEL-36": "Due in 28 days"}
    assert "DEL-33" in set(pack.decisions["key"])
    assert set(pack.findings["severity"]) <= {"error", "warning"}
    assert "RD308" in set(pack.findings["code"])


def test_an_unknown_priority_says_which_ones_exist() -> None:
    with pytest.raises(InputError) as caught:
        build_pack(demo_data(), "DEL-4")  # a target, not a priority
    assert caught.value.where == "--priority DEL-4"
    assert "DEL-1, DEL-30" in str(caught.value.fix)


def test_a_department_pack_refuses_a_priority_of_another() -> None:
    from tests.fixtures_reports import HEALTH

    with pytest.raises(InputError):
        build_pack(demo_data(HEALTH), J["P1"])
