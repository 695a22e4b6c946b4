"""Which field types each value reader and each write-back role can use (pure)."""

from __future__ import annotations

from typing import Literal

from mappings.readers import DEFAULT_READERS

Fit = Literal["fits", "loose", "no"]

# reader -> (types that fit, types it reads but where bad values are likely: a number typed
# into a text field reads until someone types "n/a").
READER_TYPES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "text": (
        frozenset({"text", "paragraph", "select", "status", "number", "date", "datetime"}),
        frozenset({"multiselect", "user", "users", "labels", "checkbox"}),
    ),
    "paragraph": (frozenset({"paragraph", "text"}), frozenset({"select"})),
    "select": (frozenset({"select", "status", "text"}), frozenset({"multiselect"})),
    "number": (frozenset({"number"}), frozenset({"text", "select"})),
    "int": (frozenset({"number", "select"}), frozenset({"text"})),
    "rating": (frozenset({"select", "number"}), frozenset({"text"})),
    "date": (frozenset({"date", "datetime"}), frozenset({"text"})),
    "datetime": (frozenset({"datetime", "date"}), frozenset({"text"})),
    "users": (frozenset({"user", "users"}), frozenset()),
    "direction": (frozenset({"select", "text"}), frozenset()),
    "bool": (  # labels and multiple selects with `true_values`: any one of them
        frozenset({"status", "checkbox", "select", "labels", "multiselect"}),
        frozenset({"text"}),
    ),
    "keys": (
        frozenset({"links", "labels", "text", "issuelinks", "issuekey"}),
        frozenset({"multiselect"}),
    ),
    "trajectory": (frozenset({"paragraph", "text"}), frozenset()),
}

# What each reader wants, as a message says it.
WANTS = {
    "text": "text",
    "paragraph": "a paragraph (long text)",
    "select": "a select list",
    "number": "a number field",
    "int": "a number or a select list of numbers",
    "rating": "a select list or a number",
    "date": "a date field",
    "datetime": "a date-time field",
    "users": "a user picker (single or multiple) or collaborator field",
    "direction": "a select list (Increase, Decrease)",
    "bool": "a status, checkbox, select list or labels",
    "keys": "linked records or a field holding keys",
    "trajectory": "a paragraph with one 'YYYY-MM-DD: value' a line",
}

# Write-back role -> (the type word it needs, the Jira custom type, the Airtable type).
WRITEBACK_TYPES: dict[str, tuple[str, str, str]] = {
    "likelihood": ("select", "select", "singleSelect"),
    "rationale": ("paragraph", "textarea", "multilineText"),
    "gaps": ("paragraph", "textarea", "multilineText"),
    "assessed": ("datetime", "datetime", "dateTime"),
}
WRITEBACK_WANTS = {
    "likelihood": "a single select list",
    "rationale": "a paragraph (long text)",
    "gaps": "a paragraph (long text)",
    "assessed": "a date-time field",
}


def reader_fit(reader: str, field_type: str) -> Fit:
    """How well a field of this type feeds the reader."""
    good, loose = READER_TYPES[reader]
    if field_type in good:
        return "fits"
    return "loose" if field_type in loose else "no"


def attribute_reader(attribute: str, reader: str | None = None) -> str:
    """The reader an attribute uses: the mapping's, else the attribute's default."""
    return reader or DEFAULT_READERS[attribute]
