"""Checked rule trees built by hand, until rule text parses: small constructors per node."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from segmint.segments.rules.tree import (
    Arithmetic,
    Between,
    Compare,
    FieldRef,
    Filter,
    In,
    IsNull,
    Literal,
    LiteralValue,
    Logical,
    Member,
    Node,
    Not,
    Rule,
    Span,
    Type,
    Window,
)

AT = Span(0, 0)
_TYPES = {bool: Type.BOOL, int: Type.INT, Decimal: Type.MONEY, str: Type.TEXT, dt.date: Type.DATE}
WINDOW_TYPES = {
    "count": Type.INT,
    "sum": Type.MONEY,
    "share": Type.FLOAT,
    "absent": Type.BOOL,
    "streak": Type.INT,
}


def field(name: str, kind: Type = Type.INT) -> FieldRef:
    return FieldRef(name, kind, AT)


def lit(value: LiteralValue) -> Literal:
    return Literal(value, Type.NULL if value is None else _TYPES[type(value)], AT)


def cmp(op: str, left: Node, right: Node) -> Compare:
    return Compare(op, left, right, AT)


def both(*operands: Node) -> Logical:
    return Logical("and", operands, AT)


def either(*operands: Node) -> Logical:
    return Logical("or", operands, AT)


def no(operand: Node) -> Not:
    return Not(operand, AT)


def among(operand: Node, *values: LiteralValue, negated: bool = False) -> In:
    return In(operand, tuple(lit(v) for v in values), negated, AT)


def between(operand: Node, low: Node, high: Node, *, negated: bool = False) -> Between:
    return Between(operand, low, high, negated, AT)


def is_null(operand: Node, *, negated: bool = False) -> IsNull:
    return IsNull(operand, negated, AT)


def arith(op: str, left: Node, right: Node) -> Arithmetic:
    return Arithmetic(op, left, right, AT)


def window(
    measure: str,
    source: str,
    days: int | None = None,
    *filters: Filter,
    without: str | None = None,
) -> Window:
    """A window whose key is its call as text (what `check` writes)."""
    args = [source, *([str(days)] if days is not None else [])]
    args += [f"{f.column} in {f.values!r}" if f.values else f.column for f in filters]
    args += [f"without = {without}"] if without else []
    key = f"{measure}({', '.join(args)})"
    return Window(measure, source, days, filters, without, WINDOW_TYPES[measure], key, AT)


def member(segment: str, rule: Rule | None = None) -> Member:
    return Member(segment, rule, AT)


def rule(tree: Node, text: str = "") -> Rule:
    return Rule(text, tree, (), (), ())
