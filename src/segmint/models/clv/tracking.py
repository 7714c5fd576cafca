"""Expected cumulative repeat purchases of a customer base: the model's tracking line.

The cumulative tracking plot of Fader, Hardie & Lee (2005) on CDNOW: customers whose
first purchase is at s_i are expected to have made

    expected(t) = sum over {i: s_i < t} of E[X(t - s_i)]

repeat purchases by time t, with E[X(τ)] the expected repeat purchases in (0, τ] of a
customer acquired at 0. Each model module has it as ``expected_purchases_new``:

- BG/NBD: Fader, Hardie & Lee (2005), equation (9), the Gaussian hypergeometric form;
- Pareto/NBD: Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and
  related expressions", equation (17);
- MBG/NBD: Batislam, Denizel & Filiztekin (2007), the expectation of a new customer,
  BG/NBD's equation (10) with b + 1 for b at x = t_x = T = 0, times P(alive) = b/(a+b).

Customers acquired at the same time share every term, so the sum runs over the distinct
first-purchase times weighted by their counts: O(times × grid), not O(customers × grid).
First purchases on a day grid have a few hundred or thousand distinct values whatever the
number of customers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from segmint.models.clv._checks import Rule, as_vector, broadcast, raise_broken

Array = npt.NDArray[np.float64]

CHUNK = 1 << 20  # (grid point, first-purchase time) pairs evaluated at once: 8 MB


def expected_cumulative_purchases(
    expected_new: Callable[[Array], Array],
    first_purchase: npt.ArrayLike,
    at: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
) -> Array:
    """Expected cumulative repeat purchases of a population at each time in `at`.

    Parameters
    ----------
    expected_new : callable
        E[X(τ)] of a new customer at an array of ages τ > 0: a fitted model's
        ``expected_purchases_new`` (BetaGeo, ParetoNBD, ModifiedBetaGeo), or the module
        function with its parameters bound.
    first_purchase : array-like
        Each customer's first purchase time, in the unit of `at`.
    at : array-like
        The times to evaluate, in the same origin and unit; any order.
    weights : array-like, optional
        How many customers each first purchase time stands for (1 each by default): a
        population given as distinct times with counts.

    Returns
    -------
    ndarray
        ``sum over {i: s_i < t} of E[X(t - s_i)]`` for each t in `at`; 0 where nobody was
        acquired before t. The ages passed to `expected_new` are ``t - s_i`` in the unit of
        `at`, so that unit must be the model's.

    Raises
    ------
    InputError
        If a first purchase or a time is not a finite number.
    """
    births = as_vector(first_purchase, "first_purchase")
    times = as_vector(at, "at")
    raise_broken(
        [
            Rule("models.not_finite", ~np.isfinite(births), {"first_purchase": births}),
            Rule("models.not_finite", ~np.isfinite(times), {"at": times}),
        ]
    )
    births, copies = broadcast(
        {
            "first_purchase": births,
            "weights": as_vector(1.0 if weights is None else weights, "weights"),
        }
    )
    starts, inverse = np.unique(births, return_inverse=True)
    counts = np.bincount(inverse.ravel(), copies, starts.size)
    total = np.zeros(times.size)
    rows = max(1, CHUNK // max(starts.size, 1))
    for begin in range(0, times.size, rows):
        ages = times[begin : begin + rows, None] - starts[None, :]
        acquired = ages > 0  # a customer acquired at t has made no repeat purchase by t
        expected = np.zeros(ages.shape)
        expected[acquired] = expected_new(ages[acquired])
        total[begin : begin + rows] = expected @ counts.astype(np.float64)
    return total
