"""Parse and run the subset of Airtable's formula language that `filterByFormula` needs.

A tokenizer and a recursive-descent parser compile a formula once into Python closures that
then run per record (see `formula_functions` for values and functions). As in Airtable, only a
formula that cannot be parsed, or that names an unknown field or function, is rejected as a
whole; one that fails on a record's values filters that record out.

Operators, loosest first: comparisons (`=`, `!=`, `<`, `>`, `<=`, `>=`), `&`, `+ -`, `* /`,
unary `-`. Field references: `{Field name}` (`\\}` escapes a brace, as pyairtable writes it) or
a bare single-word name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from connector.sandbox.airtable.formula_functions import (
    BINARY,
    CONTEXT_FUNCTIONS,
    FUNCTIONS,
    Compiled,
    EvalError,
    RecordContext,
    Value,
    to_bool,
    to_number,
)

INVALID = "Invalid formula. Please check your formula text."

LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"=", "!=", "<>", "<", ">", "<=", ">="}),
    frozenset({"&"}),
    frozenset({"+", "-"}),
    frozenset({"*", "/"}),
)

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)
    |(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    |(?P<field>\{(?:[^}\\]|\\.)*\})
    |(?P<op><=|>=|!=|<>|[=<>&+\-*/])
    |(?P<punct>[(),])
    |(?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


class _Constant:
    """A compiled part whose value does not depend on the record (folded once at compile)."""

    __slots__ = ("value",)

    def __init__(self, value: Value) -> None:
        self.value = value

    def __call__(self, context: RecordContext) -> Value:
        return self.value


def _fold(apply: Callable[[list[Value]], Value], parts: list[Compiled]) -> Compiled | None:
    """The constant result of applying a pure function to constants, if it has one."""
    if not all(isinstance(part, _Constant) for part in parts):
        return None
    try:
        return _Constant(apply([part.value for part in parts]))  # type: ignore[attr-defined]
    except EvalError:
        return None


class FormulaError(ValueError):
    """The formula is unusable as a whole; `message` is Airtable's text after its prefix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def tokenize(text: str) -> list[Token]:
    """Split a formula into tokens; anything unrecognised makes the formula invalid."""
    tokens: list[Token] = []
    position, source = 0, text.rstrip()
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise FormulaError(INVALID)
        kind = match.lastgroup
        assert kind is not None
        tokens.append(Token(kind, match.group(kind)))
        position = match.end()
    tokens.append(Token("end", ""))
    return tokens


def _unescape(body: str) -> str:
    return _ESCAPE.sub(lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


class _Parser:
    """Recursive descent over the tokens; records the fields and functions it meets."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0
        self.fields: list[str] = []
        self.unknown_functions: list[str] = []

    def peek(self) -> Token:
        return self.tokens[self.position]

    def take(self, kind: str, text: str | None = None) -> Token:
        token = self.peek()
        if token.kind != kind or (text is not None and token.text != text):
            raise FormulaError(INVALID)
        self.position += 1
        return token

    def formula(self) -> Compiled:
        compiled = self.expression(0)
        self.take("end")
        return compiled

    def expression(self, level: int) -> Compiled:
        if level == len(LEVELS):
            return self.unary()
        left = self.expression(level + 1)
        while self.peek().kind == "op" and self.peek().text in LEVELS[level]:
            operator = BINARY[self.take("op").text]
            right = self.expression(level + 1)
            left = _fold(_on_pair(operator), [left, right]) or _binary(operator, left, right)
        return left

    def unary(self) -> Compiled:
        token = self.peek()
        if token.kind == "op" and token.text in {"-", "+"}:
            self.position += 1
            operand = self.unary()
            if token.text == "+":
                return operand
            return lambda context: -to_number(operand(context))
        return self.primary()

    def primary(self) -> Compiled:
        token = self.peek()
        self.position += 1
        if token.kind == "number":
            return _Constant(float(token.text))
        if token.kind == "string":
            return _Constant(_unescape(token.text[1:-1]))
        if token.kind == "field":
            return self.field(_unescape(token.text[1:-1]))
        if token.kind == "punct" and token.text == "(":
            inner = self.expression(0)
            self.take("punct", ")")
            return inner
        if token.kind == "ident":
            if self.peek().kind == "punct" and self.peek().text == "(":
                return self.call(token.text.upper())
            if token.text.upper() in {"TRUE", "FALSE"}:
                return _Constant(token.text.upper() == "TRUE")
            return self.field(token.text)
        raise FormulaError(INVALID)

    def field(self, name: str) -> Compiled:
        self.fields.append(name)
        return lambda context: context.value(name)

    def arguments(self) -> list[tuple[Compiled, str | None]]:
        """Each argument compiled, with its field name when it is a bare field reference."""
        self.take("punct", "(")
        arguments: list[tuple[Compiled, str | None]] = []
        if self.peek().kind == "punct" and self.peek().text == ")":
            self.position += 1
            return arguments
        while True:
            token = self.peek()
            if token.kind == "end":
                raise FormulaError(INVALID)
            following = self.tokens[self.position + 1]
            compiled = self.expression(0)
            bare = token.kind == "field" and following.text in {",", ")"}
            arguments.append((compiled, _unescape(token.text[1:-1]) if bare else None))
            closing = self.take("punct")
            if closing.text == ")":
                return arguments
            if closing.text != ",":
                raise FormulaError(INVALID)

    def call(self, name: str) -> Compiled:
        arguments = self.arguments()
        if name == "LAST_MODIFIED_TIME":
            return _last_modified([field for _, field in arguments], len(arguments))
        compiled = [argument for argument, _ in arguments]
        if name in CONTEXT_FUNCTIONS:
            if compiled:
                raise FormulaError(INVALID)
            return CONTEXT_FUNCTIONS[name]
        if name not in FUNCTIONS:
            self.unknown_functions.append(name)
            return lambda context: None
        least, most, implementation = FUNCTIONS[name]
        if len(compiled) < least or (most is not None and len(compiled) > most):
            raise FormulaError(INVALID)
        if name == "IF":  # only the branch taken is worked out: IF(x, ERROR(), y) is y if not x
            return _lazy_if(compiled)
        folded = _fold(implementation, compiled)
        if folded is not None:
            return folded
        return lambda context: implementation([argument(context) for argument in compiled])


def _lazy_if(parts: list[Compiled]) -> Compiled:
    condition, then = parts[0], parts[1]
    otherwise = parts[2] if len(parts) > 2 else None

    def choose(context: RecordContext) -> Value:
        if to_bool(condition(context)):
            return then(context)
        return otherwise(context) if otherwise is not None else None

    return choose


def _last_modified(fields: list[str | None], count: int) -> Compiled:
    names = [field for field in fields if field is not None]
    if len(names) != count:
        raise FormulaError(INVALID)
    return lambda context: context.last_modified(names)


def _on_pair(operator: Callable[[Value, Value], Value]) -> Callable[[list[Value]], Value]:
    return lambda values: operator(values[0], values[1])


def _binary(operator: Callable[[Value, Value], Value], left: Compiled, right: Compiled) -> Compiled:
    return lambda context: operator(left(context), right(context))


class Formula:
    """A compiled filterByFormula; `fields` are the field names it references."""

    def __init__(self, text: str) -> None:
        self.text = text
        parser = _Parser(tokenize(text))
        if len(parser.tokens) == 1:
            raise FormulaError(INVALID)
        self._compiled = parser.formula()
        if parser.unknown_functions:
            names = ", ".join(dict.fromkeys(parser.unknown_functions))
            raise FormulaError(f"Unknown function names: {names}")
        self.fields: tuple[str, ...] = tuple(dict.fromkeys(parser.fields))

    def evaluate(self, context: RecordContext) -> Value:
        """The formula's value for one record; raises EvalError where Airtable shows #ERROR!."""
        return self._compiled(context)

    def matches(self, context: RecordContext) -> bool:
        """Whether a record passes the filter: truthy, and not an error."""
        try:
            return to_bool(self._compiled(context))
        except EvalError:
            return False


def compile_filter(text: str, known_fields: Collection[str]) -> Formula:
    """Compile a filter for a table whose fields are `known_fields` (names or ids)."""
    formula = Formula(text)
    unknown = [name for name in formula.fields if name not in known_fields]
    if unknown:
        raise FormulaError(f"Unknown field names: {', '.join(unknown)}")
    return formula
