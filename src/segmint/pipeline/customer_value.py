"""CLV in the run: BG/NBD or Pareto/NBD for purchases, Gamma-Gamma for spend.

Both transaction models are fitted on the history up to `holdout_days` before as_of
and judged by how well they forecast each customer's repeat purchase days in that
holdout (mean absolute error); the better one is refitted on all history. When the
history is too short for a holdout (less than three holdout lengths, or no repeat
purchase in it) they are judged by log-likelihood instead (both have four
parameters). Time is measured in weeks, money in the workspace currency.

The chosen model's tracking series (`pipeline.tracking`) comes from its calibration fit
when the holdout chose it, so that the holdout part is an out-of-sample check, and from
the fit on all history when the likelihood did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from segmint.core.errors import ConvergenceError, InputError
from segmint.core.facts import ClvFacts, Fit, ModelCheck, Tracking
from segmint.models.clv import (
    BetaGeo,
    GammaGamma,
    ParetoNBD,
    beta_geo,
    gamma_gamma,
    lifetime_value,
    pareto_nbd,
)
from segmint.pipeline.tracking import RepeatPurchases, tracking

Array = npt.NDArray[np.float64]
Model = BetaGeo | ParetoNBD
MODELS: dict[str, type[Model]] = {"bg_nbd": BetaGeo, "pareto_nbd": ParetoNBD}
WEEK = 7.0
MIN_CUSTOMERS = 20  # fewer buyers than this say nothing about a population


@dataclass(frozen=True)
class PurchaseHistory:
    """Per customer (aligned with the snapshot; NaN/0 for prospects), in days."""

    first_day: Array
    last_day: Array
    days: Array  # distinct purchase days up to as_of
    repeat_spend: Array
    cal_days: Array
    cal_last_day: Array
    holdout_days: Array


@dataclass(frozen=True)
class CustomerValue:
    """What the run stores per customer, and the fits behind it."""

    p_alive: Array
    expected_orders_90d: Array
    clv_12m: Array
    facts: ClvFacts


def customer_value(
    history: PurchaseHistory,
    repeats: RepeatPurchases,
    *,
    as_of: int,
    holdout_days: int,
    discount_rate: float,
) -> CustomerValue:
    """Fit, choose and apply the customer-base models (see the module docstring).

    `repeats` are the customer base's repeat purchases per day, for the tracking series.
    """
    n = history.days.size
    empty = np.full(n, np.nan)
    buyers = history.days > 0
    if buyers.sum() < MIN_CUSTOMERS or not (history.days > 1).any():
        reason = f"{int(buyers.sum())} buyers, {int((history.days > 1).sum())} repeat buyers"
        return CustomerValue(empty, empty, empty, ClvFacts(note=reason))
    x, t_x, T = _rfm(history.days, history.last_day, history.first_day, as_of, buyers)
    chosen = _choose(history, as_of=as_of, holdout_days=holdout_days)
    choice = chosen.name
    try:
        model = chosen.fitted.get(choice) or MODELS[choice]().fit(x, t_x, T)
    except ConvergenceError as exc:
        failed = chosen.facts.model_copy(update={"note": exc.message})
        return CustomerValue(empty, empty, empty, failed)
    p_alive, expected = empty.copy(), empty.copy()
    p_alive[buyers] = model.probability_alive(x, t_x, T)
    expected[buyers] = model.expected_purchases(90 / WEEK, x, t_x, T)
    clv, spend = _clv(model, history, buyers, (x, t_x, T), discount_rate=discount_rate)
    facts = chosen.facts.model_copy(
        update={
            "model": choice,
            "discount_rate": discount_rate,
            "fits": (_fit_record(choice, "purchases", model), *spend.fits),
            "note": spend.note,
            "tracking": _tracking(
                chosen, model, history, repeats, as_of=as_of, holdout_days=holdout_days
            ),
        }
    )
    return CustomerValue(p_alive, expected, clv, facts)


PARAMS: dict[str, Any] = {"bg_nbd": beta_geo.Params, "pareto_nbd": pareto_nbd.Params}


def applied(
    history: PurchaseHistory, facts: ClvFacts, *, as_of: int, discount_rate: float
) -> CustomerValue:
    """p_alive, expected purchases and clv_12m of any customers by a run's fits (`facts`).

    What an update between runs computes: the same formulas as the run, the run's
    parameters. Empty where the run had no purchase model (or no spend model for CLV).
    """
    n = history.days.size
    empty = np.full(n, np.nan)
    purchases, spend = facts.fit("purchases"), facts.fit("spend")
    if purchases is None or purchases.model not in MODELS:
        return CustomerValue(empty, empty, empty, facts)
    model = MODELS[purchases.model]()
    model.params_ = PARAMS[purchases.model](**purchases.params)
    buyers = history.days > 0
    rfm = _rfm(history.days, history.last_day, history.first_day, as_of, buyers)
    p_alive, expected, clv = empty.copy(), empty.copy(), empty.copy()
    p_alive[buyers] = model.probability_alive(*rfm)
    expected[buyers] = model.expected_purchases(90 / WEEK, *rfm)
    if spend is not None:
        gamma = GammaGamma()
        gamma.params_ = gamma_gamma.Params(**spend.params)
        clv[buyers] = _lifetime_value(model, gamma, history, buyers, rfm, rate=discount_rate)
    return CustomerValue(p_alive, expected, clv, facts)


def _lifetime_value(
    model: Model,
    gamma: GammaGamma,
    history: PurchaseHistory,
    buyers: npt.NDArray[np.bool_],
    rfm: tuple[Array, Array, Array],
    *,
    rate: float,
) -> Array:
    """clv_12m of the buyers: 365 days, the annual `rate` discounting weekly."""
    x = rfm[0]
    spend = np.where(x > 0, history.repeat_spend[buyers] / np.maximum(x, 1), 0.0)
    repeaters = (x > 0) & (spend > 0)
    weekly = (1 + rate) ** (WEEK / 365) - 1  # the annual rate, per week
    return lifetime_value(
        model,
        gamma,
        *rfm,
        np.where(repeaters, spend, 0.0),
        horizon=365 / WEEK,
        discount_rate=weekly,
    )


def _rfm(
    days: Array, last: Array, first: Array, end: int, who: npt.NDArray[np.bool_]
) -> tuple[Array, Array, Array]:
    """Frequency (repeat days), recency and age in weeks of the customers `who`."""
    return days[who] - 1, (last[who] - first[who]) / WEEK, (end - first[who]) / WEEK


class Choice(NamedTuple):
    """The chosen model's name, how it was chosen, and the fits made on the way."""

    name: str
    facts: ClvFacts
    fitted: dict[str, Model]  # on all history (the likelihood route), for reuse
    calibrated: dict[str, Model]  # on the calibration period (the holdout route)


def _choose(history: PurchaseHistory, *, as_of: int, holdout_days: int) -> Choice:
    """The model that forecasts the holdout better, or the likelier one on short history.

    The likelihood route fits on all history already; those fits are returned for reuse,
    as are the holdout route's calibration fits for the tracking series.
    """
    end = as_of - holdout_days
    cohort = history.cal_days > 0
    span = as_of - np.nanmin(history.first_day)
    if span < 3 * holdout_days or cohort.sum() < MIN_CUSTOMERS or history.holdout_days.sum() == 0:
        return _by_likelihood(history, as_of)
    x, t_x, T = _rfm(history.cal_days, history.cal_last_day, history.first_day, end, cohort)
    actual = history.holdout_days[cohort]
    checks = []
    calibrated: dict[str, Model] = {}
    for name, cls in MODELS.items():
        try:
            calibrated[name] = cls().fit(x, t_x, T)
            predicted = calibrated[name].expected_purchases(holdout_days / WEEK, x, t_x, T)
        except (ConvergenceError, InputError) as exc:
            checks.append(ModelCheck(model=name, error=exc.message))
            continue
        mae = float(np.mean(np.abs(predicted - actual)))
        checks.append(
            ModelCheck(
                model=name, mae=mae, predicted=float(predicted.sum()), actual=int(actual.sum())
            )
        )
    scored = [c for c in checks if c.mae is not None]
    if not scored:
        return _by_likelihood(history, as_of)
    chosen = ClvFacts(
        chosen_by="holdout",
        holdout_days=holdout_days,
        holdout_customers=int(cohort.sum()),
        checks=tuple(checks),
    )
    best = min(scored, key=lambda c: c.mae or 0.0).model
    return Choice(best, chosen, {}, calibrated)


def _by_likelihood(history: PurchaseHistory, as_of: int) -> Choice:
    buyers = history.days > 0
    x, t_x, T = _rfm(history.days, history.last_day, history.first_day, as_of, buyers)
    checks = []
    fitted: dict[str, Model] = {}
    for name, cls in MODELS.items():
        try:
            fitted[name] = cls().fit(x, t_x, T)
            checks.append(
                ModelCheck(model=name, log_likelihood=float(fitted[name].log_likelihood_))
            )
        except ConvergenceError as exc:
            checks.append(ModelCheck(model=name, error=exc.message))
    chosen = ClvFacts(chosen_by="log_likelihood", checks=tuple(checks))
    if not fitted:  # neither converged: refitting the first raises the error to report
        return Choice(next(iter(MODELS)), chosen, fitted, {})
    best = max(fitted, key=lambda n: float(fitted[n].log_likelihood_))
    return Choice(best, chosen, fitted, {})


def _tracking(
    chosen: Choice,
    model: Model,
    history: PurchaseHistory,
    repeats: RepeatPurchases,
    *,
    as_of: int,
    holdout_days: int,
) -> Tracking:
    """The buyers' tracking series by the chosen model's calibration fit, if it has one.

    Chosen by holdout, the fit on the history before the holdout (so the holdout part is
    an out-of-sample check); by likelihood, `model`, the fit on all history.
    """
    first = history.first_day[history.days > 0]
    calibrated = chosen.calibrated.get(chosen.name)
    if calibrated is None:
        return tracking(
            first,
            repeats,
            _in_days(model),
            as_of=as_of,
            calibration_end=as_of,
            fitted_on="all_history",
        )
    return tracking(
        first,
        repeats,
        _in_days(calibrated),
        as_of=as_of,
        calibration_end=as_of - holdout_days,
        fitted_on="calibration",
    )


def _in_days(model: Model) -> Callable[[Array], Array]:
    """The model's E[X(τ)] of a new customer at ages τ in days (it is fitted in weeks)."""
    return lambda age: model.expected_purchases_new(age / WEEK)


def _clv(
    model: Model,
    history: PurchaseHistory,
    buyers: npt.NDArray[np.bool_],
    rfm: tuple[Array, Array, Array],
    *,
    discount_rate: float,
) -> tuple[Array, ClvFacts]:
    """clv_12m from Gamma-Gamma on the repeat buyers' mean spend per repeat day.

    The facts hold the spend fit, or a note saying why there is none.
    """
    x = rfm[0]
    spend = np.where(x > 0, history.repeat_spend[buyers] / np.maximum(x, 1), 0.0)
    repeaters = (x > 0) & (spend > 0)
    clv = np.full(history.days.size, np.nan)
    try:
        gamma = GammaGamma().fit(x[repeaters], spend[repeaters])
        clv[buyers] = _lifetime_value(model, gamma, history, buyers, rfm, rate=discount_rate)
    except (ConvergenceError, InputError) as exc:
        return clv, ClvFacts(note=exc.message)
    return clv, ClvFacts(fits=(_fit_record("gamma_gamma", "spend", gamma),))


def _fit_record(name: str, purpose: Literal["purchases", "spend"], model: Any) -> Fit:
    """Parameters, standard errors and log-likelihood of a fitted model."""
    return Fit(
        model=name,
        purpose=purpose,
        params={k: float(v) for k, v in model.params_._asdict().items()},
        standard_errors={k: float(v) for k, v in model.standard_errors_._asdict().items()},
        log_likelihood=float(model.log_likelihood_),
    )
