"""A tree as canonical rule text: lower-case keywords, single spaces, minimal parentheses.

``parse(render(tree))`` is `tree` again up to positions (`without_spans` compares them);
a checked tree renders with canonical field names and window keys, which is how an
explanation names each condition.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any, TypeVar

from segmint.segments.rules.tree import (
    Arithmetic,
    Between,
    Call,
    Compare,
    FieldRef,
    In,
    IsNull,
    Literal,
    LiteralValue,
    Logical,
    Member,
    Name,
    Negative,
    Node,
    Not,
    Span,
    Window,
)

# How tightly each kind of node binds, loosest first, as the parser reads them.
_OR, _AND, _NOT, _PREDICATE, _SUM, _PRODUCT, _UNARY, _ATOM = range(1, 9)
_T = TypeVar("_T")


def render(node: Node) -> str:
    """The canonical text of `node` (a parsed or a checked tree).

    Examples
    --------
    >>> from segmint.segments.rules.parse import parse
    >>> render(parse("Orders_30d>3 AND NOT(tier='A')"))
    "Orders_30d > 3 and not tier = 'A'"
    """
    match node:
        case Logical(op=op, operands=operands):
            inner = _AND + 1 if op == "and" else _OR + 1
            return f" {op} ".join(_wrapped(o, inner) for o in operands)
        case Not(operand=operand):
            # `not (city = 'A')`, not `not city = 'A'`, which reads as if `not` bound to city
            return "not " + _wrapped(operand, _SUM)
        case Compare(op=op, left=left, right=right):
            return f"{_wrapped(left, _SUM)} {op} {_wrapped(right, _SUM)}"
        case In(operand=operand, values=values, negated=negated):
            listed = ", ".join(literal(v.value) for v in values)
            return f"{_wrapped(operand, _SUM)} {'not in' if negated else 'in'} ({listed})"
        case Between(operand=operand, low=low, high=high, negated=negated):
            word = "not between" if negated else "between"
            ends = f"{_wrapped(low, _SUM)} and {_wrapped(high, _SUM)}"
            return f"{_wrapped(operand, _SUM)} {word} {ends}"
        case IsNull(operand=operand, negated=negated):
            return f"{_wrapped(operand, _SUM)} is {'not null' if negated else 'null'}"
        case _:
            return _value(node)


def _value(node: Node) -> str:
    match node:
        case Arithmetic(op=op, left=left, right=right):
            level = _SUM if op in "+-" else _PRODUCT
            return f"{_wrapped(left, level)} {op} {_wrapped(right, level + 1)}"
        case Negative(operand=operand):
            return "-" + _wrapped(operand, _ATOM)
        case Literal(value=value):
            return literal(value)
        case Name(name=name) | FieldRef(name=name):
            return name
        case Call(function=function, args=args):
            return f"{function}({', '.join(render(a) for a in args)})"
        case Window(key=key):
            return key
        case Member(segment=segment):
            return f"in_segment({quote(segment)})"
    raise TypeError(f"not a rule node: {node!r}")  # a programming error, not user input


def _wrapped(node: Node, level: int) -> str:
    """`node`'s text, in parentheses when it binds more loosely than `level` needs."""
    text = render(node)
    return f"({text})" if _binding(node) < level else text


def _binding(node: Node) -> int:
    match node:
        case Logical(op="or"):
            return _OR
        case Logical():
            return _AND
        case Not():
            return _NOT
        case Compare() | In() | Between() | IsNull():
            return _PREDICATE
        case Arithmetic(op=op):
            return _SUM if op in "+-" else _PRODUCT
        case Negative():
            return _UNARY
        case Literal(value=int() | Decimal() as number) if number < 0:
            return _UNARY  # only an `in` list holds one; elsewhere -5 is Negative(5)
    return _ATOM


def literal(value: LiteralValue) -> str:
    """A literal value as rule text: 3, 0.5, 'it''s', date '2024-03-01', true, null."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return f"date '{value.isoformat()}'"
    return quote(value) if isinstance(value, str) else str(value)


def quote(text: str) -> str:
    """`text` in single quotes, a quote inside it doubled."""
    return "'" + text.replace("'", "''") + "'"


_NOWHERE = Span(0, 0)


def without_spans(tree: _T) -> _T:
    """`tree` with every `Span` set to 0..0, to compare trees by what they say."""
    if isinstance(tree, Span):
        return _NOWHERE  # type: ignore[return-value]
    if isinstance(tree, tuple):
        return tuple(without_spans(item) for item in tree)  # type: ignore[return-value]
    if dataclasses.is_dataclass(tree) and not isinstance(tree, type):
        changes: dict[str, Any] = {
            f.name: without_spans(getattr(tree, f.name)) for f in dataclasses.fields(tree)
        }
        return dataclasses.replace(tree, **changes)
    return tree
