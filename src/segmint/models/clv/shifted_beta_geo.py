"""sBG: contractual retention, each customer with her own churn probability.

Fader & Hardie (2007), "How to project customer retention", Journal of Interactive
Marketing 21(1), 76-90. At the end of each period a customer churns with probability
theta, and theta ~ Beta(alpha, beta) across customers. Retention rates rise over time
because the customers likely to churn leave first.

Data: one row per customer (or per group, with `weights`): ``periods`` is the period in
which she churned (``churned=True``), or the number of periods she has been observed
still active (``churned=False``).
"""

from __future__ import annotations

from typing import NamedTuple, Self

import numpy as np
import numpy.typing as npt
from scipy.special import betaln, digamma, hyp2f1, polygamma  # type: ignore[import-untyped]

from segmint.core.errors import InputError, Location
from segmint.models.base import check_fitted
from segmint.models.clv._checks import as_vector
from segmint.models.clv._fit import maximize_likelihood
from segmint.models.clv._model import FittedModel

Array = npt.NDArray[np.float64]


class Params(NamedTuple):
    """sBG parameters in the paper's notation."""

    alpha: float
    beta: float


def churn_probability(p: Params, t: npt.ArrayLike) -> Array:
    """P(T = t) = B(α+1, β+t-1) / B(α, β), t = 1, 2, ..., equation (2)."""
    alpha, beta = p
    t_ = as_vector(t, "t")
    return np.asarray(np.exp(betaln(alpha + 1.0, beta + t_ - 1.0) - betaln(alpha, beta)))


def survival(p: Params, t: npt.ArrayLike) -> Array:
    """S(t) = B(α, β+t) / B(α, β): the share still active after t periods, equation (3)."""
    alpha, beta = p
    t_ = as_vector(t, "t")
    return np.asarray(np.exp(betaln(alpha, beta + t_) - betaln(alpha, beta)))


def retention_rate(p: Params, t: npt.ArrayLike) -> Array:
    """r_t = S(t)/S(t-1) = (β+t-1)/(α+β+t-1), equation (5)."""
    alpha, beta = p
    t_ = as_vector(t, "t")
    return np.asarray((beta + t_ - 1.0) / (alpha + beta + t_ - 1.0), dtype=np.float64)


def log_likelihood(p: Params, periods: Array, churned: Array) -> Array:
    """Per-customer log-likelihood: log P(T = t) if churned in period t, else log S(t)."""
    alpha, beta = p
    t = periods
    base = betaln(alpha, beta)
    gone = betaln(alpha + 1.0, beta + t - 1.0) - base
    stayed = betaln(alpha, beta + t) - base
    return np.asarray(np.where(churned > 0, gone, stayed), dtype=np.float64)


def total_log_likelihood(theta: Array, periods: Array, churned: Array, weights: Array) -> float:
    """Weighted sum of `log_likelihood` at ``theta = log(alpha, beta)``."""
    return float(weights @ log_likelihood(Params(*np.exp(theta)), periods, churned))


def gradient(theta: Array, periods: Array, churned: Array, weights: Array) -> Array:
    """Analytic gradient in ``theta = log(alpha, beta)``."""
    return total_log_likelihood_gradient_hessian(theta, periods, churned, weights)[1]


def hessian(theta: Array, periods: Array, churned: Array, weights: Array) -> Array:
    """Analytic Hessian in ``theta = log(alpha, beta)``."""
    return total_log_likelihood_gradient_hessian(theta, periods, churned, weights)[2]


def total_log_likelihood_and_gradient(
    theta: Array, periods: Array, churned: Array, weights: Array
) -> tuple[float, Array]:
    """`total_log_likelihood` and `gradient` from one pass."""
    value, grad, _ = total_log_likelihood_gradient_hessian(theta, periods, churned, weights)
    return value, grad


def total_log_likelihood_gradient_hessian(
    theta: Array, periods: Array, churned: Array, weights: Array
) -> tuple[float, Array, Array]:
    """Log-likelihood, gradient and Hessian from Beta-function derivatives.

    Every term is ``log B(α+a, β+b) - log B(α, β)`` with (a, b) = (1, t-1) for a churned
    customer and (0, t) for one still active.
    """
    alpha, beta = (float(v) for v in np.exp(theta))
    gone = churned > 0
    a = np.where(gone, 1.0, 0.0)
    b = np.where(gone, periods - 1.0, periods)
    n = float(weights.sum())
    value = float(weights @ (betaln(alpha + a, beta + b))) - n * betaln(alpha, beta)
    psi_sum = digamma(alpha + beta + a + b)
    grad = np.array(
        [
            weights @ (digamma(alpha + a) - psi_sum) - n * (digamma(alpha) - digamma(alpha + beta)),
            weights @ (digamma(beta + b) - psi_sum) - n * (digamma(beta) - digamma(alpha + beta)),
        ]
    )
    tri_sum, tri_ab = polygamma(1, alpha + beta + a + b), float(polygamma(1, alpha + beta))
    h = np.empty((2, 2))
    h[0, 0] = weights @ (polygamma(1, alpha + a) - tri_sum) - n * (polygamma(1, alpha) - tri_ab)
    h[1, 1] = weights @ (polygamma(1, beta + b) - tri_sum) - n * (polygamma(1, beta) - tri_ab)
    h[0, 1] = h[1, 0] = -(weights @ tri_sum) + n * tri_ab
    scale = np.exp(theta)
    return value, scale * grad, np.outer(scale, scale) * h + np.diag(scale * grad)


def expected_residual_lifetime(p: Params, renewals: npt.ArrayLike, discount_rate: float) -> Array:
    """DERL: discounted expected periods still to come for a customer at her n-th renewal.

    ``Σ_{t>=n} S(t)/S(n-1) (1+d)^-(t-n) = B(α, β+n)/B(α, β+n-1) 2F1(1, β+n; α+β+n;
    1/(1+d))``, Fader & Hardie (2010), "Customer-base valuation in a contractual setting:
    the perils of ignoring heterogeneity", Marketing Science 29(1), equation (6); the
    period about to start counts undiscounted.

    Raises
    ------
    InputError
        If `discount_rate` is not positive (the sum diverges for alpha <= 1 without it).
    """
    if not discount_rate > 0:
        raise InputError(
            f"discount_rate must be positive. Got {discount_rate!r} instead.",
            location=Location(field="discount_rate"),
        )
    alpha, beta = p
    n = as_vector(renewals, "renewals")
    ratio = np.exp(betaln(alpha, beta + n) - betaln(alpha, beta + n - 1.0))
    return np.asarray(
        ratio * hyp2f1(1.0, beta + n, alpha + beta + n, 1.0 / (1.0 + discount_rate)),
        dtype=np.float64,
    )


def check_periods(
    periods: npt.ArrayLike, churned: npt.ArrayLike, weights: npt.ArrayLike | None = None
) -> tuple[Array, Array, Array]:
    """Periods (whole, >= 1 when churned, >= 0 otherwise), churn flags and weights, checked.

    Raises
    ------
    InputError
        Naming each broken rule with its count and first index.
    """
    t = as_vector(periods, "periods")
    try:
        flags = np.asarray(churned, dtype=bool)
        t, c, w = np.broadcast_arrays(
            t, flags.astype(np.float64), as_vector(1.0 if weights is None else weights, "weights")
        )
    except ValueError as exc:
        raise InputError("periods, churned and weights must have one value per customer.") from exc
    finite = np.isfinite(t) & np.isfinite(w)
    rules = [
        ("periods or weights is not a finite number", ~finite),
        ("periods is not a whole number >= 0", finite & ((t < 0) | (t != np.floor(t)))),
        (
            "a churned customer has periods 0 (churn happens in period 1 or later)",
            finite & (c > 0) & (t < 1),
        ),
        ("weights is negative", finite & (w < 0)),
    ]
    broken = [(what, bad) for what, bad in rules if bad.any()]
    if broken:
        raise InputError(
            "; ".join(
                f"{what} for {int(bad.sum())} customer{'s' if bad.sum() > 1 else ''} "
                f"(first: index {int(np.argmax(bad))})"
                for what, bad in broken
            )
            + ".",
            location=Location(index=int(np.argmax(broken[0][1]))),
        )
    return t.copy(), c.copy(), w.copy()


class ShiftedBetaGeo(FittedModel):
    """sBG retention model (Fader & Hardie 2007) fitted by maximum likelihood.

    Parameters
    ----------
    penalizer : float, default=0.0
        L2 penalty on the log-parameters, per customer.

    Attributes
    ----------
    params_ : Params
        Fitted alpha, beta.
    log_likelihood_, n_customers_, standard_errors_, covariance_, summary_, converged_,
    n_iterations_
        As for `BetaGeo`.

    References
    ----------
    P. S. Fader and B. G. S. Hardie (2007), "How to project customer retention", Journal
    of Interactive Marketing 21(1), 76-90.
    """

    _params = Params

    def fit(
        self,
        periods: npt.ArrayLike,
        churned: npt.ArrayLike,
        *,
        weights: npt.ArrayLike | None = None,
    ) -> Self:
        """Estimate alpha, beta by maximum likelihood and return the model.

        Raises
        ------
        InputError
            If a value is invalid (each rule with its count and first index).
        ConvergenceError
            If the optimizer finds no maximum (e.g. nobody churned).
        """
        self._validate_params()
        t, c, w = check_periods(periods, churned, weights)
        fit = maximize_likelihood(
            total_log_likelihood_gradient_hessian,
            np.zeros(2),  # alpha = beta = 1: a uniform churn probability
            (t, c),
            w,
            penalizer=float(self.penalizer),
            model="ShiftedBetaGeo",
            names=Params._fields,
        )
        self._store_fit(fit, n_customers=float(w.sum()))
        return self

    def survival(self, t: npt.ArrayLike) -> Array:
        """Share of a cohort still active after t periods."""
        check_fitted(self, "params_")
        return survival(self.params_, t)

    def churn_probability(self, t: npt.ArrayLike) -> Array:
        """Share of a cohort that churns in period t."""
        check_fitted(self, "params_")
        return churn_probability(self.params_, t)

    def retention_rate(self, t: npt.ArrayLike) -> Array:
        """Retention rate of period t among those active at its start."""
        check_fitted(self, "params_")
        return retention_rate(self.params_, t)

    def expected_residual_lifetime(self, renewals: npt.ArrayLike, discount_rate: float) -> Array:
        """DERL of a customer at her n-th renewal (see `expected_residual_lifetime`)."""
        check_fitted(self, "params_")
        return expected_residual_lifetime(self.params_, renewals, discount_rate)
