"""Customer lifetime value: expected purchases times expected spend, discounted.

For a customer with history (x, t_x, T) and mean repeat spend m, let E(τ) be the
expected number of purchases in the next τ time units (the transaction model's
conditional expectation) and S the expected spend per purchase (the spend model's
conditional expectation of m). With the discount factor ``(1 + d)^-τ = e^(-δτ)``,
``δ = log(1 + d)``, the value over a horizon H is

    CLV = S ∫₀^H e^(-δτ) dE(τ) = S [e^(-δH) E(H) + δ ∫₀^H e^(-δτ) E(τ) dτ]

(integration by parts, E(0) = 0). The last integral is taken by Gauss-Legendre
quadrature on [0, H] (E is smooth) in panels of at most four e-folds of the discount
factor, so the cost stays a few evaluations of E for the horizons CLV uses; or by
Gauss-Laguerre quadrature when H is infinite. For Pareto/NBD with an infinite horizon the
closed form DERT of Fader, Hardie & Lee (2005) replaces the quadrature. Evaluations run
once per distinct (x, t_x, T) row.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt
from scipy.special import roots_laguerre, roots_legendre  # type: ignore[import-untyped]

from segmint.core.errors import InputError, Location
from segmint.models.base import check_fitted
from segmint.models.clv._checks import as_vector, check_rfm
from segmint.models.clv._compress import distinct_rows
from segmint.models.clv.pareto_nbd import ParetoNBD

Array = npt.NDArray[np.float64]

NODES = 16  # Gauss nodes: E(τ) is smooth, 16 nodes are exact to ~1e-10 in the tests
PANEL_DECAY = 4.0  # e-folds of the discount factor one Legendre panel spans at most


class TransactionModel(Protocol):
    """A fitted model of repeat purchases: BetaGeo, ParetoNBD or ModifiedBetaGeo."""

    params_: Any
    covariance_: Array

    def expected_purchases(
        self, t: npt.ArrayLike, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike
    ) -> Array:
        """Expected purchases of each customer in the next t time units."""


class SpendModel(Protocol):
    """A fitted model of spend per purchase: GammaGamma."""

    params_: Any
    covariance_: Array

    def expected_spend(self, frequency: npt.ArrayLike, monetary_value: npt.ArrayLike) -> Array:
        """Expected spend per purchase of each customer."""


_Model = TypeVar("_Model", TransactionModel, SpendModel)


def lifetime_value(
    transactions_model: TransactionModel,
    spend_model: SpendModel,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,
    monetary_value: npt.ArrayLike,
    *,
    horizon: float,
    discount_rate: float,
    spend_frequency: npt.ArrayLike | None = None,
) -> Array:
    """Discounted expected value of each customer's purchases over the next `horizon`.

    Parameters
    ----------
    transactions_model : BetaGeo, ParetoNBD or ModifiedBetaGeo
        Fitted on the customers' frequency, recency and T.
    spend_model : GammaGamma
        Fitted on the repeat customers' frequency and monetary value.
    frequency, recency, T, monetary_value : array-like
        Each customer's summary, in the time unit the models were fitted in.
    horizon : float
        Length of the future period, in that time unit; ``math.inf`` for the whole
        residual lifetime.
    discount_rate : float
        Discount rate per time unit: a purchase τ units ahead counts ``(1 + d)^-τ``
        (an annual rate of 10 % with weeks is ``1.10 ** (1 / 52) - 1``). Must be
        positive when the horizon is infinite.
    spend_frequency : array-like, optional
        The repeat purchases the spend model learns a customer's spend from (default:
        `frequency`). 0 for a customer whose repeat purchases say nothing of her spend
        (they brought no money): she is valued at the population's mean spend.

    Returns
    -------
    ndarray
        CLV per customer, in the money unit of `monetary_value`.

    Raises
    ------
    InputError
        If the horizon or rate is invalid or an input breaks the models' checks.
    NotFittedError
        If a model is not fitted.

    References
    ----------
    P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "RFM and CLV: using iso-value
    curves for customer base analysis", Journal of Marketing Research 42(4), 415-430.
    """
    check_fitted(transactions_model, "params_")
    check_fitted(spend_model, "params_")
    delta = _log_rate(horizon, discount_rate)
    x, t_x, T_, _ = check_rfm(frequency, recency, T)
    learnt = x if spend_frequency is None else as_vector(spend_frequency, "spend_frequency")
    spend = spend_model.expected_spend(learnt, as_vector(monetary_value, "monetary_value"))
    (ux, ut, uT), position = distinct_rows((x, t_x, T_))
    purchases = discounted_purchases(transactions_model, ux, ut, uT, horizon=horizon, delta=delta)
    return np.asarray(spend * purchases[position], dtype=np.float64)


def lifetime_value_intervals(
    transactions_model: TransactionModel,
    spend_model: SpendModel,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,
    monetary_value: npt.ArrayLike,
    *,
    horizon: float,
    discount_rate: float,
    rng: np.random.Generator,
    level: float = 0.9,
    draws: int = 200,
) -> tuple[Array, Array]:
    """Lower and upper limits of each customer's CLV from the parameters' uncertainty.

    Parameters are drawn from the asymptotic normal distribution of the log-parameters
    of both models (their ``covariance_``), the CLV is computed for each draw, and the
    limits are the ``(1 - level)/2`` and ``(1 + level)/2`` quantiles over the draws. The
    cost is `draws` times that of `lifetime_value`.

    Raises
    ------
    InputError
        If `level` is not in (0, 1) or `draws` is below 2, and as `lifetime_value`.
    """
    if not 0.0 < level < 1.0:
        raise InputError("models.bad_level", location=Location(field="level"), got=repr(level))
    if not isinstance(draws, int) or draws < 2:
        raise InputError(
            "models.whole_number",
            location=Location(field="draws"),
            field="draws",
            minimum=2,
            got=repr(draws),
        )
    values = np.array(
        [
            lifetime_value(
                _drawn(transactions_model, rng),
                _drawn(spend_model, rng),
                frequency,
                recency,
                T,
                monetary_value,
                horizon=horizon,
                discount_rate=discount_rate,
            )
            for _ in range(draws)
        ]
    )
    lower, upper = np.quantile(values, [(1.0 - level) / 2.0, (1.0 + level) / 2.0], axis=0)
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def _drawn(model: _Model, rng: np.random.Generator) -> _Model:
    """A copy of `model` with parameters drawn around its estimate (log-normal)."""
    check_fitted(model, "params_")
    theta = np.log(np.array(model.params_, dtype=np.float64))
    drawn = copy.copy(model)
    values = np.exp(rng.multivariate_normal(theta, model.covariance_))
    drawn.params_ = type(model.params_)(*(float(v) for v in values))
    return drawn


def discounted_purchases(
    model: TransactionModel, x: Array, t_x: Array, T: Array, *, horizon: float, delta: float
) -> Array:
    """``∫₀^H e^(-δτ) dE(τ)`` per customer, by the quadrature of the module docstring."""
    # the closed form is Pareto/NBD's alone: BG/BB's DERT discounts per opportunity
    if math.isinf(horizon) and isinstance(model, ParetoNBD):
        return np.asarray(
            model.discounted_expected_residual_transactions(delta, x, t_x, T), dtype=np.float64
        )
    if math.isinf(horizon):
        nodes, weights = roots_laguerre(2 * NODES)  # ∫₀^∞ e^(-u) f(u) du
        taus, factors = nodes / delta, weights  # u = δτ absorbs the factor δ dτ
        total = np.zeros_like(x)
    else:
        taus, factors = _legendre_panels(horizon, delta)
        total = math.exp(-delta * horizon) * model.expected_purchases(horizon, x, t_x, T)
    for tau, factor in zip(taus, factors, strict=True):
        total = total + factor * model.expected_purchases(float(tau), x, t_x, T)
    return np.asarray(total, dtype=np.float64)


def _legendre_panels(horizon: float, delta: float) -> tuple[Array, Array]:
    """Nodes τ and factors ``δ w e^(-δτ)`` of composite Gauss-Legendre on [0, H].

    One panel per PANEL_DECAY e-folds of the discount factor, so a long horizon at a
    steep rate keeps the accuracy of a short one.
    """
    panels = max(1, math.ceil(delta * horizon / PANEL_DECAY))
    nodes, weights = roots_legendre(NODES)  # ∫₋₁^1 f(u) du
    width = horizon / panels
    taus = ((np.arange(panels)[:, None] + (nodes[None, :] + 1.0) / 2.0) * width).ravel()
    factors = delta * np.tile(weights, panels) * width / 2.0 * np.exp(-delta * taus)
    return taus, factors


def _log_rate(horizon: float, discount_rate: float) -> float:
    """δ = log(1 + d), after checking the horizon and the rate."""
    if not isinstance(horizon, int | float) or not horizon >= 0:
        raise InputError(
            "models.bad_horizon", location=Location(field="horizon"), got=repr(horizon)
        )
    if not isinstance(discount_rate, int | float) or not discount_rate >= 0:
        raise InputError(
            "models.discount_rate_negative",
            location=Location(field="discount_rate"),
            got=repr(discount_rate),
        )
    if math.isinf(horizon) and discount_rate == 0:
        raise InputError("models.infinite_undiscounted", location=Location(field="discount_rate"))
    return math.log1p(discount_rate)
