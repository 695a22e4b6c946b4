"""Jira wiki markup (rich text of Jira Server/Data Center, API v2) to plain text lines."""

from __future__ import annotations

import re

# Line starts: a heading (h1. to h6.), a quote (bq.), list markers (* - # and their nesting
# such as "#*"), each followed by a space, as Jira's renderer requires.
_HEADING = re.compile(r"^\s*(?:h[1-6]|bq)\.\s+")
_LIST = re.compile(r"^\s*[*#-]+\s+")
_RULE = re.compile(r"^\s*-{4,}\s*$")
# Block macros alone on a line ({code}, {noformat:title=x}, {quote}, {panel}, {color:red}...).
_MACRO = re.compile(r"\{(?:code|noformat|quote|panel|color|anchor)(?::[^}]*)?\}")
_VERBATIM = re.compile(r"^\s*\{(code|noformat)(?::[^}]*)?\}")
_INLINE_VERBATIM = re.compile(r"\{(code|noformat)(?::[^}]*)?\}(.*?)\{\1\}")
# Inline effects: *strong* _emphasis_ -deleted- +inserted+ ^super^ ~sub~ ??citation?? and
# {{monospace}}. Like Jira, an effect opens after a non-word character and closes before
# one, so that 2026-06-30 or snake_case never reads as markup.
_EFFECT = re.compile(r"(?<![\w*_+^~-])([*_+^~-])(?=\S)(.+?)(?<=\S)\1(?![\w])")
_CITATION = re.compile(r"\?\?(?=\S)(.+?)(?<=\S)\?\?")
_MONOSPACE = re.compile(r"\{\{(.+?)\}\}")
# Links: [text|target], [target], [~username] (a mention); an escaped \[ is not a link.
_LINK = re.compile(r"\[([^\[\]|]*?)(?:\|([^\[\]]*))?\]")
_ESCAPE = re.compile(r"\\([\\*_+^~\-#\[\]{}|?!])")
_TABLE_CELLS = re.compile(r"\|\|?")
_HIDDEN = 0xF0000  # escaped characters move to a private-use plane while markup is read
_UNHIDE = re.compile("[\U000f0000-\U000ffffd]")


def wiki_text(markup: str) -> str:
    """The text of Jira wiki markup: one line per line typed, markup removed.

    Headings (`h1. Title`), list items (`* item`, `# item`, `- item`, nested `#* item`) and
    quotes become their text; `*bold*` and the other text effects, `{{mono}}`, links
    (`[text|url]`) and mentions (`[~name]` as `@name`) become what they show; `\\\\` (a forced
    break) starts a new line; `{code}` and `{noformat}` blocks keep their lines unchanged;
    table rows become their cells joined by " | "; horizontal rules and blank lines go.
    """
    lines: list[str] = []
    verbatim: str | None = None
    for raw in markup.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if verbatim is not None:
            end = raw.find("{" + verbatim)
            if end >= 0:
                lines.append(raw[:end])
                verbatim = None
            else:
                lines.append(raw)
            continue
        opened = _VERBATIM.match(raw)
        if opened is not None and raw.count("{" + opened[1]) == 1:
            verbatim = opened[1]
            lines.append(raw[opened.end() :])
            continue
        lines.extend(_line(part) for part in raw.split("\\\\"))
    return "\n".join(line for line in (text.strip() for text in lines) if line)


def _line(raw: str) -> str:
    if _RULE.match(raw):
        return ""
    # Escaped characters (\\*) and one-line {noformat}...{noformat} are text: hidden from
    # the markup rules, then shown as typed.
    text = _INLINE_VERBATIM.sub(lambda found: _hide(found[2]), raw)
    text = _ESCAPE.sub(lambda found: _hide(found[1]), text)
    text = _HEADING.sub("", text, count=1)
    text = _LIST.sub("", text, count=1)
    text = _MACRO.sub("", text)
    text = _MONOSPACE.sub(r"\1", text)
    text = _CITATION.sub(r"\1", text)
    text = _LINK.sub(_link, text)
    if text.lstrip().startswith("|"):
        text = " | ".join(cell.strip() for cell in _TABLE_CELLS.split(text.strip()) if cell)
    for _ in range(3):  # nested effects, e.g. *_both_*
        unwrapped = _EFFECT.sub(r"\2", text)
        if unwrapped == text:
            break
        text = unwrapped
    return _UNHIDE.sub(lambda found: chr(ord(found[0]) - _HIDDEN), text)


def _hide(text: str) -> str:
    return "".join(chr(_HIDDEN + ord(c)) if ord(c) < 0xFFFE else c for c in text)


def _link(match: re.Match[str]) -> str:
    shown, target = match[1], match[2]
    if target is None:
        return f"@{shown[1:]}" if shown.startswith("~") else shown
    if target.startswith("~"):
        return shown or f"@{target[1:]}"
    return shown or target
