"""Customers simulated from known model parameters, for parameter-recovery tests and benchmarks."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from segmint.models.clv.beta_geo import Params as BetaGeoParams
from segmint.models.clv.beta_geo_beta import Params as BetaGeoBetaParams
from segmint.models.clv.gamma_gamma import Params as GammaGammaParams
from segmint.models.clv.modified_beta_geo import Params as ModifiedBetaGeoParams
from segmint.models.clv.pareto_nbd import Params as ParetoNBDParams
from segmint.models.clv.shifted_beta_geo import Params as ShiftedBetaGeoParams

Array = npt.NDArray[np.float64]


def beta_geo(
    params: BetaGeoParams, n: int, T: npt.ArrayLike, rng: np.random.Generator, *, shift: int = 0
) -> tuple[Array, Array, Array]:
    """Frequency, recency and T of `n` customers drawn from the BG/NBD model.

    Each customer gets lambda ~ Gamma(r, 1/alpha) and p ~ Beta(a, b) (Fader, Hardie &
    Lee 2005, assumptions ii-iv). Purchases in (0, T] are Poisson(lambda T); she drops out
    after the N-th repeat purchase, N ~ Geometric(p), so x = min(count, N). Given `count`
    arrivals, the x-th arrival time is T times a Beta(x, count - x + 1) order statistic.
    With ``shift=1`` she may also drop out at time 0 (MBG/NBD): x = min(count, N - 1).
    """
    T_ = np.broadcast_to(np.asarray(T, dtype=np.float64), (n,)).copy()
    rate = rng.gamma(params.r, 1.0 / params.alpha, size=n)
    dropout = rng.beta(params.a, params.b, size=n)
    count = rng.poisson(rate * T_)
    x = np.minimum(count, rng.geometric(dropout) - shift).astype(np.float64)
    bought = x > 0
    t_x = np.zeros(n)
    t_x[bought] = T_[bought] * rng.beta(x[bought], count[bought] - x[bought] + 1.0)
    return x, t_x, T_


def modified_beta_geo(
    params: ModifiedBetaGeoParams, n: int, T: npt.ArrayLike, rng: np.random.Generator
) -> tuple[Array, Array, Array]:
    """Frequency, recency and T of `n` customers drawn from the MBG/NBD model.

    As `beta_geo`, with a dropout chance at time 0 too (Batislam, Denizel & Filiztekin
    2007).
    """
    return beta_geo(BetaGeoParams(*params), n, T, rng, shift=1)


def pareto_nbd(
    params: ParetoNBDParams, n: int, T: npt.ArrayLike, rng: np.random.Generator
) -> tuple[Array, Array, Array]:
    """Frequency, recency and T of `n` customers drawn from the Pareto/NBD model.

    lambda ~ Gamma(r, rate alpha), mu ~ Gamma(s, rate beta), a lifetime ~ Exp(mu)
    (Schmittlein, Morrison & Colombo 1987). Purchases in the time alive within (0, T]
    are Poisson; the last of x uniform purchase times is that time times a Beta(x, 1).
    """
    T_ = np.broadcast_to(np.asarray(T, dtype=np.float64), (n,)).copy()
    rate = rng.gamma(params.r, 1.0 / params.alpha, size=n)
    death = rng.gamma(params.s, 1.0 / params.beta, size=n)
    alive_for = np.minimum(rng.exponential(1.0 / death), T_)
    x = rng.poisson(rate * alive_for).astype(np.float64)
    bought = x > 0
    t_x = np.zeros(n)
    t_x[bought] = alive_for[bought] * rng.beta(x[bought], 1.0)
    return x, t_x, T_


def gamma_gamma(
    params: GammaGammaParams, frequency: npt.ArrayLike, rng: np.random.Generator
) -> Array:
    """Mean spend of each customer's `frequency` purchases under the Gamma-Gamma model.

    nu ~ Gamma(q, rate gamma) per customer and each spend z ~ Gamma(p, rate nu), so the
    sum of x spends is Gamma(p x, rate nu) and their mean Gamma(p x, rate x nu)
    (Fader, Hardie & Lee 2005, "RFM and CLV", section 4). Zero where x = 0.
    """
    x = np.asarray(frequency, dtype=np.float64)
    nu = rng.gamma(params.q, 1.0 / params.gamma, size=x.shape)
    bought = x > 0
    mean = np.zeros(x.shape)
    mean[bought] = rng.gamma(params.p * x[bought], 1.0 / (x[bought] * nu[bought]))
    return mean


def shifted_beta_geo(
    params: ShiftedBetaGeoParams, n: int, n_periods: int, rng: np.random.Generator
) -> tuple[Array, Array]:
    """Periods and churn flags of `n` contract customers observed for `n_periods`.

    theta ~ Beta(alpha, beta) per customer; she churns in period t ~ Geometric(theta)
    (Fader & Hardie 2007). Censored at `n_periods`: churned False, periods n_periods.
    """
    theta = rng.beta(params.alpha, params.beta, size=n)
    churn_at = rng.geometric(theta).astype(np.float64)
    churned = churn_at <= n_periods
    return np.where(churned, churn_at, float(n_periods)), churned.astype(np.float64)


def beta_geo_beta(
    params: BetaGeoBetaParams, n: int, n_periods: int, rng: np.random.Generator
) -> tuple[Array, Array, Array]:
    """Frequency, recency and n of `n` customers drawn from the BG/BB model.

    p ~ Beta(alpha, beta), theta ~ Beta(gamma, delta) per customer; at the start of each
    opportunity an active customer drops out with probability theta, and if still
    active buys with probability p (Fader, Hardie & Shang 2010, section 2).
    """
    p = rng.beta(params.alpha, params.beta, size=n)
    theta = rng.beta(params.gamma, params.delta, size=n)
    active_for = np.minimum(rng.geometric(theta) - 1, n_periods)  # opportunities alive
    opportunity = np.arange(1, n_periods + 1)
    bought = (rng.random((n, n_periods)) < p[:, None]) & (
        opportunity[None, :] <= active_for[:, None]
    )
    x = bought.sum(axis=1).astype(np.float64)
    t_x = np.where(bought, opportunity[None, :], 0).max(axis=1).astype(np.float64)
    return x, t_x, np.full(n, float(n_periods))
