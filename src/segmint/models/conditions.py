"""Conditions that both compute a label and say why: one object, two outputs.

A model states the rule of a label once, as a condition built from these pieces, and
evaluates it over every customer at once with `holds`. The same object, asked for one
customer with `checks`, returns the comparisons it made as neutral records (`Check`):
the quantity's name, the customer's value, the operator, the bound and how the bound
was made, and whether it held. Nothing here speaks a language: the records carry names
and numbers, and the faces word them from the catalogue. So a changed threshold or rule
changes the label and its explanation together.

Two inputs name every number a condition reads:

- ``values``: per-customer quantities by name (arrays of one length for `holds`, one
  customer's numbers for `checks`);
- ``params``: the run's numbers by name (settings such as ``at_risk_gaps``, facts such
  as the means rfm8 compares with), a number or a tuple of numbers (cut points).

A missing value is NaN and fails every comparison, as in NumPy.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Mask = npt.NDArray[np.bool_]
Values = Mapping[str, Any]  # name -> array (holds) or number (checks)
Params = Mapping[str, Any]  # name -> number or tuple of numbers

# The operators a comparison may use: the same function for arrays and for numbers.
OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
}


@dataclass(frozen=True, slots=True)
class Term:
    """One factor of a bound: a named number (a setting, a run fact, a quantity) or a constant.

    ``name`` is None for a constant written into the rule.
    """

    name: str | None
    value: float


@dataclass(frozen=True, slots=True)
class Check:
    """One comparison made for one customer: ``value op bound``, and whether it held.

    ``terms`` say how the bound was made: one term for a constant, a setting or a fact;
    several for a product (``at_risk_gaps × usual_gap_days``), whose value is ``bound``.
    """

    name: str
    value: float
    op: str
    bound: float
    terms: tuple[Term, ...]
    held: bool


class Bound(Protocol):
    """What a quantity is compared with."""

    def evaluate(self, values: Values, params: Params) -> Any:
        """The bound for every customer (a number or an array)."""
        ...

    def terms(self, values: Values, params: Params) -> tuple[Term, ...]:
        """The factors of the bound for one customer."""
        ...


@dataclass(frozen=True, slots=True)
class Const:
    """A number written into the rule itself (a score range, zero)."""

    value: float

    def evaluate(self, values: Values, params: Params) -> Any:
        """The constant."""
        return self.value

    def terms(self, values: Values, params: Params) -> tuple[Term, ...]:
        """The constant, unnamed."""
        return (Term(None, self.value),)


@dataclass(frozen=True, slots=True)
class Param:
    """A run's number by name; ``index`` picks one of a tuple (the j-th cut point)."""

    name: str
    index: int | None = None

    def evaluate(self, values: Values, params: Params) -> Any:
        """The named number."""
        found = params[self.name]
        return found if self.index is None else found[self.index]

    def terms(self, values: Values, params: Params) -> tuple[Term, ...]:
        """The named number with its name."""
        return (Term(self.name, float(self.evaluate(values, params))),)


@dataclass(frozen=True, slots=True)
class Of:
    """A per-customer quantity as a factor of a bound (her usual gap)."""

    name: str

    def evaluate(self, values: Values, params: Params) -> Any:
        """The quantity of every customer (or of one)."""
        return values[self.name]

    def terms(self, values: Values, params: Params) -> tuple[Term, ...]:
        """The customer's value with its name."""
        return (Term(self.name, float(values[self.name])),)


@dataclass(frozen=True, slots=True)
class Product:
    """A product of factors, multiplied left to right (``at_risk_gaps × usual gap``)."""

    factors: tuple[Bound, ...]

    def evaluate(self, values: Values, params: Params) -> Any:
        """The product, in the factors' order (so floats round as the rule is written)."""
        result = self.factors[0].evaluate(values, params)
        for factor in self.factors[1:]:
            result = result * factor.evaluate(values, params)
        return result

    def terms(self, values: Values, params: Params) -> tuple[Term, ...]:
        """Every factor, in order."""
        return tuple(t for f in self.factors for t in f.terms(values, params))


class Condition(Protocol):
    """A rule over customers: vectorised for the model, one customer's checks for why."""

    def holds(self, values: Values, params: Params) -> Mask:
        """Whether the condition holds for each customer."""
        ...

    def checks(self, values: Values, params: Params) -> tuple[Check, ...]:
        """The comparisons made for one customer, in the rule's order."""
        ...


@dataclass(frozen=True, slots=True)
class Compare:
    """A quantity compared with a bound: ``values[name] op bound``."""

    name: str
    op: str
    bound: Bound

    def holds(self, values: Values, params: Params) -> Mask:
        """The comparison for every customer."""
        compare = OPERATORS[self.op]
        return np.asarray(compare(values[self.name], self.bound.evaluate(values, params)))

    def checks(self, values: Values, params: Params) -> tuple[Check, ...]:
        """The comparison for one customer."""
        value, bound = values[self.name], self.bound.evaluate(values, params)
        held = bool(OPERATORS[self.op](value, bound))
        terms = self.bound.terms(values, params)
        return (Check(self.name, float(value), self.op, float(bound), terms, held),)


@dataclass(frozen=True, slots=True)
class BeyondMean:
    """Strictly better than the mean of the customers given: above it, or below (`below`).

    `holds` compares exactly, ``v n > sum(v)`` (``<`` when `below`), so integer inputs
    (days, counts, money in cents) need no rounded mean. One customer's check compares
    with the run's recorded mean, the param `mean`; the two agree whenever
    ``|v n - sum(v)| >= 1`` is not lost in rounding, i.e. for any realistic n and v.
    """

    name: str
    mean: str
    below: bool = False

    def holds(self, values: Values, params: Params) -> Mask:
        """Each customer's value against the mean of all of them, in exact arithmetic."""
        array = np.asarray(values[self.name])
        if array.dtype.kind not in "iu":
            array = array.astype(np.float64)
        scaled, total = array * array.size, array.sum()
        return np.asarray(scaled < total if self.below else scaled > total)

    def checks(self, values: Values, params: Params) -> tuple[Check, ...]:
        """One customer's value against the recorded mean."""
        op = "<" if self.below else ">"
        return Compare(self.name, op, Param(self.mean)).checks(values, params)


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every part holds (``and``)."""

    parts: tuple[Condition, ...]

    def holds(self, values: Values, params: Params) -> Mask:
        """The parts combined with ``&``."""
        return _combine(np.logical_and, self.parts, values, params)

    def checks(self, values: Values, params: Params) -> tuple[Check, ...]:
        """Every part's checks, in order (none is skipped: why shows them all)."""
        return tuple(c for part in self.parts for c in part.checks(values, params))


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one part holds (``or``)."""

    parts: tuple[Condition, ...]

    def holds(self, values: Values, params: Params) -> Mask:
        """The parts combined with ``|``."""
        return _combine(np.logical_or, self.parts, values, params)

    def checks(self, values: Values, params: Params) -> tuple[Check, ...]:
        """Every part's checks, in order."""
        return tuple(c for part in self.parts for c in part.checks(values, params))


def _combine(how: np.ufunc, parts: Sequence[Condition], values: Values, params: Params) -> Mask:
    result = parts[0].holds(values, params)
    for part in parts[1:]:
        result = how(result, part.holds(values, params))
    return np.asarray(result, dtype=bool)


def verdict(condition: Condition, values: Values, params: Params) -> bool:
    """Whether `condition` holds for one customer, decided by its own checks.

    A leaf's checks are combined as its kind says: `AllOf` needs all, `AnyOf` one; a
    comparison is its single check.
    """
    if isinstance(condition, AllOf):
        return all(verdict(p, values, params) for p in condition.parts)
    if isinstance(condition, AnyOf):
        return any(verdict(p, values, params) for p in condition.parts)
    return all(c.held for c in condition.checks(values, params))


@dataclass(frozen=True, slots=True)
class Case:
    """One row of a first-that-holds table: the label `key` when `when` holds."""

    key: str
    when: Condition


def first(
    cases: Sequence[Case], values: Values, params: Params, *, choices: Sequence[int], default: int
) -> npt.NDArray[np.int8]:
    """Each customer's choice for the first case that holds (`default` when none does)."""
    masks = [case.when.holds(values, params) for case in cases]
    return np.select(masks, list(choices), default=default).astype(np.int8)


def tried(cases: Sequence[Case], values: Values, params: Params) -> list[tuple[Case, bool]]:
    """For one customer, the cases tried in order up to the first that holds, with verdicts."""
    seen = []
    for case in cases:
        held = verdict(case.when, values, params)
        seen.append((case, held))
        if held:
            break
    return seen
