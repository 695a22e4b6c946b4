"""Keys scoped by source: plain where unique, "<source>:<key>" where shared, references
following their own source, and texts written back naming a site's own keys plainly."""

from __future__ import annotations

from datetime import date

from connector.sync.keys import KeyScope, scope_keys, unqualified
from mappings.graph import Architecture
from mappings.model import DataProblem, Indicator, Measurement, Priority, Strategy, Target
from mappings.records import MappedRecords


def site(source: str, *extra: object) -> MappedRecords:
    """A priority DEL-1, its target DEL-4 and a measurement of indicator DEL-3, per source."""
    return MappedRecords(
        entities=[
            Priority(key="DEL-1", name=f"{source} priority", source=source),
            Indicator(key="DEL-3", parent_key="DEL-1", source=source),
            Target(key="DEL-4", parent_key="DEL-3", source=source),
            *extra,  # type: ignore[list-item]
        ],
        measurements=[Measurement("DEL-3", date(2026, 11, 1), 1.0)],
        problems=[DataProblem(code="RD901", key="DEL-4", message="m", fix="f")],
    )


def test_one_source_keeps_every_key_plain() -> None:
    merged, scope = scope_keys({"jira": site("jira")}, {"jira": ["DEL-1"]}, {"jira": "a"})
    assert [e.key for e in merged.entities] == ["DEL-1", "DEL-3", "DEL-4"]
    assert scope == KeyScope() and scope.key("jira", "DEL-1") == "DEL-1"


def test_shared_keys_are_qualified_and_references_follow_their_source() -> None:
    driver = Strategy(key="recS", drives=["DEL-4", "DEL-99"], source="plans")
    merged, scope = scope_keys(
        {
            "hr": site("hr"),
            "ops": site("ops", Target(key="DEL-99", source="ops")),
            "plans": MappedRecords([driver]),
        },
        {"hr": ["DEL-1"], "ops": ["DEL-1"], "plans": ["recS"]},
        {"hr": "https://hr", "ops": "https://ops", "plans": "airtable/app1"},
    )
    arch = Architecture(merged.entities, merged.measurements, merged.problems)
    assert arch.parent_key("hr:DEL-4") == "hr:DEL-3" and arch.parent_key("ops:DEL-4") == "ops:DEL-3"
    assert arch.get("hr:DEL-1").name == "hr priority"  # type: ignore[union-attr]
    assert sorted(arch.measurements) == ["hr:DEL-3", "ops:DEL-3"]
    assert {p.key for p in merged.problems} == {"hr:DEL-4", "ops:DEL-4", "recS"}
    # From another source, DEL-4 is ambiguous (an RD902, left out); DEL-99 is not.
    (ambiguous,) = [p for p in merged.problems if p.key == "recS"]
    assert ambiguous.code == "RD902" and "(hr:DEL-4 or ops:DEL-4)" in ambiguous.message
    assert arch.get("recS").drives == ["DEL-99"]  # type: ignore[union-attr]
    assert [d.key for d in arch.drives("recS")] == ["DEL-99"]
    assert scope.twice == {} and scope.writable("hr", "DEL-4")
    assert unqualified("hr", "hr:DEL-4") == "DEL-4" and unqualified("ops", "hr:DEL-4") == "hr:DEL-4"


def test_a_key_two_sources_of_one_site_read_is_flagged_and_not_writable() -> None:
    merged, scope = scope_keys(
        {"all": site("all"), "targets": MappedRecords([Target(key="DEL-4", source="targets")])},
        {"all": ["DEL-1", "DEL-3", "DEL-4"], "targets": ["DEL-4"]},
        {"all": "https://dept", "targets": "https://dept"},
    )
    assert scope.shared == {"DEL-4"} and not scope.writable("targets", "DEL-4")
    assert not scope.writable("all", "DEL-4") and scope.writable("all", "DEL-1")
    read_twice = [p for p in merged.problems if p.code == "RD904"]
    assert [p.key for p in read_twice] == ["all:DEL-4", "targets:DEL-4"]
    assert "in the scope of sources.all and of sources.targets" in read_twice[0].message


def test_texts_written_back_name_the_sites_own_keys_plainly() -> None:
    scope = KeyScope(frozenset({"DEL-2", "DEL-4#plan"}))
    text = "from its outcome hr:DEL-2: 2; lowest hr:DEL-4#plan, ops:DEL-2, hr:DEL-20, hr:x"
    assert scope.local("hr", text) == (
        "from its outcome DEL-2: 2; lowest DEL-4#plan, ops:DEL-2, hr:DEL-20, hr:x"
    )
    assert scope.local("hr", None) is None and KeyScope().local("hr", text) == text


def test_references_by_url_or_qualified_key_resolve_across_sources() -> None:
    texts = [
        "https://HR.example/browse/DEL-4",  # a site's host in any case
        "https://ops.example/rest/api/3/issue/10099",  # the REST self URL, by issue id
        "https://airtable.com/app1/tblX/viwY/recT?blocks=hide",
        "ops:DEL-4",
        "plans:DEL-4",  # a source that holds no DEL-4
        "https://hr.example/browse/DEL-404",
        "https://airtable.com/app9/tblX/recT",
    ]
    driver = Strategy(key="recS", drives=texts, source="plans")
    merged, _ = scope_keys(
        {
            "hr": site("hr"),
            "ops": site("ops", Target(key="DEL-99", source="ops")),
            "plans": MappedRecords([driver, Target(key="recT", source="plans")]),
        },
        {"hr": ["DEL-1"], "ops": {"DEL-99": {"id": "10099", "key": "DEL-99"}}, "plans": []},
        {"hr": "https://hr.example/", "ops": "https://ops.example", "plans": "https://x/app1"},
    )
    (strategy,) = [e for e in merged.entities if e.key == "recS"]
    assert strategy.drives == ["hr:DEL-4", "DEL-99", "recT", "ops:DEL-4"]  # type: ignore[attr-defined]
    problems = [p.message for p in merged.problems if p.key == "recS"]
    assert problems == [
        "recS drives plans:DEL-4 (field 'drives'), which sources.plans does not hold",
        "recS drives https://hr.example/browse/DEL-404 (field 'drives'), which is not in the "
        "scope of sources.hr",
        "recS drives https://airtable.com/app9/tblX/recT (field 'drives'), a record of base "
        "app9, which no source reads",
    ]
