"""Every Airtable response the sandbox serves in tests/test_sandbox_airtable.py, parsed with
pyairtable's own models: the meta API with `pyairtable.models.schema` (no field may fall back
to `UnknownFieldSchema`), records with `RecordDict` and its kin through `assert_typed_dict`,
and error bodies in the shapes pyairtable reads them (`{"error": ...}`, a 429's `errors`).

Each test of that module runs here again with every pyairtable client it makes checking each
answer it gets, 2xx and 4xx alike.
"""

from __future__ import annotations

import inspect
import itertools
import re
from collections.abc import Callable, Iterator
from typing import (
    Any,
    NotRequired,  # pydantic needs it on Python < 3.12
)
from urllib.parse import urlsplit

import pytest
import requests
from pyairtable import Api
from pyairtable.api.types import (
    RecordDeletedDict,
    RecordDict,
    UpsertResultDict,
    UserAndScopesDict,
    assert_typed_dict,
)
from pyairtable.models.schema import Bases, BaseSchema, UnknownFieldSchema, parse_field_schema
from typing_extensions import TypedDict

from tests import test_sandbox_airtable as suite
from tests.test_sandbox_airtable import (  # noqa: F401 - the suite's fixtures, for its tests
    Clock,
    Harness,
    empty,
    limited,
)

_RECORDS = re.compile(r"^/v0/app\w+/[^/]+(/listRecords)?$")
_RECORD = re.compile(r"^/v0/app\w+/[^/]+/rec\w+$")
_FIELDS = re.compile(r"^/v0/meta/bases/app\w+/tables/[^/]+/fields(/fld\w+)?$")


class ErrorDetail(TypedDict):
    type: str
    message: NotRequired[str]


class ErrorBody(TypedDict):
    """Airtable's error body: pyairtable adds `error` to the exception it raises."""

    error: ErrorDetail | str


class RateLimitedBody(TypedDict):
    errors: list[dict[str, str]]


class ListBody(TypedDict):
    records: list[RecordDict]
    offset: NotRequired[str]


class RecordsBody(TypedDict):
    records: list[RecordDict]


class DeletedBody(TypedDict):
    records: list[RecordDeletedDict]


def _typed(cls: Any, body: Any, keys: set[str]) -> None:
    """`assert_typed_dict`, and no key the TypedDict does not know (pydantic ignores extras)."""
    assert_typed_dict(cls, body)
    assert set(body) <= keys, f"{cls.__name__} has unknown keys {set(body) - keys}"


def _fields(schema: dict[str, Any]) -> None:
    parsed = parse_field_schema(schema)
    assert not isinstance(parsed, UnknownFieldSchema), f"pyairtable cannot type {schema}"
    assert parsed.type == schema["type"]


def check(response: requests.Response) -> None:
    """Parse one answer of the sandbox with the model pyairtable has for it."""
    method, path = str(response.request.method), urlsplit(str(response.request.url)).path
    body = response.json()
    if response.status_code == 429:
        _typed(RateLimitedBody, body, {"errors"})
        assert body["errors"][0]["error"] == "RATE_LIMIT_REACHED"
    elif response.status_code >= 400:
        _typed(ErrorBody, body, {"error"})
    elif path == "/v0/meta/whoami":
        _typed(UserAndScopesDict, body, {"id", "scopes"})
    elif path == "/v0/meta/bases":
        assert Bases.model_validate(body).bases
    elif path.startswith("/v0/meta/bases/") and path.endswith("/tables"):
        schema = BaseSchema.model_validate(body)
        assert all(table.primary_field_id for table in schema.tables)
        for table in body["tables"]:
            for field in table["fields"]:
                _fields(field)
    elif _FIELDS.match(path):
        _fields(body)
    else:
        _records(method, path, body)


def _records(method: str, path: str, body: Any) -> None:
    records = {"records"}
    if _RECORD.match(path):
        cls = RecordDeletedDict if method == "DELETE" else RecordDict
        _typed(
            cls, body, {"id", "deleted"} if method == "DELETE" else set(RecordDict.__annotations__)
        )
    elif not _RECORDS.match(path):
        raise AssertionError(f"no pyairtable model for {method} {path}")
    elif method == "GET" or path.endswith("/listRecords"):
        _typed(ListBody, body, {"records", "offset"})
    elif method == "DELETE":
        _typed(DeletedBody, body, records)
    elif "createdRecords" in body:
        _typed(UpsertResultDict, body, {"createdRecords", "updatedRecords", "records"})
    elif "records" in body or method != "POST":
        _typed(RecordsBody, body, records)
    else:  # a single create
        _typed(RecordDict, body, set(RecordDict.__annotations__))


class Checked:
    """How many answers were parsed, and the first that was not."""

    def __init__(self) -> None:
        self.count = 0
        self.failures: list[str] = []

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if not urlsplit(str(response.request.url)).path.startswith("/v0/"):
            return
        self.count += 1
        try:
            check(response)
        except Exception as failure:  # reported after the test: a hook must not raise
            request = response.request
            self.failures.append(f"{request.method} {request.url}: {failure}")


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    """The suite's harness (its token and clock), here for this module."""
    from connector.sandbox.server import start_sandbox

    clock = Clock()
    with start_sandbox(seed="empty", token=suite.TOKEN, anchor=suite.ANCHOR, clock=clock) as up:
        yield Harness(up, clock)


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> Checked:
    """Every pyairtable client made from here on checks each answer it gets."""
    checker = Checked()
    made = Api.__init__

    def checking(self: Api, *args: Any, **kwargs: Any) -> None:
        made(self, *args, **kwargs)
        self.session.hooks["response"].append(checker)

    monkeypatch.setattr(Api, "__init__", checking)
    return checker


def _cases() -> Iterator[Any]:
    """(test, its parametrized arguments) for every test of the suite, marks expanded."""
    for name, test in vars(suite).items():
        if not (name.startswith("test_") and callable(test)):
            continue
        marks = [m for m in getattr(test, "pytestmark", []) if m.name == "parametrize"]
        grids = []
        for mark in marks:
            raw = mark.args[0]
            names = [n.strip() for n in (raw.split(",") if isinstance(raw, str) else raw)]
            grids.append([dict(zip(names, _row(v, len(names)), strict=True)) for v in mark.args[1]])
        for index, combo in enumerate(itertools.product(*grids)):
            given = {k: v for part in combo for k, v in part.items()}
            yield pytest.param(test, given, id=f"{name}[{index}]" if grids else name)


def _row(value: Any, width: int) -> tuple[Any, ...]:
    return tuple(value) if width > 1 else (value,)


@pytest.mark.parametrize(("test", "given"), list(_cases()))
def test_every_answer_parses_with_pyairtables_models(
    test: Callable[..., None],
    given: dict[str, Any],
    checked: Checked,
    request: pytest.FixtureRequest,
) -> None:
    arguments = {
        name: given[name] if name in given else request.getfixturevalue(name)
        for name in inspect.signature(test).parameters
    }
    test(**arguments)
    assert checked.count > 0, "the test made no request through pyairtable"
    assert not checked.failures, "\n".join(checked.failures[:5])


def test_a_shape_pyairtable_cannot_type_is_caught() -> None:
    """The check fails on what a sandbox must never serve (so it can fail at all)."""
    bad_field = {"id": "fldAAAAAAAAAAAAAA", "name": "When", "type": "dateTime", "options": {}}
    with pytest.raises(AssertionError, match="cannot type"):
        _fields(bad_field)
    with pytest.raises(Exception, match="records"):
        _typed(ListBody, {"records": [{"id": "recA", "fields": {}}]}, {"records", "offset"})
