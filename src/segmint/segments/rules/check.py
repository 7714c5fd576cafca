"""The parsed tree checked against a workspace's vocabulary: the checked tree and a `Rule`.

Every name becomes a `FieldRef` (canonical name, alias resolved), every window call a
`Window` and every ``in_segment('name')`` a `Member` whose rule is checked in turn (a
segment that refers back to itself, directly or through others, is refused). Types
are checked as the engine will compute them: numbers (int, float, money) compare and
compute with each other; a date compares with a date, and a date plus or minus whole
days is a date; text with text; true/false with true/false; ``null`` only in
``is [not] null``. A labelled field (tier, stage, rfm8, rfm11, gender, loyalty_level) compared with
text takes its stored key or its name in either language, and the checked tree holds
the stored key. ``and``, ``or``, ``not`` and the whole rule need conditions.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from segmint.core.errors import Phrase, RuleError
from segmint.segments.rules import calls
from segmint.segments.rules.parse import parse
from segmint.segments.rules.render import render
from segmint.segments.rules.tree import (
    NUMBERS,
    Arithmetic,
    Between,
    Call,
    Compare,
    FieldRef,
    In,
    IsNull,
    Literal,
    Logical,
    Member,
    Name,
    Negative,
    Node,
    Not,
    Rule,
    Type,
    Window,
)
from segmint.segments.rules.vocabulary import Field, Function, Vocabulary
from segmint.segments.rules.where import Listing, error, suggest


def read(text: str, vocabulary: Vocabulary, *, segment: str | None = None) -> Rule:
    """The checked rule of `text`: `parse` then `check`.

    Parameters
    ----------
    text
        Rule text, such as ``orders_30d > 3 and tier = 'A'``.
    vocabulary
        The fields and segments the rule may name (`vocabulary(settings, segments=...)`).
    segment
        The segment this rule defines, if any, so that a reference back to it is a cycle.

    Raises
    ------
    RuleError
        The text does not parse, or names or compares something it may not.
    """
    return check(parse(text), vocabulary, text=text, segment=segment)


def check(node: Node, vocabulary: Vocabulary, *, text: str, segment: str | None = None) -> Rule:
    """The checked `Rule` of parsed tree `node`, read from `text`.

    Parameters
    ----------
    node
        A parsed tree (`parse(text)`).
    vocabulary
        The fields and segments the rule may name.
    text
        The text `node` was parsed from: the rule's text, and where errors point.
    segment
        The segment this rule defines, if any (see `read`).

    Raises
    ------
    RuleError
        An unknown name, function, source, filter, value or segment; a type that does
        not fit; a rule that is not a condition.
    """
    chain = () if segment is None else (segment,)
    return _Checker(vocabulary, text, chain, {}).rule(node)


@dataclass
class _Reads:
    """What a rule reads, in first-use order, its segments' rules included."""

    fields: dict[str, None] = field(default_factory=dict)
    windows: dict[str, Window] = field(default_factory=dict)
    segments: dict[str, None] = field(default_factory=dict)

    def add(self, rule: Rule) -> None:
        self.fields |= dict.fromkeys(rule.fields)
        self.windows |= {w.key: w for w in rule.windows if w.key not in self.windows}
        self.segments |= dict.fromkeys(rule.segments)


class _Checker:
    """Checks one rule's tree; a referenced segment's rule gets a checker of its own."""

    def __init__(
        self, vocabulary: Vocabulary, text: str, chain: tuple[str, ...], done: dict[str, Rule]
    ) -> None:
        self.vocabulary, self.text = vocabulary, text
        self.chain = chain  # the segments being checked, outermost first
        self.done = done  # segments already checked in this call, by name
        self.reads = _Reads()

    def rule(self, node: Node) -> Rule:
        tree = self.condition(node)
        r = self.reads
        return Rule(self.text, tree, tuple(r.fields), tuple(r.windows.values()), tuple(r.segments))

    def fail(self, code: str, node: Node, **params: object) -> RuleError:
        return error(code, self.text, node.span.start, **params)

    def condition(self, node: Node) -> Node:
        """`node` checked, refused unless it is a condition (true or false)."""
        checked, kind = self.value(node)
        if kind is not Type.BOOL:
            raise self.fail(
                "rules.not_a_condition",
                node,
                text=_shown(checked),
                type=_type(kind),
                example=self.example(checked, kind),
            )
        return checked

    def value(self, node: Node) -> tuple[Node, Type]:
        """`node` checked, with the type of its value."""
        match node:
            case Literal(type=kind):
                return node, kind
            case Name():
                return self.name(node)
            case Call():
                return self.call(node)
            case Negative(operand=operand):
                checked, kind = self.number(operand, "-")
                return Negative(checked, node.span), kind
            case Arithmetic():
                return self.arithmetic(node)
            case Logical(op=op, operands=operands):
                return Logical(op, tuple(map(self.condition, operands)), node.span), Type.BOOL
            case Not(operand=operand):
                return Not(self.condition(operand), node.span), Type.BOOL
            case IsNull(operand=operand):
                return replace(node, operand=self.value(operand)[0]), Type.BOOL
            case Compare() | In() | Between():
                return self.predicate(node), Type.BOOL
        raise TypeError(f"not a parsed rule node: {node!r}")  # a programming error

    # ---- names and calls -----------------------------------------------------------

    def name(self, node: Name) -> tuple[FieldRef, Type]:
        # names are case-blind like keywords: ORDERS_30D is orders_30d
        found = self.vocabulary.field(node.name) or self.vocabulary.field(node.name.lower())
        if found is None:
            hint = suggest(node.name, self.vocabulary.names())
            raise self.fail("rules.unknown_field", node, name=node.name, suggestion=hint)
        self.reads.fields[found.name] = None
        return FieldRef(found.name, found.type, node.span), found.type

    def call(self, node: Call) -> tuple[Node, Type]:
        function = calls.function(node, self.text)
        if function.name == "in_segment":
            return self.member(node, function), Type.BOOL
        window = calls.window(node, function, self.text)
        self.reads.windows.setdefault(window.key, window)
        return window, window.type

    def member(self, node: Call, function: Function) -> Member:
        match node.args:
            case (Literal(type=Type.TEXT, value=str(name)),):
                pass
            case _:
                raise calls.usage(function, node, self.text)
        ref = self.vocabulary.segments.get(name)
        if ref is None:
            hint = suggest(name, self.vocabulary.segments)
            raise self.fail("rules.unknown_segment", node, name=name, suggestion=hint)
        rule = None if ref.rule is None else self.segment_rule(node, name, ref.rule)
        self.reads.segments[name] = None
        if rule is not None:
            self.reads.add(rule)
        return Member(name, rule, node.span)

    def segment_rule(self, node: Call, name: str, text: str) -> Rule:
        """Segment `name`'s checked rule, refused when it leads back to a segment in the chain."""
        rule = self.done.get(name)
        loop = [s for s in (name, *(rule.segments if rule else ())) if s in self.chain]
        if loop:
            raise self.cycle(node, (*self.chain[self.chain.index(loop[0]) :], name))
        if rule is None:
            rule = self.nested(node, name, text)
            self.done[name] = rule
        return rule

    def nested(self, node: Call, name: str, text: str) -> Rule:
        checker = _Checker(self.vocabulary, text, (*self.chain, name), self.done)
        try:
            return checker.rule(parse(text))
        except RuleError as problem:
            if problem.code == "rules.segment_cycle":  # said again where this rule names it
                raise self.cycle(node, problem.params["path"]) from None
            raise self.fail(
                "rules.bad_segment_rule", node, name=name, problem=_Nested(problem)
            ) from None

    def cycle(self, node: Call, path: tuple[str, ...]) -> RuleError:
        """The error for segments that refer back to themselves along `path`."""
        shown = " → ".join(path)
        return self.fail("rules.segment_cycle", node, name=path[0], chain=shown, path=path)

    # ---- types -----------------------------------------------------------------------

    def number(self, node: Node, op: str) -> tuple[Node, Type]:
        checked, kind = self.value(node)
        if kind not in NUMBERS:
            raise self.arithmetic_error(checked, kind, op)
        return checked, kind

    def arithmetic(self, node: Arithmetic) -> tuple[Node, Type]:
        left, lk = self.value(node.left)
        right, rk = self.value(node.right)
        kind = _arithmetic_type(node.op, lk, rk)
        if kind is None:  # name the side that breaks it: the date in date - date is the right
            culprit, bad = (left, lk) if lk not in NUMBERS | {Type.DATE} else (right, rk)
            raise self.arithmetic_error(culprit, bad, node.op)
        return Arithmetic(node.op, left, right, node.span), kind

    def arithmetic_error(self, node: Node, kind: Type, op: str) -> RuleError:
        if kind is Type.NULL:
            return self.fail("rules.null_value", node, example="x is null")
        return self.fail("rules.bad_arithmetic", node, text=_shown(node), type=_type(kind), op=op)

    def predicate(self, node: Compare | In | Between) -> Node:
        match node:
            case Compare(left=left, right=right):
                checked = self.operands(node, left, right)
                return replace(node, left=checked[0], right=checked[1])
            case In(operand=operand, values=values):
                first, *rest = self.operands(node, operand, *values)
                listed = tuple(v for v in rest if isinstance(v, Literal))  # keyed stays literal
                return replace(node, operand=first, values=listed)
            case Between(operand=operand, low=low, high=high):
                first, lo, hi = self.operands(node, operand, low, high)
                return replace(node, operand=first, low=lo, high=hi)
        raise TypeError(node)  # unreachable: the match covers the declared types

    def operands(self, node: Node, *parts: Node) -> list[Node]:
        """The operands of one comparison checked: one type family, labels as their keys.

        Messages name the first operand that is not a literal (the field, as a rule
        writer thinks of it), whichever side it is on.
        """
        checked = [self.value(p) for p in parts]
        anchor, kind = next(((n, k) for n, k in checked if not isinstance(n, Literal)), checked[0])
        for part, part_kind in checked:
            if part_kind is Type.NULL:
                raise self.fail("rules.null_value", part, example=f"{_shown(anchor)} is null")
        if any(_family(k) != _family(kind) for _, k in checked):
            raise self.mismatch(anchor, kind)
        labelled = self.labelled(anchor)
        return [self.keyed(n, labelled) if labelled else n for n, _ in checked]

    def mismatch(self, anchor: Node, kind: Type) -> RuleError:
        return self.fail(
            "rules.type_mismatch",
            anchor,
            text=_shown(anchor),
            type=_type(kind),
            kind=Phrase(f"rules.kind.{_family(kind)}"),
            example=self.example(anchor, kind),
        )

    def labelled(self, node: Node) -> Field | None:
        if isinstance(node, FieldRef):
            found = self.vocabulary.field(node.name)
            return found if found is not None and found.values else None
        return None

    def keyed(self, node: Node, labelled: Field) -> Node:
        """A text literal compared with a labelled field, as the stored key it names."""
        if not isinstance(node, Literal) or not isinstance(node.value, str):
            return node
        key = labelled.values.get(node.value)
        if key is None:
            keys = tuple(dict.fromkeys(labelled.values.values()))
            raise self.fail(
                "rules.unknown_value",
                node,
                value=node.value,
                name=labelled.name,
                suggestion=suggest(node.value, labelled.values),
                values=Listing(keys),
            )
        return replace(node, value=key)

    def example(self, node: Node, kind: Type) -> str:
        """A condition on `node` of the right type, for a message: ``tier = 'A'``."""
        labelled = self.labelled(node)
        text = f"'{next(iter(labelled.values.values()))}'" if labelled else "'A'"
        shown = _shown(node)
        return {
            Type.INT: f"{shown} > 3",
            Type.FLOAT: f"{shown} >= 0.5",
            Type.MONEY: f"{shown} >= 1000",
            Type.DATE: f"{shown} < as_of - 30",
            Type.TEXT: f"{shown} = {text}",
            Type.BOOL: f"{shown} = true",
        }.get(kind, f"{shown} is null")


def _arithmetic_type(op: str, left: Type, right: Type) -> Type | None:
    """The type of ``left op right``, or None when the operation has no meaning."""
    if left in NUMBERS and right in NUMBERS:
        if Type.FLOAT in (left, right) or (op == "/" and Type.MONEY not in (left, right)):
            return Type.FLOAT  # int / int is a float, as in the engine
        return Type.MONEY if Type.MONEY in (left, right) else Type.INT
    if (left, right) == (Type.DATE, Type.INT) and op in "+-":
        return Type.DATE
    return Type.DATE if (left, right, op) == (Type.INT, Type.DATE, "+") else None


def _family(kind: Type) -> str:
    return "number" if kind in NUMBERS else kind.value


def _type(kind: Type) -> Phrase:
    return Phrase(f"rules.type.{kind.value}")


def _shown(node: Node) -> str:
    """A node's text for a message, shortened when long."""
    text = render(node)
    return text if len(text) <= 40 else text[:39] + "…"


@dataclass(frozen=True, slots=True)
class _Nested:
    """Another rule's error, carried as a parameter in the reader's language."""

    problem: RuleError

    def render(self, lang: str) -> str:
        return self.problem.render(lang)[0]
