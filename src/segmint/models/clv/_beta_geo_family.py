"""The likelihood and predictions BG/NBD and MBG/NBD share, up to a shift of b.

MBG/NBD (Batislam, Denizel & Filiztekin 2007) lets a customer drop out at time 0 as well
as after each repeat purchase. Its likelihood is BG/NBD's (Fader, Hardie & Lee 2005,
equation (6)) with B(a, b+x+1) for B(a, b+x), and its second term, a/(b+x), present for
every x. With ``shift`` s = 0 for BG/NBD and 1 for MBG/NBD, the per-customer
log-likelihood is

    ℓ = log Γ(r+x)α^r/Γ(r) + log B(a, b+x+s)/B(a, b) - (r+x) log(α+T) + softplus(d),
    d = log(a/(b+x+s-1)) + (r+x) log((α+T)/(α+t_x))     (when x + s > 0; else d = -∞),

where ``softplus(d) = log(1 + e^d)`` is the max-shift of Hardie's note on the BG/NBD
``#NUM!`` problem: a frequency of 500 or a T of ten years neither overflows nor loses
digits.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy.special import (  # type: ignore[import-untyped]
    betainc,
    digamma,
    expit,
    gammaln,
    hyp2f1,
    polygamma,
    roots_jacobi,
    xlogy,
)

from segmint.models.clv._checks import as_vector
from segmint.models.clv._counts import CountTable, count_table
from segmint.models.clv._sums import dot, outer_sum

Array = npt.NDArray[np.float64]


# r, alpha, a, b of either model (their Params are such tuples)
Shape = tuple[float, float, float, float]
# the same with any of them one value per row: each customer's posterior
Rows = tuple[float | Array, float | Array, float | Array, float | Array]


def log_likelihood(p: Shape, x: Array, t_x: Array, T: Array, *, shift: int) -> Array:
    """Per-customer log-likelihood (module docstring)."""
    r, alpha, _, _ = p
    table = count_table(x, np.ones_like(x))
    per_count = _log_gamma_ratios(p, table.values, shift=shift)
    rows = _rows(p, table, t_x, T, shift=shift)
    value = table.rows(per_count) + r * np.log(alpha) - (r + x) * rows.log_age
    return np.asarray(value + np.logaddexp(0.0, rows.log_odds), dtype=np.float64)


def probability_alive(p: Shape, x: Array, t_x: Array, T: Array, *, shift: int) -> Array:
    """P(active at T | x, t_x, T) = 1 / (1 + e^d): the share of the first term of ℓ.

    Fader, Hardie & Lee (2008), note 021, equation (2) for BG/NBD; Batislam, Denizel &
    Filiztekin (2007) for MBG/NBD. A logistic function of d, so large x or T cannot
    overflow.
    """
    r, alpha, a, b = p
    has_term = x + shift > 0
    shifted = np.where(has_term, b + x + shift - 1.0, 1.0)
    log_odds = np.log(a) - np.log(shifted) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return np.asarray(np.where(has_term, expit(-log_odds), 1.0), dtype=np.float64)


class _Rows(NamedTuple):
    """The per-customer pieces of equation (6) in ``g + softplus(d)`` form."""

    log_age: Array  # log(alpha + T)
    log_odds: Array  # d = log(a/(b+x+s-1)) + (r+x) log((alpha+T)/(alpha+t_x)); -inf if none
    inv_age: Array  # 1 / (alpha + T)
    inv_recency: Array  # 1 / (alpha + t_x)
    inv_b: Array  # 1 / (b + x + s - 1); 0 without a second term


def _rows(p: Shape, table: CountTable, t_x: Array, T: Array, *, shift: int) -> _Rows:
    r, alpha, a, b = p
    v = table.values
    repeat = v + shift > 0  # the second term exists
    shifted = np.where(repeat, b + v + shift - 1.0, 1.0)  # B(a+1, b+x+s-1)/B(a, b+x+s)
    log_q = np.where(repeat, np.log(a) - np.log(shifted), -np.inf)
    log_age, log_recency = np.log(alpha + T), np.log(alpha + t_x)
    log_odds = table.rows(log_q) + table.rows(r + v) * (log_age - log_recency)
    inv_b = table.rows(np.where(repeat, 1.0 / shifted, 0.0))
    return _Rows(log_age, log_odds, 1.0 / (alpha + T), 1.0 / (alpha + t_x), inv_b)


def _log_gamma_ratios(p: Shape, v: Array, *, shift: int) -> Array:
    """The terms of log L that depend on x alone, per distinct count x.

    ``log Γ(r+x)/Γ(r) + log B(a, b+x+s)/B(a, b)``.
    """
    r, _, a, b = p
    bv = b + v + shift
    log_beta = gammaln(a + b) + gammaln(bv) - gammaln(b) - gammaln(a + bv)
    return np.asarray(gammaln(r + v) - gammaln(r) + log_beta, dtype=np.float64)


def derivatives(
    theta: Array, x: Array, t_x: Array, T: Array, w: Array, *, shift: int, second: bool
) -> tuple[float, Array, Array]:
    """Total log-likelihood, gradient and (when `second`) Hessian in log-parameters.

    With ``ℓ = g + softplus(d)`` per customer (see `log_likelihood`) and σ the logistic
    function, ``∇ℓ = ∇g + σ(d) ∇d`` and ``∇²ℓ = ∇²g + σ(d) ∇²d + σ'(d) ∇d ∇dᵀ``. Terms
    that depend on x alone are summed once per distinct count. The last step carries the
    derivatives in (r, alpha, a, b) to theta = their logs.
    """
    r, alpha, a, b = (float(v) for v in np.exp(theta))
    p = (r, alpha, a, b)
    table = count_table(x, w)
    v, n = table.values, float(w.sum())
    bv = b + v + shift
    rows = _rows(p, table, t_x, T, shift=shift)
    rx = r + x
    share = expit(rows.log_odds)  # σ(d): the weight of the "dropped out" term
    ws = w * share
    slope_r = rows.log_age - np.log(alpha + t_x)  # ∂d/∂r
    gap = rows.inv_age - rows.inv_recency  # ∂d/∂alpha = (r+x) gap
    value = table.total(_log_gamma_ratios(p, v, shift=shift)) + n * r * np.log(alpha)
    value += dot(w, np.logaddexp(0.0, rows.log_odds) - rx * rows.log_age)
    psi_ab = digamma(a + b) - digamma(a + bv)
    grad = np.array(
        [
            table.total(digamma(r + v) - digamma(r))
            + n * np.log(alpha)
            - dot(w, rows.log_age)
            + dot(ws, slope_r),
            n * r / alpha - dot(w, rx * rows.inv_age) + dot(ws, rx * gap),
            table.total(psi_ab) + ws.sum() / a,
            table.total(psi_ab + digamma(bv) - digamma(b)) - dot(ws, rows.inv_b),
        ]
    )
    hess = np.zeros((4, 4))
    if second:
        parts = _Slopes(share=share, slope_r=slope_r, gap=gap, rx=rx)
        hess = _hessian(p, table, rows, parts, w=w, shift=shift)
    scale = np.exp(theta)
    hess = np.outer(scale, scale) * hess + np.diag(scale * grad)
    return value, scale * grad, hess


class _Slopes(NamedTuple):
    share: Array  # σ(d)
    slope_r: Array  # ∂d/∂r
    gap: Array  # ∂d/∂alpha / (r+x)
    rx: Array  # r + x


def _hessian(
    p: Shape, table: CountTable, rows: _Rows, parts: _Slopes, *, w: Array, shift: int
) -> Array:
    """∇²ℓ in (r, alpha, a, b), summed over customers; see `derivatives`."""
    r, alpha, a, b = p
    share, slope_r, gap, rx = parts
    v, n = table.values, float(table.weight.sum())
    bv = b + v + shift
    ws = w * share
    tri_ab = polygamma(1, a + b) - polygamma(1, a + bv)
    h = np.zeros((4, 4))
    h[0, 0] = table.total(polygamma(1, r + v) - polygamma(1, r))
    h[0, 1] = n / alpha - dot(w, rows.inv_age) + dot(ws, gap)
    h[1, 1] = -n * r / alpha**2 + dot(w, rx * rows.inv_age**2)
    h[1, 1] += dot(ws, rx * (rows.inv_recency**2 - rows.inv_age**2))
    h[2, 2] = table.total(tri_ab) - ws.sum() / a**2
    h[2, 3] = table.total(tri_ab)
    h[3, 3] = table.total(tri_ab + polygamma(1, bv) - polygamma(1, b)) + dot(ws, rows.inv_b**2)
    h = h + np.triu(h, 1).T
    slopes = np.stack([slope_r, rx * gap, np.full_like(gap, 1.0 / a), -rows.inv_b])
    outer = outer_sum(slopes * (ws * (1.0 - share)), slopes)
    return np.asarray(h + (outer + outer.T) / 2.0, dtype=np.float64)  # exactly symmetric


def expected_if_alive(p: Shape, t: Array, x: Array, T: Array) -> Array:
    """E[purchases in (T, T+t] | active at T, x, T] for BG/NBD's Beta(a, b+x).

    ``(a+b+x-1)/(a-1) [1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)]``, z = t/(α+T+t):
    equation (10) of Fader, Hardie & Lee (2005) over P(alive), after Euler's
    transformation ``2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z)`` (Abramowitz &
    Stegun 15.3.3), bounded for any x. MBG/NBD's is the same with b + 1 for b.
    Undefined at a = 1 exactly, as equation (10) is.
    """
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
    # 1 - 2F1(...) cancels for t near 0: rounding of the order 1e-16 may fall below zero
    return np.asarray(np.maximum(value, 0.0), dtype=np.float64)


QUADRATURE_NODES = 128  # Gauss-Jacobi nodes for the Beta weight of the fallback


def _expected_by_quadrature(p: Shape, t: Array, x: Array, T: Array) -> Array:
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


def probability_of_purchases(p: Rows, n: npt.ArrayLike, t: npt.ArrayLike, *, shift: int) -> Array:
    """P(X(t) = n) for a customer just acquired.

    Equation (8) of Fader, Hardie & Lee (2005) for BG/NBD; for MBG/NBD the same with
    B(a, b+n+1) and a second term for every n. The Gamma-ratio sum is a negative-binomial
    distribution function, so the second term uses its survival function (no cancellation
    in ``1 - sum``). Every step is elementwise, so r, alpha, a, b may be arrays, one value
    per row, broadcast with n and t.
    """
    r, alpha, a, b = p
    n_, t_ = np.broadcast_arrays(as_vector(n, "n"), as_vector(t, "t"))
    q, not_q = alpha / (alpha + t_), t_ / (alpha + t_)  # negative-binomial success probability
    bn = b + n_ + shift
    log_beta_ratio = gammaln(bn) + gammaln(a + b) - gammaln(b) - gammaln(a + bn)
    # NB(r, q) log-pmf and survival P(N > n - 1) = I_{1-q}(n, r), without scipy.stats's
    # import cost (a second on every command that opens a workspace)
    log_pmf = gammaln(n_ + r) - gammaln(n_ + 1) - gammaln(r) + r * np.log(q) + xlogy(n_, not_q)
    survival = np.where(n_ >= 1, betainc(np.maximum(n_, 1), r, not_q), 1.0)
    first = np.exp(log_beta_ratio + log_pmf)
    has_term = n_ + shift > 0
    shifted = np.where(has_term, bn - 1.0, 1.0)
    second = np.exp(log_beta_ratio + np.log(a) - np.log(shifted)) * survival
    return np.asarray(first + np.where(has_term, second, 0.0), dtype=np.float64)
