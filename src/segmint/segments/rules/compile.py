"""Checked segment rules compiled to engine expressions: one query for many rules.

`evaluate` gives every customer of a base table (`store.relations.rule_table`) one
boolean per rule; `operands` gives one rule's operands beside its verdict, for
explanations and exports. Both build expressions and never execute them.

Semantics (the text side's Python evaluator implements the same):

- **Two-valued logic.** Every comparison, ``in`` and ``between`` is false when an
  operand is empty (``coalesce(..., false)``); ``is [not] null`` tests emptiness; ``not``
  flips; ``and`` / ``or`` as usual. A bare boolean field is false when empty. So
  ``city != '上海'`` and ``city not in ('上海')`` are false for a customer without a city,
  while ``not (city = '上海')`` is true for her.
- **Arithmetic.** A division by zero is empty; an INT divided by an INT is a float; a
  date plus or minus an INT moves it by that many days; a date minus a date is days.
- **Numbers.** Money is compared exactly: a decimal literal stays a DECIMAL, so
  ``revenue_365d = 1234.56`` holds for exactly 1234.56. A FLOAT compared with a decimal
  compares as binary floats (the decimal rounded to the nearest double).
- **Windows** are `segmint.features.windows`' measures, joined to the base once per
  source; a customer with no row of the source has count 0, sum 0, absent true, streak 0
  and an empty share.
- **Segments.** ``in_segment`` of a rule segment is that rule, compiled inline; of a
  static segment, membership in its frozen member list (`Context.members`).

Literals become ibis literals, bound in the expression tree: no rule text is formatted
into SQL. The compiler is a table from node class to a small function (ibis's compilers
and datasette's filters are the model), so the nodes it knows are read off one dict.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, get_args

import ibis
import ibis.expr.datatypes as dtypes
import ibis.expr.types as ir

from segmint.core.errors import Location, RuleError
from segmint.features.windows import EMPTY, window_measures
from segmint.segments.rules.tree import (
    Arithmetic,
    Between,
    Compare,
    FieldRef,
    In,
    IsNull,
    Literal,
    Logical,
    Member,
    Negative,
    Node,
    Not,
    Rule,
    Window,
)
from segmint.store.relations import Sources

MEMBER_PREFIX = "in_segment:"  # an operand column of `operands`: in_segment:<name>


@dataclass(frozen=True)
class Context:
    """What a compiled rule reads besides its base table.

    ``sources``: the canonical relations windows count in; ``as_of``: the day windows end
    on (days since 1970-01-01); ``members``: a static segment's frozen member list, as a
    table with ``customer_id``, by segment name (None when no rule names one).
    """

    sources: Sources
    as_of: int
    members: Callable[[str], ir.Table] | None = None


@dataclass(frozen=True)
class _Env:
    """The joined table rules are compiled over and the column of each window key."""

    table: ir.Table
    windows: Mapping[str, str]
    ctx: Context


def evaluate(rules: Mapping[str, Rule], base: ir.Table, ctx: Context) -> ir.Table:
    """One boolean per rule for every customer of `base`, in one expression.

    Parameters
    ----------
    rules : mapping of str to Rule
        Checked rules by segment name.
    base : ibis Table
        One row per customer with ``customer_id`` and the fields the rules read.
    ctx : Context
        The sources, as_of and static member lists.

    Returns
    -------
    ibis Table
        ``customer_id`` and one BOOLEAN column per rule name, never null.

    Raises
    ------
    RuleError
        A node a checked tree cannot hold (``rules.cannot_compile``) or a static segment
        without a member list (``rules.no_member_list``).
    """
    env = _joined(base, _all_windows(rules.values()), ctx)
    verdicts = {name: _condition(rule.tree, env) for name, rule in rules.items()}
    return env.table.select("customer_id", **verdicts)


def operands(rule: Rule, base: ir.Table, ctx: Context) -> ir.Table:
    """What `rule` reads for every customer of `base`, and whether it holds.

    Parameters
    ----------
    rule : Rule
        A checked rule.
    base : ibis Table
        One row per customer with ``customer_id`` and the fields the rule reads.
    ctx : Context
        The sources, as_of and static member lists.

    Returns
    -------
    ibis Table
        ``customer_id``; one column per operand the rule reads directly, named by its
        key: a field's canonical name, a window's key, ``in_segment:<name>`` (a BOOLEAN)
        for a segment; and ``held``, the rule's BOOLEAN verdict. Fields and windows of
        a segment's own rule are not listed: its verdict is.

    Raises
    ------
    RuleError
        As `evaluate`.
    """
    env = _joined(base, _all_windows([rule]), ctx)
    read: dict[str, ir.Value] = {}
    for node in _walk(rule.tree):
        if isinstance(node, FieldRef):
            read.setdefault(node.name, env.table[node.name])
        elif isinstance(node, Window):
            read.setdefault(node.key, env.table[env.windows[node.key]])
        elif isinstance(node, Member):
            read.setdefault(MEMBER_PREFIX + node.segment, _member(node, env))
    return env.table.select("customer_id", **read, held=_condition(rule.tree, env))


# ---- the joined table ----------------------------------------------------------------


def _joined(base: ir.Table, windows: list[Window], ctx: Context) -> _Env:
    """`base` with every window's column, each source's table joined once."""
    # Columns named by position, not by key: keys hold user text, and DuckDB matches
    # names without regard to case, so two keys differing in case would collide.
    names = {w.key: f"_w{i}" for i, w in enumerate(windows)}
    t = base
    for table in window_measures(ctx.sources, ctx.as_of, windows, names=names).values():
        t = t.left_join(table, "customer_id").drop("customer_id_right")
    fills = {
        names[w.key]: t[names[w.key]].fill_null(EMPTY[w.measure])
        for w in windows
        if w.measure in EMPTY
    }
    return _Env(t.mutate(**fills) if fills else t, names, ctx)


def _all_windows(rules: Iterable[Rule]) -> list[Window]:
    """The distinct windows of `rules` and of the rule segments they name, by key."""
    found: dict[str, Window] = {}
    for rule in rules:
        for node in _walk(rule.tree):
            if isinstance(node, Window):
                found.setdefault(node.key, node)
            elif isinstance(node, Member) and node.rule is not None:
                for w in _all_windows([node.rule]):
                    found.setdefault(w.key, w)
    return list(found.values())


def _walk(node: Node) -> Iterator[Node]:
    """`node` and the nodes under it, in order; a segment's rule is not entered."""
    yield node
    for f in fields(node):
        value = getattr(node, f.name)
        for child in value if isinstance(value, tuple) else (value,):
            if isinstance(child, _NODE_TYPES):
                yield from _walk(child)


# ---- the compilers, one per node class -----------------------------------------------


def _compile(node: Node, env: _Env) -> ir.Value:
    compiler = _COMPILERS.get(type(node))
    if compiler is None:
        raise RuleError(
            "rules.cannot_compile",
            location=Location(position=node.span.start),
            node=type(node).__name__,
        )
    return compiler(node, env)


def _condition(node: Node, env: _Env) -> ir.BooleanValue:
    """`node` as a condition: an empty boolean field or literal is false."""
    value = _compile(node, env)
    return value.fill_null(False) if isinstance(node, FieldRef | Literal) else value


def _literal(node: Literal, env: _Env) -> ir.Value:
    if node.value is None:
        return ibis.null()
    if isinstance(node.value, Decimal):
        return ibis.literal(node.value, _decimal_type(node.value))
    return ibis.literal(node.value, _LITERAL_TYPES[type(node.value)])


_LITERAL_TYPES: dict[type, str] = {bool: "boolean", int: "int64", str: "string", dt.date: "date"}


def _decimal_type(value: Decimal) -> dtypes.Decimal:
    """The exact DECIMAL type of `value`: as many digits as it has, scale as written."""
    exponent = value.as_tuple().exponent
    scale = max(0, -exponent) if isinstance(exponent, int) else 0
    digits = len(value.as_tuple().digits)
    return dtypes.Decimal(precision=max(digits, scale + 1, 1), scale=scale)


def _negative(node: Negative, env: _Env) -> ir.Value:
    return -_compile(node.operand, env)


def _arithmetic(node: Arithmetic, env: _Env) -> ir.Value:
    left, right = _compile(node.left, env), _compile(node.right, env)
    if left.type().is_date() or right.type().is_date():
        return _date_arithmetic(node, left, right)
    if node.op == "/":
        if left.type().is_integer() and right.type().is_integer():
            left = left.cast("float64")  # INT / INT is a float on every engine
        return ibis.ifelse(right == 0, ibis.null(), left / right)
    return _ARITHMETIC[node.op](left, right)


_ARITHMETIC: dict[str, Callable[[Any, Any], ir.Value]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}


def _date_arithmetic(node: Arithmetic, left: ir.Value, right: ir.Value) -> ir.Value:
    """A date moved by days (date ± INT, INT + date), or the days between two dates."""
    if left.type().is_date() and right.type().is_date() and node.op == "-":
        return left.delta(right, unit="day")
    # date ± interval is a timestamp in DuckDB: cast back, so the result stays a date
    if left.type().is_date() and right.type().is_integer() and node.op in "+-":
        return _ARITHMETIC[node.op](left, right.as_interval("D")).cast("date")
    if right.type().is_date() and left.type().is_integer() and node.op == "+":
        return (right + left.as_interval("D")).cast("date")
    raise RuleError(
        "rules.cannot_compile",
        location=Location(position=node.span.start),
        node=f"{left.type()} {node.op} {right.type()}",
    )


def _compare(node: Compare, env: _Env) -> ir.Value:
    left, right = _alike(_compile(node.left, env), _compile(node.right, env))
    return _COMPARE[node.op](left, right).fill_null(False)


_COMPARE: dict[str, Callable[[Any, Any], ir.BooleanValue]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _alike(*values: ir.Value) -> tuple[ir.Value, ...]:
    """Decimals beside a float become floats, so every engine compares them alike."""
    if not any(v.type().is_floating() for v in values):
        return values
    return tuple(v.cast("float64") if v.type().is_decimal() else v for v in values)


def _in(node: In, env: _Env) -> ir.Value:
    operand, *values = _alike(_compile(node.operand, env), *(_literal(v, env) for v in node.values))
    found = operand.isin(values)
    return (~found if node.negated else found).fill_null(False)


def _between(node: Between, env: _Env) -> ir.Value:
    parts = (_compile(n, env) for n in (node.operand, node.low, node.high))
    operand, low, high = _alike(*parts)
    found = operand.between(low, high)
    return (~found if node.negated else found).fill_null(False)


def _is_null(node: IsNull, env: _Env) -> ir.Value:
    value = _compile(node.operand, env)
    return value.notnull() if node.negated else value.isnull()


def _logical(node: Logical, env: _Env) -> ir.Value:
    join = operator.and_ if node.op == "and" else operator.or_
    return functools.reduce(join, (_condition(n, env) for n in node.operands))


def _not(node: Not, env: _Env) -> ir.Value:
    return ~_condition(node.operand, env)


def _field(node: FieldRef, env: _Env) -> ir.Value:
    return env.table[node.name]


def _window(node: Window, env: _Env) -> ir.Value:
    return env.table[env.windows[node.key]]


def _member(node: Member, env: _Env) -> ir.Value:
    if node.rule is not None:
        return _condition(node.rule.tree, env)
    if env.ctx.members is None:
        raise RuleError(
            "rules.no_member_list",
            location=Location(position=node.span.start),
            segment=node.segment,
        )
    members = env.ctx.members(node.segment)
    return env.table.customer_id.isin(members.customer_id).fill_null(False)


_COMPILERS: dict[type, Callable[[Any, _Env], ir.Value]] = {
    Literal: _literal,
    Negative: _negative,
    Arithmetic: _arithmetic,
    Compare: _compare,
    Logical: _logical,
    Not: _not,
    In: _in,
    Between: _between,
    IsNull: _is_null,
    FieldRef: _field,
    Window: _window,
    Member: _member,
}
_NODE_TYPES = get_args(Node)
