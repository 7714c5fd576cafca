"""Gamma-Gamma: how much a customer spends per purchase.

Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base
analysis", Journal of Marketing Research 42(4), 415-430, after Colombo & Jiang (1999);
the likelihood and expectation as in Fader & Hardie's note 025, "The Gamma-Gamma model
of monetary value" (2013). Each purchase of a customer is worth z ~ Gamma(p, nu), and
nu varies across customers as Gamma(q, gamma). Spend is independent of the purchase
process, so the model combines with BG/NBD or Pareto/NBD for CLV.

Paper symbol to public name:

======  ==================  =====================================================
paper   public              meaning
======  ==================  =====================================================
x       ``frequency``       number of repeat purchases (the spend is theirs)
m_x     ``monetary_value``  mean spend of those purchases
p       ``p``               shape of the spend of one purchase
q, γ    ``q, gamma``        shape and rate of the Gamma of nu across customers
======  ==================  =====================================================

Only customers with repeat purchases (x > 0) carry information on spend: the fit uses
them alone, as the papers do. gamma carries the money unit; p and q do not.
"""

from __future__ import annotations

from typing import NamedTuple, Self

import numpy as np
import numpy.typing as npt
from scipy.special import digamma, gammaln, polygamma  # type: ignore[import-untyped]

from segmint.core.errors import ConvergenceError, InputError, Location
from segmint.models.base import check_fitted
from segmint.models.clv._checks import Rule, as_vector, broadcast, raise_broken
from segmint.models.clv._counts import count_table
from segmint.models.clv._fit import maximize_likelihood
from segmint.models.clv._model import FittedModel
from segmint.models.clv._sums import dot

Array = npt.NDArray[np.float64]


class Params(NamedTuple):
    """Gamma-Gamma parameters in the paper's notation."""

    p: float
    q: float
    gamma: float


def log_likelihood(params: Params, x: Array, m: Array) -> Array:
    """Per-customer log-likelihood of the mean spend m of x purchases (x > 0).

    ``log f(m | x) = log Γ(px+q) - log Γ(px) - log Γ(q) + q log γ + (px-1) log m
    + px log x - (px+q) log(γ + x m)``: the density of the mean of x Gamma(p, nu)
    spends, integrated over nu ~ Gamma(q, γ) (Fader & Hardie 2013, note 025, equation (1a);
    the sample log-likelihood sums it over repeat customers, equation (6)).
    """
    p, q, gamma = params
    px = p * x
    return np.asarray(
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + x * m),
        dtype=np.float64,
    )


def total_log_likelihood(theta: Array, x: Array, m: Array, weights: Array) -> float:
    """Weighted sum of `log_likelihood` at ``theta = log(p, q, gamma)``."""
    return float(weights @ log_likelihood(Params(*np.exp(theta)), x, m))


def gradient(theta: Array, x: Array, m: Array, weights: Array) -> Array:
    """Analytic gradient of `total_log_likelihood` in ``theta = log(p, q, gamma)``."""
    return total_log_likelihood_gradient_hessian(theta, x, m, weights)[1]


def hessian(theta: Array, x: Array, m: Array, weights: Array) -> Array:
    """Analytic Hessian of `total_log_likelihood` in ``theta = log(p, q, gamma)``."""
    return total_log_likelihood_gradient_hessian(theta, x, m, weights)[2]


def total_log_likelihood_and_gradient(
    theta: Array, x: Array, m: Array, weights: Array
) -> tuple[float, Array]:
    """`total_log_likelihood` and `gradient` from one pass."""
    value, grad, _ = total_log_likelihood_gradient_hessian(theta, x, m, weights)
    return value, grad


def total_log_likelihood_gradient_hessian(
    theta: Array, x: Array, m: Array, weights: Array
) -> tuple[float, Array, Array]:
    """Total log-likelihood with its gradient and Hessian in log-parameters."""
    return _derivatives(theta, *_columns(x, m), weights)


def _columns(x: Array, m: Array) -> tuple[Array, Array, Array, Array]:
    """x, the total repeat spend x m, and the logs of both that no parameter changes."""
    spent = x * m
    return x, spent, np.log(spent), np.log(m)


def _derivatives(
    theta: Array, x: Array, spent: Array, log_spent: Array, log_m: Array, weights: Array
) -> tuple[float, Array, Array]:
    """Log-likelihood, gradient and Hessian in log-parameters from precomputed columns.

    ``ℓ = log Γ(px+q)/(Γ(px) Γ(q)) + q log γ + px log(x m) - log m - (px+q) log(γ + x m)``:
    the Gamma-function terms depend on x alone and are summed once per distinct count;
    per customer only log(γ + x m) and its reciprocal change with the parameters.
    """
    p, q, gamma = (float(v) for v in np.exp(theta))
    table = count_table(x, weights)
    v, n = table.values, float(weights.sum())
    wx = weights * x
    gx = gamma + spent  # γ + x m
    log_gx, inv_gx = np.log(gx), np.reciprocal(gx)
    inv_sq = inv_gx * inv_gx
    # every per-customer sum is a `_sums.dot` of these few arrays: no further temporaries
    spend_gap = dot(wx, log_spent) - dot(wx, log_gx)  # Σ w x log(x m / (γ + x m))
    w_log, wx_inv, w_inv = dot(weights, log_gx), dot(wx, inv_gx), dot(weights, inv_gx)
    # the count table starts at 0, which no repeat customer has (weight 0): any finite
    # stand-in keeps Γ(0) out of the arithmetic
    v = np.where(v > 0, v, 1.0)
    psi, tri = digamma(p * v + q), polygamma(1, p * v + q)
    psi_px, tri_px, lg_px = digamma(p * v), polygamma(1, p * v), gammaln(p * v)
    value = table.total(gammaln(p * v + q) - lg_px) + n * (q * np.log(gamma) - gammaln(q))
    value += p * spend_gap - dot(weights, log_m) - q * w_log
    grad = np.array(
        [
            table.total(v * (psi - psi_px)) + spend_gap,
            table.total(psi) - n * digamma(q) + n * np.log(gamma) - w_log,
            n * q / gamma - p * wx_inv - q * w_inv,
        ]
    )
    h = np.empty((3, 3))
    h[0, 0] = table.total(v * v * (tri - tri_px))
    h[0, 1] = h[1, 0] = table.total(v * tri)
    h[0, 2] = h[2, 0] = -wx_inv
    h[1, 1] = table.total(tri) - n * polygamma(1, q)
    h[1, 2] = h[2, 1] = n / gamma - w_inv
    h[2, 2] = -n * q / gamma**2 + p * dot(wx, inv_sq) + q * dot(weights, inv_sq)
    scale = np.exp(theta)
    return value, scale * grad, np.outer(scale, scale) * h + np.diag(scale * grad)


def expected_spend(params: Params, x: Array, m: Array) -> Array:
    """E[spend per purchase | x, m_x], Fader & Hardie (2013), note 025, equation (5).

    ``(γ + x m_x) p / (p x + q - 1)``: a weighted mean of the population mean
    ``p γ / (q - 1)`` and the customer's own m_x, with weight ``p x / (p x + q - 1)`` on
    hers. A customer without repeat purchases gets the population mean.

    With q <= 1 the population mean (that of the inverse-gamma distribution of p/nu in
    note 025) is infinite. A repeat customer's expectation would stay finite while
    p x + q > 1, but a spend model with an infinite mean is not one to value customers
    with: rather than return inf (which would flow silently into lifetime values) or
    warn, this raises, for every customer.

    Raises
    ------
    ConvergenceError
        If q <= 1: the fitted spend distribution then has no finite mean.
    """
    p, q, gamma = params
    if q <= 1.0:
        raise ConvergenceError("models.no_finite_mean", q=f"{q:.4g}")
    own = np.where(x > 0, m, 0.0)
    return np.asarray((gamma + x * own) * p / (p * x + q - 1.0), dtype=np.float64)


def check_spend(
    frequency: npt.ArrayLike, monetary_value: npt.ArrayLike, weights: npt.ArrayLike | None = None
) -> tuple[Array, Array, Array]:
    """Frequency, monetary value and weights as float arrays of one length, checked.

    A scalar applies to every customer; weights default to one. A customer without
    repeat purchases may have any finite monetary value (she does not enter the fit).

    Raises
    ------
    InputError
        If a value is not finite, a frequency is negative or not whole, a repeat
        customer's monetary value is not positive, or a weight is negative. As in
        `check_rfm`, the message names each rule's count and first bad index with its
        values; the error's location is the first bad index of the first rule broken.
    """
    x, m, w = broadcast(
        {
            "frequency": as_vector(frequency, "frequency"),
            "monetary_value": as_vector(monetary_value, "monetary_value"),
            "weights": as_vector(1.0 if weights is None else weights, "weights"),
        }
    )
    raise_broken(_rules(x, m, w))
    return x.copy(), m.copy(), w.copy()


def _rules(x: Array, m: Array, w: Array) -> list[Rule]:
    """Every rule of check_spend; data, not branches."""
    finite = np.isfinite(x) & np.isfinite(m) & np.isfinite(w)
    # rules below see numbers (the stand-in 1.0 breaks none of them)
    fx, fm, fw = (x, m, w) if finite.all() else (np.where(finite, v, 1.0) for v in (x, m, w))
    every = {"frequency": x, "monetary_value": m, "weights": w}
    spend = {"monetary_value": m, "frequency": x}
    return [
        Rule("models.not_finite", ~finite, every),
        Rule("models.negative", fx < 0, {"frequency": x}, "frequency"),
        Rule("models.not_whole", fx != np.floor(fx), {"frequency": x}, "frequency"),
        Rule("models.spend_not_positive", (fx > 0) & (fm <= 0), spend, "monetary_value"),
        Rule("models.negative", fw < 0, {"weights": w}, "weights"),
    ]


def start(x: Array, m: Array, weights: Array) -> Array:
    """A deterministic start from the moments of the repeat customers' mean spends.

    With p = 1 (one exponential spend per purchase), the mean of m estimates γ/(q-1) and
    its spread sets q; any start in the right money scale is enough for Newton.
    """
    mean = dot(weights, m) / float(weights.sum())
    return np.log(np.array([1.0, 3.0, 2.0 * max(mean, 1e-12)], dtype=np.float64))


class GammaGamma(FittedModel):
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005) fitted by maximum likelihood.

    Parameters
    ----------
    penalizer : float, default=0.0
        L2 penalty on the log-parameters, per customer.

    Attributes
    ----------
    params_ : Params
        Fitted p, q, gamma (gamma in the money unit of `monetary_value`).
    log_likelihood_ : float
        Total log-likelihood at the optimum over the repeat customers.
    n_customers_ : int
        Repeat customers fitted on (sum of their weights).
    standard_errors_, covariance_, summary_, converged_, n_iterations_
        As for `BetaGeo`.

    References
    ----------
    P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "RFM and CLV: using iso-value
    curves for customer base analysis", Journal of Marketing Research 42(4), 415-430.
    P. S. Fader and B. G. S. Hardie (2013), "The Gamma-Gamma model of monetary value",
    note 025, http://www.brucehardie.com/notes/025/.
    """

    _params = Params

    def fit(
        self,
        frequency: npt.ArrayLike,
        monetary_value: npt.ArrayLike,
        *,
        weights: npt.ArrayLike | None = None,
    ) -> Self:
        """Estimate p, q, gamma on the customers with repeat purchases, and return the model.

        Raises
        ------
        InputError
            If a value is invalid (count and first index), or no customer has repeat
            purchases.
        ConvergenceError
            If the optimizer finds no maximum.
        """
        self._validate_params()
        x, m, w = check_spend(frequency, monetary_value, weights)
        repeat = (x > 0) & (w > 0)
        if not repeat.any():
            raise InputError(
                "models.no_repeat_customers",
                location=Location(field="frequency"),
                model=type(self).__name__,
            )
        if not repeat.all():  # check_spend's arrays are already copies: select only if needed
            x, m, w = x[repeat], m[repeat], w[repeat]
        fit = maximize_likelihood(
            _derivatives,
            start(x, m, w),
            _columns(x, m),
            w,
            penalizer=float(self.penalizer),
            model="GammaGamma",
            names=Params._fields,
            # mean spends are nearly all distinct: grouping them costs more than it saves
            compress_rows=False,
        )
        self._store_fit(fit, n_customers=float(w.sum()))
        return self

    def expected_spend(self, frequency: npt.ArrayLike, monetary_value: npt.ArrayLike) -> Array:
        """Expected spend per purchase of each customer (see `expected_spend`).

        Raises
        ------
        ConvergenceError
            If the fitted q <= 1, so that the spend distribution has no finite mean.
        """
        check_fitted(self, "params_")
        x, m, _ = check_spend(frequency, monetary_value)
        return expected_spend(self.params_, x, m)
