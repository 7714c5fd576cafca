"""sBG: contractual retention, each customer with her own churn probability.

Fader & Hardie (2007), "How to project customer retention", Journal of Interactive
Marketing 21(1), 76-90. At the end of each period a customer churns with probability
theta, and theta ~ Beta(alpha, beta) across customers. Retention rates rise over time
because the customers likely to churn leave first. Values of the customers who remain
follow Fader & Hardie (2010), "Customer-base valuation in a contractual setting: the
perils of ignoring heterogeneity", Marketing Science 29(1), 85-93.

Data: one row per customer (or per group, with `weights`): ``periods`` is the period in
which she churned (``churned=True``), or the number of periods she has been observed
still active (``churned=False``).

Paper symbol to public name:

======  ================  =========================================================
paper   public            meaning
======  ================  =========================================================
t       ``periods``, t    the period of churn, or the periods observed active
T       (``churned``)     the period of churn; churned=False means T > periods
S(t)    ``survival``      P(T > t): the share of a cohort active after t periods
r_t     ``retention_rate``  S(t)/S(t-1)
n       ``renewals``      the period a customer is in, having renewed n-1 times
d       ``discount_rate`` discount rate per period
α, β    ``alpha, beta``   Beta distribution of the churn probability theta
======  ================  =========================================================
"""

from __future__ import annotations

import math
from typing import NamedTuple, Self

import numpy as np
import numpy.typing as npt
from scipy.special import betaln, digamma, polygamma  # type: ignore[import-untyped]

from segmint.core.errors import ConvergenceError
from segmint.models.base import check_fitted
from segmint.models.clv._checks import (
    Rule,
    as_vector,
    broadcast,
    check_discount_rate,
    check_whole,
    raise_broken,
)
from segmint.models.clv._fit import maximize_likelihood
from segmint.models.clv._model import FittedModel

Array = npt.NDArray[np.float64]

TAIL = 1e-17  # a discounted sum stops when the rest is below this share of it
CHUNK_DECAY = 40.0  # e-folds of the discount factor one chunk of series terms spans


class Params(NamedTuple):
    """sBG parameters in the paper's notation."""

    alpha: float
    beta: float


def churn_probability(p: Params, t: npt.ArrayLike) -> Array:
    """P(T = t) = B(α+1, β+t-1) / B(α, β), t = 1, 2, ..., equation (2)."""
    alpha, beta = p
    t_ = check_whole(t, "t", minimum=1)
    return np.asarray(np.exp(betaln(alpha + 1.0, beta + t_ - 1.0) - betaln(alpha, beta)))


def survival(p: Params, t: npt.ArrayLike) -> Array:
    """S(t) = B(α, β+t) / B(α, β): the share still active after t periods, equation (3)."""
    alpha, beta = p
    t_ = check_whole(t, "t", minimum=0)
    return np.asarray(np.exp(betaln(alpha, beta + t_) - betaln(alpha, beta)))


def retention_rate(p: Params, t: npt.ArrayLike) -> Array:
    """r_t = S(t)/S(t-1) = (β+t-1)/(α+β+t-1), t = 1, 2, ..., equation (5)."""
    alpha, beta = p
    t_ = check_whole(t, "t", minimum=1)
    return np.asarray((beta + t_ - 1.0) / (alpha + beta + t_ - 1.0), dtype=np.float64)


def log_likelihood(p: Params, periods: Array, churned: Array) -> Array:
    """Per-customer log-likelihood: log P(T = t) if churned in period t, else log S(t).

    The sample log-likelihood of Fader & Hardie (2007), appendix B, one customer at a time.
    """
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
    customer and (0, t) for one still active; its derivatives are digamma and trigamma
    differences, carried to log-parameters by the chain rule.
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


def discounted_survival(p: Params, start: npt.ArrayLike, discount_rate: float) -> Array:
    """``Σ_{k>=0} S(s+k)/S(s) (1+d)^-k = 2F1(1, β+s; α+β+s; 1/(1+d))``, per start s.

    The discounted periods still to come of a customer active after s periods, counting
    the next one undiscounted: the series behind DEL and DERL (Fader & Hardie 2010,
    equation (6)) and behind BG/BB's DERT, whose dropout process is this one. Summed
    term by term (`_discounted_series`) once per distinct s, because scipy's ``hyp2f1``
    is not reliable here: it returns inf for 2F1(1, 100; 150; 1/1.1).

    Raises
    ------
    InputError
        If `discount_rate` is not a positive number (the undiscounted sum diverges
        for alpha <= 1) or a start is not a whole number >= 0.
    """
    alpha, beta = p
    log_z = -math.log1p(check_discount_rate(discount_rate))
    s = check_whole(start, "start", minimum=0)
    distinct, position = np.unique(s, return_inverse=True)
    sums = [_discounted_series(beta + float(v), alpha, log_z) for v in distinct]
    return np.asarray(sums, dtype=np.float64)[position.ravel()]


def _discounted_series(b: float, g: float, log_z: float) -> float:
    """``Σ_k z^k (b)_k/(b+g)_k`` in log space, a chunk of terms at a time.

    Each term is the one before times ``z (b+k)/(b+g+k) < z``, so the terms fall at
    least geometrically and the rest after a term T is below ``T/(1-z)``: the sum stops
    when that bound is below TAIL of the total.
    """
    chunk = int(min(2**16, max(256, CHUNK_DECAY / -log_z)))
    log_rest = -math.log(-math.expm1(log_z))
    total, log_term, first = 0.0, 0.0, 0
    while True:
        k = first + np.arange(chunk, dtype=np.float64)
        steps = np.log1p(-g / (b + g + k)) + log_z  # log of term k+1 over term k
        logs = log_term + np.concatenate(([0.0], np.cumsum(steps[:-1])))
        total += float(np.exp(logs).sum())
        log_term = float(logs[-1] + steps[-1])
        if not math.isfinite(log_term):  # parameters outside the model (alpha + beta <= 0)
            return math.nan
        if log_term + log_rest < math.log(total * TAIL):
            return total
        first += chunk


def expected_lifetime(p: Params, discount_rate: float) -> float:
    """E(DEL): discounted expected lifetime of a customer just acquired, in periods.

    ``Σ_{t>=0} S(t) (1+d)^-t = 2F1(1, β; α+β; 1/(1+d))``, Fader & Hardie (2010)'s
    E(DEL); the first period counts undiscounted, so DEL = 1 + DERL(n=1)/(1+d) with
    DERL of their equation (6). Times the margin per period it is the expected CLV of a
    new customer.
    """
    return float(discounted_survival(p, 0, discount_rate)[0])


def expected_residual_lifetime(p: Params, renewals: npt.ArrayLike, discount_rate: float) -> Array:
    """E(DERL) of a customer in her n-th period, having renewed n-1 times.

    ``Σ_{t>=n} S(t)/S(n-1) (1+d)^-(t-n) = B(α, β+n)/B(α, β+n-1) 2F1(1, β+n; α+β+n;
    1/(1+d))``, equation (6) of Fader & Hardie (2010): seen just before her n-th renewal
    decision, the next period counts undiscounted.

    Raises
    ------
    InputError
        If `discount_rate` is not positive, or a renewal count is not a whole number >= 1.
    """
    n = check_whole(renewals, "renewals", minimum=1)
    return np.asarray(
        retention_rate(p, n) * discounted_survival(p, n, discount_rate), dtype=np.float64
    )


def check_periods(
    periods: npt.ArrayLike, churned: npt.ArrayLike, weights: npt.ArrayLike | None = None
) -> tuple[Array, Array, Array]:
    """Periods (whole, >= 1 when churned, >= 0 otherwise), churn flags and weights, checked.

    A scalar (a flag or a weight for everyone) applies to every customer.

    Raises
    ------
    InputError
        Naming each broken rule with its count and first index.
    """
    t, c, w = broadcast(
        {
            "periods": as_vector(periods, "periods"),
            "churned": as_vector(churned, "churned"),
            "weights": as_vector(1.0 if weights is None else weights, "weights"),
        }
    )
    raise_broken(_rules(t, c, w))
    return t.copy(), c.copy(), w.copy()


def _rules(t: Array, c: Array, w: Array) -> list[Rule]:
    """Every rule of check_periods, each quoting all three values; data, not branches."""
    finite = np.isfinite(t) & np.isfinite(w)
    ft, fw = np.where(finite, t, 0.0), np.where(finite, w, 0.0)  # rules below see numbers
    every = {"periods": t, "churned": c, "weights": w}
    return [
        Rule("models.not_finite", ~finite, every),
        Rule("models.churned_not_boolean", (c != 0.0) & (c != 1.0), every, "churned"),
        Rule("models.negative", ft < 0, every, "periods"),
        Rule("models.not_whole", ft != np.floor(ft), every, "periods"),
        Rule("models.churned_at_zero", finite & (c == 1.0) & (ft == 0), every, "periods"),
        Rule("models.negative", fw < 0, every, "weights"),
    ]


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

    P. S. Fader and B. G. S. Hardie (2010), "Customer-base valuation in a contractual
    setting: the perils of ignoring heterogeneity", Marketing Science 29(1), 85-93.

    Examples
    --------
    >>> lost = [369, 163, 86, 56, 37, 27, 21]  # of 1,000 customers, in years 1..7
    >>> model = ShiftedBetaGeo().fit([1, 2, 3, 4, 5, 6, 7, 7], [1] * 7 + [0],
    ...                              weights=lost + [241])
    >>> [round(v, 3) for v in model.params_]
    [0.704, 1.182]
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

        Parameters
        ----------
        periods : array-like
            The period of churn (1, 2, ...) of a churned customer, or the number of
            periods (0, 1, ...) a customer still active has been observed.
        churned : array-like of bool
            Whether each customer churned (a scalar applies to all).
        weights : array-like, optional
            How many identical customers each row stands for.

        Raises
        ------
        InputError
            If a value is invalid (each rule with its count and first index).
        ConvergenceError
            If the optimizer finds no maximum (e.g. nobody churned).
        """
        self._validate_params()
        t, c, w = check_periods(periods, churned, weights)
        if self.penalizer == 0 and w.sum() > 0 and not w @ c > 0:
            # the likelihood then rises without bound as theta's mean falls to 0
            raise ConvergenceError("models.no_churn", model=type(self).__name__)
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
        """DERL of a customer in her n-th period (see `expected_residual_lifetime`)."""
        check_fitted(self, "params_")
        return expected_residual_lifetime(self.params_, renewals, discount_rate)

    def expected_lifetime(self, discount_rate: float) -> float:
        """DEL of a customer just acquired (see `expected_lifetime`)."""
        check_fitted(self, "params_")
        return expected_lifetime(self.params_, discount_rate)
