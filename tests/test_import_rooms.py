"""The rooms of ARCHITECTURE.md: `mappings` and `rules` do no I/O and import only what they may.

Walks every module's AST (imports inside functions included), so a lazy import cannot slip by.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NO_IO = frozenset({"jira", "pyairtable", "requests", "sqlite3", "urllib", "http", "socket"})
OURS = frozenset({"connector", "mappings", "rules", "reports"})
MAY_IMPORT = {"mappings": {"mappings"}, "rules": {"mappings", "rules"}}


def imported(source: str) -> set[str]:
    """The top-level packages a module's source imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value.split(".")[0])
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_no_io_library_and_only_the_rooms_it_may_enter(package: str) -> None:
    assert modules(package), f"no modules found under {package}/"
    for path in modules(package):
        names = imported(path.read_text("utf-8"))
        where = path.relative_to(ROOT)
        assert not names & NO_IO, f"{where} imports {sorted(names & NO_IO)}"
        assert names & OURS <= MAY_IMPORT[package], f"{where} imports {sorted(names & OURS)}"


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("import sqlite3", {"sqlite3"}),
        ("def f():\n    from urllib.request import urlopen\n", {"urllib"}),
        ("import http.client as h", {"http"}),
        ("import importlib\nimportlib.import_module('requests.adapters')", {"requests"}),
        ("from .readers import read_date", set()),
    ],
)
def test_the_walk_sees_every_kind_of_import(source: str, caught: set[str]) -> None:
    assert imported(source) & NO_IO == caught
