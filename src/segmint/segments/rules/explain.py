"""One customer's verdict on a checked rule, condition by condition.

`values` holds the customer's value of every operand: a field by its canonical name
(``orders_30d``), a window by its `Window.key` and a segment membership by
``in_segment:<name>`` (true or false). The tree is evaluated in Python with the
engine's semantics, which the compiled expression follows:

- Two-valued logic: a comparison, ``in`` or ``between`` with an empty (None) operand
  is false, ``not in`` and ``not between`` included; ``is null`` tests emptiness;
  ``not`` flips a verdict (so ``not (city = '上海')`` holds for an empty city); a key
  missing from `values` is empty.
- Arithmetic with an empty operand is empty; a division by zero is empty; int / int
  is a float; money stays Decimal (and becomes a float only beside a float); a date
  plus or minus whole days is a date, empty beyond the calendar.
- A bare true/false operand (``value_customer``, ``absent(orders, 60)``) holds when
  it is true.

The clauses are the leaves of the and/or/not structure, each with its text, the
operand values it read, whether it held, and a sentence such as
``orders_30d = 5 > 3 ✓``.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from segmint.core import i18n
from segmint.segments.rules.render import quote, render
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

HELD, FAILED = "✓", "✗"
SYMBOLS = {"=": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}


@dataclass(frozen=True, slots=True)
class Clause:
    """One condition of a rule and how it went for one customer.

    ``text``: the condition as canonical rule text; ``values``: (operand key, value)
    for every field, window and segment it read; ``sentence``: the verdict in words.
    """

    text: str
    values: tuple[tuple[str, Any], ...]
    held: bool
    sentence: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """Whether a customer meets a rule, and the verdict of each of its conditions."""

    held: bool
    clauses: tuple[Clause, ...]


def explain(rule: Rule, values: Mapping[str, Any], lang: str) -> Explanation:
    """The verdict of `rule` on one customer whose operand values are `values`.

    Parameters
    ----------
    rule
        A checked rule.
    values
        The customer's value of each operand, by key (see the module's docstring).
    lang
        The language of the sentences ('en' or 'zh-CN').

    Examples
    --------
    >>> from segmint.core.config import Settings
    >>> from segmint.segments.rules import read
    >>> from segmint.segments.rules.vocabulary import vocabulary
    >>> rule = read("orders_30d > 3 and city = '上海'", vocabulary(Settings()))
    >>> [c.sentence for c in explain(rule, {"orders_30d": 5}, "en").clauses]
    ['orders_30d = 5 > 3 ✓', 'city = (empty) ✗']
    """
    verdicts = _Verdicts(values, lang)
    held = verdicts.holds(rule.tree)
    return Explanation(held, tuple(verdicts.clauses))


def holds(node: Node, values: Mapping[str, Any]) -> bool:
    """Whether condition `node` holds for a customer with operand `values`."""
    match node:
        case Logical(op="and", operands=operands):
            return all(holds(o, values) for o in operands)
        case Logical(operands=operands):
            return any(holds(o, values) for o in operands)
        case Not(operand=operand):
            return not holds(operand, values)
        case Compare(op=op, left=left, right=right):
            a, b = _alike(value(left, values), value(right, values))
            return a is not None and b is not None and _COMPARE[op](a, b)
        case In(operand=operand, values=listed, negated=negated):
            a = value(operand, values)
            return a is not None and (any(_equal(a, v.value) for v in listed) != negated)
        case Between(operand=operand, low=low, high=high, negated=negated):
            a, lo, hi = (value(n, values) for n in (operand, low, high))
            if None in (a, lo, hi):
                return False
            (a1, lo), (a2, hi) = _alike(a, lo), _alike(a, hi)
            return bool(lo <= a1 and a2 <= hi) != negated
        case IsNull(operand=operand, negated=negated):
            return (value(operand, values) is None) != negated
    return value(node, values) is True


def _alike(a: Any, b: Any) -> tuple[Any, Any]:
    """A float beside a Decimal as two floats, as the engine compares DOUBLE with DECIMAL.

    Python alone would compare the float's exact binary value (0.1 != Decimal('0.1')).
    """
    if isinstance(a, float) and isinstance(b, Decimal):
        return a, float(b)
    if isinstance(a, Decimal) and isinstance(b, float):
        return float(a), b
    return a, b


def _equal(a: Any, b: Any) -> bool:
    x, y = _alike(a, b)
    return bool(x == y)


def value(node: Node, values: Mapping[str, Any]) -> Any:
    """The value of expression `node` for a customer with operand `values` (None: empty)."""
    match node:
        case Literal(value=literal):
            return literal
        case FieldRef() | Window() | Member():
            return values.get(key(node))
        case Negative(operand=operand):
            inner = value(operand, values)
            return None if inner is None else -inner
        case Arithmetic(op=op, left=left, right=right):
            return _arithmetic(op, value(left, values), value(right, values))
    return holds(node, values)  # a condition used as a value: (a = 1) = true


def key(node: FieldRef | Window | Member) -> str:
    """The key of an operand's value: field name, window key or ``in_segment:<name>``."""
    match node:
        case FieldRef(name=name):
            return name
        case Window(key=window_key):
            return window_key
    return f"in_segment:{node.segment}"


def _arithmetic(op: str, a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if isinstance(a, dt.date) or isinstance(b, dt.date):
        return _shifted(a, b, op)
    if isinstance(a, float) or isinstance(b, float):
        a, b = float(a), float(b)  # Decimal and float do not mix in Python
    if op == "/" and b == 0:
        return None
    return _ARITHMETIC[op](a, b)


def _shifted(a: Any, b: Any, op: str) -> dt.date | None:
    date, days = (a, b) if isinstance(a, dt.date) else (b, a)
    try:
        return date + dt.timedelta(days=-days if op == "-" else days)
    except OverflowError:  # beyond year 1..9999: empty, as a date the engine cannot hold
        return None


class _Verdicts:
    """Walks the and/or/not structure, recording one clause per leaf."""

    def __init__(self, values: Mapping[str, Any], lang: str) -> None:
        self.values, self.lang = values, lang
        self.clauses: list[Clause] = []

    def holds(self, node: Node, *, negated: bool = False) -> bool:
        """Whether `node` holds, recording a clause per leaf.

        A leaf under an odd number of `not`s is told negated, so its clause says what
        counted (`city = '深圳' ≠ '上海' ✓`).
        """
        match node:
            case Logical(op=op, operands=operands):
                verdicts = [self.holds(o, negated=negated) for o in operands]  # no short cut
                return all(verdicts) if op == "and" else any(verdicts)
            case Not(operand=operand):
                return not self.holds(operand, negated=not negated)
        held = holds(node, self.values)
        counted = held != negated
        read = tuple((key(n), self.values.get(key(n))) for n in _operands(node))
        shown = _negated(node) if negated else node
        self.clauses.append(Clause(render(shown), read, counted, self.sentence(shown, counted)))
        return held

    def sentence(self, node: Node, held: bool) -> str:
        empty = [n for n in _sides(node) if not isinstance(n, Literal) and self.get(n) is None]
        if empty:
            separator = i18n.message("describe.clause.separator", self.lang)
            text = separator.join(f"{self.name(n)} = {self.shown(None)}" for n in empty)
        else:
            text = self.verdict(node)
        return f"{text} {HELD if held else FAILED}"

    def verdict(self, node: Node) -> str:
        match node:
            case Compare(op="=", left=left, right=Literal(value=same)) if _equal(
                self.get(left), same
            ):
                return self.side(left)  # `tier = 'A'`, not `tier = 'A' = 'A'`
            case Compare(op=op, left=left, right=right):
                return f"{self.side(left)} {SYMBOLS[op]} {self.side(right, first=False)}"
            case In(operand=operand, values=listed, negated=negated):
                words = "not_in" if negated else "in"
                shown = ", ".join(self.shown(v.value) for v in listed)
                return f"{self.side(operand)} {self.say(words, values=shown)}"
            case Between(operand=operand, low=low, high=high, negated=negated):
                words = "not_between" if negated else "between"
                ends = self.say(
                    words, low=self.side(low, first=False), high=self.side(high, first=False)
                )
                return f"{self.side(operand)} {ends}"
        return self.side(node)  # is [not] null: `city = (empty) ✓` says all there is

    def side(self, node: Node, *, first: bool = True) -> str:
        """`orders_30d = 5` for the first operand, `as_of - 30 (2024-02-01)` for others."""
        if isinstance(node, Literal):
            return self.shown(node.value)
        shown = self.shown(self.get(node))
        return f"{self.name(node)} = {shown}" if first else f"{self.name(node)} ({shown})"

    def get(self, node: Node) -> Any:
        return value(node, self.values)

    def name(self, node: Node) -> str:
        """An operand's text; in Chinese, fields by their Chinese names."""
        if isinstance(node, FieldRef) and self.lang == "zh-CN":
            entry = f"label.field.{node.name}"
            return i18n.message(entry, self.lang) if entry in i18n.catalogue() else node.name
        return render(node)

    def shown(self, shown: Any) -> str:
        if shown is None:
            return self.say("empty")
        if isinstance(shown, bool):
            return i18n.message(f"describe.{'true' if shown else 'false'}_value", self.lang)
        if isinstance(shown, float):
            return format(shown, ".6g")  # the value itself is in Clause.values
        if isinstance(shown, dt.date):
            return shown.isoformat()
        return quote(shown) if isinstance(shown, str) else str(shown)

    def say(self, words: str, /, **params: object) -> str:
        return i18n.message(f"describe.clause.{words}", self.lang, **params)


_OPPOSITE = {"=": "!=", "!=": "=", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}


def _negated(node: Node) -> Node:
    """A leaf condition turned into its negation, for telling it under a `not`."""
    match node:
        case Compare(op=op):
            return replace(node, op=_OPPOSITE[op])
        case In(negated=negated) | Between(negated=negated) | IsNull(negated=negated):
            return replace(node, negated=not negated)
    return Not(node, node.span)  # a bare flag or membership: `not value_customer`


def _sides(node: Node) -> tuple[Node, ...]:
    match node:
        case Compare(left=left, right=right):
            return (left, right)
        case In(operand=operand) | IsNull(operand=operand):
            return (operand,)
        case Between(operand=operand, low=low, high=high):
            return (operand, low, high)
    return (node,)


def _operands(node: Node) -> list[FieldRef | Window | Member]:
    """The fields, windows and segments `node` reads, in order, each once."""
    found: dict[str, FieldRef | Window | Member] = {}

    def visit(part: Node) -> None:
        if isinstance(part, FieldRef | Window | Member):
            found.setdefault(key(part), part)
            return
        for child in _children(part):
            visit(child)

    visit(node)
    return list(found.values())


def _children(node: Node) -> tuple[Node, ...]:
    match node:
        case Negative(operand=operand) | Not(operand=operand) | IsNull(operand=operand):
            return (operand,)
        case Arithmetic(left=left, right=right) | Compare(left=left, right=right):
            return (left, right)
        case Logical(operands=operands):
            return operands
        case In(operand=operand, values=listed):
            return (operand, *listed)
        case Between(operand=operand, low=low, high=high):
            return (operand, low, high)
    return ()
