"""Gamma-Gamma: how much a customer spends per purchase.

Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base
analysis", Journal of Marketing Research 42(4), 415-430, after Colombo & Jiang (1999);
the likelihood and expectation as in Hardie's note "The Gamma-Gamma model of monetary
value" (2013). Each purchase of a customer is worth z ~ Gamma(p, nu), and nu varies
across customers as Gamma(q, gamma). Spend is independent of the purchase process, so
the model combines with BG/NBD or Pareto/NBD for CLV.

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
from segmint.models.clv._checks import as_vector
from segmint.models.clv._counts import count_table
from segmint.models.clv._fit import maximize_likelihood
from segmint.models.clv._model import FittedModel

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
    spends, integrated over nu ~ Gamma(q, γ) (Hardie 2013, equation (3)).
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
    inv_gx = np.reciprocal(gamma + spent)
    log_gx = -np.log(inv_gx)
    inv_sq = inv_gx * inv_gx
    # every per-customer sum is a dot product: no temporary arrays beyond these three
    spend_gap = float(wx @ log_spent) - float(wx @ log_gx)  # Σ w x log(x m / (γ + x m))
    w_log, wx_inv, w_inv = float(weights @ log_gx), float(wx @ inv_gx), float(weights @ inv_gx)
    # the count table starts at 0, which no repeat customer has (weight 0): any finite
    # stand-in keeps Γ(0) out of the arithmetic
    v = np.where(v > 0, v, 1.0)
    psi, tri = digamma(p * v + q), polygamma(1, p * v + q)
    psi_px, tri_px, lg_px = digamma(p * v), polygamma(1, p * v), gammaln(p * v)
    value = table.total(gammaln(p * v + q) - lg_px) + n * (q * np.log(gamma) - gammaln(q))
    value += p * spend_gap - float(weights @ log_m) - q * w_log
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
    h[2, 2] = -n * q / gamma**2 + p * float(wx @ inv_sq) + q * float(weights @ inv_sq)
    scale = np.exp(theta)
    return value, scale * grad, np.outer(scale, scale) * h + np.diag(scale * grad)


def expected_spend(params: Params, x: Array, m: Array) -> Array:
    """E[spend per purchase | x, m_x], Fader, Hardie & Lee (2005), equation (5).

    ``(γ + x m_x) p / (p x + q - 1)``: a weighted mean of the population mean
    ``p γ / (q - 1)`` and the customer's own m_x, with weight ``p x / (p x + q - 1)`` on
    hers. A customer without repeat purchases gets the population mean.

    Raises
    ------
    ConvergenceError
        If q <= 1: the fitted spend distribution then has no finite mean.
    """
    p, q, gamma = params
    if q <= 1.0:
        raise ConvergenceError(
            f"The fitted Gamma-Gamma has q = {q:.4g} <= 1: its spend distribution has no "
            "finite mean, so expected spend is undefined.",
            hint="Fit on more repeat customers, or with a penalizer (penalizer=0.01).",
            code="models.no_finite_mean",
        )
    own = np.where(x > 0, m, 0.0)
    return np.asarray((gamma + x * own) * p / (p * x + q - 1.0), dtype=np.float64)


def check_spend(
    frequency: npt.ArrayLike, monetary_value: npt.ArrayLike, weights: npt.ArrayLike | None = None
) -> tuple[Array, Array, Array]:
    """Frequency, monetary value and weights as float arrays, checked.

    Raises
    ------
    InputError
        If a value is not finite, a frequency is negative or not whole, a weight is
        negative, or a repeat customer's monetary value is not positive; each rule with
        its count and first bad index.
    """
    columns = [
        as_vector(v, name)
        for v, name in ((frequency, "frequency"), (monetary_value, "monetary_value"))
    ]
    columns.append(as_vector(1.0 if weights is None else weights, "weights"))
    try:
        x, m, w = np.broadcast_arrays(*columns)
    except ValueError as exc:
        raise InputError(
            "frequency, monetary_value and weights must have one value per customer; got "
            f"lengths {', '.join(str(c.size) for c in columns)}."
        ) from exc
    finite = np.isfinite(x) & np.isfinite(m) & np.isfinite(w)
    fx = np.where(finite, x, 0.0)
    rules = [
        ("frequency, monetary_value or weights is not a finite number", ~finite),
        ("frequency is negative or not a whole number", (fx < 0) | (fx != np.floor(fx))),
        (
            "monetary_value is not positive for a customer with repeat purchases",
            (fx > 0) & (np.where(finite, m, 1.0) <= 0),
        ),
        ("weights is negative", np.where(finite, w, 0.0) < 0),
    ]
    broken = [(what, bad) for what, bad in rules if bad.any()]
    if broken:
        first = int(np.argmax(broken[0][1]))
        detail = "; ".join(
            f"{what} for {int(bad.sum())} customer{'s' if bad.sum() > 1 else ''} "
            f"(first: index {int(np.argmax(bad))})"
            for what, bad in broken
        )
        raise InputError(
            detail + ".",
            hint="monetary_value is the mean spend of the repeat purchases; frequency counts them.",
            location=Location(index=first),
        )
    return x.copy(), m.copy(), w.copy()


def start(x: Array, m: Array, weights: Array) -> Array:
    """A deterministic start from the moments of the repeat customers' mean spends.

    With p = 1 (one exponential spend per purchase), the mean of m estimates γ/(q-1) and
    its spread sets q; any start in the right money scale is enough for Newton.
    """
    mean = float(weights @ m / weights.sum())
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
    B. G. S. Hardie (2013), "The Gamma-Gamma model of monetary value".
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
                "GammaGamma needs customers with repeat purchases (frequency > 0); there are none.",
                location=Location(field="frequency"),
            )
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
        """Expected spend per purchase of each customer (see `expected_spend`)."""
        check_fitted(self, "params_")
        x, m, _ = check_spend(frequency, monetary_value)
        return expected_spend(self.params_, x, m)
