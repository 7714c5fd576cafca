"""The rule tree: what rule text is made of, each node with its place in the text.

`parse` builds the *parsed* tree (names and calls as written); `check` resolves it into
the *checked* tree, where every name is a `FieldRef`, every window call a `Window` and
every `in_segment(...)` a `Member`. `compile` turns a checked tree into an engine
expression, `describe` into a sentence and `explain` into one customer's verdicts; all
three walk the same nodes, so what is computed and what is said cannot drift apart.

Every node is frozen and compares by value (positions included), so a tree can be a
golden-file expectation and `parse(render(tree))` can be checked against `tree`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Span:
    """Where a node is in the rule text: 0-based offsets, `end` exclusive."""

    start: int
    end: int


class Type(StrEnum):
    """The type of a value in a rule."""

    INT = "int"
    FLOAT = "float"
    MONEY = "money"  # exact decimal in the workspace currency
    DATE = "date"
    TEXT = "text"
    BOOL = "bool"
    NULL = "null"  # the literal `null`, comparable with nothing (`is null` instead)


NUMBERS = frozenset({Type.INT, Type.FLOAT, Type.MONEY})

LiteralValue = int | Decimal | str | bool | dt.date | None


# ---- nodes of both trees -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    """A number (int, or Decimal when it has a fraction), string, date, boolean or null."""

    value: LiteralValue
    type: Type
    span: Span


@dataclass(frozen=True, slots=True)
class Negative:
    """``-operand``: arithmetic minus of one number."""

    operand: Node
    span: Span


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """``left op right`` with op one of + - * /; a division by zero is empty (null)."""

    op: str
    left: Node
    right: Node
    span: Span


@dataclass(frozen=True, slots=True)
class Compare:
    """``left op right`` with op one of = != < <= > >= (``<>`` is read as ``!=``)."""

    op: str
    left: Node
    right: Node
    span: Span


@dataclass(frozen=True, slots=True)
class Logical:
    """``a and b and c`` or ``a or b or c`` (op "and" / "or"), flattened."""

    op: str
    operands: tuple[Node, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Not:
    """``not operand``."""

    operand: Node
    span: Span


@dataclass(frozen=True, slots=True)
class In:
    """``operand [not] in (v1, v2, ...)``: literals only."""

    operand: Node
    values: tuple[Literal, ...]
    negated: bool
    span: Span


@dataclass(frozen=True, slots=True)
class Between:
    """``operand [not] between low and high``, both ends included."""

    operand: Node
    low: Node
    high: Node
    negated: bool
    span: Span


@dataclass(frozen=True, slots=True)
class IsNull:
    """``operand is [not] null``."""

    operand: Node
    negated: bool
    span: Span


# ---- nodes of the parsed tree only ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Name:
    """A name as written: a field, a source (orders), a filter (channel) or a flag."""

    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    """``function(arg, ...)`` as written; `check` decides what the arguments mean."""

    function: str
    function_span: Span
    args: tuple[Node, ...]
    span: Span


# ---- nodes of the checked tree only --------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A field of the rule table (a snapshot column or a profile field), by its name.

    ``name`` is the canonical (English) column name even when the rule used an alias.
    """

    name: str
    type: Type
    span: Span


@dataclass(frozen=True, slots=True)
class Filter:
    """A condition on the rows a window reads: ``channel = 'tmall'``, ``discounted``.

    ``column`` is the canonical filter name; ``values`` the accepted values (empty for a
    flag, which holds when the row's flag is true).
    """

    column: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Window:
    """A per-customer measure over one source's rows in the N days ending on as_of.

    ``measure``: count (INT), sum (MONEY: net revenue of orders), share (FLOAT: rows
    passing the filters over all rows in the window; empty when there are none), absent
    (BOOL: no row passes), streak (INT: consecutive days ending on as_of with a row
    that passes and no row of ``without``; ``days`` is None).
    ``key`` names the operand's column in compiled tables and its value in explanations.
    """

    measure: str
    source: str
    days: int | None
    filters: tuple[Filter, ...]
    without: str | None
    type: Type
    key: str
    span: Span


@dataclass(frozen=True, slots=True)
class Member:
    """``in_segment('name')``: the customer is a member of another segment.

    ``rule`` is that segment's checked rule (inlined, cycles refused by `check`), or
    None for a static segment, whose frozen member list the compiler is given.
    """

    segment: str
    rule: Rule | None
    span: Span


Node = (
    Literal
    | Negative
    | Arithmetic
    | Compare
    | Logical
    | Not
    | In
    | Between
    | IsNull
    | Name
    | Call
    | FieldRef
    | Window
    | Member
)


@dataclass(frozen=True, slots=True)
class Rule:
    """A checked rule: its text, its tree (type BOOL) and what it reads.

    ``fields``: canonical names of the fields it reads (in first-use order);
    ``windows``: its window operands, one per distinct key; ``segments``: the segments
    it refers to, directly or through them.
    """

    text: str
    tree: Node
    fields: tuple[str, ...]
    windows: tuple[Window, ...]
    segments: tuple[str, ...]
