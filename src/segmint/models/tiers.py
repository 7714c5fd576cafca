"""A/B/C value tiers: by spend thresholds, by rank shares, or by shares of revenue (Pareto).

Every function returns each customer's tier as an index, 0 = the top tier (A). Values
are the customers' spend (the pipeline passes spend in the 365 days up to as_of, in
minor units, so comparisons are exact). Orders that decide ties are stated: by value,
highest first, then customer id.

Each method is a first-that-holds table of conditions (`threshold_cases`, `rank_cases`,
`pareto_cases`; `segmint.models.conditions`), so a profile says why from the same rules.

- `threshold_tiers`: fixed cut-offs, highest first. The default of Chinese SMEs is
  ``(100_000, 50_000)`` yuan: A above 100,000, B from 50,000 to 100,000 inclusive, C
  below 50,000.
- `rank_tiers`: shares of customers, e.g. the top 20 % A, the next 30 % B.
- `pareto_tiers`: shares of revenue: A is the smallest set of customers holding 80 % of
  the revenue, B the next 15 %, C the rest; `pareto_curve` is the 80/20 curve.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from segmint.core.errors import InputError, Location
from segmint.models.conditions import AllOf, Case, Compare, Const, Param, first

Array = npt.NDArray[np.float64]
Tiers = npt.NDArray[np.int8]

DEFAULT_THRESHOLDS = (100_000.0, 50_000.0)
DEFAULT_PARETO_PERCENT = (80, 15)  # A holds 80 % of revenue, B the next 15 %, C the rest


def threshold_tiers(values: npt.ArrayLike, thresholds: Sequence[float]) -> Tiers:
    """Tier by cut-offs ``t_0 > t_1 > ...``: 0 above t_0, j from t_j up to t_{j-1}, last below.

    Raises
    ------
    InputError
        If the thresholds are not strictly decreasing finite numbers (at least one).
    """
    cuts = np.asarray(thresholds, dtype=np.float64)
    if (
        cuts.ndim != 1
        or cuts.size == 0
        or not np.all(np.isfinite(cuts))
        or np.any(np.diff(cuts) >= 0)
    ):
        raise InputError(
            "scores.tier_thresholds",
            location=Location(field="thresholds"),
            got=_listed(thresholds),
        )
    cases = threshold_cases(cuts.size)
    spend = {"spend": _spend(values)}
    return first(cases, spend, {"thresholds": cuts}, choices=range(cuts.size), default=cuts.size)


def threshold_cases(count: int) -> tuple[Case, ...]:
    """Tier j when spend passes the j-th cut-off (the param ``thresholds``), first wins.

    Above the first cut-off is the top tier; from each later one up, the next; below the
    last, the last tier (no case holds). The key of a case is its tier index.
    """
    top = Case("0", Compare("spend", ">", Param("thresholds", 0)))
    rest = (Case(str(j), Compare("spend", ">=", Param("thresholds", j))) for j in range(1, count))
    return (top, *rest)


def rank_tiers(values: npt.ArrayLike, ids: npt.ArrayLike, percent: Sequence[int]) -> Tiers:
    """Tier by shares of customers ranked by value, e.g. the top 20 % A.

    Tier i holds positions ``[ceil(c_{i-1} n / 100), ceil(c_i n / 100))``, where c_i are
    the cumulative percents.

    Raises
    ------
    InputError
        If the percents are not positive whole numbers below 100 in total.
    """
    cumulative = _cumulative_percent(percent, field="percent")
    order = _by_value(values, ids)
    n = order.size
    ends = -(-cumulative * n // 100)  # ceil, in integers
    return _ranked_tiers(order, _spend(values), ends, cases=rank_cases(ends.size))


def pareto_tiers(
    values: npt.ArrayLike, ids: npt.ArrayLike, percent: Sequence[int] = DEFAULT_PARETO_PERCENT
) -> Tiers:
    """Tier by shares of revenue, the top tier the smallest set holding c_1 % of it.

    Tier i ends at the first customer whose running total reaches the cumulative percent
    c_i of the revenue (``100 running >= c_i total``, exact for integer minor units).
    Customers with no positive spend are in the last tier.

    Raises
    ------
    InputError
        If the percents are not positive whole numbers below 100 in total.
    """
    cumulative = _cumulative_percent(percent, field="percent")
    v = _spend(values)
    order = _by_value(v, ids)
    positive = np.clip(v[order], 0, None)
    running, total = np.cumsum(positive), positive.sum()
    ends = np.zeros(cumulative.size, dtype=np.int64)  # nobody spent: every tier but the last empty
    if total > 0:
        # the first position whose running total reaches each share closes that tier
        reached = [int(np.searchsorted(running * 100 >= c * total, True)) + 1 for c in cumulative]
        ends = np.array(reached, dtype=np.int64)
    return _ranked_tiers(order, v, ends, cases=pareto_cases(cumulative.size))


def rank_cases(count: int) -> tuple[Case, ...]:
    """Tier j when the position by spend (then id) is before the j-th end (param ``ends``).

    Positions count from 0, the highest spend first; past the last end, the last tier.
    """
    return tuple(Case(str(j), Compare("spend_rank", "<", Param("ends", j))) for j in range(count))


def pareto_cases(count: int) -> tuple[Case, ...]:
    """`rank_cases` for customers who spent: nothing spent is the last tier, by revenue."""
    spent = Compare("spend", ">", Const(0))
    return tuple(Case(c.key, AllOf((c.when, spent))) for c in rank_cases(count))


# A ranked tier as the run records it (`TierSpan`): her spend lies within the tier's
# lowest and highest spend. Positions are not recorded per customer, so this is what a
# profile can check; ties on a span's edge are decided by customer id.
WITHIN_SPAN = AllOf(
    (
        Compare("spend", ">=", Param("tier_min_spend")),
        Compare("spend", "<=", Param("tier_max_spend")),
    )
)


def _ranked_tiers(
    order: npt.NDArray[np.intp],
    spend: npt.NDArray[Any],
    ends: npt.ArrayLike,
    *,
    cases: Sequence[Case],
) -> Tiers:
    rank = np.empty(order.size, dtype=np.intp)
    rank[order] = np.arange(order.size)
    values = {"spend": spend, "spend_rank": rank}
    return first(cases, values, {"ends": ends}, choices=range(len(cases)), default=len(cases))


class ParetoCurve(NamedTuple):
    """Share of revenue held by the top share of customers, at 101 points (0 %, 1 %, … 100 %)."""

    customer_share: Array
    revenue_share: Array


def pareto_curve(values: npt.ArrayLike, ids: npt.ArrayLike) -> ParetoCurve:
    """The 80/20 curve: cumulative revenue share of the customers ranked by spend."""
    v = _spend(values).astype(np.float64)
    order = _by_value(v, ids)
    running = np.concatenate([[0.0], np.cumsum(np.clip(v[order], 0.0, None))])
    share = np.linspace(0.0, 1.0, 101)
    total = running[-1]
    at = running[np.round(share * v.size).astype(np.intp)]
    revenue = at / total if total > 0 else np.zeros_like(share)
    return ParetoCurve(share, np.asarray(revenue, dtype=np.float64))


def counted_pareto_curve(values: npt.ArrayLike, counts: npt.ArrayLike) -> ParetoCurve:
    """`pareto_curve` from a histogram of spend: distinct values and how many have each.

    Within a value the customers' order does not change the running total, so the curve
    follows from the values' running totals: exact integers as floats, as in
    `pareto_curve`, to the bit.
    """
    v = np.asarray(values, dtype=np.float64)
    c = np.asarray(counts, dtype=np.int64)
    order = np.argsort(-v, kind="stable")
    positive, c = np.clip(v[order], 0.0, None), c[order]
    n = int(c.sum())
    share = np.linspace(0.0, 1.0, 101)
    if n == 0:
        return ParetoCurve(share, np.zeros_like(share))
    before = np.concatenate([[0], np.cumsum(c)])  # customers before each value
    running = np.concatenate([[0.0], np.cumsum(positive * c)])  # spend before each value
    taken = np.round(share * n).astype(np.intp)
    group = np.minimum(np.searchsorted(before, taken, side="right") - 1, positive.size - 1)
    at = running[group] + (taken - before[group]) * positive[group]
    total = running[-1]
    revenue = at / total if total > 0 else np.zeros_like(share)
    return ParetoCurve(share, np.asarray(revenue, dtype=np.float64))


def _spend(values: npt.ArrayLike) -> npt.NDArray[Any]:
    """The values as an array; an empty (NaN) spend has no tier and is refused."""
    v = np.asarray(values)
    if v.dtype.kind == "f" and np.isnan(v).any():
        raise InputError(
            "scores.no_spend", location=Location(field="values"), count=int(np.isnan(v).sum())
        )
    return v


def _by_value(values: npt.ArrayLike, ids: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """Positions ordered by value, highest first, then by id."""
    v, i = _spend(values), np.asarray(ids)
    if v.shape != i.shape or v.ndim != 1:
        raise InputError(
            "scores.length_mismatch",
            location=Location(field="ids"),
            names="values, ids",
            got=f"{v.shape}, {i.shape}",
        )
    return np.lexsort((i, -v.astype(np.float64)))


def _cumulative_percent(percent: Sequence[int], *, field: str) -> npt.NDArray[np.int64]:
    shares = list(percent)
    if not shares or any(not isinstance(p, int) or p <= 0 for p in shares) or sum(shares) >= 100:
        raise InputError("scores.tier_shares", location=Location(field=field), got=_listed(shares))
    return np.cumsum(np.asarray(shares, dtype=np.int64))


def _listed(values: Sequence[Any]) -> str:
    """Numbers as the caller gave them: [100000.0, -5.0], not a NumPy repr."""
    return "[" + ", ".join(str(v) for v in values) + "]"
