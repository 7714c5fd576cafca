"""Churn alerts: is a customer buying far less than her own fitted model expects, and why care.

The purchases of a recent window (c, c+w] are set against the fitted transaction model's
distribution for them given the customer's history (x, t_x, T) measured at c; on her own
clock the window is (T, T+w]. All times are in weeks, as in
`segmint.pipeline.customer_value`.

Given active at T, her purchase rate and dropout are a posteriori independent, and
(Fader, Hardie & Lee 2005, section 5, for BG/NBD; Fader & Hardie 2014, note 028,
equation (4), for Pareto/NBD)

- BG/NBD: λ ~ Gamma(r+x, α+T), p ~ Beta(a, b+x);
- Pareto/NBD: λ ~ Gamma(r+x, α+T), μ ~ Gamma(s, β+T).

Poisson purchases and the dropout process are memoryless, so from T on she is a customer
just acquired whose parameters are that posterior, and

    P(X(T, T+w) = k | x, t_x, T) = (1 - P(alive)) 1{k = 0} + P(alive) P_new(X(w) = k),

with P(alive) the models' `probability_alive` and P_new their new-customer
`probability_of_purchases` at the posterior parameters (equation (8) of Fader, Hardie &
Lee 2005 for BG/NBD; a quadrature over the lifetime for Pareto/NBD). For Pareto/NBD this
is the conditional pmf of Fader & Hardie's note 028 without its 2F1 sums.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from segmint.core.errors import InputError, Location
from segmint.models.clv import beta_geo, pareto_nbd
from segmint.models.clv._checks import as_vector, broadcast, check_rfm, check_whole

Array = npt.NDArray[np.float64]
Model = Literal["bg_nbd", "pareto_nbd"]
Params = beta_geo.Params | pareto_nbd.Params

_PARAMS: dict[str, type[Params]] = {"bg_nbd": beta_geo.Params, "pareto_nbd": pareto_nbd.Params}
WEEK = 7.0  # days


class Shortfall(NamedTuple):
    """Per customer: the window's purchases against the model, and the money at stake."""

    expected: Array  # E[X(c, c+w) | history at c]
    actual: Array  # purchases in (c, c+w]
    p_value: Array  # P(X(c, c+w) <= actual | history at c)
    at_stake_90d: Array  # revenue expected over the next 90 days had she kept her pace
    at_stake_365d: Array  # the same over the next 365 days


class History(NamedTuple):
    """Frequency, recency and age of each customer, checked."""

    x: Array
    t_x: Array
    T: Array


class _Posterior(NamedTuple):
    """P(alive at T) and the posterior parameters she starts afresh with at T, per customer."""

    alive: Array
    fresh: tuple[Array, Array, Array, Array]

    def rows(self, rows: npt.NDArray[np.intp]) -> _Posterior:
        r, alpha, third, fourth = (v[rows] for v in self.fresh)
        return _Posterior(self.alive[rows], (r, alpha, third, fourth))


def conditional_pmf(
    model: Model,
    params: Params,
    k: npt.ArrayLike,
    w: float,
    x: npt.ArrayLike,
    t_x: npt.ArrayLike,
    T: npt.ArrayLike,
) -> Array:
    """P(X(T, T+w) = k | x, t_x, T) per customer (module docstring for the derivation).

    Parameters
    ----------
    model : {"bg_nbd", "pareto_nbd"}
        The transaction model; `params` must be its ``Params``.
    params : beta_geo.Params or pareto_nbd.Params
        One parameter set for the population.
    k : array-like of int
        Purchase counts, one per customer or one for all.
    w : float
        Length of the window after T.
    x, t_x, T : array-like
        Frequency, recency and age of each customer at the start of the window.

    Returns
    -------
    ndarray
        The probability of exactly k purchases in (T, T+w], per customer.

    Raises
    ------
    InputError
        If `model` and `params` do not match, a count is not a whole number >= 0, or a
        history breaks the models' checks (`check_rfm`).
    """
    p = _checked(model, params)
    k_, history = _counts(k, "k", x, t_x, T)
    return _pmf(p, k_, w, history)


def conditional_cdf(
    model: Model,
    params: Params,
    k: npt.ArrayLike,
    w: float,
    x: npt.ArrayLike,
    t_x: npt.ArrayLike,
    T: npt.ArrayLike,
) -> Array:
    """P(X(T, T+w) <= k | x, t_x, T) per customer: `conditional_pmf` summed over 0..k.

    Arguments, returns and errors as `conditional_pmf`.
    """
    p = _checked(model, params)
    k_, history = _counts(k, "k", x, t_x, T)
    return _cdf(p, k_, w, history)


def expected_in(
    model: Model,
    params: Params,
    start: float,
    stop: float,
    x: npt.ArrayLike,
    t_x: npt.ArrayLike,
    T: npt.ArrayLike,
) -> Array:
    """E[X(T+start, T+stop) | x, t_x, T] = E[X(T, T+stop)] - E[X(T, T+start)] per customer.

    The models' conditional expectations `expected_purchases`: equation (10) of Fader,
    Hardie & Lee (2005) for BG/NBD; equation (22) of Fader & Hardie's (2005) note for
    Pareto/NBD (Schmittlein, Morrison & Colombo 1987). Raises as `conditional_pmf`.
    """
    p = _checked(model, params)
    return _expected_in(p, start, stop, _history(x, t_x, T))


def below_expectation(
    model: Model,
    params: Params,
    *,
    w: float,
    x: npt.ArrayLike,
    t_x: npt.ArrayLike,
    T: npt.ArrayLike,
    actual: npt.ArrayLike,
    spend: npt.ArrayLike,
    x_now: npt.ArrayLike,
    t_x_now: npt.ArrayLike,
    T_now: npt.ArrayLike,
) -> Shortfall:
    """How far each customer fell short of her model in the last `w` weeks, and its price.

    Parameters
    ----------
    model, params
        As `conditional_pmf`.
    w : float
        Length of the window (c, c+w] in weeks, c = as_of - w.
    x, t_x, T : array-like
        Frequency, recency and age in weeks at c.
    actual : array-like of int
        Purchases in the window, counted as `x` is (repeat purchase days in the run).
    spend : array-like
        Expected spend per purchase (Gamma-Gamma's conditional expectation).
    x_now, t_x_now, T_now : array-like
        Frequency, recency and age in weeks at as_of: the full history.

    Returns
    -------
    Shortfall
        ``p_value`` = P(X(c, c+w) <= actual | active at c, history at c): how likely so
        few purchases were had nothing changed — had she still been the active customer
        her history describes, her own future dropout included. Without the condition
        the mass of "already gone at c" (1 - P(alive)) would bound it from below, and a
        customer whose P(alive) at c is 0.8 could never look unusual at all. ``at_stake_90d`` and
        ``at_stake_365d`` are ``spend * max(E_c[X(c+w, c+w+h)] - E_now[X(as_of,
        as_of+h)], 0)`` for h of 90 and 365 days: the purchases expected over the next
        h had she kept to her history before the window, less those the model expects
        of her full history, in the money unit of `spend`. Undiscounted: the horizons
        are a year at most, and the figure is a size, not a valuation.

    Raises
    ------
    InputError
        As `conditional_pmf`, and if the columns' lengths differ.
    """
    p = _checked(model, params)
    then, now = _history(x, t_x, T), _history(x_now, t_x_now, T_now)
    columns = broadcast(
        {
            "actual": check_whole(actual, "actual", minimum=0),
            "spend": as_vector(spend, "spend"),
            **dict(zip(("frequency", "recency", "T"), then, strict=True)),
            **dict(zip(("x_now", "t_x_now", "T_now"), now, strict=True)),
        }
    )
    counts, money, *rest = columns
    history, now = History(*rest[:3]), History(*rest[3:])
    expected = _expected(p, w, history)
    return Shortfall(
        expected=expected,
        actual=counts,
        p_value=_cdf(p, counts, w, history, given_alive=True),
        at_stake_90d=money * _lost(p, 90.0 / WEEK, w=w, then=(history, expected), now=now),
        at_stake_365d=money * _lost(p, 365.0 / WEEK, w=w, then=(history, expected), now=now),
    )


def _checked(model: str, params: Params) -> Params:
    """`params`, checked to be positive parameters of `model`."""
    kind = _PARAMS.get(model)
    if kind is None:
        raise InputError(
            "models.invalid_parameter",
            location=Location(field="model"),
            name="model",
            model="the churn alert",
            type="str",
            range=", ".join(_PARAMS),
            got=repr(model),
        )
    if type(params) is not kind or not all(np.isfinite(v) and v > 0 for v in params):
        raise InputError(
            "models.invalid_parameter",
            location=Location(field="params"),
            name="params",
            model=f"the churn alert for {model}",
            type=f"{kind.__module__}.{kind.__qualname__}",
            range="(0, inf) each",
            got=repr(params),
        )
    return params


def _history(x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike) -> History:
    """Frequency, recency and age checked, and copied: inputs are never written."""
    x_, t_x_, T_, _ = check_rfm(x, t_x, T)
    return History(x_, t_x_, T_)


def _counts(
    k: npt.ArrayLike, name: str, x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike
) -> tuple[Array, History]:
    """Counts `k` and the history, checked and at one length."""
    history = _history(x, t_x, T)
    columns = {name: check_whole(k, name, minimum=0), **history._asdict()}
    k_, *rest = broadcast(columns)
    return k_, History(*rest)


def _pmf(p: Params, k: Array, w: float, history: History) -> Array:
    post = _posterior(p, history)
    fresh = post.alive * _fresh_pmf(p, post.fresh, k, w)
    return np.asarray(np.where(k == 0, 1.0 - post.alive, 0.0) + fresh, dtype=np.float64)


def _cdf(p: Params, k: Array, w: float, history: History, *, given_alive: bool = False) -> Array:
    """`conditional_cdf` on checked arrays; `given_alive`: P(X <= k | active at T, history).

    The probabilities of j = 0, 1, ..., max(k) are added for the customers whose k is at
    least j, so a few large counts cost only their own rows. Every term is positive (no
    cancellation); the sum is clipped to [0, 1] against rounding.
    """
    post = _posterior(p, history)
    # those gone at T buy nothing; given active, that mass is not there
    total = np.zeros_like(post.alive) if given_alive else 1.0 - post.alive
    for j in range(int(k.max(initial=0.0)) + 1):
        rows = np.flatnonzero(k >= j)
        part = post.rows(rows)
        weight = 1.0 if given_alive else part.alive
        total[rows] += weight * _fresh_pmf(p, part.fresh, np.full(rows.size, j), w)
    return np.clip(total, 0.0, 1.0)


def _posterior(p: Params, history: History) -> _Posterior:
    """P(alive at T) and the posterior parameters (module docstring)."""
    x, _, T = history
    if isinstance(p, beta_geo.Params):
        r, alpha, a, b = p
        alive = beta_geo.probability_alive(p, *history)
        return _Posterior(alive, (r + x, alpha + T, np.full_like(x, a), b + x))
    r, alpha, s, beta = p
    alive = pareto_nbd.probability_alive(p, *history)
    return _Posterior(alive, (r + x, alpha + T, np.full_like(x, s), beta + T))


def _fresh_pmf(p: Params, fresh: tuple[Array, Array, Array, Array], k: Array, w: float) -> Array:
    """P(X(w) = k) of a customer just acquired with per-customer parameters `fresh`."""
    if isinstance(p, beta_geo.Params):
        return beta_geo.probability_of_purchases(fresh, k, w)
    return pareto_nbd.probability_of_purchases(fresh, k, w)


def _expected(p: Params, t: float, history: History) -> Array:
    if isinstance(p, beta_geo.Params):
        return beta_geo.expected_purchases(p, t, *history)
    return pareto_nbd.expected_purchases(p, t, *history)


def _expected_in(p: Params, start: float, stop: float, history: History) -> Array:
    """E(stop) - E(start), floored at 0 against rounding when start is near stop."""
    later, sooner = _expected(p, stop, history), _expected(p, start, history)
    return np.asarray(np.maximum(later - sooner, 0.0), dtype=np.float64)


def _lost(
    p: Params, horizon: float, *, w: float, then: tuple[History, Array], now: History
) -> Array:
    """Purchases over the next `horizon` at her pace before the window, less those now.

    `then` is the history at c with its E(w), which `below_expectation` has already.
    """
    history, by_w = then
    kept = np.maximum(_expected(p, w + horizon, history) - by_w, 0.0)
    return np.asarray(np.maximum(kept - _expected(p, horizon, now), 0.0), dtype=np.float64)
