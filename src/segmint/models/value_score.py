"""The value score: who the value customers are, and why.

Each component (frequency, spend, profit, activity, loyalty, …) becomes a part in
(0, 1]: the customer's percentile rank among the scored customers, ties sharing their
average rank, turned round where less is better (days since the last order). The score
is the weighted mean of the parts over the components that have data (a component
that is NaN for everyone, such as profit without order margins, drops out and its
weight with it). The top ``top_percent`` of customers by score are the value
customers, ties decided by customer id. The parts are returned too, so a profile can
say which of them made the customer valuable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from segmint.core.errors import InputError, Location
from segmint.models.conditions import Compare, Param

Array = npt.NDArray[np.float64]


class Component(NamedTuple):
    """One ingredient of the score: its weight and whether more is better."""

    weight: float
    higher_is_better: bool = True


DEFAULT_COMPONENTS: Mapping[str, Component] = {
    "frequency": Component(0.25),
    "monetary": Component(0.30),
    "profit": Component(0.15),
    "recency_days": Component(0.15, higher_is_better=False),
    "tenure_days": Component(0.15),
}


class ValueScores(NamedTuple):
    """Score in [0, 1], the parts behind it, and the value-customer flag."""

    score: Array
    parts: dict[str, Array]
    flagged: npt.NDArray[np.bool_]


def value_scores(
    values: Mapping[str, npt.ArrayLike],
    ids: npt.ArrayLike,
    *,
    components: Mapping[str, Component] = DEFAULT_COMPONENTS,
    top_percent: float = 20.0,
) -> ValueScores:
    """Value score, parts and flag for every customer.

    Parameters
    ----------
    values : mapping of component name to array
        One array per component in `components` (NaN where a customer has no value;
        a missing name counts as all NaN).
    ids : array-like
        Customer ids, the tie-breaker for the flag.
    components : mapping of name to Component
        Weights (>= 0) and directions.
    top_percent : float
        Share of customers flagged as value customers, in (0, 100].

    Raises
    ------
    InputError
        If a weight is negative, all weights of the components with data are zero,
        `top_percent` is out of range, or the arrays differ in length.
    """
    customer_ids = np.asarray(ids)
    n = customer_ids.size
    check(components, top_percent)
    parts: dict[str, Array] = {}
    for name, component in components.items():
        column = np.asarray(values.get(name, np.full(n, np.nan)), dtype=np.float64)
        if column.shape != (n,):
            raise InputError(
                "scores.length_mismatch",
                location=Location(field=name),
                names=f"ids, {name}",
                got=f"{n}, {column.size}",
            )
        if np.isnan(column).all():
            continue  # no data for this component: it takes no part
        parts[name] = percentile_rank(column if component.higher_is_better else -column)
    check_weight(list(parts), components, n)
    score = weighted(parts, components, n)
    return ValueScores(score, parts, _top(score, customer_ids, top_percent))


def check_weight(parts: Sequence[str], components: Mapping[str, Component], n: int) -> None:
    """Refuse to score `n` > 0 customers when the components with data weigh nothing."""
    if n and sum(components[name].weight for name in parts) <= 0:
        raise InputError(
            "scores.no_weight", location=Location(field="components"), names=", ".join(parts) or "-"
        )


def weighted(parts: Mapping[str, Array], components: Mapping[str, Component], n: int) -> Array:
    """The score of `n` customers: the weighted mean of their parts (0 with no weight).

    The weights are those of the components with a part; the run's score and an update's
    (`pipeline.frozen`) are the same arithmetic, so an unchanged customer keeps her score.
    """
    total_weight = sum(components[name].weight for name in parts)
    score = sum((components[name].weight * part for name, part in parts.items()), np.zeros(n))
    return score / total_weight if n and total_weight > 0 else score


def percentile_rank(values: npt.ArrayLike) -> Array:
    """Average rank / n, in (0, 1]; NaN ranks lowest (as if smallest)."""
    v = np.asarray(values, dtype=np.float64)
    n = v.size
    if n == 0:
        return np.zeros(0)
    filled = np.where(np.isnan(v), -np.inf, v)
    order = np.argsort(filled, kind="stable")
    ordered = filled[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], n]
    average = (starts + 1 + ends) / 2.0  # mean of the 1-based ranks starts+1 .. ends
    ranks = np.empty(n)
    ranks[order] = np.repeat(average, ends - starts)
    return np.asarray(ranks / n, dtype=np.float64)


def counted_percentile_rank(values: npt.ArrayLike, counts: npt.ArrayLike) -> Array:
    """`percentile_rank` from a histogram: each distinct value's rank among the rows.

    `values` are distinct (NaN at most once, ranked lowest), `counts` how many rows have
    each. The ranks are `percentile_rank`'s to the bit (the same integer sums, one
    division), so an engine that hands over counts scores its customers as NumPy does.
    """
    v = np.asarray(values, dtype=np.float64)
    c = np.asarray(counts, dtype=np.int64)
    order = np.argsort(np.where(np.isnan(v), -np.inf, v), kind="stable")
    ends = np.cumsum(c[order])
    starts = ends - c[order]
    ranks = np.empty(v.size)
    ranks[order] = (starts + 1 + ends) / 2.0 / max(int(c.sum()), 1)
    return ranks


# A value customer's score reaches the lowest score flagged (the param ``value_cutoff``,
# `RunFacts.value_cutoff`); among equal scores at the cut-off, customer id decides.
AT_CUTOFF = Compare("value_score", ">=", Param("value_cutoff"))


def _top(score: Array, ids: npt.NDArray[np.generic], top_percent: float) -> npt.NDArray[np.bool_]:
    """The first ceil(top_percent * n / 100) customers by score (highest first), then id.

    That is: a score at or above the cut-off (the count-th score), and for ties at the
    cut-off, a place among the first `count` by id.
    """
    n = score.size
    count = int(np.ceil(top_percent * n / 100.0 - 1e-9))
    if count <= 0:
        return np.zeros(n, dtype=bool)
    order = np.lexsort((ids, -score))
    place = np.empty(n, dtype=np.intp)
    place[order] = np.arange(n)
    cutoff = score[order[min(count, n) - 1]]
    return AT_CUTOFF.holds({"value_score": score}, {"value_cutoff": cutoff}) & (place < count)


def check(components: Mapping[str, Component], top_percent: float) -> None:
    """Refuse a negative weight or a share flagged outside (0, 100]."""
    negative = [name for name, c in components.items() if not c.weight >= 0]
    if negative:
        raise InputError(
            "scores.negative_weight",
            location=Location(field="components"),
            names=", ".join(f"{n} ({components[n].weight})" for n in negative),
        )
    if not 0 < top_percent <= 100:
        raise InputError(
            "scores.top_percent", location=Location(field="top_percent"), got=top_percent
        )
