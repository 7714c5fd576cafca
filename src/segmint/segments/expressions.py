"""The models' conditions (`segmint.models.conditions`) as engine-neutral expressions.

A model states each label's rule once, as data: NumPy evaluates it in memory, and this
module compiles the same objects to ibis, so an engine computes the label where the
data is, with the same comparisons in the same order. An empty value (SQL NULL) fails
every comparison, as NaN does in NumPy: a case whose condition is empty is not taken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from segmint.models.conditions import (
    OPERATORS,
    AllOf,
    AnyOf,
    BeyondMean,
    Bound,
    Case,
    Compare,
    Condition,
    Const,
    Of,
    Param,
    Product,
)

Values = Mapping[str, ir.Value]  # quantity name -> a column of the table
Params = Mapping[str, Any]  # name -> number or tuple of numbers (as for NumPy)


def bound(b: Bound, values: Values, params: Params) -> Any:
    """A bound as a literal number or, where it reads a quantity, a column expression."""
    if isinstance(b, Const):
        return b.value
    if isinstance(b, Param):
        found = params[b.name]
        return found if b.index is None else found[b.index]
    if isinstance(b, Of):
        return values[b.name]
    if isinstance(b, Product):  # left to right, as `Product.evaluate` rounds
        result = bound(b.factors[0], values, params)
        for factor in b.factors[1:]:
            result = result * bound(factor, values, params)
        return result
    raise TypeError(f"no expression for bound {b!r}")


def holds(condition: Condition, values: Values, params: Params) -> ir.BooleanValue:
    """Whether `condition` holds, per row (empty where a value it compares is empty)."""
    if isinstance(condition, Compare):
        compare = OPERATORS[condition.op]  # the operator functions work on columns too
        return compare(values[condition.name], bound(condition.bound, values, params))
    if isinstance(condition, BeyondMean):
        # exact, as `BeyondMean.holds`: v n > sum(v) with n and sum over the rows given
        n, total = params[f"{condition.mean}:n"], params[f"{condition.mean}:sum"]
        scaled = values[condition.name] * n
        return scaled < total if condition.below else scaled > total
    if isinstance(condition, AllOf | AnyOf):
        parts = [holds(p, values, params) for p in condition.parts]
        result = parts[0]
        for part in parts[1:]:
            result = (result & part) if isinstance(condition, AllOf) else (result | part)
        return result
    raise TypeError(f"no expression for condition {condition!r}")


def first(
    cases: Sequence[Case],
    values: Values,
    params: Params,
    *,
    choices: Sequence[Any],
    default: Any,
) -> ir.Value:
    """The choice of the first case that holds, `default` when none does (`conditions.first`)."""
    whens = [
        (holds(c.when, values, params), choice) for c, choice in zip(cases, choices, strict=True)
    ]
    return ibis.cases(*whens, else_=default)
