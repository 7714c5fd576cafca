"""MBG/NBD: BG/NBD with a chance to drop out right after the first purchase too.

Batislam, Denizel & Filiztekin (2007), "Empirical validation and comparison of models
for customer base analysis", International Journal of Research in Marketing 24(3),
201-209 (also Hoppe & Wagner 2007). While active, a customer buys as a Poisson process
with rate lambda ~ Gamma(r, alpha); at time 0 and after each repeat purchase she drops
out with probability p ~ Beta(a, b). Unlike BG/NBD, a customer without repeat purchases
may already be gone, so P(alive) < 1 for every customer.

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

from segmint.models.base import check_fitted
from segmint.models.clv import _beta_geo_family as family
from segmint.models.clv._checks import as_vector, check_rfm
from segmint.models.clv._fit import maximize_likelihood
from segmint.models.clv._model import FittedModel
from segmint.models.clv._sums import dot

Array = npt.NDArray[np.float64]


SHIFT = 1  # the shift of b in the family's likelihood: a dropout chance at time 0


class Params(NamedTuple):
    """MBG/NBD parameters in the paper's notation."""

    r: float
    alpha: float
    a: float
    b: float


def log_likelihood(p: Params, x: Array, t_x: Array, T: Array) -> Array:
    """Per-customer log-likelihood of Batislam, Denizel & Filiztekin (2007).

    In log space as ``g + softplus(d)`` (see `_beta_geo_family`), so a frequency of 500
    or a T of ten years neither overflows nor loses digits.

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
    return family.log_likelihood(p, x, t_x, T, shift=SHIFT)


def total_log_likelihood(theta: Array, x: Array, t_x: Array, T: Array, weights: Array) -> float:
    """Weighted sum of `log_likelihood` at log-parameters ``theta = log(r, alpha, a, b)``."""
    return float(weights @ log_likelihood(Params(*np.exp(theta)), x, t_x, T))


def gradient(theta: Array, x: Array, t_x: Array, T: Array, weights: Array) -> Array:
    """Analytic gradient of `total_log_likelihood` in ``theta = log(r, alpha, a, b)``."""
    return family.derivatives(theta, x, t_x, T, weights, shift=SHIFT, second=False)[1]


def hessian(theta: Array, x: Array, t_x: Array, T: Array, weights: Array) -> Array:
    """Analytic Hessian of `total_log_likelihood` in ``theta = log(r, alpha, a, b)``."""
    return family.derivatives(theta, x, t_x, T, weights, shift=SHIFT, second=True)[2]


def total_log_likelihood_and_gradient(
    theta: Array, x: Array, t_x: Array, T: Array, weights: Array
) -> tuple[float, Array]:
    """`total_log_likelihood` and `gradient` from one pass over the customers."""
    value, grad, _ = family.derivatives(theta, x, t_x, T, weights, shift=SHIFT, second=False)
    return value, grad


def total_log_likelihood_gradient_hessian(
    theta: Array, x: Array, t_x: Array, T: Array, weights: Array
) -> tuple[float, Array, Array]:
    """`total_log_likelihood`, `gradient` and `hessian` from one pass, for Newton steps."""
    return family.derivatives(theta, x, t_x, T, weights, shift=SHIFT, second=True)


def probability_alive(p: Params, x: Array, t_x: Array, T: Array) -> Array:
    """P(active at T | x, t_x, T) = ``1 / (1 + a/(b+x) ((α+T)/(α+t_x))^(r+x))``.

    Batislam, Denizel & Filiztekin (2007); a logistic function of the log-odds, so large
    x or T cannot overflow.
    """
    return family.probability_alive(p, x, t_x, T, shift=SHIFT)


def expected_purchases(p: Params, t: npt.ArrayLike, x: Array, t_x: Array, T: Array) -> Array:
    """E[purchases in (T, T+t] | x, t_x, T] (Batislam, Denizel & Filiztekin 2007).

    ``(a+b+x)/(a-1) [1 - ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; z)]`` times
    `probability_alive`: the BG/NBD expectation of an active customer with b + 1 for b
    (`_beta_geo_family.expected_if_alive`, in Euler's transformed form, bounded for any
    x).
    """
    t_ = as_vector(t, "t")
    return family.expected_if_alive(_shifted(p), t_, x, T) * probability_alive(p, x, t_x, T)


def expected_purchases_new(p: Params, t: npt.ArrayLike) -> Array:
    """E[X(t)] for a customer just acquired: ``b/(a-1) [1 - (α/(α+t))^r 2F1(r, b+1; a+b; z)]``.

    The conditional expectation at x = t_x = T = 0, where P(alive) = b/(a+b).
    """
    t_ = as_vector(t, "t")
    zero = np.zeros_like(t_)
    return family.expected_if_alive(_shifted(p), t_, zero, zero) * p.b / (p.a + p.b)


def _shifted(p: Params) -> Params:
    """BG/NBD's parameters whose active-customer expectation is MBG/NBD's: b + 1 for b."""
    return p._replace(b=p.b + 1.0)


def probability_of_purchases(p: Params, n: npt.ArrayLike, t: npt.ArrayLike) -> Array:
    """P(X(t) = n) for a customer just acquired.

    ``B(a, b+n+1)/B(a, b) [NB(n; r, α/(α+t)) + a/(b+n) P(NB >= n)]``: she buys n times
    and stays active (she survives time 0 and each purchase, (1-p)^(n+1)), or drops out
    right after the n-th purchase (p (1-p)^n) of at least n the Poisson process offers by
    t; mixed over p ~ Beta(a, b) and lambda ~ Gamma(r, α). This is BG/NBD's equation (8)
    with b + 1 in the Beta terms and the second term for every n; lifetimes evaluates
    the same sum.
    """
    value = family.probability_of_purchases(p, n, t, shift=SHIFT)
    # the two terms of n = 0 at t = 0 add to 1 + 1 ulp (b/(a+b) + a/(a+b))
    return np.asarray(np.clip(value, 0.0, 1.0), dtype=np.float64)


def start(x: Array, t_x: Array, T: Array, weights: Array) -> Array:
    """A deterministic starting point on the log scale, from the data's time scale.

    r = a = b = 1 and alpha such that r/alpha is the observed purchase rate; alpha scales
    with the time unit, so a fit in days follows the same path as one in weeks.
    """
    n = float(weights.sum())
    mean_T = dot(weights, T) / n if n > 0 else 1.0
    mean_x = dot(weights, x) / n if n > 0 else 0.0
    alpha = max(mean_T, 1e-6) / (mean_x + 1.0)
    return np.log(np.array([1.0, alpha, 1.0, 1.0], dtype=np.float64))


class ModifiedBetaGeo(FittedModel):
    """MBG/NBD model (Batislam, Denizel & Filiztekin 2007) fitted by maximum likelihood.

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
        comparable with the papers' values on CDNOW in weeks.
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
    E. P. Batislam, M. Denizel and A. Filiztekin (2007), "Empirical validation and
    comparison of models for customer base analysis", IJRM 24(3), 201-209.

    Examples
    --------
    >>> model = ModifiedBetaGeo().fit([2, 1, 0, 0, 3], [30.4, 1.7, 0.0, 0.0, 20.1], 38.9)
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
            total_log_likelihood_gradient_hessian,
            start(x, t_x, T_, w),
            (x, t_x, T_),
            w,
            penalizer=float(self.penalizer),
            model="ModifiedBetaGeo",
            names=Params._fields,
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
        """Expected purchases of each customer in the next t periods."""
        check_fitted(self, "params_")
        x, t_x, T_, _ = check_rfm(frequency, recency, T)
        return expected_purchases(self.params_, t, x, t_x, T_)

    def expected_purchases_new(self, t: npt.ArrayLike) -> Array:
        """Expected purchases of a new customer in t periods."""
        check_fitted(self, "params_")
        return expected_purchases_new(self.params_, t)

    def probability_of_purchases(self, n: npt.ArrayLike, t: npt.ArrayLike) -> Array:
        """P(a new customer makes n purchases in t periods)."""
        check_fitted(self, "params_")
        return probability_of_purchases(self.params_, n, t)
