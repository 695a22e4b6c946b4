"""The JQL subset: what each query selects and orders, and Jira's message for each bad query."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from connector.sandbox.jira.bulk import seed_bulk
from connector.sandbox.jira.jql import Clause, Junction, Negation, parse
from connector.sandbox.jira.jql_sql import compile_jql
from connector.sandbox.jira.meta import Scheme
from connector.sandbox.jira.seed import ensure_user, seed_scheme
from connector.sandbox.store import Store

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    """20 bulk issues (two plans) with known created/updated times and two Done issues."""
    store = Store()
    seed_scheme(store)
    admin = ensure_user(store, "admin@example.gov", "Admin")
    seed_bulk(store, 20, date(2026, 3, 1), admin=admin, history=0)
    with store.write() as conn:
        for num in range(1, 21):
            stamp = f"2026-03-{num:02d}T10:15:00.000+0000"
            conn.execute(
                "UPDATE jira_issues SET created = ?, updated = ? WHERE num = ?", (stamp, stamp, num)
            )
        conn.execute("UPDATE jira_issues SET status_id = 10000, category_id = 2")
        conn.execute(
            "UPDATE jira_issues SET status_id = 10001, category_id = 3 WHERE num IN (8, 18)"
        )
    yield store
    store.close()


def keys(store: Store, jql: str) -> list[str]:
    with store.read() as conn:
        scheme = Scheme.load(conn)

        def exists(key: str) -> bool:
            return (
                conn.execute("SELECT 1 FROM jira_issues WHERE key = ?", (key,)).fetchone()
                is not None
            )

        query = compile_jql(jql, scheme, NOW, exists)
        where = f"WHERE {query.where}" if query.where else ""
        rows = conn.execute(
            f"SELECT key FROM jira_issues {where} ORDER BY {query.order}", query.params
        )
        return [row[0] for row in rows]


def error(store: Store, jql: str) -> str:
    with pytest.raises(ValueError) as caught:
        keys(store, jql)
    return str(caught.value)


def test_and_binds_tighter_than_or_and_not_negates() -> None:
    query = parse("project = DEL OR issuetype = Risk AND NOT status = Done ORDER BY key DESC")
    assert isinstance(query.where, Junction) and query.where.op == "or"
    right = query.where.parts[1]
    assert isinstance(right, Junction) and right.op == "and"
    assert isinstance(right.parts[1], Negation)
    assert query.order == [("key", "desc")]
    grouped = parse("(project = DEL OR project = OPS) AND key in (DEL-1, 'DEL-2')")
    assert isinstance(grouped.where, Junction) and grouped.where.op == "and"
    assert grouped.where.parts[1] == Clause("key", "in", ("DEL-1", "DEL-2"), True)


@pytest.mark.parametrize(
    ("jql", "expected"),
    [
        ("project = DEL AND issuetype = Priority", ["DEL-11", "DEL-1"]),
        ("issuetype in (Priority, Outcome) ORDER BY key", ["DEL-1", "DEL-2", "DEL-11", "DEL-12"]),
        ("type = Risk ORDER BY created ASC", ["DEL-10", "DEL-20"]),
        ("key = del-5", ["DEL-5"]),
        ("issuekey in (DEL-3, DEL-4) ORDER BY key ASC", ["DEL-3", "DEL-4"]),
        ("status = Done", ["DEL-18", "DEL-8"]),
        ('statusCategory = "Done" ORDER BY key', ["DEL-8", "DEL-18"]),
        ("statusCategory != new", ["DEL-18", "DEL-8"]),
        ("issuetype = Milestone AND status not in (Done)", ["DEL-19", "DEL-9"]),
        ("project = DEL AND created >= 2026-03-19", ["DEL-20", "DEL-19"]),
        ('project = DEL AND updated > "2026/03/18 10:15"', ["DEL-20", "DEL-19"]),
        ('project = DEL AND updated >= "2026-03-18 10:16"', ["DEL-20", "DEL-19"]),
        ("project = DEL AND updated < 2026/03/02", ["DEL-1"]),
        ("project = DEL AND updated <= '2026-03-02 10:15'", ["DEL-2", "DEL-1"]),
        ('project = DEL AND updated >= "-14d"', ["DEL-20", "DEL-19", "DEL-18"]),
        ('project = DEL AND updated >= "-13d"', ["DEL-20", "DEL-19"]),
        ('project = DEL AND created > "-1w 7d"', ["DEL-20", "DEL-19", "DEL-18"]),
        ("project = DEL AND created > -2w", ["DEL-20", "DEL-19", "DEL-18"]),
        (
            "project = DEL AND NOT (issuetype != Target OR key = DEL-4) ORDER BY key",
            ["DEL-6", "DEL-14", "DEL-16"],
        ),
        ("project = 'Results and Delivery' AND issuetype = Risk", ["DEL-20", "DEL-10"]),
        ("project = 10000 AND issuetype = 10006", ["DEL-20", "DEL-10"]),
        ("issuetype = Strategy ORDER BY updated DESC, key", ["DEL-17", "DEL-7"]),
    ],
)
def test_queries_select_and_order_issues(store: Store, jql: str, expected: list[str]) -> None:
    assert keys(store, jql) == expected


def test_without_order_by_the_newest_key_comes_first(store: Store) -> None:
    assert keys(store, "project = DEL")[:3] == ["DEL-20", "DEL-19", "DEL-18"]


def test_order_by_alone_is_unbounded(store: Store) -> None:
    with store.read() as conn:
        query = compile_jql("ORDER BY key", Scheme.load(conn), NOW, lambda key: True)
    assert query.where is None


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        (
            "summary ~ jobs",
            "Field 'summary' does not exist or you do not have permission to view it.",
        ),
        ("project > DEL", "The operator '>' is not supported by the 'project' field."),
        ("updated = 2026-03-01", "The operator '=' is not supported by the 'updated' field."),
        ("status is EMPTY", "The operator 'is' is not supported by the 'status' field."),
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        ("issuetype in (Risk, Bug)", "The value 'Bug' does not exist for the field 'issuetype'."),
        (
            "statusCategory = Finished",
            "The value 'Finished' does not exist for the field 'statusCategory'.",
        ),
        ("key = foo", "The issue key 'foo' for field 'key' is invalid."),
        ("key = DEL-999", "An issue with key 'DEL-999' does not exist for field 'key'."),
        (
            "updated > 31/03/2026",
            "Date value '31/03/2026' for field 'updated' is invalid. Valid formats include: "
            "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
            "format e.g. '-5d', '4w 2d'.",
        ),
        (
            "project DEL",
            "Error in the JQL Query: Expecting operator but got 'DEL'. The valid operators are "
            "'=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'. "
            "(line 1, character 9)",
        ),
        (
            'project = "DEL',
            "Error in the JQL Query: The quoted string 'DEL' has not been completed. "
            "(line 1, character 11)",
        ),
        (
            "(project = DEL",
            "Error in the JQL Query: Expecting ')' but got 'the end of the query'. "
            "(line 1, character 15)",
        ),
        (
            "project = DEL jobs",
            "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'jobs'. "
            "(line 1, character 15)",
        ),
        (
            "project = ",
            "Error in the JQL Query: Expecting either a value, list or function but got 'the end "
            "of the query'. You must surround 'the end of the query' in quotation marks to use it "
            "as a value. (line 1, character 11)",
        ),
        (
            "project in DEL",
            "Error in the JQL Query: Expecting '(' but got 'DEL'. (line 1, character 12)",
        ),
        (
            "project = DEL AND\nstatus ! Done",
            "Error in the JQL Query: The character '!' is a reserved JQL character. You must "
            "enclose it in a string or use the escape '\\u0021' instead. (line 2, character 8)",
        ),
        ("updated > now()", "Unable to find JQL function 'now()'."),
        (
            "project = DEL ORDER BY summary",
            "Field 'summary' does not exist or you do not have permission to view it.",
        ),
        ("project = DEL ORDER BY status", "Not able to sort using field 'status'."),
    ],
)
def test_bad_queries_get_jiras_message(store: Store, jql: str, message: str) -> None:
    assert error(store, jql) == message
