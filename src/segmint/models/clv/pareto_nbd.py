"""Pareto/NBD: Poisson purchases while alive, an exponential lifetime, both heterogeneous.

Schmittlein, Morrison & Colombo (1987), "Counting your customers: who are they and what
will they do next?", Management Science 33(1), 1-24; likelihood and expectations as in
Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and related
expressions". While alive a customer buys at rate lambda ~ Gamma(r, alpha); her lifetime
is exponential with rate mu ~ Gamma(s, beta).

Paper symbol to public name:

======  ==============  ===========================================================
paper   public          meaning
======  ==============  ===========================================================
x       ``frequency``   number of repeat purchases in (0, T]
t_x     ``recency``     time of the last repeat purchase since the first purchase
T       ``T``           time from the first purchase to the end of observation
r, α    ``r, alpha``    shape and rate of the Gamma purchase-rate distribution
s, β    ``s, beta``     shape and rate of the Gamma dropout-rate distribution
======  ==============  ===========================================================

alpha and beta carry the time unit; r and s do not.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Self

import numpy as np
import numpy.typing as npt
from scipy.special import (  # type: ignore[import-untyped]
    digamma,
    expit,
    gammaln,
    polygamma,
    xlogy,
)

from segmint.core.errors import ConvergenceError, InputError, Location
from segmint.models.base import check_fitted
from segmint.models.clv import _pareto_integral as integral
from segmint.models.clv._checks import as_vector, check_rfm
from segmint.models.clv._counts import count_table
from segmint.models.clv._fit import maximize_likelihood
from segmint.models.clv._model import FittedModel
from segmint.models.clv._sums import dot, outer_sum

Array = npt.NDArray[np.float64]


class Params(NamedTuple):
    """Pareto/NBD parameters in the paper's notation."""

    r: float
    alpha: float
    s: float
    beta: float


class _Terms(NamedTuple):
    """The two terms of the likelihood in logs, per customer, and their derivatives."""

    log_alive: Array  # e1 = -(r+x) log(α+T) - s log(β+T): alive at T
    log_gone: Array  # log s + log A: dropped out in (t_x, T]
    d_alive: Array  # (4, rows)
    d_gone: Array  # (4, rows)
    h_alive: Array | None  # (4, 4, rows)
    h_gone: Array | None  # (4, 4, rows)


def log_likelihood(p: Params, x: Array, t_x: Array, T: Array) -> Array:
    """Per-customer log-likelihood, Fader & Hardie (2005) note, equation (11), in logs.

    ``log Γ(r+x)α^r β^s/Γ(r) + logaddexp(e1, log s + log A)``, with A the integral of
    `_pareto_integral` (no hypergeometric function, no overflow at any x or T).
    """
    terms = _terms(p, x, t_x, T, order=0)
    value = _log_constant(p, x) + np.logaddexp(terms.log_alive, terms.log_gone)
    return np.asarray(value, dtype=np.float64)


def _log_constant(p: Params, x: Array) -> Array:
    r, alpha, s, beta = p
    return np.asarray(
        gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta), dtype=np.float64
    )


def _terms(p: Params, x: Array, t_x: Array, T: Array, *, order: int) -> _Terms:
    """The two terms in logs and, up to `order`, their derivatives in (r, α, s, β)."""
    r, alpha, s, beta = p
    log_age_a, log_age_b = np.log(alpha + T), np.log(beta + T)
    log_alive = -(r + x) * log_age_a - s * log_age_b
    moments = integral.integral_moments(r, alpha, s, beta, x, t_x, T, order=order)
    log_gone = np.log(s) + moments.log_integral
    if order == 0:
        return _Terms(log_alive, log_gone, np.zeros((4, 0)), np.zeros((4, 0)), None, None)
    rx = r + x
    mean, cov = moments.mean, moments.covariance
    d_alive = np.stack([-log_age_a, -rx / (alpha + T), -log_age_b, -s / (beta + T)])
    # ∂ log f = (-log(α+τ), -(r+x)/(α+τ), -log(β+τ), -(s+1)/(β+τ)); 1/s from the factor s
    d_gone = np.stack([-mean[0], -rx * mean[1], 1.0 / s - mean[2], -(s + 1.0) * mean[3]])
    if order == 1:
        return _Terms(log_alive, log_gone, d_alive, d_gone, None, None)
    return _Terms(
        log_alive,
        log_gone,
        d_alive,
        d_gone,
        _hessian_alive(p, x, T),
        _hessian_gone(p, rx, mean, cov),
    )


def _hessian_alive(p: Params, x: Array, T: Array) -> Array:
    """∇² of -(r+x) log(α+T) - s log(β+T), per customer."""
    r, alpha, s, beta = p
    h = np.zeros((4, 4, x.size))
    h[0, 1] = h[1, 0] = -1.0 / (alpha + T)
    h[1, 1] = (r + x) / (alpha + T) ** 2
    h[2, 3] = h[3, 2] = -1.0 / (beta + T)
    h[3, 3] = s / (beta + T) ** 2
    return h


def _hessian_gone(p: Params, rx: Array, mean: Array, cov: Array) -> Array:
    """∇² of log s + log A per customer: E_π[∇² log f] + Cov_π(∇ log f) - 1/s² e₂e₂ᵀ."""
    s = p.s
    ones = np.ones_like(rx)
    scale = np.stack([ones, rx, ones, (s + 1.0) * ones])  # |∂ log f| per unit of q
    h = scale[:, None, :] * scale[None, :, :] * cov  # the signs cancel in pairs
    h[0, 1] -= mean[1]
    h[1, 0] -= mean[1]
    h[1, 1] += rx * (cov[1, 1] + mean[1] ** 2)
    h[2, 3] -= mean[3]
    h[3, 2] -= mean[3]
    h[3, 3] += (s + 1.0) * (cov[3, 3] + mean[3] ** 2)
    h[2, 2] -= 1.0 / s**2
    return h


def total_log_likelihood(theta: Array, x: Array, t_x: Array, T: Array, weights: Array) -> float:
    """Weighted sum of `log_likelihood` at log-parameters ``theta = log(r, alpha, s, beta)``."""
    return float(weights @ log_likelihood(Params(*np.exp(theta)), x, t_x, T))


def gradient(theta: Array, x: Array, t_x: Array, T: Array, weights: Array) -> Array:
    """Analytic gradient of `total_log_likelihood` in ``theta = log(r, alpha, s, beta)``."""
    return _derivatives(theta, x, t_x, T, weights, second=False)[1]


def hessian(theta: Array, x: Array, t_x: Array, T: Array, weights: Array) -> Array:
    """Analytic Hessian of `total_log_likelihood` in ``theta = log(r, alpha, s, beta)``."""
    return _derivatives(theta, x, t_x, T, weights, second=True)[2]


def total_log_likelihood_and_gradient(
    theta: Array, x: Array, t_x: Array, T: Array, weights: Array
) -> tuple[float, Array]:
    """`total_log_likelihood` and `gradient` from one pass."""
    value, grad, _ = _derivatives(theta, x, t_x, T, weights, second=False)
    return value, grad


def total_log_likelihood_gradient_hessian(
    theta: Array, x: Array, t_x: Array, T: Array, weights: Array
) -> tuple[float, Array, Array]:
    """`total_log_likelihood`, `gradient` and `hessian` from one pass, for Newton steps."""
    return _derivatives(theta, x, t_x, T, weights, second=True)


def _derivatives(
    theta: Array, x: Array, t_x: Array, T: Array, w: Array, *, second: bool
) -> tuple[float, Array, Array]:
    """Total log-likelihood, gradient and Hessian in log-parameters.

    ``ℓ = log C + log(e^e1 + e^e2)``: with P1 the share of the first term (P(alive)),
    ``∇ℓ = ∇log C + P1 ∇e1 + P2 ∇e2`` and ``∇²ℓ = ∇²log C + P1 ∇²e1 + P2 ∇²e2 +
    P1 P2 (∇e1 - ∇e2)(∇e1 - ∇e2)ᵀ``.
    """
    p = Params(*(float(v) for v in np.exp(theta)))
    r, alpha, s, beta = p
    terms = _terms(p, x, t_x, T, order=2 if second else 1)
    table = count_table(x, w)
    v, n = table.values, float(w.sum())
    both = np.logaddexp(terms.log_alive, terms.log_gone)
    alive = expit(terms.log_alive - terms.log_gone)  # P1, stable for any gap
    value = table.total(gammaln(r + v) - gammaln(r)) + n * (r * np.log(alpha) + s * np.log(beta))
    value += dot(w, both)
    mixed = terms.d_alive * alive + terms.d_gone * (1.0 - alive)
    constant = np.array(
        [
            table.total(digamma(r + v) - digamma(r)) + n * np.log(alpha),
            n * r / alpha,
            n * np.log(beta),
            n * s / beta,
        ]
    )
    grad = constant + np.einsum("in,n->i", mixed, w)
    hess = np.zeros((4, 4))
    if terms.h_alive is not None and terms.h_gone is not None:
        gap = terms.d_alive - terms.d_gone
        spread = alive * (1.0 - alive) * w
        both_h = terms.h_alive * alive + terms.h_gone * (1.0 - alive)
        hess = np.einsum("ijn,n->ij", both_h, w) + outer_sum(gap * spread, gap)
        hess = (hess + hess.T) / 2.0  # exactly symmetric
        hess[0, 0] += table.total(polygamma(1, r + v) - polygamma(1, r))
        hess[0, 1] += n / alpha
        hess[1, 0] += n / alpha
        hess[1, 1] -= n * r / alpha**2
        hess[2, 3] += n / beta
        hess[3, 2] += n / beta
        hess[3, 3] -= n * s / beta**2
    scale = np.exp(theta)
    hess = np.outer(scale, scale) * hess + np.diag(scale * grad)
    return value, scale * grad, hess


def probability_alive(p: Params, x: Array, t_x: Array, T: Array) -> Array:
    """P(alive at T | x, t_x, T): the share of the first term of the likelihood.

    Fader & Hardie (2005) note, equation (18), as a logistic function of the two terms'
    log-ratio, so no power of (α+T) overflows.
    """
    terms = _terms(p, x, t_x, T, order=0)
    return np.asarray(expit(terms.log_alive - terms.log_gone), dtype=np.float64)


def expected_purchases(p: Params, t: npt.ArrayLike, x: Array, t_x: Array, T: Array) -> Array:
    """E[purchases in (T, T+t] | x, t_x, T], Fader & Hardie (2005) note, equation (22).

    ``P(alive) (r+x)(β+T) / ((α+T)(s-1)) [1 - ((β+T)/(β+T+t))^(s-1)]``; the bracket over
    (s-1) is written with expm1 and log1p, so s near 1 (where it tends to
    log((β+T+t)/(β+T))) loses no digits.
    """
    r, alpha, s, beta = p
    t_ = as_vector(t, "t")
    rate = (r + x) / (alpha + T)
    return rate * _lifetime_share(s, beta + T, t_) * probability_alive(p, x, t_x, T)


def expected_purchases_new(p: Params, t: npt.ArrayLike) -> Array:
    """E[X(t)] for a customer just acquired, Fader & Hardie (2005) note, equation (17).

    ``r β / (α (s-1)) [1 - (β/(β+t))^(s-1)]``.
    """
    r, alpha, s, beta = p
    t_ = as_vector(t, "t")
    return np.asarray(r / alpha * _lifetime_share(s, np.full_like(t_, beta), t_), dtype=np.float64)


def _lifetime_share(s: float, base: Array, t: Array) -> Array:
    """``base/(s-1) [1 - (base/(base+t))^(s-1)]``: the expected time alive in (0, t]."""
    log_ratio = np.log1p(t / base)  # log((base+t)/base) >= 0
    if abs(s - 1.0) < 1e-12:
        return np.asarray(base * log_ratio, dtype=np.float64)
    return np.asarray(base * -np.expm1(-(s - 1.0) * log_ratio) / (s - 1.0), dtype=np.float64)


PURCHASE_NODES = 64  # Gauss-Legendre nodes for P(X(t) = n)
PURCHASE_ROWS = integral.CHUNK_NODES // PURCHASE_NODES  # rows x nodes held at once: 4 MB

# r, alpha, s, beta with any of them one value per row: the posterior of each customer
Rows = tuple[float | Array, float | Array, float | Array, float | Array]


def probability_of_purchases(p: Params | Rows, n: npt.ArrayLike, t: float) -> Array:
    """P(X(t) = n) for a customer just acquired.

    Alive through t (probability ``(β/(β+t))^s``) she makes NB(r, α/(α+t)) purchases;
    gone at τ < t (density ``s β^s (β+τ)^-(s+1)``) she made NB(r, α/(α+τ)) (Fader, Hardie
    & Lee 2005, "Deriving an expression for P(X(t) = x) under the Pareto/NBD model").
    The note's closed form needs 2F1; the integral over τ is taken here by Gauss-Legendre
    on ``y = log(1 + τ/min(α, β))``, where the integrand is smooth.

    Any of r, alpha, s, beta may be an array, one value per row, broadcast with `n`: a
    customer alive at T starts afresh with her posterior (r+x, α+T, s, β+T), so
    `segmint.models.churn` asks this of each customer's own parameters. Each row gets its
    own nodes; rows are taken PURCHASE_ROWS at a time, so memory stays bounded.
    """
    columns = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in p), as_vector(n, "n"))
    value = np.empty(columns[0].shape)
    for first in range(0, value.size, PURCHASE_ROWS):
        rows = slice(first, first + PURCHASE_ROWS)
        r, alpha, s, beta, n_ = (c[rows, None] for c in columns)
        value[rows] = _purchase_probabilities((r, alpha, s, beta), n_, float(t))
    return value


def _purchase_probabilities(p: Rows, n: Array, t: float) -> Array:
    """`probability_of_purchases` for rows given as columns (rows, 1)."""
    r, alpha, s, beta = p
    scale = np.minimum(alpha, beta)
    nodes, weights = np.polynomial.legendre.leggauss(PURCHASE_NODES)
    span = np.log1p(t / scale)
    y = (nodes + 1.0) * span / 2.0  # (rows, nodes)
    tau = scale * np.expm1(y)
    log_count = gammaln(r + n) - gammaln(r) - gammaln(n + 1.0) + r * np.log(alpha)

    def log_nb(at: float | Array, log_at: Array) -> Array:
        # xlogy: n log τ is 0, not nan, at n = 0 and τ = 0
        return np.asarray(log_count + xlogy(n, at) - (r + n) * log_at)

    # one exp per node: density s β^s (β+τ)^-(s+1), dτ = (scale+τ) dy, and the weight in logs
    with np.errstate(divide="ignore"):  # τ = 0 (t = 0) has log 0 = -inf: weight 0
        alive = np.exp(s * (np.log(beta) - np.log(beta + t)) + log_nb(t, np.log(alpha + t)))
        log_gone = log_nb(tau, np.log(alpha + tau)) - (s + 1.0) * np.log(beta + tau)
        log_gone += np.log(s) + s * np.log(beta) + np.log(scale * span / 2.0) + y + np.log(weights)
        gone = np.exp(log_gone).sum(axis=1)
    return np.asarray(alive[:, 0] + gone, dtype=np.float64)


def discounted_expected_residual_transactions(
    p: Params, delta: float, x: Array, t_x: Array, T: Array
) -> Array:
    """DERT: discounted expected purchases over the rest of the lifetime.

    Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves", JMR 42(4),
    equation (2), for continuous compounding at rate delta per time unit:
    ``α^r β^s δ^(s-1) Γ(r+x+1) U(s, s; δ(β+T)) / (Γ(r) (α+T)^(r+x+1) L)``, with U the
    confluent hypergeometric function of the second kind. Divided through by L it is
    ``P(alive) (r+x)/(α+T) (β+T) h(s, δ(β+T))`` with ``h(s, z) = z^(s-1) U(s, s; z)``:
    (r+x)/(α+T) is the purchase rate expected of an active customer and (β+T) h is
    E[1/(μ+δ)] under her dropout rate's Gamma(s, β+T) posterior. No power of α+T
    appears, so it stays finite at any x or T; h is `_pareto_integral.discount_factor`.
    """
    r, alpha, s, beta = p
    if not (math.isfinite(delta) and delta > 0):
        raise InputError(
            "models.delta_not_positive", location=Location(field="delta"), got=repr(delta)
        )
    ages, place = np.unique(T, return_inverse=True)  # h depends on T alone
    discount = integral.discount_factor(s, delta * (beta + ages))[place.ravel()]
    alive = probability_alive(p, x, t_x, T)
    return np.asarray(alive * (r + x) / (alpha + T) * (beta + T) * discount, dtype=np.float64)


PILOT = 2_000  # customers in the pilot fit that gives the start


def start(x: Array, t_x: Array, T: Array, weights: Array) -> Array:
    """A deterministic start on the log scale: the fit on every k-th customer (~PILOT).

    The pilot starts from r = s = 1, alpha so that r/alpha is the observed purchase rate
    and beta the mean age (so it scales with the time unit), and lands within sampling
    error of the optimum, where Newton needs only a few steps on all the customers. With
    PILOT customers or fewer, or if the pilot finds no maximum, that rough start is used.
    """
    n = weights.sum()
    mean_T = max(dot(weights, T) / n, 1e-6) if n > 0 else 1.0
    mean_x = dot(weights, x) / n if n > 0 else 0.0
    rough = np.log(np.array([1.0, mean_T / (mean_x + 1.0), 1.0, mean_T], dtype=np.float64))
    k = -(-weights.size // PILOT)
    if k <= 1:
        return rough
    columns = (x[::k], t_x[::k], T[::k])
    try:
        pilot = maximize_likelihood(
            total_log_likelihood_gradient_hessian,
            rough,
            columns,
            weights[::k],
            penalizer=0.0,
            model="ParetoNBD",
            names=Params._fields,
        )
    except ConvergenceError:
        return rough
    return pilot.theta


class ParetoNBD(FittedModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987) fitted by maximum likelihood.

    Parameters
    ----------
    penalizer : float, default=0.0
        L2 penalty on the log-parameters, per customer.

    Attributes
    ----------
    params_ : Params
        Fitted r, alpha, s, beta.
    log_likelihood_ : float
        Total log-likelihood at the optimum (unpenalized), in the data's time unit:
        comparable with -9595.0 on CDNOW in weeks.
    n_customers_, standard_errors_, covariance_, summary_, converged_, n_iterations_
        As for `BetaGeo`.

    References
    ----------
    D. C. Schmittlein, D. G. Morrison and R. Colombo (1987), "Counting your customers:
    who are they and what will they do next?", Management Science 33(1), 1-24.
    P. S. Fader and B. G. S. Hardie (2005), "A note on deriving the Pareto/NBD model and
    related expressions".
    """

    _params = Params

    def fit(
        self,
        frequency: npt.ArrayLike,
        recency: npt.ArrayLike,
        T: npt.ArrayLike,
        *,
        weights: npt.ArrayLike | None = None,
    ) -> Self:
        """Estimate r, alpha, s, beta by maximum likelihood and return the model.

        Raises
        ------
        InputError
            If a parameter or a value is invalid; the message names the first bad index.
        ConvergenceError
            If the optimizer finds no maximum.
        """
        self._validate_params()
        x, t_x, T_, w = check_rfm(frequency, recency, T, weights)
        fit = maximize_likelihood(
            total_log_likelihood_gradient_hessian,
            start(x, t_x, T_, w),
            (x, t_x, T_),
            w,
            penalizer=float(self.penalizer),
            model="ParetoNBD",
            names=Params._fields,
        )
        self._store_fit(fit, n_customers=float(w.sum()))
        return self

    def probability_alive(
        self, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike
    ) -> Array:
        """Probability that each customer is still alive at T."""
        check_fitted(self, "params_")
        x, t_x, T_, _ = check_rfm(frequency, recency, T)
        return probability_alive(self.params_, x, t_x, T_)

    def expected_purchases(
        self, t: npt.ArrayLike, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike
    ) -> Array:
        """Expected purchases of each customer in the next t periods."""
        check_fitted(self, "params_")
        x, t_x, T_, _ = check_rfm(frequency, recency, T)
        return expected_purchases(self.params_, t, x, t_x, T_)

    def expected_purchases_new(self, t: npt.ArrayLike) -> Array:
        """Expected purchases of a new customer in t periods."""
        check_fitted(self, "params_")
        return expected_purchases_new(self.params_, t)

    def probability_of_purchases(self, n: npt.ArrayLike, t: float) -> Array:
        """P(a new customer makes n purchases in t periods)."""
        check_fitted(self, "params_")
        return probability_of_purchases(self.params_, n, t)

    def discounted_expected_residual_transactions(
        self, delta: float, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike
    ) -> Array:
        """DERT per customer at continuous discount rate `delta` per time unit."""
        check_fitted(self, "params_")
        x, t_x, T_, _ = check_rfm(frequency, recency, T)
        return discounted_expected_residual_transactions(self.params_, delta, x, t_x, T_)
