"""A checked rule as a sentence in English or Chinese, every word from the catalogue.

Fields are named by the catalogue's ``label.field.<name>`` (the rule name in English,
the short name in Chinese), operators in words ("more than 3", "不少于 0.5"), labelled
values by their names in the language, windows as "the number of orders in the last
30 days via tmall". The sentence follows the checked tree, the same tree the engine
computes, so what a segment says and what it selects cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from segmint.core import i18n
from segmint.core.config import Settings
from segmint.segments.families import segment_label
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
    Negative,
    Node,
    Not,
    Rule,
    Type,
    Window,
)
from segmint.segments.rules.vocabulary import LABELLED

OPERATORS = {"=": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
# Filter values with names of their own in the catalogue, by (source, filter).
VALUE_NAMES = {("events", "type"): "value.event"}


def describe(rule: Rule, lang: str, *, settings: Settings | None = None) -> str:
    """`rule` as a sentence in `lang` ('en' or 'zh-CN').

    Parameters
    ----------
    rule
        A checked rule (`read` or `check`).
    lang
        The language of the sentence.
    settings
        The workspace's settings, for its own segment names (rfm11 names in
        segmint.toml); the defaults when not given.

    Examples
    --------
    >>> from segmint.segments.rules import read
    >>> from segmint.segments.rules.vocabulary import vocabulary
    >>> describe(read("orders_30d > 3", vocabulary(Settings())), "en")
    'orders_30d is more than 3'
    >>> describe(read("orders_30d > 3", vocabulary(Settings())), "zh-CN")
    '近 30 天订单数 多于 3'
    """
    return _Describer(lang, settings or Settings()).condition(rule.tree, nested=False)


class _Describer:
    """Says the nodes of one tree in one language."""

    def __init__(self, lang: str, settings: Settings) -> None:
        self.lang = lang
        self.settings = settings

    def say(self, key: str, /, **params: object) -> str:
        return i18n.message(f"describe.{key}", self.lang, **params)

    def condition(self, node: Node, *, nested: bool = True) -> str:
        """A condition in words; an and/or inside another is put in parentheses."""
        match node:
            case Logical(op=op, operands=operands):
                text = self.say(f"{op}_separator").join(self.condition(o) for o in operands)
                return self.say("group", text=text) if nested else text
            case Not(operand=operand):
                return self.say("not", text=self.condition(operand, nested=False))
            case Compare(op=op, left=left, right=right):
                words = "compare_date" if _is_date(left) and op not in ("=", "!=") else "compare"
                field = _labelled(left) or _labelled(right)
                said = {"left": self.value(left, field), "right": self.value(right, field)}
                return self.say(f"{words}.{OPERATORS[op]}", **said)
            case In(operand=operand, values=values, negated=negated):
                names = [self.value(v, _labelled(operand)) for v in values]
                listed = self.listing(names, last=None if negated else "values_last_or")
                key = "not_in" if negated else "in"
                return self.say(key, operand=self.value(operand), values=listed)
            case Between(operand=operand, low=low, high=high, negated=negated):
                field = _labelled(operand)
                low_text, high_text = self.value(low, field), self.value(high, field)
                key = "not_between" if negated else "between"
                return self.say(key, operand=self.value(operand), low=low_text, high=high_text)
            case IsNull(operand=operand, negated=negated):
                return self.say(
                    "is_not_null" if negated else "is_null", operand=self.value(operand)
                )
            case Window() | Member():
                return self.value(node)
        return self.say("true", operand=self.value(node))

    def value(self, node: Node, field: str | None = None) -> str:
        """A value in words; a text compared with a labelled `field` by its name."""
        match node:
            case FieldRef(name=name):
                return _field_name(name, self.lang)
            case Literal(value=value):
                return self.literal(value, field)
            case Arithmetic():
                return self.arithmetic(node)
            case Negative(operand=operand):
                return self.say("negative", operand=self.value(operand))
            case Window():
                return self.window(node)
            case Member(segment=segment):
                return self.say("member", name=segment)
        # a condition used as a value: (a = 1) = true
        return self.say("group", text=self.condition(node, nested=False))

    def literal(self, value: LiteralValue, field: str | None) -> str:
        if value is None:
            return self.say("null_value")
        if isinstance(value, bool):
            return self.say("true_value" if value else "false_value")
        if isinstance(value, int | Decimal):
            return f"{value:,}"
        if isinstance(value, dt.date):
            return value.isoformat()
        if field is not None:
            value = segment_label(field, value, settings=self.settings, lang=self.lang)
        return self.say("text", value=value)

    def arithmetic(self, node: Arithmetic) -> str:
        """`as_of - 30` as "30 days before as_of"; other arithmetic with its signs."""
        if _is_date(node.left) and isinstance(node.right, Literal):
            key = "days_before" if node.op == "-" else "days_after"
            return self.say(key, date=self.value(node.left), days=self.value(node.right))
        left = self.operand(node.left, _binding(node))
        right = self.operand(node.right, _binding(node) + 1)
        return self.say("arithmetic", left=left, op=node.op, right=right)

    def operand(self, node: Node, level: int) -> str:
        """An operand of arithmetic, in parentheses when it binds more loosely than `level`."""
        text = self.value(node)
        loose = isinstance(node, Arithmetic) and _binding(node) < level
        return self.say("group", text=text) if loose else text

    def window(self, node: Window) -> str:
        filters = "".join(self.filter(node.source, f) for f in node.filters)
        return self.say(
            f"window.{node.measure}",
            source=self.say(f"source.{node.source}"),
            days=node.days,
            filters=filters,
            without=self.say(f"source.{node.without}") if node.without else "",
        )

    def filter(self, source: str, row_filter: Filter) -> str:
        prefix = VALUE_NAMES.get((source, row_filter.column))
        names = [
            i18n.message(f"{prefix}.{v}", self.lang) if prefix else v for v in row_filter.values
        ]
        listed = self.listing(names, last="values_last_or")
        return self.say(f"filter.{row_filter.column}", values=listed)

    def listing(self, items: list[str], *, last: str | None) -> str:
        """Items joined: "a, b or c" with `last` ("values_last_or"), "a, b, c" without."""
        comma = self.say("values_separator")
        if len(items) < 2 or last is None:
            return comma.join(items)
        return self.say(last, rest=comma.join(items[:-1]), last=items[-1])


def _field_name(name: str, lang: str) -> str:
    key = f"label.field.{name}"
    return i18n.message(key, lang) if key in i18n.catalogue() else name


def _labelled(node: Node) -> str | None:
    return node.name if isinstance(node, FieldRef) and node.name in LABELLED else None


def _binding(node: Arithmetic) -> int:
    return 1 if node.op in "+-" else 2


def _is_date(node: Node) -> bool:
    match node:
        case FieldRef(type=Type.DATE) | Literal(type=Type.DATE):
            return True
        case Arithmetic(left=left, right=right):
            return _is_date(left) or _is_date(right)
    return False
