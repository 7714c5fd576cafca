"""Does a fitted model forecast? The standard holdout checks of the customer-base literature.

Fit a transaction model on the calibration period (`summarize` with `calibration_end`),
then compare it with what the customers did afterwards, as Fader, Hardie & Lee (2005)
do for CDNOW in their figures 2-4:

- **tracking**: repeat purchases per period by the calibration cohort (customers whose
  first purchase is on or before `calibration_end`), actual and predicted, per period and
  cumulated. Predicted: each customer's unconditional expectation E[X(t)] since her
  first purchase, summed. Periods are `unit` long and end on `calibration_end`, so the
  holdout starts with a whole period.
- **conditional**: mean holdout purchases by calibration frequency (the last group
  holds everyone at or above `max_frequency`), actual and predicted by the conditional
  expectation E[X(t*) | x, t_x, T].
- **errors**: the same per customer: totals, mean absolute error, root mean square
  error and bias (predicted minus actual, per customer).

Repeat purchases are purchase days after the first, as `summarize` counts them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple, Protocol, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from segmint.core.errors import InputError, Location
from segmint.models.base import check_fitted
from segmint.models.clv.summary import DAYS_PER_UNIT, day_number, purchase_days, summarize
from segmint.models.clv.tracking import expected_cumulative_purchases

Array = npt.NDArray[np.float64]
Day: TypeAlias = dt.date | str | pd.Timestamp


class ForecastingModel(Protocol):
    """A fitted transaction model: BetaGeo, ParetoNBD or ModifiedBetaGeo."""

    params_: Any

    def expected_purchases(
        self, t: npt.ArrayLike, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike
    ) -> Array:
        """Conditional expected purchases in the next t time units."""

    def expected_purchases_new(self, t: npt.ArrayLike) -> Array:
        """Expected purchases of a new customer in t time units."""


class Validation(NamedTuple):
    """The three views of a holdout check, as data (plots come from them)."""

    tracking: pd.DataFrame
    conditional: pd.DataFrame
    errors: pd.Series


def validate(
    model: ForecastingModel,
    transactions: Any,
    *,
    calibration_end: Day,
    as_of: Day,
    customer_id: str = "customer_id",
    ordered_at: str = "ordered_at",
    unit: str = "W",
    max_frequency: int = 7,
) -> Validation:
    """Compare a model fitted on the calibration period with the holdout that followed.

    Parameters
    ----------
    model : BetaGeo, ParetoNBD or ModifiedBetaGeo
        Fitted on ``summarize(transactions, as_of=calibration_end, unit=unit)``.
    transactions : pandas.DataFrame or pyarrow.Table
        The transaction log, calibration and holdout.
    calibration_end, as_of : date
        Last day of the calibration period and of the holdout (both inclusive).
    customer_id, ordered_at : str
        Column names, as for `summarize`.
    unit : {"W", "D"}
        The time unit the model was fitted in; also the length of a tracking period.
    max_frequency : int, default 7
        Calibration frequencies at or above it form the last conditional group.

    Returns
    -------
    Validation
        ``tracking`` indexed by period (1 = the first, the holdout's first has
        ``holdout`` True) with actual, predicted, actual_cumulative,
        predicted_cumulative; ``conditional`` indexed by calibration frequency with
        customers, actual, predicted; ``errors`` with customers, actual, predicted,
        mae, rmse, bias.

    Raises
    ------
    InputError
        If the holdout is empty, `max_frequency` is below 1, or the log is invalid.
    NotFittedError
        If the model is not fitted.
    """
    check_fitted(model, "params_")
    if not isinstance(max_frequency, int) or max_frequency < 1:
        raise InputError(
            "models.whole_number",
            location=Location(field="max_frequency"),
            field="max_frequency",
            minimum=1,
            got=repr(max_frequency),
        )
    cut, end = day_number(calibration_end, "calibration_end"), day_number(as_of, "as_of")
    if end <= cut:
        raise InputError(
            "models.empty_holdout",
            location=Location(field="as_of"),
            calibration_end=str(calibration_end),
            as_of=str(as_of),
        )
    summary = summarize(
        transactions,
        customer_id=customer_id,
        ordered_at=ordered_at,
        as_of=as_of,
        unit=unit,
        calibration_end=calibration_end,
    )
    per_customer = _per_customer(model, summary)
    columns = {"customer_id": customer_id, "ordered_at": ordered_at}
    tracking = _tracking(model, transactions, columns, cut=cut, end=end, unit=unit)
    return Validation(tracking, _conditional(per_customer, max_frequency), _errors(per_customer))


def _per_customer(model: ForecastingModel, summary: pd.DataFrame) -> pd.DataFrame:
    predicted = model.expected_purchases(
        summary["duration_holdout"], summary["frequency"], summary["recency"], summary["T"]
    )
    return pd.DataFrame(
        {
            "frequency": summary["frequency"].to_numpy(),
            "actual": summary["frequency_holdout"].to_numpy(dtype=np.float64),
            "predicted": predicted,
        }
    )


def _tracking(
    model: ForecastingModel,
    transactions: Any,
    columns: dict[str, str],
    *,
    cut: int,
    end: int,
    unit: str,
) -> pd.DataFrame:
    per_unit = DAYS_PER_UNIT[unit]
    log = purchase_days(transactions, **columns, amount=None, end=end)
    starts = np.flatnonzero(np.r_[True, log.customer[1:] != log.customer[:-1]])
    first_day = log.day[starts]
    first_of_row = np.repeat(first_day, np.diff(np.r_[starts, log.day.size]))
    in_cohort = first_of_row <= cut
    # period p holds days (cut + (p-1) u, cut + p u]: the holdout starts at p = 1
    period = -((cut - log.day) // per_unit)
    lowest = int(period[in_cohort].min(initial=1))
    highest = int(-((cut - end) // per_unit))
    repeat = in_cohort & (log.day > first_of_row)
    actual = np.bincount(period[repeat] - lowest, minlength=highest - lowest + 1)
    period_ends = np.minimum(cut + np.arange(lowest, highest + 1) * per_unit, end)
    cumulative = expected_cumulative_purchases(
        lambda age: model.expected_purchases_new(age / per_unit),  # days to the model's unit
        first_day[first_day <= cut],
        period_ends,
    )
    numbers = pd.RangeIndex(1, highest - lowest + 2, name="period")
    return pd.DataFrame(
        {
            "holdout": np.arange(lowest, highest + 1) >= 1,
            "actual": actual.astype(np.float64),
            "predicted": np.diff(cumulative, prepend=0.0),
            "actual_cumulative": np.cumsum(actual).astype(np.float64),
            "predicted_cumulative": cumulative,
        },
        index=numbers,
    )


def _conditional(per_customer: pd.DataFrame, max_frequency: int) -> pd.DataFrame:
    group = np.minimum(per_customer["frequency"].to_numpy(), max_frequency)
    table = per_customer.groupby(group).agg(
        customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean")
    )
    table.index.name = "frequency"
    return table


def _errors(per_customer: pd.DataFrame) -> pd.Series:
    gap = per_customer["predicted"] - per_customer["actual"]
    return pd.Series(
        {
            "customers": float(len(per_customer)),
            "actual": float(per_customer["actual"].sum()),
            "predicted": float(per_customer["predicted"].sum()),
            "mae": float(gap.abs().mean()),
            "rmse": float(np.sqrt((gap**2).mean())),
            "bias": float(gap.mean()),
        }
    )
