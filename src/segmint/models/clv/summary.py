"""From a transaction log to one row per customer: the inputs of the customer-base models.

Definitions (those of Fader & Hardie's CDNOW summaries and of lifetimes'
``summary_data_from_transaction_data``), all times in `unit`:

- Purchases on the same calendar day are one purchase day, their amounts summed;
  transactions after the end of observation are ignored.
- ``frequency``: repeat purchase days, the number of purchase days minus one.
- ``recency``: time from the first to the last purchase day (0 without repeats).
- ``T``: time from the first purchase day to the end of observation.
- ``monetary_value``: mean amount of the repeat purchase days (the first day is not
  counted), 0 when frequency is 0.

With `calibration_end`, the end of observation for those columns is `calibration_end`,
only customers whose first purchase is on or before it appear, and the holdout
(calibration_end, as_of] adds ``frequency_holdout`` (purchase days in it),
``monetary_value_holdout`` (their mean amount, 0 without any) and ``duration_holdout``.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from segmint.core.errors import InputError, Location, SchemaError

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DAYS_PER_UNIT: dict[str, int] = {"D": 1, "W": 7}


def summarize(
    transactions: Any,
    *,
    customer_id: str = "customer_id",
    ordered_at: str = "ordered_at",
    amount: str | None = None,
    as_of: dt.date | str | pd.Timestamp,
    unit: str = "W",
    calibration_end: dt.date | str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Frequency, recency, T and monetary value per customer, from one row per transaction.

    Parameters
    ----------
    transactions : pandas.DataFrame or pyarrow.Table
        One row per order line or order.
    customer_id, ordered_at : str
        Names of the customer and timestamp columns.
    amount : str, optional
        Name of the spend column; without it monetary columns are 0.
    as_of : date
        End of observation (inclusive, a calendar day).
    unit : {"W", "D"}, default "W"
        Time unit of recency, T and durations: weeks of 7 days, or days.
    calibration_end : date, optional
        End of the calibration period (inclusive); adds the holdout columns.

    Returns
    -------
    pandas.DataFrame
        Indexed by `customer_id` (sorted), columns frequency, recency, T, monetary_value
        and, with `calibration_end`, frequency_holdout, monetary_value_holdout and
        duration_holdout. See the module docstring for the definitions.

    Raises
    ------
    SchemaError
        If a named column is missing.
    InputError
        If `unit` is unknown, `calibration_end` is after `as_of`, or a customer id or
        timestamp is missing (the message names the count and first index).

    References
    ----------
    P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "Counting your customers the easy
    way", Marketing Science 24(2), section 4 (the CDNOW data).
    """
    if unit not in DAYS_PER_UNIT:
        raise InputError(
            f"unit must be one of {', '.join(DAYS_PER_UNIT)}. Got {unit!r} instead.",
            location=Location(field="unit"),
        )
    end = day_number(as_of, "as_of")
    cut = end if calibration_end is None else day_number(calibration_end, "calibration_end")
    if cut > end:
        raise InputError(
            "calibration_end must be on or before as_of.",
            location=Location(field="calibration_end"),
        )
    log = purchase_days(
        transactions, customer_id=customer_id, ordered_at=ordered_at, amount=amount, end=end
    )
    code, day, day_spend, ids = log
    result = _calibration(code, day, day_spend, ids.size, cut, DAYS_PER_UNIT[unit])
    if calibration_end is not None:
        holdout = _holdout(code, day, day_spend, ids.size, cut, end, DAYS_PER_UNIT[unit])
        result.update(holdout)
    customers = result.pop("_customers")
    table = pd.DataFrame({k: v[customers] for k, v in result.items()}, index=ids[customers])
    table.index.name = customer_id
    return table


class PurchaseDays(NamedTuple):
    """One row per (customer, calendar day) with a purchase, sorted by customer then day."""

    customer: npt.NDArray[np.intp]  # position in `ids`
    day: IntArray  # days since 1970-01-01
    spend: Array  # the day's amounts summed
    ids: pd.Index  # customer ids, sorted


def purchase_days(
    transactions: Any, *, customer_id: str, ordered_at: str, amount: str | None, end: int
) -> PurchaseDays:
    """The transaction log as purchase days up to day `end` (inclusive), checked.

    Raises
    ------
    SchemaError
        If a named column is missing.
    InputError
        If a customer id or timestamp is missing (count and first index).
    """
    frame = _frame(transactions, [customer_id, ordered_at] + ([amount] if amount else []))
    codes, ids = pd.factorize(frame[customer_id], sort=True)
    days = _days(frame[ordered_at], ordered_at)
    spend = np.zeros(len(frame)) if amount is None else frame[amount].to_numpy(dtype=np.float64)
    _check_present(codes < 0, customer_id)
    keep = days <= end
    code, day, day_spend = _purchase_days(codes[keep], days[keep], spend[keep])
    return PurchaseDays(code, day, day_spend, ids)


def _frame(transactions: Any, columns: list[str]) -> pd.DataFrame:
    """The named columns as a pandas DataFrame; Arrow tables are converted here, once."""
    is_pandas = isinstance(transactions, pd.DataFrame)
    available = list(transactions.columns if is_pandas else transactions.column_names)
    for name in columns:
        if name not in available:
            close = difflib.get_close_matches(name, [str(c) for c in available], n=1)
            raise SchemaError(
                f"The transactions have no column '{name}'; they have "
                f"{', '.join(map(str, available))}.",
                hint=f"Did you mean '{close[0]}'?" if close else None,
                location=Location(field=name),
            )
    if is_pandas:
        return transactions[columns]
    return pd.DataFrame(transactions.select(columns).to_pandas())  # a pyarrow.Table


def day_number(value: dt.date | str | pd.Timestamp, name: str) -> int:
    """A date as days since 1970-01-01."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{name} must be a date. Got {value!r} instead.", location=Location(field=name)
        ) from exc
    return int(np.datetime64(stamp.date(), "D").astype(np.int64))


def _days(stamps: pd.Series, name: str) -> IntArray:
    """Calendar days since 1970-01-01, in the timestamps' own time zone."""
    try:
        parsed = pd.to_datetime(stamps)
    except (TypeError, ValueError) as exc:  # pandas' parser, mapped once here
        raise InputError(
            f"{name} must hold timestamps; pandas could not read them ({exc}).",
            hint="Pass datetimes, or parse the column first with an explicit format.",
            location=Location(field=name),
        ) from exc
    if parsed.dt.tz is not None:
        parsed = parsed.dt.tz_localize(None)  # the local calendar day, not the UTC one
    _check_present(parsed.isna().to_numpy(), name)
    return np.asarray(
        parsed.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]"), dtype=np.int64
    )


def _check_present(missing: npt.NDArray[np.bool_], name: str) -> None:
    count = int(missing.sum())
    if count:
        index = int(np.argmax(missing))
        plural = "transaction" if count == 1 else "transactions"
        raise InputError(
            f"{name} is missing for {count} {plural} (first: index {index}).",
            location=Location(index=index, field=name),
        )


def _purchase_days(
    codes: npt.NDArray[np.intp], days: IntArray, spend: Array
) -> tuple[npt.NDArray[np.intp], IntArray, Array]:
    """One row per (customer, day), amounts summed, sorted by customer then day."""
    if codes.size == 0:
        return codes, days, spend
    # one int64 key per (customer, day) sorts faster than np.lexsort over two keys
    first = int(days.min())
    span = int(days.max()) - first + 1
    key = codes.astype(np.int64) * span + (days - first)
    order = np.argsort(key, kind="stable")
    key, spend = key[order], spend[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    unique = key[starts]
    return (unique // span).astype(np.intp), unique % span + first, np.add.reduceat(spend, starts)


def _calibration(
    code: npt.NDArray[np.intp], day: IntArray, spend: Array, n: int, cut: int, per_unit: int
) -> dict[str, npt.NDArray[Any]]:
    inside = day <= cut
    n_days = np.bincount(code[inside], minlength=n)
    total = np.bincount(code[inside], weights=spend[inside], minlength=n)
    # rows are sorted by (customer, day): a customer's days inside come first in its run
    first_row = np.searchsorted(code, np.arange(n))
    customers = n_days > 0
    last_row = np.where(customers, first_row + n_days - 1, 0)
    safe_first = np.where(customers, first_row, 0)
    first_day, last_day = day[safe_first], day[last_row]
    frequency = np.maximum(n_days - 1, 0)
    repeat_spend = total - np.where(customers, spend[safe_first], 0.0)
    monetary = np.divide(repeat_spend, frequency, out=np.zeros(n), where=frequency > 0)
    return {
        "frequency": frequency.astype(np.int64),
        "recency": (last_day - first_day) / per_unit,
        "T": (cut - first_day) / per_unit,
        "monetary_value": monetary,
        "_customers": customers,
    }


def _holdout(
    code: npt.NDArray[np.intp],
    day: IntArray,
    spend: Array,
    n: int,
    cut: int,
    end: int,
    per_unit: int,
) -> dict[str, npt.NDArray[Any]]:
    after = (day > cut) & (day <= end)
    count = np.bincount(code[after], minlength=n)
    total = np.bincount(code[after], weights=spend[after], minlength=n)
    return {
        "frequency_holdout": count.astype(np.int64),
        "monetary_value_holdout": np.divide(total, count, out=np.zeros(n), where=count > 0),
        "duration_holdout": np.full(n, (end - cut) / per_unit),
    }
