"""One maximum-likelihood driver for the customer-base models.

Each model supplies its total log-likelihood with its analytic gradient, as a function of
the log-parameters theta and of data columns; this module compresses identical customers
into weighted rows, maximises with L-BFGS-B from a start the caller computes from the
data (never from chance), and measures the observed information for standard errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize  # type: ignore[import-untyped]

from segmint.core.errors import ConvergenceError

Array = npt.NDArray[np.float64]
Columns = tuple[Array, ...]
# (theta, *columns, weights) -> (total log-likelihood, its gradient in theta)
Objective = Callable[..., tuple[float, Array]]

# Log-parameters stay in [-BOUND, BOUND]: e^30 ~ 1e13 is far past any sensible parameter,
# and the bound keeps the line search away from overflow.
BOUND = 30.0
HESSIAN_STEP = 1e-5  # central differences of the analytic gradient, on the log scale


class Fit(NamedTuple):
    """The optimum of a likelihood on the log scale."""

    theta: Array  # log-parameters at the maximum
    log_likelihood: float  # total, unpenalized, over all (weighted) customers
    covariance: Array  # of theta: inverse observed information (penalized objective)
    n_iterations: int


def compress(columns: Columns, weights: Array) -> tuple[Columns, Array]:
    """Identical customers as one row each, with their weights summed.

    Sort-based (`np.lexsort` and run lengths), much cheaper than `np.unique(axis=0)`;
    order data have whole-day times, so a million customers shrink to far fewer rows.
    """
    if weights.size == 0:
        return columns, weights
    order = np.lexsort(columns[::-1])
    sorted_columns = tuple(c[order] for c in columns)
    changes = np.zeros(weights.size, dtype=bool)
    changes[0] = True
    for c in sorted_columns:
        changes[1:] |= c[1:] != c[:-1]
    starts = np.flatnonzero(changes)
    summed = np.add.reduceat(weights[order], starts)
    return tuple(c[starts] for c in sorted_columns), summed


def maximize_likelihood(
    value_and_gradient: Objective,
    theta0: Array,
    columns: Columns,
    weights: Array,
    *,
    penalizer: float,
    model: str,
    names: tuple[str, ...],
) -> Fit:
    """Maximise the weighted log-likelihood over log-parameters with L-BFGS-B.

    The optimizer minimises ``-LL / n + penalizer * sum(theta**2)``: dividing by the
    number of customers n keeps the penalizer's meaning independent of the sample size
    (as in lifetimes) and the tolerances meaningful.

    Raises
    ------
    ConvergenceError
        If the optimizer stops without a maximum, or a parameter runs to its bound.
    """
    compressed, w = compress(columns, weights)
    n = float(w.sum())
    if n <= 0:
        raise ConvergenceError(
            f"{model} cannot be fitted: there are no customers (the weights sum to {n:g}).",
            code="models.no_data",
        )

    def objective(theta: Array) -> tuple[float, Array]:
        log_l, grad = value_and_gradient(theta, *compressed, w)
        value = -log_l / n + penalizer * theta @ theta
        return float(value), -grad / n + 2.0 * penalizer * theta

    result = minimize(
        objective,
        theta0,
        jac=True,
        method="L-BFGS-B",
        bounds=[(-BOUND, BOUND)] * theta0.size,
        options={"maxiter": 1000, "ftol": 1e-15, "gtol": 1e-9},
    )
    theta = np.asarray(result.x, dtype=np.float64)
    _check_result(result, theta, model=model, names=names)

    def penalized_gradient(t: Array) -> Array:
        return -value_and_gradient(t, *compressed, w)[1] + 2.0 * n * penalizer * t

    covariance = _inverse_information(penalized_gradient, theta, model=model)
    value = float(value_and_gradient(theta, *compressed, w)[0])
    return Fit(theta, value, covariance, int(result.nit))


def _check_result(result: object, theta: Array, *, model: str, names: tuple[str, ...]) -> None:
    success = bool(getattr(result, "success", False))
    message = str(getattr(result, "message", ""))
    if not success or not np.all(np.isfinite(theta)):
        raise ConvergenceError(
            f"The maximum-likelihood fit of {model} did not converge: {message}",
            hint="Try a small penalizer (penalizer=0.01), or check the data: a model of "
            "repeat buying needs customers with repeat purchases.",
        )
    at_bound = [name for name, t in zip(names, theta, strict=True) if abs(t) >= BOUND - 1e-6]
    if at_bound:
        raise ConvergenceError(
            f"The maximum-likelihood fit of {model} ran {', '.join(at_bound)} to "
            f"e^±{BOUND:g}: the likelihood has no maximum at finite parameters for these data.",
            hint="A penalizer (penalizer=0.01) keeps the parameters finite; so do more "
            "customers, or customers with repeat purchases.",
        )


def _inverse_information(grad: Callable[[Array], Array], theta: Array, *, model: str) -> Array:
    """Inverse of the Hessian of the negative log-likelihood, by central differences."""
    k = theta.size
    hessian = np.empty((k, k))
    for j in range(k):
        step = np.zeros(k)
        step[j] = HESSIAN_STEP
        hessian[:, j] = (grad(theta + step) - grad(theta - step)) / (2.0 * HESSIAN_STEP)
    hessian = (hessian + hessian.T) / 2.0  # differences break the symmetry slightly
    try:
        return np.asarray(np.linalg.inv(hessian), dtype=np.float64)
    except np.linalg.LinAlgError as exc:
        raise ConvergenceError(
            f"The fit of {model} reached a point where the information matrix is singular, "
            "so its parameters are not identified by these data.",
            hint="A penalizer (penalizer=0.01) or more customers usually help.",
        ) from exc
