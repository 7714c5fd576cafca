"""Properties: render and parse are inverse, and explain agrees with a direct computation."""

from __future__ import annotations

import datetime as dt
import operator
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.segments.rules import explain, parse, read, render
from segmint.segments.rules.render import without_spans
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
    Not,
    Span,
    Type,
)
from tests.segments.rules.vocab import words

HERE = Span(0, 0)
NAMES = st.sampled_from(["orders_30d", "a", "x1", "近30天订单数", "R得分", "_private"])
# text a rule may hold in quotes: no control, format or separator characters
TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")), max_size=12
)

literals = st.one_of(
    st.integers(0, 10**12).map(lambda v: Literal(v, Type.INT, HERE)),
    st.decimals(0, 10**6, places=3).map(lambda v: Literal(v, Type.FLOAT, HERE)),
    TEXT.map(lambda v: Literal(v, Type.TEXT, HERE)),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(lambda v: Literal(v, Type.DATE, HERE)),
    st.sampled_from([True, False]).map(lambda v: Literal(v, Type.BOOL, HERE)),
    st.just(Literal(None, Type.NULL, HERE)),
)


def _args(children):
    return st.lists(children, max_size=3).map(tuple)


def _values(children):
    return st.one_of(
        st.builds(Negative, children, st.just(HERE)),
        st.builds(Arithmetic, st.sampled_from("+-*/"), children, children, st.just(HERE)),
        st.builds(
            Call, NAMES, st.just(HERE), st.lists(children, max_size=3).map(tuple), st.just(HERE)
        ),
    )


values = st.recursive(literals | st.builds(Name, NAMES, st.just(HERE)), _values, max_leaves=6)
COMPARISONS = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])
LISTS = st.lists(literals, min_size=1, max_size=3).map(tuple)
predicates = st.one_of(
    st.builds(Compare, COMPARISONS, values, values, st.just(HERE)),
    st.builds(In, values, LISTS, st.booleans(), st.just(HERE)),
    st.builds(Between, values, values, values, st.booleans(), st.just(HERE)),
    st.builds(IsNull, values, st.booleans(), st.just(HERE)),
)


def _conditions(children):
    return st.one_of(
        st.builds(Not, children, st.just(HERE)),
        st.builds(
            Logical,
            st.sampled_from(["and", "or"]),
            st.lists(children, min_size=2, max_size=3).map(tuple),
            st.just(HERE),
        ),
    )


conditions = st.recursive(predicates, _conditions, max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(conditions)
def test_parsing_the_rendered_text_gives_the_tree_back(tree):
    assert without_spans(parse(render(tree))) == tree


@settings(max_examples=200, deadline=None)
@given(values)
def test_values_alone_round_trip_too(tree):
    assert without_spans(parse(render(tree))) == tree


# ---- explain against a direct computation --------------------------------------------

FIELDS = ("orders_30d", "orders_7d", "revenue_365d")
OPS = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt, ">=": operator.ge}

atoms = st.tuples(st.sampled_from(FIELDS), st.sampled_from(sorted(OPS)), st.integers(-3, 12))
formulas = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.tuples(st.just("not"), inner),
        st.tuples(st.sampled_from(["and", "or"]), st.lists(inner, min_size=2, max_size=3)),
    ),
    max_leaves=6,
)
customers = st.fixed_dictionaries({f: st.none() | st.integers(-2, 14) for f in FIELDS})


def _text(formula) -> str:
    if formula[0] == "not":
        return f"not ({_text(formula[1])})"
    if formula[0] in ("and", "or"):
        return f" {formula[0]} ".join(f"({_text(f)})" for f in formula[1])
    field, op, k = formula
    return f"{field} {op} {k}"


def _truth(formula, customer) -> bool:
    """Two-valued: a comparison with an empty value is false, and not flips it."""
    if formula[0] == "not":
        return not _truth(formula[1], customer)
    if formula[0] == "and":
        return all(_truth(f, customer) for f in formula[1])
    if formula[0] == "or":
        return any(_truth(f, customer) for f in formula[1])
    field, op, k = formula
    value = customer[field]
    return value is not None and OPS[op](value, k)


VOCABULARY = words()


@settings(max_examples=300, deadline=None)
@given(formulas, customers)
def test_explain_agrees_with_a_direct_computation(formula, customer):
    rule = read(_text(formula), VOCABULARY)
    verdict = explain(rule, customer, "en")
    assert verdict.held == _truth(formula, customer)
    assert all(c.sentence.endswith("✓" if c.held else "✗") for c in verdict.clauses)


def test_money_stays_exact_and_int_division_is_a_float():
    rule = read("revenue_365d / frequency > 0.3 and orders_30d / orders_7d > 0.3", VOCABULARY)
    values = {"revenue_365d": Decimal("1.00"), "frequency": 3, "orders_30d": 1, "orders_7d": 3}
    clauses = explain(rule, values, "en").clauses
    assert [c.held for c in clauses] == [True, True]
    assert Decimal("1.00") / 3 > Decimal("0.3")  # the witness: Decimal division, not int
