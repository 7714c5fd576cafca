"""BG/BB: repeat buying in discrete time, for fixed occasions (annual donations, events).

Fader, Hardie & Shang (2010), "Customer-base analysis in a discrete-time noncontractual
setting", Marketing Science 29(6), 1086-1108. At each of n transaction opportunities an
active customer buys with probability p ~ Beta(alpha, beta); at the start of each
opportunity she becomes inactive with probability theta ~ Beta(gamma, delta).

Paper symbol to public name:

======  ================  =========================================================
paper   public            meaning
======  ================  =========================================================
x       ``frequency``     transactions in the n opportunities after the first
t_x     ``recency``       the opportunity of the last of them (0 if none)
n       ``n_periods``     repeat-transaction opportunities observed
α, β    ``alpha, beta``   Beta distribution of the purchase probability p
γ, δ    ``gamma, delta``  Beta distribution of the dropout probability theta
======  ================  =========================================================
"""

from __future__ import annotations

from typing import NamedTuple, Self

import numpy as np
import numpy.typing as npt
from scipy.special import betaln, digamma, gammaln, polygamma  # type: ignore[import-untyped]

from segmint.models.base import check_fitted
from segmint.models.clv import shifted_beta_geo as sbg
from segmint.models.clv._checks import (
    Rule,
    as_vector,
    broadcast,
    check_discount_rate,
    check_whole,
    raise_broken,
)
from segmint.models.clv._compress import distinct_rows
from segmint.models.clv._fit import maximize_likelihood
from segmint.models.clv._model import FittedModel

Array = npt.NDArray[np.float64]
Index = npt.NDArray[np.intp]

CHUNK = 2**16  # opportunities summed at once in `_survival_sum`


class Params(NamedTuple):
    """BG/BB parameters in the paper's notation."""

    alpha: float
    beta: float
    gamma: float
    delta: float


class _Terms(NamedTuple):
    """Every term of every customer's likelihood, flattened (equation (3) of the paper).

    A term is ``B(α+x, β+b)/B(α, β) · B(γ+g, δ+d)/B(γ, δ)``: the first term of a customer
    (alive through n) has b = n-x, g = 0, d = n; the i-th term of the sum (inactive from
    opportunity t_x+i+1 on) has b = t_x-x+i, g = 1, d = t_x+i.
    """

    row: Index
    starts: Index  # first term of each row
    x: Array
    b: Array
    g: Array
    d: Array


def _terms(x: Array, t_x: Array, n: Array) -> _Terms:
    counts = 1 + (n - t_x).astype(np.intp)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
    row = np.repeat(np.arange(x.size), counts)
    j = np.arange(row.size) - starts[row]
    first = j == 0
    xr, tr, nr = x[row], t_x[row], n[row]
    b = np.where(first, nr - xr, tr - xr + j - 1.0)
    d = np.where(first, nr, tr + j - 1.0)
    return _Terms(row, starts, xr, b, np.where(first, 0.0, 1.0), d)


def _log_terms(p: Params, terms: _Terms) -> Array:
    alpha, beta, gamma, delta = p
    return np.asarray(
        betaln(alpha + terms.x, beta + terms.b)
        - betaln(alpha, beta)
        + betaln(gamma + terms.g, delta + terms.d)
        - betaln(gamma, delta),
        dtype=np.float64,
    )


def _row_logsumexp(values: Array, starts: Index, row: Index) -> tuple[Array, Array]:
    """Log Σ e^v per row, and each term's share π of its row's sum."""
    top = np.maximum.reduceat(values, starts)
    scaled = np.exp(values - top[row])
    total = np.add.reduceat(scaled, starts)
    return top + np.log(total), scaled / total[row]


def log_likelihood(p: Params, x: Array, t_x: Array, n: Array) -> Array:
    """Per-customer log-likelihood, equation (3) of Fader, Hardie & Shang (2010), in logs.

    Equation (3) is a sum of 1 + n - t_x products of Beta ratios; it is taken as a
    log-sum-exp of their logs, so a long history (n = 1000) neither underflows nor
    loses digits.
    """
    if x.size == 0:
        return np.zeros(0)
    # customers share few (x, t_x, n) patterns: evaluate each once, gather back
    (x_, t_, n_), position = distinct_rows((x, t_x, n))
    terms = _terms(x_, t_, n_)
    return _row_logsumexp(_log_terms(p, terms), terms.starts, terms.row)[0][position]


def total_log_likelihood(theta: Array, x: Array, t_x: Array, n: Array, weights: Array) -> float:
    """Weighted sum of `log_likelihood` at ``theta = log(alpha, beta, gamma, delta)``."""
    return float(weights @ log_likelihood(Params(*np.exp(theta)), x, t_x, n))


def gradient(theta: Array, x: Array, t_x: Array, n: Array, weights: Array) -> Array:
    """Analytic gradient in ``theta = log(alpha, beta, gamma, delta)``."""
    return total_log_likelihood_gradient_hessian(theta, x, t_x, n, weights)[1]


def hessian(theta: Array, x: Array, t_x: Array, n: Array, weights: Array) -> Array:
    """Analytic Hessian in ``theta = log(alpha, beta, gamma, delta)``."""
    return total_log_likelihood_gradient_hessian(theta, x, t_x, n, weights)[2]


def total_log_likelihood_and_gradient(
    theta: Array, x: Array, t_x: Array, n: Array, weights: Array
) -> tuple[float, Array]:
    """`total_log_likelihood` and `gradient` from one pass."""
    value, grad, _ = total_log_likelihood_gradient_hessian(theta, x, t_x, n, weights)
    return value, grad


def total_log_likelihood_gradient_hessian(
    theta: Array, x: Array, t_x: Array, n: Array, weights: Array
) -> tuple[float, Array, Array]:
    """Log-likelihood, gradient and Hessian: each term is a product of Beta ratios.

    With π_j the share of term j in its customer's likelihood and g_j, H_j the
    derivatives of the term's log (digamma and trigamma differences),
    ``∇ℓ = Σ π_j g_j`` and ``∇²ℓ = Σ π_j (H_j + g_j g_jᵀ) - ∇ℓ ∇ℓᵀ``.
    """
    p = Params(*(float(v) for v in np.exp(theta)))
    alpha, beta, gamma, delta = p
    terms = _terms(x, t_x, n)
    log_l, share = _row_logsumexp(_log_terms(p, terms), terms.starts, terms.row)
    weight = weights[terms.row] * share
    purchase = _beta_ratio_derivatives(alpha, beta, terms.x, terms.b)
    dropout = _beta_ratio_derivatives(gamma, delta, terms.g, terms.d)
    g = np.vstack([purchase[0], dropout[0]])  # (4, terms)
    per_row = np.stack([np.add.reduceat(share * gi, terms.starts) for gi in g])  # ∇ℓ per row
    grad = g @ weight
    h = (g * weight) @ g.T - (per_row * weights) @ per_row.T
    for block, (_, second) in ((0, purchase), (2, dropout)):
        sub = second @ weight  # (a a, a b, b b)
        h[block, block] += sub[0]
        h[block, block + 1] += sub[1]
        h[block + 1, block] += sub[1]
        h[block + 1, block + 1] += sub[2]
    scale = np.exp(theta)
    return float(weights @ log_l), scale * grad, np.outer(scale, scale) * h + np.diag(scale * grad)


def _beta_ratio_derivatives(a: float, b: float, da: Array, db: Array) -> tuple[Array, Array]:
    """Derivatives of log B(a+da, b+db)/B(a, b) in (a, b): gradient (2, k), Hessian (3, k)."""
    psi_all, tri_all = digamma(a + b + da + db), polygamma(1, a + b + da + db)
    psi_ab, tri_ab = digamma(a + b), polygamma(1, a + b)
    grad = np.stack(
        [
            digamma(a + da) - psi_all - digamma(a) + psi_ab,
            digamma(b + db) - psi_all - digamma(b) + psi_ab,
        ]
    )
    hess = np.stack(
        [
            polygamma(1, a + da) - tri_all - polygamma(1, a) + tri_ab,
            tri_ab - tri_all,
            polygamma(1, b + db) - tri_all - polygamma(1, b) + tri_ab,
        ]
    )
    return grad, hess


def probability_alive(p: Params, x: Array, t_x: Array, n: Array) -> Array:
    """P(alive at opportunity n+1 | x, t_x, n), equation (11)."""
    alpha, beta, gamma, delta = p
    log_alive = (
        betaln(alpha + x, beta + n - x)
        - betaln(alpha, beta)
        + betaln(gamma, delta + n + 1.0)
        - betaln(gamma, delta)
    )
    return np.asarray(np.exp(log_alive - log_likelihood(p, x, t_x, n)), dtype=np.float64)


def expected_purchases(p: Params, n_future: npt.ArrayLike, x: Array, t_x: Array, n: Array) -> Array:
    """E[transactions in opportunities n+1..n+n* | x, t_x, n], equation (13)."""
    alpha, beta, _, _ = p
    future = check_whole(n_future, "n_future", minimum=0)
    log_front = (
        betaln(alpha + x + 1.0, beta + n - x) - betaln(alpha, beta) - log_likelihood(p, x, t_x, n)
    )
    return np.asarray(np.exp(log_front) * _survival_sum(p, n, n + future), dtype=np.float64)


def expected_purchases_new(p: Params, n_future: npt.ArrayLike) -> Array:
    """E[X(n)]: transactions of a new customer in n opportunities, equation (7)."""
    alpha, beta, _, _ = p
    future = check_whole(n_future, "n_future", minimum=0)
    return np.asarray(alpha / (alpha + beta) * _survival_sum(p, np.zeros_like(future), future))


def _survival_sum(p: Params, start: Array, end: Array) -> Array:
    """Σ P(alive at opportunity t) = Σ B(γ, δ+t)/B(γ, δ) over t = start+1..end.

    Equations (7) and (13) give this sum in closed form, ``δ/(γ-1) Γ(γ+δ)/Γ(1+δ)
    [G(start) - G(end)]`` with G(m) = Γ(1+δ+m)/Γ(γ+δ+m): a 0/0 at γ = 1 and a
    difference of nearly equal Gamma ratios near it or for long histories. The terms
    themselves are positive and exact, so they are summed instead, once per distinct
    (start, end) and a chunk at a time.
    """
    _, _, gamma, delta = p
    (starts, ends), position = distinct_rows(tuple(np.broadcast_arrays(start, end)))
    sums = np.zeros(starts.size)
    for row, (first, last) in enumerate(
        zip(starts.astype(np.int64), ends.astype(np.int64), strict=True)
    ):
        for low in range(int(first) + 1, int(last) + 1, CHUNK):
            t = np.arange(low, min(low + CHUNK, int(last) + 1), dtype=np.float64)
            sums[row] += np.exp(betaln(gamma, delta + t) - betaln(gamma, delta)).sum()
    return sums[position]


def probability_of_purchases(p: Params, x: npt.ArrayLike, n_future: npt.ArrayLike) -> Array:
    """P(X(n) = x) for a new customer over n opportunities, equation (5).

    The first term is the customer alive through all n; the i-th term of the sum, one
    who dropped out at opportunity i+1 after x transactions in the first i.
    """
    alpha, beta, gamma, delta = p
    x_, n = np.broadcast_arrays(
        check_whole(x, "x", minimum=0),
        check_whole(n_future, "n_future", minimum=0),
    )

    def log_term(m: Array, g: float, d: Array) -> Array:
        k = np.minimum(x_, m)  # keeps every log finite; terms with x > m are masked out
        choose = gammaln(m + 1.0) - gammaln(k + 1.0) - gammaln(m - k + 1.0)
        purchases = betaln(alpha + k, beta + m - k) - betaln(alpha, beta)
        return np.asarray(choose + purchases + betaln(g, d) - betaln(gamma, delta))

    total = np.exp(log_term(n, gamma, delta + n))
    for i in range(int(n.max(initial=0.0))):
        m = np.full_like(n, float(i))
        inside = (x_ <= i) & (i < n)
        total = total + np.where(inside, np.exp(log_term(m, gamma + 1.0, delta + m)), 0.0)
    return np.asarray(np.where(x_ <= n, total, 0.0), dtype=np.float64)


def discounted_expected_residual_transactions(
    p: Params, discount_rate: float, x: Array, t_x: Array, n: Array
) -> Array:
    """DERT at discount rate d per opportunity, equation (15).

    ``B(α+x+1, β+n-x)/B(α, β) · B(γ, δ+n+1)/((1+d) B(γ, δ)) · 2F1(1, δ+n+1; γ+δ+n+1;
    1/(1+d)) / L``. The hypergeometric factor is the discounted survival of the
    dropout process, a shifted beta-geometric, from opportunity n+1 on; it is summed by
    `shifted_beta_geo.discounted_survival`, where scipy's ``hyp2f1`` can return inf.

    Raises
    ------
    InputError
        If `discount_rate` is not a number > 0.
    """
    alpha, beta, gamma, delta = p
    d = check_discount_rate(discount_rate)
    log_front = (
        betaln(alpha + x + 1.0, beta + n - x)
        - betaln(alpha, beta)
        + betaln(gamma, delta + n + 1.0)
        - betaln(gamma, delta)
        - np.log1p(d)
        - log_likelihood(p, x, t_x, n)
    )
    series = sbg.discounted_survival(sbg.Params(gamma, delta), n + 1.0, d)
    return np.asarray(np.exp(log_front) * series, dtype=np.float64)


def check_opportunities(
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    n_periods: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
) -> tuple[Array, Array, Array, Array]:
    """Whole numbers with 0 <= x <= t_x <= n and x = 0 exactly when t_x = 0, checked.

    A scalar n_periods (or weight) applies to every customer; weights default to one.

    Raises
    ------
    InputError
        Naming each broken rule with its count and first index, and the values there.
    """
    x, t_x, n, w = broadcast(
        {
            "frequency": as_vector(frequency, "frequency"),
            "recency": as_vector(recency, "recency"),
            "n_periods": as_vector(n_periods, "n_periods"),
            "weights": as_vector(1.0 if weights is None else weights, "weights"),
        }
    )
    raise_broken(_rules(x, t_x, n, w))
    return x.copy(), t_x.copy(), n.copy(), w.copy()


def _rules(x: Array, t_x: Array, n: Array, w: Array) -> list[Rule]:
    """Every rule of check_opportunities, each quoting all four values; data, not branches."""
    finite = np.isfinite(x) & np.isfinite(t_x) & np.isfinite(n) & np.isfinite(w)
    fx, ft, fn, fw = (np.where(finite, v, 0.0) for v in (x, t_x, n, w))  # rules see numbers
    every = {"frequency": x, "recency": t_x, "n_periods": n, "weights": w}
    return [
        Rule("models.not_finite", ~finite, every),
        Rule("models.not_whole", fx != np.floor(fx), every, "frequency"),
        Rule("models.not_whole", ft != np.floor(ft), every, "recency"),
        Rule("models.not_whole", fn != np.floor(fn), every, "n_periods"),
        Rule("models.negative", fx < 0, every, "frequency"),
        Rule("models.frequency_above_recency", fx > ft, every, "frequency"),
        Rule("models.recency_above_periods", ft > fn, every, "recency"),
        Rule("models.recency_without_repeat", (fx == 0) & (ft > 0), every),
        Rule("models.negative", fw < 0, every, "weights"),
    ]


def start(x: Array, t_x: Array, n: Array, weights: Array) -> Array:
    """A deterministic start: every Beta uniform (all parameters 1)."""
    return np.zeros(4)


class BetaGeoBeta(FittedModel):
    """BG/BB model (Fader, Hardie & Shang 2010) fitted by maximum likelihood.

    Parameters
    ----------
    penalizer : float, default=0.0
        L2 penalty on the log-parameters, per customer.

    Attributes
    ----------
    params_ : Params
        Fitted alpha, beta, gamma, delta.
    log_likelihood_, n_customers_, standard_errors_, covariance_, summary_, converged_,
    n_iterations_
        As for `BetaGeo`.

    References
    ----------
    P. S. Fader, B. G. S. Hardie and J. Shang (2010), "Customer-base analysis in a
    discrete-time noncontractual setting", Marketing Science 29(6), 1086-1108.

    Examples
    --------
    >>> x, t_x, weights = [0, 1, 1, 2, 3, 6], [0, 1, 3, 5, 6, 6], [40, 15, 10, 15, 10, 10]
    >>> model = BetaGeoBeta().fit(x, t_x, 6, weights=weights)
    >>> [round(v, 2) for v in model.params_]
    [0.66, 1.13, 0.25, 1.32]
    """

    _params = Params

    def fit(
        self,
        frequency: npt.ArrayLike,
        recency: npt.ArrayLike,
        n_periods: npt.ArrayLike,
        *,
        weights: npt.ArrayLike | None = None,
    ) -> Self:
        """Estimate alpha, beta, gamma, delta by maximum likelihood and return the model.

        Parameters
        ----------
        frequency, recency, n_periods : array-like
            Transactions in the n opportunities after the first, the opportunity of the
            last of them (0 if none), and n (a scalar applies to all).
        weights : array-like, optional
            How many customers share each (frequency, recency, n_periods) row.

        Raises
        ------
        InputError
            If a value is invalid (each rule with its count and first index).
        ConvergenceError
            If the optimizer finds no maximum.
        """
        self._validate_params()
        x, t_x, n, w = check_opportunities(frequency, recency, n_periods, weights)
        fit = maximize_likelihood(
            total_log_likelihood_gradient_hessian,
            start(x, t_x, n, w),
            (x, t_x, n),
            w,
            penalizer=float(self.penalizer),
            model="BetaGeoBeta",
            names=Params._fields,
        )
        self._store_fit(fit, n_customers=float(w.sum()))
        return self

    def probability_alive(
        self, frequency: npt.ArrayLike, recency: npt.ArrayLike, n_periods: npt.ArrayLike
    ) -> Array:
        """P(alive at the next opportunity) per customer."""
        check_fitted(self, "params_")
        x, t_x, n, _ = check_opportunities(frequency, recency, n_periods)
        return probability_alive(self.params_, x, t_x, n)

    def expected_purchases(
        self,
        n_future: npt.ArrayLike,
        frequency: npt.ArrayLike,
        recency: npt.ArrayLike,
        n_periods: npt.ArrayLike,
    ) -> Array:
        """Expected transactions of each customer in the next n_future opportunities."""
        check_fitted(self, "params_")
        x, t_x, n, _ = check_opportunities(frequency, recency, n_periods)
        return expected_purchases(self.params_, n_future, x, t_x, n)

    def expected_purchases_new(self, n_future: npt.ArrayLike) -> Array:
        """Expected transactions of a new customer in n_future opportunities."""
        check_fitted(self, "params_")
        return expected_purchases_new(self.params_, n_future)

    def probability_of_purchases(self, x: npt.ArrayLike, n_future: npt.ArrayLike) -> Array:
        """P(a new customer makes x transactions in n_future opportunities)."""
        check_fitted(self, "params_")
        return probability_of_purchases(self.params_, x, n_future)

    def discounted_expected_residual_transactions(
        self,
        discount_rate: float,
        frequency: npt.ArrayLike,
        recency: npt.ArrayLike,
        n_periods: npt.ArrayLike,
    ) -> Array:
        """DERT per customer at `discount_rate` per opportunity."""
        check_fitted(self, "params_")
        x, t_x, n, _ = check_opportunities(frequency, recency, n_periods)
        return discounted_expected_residual_transactions(self.params_, discount_rate, x, t_x, n)
