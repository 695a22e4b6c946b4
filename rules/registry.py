"""The rule registry: every RD code once, forever, looked up by code or listed in code order."""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import TypeVar

from mappings.errors import RdsyncError
from rules.base import Rule
from rules.model import Severity

CODE_PATTERN = re.compile(r"^RD\d{3}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

R = TypeVar("R", bound=type[Rule])

_RULES: dict[str, type[Rule]] = {}
_loaded = False


class UnknownRuleError(RdsyncError, KeyError):
    """A code that no registered rule has (KeyError too, as a failed look-up)."""

    def __str__(self) -> str:  # KeyError would quote the message otherwise
        return RdsyncError.__str__(self)


def register(cls: R) -> R:
    """Class decorator: add a rule to the registry, checking the attributes every rule needs.

    A code is permanent: registering a second class under a code already taken is an error,
    so that a retired rule's code is never silently reused.
    """
    code = getattr(cls, "code", None)
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        raise TypeError(f"{cls.__qualname__}: code must look like 'RD123', not {code!r}")
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise TypeError(f"{code}: name must be kebab-case, e.g. 'owner-missing', not {name!r}")
    if not isinstance(getattr(cls, "severity", None), Severity):
        raise TypeError(f"{code}: severity must be a Severity")
    if not getattr(cls, "kinds", None):
        raise TypeError(f"{code}: kinds must name the entity kinds the rule applies to")
    if not getattr(cls, "manual", None):
        raise TypeError(f"{code}: manual must name the section of the manual it enforces")
    taken = _RULES.get(code)
    if taken is not None and taken.__qualname__ != cls.__qualname__:
        raise ValueError(f"{code} is taken by {taken.__qualname__}; codes are permanent")
    _RULES[code] = cls
    return cls


def _load_catalog() -> None:
    """Import every module of `rules.catalog` once, in name order, so that all rules register.

    Discovery rather than a list keeps a new catalog module (another team's) from being
    forgotten.
    """
    global _loaded
    if _loaded:
        return
    import rules.catalog as catalog

    for module in sorted(pkgutil.iter_modules(catalog.__path__), key=lambda m: m.name):
        importlib.import_module(f"{catalog.__name__}.{module.name}")
    _loaded = True


def all_rules() -> list[type[Rule]]:
    """Every registered rule, sorted by code."""
    _load_catalog()
    return [_RULES[code] for code in sorted(_RULES)]


def get_rule(code: str) -> type[Rule]:
    """The rule with this code; UnknownRuleError (an RdsyncError) when there is none."""
    _load_catalog()
    found = _RULES.get(code.strip().upper())
    if found is None:
        raise UnknownRuleError(f"no rule {code}; `rdsync rules` lists them")
    return found


def matching(prefix: str) -> list[type[Rule]]:
    """The rules whose code starts with a code or prefix ('RD1', 'RD10', 'RD107')."""
    wanted = prefix.strip().upper()
    return [rule for rule in all_rules() if rule.code.startswith(wanted)]
