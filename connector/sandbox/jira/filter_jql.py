"""The JQL a saved filter keeps, checked as Jira checks it on save: every field must exist, take
the operator used and, for a select list, name one of its options. Search runs only the subset
of jql_sql.py; a filter's JQL may name any field of the site (custom fields by name, `cf[N]` or
`customfield_N`), since Jira shows its results, not the sandbox."""

from __future__ import annotations

import re
from datetime import datetime

from connector.sandbox.jira.jql import Clause, JqlError, Junction, Negation, Node, parse
from connector.sandbox.jira.jql_sql import FIELDS, compile_jql
from connector.sandbox.jira.meta import FieldDef, Scheme

EMPTY = ("empty", "null")
TEXT_KINDS = frozenset({"text", "paragraph", "comment"})
# Operators by field kind, as Jira's JQL reference lists them (IS / IS NOT: EMPTY only).
OPERATORS: dict[str, frozenset[str]] = {
    "text": frozenset({"~", "!~", "is", "is not"}),
    "select": frozenset({"=", "!=", "in", "not in", "is", "is not"}),
    "user": frozenset({"=", "!=", "in", "not in", "is", "is not"}),
    "ordered": frozenset({"=", "!=", ">", ">=", "<", "<=", "in", "not in", "is", "is not"}),
}
FAMILY = {
    "text": "text",
    "paragraph": "text",
    "comment": "text",
    "select": "select",
    "users": "user",
    "user": "user",
    "labels": "select",
    "number": "ordered",
    "date": "ordered",
    "datetime": "ordered",
    "stamp": "ordered",
}
UNSORTABLE = frozenset({"users", "paragraph", "comment", "issuelinks", "labels", "parent"})
CF = re.compile(r"^(?:cf\[(\d+)\]|customfield_(\d+))$", re.IGNORECASE)


def check_filter_jql(text: str, scheme: Scheme, now: datetime) -> None:
    """JqlError with Jira's message when Jira would refuse to save `text` as a filter."""
    query = parse(text)
    if query.where is not None:
        _walk(query.where, scheme, now)
    for name, _direction in query.order:
        found = _field(name, scheme)
        if found is not None and found.kind in UNSORTABLE:
            raise JqlError(f"Field '{name}' does not support sorting.")
        if found is None and name.lower() not in FIELDS:
            raise JqlError(
                f"Field '{name}' does not exist or you do not have permission to view it."
            )


def _walk(node: Node, scheme: Scheme, now: datetime) -> None:
    if isinstance(node, Junction):
        for part in node.parts:
            _walk(part, scheme, now)
    elif isinstance(node, Negation):
        _walk(node.part, scheme, now)
    else:
        _clause(node, scheme, now)


def _clause(clause: Clause, scheme: Scheme, now: datetime) -> None:
    if clause.field.lower() in FIELDS and not clause.op.startswith("is"):
        compile_jql(_alone(clause), scheme, now, lambda _key: True)  # the search's own checks
        return
    found = _field(clause.field, scheme)
    if found is None:
        if clause.field.lower() in FIELDS:  # IS [NOT] EMPTY on a field that always has a value
            raise JqlError(
                f"The operator '{clause.op.upper()}' is not supported by the '{clause.field}' "
                "field."
            )
        raise JqlError(
            f"Field '{clause.field}' does not exist or you do not have permission to view it."
        )
    family = FAMILY.get(found.kind)
    if family is None or clause.op not in OPERATORS[family]:
        raise JqlError(
            f"The operator '{clause.op.upper()}' is not supported by the '{clause.field}' field."
        )
    if clause.op.startswith("is"):
        if clause.values[0].lower() not in EMPTY:
            raise JqlError(
                f"The value '{clause.values[0]}' is not supported with the '{clause.op.upper()}' "
                f"operator on field '{clause.field}'."
            )
        return
    if found.kind == "select":
        known = {opt.value.lower() for opt in scheme.options.get(found.id, ())}
        for value in clause.values:
            if value.lower() not in known:
                raise JqlError(f"The option '{value}' for field '{clause.field}' does not exist.")


def _field(name: str, scheme: Scheme) -> FieldDef | None:
    """A field as JQL names it: `cf[N]`, `customfield_N`, or a name (any case)."""
    number = CF.match(name)
    if number:
        wanted = int(number.group(1) or number.group(2))
        return next((f for f in scheme.fields.values() if f.custom_id == wanted), None)
    lowered = name.lower()
    return next((f for f in scheme.fields.values() if f.name.lower() == lowered), None) or (
        scheme.fields.get(lowered) if lowered in scheme.fields else None
    )


def _alone(clause: Clause) -> str:
    """One clause as JQL text again, its values quoted."""
    values = [_quoted(v) for v in clause.values]
    shown = f"({', '.join(values)})" if clause.is_list else values[0]
    return f"{_quoted(clause.field)} {clause.op} {shown}"


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
