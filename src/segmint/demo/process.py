"""The stated purchase process: who buys when, drawn from BG/NBD with a few stated departures.

Purchases follow the BG/NBD model of Fader, Hardie & Lee (2005) exactly. Two additions
are not purchases of that process and are marked as such: cancelled orders (attempts
before a purchase) and win-back bursts (a few dropped-out customers return). A third
departure, valued customers whose buying drops on a known day, removes orders after
everything is drawn (`segmint.demo.drops`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from segmint.core.errors import InputError
from segmint.demo.clock import DAY_US, SECOND_US, WEEK_US, Clock

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

# Kinds of order on the timeline.
FIRST, REPEAT, WON_BACK, CANCELLED = 0, 1, 2, 3

WIN_BACK_GAP_DAYS = 180  # a won-back customer returns at least this long after dropping out
WIN_BACK_EXTRA_ORDERS = 1.5  # mean orders after the first of a win-back burst
WIN_BACK_BURST_DAYS = 60  # a burst's orders fall within this many days


@dataclass(frozen=True, slots=True)
class TruthParams:
    """The process the synthetic data follow; the defaults look like a Chinese online shop.

    Time is in weeks and money in yuan, as in the BG/NBD and Gamma-Gamma literature.

    Attributes
    ----------
    r, alpha : float
        Purchase rate while alive, λ ~ Gamma(shape=r, rate=alpha), in purchases per
        week. Defaults 0.3 and 0.7: 0.43 a week on average and very unequal (r < 1),
        which concentrates revenue: the top 20 % of customers bring about 77 % of it.
    a, b : float
        Dropout probability after each repeat purchase, p ~ Beta(a, b). Defaults 0.8
        and 8: p is 0.09 on average. With the defaults 30 % of customers never buy
        again and there are about 10 orders per customer.
    p, q, gamma : float
        Spend per order in yuan (Gamma-Gamma): ν ~ Gamma(shape=q, rate=gamma) per
        customer and amount ~ Gamma(shape=p, rate=ν) per order, so a customer's mean
        order is p/ν. Defaults 6, 3.5 and 80: the mean of p/ν is p·γ/(q-1) = 192 yuan.
    discount_sensitive_share : float
        Customers who order with a discount 80 % of the time (others 15 %).
    cancelled_share : float
        Purchases preceded by a cancelled order of the same customer; cancelled orders
        are not purchases: they count in neither `n_orders` nor `revenue` of the truth.
    refunded_share : float
        Purchases later refunded: status "refunded", amount as paid, no separate
        negative row. They are purchases (counted in `n_orders`) without revenue.
    won_back_share : float
        Dropped-out customers with room for a return (dropout at least 210 days before
        the end) who come back for a burst of orders. This departs from BG/NBD, where
        dropout is final; exclude `won_back` customers when recovering parameters.
    duplicate_share : float
        Customers who re-register an earlier customer under a new id, sharing the
        name and a phone or e-mail (truth: `duplicate_of`).
    browsing_share : float
        Customers without an order in their last 21 days who view 5 or more products in
        the last 30 days without ordering (truth: `browsing_without_buying`).
    tickets_per_customer : float
        Service tickets per customer, plus 0.02 per order.
    signup_growth : float
        Sign-ups grow by e**signup_growth from the first day of the window to the last.
    drop_share : float
        Eligible customers whose buying drops on the drop day: half stop ("stopped"),
        half keep `drop_kept_share` of their purchases ("slowed"). Eligible are customers
        with λ of at least 0.125 a week (a purchase expected every 8 weeks), signed up at
        least 180 days before the drop day, alive on it and not won back
        (`segmint.demo.drops`). With the defaults 9 % are eligible and 4 in 1,000 drop; 0 gives
        the pure process. A departure from BG/NBD: exclude customers whose truth has a
        `drop` when recovering parameters.
    drop_kept_share : float
        The share of a slowed customer's purchases she still makes after the drop.
    drop_days : int
        The drop day begins the last `drop_days` days of the window (90: the drop is
        seen whole by an 84-day window ending on the last day).
    """

    r: float = 0.3
    alpha: float = 0.7
    a: float = 0.8
    b: float = 8.0
    p: float = 6.0
    q: float = 3.5
    gamma: float = 80.0
    discount_sensitive_share: float = 0.2
    cancelled_share: float = 0.04
    refunded_share: float = 0.03
    won_back_share: float = 0.05
    duplicate_share: float = 0.01
    browsing_share: float = 0.03
    tickets_per_customer: float = 0.03
    signup_growth: float = 1.0
    drop_share: float = 0.05
    drop_kept_share: float = 0.25
    drop_days: int = 90

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            share = f.name.endswith("_share")
            if not math.isfinite(value) or value < 0 or (share and value > 1):
                code = "demo.bad_share" if share else "demo.bad_rate"
                raise InputError(code, name=f.name, got=value)
        for name in ("r", "alpha", "a", "b", "p", "q", "gamma"):
            if getattr(self, name) <= 0:
                raise InputError("demo.not_positive", name=name, got=getattr(self, name))


@dataclass(frozen=True, slots=True)
class BgNbdDraw:
    """One draw of the BG/NBD process for each customer (time in weeks).

    `owner` and `t` list every repeat purchase, grouped by customer in ascending time.
    """

    lam: Floats
    p_drop: Floats
    x: Ints  # repeat purchases by T
    t_x: Floats  # time of the last of them (0 when x = 0)
    dropped: Bools  # dropped out by T
    owner: Ints
    t: Floats


def simulate_bg_nbd(T: Floats, *, params: TruthParams, rng: np.random.Generator) -> BgNbdDraw:  # noqa: N803
    """Draw repeat purchases in (0, T] from the BG/NBD model, vectorized over customers.

    A customer buys at time 0, then as a Poisson process with rate λ ~ Gamma(r, α)
    while alive, and drops out after each repeat purchase with probability
    p ~ Beta(a, b). With N ~ Poisson(λT) arrivals of the never-dying process and
    J ~ Geometric(p) the repeat purchase after which the customer drops out, the
    observed count is x = min(N, J). The x-th of N sorted uniform times on (0, T] is
    T · Beta(x, N - x + 1) and the x - 1 before it are sorted uniforms below it.

    Parameters
    ----------
    T : numpy.ndarray of float
        Weeks from each customer's first purchase to the end of observation.
    params : TruthParams
        Uses r, alpha, a and b.
    rng : numpy.random.Generator

    Returns
    -------
    BgNbdDraw

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the
    Easy Way: An Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284,
    section 2 (assumptions i-v).
    """
    n = T.size
    lam = rng.gamma(params.r, 1.0 / params.alpha, n)
    # Beta(a, b) can underflow to 0, which Geometric rejects; 1e-12 changes no draw that matters.
    p_drop = np.maximum(rng.beta(params.a, params.b, n), 1e-12)
    arrivals = rng.poisson(lam * T)
    last = rng.geometric(p_drop)
    x = np.minimum(arrivals, last)
    t_x = np.zeros(n)
    some = x > 0
    t_x[some] = T[some] * rng.beta(x[some], arrivals[some] - x[some] + 1)
    owner = np.repeat(np.arange(n), x)
    t = _sorted_below(t_x[some], x[some], rng)
    return BgNbdDraw(lam, p_drop, x, t_x, last <= arrivals, owner, t)


def _sorted_below(top: Floats, k: Ints, rng: np.random.Generator) -> Floats:
    """For each group, k times: k - 1 sorted uniforms on (0, top) and then top itself.

    Normalized cumulative sums of k exponentials are the k - 1 sorted uniforms followed
    by 1 (the uniform spacings), which needs no sort.
    """
    e = rng.standard_exponential(int(k.sum()))
    total = np.cumsum(e)
    ends = np.cumsum(k) - 1
    before = np.repeat(total[ends - k + 1] - e[ends - k + 1], k)
    within = np.maximum(total - before, 0.0)
    times: Floats = np.repeat(top, k) * within / np.repeat(within[ends], k)
    return times


@dataclass(frozen=True, slots=True)
class Timeline:
    """Every order's customer (index), UTC time and kind, not yet in time order."""

    owner: Ints
    at: Ints
    kind: Ints
    dropout_at: Ints  # per customer: time of the last BG/NBD purchase if dropped out, else -1
    won_back_at: Ints  # per customer: first order of a win-back burst, else -1


def draw_timeline(
    rng: np.random.Generator,
    signup_us: Ints,
    draw: BgNbdDraw,
    *,
    clock: Clock,
    params: TruthParams,
) -> Timeline:
    """Every order's customer, time and kind; and when each customer dropped out or came back.

    Repeat purchases land on the local day the process puts them, at a drawn shopping
    hour of that day (never before the first order).
    """
    n = signup_us.size
    after = signup_us[draw.owner]
    raw = after + np.round(draw.t * (WEEK_US / SECOND_US)).astype(np.int64) * SECOND_US
    repeat_at = clock.same_day_shopping_hour(rng, raw, after=after)
    dropout_at = np.full(n, -1, dtype=np.int64)
    bought = np.flatnonzero(draw.x > 0)
    if bought.size:
        last = np.maximum.reduceat(repeat_at, np.cumsum(draw.x[bought]) - draw.x[bought])
        dropout_at[bought] = np.where(draw.dropped[bought], last, -1)
    won_owner, won_at, won_back_at = _win_back(rng, dropout_at, clock=clock, params=params)
    owner = np.concatenate([np.arange(n), draw.owner, won_owner])
    at = np.concatenate([signup_us, repeat_at, won_at])
    kind = np.concatenate(
        [np.full(n, FIRST), np.full(draw.owner.size, REPEAT), np.full(won_owner.size, WON_BACK)]
    )
    # A cancelled order shortly before some purchases: an attempt, not a purchase.
    cancel = np.flatnonzero(rng.random(owner.size) < params.cancelled_share)
    before = rng.integers(300, 3 * 3_600, cancel.size) * SECOND_US
    cancel_at = np.maximum(at[cancel] - before, signup_us[owner[cancel]])
    return Timeline(
        owner=np.concatenate([owner, owner[cancel]]),
        at=np.concatenate([at, cancel_at]),
        kind=np.concatenate([kind, np.full(cancel.size, CANCELLED)]),
        dropout_at=dropout_at,
        won_back_at=won_back_at,
    )


def _win_back(
    rng: np.random.Generator, dropout_at: Ints, *, clock: Clock, params: TruthParams
) -> tuple[Ints, Ints, Ints]:
    """A burst of orders for a few dropped-out customers: (owner, time, won_back_at)."""
    gap = WIN_BACK_GAP_DAYS * DAY_US
    latest = clock.end_us - 30 * DAY_US
    eligible = (dropout_at >= 0) & (dropout_at + gap < latest)
    who = np.flatnonzero(eligible & (rng.random(dropout_at.size) < params.won_back_share))
    back = dropout_at[who] + gap
    back += (rng.random(who.size) * (latest - back)).astype(np.int64)
    burst = 1 + rng.poisson(WIN_BACK_EXTRA_ORDERS, who.size)
    starts = np.cumsum(burst) - burst
    span = np.repeat(np.minimum(WIN_BACK_BURST_DAYS * DAY_US, clock.end_us - back), burst)
    offset = (rng.random(span.size) * span).astype(np.int64)
    offset[starts] = 0
    at = clock.same_day_shopping_hour(
        rng, np.repeat(back, burst) + offset, after=np.repeat(dropout_at[who] + gap, burst)
    )
    won_back_at = np.full(dropout_at.size, -1, dtype=np.int64)
    if who.size:
        won_back_at[who] = np.minimum.reduceat(at, starts)
    return np.repeat(who, burst), at, won_back_at
