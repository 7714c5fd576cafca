"""Window calls checked: ``count(orders, 30, channel = 'tmall')`` -> a `Window`.

A window reads one source's rows in the N days ending on as_of (a streak: the days in a
row up to as_of). Its filters are ``name = 'text'``, ``name in ('a', 'b')`` or a flag's
bare name, combined with and. Its `key` is canonical text, the same however the call was
spelled (aliases, spacing, the order of filters and of listed values), so one measure
is computed once however many conditions read it.
"""

from __future__ import annotations

from segmint.core.errors import Phrase, RuleError
from segmint.segments.rules.render import quote, render
from segmint.segments.rules.tree import Call, Compare, Filter, In, Literal, Name, Node, Type, Window
from segmint.segments.rules.vocabulary import (
    FUNCTIONS,
    MAX_WINDOW_DAYS,
    SOURCES,
    WITHOUT,
    Function,
    Source,
)
from segmint.segments.rules.where import Listing, error, suggest


def function(call: Call, text: str) -> Function:
    """The function `call` names (its name or Chinese alias)."""
    names = {alias: f for f in FUNCTIONS.values() for alias in (f.name, *f.aliases)}
    found = names.get(call.function) or names.get(call.function.lower())
    if found is None:
        raise error(
            "rules.unknown_function",
            text,
            call.function_span.start,
            name=call.function,
            suggestion=suggest(call.function, names),
            functions=Listing(tuple(FUNCTIONS)),
        )
    return found


def usage(function: Function, call: Call, text: str) -> RuleError:
    """The error for a call whose arguments are not the ones `function` takes."""
    how = Phrase(f"rules.usage.{function.name}")
    return error("rules.bad_arguments", text, call.span.start, function=function.name, usage=how)


def window(call: Call, function: Function, text: str) -> Window:
    """The window `call` (a call of `function`, not in_segment) measures.

    Raises
    ------
    RuleError
        A source, number of days or filter that is not valid for `function`.
    """
    streak = function.name == "streak"
    if len(call.args) < (1 if streak else 2):
        raise usage(function, call, text)
    source = _source(call.args[0], function, text)
    days = None if streak else _days(call.args[1], function, text)
    reader = _Filters(source, function, call, text)
    for arg in call.args[1 if streak else 2 :]:
        reader.read(arg)
    if streak and reader.without is None:
        raise usage(function, call, text)
    if function.name == "share" and not reader.filters:
        raise error("rules.share_needs_filter", text, call.span.start, source=source.name)
    filters = tuple(sorted(reader.filters.values(), key=lambda f: f.column))
    key = window_key(function.name, source.name, days, filters, reader.without)
    return Window(
        function.name, source.name, days, filters, reader.without, function.type, key, call.span
    )


def window_key(
    measure: str, source: str, days: int | None, filters: tuple[Filter, ...], without: str | None
) -> str:
    """The canonical text of a window call: ``count(orders, 30, channel = 'tmall')``."""
    parts = [source, *([] if days is None else [str(days)])]
    for f in filters:
        if not f.values:
            parts.append(f.column)
        elif len(f.values) == 1:
            parts.append(f"{f.column} = {quote(f.values[0])}")
        else:
            parts.append(f"{f.column} in ({', '.join(quote(v) for v in f.values)})")
    if without is not None:
        parts.append(f"without = {without}")
    return f"{measure}({', '.join(parts)})"


def _source_named(node: Node) -> Source | None:
    if not isinstance(node, Name):
        return None
    named = (node.name, node.name.lower())
    return next((s for s in SOURCES.values() if {s.name, *s.aliases} & set(named)), None)


def _source(node: Node, function: Function, text: str) -> Source:
    source = _source_named(node)
    if source is None or source.name not in function.sources:
        allowed = [n for s in function.sources for n in (s, *SOURCES[s].aliases)]
        got = node.name if isinstance(node, Name) else render(node)
        raise error(
            "rules.unknown_source",
            text,
            node.span.start,
            function=function.name,
            got=got,
            suggestion=suggest(got, allowed),
            sources=Listing(function.sources),
        )
    return source


def _days(node: Node, function: Function, text: str) -> int:
    if isinstance(node, Literal) and node.type is Type.INT:
        days = node.value
        if isinstance(days, int) and 1 <= days <= MAX_WINDOW_DAYS:
            return days
    got = render(node)
    raise error(
        "rules.bad_days",
        text,
        node.span.start,
        function=function.name,
        most=MAX_WINDOW_DAYS,
        got=got,
    )


class _Filters:
    """Reads a window's filter arguments, and streak's ``without = source``."""

    def __init__(self, source: Source, function: Function, call: Call, text: str) -> None:
        self.source, self.function, self.call, self.text = source, function, call, text
        self.filters: dict[str, Filter] = {}
        self.without: str | None = None

    def read(self, arg: Node) -> None:
        """Reads one argument after the source (and the days)."""
        match arg:
            case Compare(op="=", left=Name(name=name), right=right) if name.lower() in WITHOUT:
                self._without(arg, right)
            case Name(name=name):
                self._add(arg, self._column(arg, name, flag=True), ())
            case Compare(op="=", left=Name(name=name), right=Literal(type=Type.TEXT) as value):
                self._add(arg, self._column(arg, name, flag=False), (str(value.value),), value)
            case In(operand=Name(name=name), values=values, negated=False):
                texts = tuple(str(v.value) for v in values if v.type is Type.TEXT)
                if len(texts) != len(values):
                    raise self._bad(arg, self._column(arg, name, flag=False))
                self._add(arg, self._column(arg, name, flag=False), texts, *values)
            case _:
                raise self._bad(arg, None)

    def _without(self, arg: Compare, right: Node) -> None:
        if self.function.name != "streak" or self.without is not None:
            raise usage(self.function, self.call, self.text)
        self.without = _source(right, _ANY_SOURCE, self.text).name

    def _column(self, arg: Node, name: str, *, flag: bool) -> str:
        column = self.source.filter_aliases.get(name, name.lower())
        kind = self.source.filters.get(column)
        if kind is None:
            names = [*self.source.filters, *self.source.filter_aliases]
            raise error(
                "rules.unknown_filter",
                self.text,
                arg.span.start,
                name=name,
                source=self.source.name,
                suggestion=suggest(name, names),
                filters=Listing(tuple(self.source.filters)),
            )
        if (kind is Type.BOOL) != flag:
            raise self._bad(arg, column)
        return column

    def _add(self, arg: Node, column: str, values: tuple[str, ...], *literals: Literal) -> None:
        if column in self.filters:
            raise error("rules.duplicate_filter", self.text, arg.span.start, name=column)
        known = self.source.values.get(column)
        for value, literal in zip(values, literals, strict=True):
            if known is not None and value not in known:
                raise error(
                    "rules.unknown_filter_value",
                    self.text,
                    literal.span.start,
                    value=value,
                    name=column,
                    suggestion=suggest(value, known),
                    values=Listing(known),
                )
        self.filters[column] = Filter(column, tuple(sorted(set(values))))

    def _bad(self, arg: Node, column: str | None) -> RuleError:
        example = self._example(column)
        return error(
            "rules.bad_filter", self.text, arg.span.start, got=render(arg), example=example
        )

    def _example(self, column: str | None) -> str:
        """How a filter of this source is written: ``discounted`` or ``channel = 'tmall'``."""
        columns = [column] if column else list(self.source.filters)
        flags = [c for c in columns if self.source.filters[c] is Type.BOOL]
        texts = [c for c in columns if self.source.filters[c] is not Type.BOOL]
        shown = [*(f"{c} = {quote(self._value(c))}" for c in texts[:1]), *flags[:1]]
        return " / ".join(shown)

    def _value(self, column: str) -> str:
        known = self.source.values.get(column)
        return known[0] if known else _EXAMPLE_VALUES.get(column, "x")


_EXAMPLE_VALUES = {"channel": "tmall", "store": "flagship", "category": "books"}
_ANY_SOURCE = Function("streak", (), Type.BOOL, tuple(SOURCES))  # what `without =` may name
