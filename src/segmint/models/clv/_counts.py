"""Purchase counts as a short table, so special functions of x run once per distinct count.

A million customers have a few hundred distinct purchase counts: Γ(r+x), ψ(b+x) and the
like are evaluated on the table and either summed against the weight of each count or
gathered back to the rows.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Index = npt.NDArray[np.intp]


class CountTable(NamedTuple):
    """Distinct counts, each row's place among them, and the weight of each count."""

    values: Array
    position: Index  # each row's place in `values`
    weight: Array

    def total(self, per_count: Array) -> float:
        """Sum over customers of a quantity that depends on the count only.

        Counts nobody has are left out, so a quantity undefined there (Γ(0)) cannot
        turn the sum into nan.
        """
        held = self.weight != 0
        return float(self.weight[held] @ per_count[held])

    def rows(self, per_count: Array) -> Array:
        """A per-count quantity, one value per row."""
        return per_count[self.position]


def count_table(x: Array, weights: Array) -> CountTable:
    """The table of counts `x` (whole numbers, as `check_rfm` guarantees).

    Counts up to a few times the number of rows use 0..max(x) directly (no sort); larger
    or fractional values fall back to their distinct values.
    """
    as_int = x.astype(np.intp)
    top = int(as_int.max(initial=0))
    if top <= 4 * x.size + 64 and as_int.min(initial=0) >= 0 and np.array_equal(as_int, x):
        values = np.arange(top + 1, dtype=np.float64)
        return CountTable(values, as_int, _summed(as_int, weights, top + 1))
    values, position = np.unique(x, return_inverse=True)
    return CountTable(values, position, _summed(position, weights, values.size))


def _summed(position: Index, weights: Array, size: int) -> Array:
    return np.asarray(np.bincount(position, weights, minlength=size), dtype=np.float64)
