"""Places in a ranking found from a histogram, so an engine ranks without a global sort.

A ranking here orders customers by a value (descending or not), then by customer id,
as the models state (`rfm.ntile`, `tiers.rank_tiers`, `tiers.pareto_tiers`). What
decides a customer's NTILE group or ranked tier is only which of a few positions she is
at or past: where each group starts, where each tier ends. Those positions, and the
customer at each, follow from the distinct values and their counts (what an engine
aggregates in parallel) plus, within the value of a boundary, her place among the
customers who share it by id. A whole-table window — one task on Spark, whatever the
cluster — is not needed. Pure NumPy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt


class Place(NamedTuple):
    """The customer at a position: her value, and how many with that value come before her."""

    value: float
    among_equal: int


def tile_starts(n: int, bins: int) -> list[int]:
    """Positions (from 0) where NTILE groups 2..`bins` of `n` rows start.

    SQL's NTILE: the first ``n mod bins`` groups hold one row more; with fewer rows than
    groups, one row each (`rfm.ntile`).
    """
    size, extra = divmod(n, bins)
    if size == 0:
        return list(range(1, n))
    return [t * size + min(t, extra) for t in range(1, bins)]


def places(
    values: npt.ArrayLike, counts: npt.ArrayLike, positions: Sequence[int], *, descending: bool
) -> list[Place | None]:
    """The customer at each position of the ranking, from the histogram (None: past the end).

    Within a value the customers stand by id, so the one at a position is the
    ``among_equal``-th (from 0) of those with her value, by id.
    """
    v, c = _ordered(values, counts, descending=descending)
    through = np.cumsum(c)  # customers up to and including each distinct value
    found: list[Place | None] = []
    for position in positions:
        group = int(np.searchsorted(through, position, side="right"))
        if group >= v.size:
            found.append(None)
            continue
        before = int(through[group - 1]) if group else 0
        found.append(Place(float(v[group]), position - before))
    return found


def pareto_ends(
    values: npt.ArrayLike, counts: npt.ArrayLike, cumulative_percent: Sequence[int]
) -> list[int]:
    """`tiers.pareto_tiers`' ends from a histogram of integer spend (minor units).

    Down the ranking by spend, highest first, the running total of positive spend grows
    by each customer's spend, ties included; a tier ends just after the first position
    where ``100 * running >= c * total``. Exact in integers.
    """
    v, c = _ordered(values, counts, descending=True)
    positive = np.clip(v, 0, None).astype(np.int64)
    total = int((positive * c).sum())
    if total == 0:
        return [0 for _ in cumulative_percent]  # nobody spent: all in the last tier
    through = np.cumsum(positive * c)  # running total after each value's customers
    customers = np.cumsum(c)
    ends = []
    for share in cumulative_percent:
        group = int(np.searchsorted(through * 100 >= share * total, True))
        spent_before = int(through[group - 1]) if group else 0
        before = int(customers[group - 1]) if group else 0
        # the fewest of this value's customers that bring the running total to the share
        needed = -(-(share * total - 100 * spent_before) // (100 * int(positive[group])))
        ends.append(before + needed)
    return ends


def _ordered(
    values: npt.ArrayLike, counts: npt.ArrayLike, *, descending: bool
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    v, c = np.asarray(values, dtype=np.float64), np.asarray(counts, dtype=np.int64)
    order = np.argsort(-v if descending else v, kind="stable")
    return v[order], c[order]
