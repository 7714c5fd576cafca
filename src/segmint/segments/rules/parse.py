"""Rule text -> the parsed tree: a hand-written tokenizer and a precedence parser.

Grammar, loosest first (keywords in any case; 且 或 非 are and, or, not)::

    rule       := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not"* predicate
    predicate  := sum [ ("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") sum
                      | ["not"] "in" "(" literal ("," literal)* ")"
                      | ["not"] "between" sum "and" sum
                      | "is" ["not"] "null" ]
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := "-"* primary
    primary    := number | 'text' | "date" 'YYYY-MM-DD' | "true" | "false" | "null"
                | name | name "(" [rule ("," rule)*] ")" | "(" rule ")"

Nothing is evaluated here: the tree only records what was written and where. The
limits (`MAX_RULE_LENGTH`, `MAX_DEPTH`, `MAX_TOKENS`) are checked on the text and the
tokens before parsing starts, so recursion is bounded by `MAX_DEPTH`; chains of
``not`` and unary minus are loops.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from segmint.core.errors import Phrase, RuleError
from segmint.segments.rules.tokens import (
    MAX_DEPTH,
    MAX_RULE_LENGTH,
    MAX_TOKENS,
    Token,
    tokenize,
)
from segmint.segments.rules.tree import (
    Arithmetic,
    Between,
    Call,
    Compare,
    In,
    IsNull,
    Literal,
    Logical,
    Name,
    Negative,
    Node,
    Not,
    Span,
    Type,
)
from segmint.segments.rules.where import error

__all__ = ["MAX_DEPTH", "MAX_RULE_LENGTH", "MAX_TOKENS", "parse"]

COMPARISONS = frozenset({"=", "!=", "<", "<=", ">", ">="})
_CONSTANTS: dict[str, tuple[bool | None, Type]] = {
    "true": (True, Type.BOOL),
    "false": (False, Type.BOOL),
    "null": (None, Type.NULL),
}


def parse(text: str) -> Node:
    """The parsed tree of rule `text`, every node with its `Span` in `text`.

    Parameters
    ----------
    text
        Rule text, such as ``orders_30d > 3 and tier = 'A'``.

    Returns
    -------
    Node
        Names and calls as written; `check` resolves them against a vocabulary.

    Raises
    ------
    RuleError
        The text breaks a limit or does not follow the grammar; the error's
        ``location.position`` is the offset of the problem.

    Examples
    --------
    >>> parse("orders_30d > 3").right
    Literal(value=3, type=<Type.INT: 'int'>, span=Span(start=13, end=14))
    """
    tokens = tokenize(text)
    if len(tokens) == 1:
        raise error("rules.empty", text, 0)
    parser = _Parser(text, tokens)
    node = parser.rule()
    parser.expect_end()
    return node


def _spanning(first: Node, last: Node) -> Span:
    return Span(first.span.start, last.span.end)


class _Parser:
    """Recursive descent over the tokens; one method per grammar rule."""

    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.at = 0

    # ---- looking and taking ---------------------------------------------------------

    @property
    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def accept(self, kind: str, *values: str) -> Token | None:
        token = self.peek
        if token.kind == kind and token.value in values:
            return self.take()
        return None

    def expect(self, kind: str, value: str, expected: str) -> Token:
        token = self.accept(kind, value)
        if token is None:
            raise self.unexpected(expected)
        return token

    def expect_end(self) -> None:
        if self.peek.kind != "end":
            raise self.unexpected("rules.expect.end")

    def unexpected(self, expected: str) -> RuleError:
        """The error for the token at hand, where `expected` (a catalogue key) should be."""
        token, what = self.peek, Phrase(expected)
        if token.kind == "end":
            after = self.tokens[self.at - 1].text if self.at else ""
            return error(
                "rules.unexpected_end", self.text, token.span.start, expected=what, after=after
            )
        got = token.text if token.kind == "string" else f"'{token.text}'"  # a string has quotes
        return error("rules.unexpected_token", self.text, token.span.start, expected=what, got=got)

    # ---- conditions ------------------------------------------------------------------

    def rule(self) -> Node:
        return self._logical("or", self._and)

    def _and(self) -> Node:
        return self._logical("and", self._not)

    def _logical(self, op: str, operand: Callable[[], Node]) -> Node:
        operands = [operand()]
        while self.accept("keyword", op):
            operands.append(operand())
        if len(operands) == 1:
            return operands[0]
        return Logical(op, tuple(operands), _spanning(operands[0], operands[-1]))

    def _not(self) -> Node:
        nots: list[Token] = []
        while token := self.accept("keyword", "not"):
            nots.append(token)
        node = self._predicate()
        for token in reversed(nots):
            node = Not(node, Span(token.span.start, node.span.end))
        return node

    def _predicate(self) -> Node:
        left = self._sum()
        if self.peek.kind == "op" and self.peek.value in COMPARISONS:
            op = str(self.take().value)
            right = self._sum()
            return Compare(op, left, right, _spanning(left, right))
        negated = self._not_before("in", "between")
        if self.accept("keyword", "in"):
            return self._in(left, negated=negated)
        if self.accept("keyword", "between"):
            return self._between(left, negated=negated)
        if self.accept("keyword", "is"):
            negated = self.accept("keyword", "not") is not None
            end = self.expect("keyword", "null", "rules.expect.null")
            return IsNull(left, negated, Span(left.span.start, end.span.end))
        return left

    def _not_before(self, *keywords: str) -> bool:
        """Takes a ``not`` that negates the ``in`` or ``between`` right after it."""
        if self.accept("keyword", "not") is None:
            return False
        if self.peek.kind == "keyword" and self.peek.value in keywords:
            return True
        raise self.unexpected("rules.expect.in_or_between")

    def _in(self, operand: Node, *, negated: bool) -> In:
        self.expect("op", "(", "rules.expect.list")
        values = [self._listed()]
        while self.accept("op", ","):
            values.append(self._listed())
        end = self.expect("op", ")", "rules.expect.comma_or_close")
        return In(operand, tuple(values), negated, Span(operand.span.start, end.span.end))

    def _listed(self) -> Literal:
        """A literal of an ``in`` list; a minus sign belongs to its number."""
        minus = self.accept("op", "-")
        if minus is None:
            return self._literal()
        token = self.peek
        if token.kind != "number":
            raise self.unexpected("rules.expect.number")
        self.take()
        value = -token.value  # type: ignore[operator]
        return Literal(value, _number_type(value), Span(minus.span.start, token.span.end))

    def _literal(self) -> Literal:
        node = self._constant()
        if node is None:
            raise self.unexpected("rules.expect.literal")
        return node

    def _between(self, operand: Node, *, negated: bool) -> Between:
        low = self._sum()
        self.expect("keyword", "and", "rules.expect.and")
        high = self._sum()
        return Between(operand, low, high, negated, _spanning(operand, high))

    # ---- values ----------------------------------------------------------------------

    def _sum(self) -> Node:
        return self._binary(("+", "-"), self._product)

    def _product(self) -> Node:
        return self._binary(("*", "/"), self._unary)

    def _binary(self, ops: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        left = operand()
        while token := self.accept("op", *ops):
            right = operand()
            left = Arithmetic(str(token.value), left, right, _spanning(left, right))
        return left

    def _unary(self) -> Node:
        minuses: list[Token] = []
        while token := self.accept("op", "-"):
            minuses.append(token)
        node = self._primary()
        for token in reversed(minuses):
            node = Negative(node, Span(token.span.start, node.span.end))
        return node

    def _primary(self) -> Node:
        constant = self._constant()
        if constant is not None:
            return constant
        token = self.peek
        if token.kind == "name":
            self.take()
            return (
                self._call(token) if self.peek.value == "(" else Name(str(token.value), token.span)
            )
        if opening := self.accept("op", "("):
            inner = self.rule()
            closing = self.expect("op", ")", "rules.expect.close")
            return replace(inner, span=Span(opening.span.start, closing.span.end))
        raise self.unexpected("rules.expect.value")

    def _constant(self) -> Literal | None:
        """A number, string, date, true, false or null at hand, or None."""
        token = self.peek
        if token.kind == "number":
            self.take()
            return Literal(token.value, _number_type(token.value), token.span)
        if token.kind == "string":
            self.take()
            return Literal(token.value, Type.TEXT, token.span)
        if token.kind == "keyword" and token.value in _CONSTANTS:
            self.take()
            value, kind = _CONSTANTS[str(token.value)]
            return Literal(value, kind, token.span)
        if self.accept("keyword", "date"):
            return self._date(token)
        return None

    def _date(self, keyword: Token) -> Literal:
        token = self.peek
        if token.kind != "string":
            raise self.unexpected("rules.expect.date")
        self.take()
        value = _iso_date(str(token.value))
        if value is None:
            raise error("rules.bad_date", self.text, token.span.start, got=token.text)
        return Literal(value, Type.DATE, Span(keyword.span.start, token.span.end))

    def _call(self, name: Token) -> Call:
        self.take()  # (
        args: list[Node] = []
        if not self.accept("op", ")"):
            args.append(self.rule())
            while self.accept("op", ","):
                args.append(self.rule())
            closing = self.expect("op", ")", "rules.expect.comma_or_close")
        else:
            closing = self.tokens[self.at - 1]
        span = Span(name.span.start, closing.span.end)
        return Call(str(name.value), name.span, tuple(args), span)


def _number_type(value: object) -> Type:
    return Type.FLOAT if isinstance(value, Decimal) else Type.INT


def _iso_date(written: str) -> dt.date | None:
    """The date written as YYYY-MM-DD, or None (fromisoformat also reads 20240301 and weeks)."""
    try:
        value = dt.date.fromisoformat(written)
    except ValueError:
        return None
    return value if value.isoformat() == written else None
