"""Unit tests of the focus modules: delivery-chain actors, work items as Jira and Airtable send
them, what they serve, and the unaligned shares."""

from __future__ import annotations

from typing import Any

from mappings.graph import Architecture
from mappings.model import Indicator, Milestone, Outcome, Person, Priority, Strategy, Target
from mappings.work import WorkItem, airtable_work, jira_work
from rules.alignment import largest_unaligned, shares, total
from rules.dependencies import (
    BLOCKS,
    SHARED_ACTOR,
    SHARED_LEADER,
    chain_actors,
    critical,
    dependencies,
    membership,
)
from rules.model import Assessment, Rating

AMARA = Person(id="acc-1", name="Amara Okafor")


def two_priorities(**extra: Any) -> Architecture:
    """P1 and P11, each with a target driven by its own strategy, S6 and S16."""
    entities: list[Any] = []
    for p in ("P1", "P11"):
        entities += [
            Priority(key=p, name=p, owners=[AMARA] if p == "P1" else []),
            Outcome(key=f"{p}-O", name="o", parent_key=p),
            Indicator(key=f"{p}-I", name="i", parent_key=f"{p}-O"),
            Target(key=f"{p}-T", name="t", parent_key=f"{p}-I"),
        ]
    entities += [
        Strategy(key="S6", name="s", drives=["P1-T"], **extra.get("S6", {})),
        Strategy(key="S16", name="s", drives=["P11-T"], **extra.get("S16", {})),
        Milestone(key="S6-M", name="m", parent_key="S6"),
    ]
    return Architecture(entities)


def test_the_actors_of_a_chain_are_its_links_after_the_department() -> None:
    chain = "Department → 15 Local Health Districts -> 220 EDs; nurse unit managers\ntriage."
    assert chain_actors(chain) == [
        "15 Local Health Districts",
        "220 EDs",
        "nurse unit managers",
        "triage",
    ]
    assert chain_actors(None) == [] and chain_actors("Department") == []


def test_a_leader_and_an_actor_tie_priorities_only_across_two_of_them() -> None:
    chain = {"delivery_chain": "Department → 128 councils → officers"}
    arch = two_priorities(S6={**chain, "owners": [AMARA]}, S16={**chain, "owners": [AMARA]})
    found = {(d.kind, d.subject): d for d in dependencies(arch, membership(arch))}
    assert found[SHARED_LEADER, "Amara Okafor"].keys == ("P1", "S6", "S16")
    assert found[SHARED_LEADER, "Amara Okafor"].priorities == ("P1", "P11")
    assert found[SHARED_ACTOR, "128 councils"].priorities == ("P1", "P11")
    # one strategy's actor is no tie: S6 alone serves P1
    alone = two_priorities(S6=chain)
    assert not [d for d in dependencies(alone, membership(alone)) if d.kind == SHARED_ACTOR]


def test_a_done_item_ties_nothing() -> None:
    arch = two_priorities(
        S6={"owners": [AMARA], "done": True}, S16={"owners": [AMARA], "done": True}
    )
    leaders = [d for d in dependencies(arch, membership(arch)) if d.kind == SHARED_LEADER]
    assert leaders == []  # Amara leads P1 itself, and only done strategies elsewhere


class CountingWalks(Architecture):
    """The graph, counting the walks up from an item that it is asked for."""

    walks = 0

    def ancestors(self, key: str) -> Any:
        self.walks += 1
        return super().ancestors(key)


def test_only_an_item_that_blocks_another_is_rated_through_its_ancestors() -> None:
    # Every item was looked up the tree for a rating, blocking or not: 100,000 walks a run.
    entities = list(two_priorities().entities.values())
    quiet = CountingWalks(entities)
    assert critical(quiet, membership(quiet), {}) == [] and quiet.walks == 0
    milestone = quiet.entities["S6-M"].model_copy(update={"blocks": ["P11-T"]})
    linked = CountingWalks([e for e in entities if e.key != "S6-M"] + [milestone])
    red = Assessment(key="S6", kind="strategy", assessed_on="2025-06-30", likelihood=Rating.RED)
    [found] = critical(linked, membership(linked), {"S6": red})
    assert (found.key, found.rated, found.via, found.priorities) == ("S6-M", "S6", BLOCKS, ("P11",))
    assert linked.walks == 1  # S6-M, rated through its strategy


def test_jira_work_reads_parent_and_links_either_way_and_odd_values_as_empty() -> None:
    issue = {
        "key": "OPS-7",
        "fields": {
            "summary": "Car park signage",
            "updated": "2026-11-20T10:00:00.000+0000",
            "parent": {"id": "1", "key": "OPS-1"},
            "issuelinks": [
                {"type": {"name": "Relates"}, "outwardIssue": {"key": "DEL-8"}},
                {"type": {"name": "Blocks"}, "inwardIssue": {"key": "DEL-9"}},
                {"type": {"name": "Blocks"}},
            ],
            "customfield_1": {"self": "x", "value": "Health", "id": "10100"},
            "customfield_2": {"id": "team-1", "name": "Estates"},
            "customfield_3": "tbc",
        },
    }
    ids = {"department": "customfield_1", "team": "customfield_2", "effort": "customfield_3"}
    item = jira_work(issue, "jira", ids, "https://example.atlassian.net/")
    assert item is not None
    assert item.links == ["OPS-1", "DEL-8", "DEL-9"]
    assert (item.department, item.team, item.effort) == ("Health", "Estates", None)
    assert item.url == "https://example.atlassian.net/browse/OPS-7"
    assert jira_work({"id": "3"}, "jira", ids, "https://x") is None


def test_airtable_work_reads_its_linked_records() -> None:
    record = {"id": "recA", "fields": {"Name": "Intranet", "Effort": 12, "Strategy": ["recS"]}}
    names = {"name": "Name", "effort": "Effort", "department": "Department", "team": None}
    item = airtable_work(record, "at", names, ["Strategy"], None)
    assert item is not None and item.links == ["recS"] and item.effort == 12.0
    assert item.department is None and item.team is None


def test_work_serves_what_it_links_into_and_shares_count_effort() -> None:
    from rules.alignment import align

    arch = two_priorities()
    items = [
        WorkItem(source="jira", key="OPS-2", links=["S6-M"], department="H", team="A", effort=5),
        WorkItem(source="jira", key="OPS-3", links=["OPS-99"], department="H", team="A", effort=7),
        WorkItem(source="jira", key="OPS-4", department="H", team="B"),
        WorkItem(source="jira", key="S16", department="J", team="C", effort=1),
    ]
    aligned = {i.key: i for i in align(items, arch, membership(arch))}
    assert (aligned["OPS-2"].serves, aligned["OPS-2"].via) == (["P1"], "S6-M")
    assert aligned["S16"].serves == ["P11"]  # an item of the plan itself serves it
    assert aligned["OPS-3"].serves == [] and aligned["OPS-4"].serves == []
    rows = shares(aligned.values())
    assert [(r.department, r.team, r.items, r.unaligned) for r in rows] == [
        ("H", "A", 2, 1),
        ("H", "B", 1, 1),
        ("J", "C", 1, 0),
    ]
    everything = total(rows)
    assert (everything.items, everything.unaligned, everything.effort) == (4, 2, 13.0)
    assert everything.effort_share == 7 / 13
    assert [i.key for i in largest_unaligned(aligned.values())] == ["OPS-3", "OPS-4"]
