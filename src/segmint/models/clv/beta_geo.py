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

from segmint.models.base import check_fitted
from segmint.models.clv import _beta_geo_family as family
from segmint.models.clv._checks import as_vector, check_rfm
from segmint.models.clv._fit import maximize_likelihood
from segmint.models.clv._model import FittedModel

Array = npt.NDArray[np.float64]


SHIFT = 0  # the shift of b in the family's likelihood: BG/NBD's own


class Params(NamedTuple):
    """BG/NBD parameters in the paper's notation."""

    r: float
    alpha: float
    a: float
    b: float


def log_likelihood(p: Params, x: Array, t_x: Array, T: Array) -> Array:
    """Per-customer log-likelihood, equation (6) of Fader, Hardie & Lee (2005).

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
    """P(active at T | x, t_x, T), Fader, Hardie & Lee (2008), note 021, equation (2).

    ``1 / (1 + δ(x>0) a/(b+x-1) ((α+T)/(α+t_x))^(r+x))``, evaluated as a logistic
    function of the log-odds so that large x or T cannot overflow.
    """
    return family.probability_alive(p, x, t_x, T, shift=SHIFT)


def expected_purchases(p: Params, t: npt.ArrayLike, x: Array, t_x: Array, T: Array) -> Array:
    """E[purchases in (T, T+t] | x, t_x, T], equation (10) of Fader, Hardie & Lee (2005).

    The expectation of an active customer (`_beta_geo_family.expected_if_alive`, in
    Euler's transformed form, bounded for any x) times `probability_alive`.
    """
    t_ = as_vector(t, "t")
    return family.expected_if_alive(p, t_, x, T) * probability_alive(p, x, t_x, T)


def expected_purchases_new(p: Params, t: npt.ArrayLike) -> Array:
    """E[X(t)] for a customer just acquired, equation (9) of Fader, Hardie & Lee (2005).

    Equation (10) with x = t_x = T = 0, in the same transformed form.
    """
    t_ = as_vector(t, "t")
    zero = np.zeros_like(t_)
    return family.expected_if_alive(p, t_, zero, zero)


def probability_of_purchases(p: Params | family.Rows, n: npt.ArrayLike, t: npt.ArrayLike) -> Array:
    """P(X(t) = n) for a customer just acquired, equation (8) of Fader, Hardie & Lee (2005).

    Any of r, alpha, a, b may be an array, one value per row, broadcast with `n` and `t`:
    a customer active at T starts afresh with her posterior (r+x, α+T, a, b+x), so
    `segmint.models.churn` asks this of each customer's own parameters.
    """
    return family.probability_of_purchases(p, n, t, shift=SHIFT)


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
            total_log_likelihood_gradient_hessian,
            start(x, t_x, T_, w),
            (x, t_x, T_),
            w,
            penalizer=float(self.penalizer),
            model="BetaGeo",
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
