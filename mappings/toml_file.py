"""Reading a TOML file a person wrote (a config, a mapping): every way it can be unusable is a
ConfigError naming the file, never a traceback, however hostile the file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from mappings.errors import ConfigError

# No config or mapping needs more: a deeper file is hostile or broken, and tomllib would
# recurse once per level (Python's recursion limit is 1000).
MAX_NESTING = 100


def read_text(path: Path, *, what: str, missing: str, missing_fix: str) -> str:
    """A file's text, decoded as UTF-8; `missing` says that it does not exist."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(missing, where=str(path), fix=missing_fix) from None
    except OSError as error:
        raise ConfigError(
            f"cannot read {what}: {error.strerror or error}",
            where=str(path),
            fix="Check that it is a file and that this user may read it.",
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError(
            f"{what} is not UTF-8 text (an invalid byte on line {line})",
            where=str(path),
            fix="Save it as UTF-8 (any editor offers it), or retype that line.",
        ) from None


def parse_toml(text: str, where: str, *, what: str = "the file") -> dict[str, Any]:
    """TOML text as a dict; `where` names the file in every error."""
    depth = _nesting(text)
    if depth > MAX_NESTING:
        raise ConfigError(
            f"{what} nests arrays or tables {depth} deep; rdsync reads at most {MAX_NESTING}",
            where=where,
            fix="Write it as the documented keys and tables; nothing needs such nesting.",
        )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"not valid TOML: {error}", where=where, fix="Correct the TOML syntax there."
        ) from None
    except RecursionError:  # nesting the count above missed (it is a bound, not a parser)
        raise ConfigError(
            f"{what} nests too deeply to read",
            where=where,
            fix="Write it as the documented keys and tables.",
        ) from None
    except ValueError as error:  # Python reads no integer of over 4300 digits
        said = "a number too long to read" if "digits" in str(error) else f"a bad value ({error})"
        raise ConfigError(
            f"{what} holds {said}",
            where=where,
            fix="Correct the value; numbers in rdsync files are small.",
        ) from None


def _nesting(text: str) -> int:
    """An upper bound of how deep brackets and braces nest (strings and comments included,
    which only makes the bound safer)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}" and depth:
            depth -= 1
    return deepest
