"""BG/NBD: repeat buying with a chance to drop out after each purchase.

Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to
the Pareto/NBD model", Marketing Science 24(2), 275-284. While active, a customer buys
as a Poisson process with rate lambda ~ Gamma(r, alpha); after each repeat purchase she
drops out with probability p ~ Beta(a, b).

Paper symbol to public name:

======  ==============  ===========================================================
paper   public          meaning
======  ==============  ===========================================================
x       ``frequency``   number of repeat purchases in (0, T]
t_x     ``recency``     time of the last repeat purchase since the first purchase
T       ``T``           time from the first purchase to the end of observation
t       ``t``           length of a future period
r, α    ``r, alpha``    shape and rate of the Gamma purchase-rate distribution
a, b    ``a, b``        shapes of the Beta dropout-probability distribution
======  ==============  ===========================================================

All times are in one unit (days or weeks); alpha carries that unit, r, a and b do not.
"""

from __future__ import annotations

from typing import NamedTuple, Self

import numpy as np
import numpy.typing as npt
from scipy.special import digamma, expit, gammaln, hyp2f1, polygamma, roots_jacobi  # type: ignore[import-untyped]
from scipy.stats import nbinom  # type: ignore[import-untyped]

from segmint.models.base import check_fitted
from segmint.models.clv._checks import as_vector, check_rfm
from segmint.models.clv._counts import CountTable, count_table
from segmint.models.clv._fit import maximize_likelihood
from segmint.models.clv._model import FittedModel

Array = npt.NDArray[np.float64]


class Params(NamedTuple):
    """BG/NBD parameters in the paper's notation."""

    r: float
    alpha: float
    a: float
    b: float


def log_likelihood(p: Params, x: Array, t_x: Array, T: Array) -> Array:
    """Per-customer log-likelihood, equation (6) of Fader, Hardie & Lee (2005).

    Written as ``g + softplus(d)``: g is the log of the first term (the customer is still
    active at T) and d the log-ratio of the second term (she dropped out right after
    t_x) to the first. ``softplus(d) = log(1 + e^d)`` is the max-shift of Hardie's note
    on the BG/NBD ``#NUM!`` problem: a frequency of 500 or a T of ten years neither
    overflows nor loses digits.

    Parameters
    ----------
    p : Params
        r, alpha, a, b.
    x, t_x, T : ndarray
        Frequency (whole numbers), recency and age of each customer, in one time unit.

    Returns
    -------
    ndarray
        log L(r, alpha, a, b | x, t_x, T) per customer.
    """
    r, alpha = p.r, p.alpha
    table = count_table(x, np.ones_like(x))
    v = table.values
    per_count = _log_gamma_ratios(p, v)
    rows = _rows(p, table, t_x, T)
    value = table.rows(per_count) + r * np.log(alpha) - (r + x) * rows.log_age
    return np.asarray(value + np.logaddexp(0.0, rows.log_odds), dtype=np.float64)


def total_log_likelihood(theta: Array, x: Array, t_x: Array, T: Array, weights: Array) -> float:
    """Weighted sum of `log_likelihood` at log-parameters ``theta = log(r, alpha, a, b)``."""
    return float(weights @ log_likelihood(Params(*np.exp(theta)), x, t_x, T))


def gradient(theta: Array, x: Array, t_x: Array, T: Array, weights: Array) -> Array:
    """Analytic gradient of `total_log_likelihood` in ``theta = log(r, alpha, a, b)``."""
    return total_log_likelihood_and_gradient(theta, x, t_x, T, weights)[1]


def hessian(theta: Array, x: Array, t_x: Array, T: Array, weights: Array) -> Array:
    """Analytic Hessian of `total_log_likelihood` in ``theta = log(r, alpha, a, b)``."""
    return total_log_likelihood_gradient_hessian(theta, x, t_x, T, weights)[2]


def total_log_likelihood_and_gradient(
    theta: Array, x: Array, t_x: Array, T: Array, weights: Array
) -> tuple[float, Array]:
    """`total_log_likelihood` and `gradient` from one pass over the customers."""
    value, grad, _ = _derivatives(theta, x, t_x, T, weights, second=False)
    return value, grad


def total_log_likelihood_gradient_hessian(
    theta: Array, x: Array, t_x: Array, T: Array, weights: Array
) -> tuple[float, Array, Array]:
    """`total_log_likelihood`, `gradient` and `hessian` from one pass, for Newton steps."""
    return _derivatives(theta, x, t_x, T, weights, second=True)


class _Rows(NamedTuple):
    """The per-customer pieces of equation (6) in ``g + softplus(d)`` form."""

    log_age: Array  # log(alpha + T)
    log_odds: Array  # d = log(a/(b+x-1)) + (r+x) log((alpha+T)/(alpha+t_x)); -inf if x = 0
    inv_age: Array  # 1 / (alpha + T)
    inv_recency: Array  # 1 / (alpha + t_x)
    inv_b: Array  # 1 / (b + x - 1); 0 when x = 0


def _rows(p: Params, table: CountTable, t_x: Array, T: Array) -> _Rows:
    r, alpha, a, b = p
    v = table.values
    repeat = v > 0
    shifted = np.where(repeat, b + v - 1.0, 1.0)  # B(a+1, b+x-1)/B(a, b+x) = a/(b+x-1)
    log_q = np.where(repeat, np.log(a) - np.log(shifted), -np.inf)
    log_age, log_recency = np.log(alpha + T), np.log(alpha + t_x)
    log_odds = table.rows(log_q) + table.rows(r + v) * (log_age - log_recency)
    inv_b = table.rows(np.where(repeat, 1.0 / shifted, 0.0))
    return _Rows(log_age, log_odds, 1.0 / (alpha + T), 1.0 / (alpha + t_x), inv_b)


def _log_gamma_ratios(p: Params, v: Array) -> Array:
    """The terms of log L that depend on x alone, per distinct count x.

    ``log Γ(r+x)/Γ(r) + log B(a, b+x)/B(a, b)``.
    """
    r, _, a, b = p
    log_beta = gammaln(a + b) + gammaln(b + v) - gammaln(b) - gammaln(a + b + v)
    return np.asarray(gammaln(r + v) - gammaln(r) + log_beta, dtype=np.float64)


def _derivatives(
    theta: Array, x: Array, t_x: Array, T: Array, w: Array, *, second: bool
) -> tuple[float, Array, Array]:
    """Total log-likelihood, gradient and (when `second`) Hessian in log-parameters.

    With ``ℓ = g + softplus(d)`` per customer (see `log_likelihood`) and σ the logistic
    function, ``∇ℓ = ∇g + σ(d) ∇d`` and ``∇²ℓ = ∇²g + σ(d) ∇²d + σ'(d) ∇d ∇dᵀ``. Terms
    that depend on x alone are summed once per distinct count. The last step carries the
    derivatives in (r, alpha, a, b) to theta = their logs.
    """
    p = Params(*np.exp(theta))
    r, alpha, a, b = p
    table = count_table(x, w)
    v, n = table.values, float(w.sum())
    rows = _rows(p, table, t_x, T)
    rx = r + x
    share = expit(rows.log_odds)  # σ(d): the weight of the "dropped out" term
    ws = w * share
    slope_r = rows.log_age - np.log(alpha + t_x)  # ∂d/∂r
    gap = rows.inv_age - rows.inv_recency  # ∂d/∂alpha = (r+x) gap
    value = table.total(_log_gamma_ratios(p, v)) + n * r * np.log(alpha)
    value += float(w @ (np.logaddexp(0.0, rows.log_odds) - rx * rows.log_age))
    psi_ab = digamma(a + b) - digamma(a + b + v)
    grad = np.array(
        [
            table.total(digamma(r + v) - digamma(r))
            + n * np.log(alpha)
            - w @ rows.log_age
            + ws @ slope_r,
            n * r / alpha - w @ (rx * rows.inv_age) + ws @ (rx * gap),
            table.total(psi_ab) + ws.sum() / a,
            table.total(psi_ab + digamma(b + v) - digamma(b)) - ws @ rows.inv_b,
        ]
    )
    hess = np.zeros((4, 4))
    if second:
        hess = _hessian(p, table, rows, w=w, share=share, slope_r=slope_r, gap=gap, rx=rx)
    scale = np.exp(theta)
    hess = np.outer(scale, scale) * hess + np.diag(scale * grad)
    return value, scale * grad, hess


def _hessian(
    p: Params,
    table: CountTable,
    rows: _Rows,
    *,
    w: Array,
    share: Array,
    slope_r: Array,
    gap: Array,
    rx: Array,
) -> Array:
    """∇²ℓ in (r, alpha, a, b), summed over customers; see `_derivatives`."""
    r, alpha, a, b = p
    v, n = table.values, float(table.weight.sum())
    ws = w * share
    tri_ab = polygamma(1, a + b) - polygamma(1, a + b + v)
    h = np.zeros((4, 4))
    h[0, 0] = table.total(polygamma(1, r + v) - polygamma(1, r))
    h[0, 1] = n / alpha - w @ rows.inv_age + ws @ gap
    h[1, 1] = -n * r / alpha**2 + w @ (rx * rows.inv_age**2)
    h[1, 1] += ws @ (rx * (rows.inv_recency**2 - rows.inv_age**2))
    h[2, 2] = table.total(tri_ab) - ws.sum() / a**2
    h[2, 3] = table.total(tri_ab)
    h[3, 3] = table.total(tri_ab + polygamma(1, b + v) - polygamma(1, b)) + ws @ rows.inv_b**2
    h = h + np.triu(h, 1).T
    slopes = np.stack([slope_r, rx * gap, np.full_like(gap, 1.0 / a), -rows.inv_b])
    return np.asarray(h + (slopes * (ws * (1.0 - share))) @ slopes.T, dtype=np.float64)


def probability_alive(p: Params, x: Array, t_x: Array, T: Array) -> Array:
    """P(active at T | x, t_x, T), Fader, Hardie & Lee (2008), note 021, equation (2).

    ``1 / (1 + δ(x>0) a/(b+x-1) ((α+T)/(α+t_x))^(r+x))``, evaluated as a logistic
    function of the log-odds so that large x or T cannot overflow.
    """
    r, alpha, a, b = p
    x1 = np.maximum(x, 1.0)
    log_odds = (
        np.log(a) - np.log(b + x1 - 1.0) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    )
    return np.asarray(np.where(x > 0, expit(-log_odds), 1.0), dtype=np.float64)


def expected_purchases(p: Params, t: npt.ArrayLike, x: Array, t_x: Array, T: Array) -> Array:
    """E[purchases in (T, T+t] | x, t_x, T], equation (10) of Fader, Hardie & Lee (2005).

    Equation (10) is the expectation for an active customer times `probability_alive`.
    Its factor ``((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)`` with
    ``z = t/(α+T+t)`` overflows for large x (lifetimes falls back to the alternative form
    when it does); we always use the alternative, Euler's transformation
    ``2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z)`` (Abramowitz & Stegun 15.3.3),
    which gives ``(1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)``: bounded for any x.
    Undefined at a = 1 exactly, as equation (10) is.
    """
    t_ = as_vector(t, "t")
    return _expected_if_alive(p, t_, x, T) * probability_alive(p, x, t_x, T)


def expected_purchases_new(p: Params, t: npt.ArrayLike) -> Array:
    """E[X(t)] for a customer just acquired, equation (9) of Fader, Hardie & Lee (2005).

    Equation (10) with x = t_x = T = 0, in the same transformed form.
    """
    t_ = as_vector(t, "t")
    zero = np.zeros_like(t_)
    return _expected_if_alive(p, t_, zero, zero)


def _expected_if_alive(p: Params, t: Array, x: Array, T: Array) -> Array:
    r, alpha, a, b = p
    t, x, T = np.broadcast_arrays(t, x, T)
    c = a + b + x - 1.0
    log_one_minus_z = np.log(alpha + T) - np.log(alpha + T + t)
    z = t / (alpha + T + t)
    # scipy's hyp2f1 returns inf or nan in corners of either form (for example
    # 2F1(-0.5, -0.5; 98; 0.91)); such rows move to the next form, so errors are ignored
    with np.errstate(all="ignore"):
        # 1 - (1-z)^(a-1) 2F1(...), with expm1 for short horizons
        log_rest = (a - 1.0) * log_one_minus_z + np.log(hyp2f1(a + b - 1.0 - r, a - 1.0, c, z))
        value = c / (a - 1.0) * -np.expm1(log_rest)
        bad = ~np.isfinite(value) | (c <= 0)
        if bad.any():  # equation (10) as printed, as lifetimes evaluates it
            log_rest = (r + x) * log_one_minus_z + np.log(hyp2f1(r + x, b + x, c, z))
            value = np.where(bad, c / (a - 1.0) * -np.expm1(log_rest), value)
            bad = ~np.isfinite(value) | (c <= 0)
    if bad.any():
        value[bad] = _expected_by_quadrature(p, t[bad], x[bad], T[bad])
    return np.asarray(value, dtype=np.float64)


QUADRATURE_NODES = 128


def _expected_by_quadrature(p: Params, t: Array, x: Array, T: Array) -> Array:
    """The expectation behind equation (10), integrated over the dropout probability.

    An active customer has lambda ~ Gamma(r+x, alpha+T) and p ~ Beta(a, b+x) (Fader,
    Hardie & Lee 2005, section 5), and expects (1 - E e^(-lambda p t))/p purchases, so
    E = E_p[(1 - (1 + p t/(alpha+T))^-(r+x)) / p]: a bounded integrand, taken by
    Gauss-Jacobi quadrature for the Beta weight. Used where 2F1 has no finite value
    (a+b+x-1 <= 0) or scipy returns none.
    """
    r, alpha, a, b = p
    value = np.empty_like(t)
    for count in np.unique(x):  # the rows that get here share few counts
        rows = x == count
        nodes, weights = roots_jacobi(QUADRATURE_NODES, b + count - 1.0, a - 1.0)
        share = (nodes + 1.0) / 2.0  # dropout probability p at each node
        weights = weights / weights.sum()
        k = (t[rows] / (alpha + T[rows]))[:, None]
        inside = -np.expm1(-(r + count) * np.log1p(share * k)) / share
        value[rows] = inside @ weights
    return value


def probability_of_purchases(p: Params, n: npt.ArrayLike, t: npt.ArrayLike) -> Array:
    """P(X(t) = n) for a customer just acquired, equation (8) of Fader, Hardie & Lee (2005).

    The Gamma-ratio sum of equation (8) is a negative-binomial distribution function, so
    the second term uses its survival function (no cancellation in ``1 - sum``).
    """
    r, alpha, a, b = p
    n_, t_ = np.broadcast_arrays(as_vector(n, "n"), as_vector(t, "t"))
    q = alpha / (alpha + t_)  # negative-binomial success probability
    log_beta_ratio = gammaln(b + n_) + gammaln(a + b) - gammaln(b) - gammaln(a + b + n_)
    first = np.exp(log_beta_ratio + nbinom.logpmf(n_, r, q))
    n1 = np.maximum(n_, 1.0)
    second = np.exp(log_beta_ratio + np.log(a) - np.log(b + n1 - 1.0)) * nbinom.sf(n1 - 1, r, q)
    return np.asarray(first + np.where(n_ > 0, second, 0.0), dtype=np.float64)


def start(x: Array, t_x: Array, T: Array, weights: Array) -> Array:
    """A deterministic starting point on the log scale, from the data's time scale.

    r = a = b = 1 and alpha such that r/alpha is the observed purchase rate; alpha scales
    with the time unit, so a fit in days follows the same path as one in weeks.
    """
    n = weights.sum()
    mean_T = float(weights @ T / n) if n > 0 else 1.0
    mean_x = float(weights @ x / n) if n > 0 else 0.0
    alpha = max(mean_T, 1e-6) / (mean_x + 1.0)
    return np.log(np.array([1.0, alpha, 1.0, 1.0], dtype=np.float64))


class BetaGeo(FittedModel):
    """BG/NBD model (Fader, Hardie & Lee 2005) fitted by maximum likelihood.

    Parameters
    ----------
    penalizer : float, default=0.0
        L2 penalty on the log-parameters, per customer: the optimizer minimises
        ``-LL/n + penalizer * sum(log(params)**2)``. Helps tiny or degenerate samples.

    Attributes
    ----------
    params_ : Params
        Fitted r, alpha, a, b.
    log_likelihood_ : float
        Total log-likelihood at the optimum (unpenalized), in the data's time unit:
        comparable with the paper's -9582.4 on CDNOW in weeks.
    n_customers_ : int
        Number of customers (sum of the weights).
    converged_ : bool
        True (a fit that does not converge raises `ConvergenceError`).
    n_iterations_ : int
        Optimizer iterations.
    standard_errors_ : Params
        From the observed information: the inverse Hessian of the negative
        log-likelihood in log-parameters, carried to the natural scale by the delta
        method, ``se(p) = p * se(log p)``.
    covariance_ : ndarray
        Covariance of the log-parameters (inverse observed information).
    summary_ : DataFrame
        Estimates, standard errors and 95 % intervals.

    References
    ----------
    P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "Counting your customers the easy
    way: an alternative to the Pareto/NBD model", Marketing Science 24(2), 275-284.

    Examples
    --------
    >>> model = BetaGeo(penalizer=0.01).fit([2, 1, 0, 0, 3], [30.4, 1.7, 0.0, 0.0, 20.1], 38.9)
    >>> model.n_customers_
    5
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
        """Estimate r, alpha, a, b by maximum likelihood and return the model.

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchases, time of the last repeat purchase and age of each customer
            (a scalar T applies to all), in one time unit; `summarize` builds them.
        weights : array-like, optional
            How many identical customers each row stands for.

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
            total_log_likelihood_and_gradient,
            start(x, t_x, T_, w),
            (x, t_x, T_),
            w,
            penalizer=float(self.penalizer),
            model="BetaGeo",
            names=Params._fields,
            second_order=total_log_likelihood_gradient_hessian,
        )
        self._store_fit(fit, n_customers=float(w.sum()))
        return self

    def probability_alive(
        self, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike
    ) -> Array:
        """Probability that each customer is still active at T (see `probability_alive`)."""
        check_fitted(self, "params_")
        x, t_x, T_, _ = check_rfm(frequency, recency, T)
        return probability_alive(self.params_, x, t_x, T_)

    def expected_purchases(
        self, t: npt.ArrayLike, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike
    ) -> Array:
        """Expected purchases of each customer in the next t periods (equation (10))."""
        check_fitted(self, "params_")
        x, t_x, T_, _ = check_rfm(frequency, recency, T)
        return expected_purchases(self.params_, t, x, t_x, T_)

    def expected_purchases_new(self, t: npt.ArrayLike) -> Array:
        """Expected purchases of a new customer in t periods (equation (9))."""
        check_fitted(self, "params_")
        return expected_purchases_new(self.params_, t)

    def probability_of_purchases(self, n: npt.ArrayLike, t: npt.ArrayLike) -> Array:
        """P(a new customer makes n purchases in t periods) (equation (8))."""
        check_fitted(self, "params_")
        return probability_of_purchases(self.params_, n, t)
