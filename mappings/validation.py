"""Pydantic's validation errors as config errors: key path, what is wrong, did you mean, fix."""

from __future__ import annotations

import difflib
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from mappings.errors import ConfigError

Location = Sequence[int | str]

# The error type of `keyed_error`: a check that names a key other than its own location.
KEYED = "keyed"
EVERY_KEY_FIX = "Correct each key listed; unknown keys are errors so typos are never ignored."
_TAG_KINDS = ("union_tag_invalid", "union_tag_not_found")


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of a validated file: its key path, what is wrong, and pydantic's error type."""

    path: str  # e.g. "sources.jira.url", "entities.risk.required[1]"
    message: str
    kind: str  # e.g. "extra_forbidden", "missing", or KEYED


def keyed_error(path: str, reason: str) -> PydanticCustomError:
    """An error for a validator to raise about the key at `path` (from the file's top)."""
    return PydanticCustomError(KEYED, "{reason}", {"reason": reason, "path": path})


def unknown_key(name: str, allowed: Sequence[str]) -> str:
    """'unknown key 'x' (did you mean 'y'?); allowed: ...', the hint only when one is close."""
    close = difflib.get_close_matches(name, list(allowed), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {name!r}{hint}; allowed: {', '.join(allowed)}"


def config_error(
    error: ValidationError,
    model: type[BaseModel],
    where: str,
    *,
    what: str,
    fix: Callable[[Problem], str],
    fix_all: str = EVERY_KEY_FIX,
) -> ConfigError:
    """The ConfigError of a failed validation of `model` read from `where` (a file): the one
    problem at `<where>: <key.path>`, or every problem listed, each so, when there are several.

    `what` names the file's kind ("the config file"); `fix` words the fix of one problem.
    """
    problems = [describe(item, model) for item in error.errors()]
    if len(problems) == 1:
        [problem] = problems
        return ConfigError(problem.message, where=f"{where}: {problem.path}", fix=fix(problem))
    lines = [f"{where}: {problem.path}: {problem.message}" for problem in problems]
    return ConfigError(f"{len(problems)} problems in {what}:\n  " + "\n  ".join(lines), fix=fix_all)


def describe(item: ErrorDetails, model: type[BaseModel]) -> Problem:
    """The key path and message of one pydantic error item of `model`."""
    loc, kind, context = tuple(item["loc"]), item["type"], item.get("ctx") or {}
    if kind == KEYED:
        return Problem(str(context["path"]), str(context["reason"]), kind)
    path = key_path(loc, model)
    if kind == "extra_forbidden":
        return Problem(path, unknown_key(str(loc[-1]), allowed_keys(model, loc[:-1])), kind)
    if kind in _TAG_KINDS:
        name = str(context.get("discriminator", "type")).strip("'")
        tags = " or ".join(f'"{tag}"' for tag in _tags(_follow(model, loc), name))
        return Problem(f"{path}.{name}", f"{name} must be {tags}" if tags else item["msg"], kind)
    if loc and loc[-1] == "[key]":  # a dict key; an unknown key when the keys are a fixed set
        names = _key_names(_follow(model, loc[:-2]))
        if names:
            return Problem(path, unknown_key(str(loc[-2]), names), "extra_forbidden")
    if kind in ("literal_error", "enum"):
        message = f"{item['input']!r} is not allowed; expected {context.get('expected')}"
        return Problem(path, message, kind)
    if kind == "missing":
        return Problem(path, f"missing key {loc[-1]!r}" if loc else "missing key", kind)
    message = item["msg"].removeprefix("Value error, ")
    if isinstance(item.get("input"), str | int | float | bool) and kind != "value_error":
        message += f" (got {item['input']!r})"
    return Problem(path, message, kind)


def key_path(loc: Location, model: type[BaseModel] | None = None) -> str:
    """A pydantic location as a config key path, `entities.risk.required[1]`: without the
    `[key]` marks of dict keys and, given the model, the tags of discriminated unions."""
    path = ""
    current: Any = model
    for part in loc:
        if part == "[key]":
            continue
        member = _member(current, part)
        if member is not None:  # a tag pydantic adds after a discriminated union's place
            current = member
            continue
        current = _step(current, part)
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path or "(top level)"


def allowed_keys(model: type[BaseModel], loc: Location) -> list[str]:
    """The keys the table at a pydantic location accepts (tags included in `loc`), in the order
    the model declares them; none if the location is not a table."""
    found = _unwrap(_follow(model, loc))
    if isinstance(found, type) and issubclass(found, BaseModel):
        return list(found.model_fields)
    return []


def _follow(model: type[BaseModel], loc: Location) -> Any:
    """The annotation at a pydantic location, walked from `model`; None when lost."""
    current: Any = model
    for part in loc:
        if part != "[key]":
            current = _member(current, part) or _step(current, part)
    return current


def _step(annotation: Any, part: int | str) -> Any:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return None if field is None else field.annotation
    origin = get_origin(annotation)
    if origin is dict:
        return get_args(annotation)[1]
    if origin is list:
        return get_args(annotation)[0]
    return None


def _member(annotation: Any, part: int | str) -> Any:
    """The model of a union whose tag (a Literal field) is `part`, or None."""
    annotation = _unwrap(annotation)
    if get_origin(annotation) not in (Union, types.UnionType):
        return None
    for member in get_args(annotation):
        for field in getattr(member, "model_fields", {}).values():
            if get_origin(field.annotation) is Literal and get_args(field.annotation) == (part,):
                return member
    return None


def _tags(annotation: Any, name: str) -> list[str]:
    """The tags a discriminated union accepts in its field `name`."""
    members = get_args(_unwrap(annotation))
    fields = [getattr(member, "model_fields", {}).get(name) for member in members]
    return [str(tag) for field in fields if field is not None for tag in get_args(field.annotation)]


def _key_names(annotation: Any) -> list[str]:
    """The keys a dict allows when its key type is an enum or a Literal; else none."""
    annotation = _unwrap(annotation)
    if get_origin(annotation) is not dict:
        return []
    key = _unwrap(get_args(annotation)[0])
    if isinstance(key, type) and issubclass(key, Enum):
        return [str(member.value) for member in key]
    return [str(value) for value in get_args(key)] if get_origin(key) is Literal else []


def _unwrap(annotation: Any) -> Any:
    """The type inside `Annotated[...]` and `X | None`."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(
            annotation
        ):
            rest = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        else:
            return annotation
