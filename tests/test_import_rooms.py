"""The rooms of docs/architecture.md: each folder imports only the rooms it may enter, and only
`connector/` talks to a tool or a database. Walks every module's AST (imports inside functions
included), so a lazy import cannot slip by."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOL_CLIENTS = frozenset({"jira", "pyairtable", "requests", "sqlite3", "urllib", "http", "socket"})
OURS = ("connector", "mappings", "rules", "reports")

# room -> (the rooms of ours it may import, whether it may talk to a tool or a database).
# A room is a package or module path; the longest one that contains a module is its room.
ROOMS: dict[str, tuple[frozenset[str], bool]] = {
    "mappings": (frozenset({"mappings"}), False),
    "rules": (frozenset({"mappings", "rules"}), False),
    "reports": (frozenset({"mappings", "rules", "reports"}), False),
    "connector.clock": (frozenset({"connector.clock"}), False),
    "connector.config": (frozenset({"connector.config", "mappings", "rules"}), False),
    # The tool clients: what a source reads and applies; never the engine or the commands.
    "connector.sources": (
        frozenset({"connector.sources", "connector.config", "connector.clock", "mappings"}),
        True,
    ),
    # The engine: plans, applies through the sources, keeps the state, runs on a schedule;
    # before it writes, the mapping tools check each mapping against its site.
    "connector.sync": (
        frozenset(
            {"connector.sync", "connector.sources", "connector.config", "connector.clock"}
            | {"connector.mapping_tools", "mappings", "rules"}
        ),
        True,
    ),
    "connector.mapping_tools": (
        frozenset({"connector.mapping_tools", "connector.sources", "connector.config", "mappings"}),
        True,
    ),
    # The sandbox serves the tools' APIs on its own: nothing of ours beyond itself.
    "connector.sandbox": (frozenset({"connector.sandbox"}), True),
    # The commands put everything together.
    "connector.cli": (frozenset(OURS), True),
    "connector": (frozenset({"connector"}), False),  # the package's own __init__
}


def imported(source: str, package: str = "") -> set[str]:
    """The dotted modules a module's source imports, anywhere in it (relative ones resolved
    against `package`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            levels = package.split(".")
            base = levels[: len(levels) - node.level + 1] if node.level else []
            found.add(".".join([*base, *([node.module] if node.module else [])]))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def room_of(module: str) -> str:
    """The longest room that contains a dotted module name."""
    fitting = [r for r in ROOMS if _within(module, r)]
    return max(fitting, key=len) if fitting else ""


def modules() -> list[tuple[str, Path]]:
    found = []
    for top in OURS:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found.append((name, path))
    return found


def test_every_module_is_in_a_room() -> None:
    assert len(modules()) > 100
    assert [name for name, _ in modules() if not room_of(name)] == []


@pytest.mark.parametrize("room", sorted(ROOMS))
def test_a_room_imports_only_what_it_may(room: str) -> None:
    allowed, may_talk = ROOMS[room]
    mine = [(name, path) for name, path in modules() if room_of(name) == room]
    assert mine, f"no modules in the room {room}"
    for name, path in mine:
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        names = imported(path.read_text("utf-8"), package)
        ours = {n for n in names if n.split(".")[0] in OURS}
        strays = sorted(n for n in ours if not any(_within(n, a) for a in allowed))
        assert strays == [], f"{path.relative_to(ROOT)} ({room}) imports {strays}"
        if not may_talk:
            talks = {n.split(".")[0] for n in names} & TOOL_CLIENTS
            assert not talks, f"{path.relative_to(ROOT)} imports {sorted(talks)}"


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
    assert {n.split(".")[0] for n in imported(source, "mappings")} & TOOL_CLIENTS == caught


def test_relative_imports_resolve_to_their_room() -> None:
    assert imported("from .readers import read_date", "mappings") == {"mappings.readers"}
    assert imported("from ..sources import base", "connector.sync") == {"connector.sources"}
