"""One maximum-likelihood driver for the customer-base models.

Each model supplies its total log-likelihood with its analytic gradient and Hessian, as
a function of the log-parameters theta and of data columns; this module compresses
identical customers into weighted rows (`_compress`) and maximises by Newton steps
(`_newton`) from a start the caller computes from the data (never from chance). The
analytic Hessian at the optimum is the observed information behind the standard errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from segmint.core.errors import ConvergenceError
from segmint.models.clv import _newton as newton
from segmint.models.clv._compress import compress

Array = npt.NDArray[np.float64]
Columns = tuple[Array, ...]
# (theta, *columns, weights) -> (total log-likelihood, its gradient, its Hessian in theta)
SecondOrder = Callable[..., tuple[float, Array, Array]]

# Log-parameters stay in [-BOUND, BOUND]: e^30 ~ 1e13 is far past any sensible parameter,
# and the bound keeps the line search away from overflow.
BOUND = 30.0
SUBSAMPLE = 20_000  # customers in the systematic subsample that gives Newton its start


class Fit(NamedTuple):
    """The optimum of a likelihood on the log scale."""

    theta: Array  # log-parameters at the maximum
    log_likelihood: float  # total, unpenalized, over all (weighted) customers
    covariance: Array  # of theta: inverse observed information (penalized objective)
    n_iterations: int


def maximize_likelihood(
    second_order: SecondOrder,
    theta0: Array,
    columns: Columns,
    weights: Array,
    *,
    penalizer: float,
    model: str,
    names: tuple[str, ...],
    compress_rows: bool = True,
) -> Fit:
    """Maximise the weighted log-likelihood over log-parameters.

    The optimizer minimises ``-LL / n + penalizer * sum(theta**2)``: dividing by the
    number of customers n keeps the penalizer's meaning independent of the sample size
    (as in lifetimes) and the tolerances meaningful. Newton steps run first on a
    systematic subsample (every k-th customer) when there are many customers, so the
    full data see only the last few steps.

    Raises
    ------
    ConvergenceError
        If the optimizer stops without a maximum, or a parameter runs to its bound.
    """
    compressed, w = compress(columns, weights) if compress_rows else (columns, weights)
    n = float(w.sum())
    if n <= 0:
        raise ConvergenceError("models.no_data", model=model, total=f"{n:g}")
    start = _subsample_start(second_order, theta0, columns, weights, penalizer=penalizer)
    return _by_newton(
        second_order, start, compressed, w, penalizer=penalizer, model=model, names=names
    )


def _penalized(
    second_order: SecondOrder, columns: Columns, weights: Array, *, penalizer: float
) -> newton.Objective:
    """``-LL/n + penalizer * |theta|^2`` with its gradient and Hessian, to minimise."""
    n = float(weights.sum())

    def objective(theta: Array) -> tuple[float, Array, Array]:
        log_l, grad, hess = second_order(theta, *columns, weights)
        value = -log_l / n + penalizer * theta @ theta
        ridge = 2.0 * penalizer * np.eye(theta.size)
        return float(value), -grad / n + 2.0 * penalizer * theta, -hess / n + ridge

    return objective


def _subsample_start(
    second_order: SecondOrder,
    theta0: Array,
    columns: Columns,
    weights: Array,
    *,
    penalizer: float,
) -> Array:
    """The optimum on every k-th customer (about SUBSAMPLE of them), or `theta0`.

    Systematic, not random: the same data always give the same start. The subsample's
    optimum lies within sampling error of the full one, where Newton converges fast.
    """
    k = -(-weights.size // SUBSAMPLE)
    if k <= 1:
        return theta0
    sub_columns, sub_weights = compress(tuple(c[::k] for c in columns), weights[::k])
    if sub_weights.sum() <= 0:
        return theta0
    objective = _penalized(second_order, sub_columns, sub_weights, penalizer=penalizer)
    trial = newton.minimize(objective, theta0, bound=BOUND)
    return trial.theta if trial.converged else theta0


def _by_newton(
    second_order: SecondOrder,
    theta0: Array,
    columns: Columns,
    weights: Array,
    *,
    penalizer: float,
    model: str,
    names: tuple[str, ...],
) -> Fit:
    n = float(weights.sum())
    result = newton.minimize(
        _penalized(second_order, columns, weights, penalizer=penalizer), theta0, bound=BOUND
    )
    theta = result.theta
    _check_result(result.converged, result.message, theta, model=model, names=names)
    log_l = -(result.value - penalizer * float(theta @ theta)) * n
    covariance = _invert(result.hessian * n, model=model)
    return Fit(theta, log_l, covariance, result.iterations)


def _check_result(
    success: bool, message: str, theta: Array, *, model: str, names: tuple[str, ...]
) -> None:
    # a parameter at its bound explains a failed search better than the search's message
    at_bound = [name for name, t in zip(names, theta, strict=True) if abs(t) >= BOUND - 1e-6]
    if at_bound:
        raise ConvergenceError(
            "models.unbounded_likelihood",
            model=model,
            names=", ".join(at_bound),
            bound=f"{BOUND:g}",
        )
    if not success or not np.all(np.isfinite(theta)):
        raise ConvergenceError("models.no_convergence", model=model, reason=message)


def _invert(hessian: Array, *, model: str) -> Array:
    """The covariance of theta: the inverse of the Hessian of the negative log-likelihood."""
    try:
        return np.asarray(np.linalg.inv(hessian), dtype=np.float64)
    except np.linalg.LinAlgError as exc:
        raise ConvergenceError("models.singular_information", model=model) from exc
