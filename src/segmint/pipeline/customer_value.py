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
import pyarrow as pa
import pyarrow.compute as pc

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


def history_from(summary: pa.Table | pa.RecordBatch) -> PurchaseHistory:
    """`PurchaseHistory` of `features.purchases.purchase_summary`'s rows (empty: a prospect)."""

    def column(name: str) -> Array:  # NaN where empty
        values = pc.cast(summary[name], pa.float64()).to_numpy(zero_copy_only=False)
        return np.asarray(values, dtype=np.float64)

    def count(name: str) -> Array:  # 0 where empty
        return np.asarray(np.nan_to_num(column(name), nan=0.0), dtype=np.float64)

    return PurchaseHistory(
        first_day=column("first_day"),
        last_day=column("last_day"),
        days=count("days"),
        repeat_spend=count("repeat_spend"),
        cal_days=count("cal_days"),
        cal_last_day=column("cal_last_day"),
        holdout_days=count("holdout_days"),
    )


class Rows(NamedTuple):
    """Distinct rows of some columns, and how many buyers share each row."""

    columns: tuple[Array, ...]
    n: Array


@dataclass(frozen=True)
class PurchaseCounts:
    """The buyers' purchase histories as the models are fitted on them: distinct rows.

    In days. ``whole``: repeat days, days from the first purchase to the last and to
    as_of. ``calibration``: the same up to the calibration end for the buyers who had
    bought by then, and their purchase days after it. ``spend``: repeat days and the
    mean spend per repeat day of the buyers with repeat spend. ``first``: first purchase
    days. ``holdout_days``: every buyer's purchase days after the calibration end.
    What an engine hands over instead of a row per customer: the fits on these are
    those on every customer's row.
    """

    whole: Rows
    calibration: Rows
    spend: Rows
    first: Rows
    holdout_days: int


def counted(history: PurchaseHistory, *, as_of: int, holdout_days: int) -> PurchaseCounts:
    """`history` (a row per customer) as `PurchaseCounts`, as an engine would count it."""
    buyers = history.days > 0
    first = history.first_day[buyers]
    cohort = history.cal_days > 0
    repeats = history.days > 1
    x = history.days[repeats] - 1
    mean = history.repeat_spend[repeats] / x
    return PurchaseCounts(
        whole=_distinct(history.days[buyers] - 1, history.last_day[buyers] - first, as_of - first),
        calibration=_distinct(
            history.cal_days[cohort] - 1,
            history.cal_last_day[cohort] - history.first_day[cohort],
            (as_of - holdout_days) - history.first_day[cohort],
            history.holdout_days[cohort],
        ),
        spend=_distinct(x[mean > 0], mean[mean > 0]),
        first=_distinct(first),
        holdout_days=int(history.holdout_days.sum()),
    )


def _distinct(*columns: Array) -> Rows:
    """The distinct rows of `columns`, sorted, with their counts."""
    if columns[0].size == 0:
        return Rows(tuple(np.zeros(0) for _ in columns), np.zeros(0))
    rows, n = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    return Rows(
        tuple(np.ascontiguousarray(rows[:, i]) for i in range(rows.shape[1])), n.astype(np.float64)
    )


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
    The fits are made on the histories' distinct rows (`counted`), as on an engine.
    """
    counts = counted(history, as_of=as_of, holdout_days=holdout_days)
    facts = fitted(
        counts, repeats, as_of=as_of, holdout_days=holdout_days, discount_rate=discount_rate
    )
    return applied(history, facts, as_of=as_of, discount_rate=discount_rate)


def fitted(
    counts: PurchaseCounts,
    repeats: RepeatPurchases,
    *,
    as_of: int,
    holdout_days: int,
    discount_rate: float,
) -> ClvFacts:
    """The chosen purchase model and the spend model fitted on `counts`, with their checks.

    No purchase fit (and a note saying why) when the buyers are too few, none bought
    twice, or no model converges.
    """
    buyers, x = counts.whole.n.sum(), counts.whole.columns[0]
    if buyers < MIN_CUSTOMERS or not (x > 0).any():
        return ClvFacts(
            note=f"{int(buyers)} buyers, {int(counts.whole.n[x > 0].sum())} repeat buyers"
        )
    chosen = _choose(counts, as_of=as_of, holdout_days=holdout_days)
    choice = chosen.name
    try:
        model = chosen.fitted.get(choice) or MODELS[choice]().fit(
            *_weeks(counts.whole), weights=counts.whole.n
        )
    except ConvergenceError as exc:
        return chosen.facts.model_copy(update={"note": exc.message})
    spend = _spend_fit(counts.spend)
    return chosen.facts.model_copy(
        update={
            "model": choice,
            "discount_rate": discount_rate,
            "fits": (_fit_record(choice, "purchases", model), *spend.fits),
            "note": spend.note,
            "tracking": _tracking(
                chosen, model, counts, repeats, as_of=as_of, holdout_days=holdout_days
            ),
        }
    )


def _weeks(rows: Rows) -> tuple[Array, Array, Array]:
    """Frequency, recency and age in weeks of rows counted in days."""
    x, recency, age = rows.columns[:3]
    return x, recency / WEEK, age / WEEK


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
    # Gamma-Gamma learns spend from repeat days that brought money (`counted` fits it on
    # those alone); a buyer whose repeat days brought none is valued at the mean spend
    return lifetime_value(
        model,
        gamma,
        *rfm,
        np.where(repeaters, spend, 0.0),
        horizon=365 / WEEK,
        discount_rate=weekly,
        spend_frequency=np.where(repeaters, x, 0.0),
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


def _choose(counts: PurchaseCounts, *, as_of: int, holdout_days: int) -> Choice:
    """The model that forecasts the holdout better, or the likelier one on short history.

    The likelihood route fits on all history already; those fits are returned for reuse,
    as are the holdout route's calibration fits for the tracking series.
    """
    cohort = counts.calibration
    span = as_of - counts.first.columns[0].min()
    if span < 3 * holdout_days or cohort.n.sum() < MIN_CUSTOMERS or counts.holdout_days == 0:
        return _by_likelihood(counts)
    x, t_x, T = _weeks(cohort)
    actual, n = cohort.columns[3], cohort.n
    checks = []
    calibrated: dict[str, Model] = {}
    for name, cls in MODELS.items():
        try:
            calibrated[name] = cls().fit(x, t_x, T, weights=n)
            predicted = calibrated[name].expected_purchases(holdout_days / WEEK, x, t_x, T)
        except (ConvergenceError, InputError) as exc:
            checks.append(ModelCheck(model=name, error=exc.message))
            continue
        mae = float(n @ np.abs(predicted - actual) / n.sum())
        checks.append(
            ModelCheck(model=name, mae=mae, predicted=float(n @ predicted), actual=int(n @ actual))
        )
    scored = [c for c in checks if c.mae is not None]
    if not scored:
        return _by_likelihood(counts)
    chosen = ClvFacts(
        chosen_by="holdout",
        holdout_days=holdout_days,
        holdout_customers=int(n.sum()),
        checks=tuple(checks),
    )
    best = min(scored, key=lambda c: c.mae or 0.0).model
    return Choice(best, chosen, {}, calibrated)


def _by_likelihood(counts: PurchaseCounts) -> Choice:
    checks = []
    fitted: dict[str, Model] = {}
    for name, cls in MODELS.items():
        try:
            fitted[name] = cls().fit(*_weeks(counts.whole), weights=counts.whole.n)
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
    counts: PurchaseCounts,
    repeats: RepeatPurchases,
    *,
    as_of: int,
    holdout_days: int,
) -> Tracking:
    """The buyers' tracking series by the chosen model's calibration fit, if it has one.

    Chosen by holdout, the fit on the history before the holdout (so the holdout part is
    an out-of-sample check); by likelihood, `model`, the fit on all history.
    """
    first = counts.first
    calibrated = chosen.calibrated.get(chosen.name)
    if calibrated is None:
        return tracking(
            first.columns[0],
            repeats,
            _in_days(model),
            as_of=as_of,
            calibration_end=as_of,
            fitted_on="all_history",
            weights=first.n,
        )
    return tracking(
        first.columns[0],
        repeats,
        _in_days(calibrated),
        as_of=as_of,
        calibration_end=as_of - holdout_days,
        fitted_on="calibration",
        weights=first.n,
    )


def _in_days(model: Model) -> Callable[[Array], Array]:
    """The model's E[X(τ)] of a new customer at ages τ in days (it is fitted in weeks)."""
    return lambda age: model.expected_purchases_new(age / WEEK)


def _spend_fit(spend: Rows) -> ClvFacts:
    """Gamma-Gamma on the repeat buyers' mean spend per repeat day, or a note why not."""
    try:
        gamma = GammaGamma().fit(*spend.columns, weights=spend.n)
    except (ConvergenceError, InputError) as exc:
        return ClvFacts(note=exc.message)
    return ClvFacts(fits=(_fit_record("gamma_gamma", "spend", gamma),))


def _fit_record(name: str, purpose: Literal["purchases", "spend"], model: Any) -> Fit:
    """Parameters, standard errors and log-likelihood of a fitted model."""
    return Fit(
        model=name,
        purpose=purpose,
        params={k: float(v) for k, v in model.params_._asdict().items()},
        standard_errors={k: float(v) for k, v in model.standard_errors_._asdict().items()},
        log_likelihood=float(model.log_likelihood_),
    )
