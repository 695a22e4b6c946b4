"""A mapping skeleton: TOML sections whose lines carry the evidence of each guess as a comment,
and whose unmatched lines are comments, so the file loads before the admin fills them in."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


def toml_value(value: Any) -> str:
    """A TOML literal: strings (JSON escapes are TOML's), booleans, lists, inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        parts = ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items())
        return "{ " + parts + " }"
    return str(value)


@dataclass
class Line:
    """`key = value  # comment`, or all of it commented out when not `active`."""

    key: str
    value: Any
    comment: str = ""
    active: bool = True

    def render(self, section_active: bool) -> str:
        text = f"{self.key} = {toml_value(self.value)}"
        if self.comment:
            text += f"  # {self.comment}"
        return text if self.active and section_active else f"# {text}"


@dataclass
class Section:
    """A `[table]` with its lines; an inactive one is written wholly as comments."""

    header: str
    lines: list[Line] = field(default_factory=list)
    active: bool = True
    notes: list[str] = field(default_factory=list)  # comment lines above the header

    def add(self, key: str, value: Any, comment: str = "", active: bool = True) -> None:
        self.lines.append(Line(key, value, comment, active))

    def render(self) -> list[str]:
        out = [f"# {note}" for note in self.notes]
        if self.header:
            out.append(f"[{self.header}]" if self.active else f"# [{self.header}]")
        out.extend(line.render(self.active) for line in self.lines)
        return out


@dataclass
class Skeleton:
    """The whole file: a header of comments, top-level keys, then sections in order."""

    header: list[str]
    top: Section
    sections: list[Section] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # "entities.target: ..." for the summary

    def section(self, header: str, *, active: bool = True, notes: Iterable[str] = ()) -> Section:
        found = Section(header, active=active, notes=list(notes))
        self.sections.append(found)
        return found

    def render(self) -> str:
        lines = [f"# {line}" if line else "#" for line in self.header]
        lines.append("")
        lines.extend(self.top.render())
        for section in self.sections:
            if not section.lines and section.active and not section.notes:
                continue
            lines.append("")
            lines.extend(section.render())
        if self.unmatched:
            lines += ["", "# Not matched (fill in, or leave out):"]
            lines += [f"#   {item}" for item in self.unmatched]
        return "\n".join(lines) + "\n"
