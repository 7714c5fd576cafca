"""RFM: recency, frequency and monetary scores, and the named segments read off them.

Scores run from 1 to k (k = `bins`, 3 to 5); high is good on every dimension, so a
recent customer has a high r. Only scored customers (those with a counted order on or
before as_of) are passed in; prospects have no scores.

Two scorings, both with ties decided by a stated rule (DESIGN.md, "Ties are decided"):

- ``quantile`` (default) keeps ties together. The cut points c_1..c_{k-1} are the
  nearest-rank quantiles j/k of the values (SQL ``percentile_disc``: the
  ``ceil(j n / k)``-th smallest); ``f = 1 + #{j : frequency > c_j}``, m likewise, and
  ``r = k - #{j : recency_days > c_j}`` (`cut_conditions` are those comparisons, and
  say why a customer has her score). Fixed cut points may be given instead.
- ``rank`` makes equal-sized groups: SQL ``NTILE(k)`` ordered by value then customer id
  (recency descending, so the most recent customers get k).

The named segments read off these scores live in `rfm_names`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from segmint.core.errors import InputError, Location
from segmint.models.conditions import Compare, Param

Array = npt.NDArray[np.float64]
Scores1D = npt.NDArray[np.int8]

MIN_BINS, MAX_BINS = 3, 5


class Scores(NamedTuple):
    """r, f and m scores per customer, and the cut points behind them (quantile scoring)."""

    r: Scores1D
    f: Scores1D
    m: Scores1D
    cuts: tuple[Array, Array, Array]  # recency, frequency, monetary; empty for rank scoring


def nearest_rank_cuts(values: npt.ArrayLike, bins: int) -> Array:
    """The nearest-rank quantiles j/k, j = 1..k-1: the ``ceil(j n / k)``-th smallest value.

    Integer arithmetic for the rank, so no rounding of ``j n / k`` can move a cut.
    """
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    n = ordered.size
    if n == 0:
        return np.zeros(0)
    ranks = -(-np.arange(1, bins) * n // bins)  # ceil(j n / k), 1-based
    return np.asarray(ordered[np.maximum(ranks, 1) - 1], dtype=np.float64)


def counted_cuts(values: npt.ArrayLike, counts: npt.ArrayLike, bins: int) -> Array:
    """`nearest_rank_cuts` of values given as a histogram: distinct values and their counts.

    What an engine hands over instead of every customer's value: the same cut points,
    the ``ceil(j n / k)``-th smallest, found on the running counts.
    """
    v, c = np.asarray(values, dtype=np.float64), np.asarray(counts, dtype=np.int64)
    order = np.argsort(v, kind="stable")
    running = np.cumsum(c[order])
    n = int(running[-1]) if running.size else 0
    if n == 0:
        return np.zeros(0)
    ranks = np.maximum(-(-np.arange(1, bins) * n // bins), 1)
    return np.asarray(v[order][np.searchsorted(running, ranks)], dtype=np.float64)


def quantile_scores(
    recency_days: npt.ArrayLike,
    frequency: npt.ArrayLike,
    monetary: npt.ArrayLike,
    *,
    bins: int = 5,
    cuts: tuple[npt.ArrayLike, npt.ArrayLike, npt.ArrayLike] | None = None,
) -> Scores:
    """Scores by cut points: the data's nearest-rank quantiles, or the `cuts` given.

    Raises
    ------
    InputError
        If `bins` is outside 3..5, the columns differ in length, or given cut points are
        not k - 1 non-decreasing numbers.
    """
    columns = _columns(recency_days, frequency, monetary, bins=bins)
    chosen = [
        nearest_rank_cuts(c, bins) if cuts is None else _checked_cuts(cuts[i], bins, _NAMES[i])
        for i, c in enumerate(columns)
    ]
    used = (chosen[0], chosen[1], chosen[2])
    above = [
        cuts_passed(name, v, c, bins=bins) for name, v, c in zip(_NAMES, columns, used, strict=True)
    ]
    r = (bins - above[0]).astype(np.int8)
    return Scores(r, (1 + above[1]).astype(np.int8), (1 + above[2]).astype(np.int8), used)


def cut_conditions(name: str, *, bins: int) -> tuple[Compare, ...]:
    """What a score counts: ``value > c_j`` for each cut point j, the param ``<name>_cuts``.

    f and m are 1 plus the count, r is k minus it (a recent customer scores high).
    """
    return tuple(Compare(name, ">", Param(f"{name}_cuts", j)) for j in range(bins - 1))


def cuts_passed(name: str, values: Array, cuts: Array, *, bins: int) -> npt.NDArray[np.intp]:
    """``#{j : value > c_j}`` for each customer, by the conditions of `cut_conditions`."""
    params = {f"{name}_cuts": cuts}
    passed = np.zeros(values.size, dtype=np.intp)
    for condition in cut_conditions(name, bins=bins):
        passed += condition.holds({name: values}, params)
    return passed


def rank_scores(
    recency_days: npt.ArrayLike,
    frequency: npt.ArrayLike,
    monetary: npt.ArrayLike,
    customer_ids: npt.ArrayLike,
    *,
    bins: int = 5,
) -> Scores:
    """Equal-sized groups: ``NTILE(k)`` ordered by value, then customer id.

    Raises
    ------
    InputError
        If `bins` is outside 3..5 or the columns differ in length.
    """
    recency, freq, money = _columns(recency_days, frequency, monetary, bins=bins)
    ids = np.asarray(customer_ids)
    if ids.shape != recency.shape:
        raise InputError(
            "scores.length_mismatch",
            location=Location(field="customer_ids"),
            names="recency_days, customer_ids",
            got=f"{recency.size}, {ids.size}",
        )
    empty = np.zeros(0)
    return Scores(
        ntile(-recency, ids, bins),
        ntile(freq, ids, bins),
        ntile(money, ids, bins),
        (empty, empty, empty),
    )


def ntile(values: Array, ids: npt.ArrayLike, bins: int) -> Scores1D:
    """SQL ``NTILE(bins) OVER (ORDER BY value, id)``: the first ``n mod k`` groups get one more."""
    order = np.lexsort((np.asarray(ids), values))
    n = values.size
    size, extra = divmod(n, bins)
    position = np.arange(n)
    if size == 0:
        group = position  # fewer rows than groups: one row each
    else:
        big = extra * (size + 1)  # rows in the larger groups
        group = np.where(position < big, position // (size + 1), extra + (position - big) // size)
    scores = np.empty(n, dtype=np.int8)
    scores[order] = group + 1
    return scores


def _columns(*values: npt.ArrayLike, bins: int) -> tuple[Array, Array, Array]:
    if not isinstance(bins, int) or not MIN_BINS <= bins <= MAX_BINS:
        raise InputError(
            "scores.rfm_bins",
            location=Location(field="bins"),
            low=MIN_BINS,
            high=MAX_BINS,
            got=bins,
        )
    arrays = tuple(np.asarray(v, dtype=np.float64) for v in values)
    if len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1:
        raise InputError(
            "scores.length_mismatch",
            location=Location(field="recency_days"),
            names=", ".join(_NAMES),
            got=", ".join(str(a.shape) for a in arrays),
        )
    return arrays[0], arrays[1], arrays[2]


_NAMES = ("recency_days", "frequency", "monetary")


def _checked_cuts(cuts: npt.ArrayLike, bins: int, name: str) -> Array:
    array = np.asarray(cuts, dtype=np.float64)
    if array.shape != (bins - 1,) or np.any(np.diff(array) < 0) or not np.all(np.isfinite(array)):
        raise InputError(
            "scores.rfm_cuts",
            location=Location(field=f"cuts.{name}"),
            name=name,
            needed=bins - 1,
            bins=bins,
            got=np.asarray(cuts).tolist(),
        )
    return array
