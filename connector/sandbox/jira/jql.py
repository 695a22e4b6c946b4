"""The sandbox's JQL subset: a tokenizer and recursive-descent parser with Jira's error messages.

Supported: `project`, `issuetype` (`type`), `key` (`issuekey`), `status`, `statusCategory` with
`=`, `!=`, `in`, `not in`; `updated` / `created` (`updatedDate`, `createdDate`) with `>`, `>=`,
`<`, `<=` and Jira's date forms ("yyyy/MM/dd HH:mm", "yyyy-MM-dd HH:mm", "yyyy/MM/dd",
"yyyy-MM-dd", or a period such as "-5d", "-4w 2d", "-1h", "30m"); `AND`, `OR`, `NOT` and
parentheses; `ORDER BY` `updated`, `created`, `key` with `ASC`/`DESC`. Everything else is a
JqlError carrying the message Jira gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

KEYWORDS = frozenset(
    {"and", "or", "not", "in", "is", "order", "by", "asc", "desc", "empty", "null"}
)
OPERATORS = ("!=", ">=", "<=", "!~", "=", ">", "<", "~")
VALID_OPERATORS = (
    "The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', "
    "'IS' and 'IS NOT'."
)
# A bare word runs until whitespace or a character with meaning in JQL.
WORD = re.compile(r"[^\s()=!<>~,\"']+")


class JqlError(ValueError):
    """A query Jira would reject; the message is Jira's (errorMessages of a 400)."""


@dataclass(frozen=True)
class Token:
    kind: str  # word | string | op | ( | ) | , | eof
    text: str
    pos: int

    def keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


@dataclass(frozen=True)
class Clause:
    field: str  # as the user typed it
    op: str  # lower case: "=", "!=", "in", "not in", "is", "is not", ">", ...
    values: tuple[str, ...]
    is_list: bool


@dataclass(frozen=True)
class Junction:
    op: str  # "and" | "or"
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Negation:
    part: Node


Node = Clause | Junction | Negation


@dataclass(frozen=True)
class Query:
    where: Node | None
    order: list[tuple[str, str]] = field(default_factory=list)  # (field as typed, "asc"|"desc")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "(),":
            tokens.append(Token(ch, ch, i))
            i += 1
        elif ch in "\"'":
            i = _string(text, i, tokens)
        elif op := next((o for o in OPERATORS if text.startswith(o, i)), None):
            tokens.append(Token("op", op, i))
            i += len(op)
        elif ch == "!":
            raise _syntax(
                text,
                i,
                "The character '!' is a reserved JQL character. You must enclose it in a string "
                "or use the escape '\\u0021' instead.",
            )
        else:
            match = WORD.match(text, i)
            assert match is not None  # every other character starts a word
            tokens.append(Token("word", match.group(), i))
            i = match.end()
    tokens.append(Token("eof", "", len(text)))
    return tokens


def _string(text: str, start: int, tokens: list[Token]) -> int:
    quote, i, chars = text[start], start + 1, []
    while i < len(text) and text[i] != quote:
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        chars.append(text[i])
        i += 1
    if i >= len(text):
        raise _syntax(text, start, f"The quoted string '{''.join(chars)}' has not been completed.")
    tokens.append(Token("string", "".join(chars), start))
    return i + 1


def _syntax(text: str, pos: int, message: str) -> JqlError:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return JqlError(f"Error in the JQL Query: {message} (line {line}, character {column})")


def parse(text: str) -> Query:
    return _Parser(text).query()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def error(self, message: str, token: Token | None = None) -> JqlError:
        return _syntax(self.text, (token or self.tok).pos, message)

    def query(self) -> Query:
        where = None if self.tok.kind == "eof" or self.tok.keyword("order") else self.or_expr()
        order: list[tuple[str, str]] = []
        if self.tok.keyword("order"):
            self.take()
            if not self.tok.keyword("by"):
                raise self.error(f"Expecting 'BY' but got '{self.tok.text}'.")
            self.take()
            order = self.order_list()
        if self.tok.kind != "eof":
            raise self.error(f"Expecting either 'OR' or 'AND' but got '{self.tok.text}'.")
        return Query(where, order)

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.tok.keyword("or"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Junction("or", tuple(parts))

    def and_expr(self) -> Node:
        parts = [self.unary()]
        while self.tok.keyword("and"):
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else Junction("and", tuple(parts))

    def unary(self) -> Node:
        if self.tok.keyword("not"):
            self.take()
            return Negation(self.unary())
        if self.tok.kind == "(":
            self.take()
            inner = self.or_expr()
            if self.tok.kind != ")":
                raise self.error(
                    f"Expecting ')' but got '{self.tok.text or 'the end of the query'}'."
                )
            self.take()
            return inner
        return self.clause()

    def clause(self) -> Clause:
        name = self.take()
        if name.kind not in ("word", "string") or (
            name.kind == "word" and name.text.lower() in KEYWORDS
        ):
            shown = name.text or "the end of the query"
            raise self.error(f"Expecting a field name but got '{shown}'.", name)
        op = self.operator()
        if op in ("in", "not in"):
            if self.tok.kind != "(":
                raise self.error(f"Expecting '(' but got '{self.tok.text}'.")
            return Clause(name.text, op, self.value_list(), True)
        value = self.value()
        if self.tok.kind == "(" and value.kind == "word":
            raise JqlError(f"Unable to find JQL function '{value.text}()'.")
        return Clause(name.text, op, (value.text,), False)

    def operator(self) -> str:
        token = self.take()
        if token.kind == "op":
            return token.text
        if token.keyword("in"):
            return "in"
        if token.keyword("not") and self.tok.keyword("in"):
            self.take()
            return "not in"
        if token.keyword("is"):
            if self.tok.keyword("not"):
                self.take()
                return "is not"
            return "is"
        shown = token.text or "the end of the query"
        raise self.error(f"Expecting operator but got '{shown}'. {VALID_OPERATORS}", token)

    def value(self) -> Token:
        token = self.tok
        if token.kind == "string" or (
            token.kind == "word" and token.text.lower() not in KEYWORDS - {"empty", "null"}
        ):
            return self.take()
        shown = token.text or "the end of the query"
        raise self.error(
            f"Expecting either a value, list or function but got '{shown}'. You must surround "
            f"'{shown}' in quotation marks to use it as a value."
        )

    def value_list(self) -> tuple[str, ...]:
        self.take()  # "("
        values = [self.value().text]
        while self.tok.kind == ",":
            self.take()
            values.append(self.value().text)
        if self.tok.kind != ")":
            raise self.error(f"Expecting ')' but got '{self.tok.text or 'the end of the query'}'.")
        self.take()
        return tuple(values)

    def order_list(self) -> list[tuple[str, str]]:
        order = []
        while True:
            name = self.take()
            if name.kind not in ("word", "string"):
                raise self.error(f"Expecting a field name but got '{name.text}'.", name)
            direction = "asc"
            if self.tok.keyword("asc", "desc"):
                direction = self.take().text.lower()
            order.append((name.text, direction))
            if self.tok.kind != ",":
                return order
            self.take()
