"""A parsed JQL query turned into SQL over the indexed columns of `jira_issues`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from connector.sandbox.jira.jql import Clause, JqlError, Junction, Negation, Node, Query, parse
from connector.sandbox.jira.meta import CATEGORIES, Scheme
from connector.sandbox.jira.values import jira_time

# JQL name (lower case) -> canonical field.
FIELDS = {
    "project": "project",
    "issuetype": "issuetype",
    "type": "issuetype",
    "key": "key",
    "issuekey": "key",
    "status": "status",
    "statuscategory": "statusCategory",
    "updated": "updated",
    "updateddate": "updated",
    "created": "created",
    "createddate": "created",
}
EQUALITY = ("=", "!=", "in", "not in")
RANGE = (">", ">=", "<", "<=")
ORDER_COLUMNS = {"key": ("pkey", "num"), "updated": ("updated",), "created": ("created",)}
# Without ORDER BY, the newest issues come first, as on Jira Cloud.
DEFAULT_ORDER = "pkey DESC, num DESC"

DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
PERIOD = re.compile(r"^([-+]?)((?:\d+[wdhm]\s*)+)$", re.IGNORECASE)
PERIOD_PART = re.compile(r"(\d+)([wdhm])", re.IGNORECASE)
UNIT = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-[1-9][0-9]*$")


@dataclass(frozen=True)
class SqlQuery:
    where: str | None  # None: an unbounded query (no search restriction)
    params: tuple[Any, ...]
    order: str


def compile_jql(
    text: str, scheme: Scheme, now: datetime, key_exists: Callable[[str], bool]
) -> SqlQuery:
    """SQL for a JQL string, or JqlError with Jira's message."""
    query: Query = parse(text)
    params: list[Any] = []
    where = _node(query.where, _Context(scheme, now, key_exists), params) if query.where else None
    return SqlQuery(where, tuple(params), _order(query.order))


@dataclass(frozen=True)
class _Context:
    scheme: Scheme
    now: datetime
    key_exists: Callable[[str], bool]


def _node(node: Node, ctx: _Context, params: list[Any]) -> str:
    if isinstance(node, Junction):
        return "(" + f" {node.op.upper()} ".join(_node(p, ctx, params) for p in node.parts) + ")"
    if isinstance(node, Negation):
        return f"NOT {_node(node.part, ctx, params)}"
    return _clause(node, ctx, params)


def _clause(clause: Clause, ctx: _Context, params: list[Any]) -> str:
    canonical = FIELDS.get(clause.field.lower())
    if canonical is None:
        raise JqlError(
            f"Field '{clause.field}' does not exist or you do not have permission to view it."
        )
    allowed = RANGE if canonical in ("updated", "created") else EQUALITY
    if clause.op not in allowed:
        raise JqlError(
            f"The operator '{clause.op}' is not supported by the '{clause.field}' field."
        )
    if canonical in ("updated", "created"):
        params.append(_moment(clause.values[0], clause.field, ctx.now))
        return f"{canonical} {clause.op} ?"
    if clause.op in ("=", "!=") and clause.values[0].lower() in ("empty", "null"):
        raise JqlError(
            f"The operator '{clause.op}' is not supported by the '{clause.field}' field."
        )
    column, values = _lookup(canonical, clause, ctx)
    params.extend(values)
    marks = ", ".join("?" * len(values))
    negate = "NOT " if clause.op in ("!=", "not in") else ""
    return f"{column} {negate}IN ({marks})"


def _lookup(canonical: str, clause: Clause, ctx: _Context) -> tuple[str, list[Any]]:
    """The column and the stored values the clause's values stand for."""
    resolved: list[Any] = []
    for value in clause.values:
        found: Any
        if canonical == "key":
            found = _issue_key(value, clause.field, ctx)
        elif canonical == "project":
            found = getattr(ctx.scheme.project_named(value), "key", None)
        elif canonical == "issuetype":
            found = getattr(ctx.scheme.type_named(value), "id", None)
        elif canonical == "status":
            found = getattr(ctx.scheme.status_named(value), "id", None)
        else:
            found = _category(value)
        if found is None:
            raise JqlError(f"The value '{value}' does not exist for the field '{clause.field}'.")
        resolved.append(found)
    column = {
        "key": "key",
        "project": "pkey",  # the (pkey, num) index serves both this filter and ORDER BY key
        "issuetype": "type_id",
        "status": "status_id",
        "statusCategory": "category_id",
    }[canonical]
    return column, resolved


def _issue_key(value: str, field_name: str, ctx: _Context) -> str:
    key = value.upper()
    if not ISSUE_KEY.match(key):
        raise JqlError(f"The issue key '{value}' for field '{field_name}' is invalid.")
    if not ctx.key_exists(key):
        raise JqlError(f"An issue with key '{value}' does not exist for field '{field_name}'.")
    return key


def _category(value: str) -> int | None:
    lowered = value.lower()
    for cid, (key, name, _colour) in CATEGORIES.items():
        if lowered in (key, name.lower(), str(cid)):
            return cid
    return None


def _moment(value: str, field_name: str, now: datetime) -> str:
    """A JQL date value as the stored form, so the comparison is a plain string comparison."""
    for fmt in DATE_FORMATS:
        try:
            return jira_time(datetime.strptime(value, fmt).replace(tzinfo=UTC))
        except ValueError:
            continue
    period = PERIOD.match(value.strip())
    if period:
        delta = timedelta()
        for amount, unit in PERIOD_PART.findall(period.group(2)):
            delta += timedelta(**{UNIT[unit.lower()]: int(amount)})
        return jira_time(now - delta if period.group(1) == "-" else now + delta)
    raise JqlError(
        f"Date value '{value}' for field '{field_name}' is invalid. Valid formats include: "
        "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
        "format e.g. '-5d', '4w 2d'."
    )


def _order(order: list[tuple[str, str]]) -> str:
    if not order:
        return DEFAULT_ORDER
    terms: list[str] = []
    for name, direction in order:
        canonical = FIELDS.get(name.lower())
        if canonical is None:
            raise JqlError(
                f"Field '{name}' does not exist or you do not have permission to view it."
            )
        if canonical not in ORDER_COLUMNS:
            raise JqlError(f"Not able to sort using field '{name}'.")
        terms += [f"{column} {direction.upper()}" for column in ORDER_COLUMNS[canonical]]
    # A unique tie-breaker keeps offset paging stable across pages.
    if not any(term.startswith("num ") for term in terms):
        terms += ["pkey ASC", "num ASC"]
    return ", ".join(terms)
