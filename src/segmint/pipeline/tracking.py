"""The tracking series of a run's purchase model: cumulative repeat purchases over time.

What the customer base bought after each customer's first purchase, week by week, and
what the purchase model expected of the same customers (the cumulative tracking plot of
Fader, Hardie & Lee 2005). Both count purchase days as the models do
(`features.purchases`); the expectation is `models.clv.tracking`'s, from each customer's
first purchase day.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from segmint.core.facts import Tracking
from segmint.features.customer import EPOCH
from segmint.features.purchases import repeat_purchases
from segmint.models.clv.tracking import expected_cumulative_purchases
from segmint.store.engine import Engine
from segmint.store.relations import Sources, execute

Array = npt.NDArray[np.float64]
MAX_POINTS = 200  # a plot's worth: longer histories are tracked every few weeks
WEEK = 7


@dataclass(frozen=True)
class RepeatPurchases:
    """The customer base's repeat purchase days per day (days without any left out)."""

    day: npt.NDArray[np.int64]  # increasing day numbers
    purchases: npt.NDArray[np.int64]


def repeat_purchases_of(engine: Engine, src: Sources, *, day: int) -> RepeatPurchases:
    """Every customer's purchase days but her first, up to day `day`, counted per day."""
    table = execute(engine, repeat_purchases(src.orders, day))
    return RepeatPurchases(
        day=np.asarray(table["day"].to_numpy(), dtype=np.int64),
        purchases=np.asarray(table["purchases"].to_numpy(), dtype=np.int64),
    )


def tracking(
    first_day: Array,
    repeats: RepeatPurchases,
    expected_new: Callable[[Array], Array],
    *,
    as_of: int,
    calibration_end: int,
    fitted_on: Literal["calibration", "all_history"],
    weights: Array | None = None,
) -> Tracking:
    """Actual and expected cumulative repeat purchases of the buyers on the `grid`.

    `first_day` holds the buyers' first purchase days (`weights`: how many buyers each
    stands for); `expected_new` is the model's E[X(τ)] of a new customer at ages τ in days.
    """
    start = int(first_day.min())
    points = grid(start, calibration_end=calibration_end, as_of=as_of)
    done = np.searchsorted(repeats.day, points, side="right")  # days up to each point
    actual = np.r_[0, np.cumsum(repeats.purchases)][done]
    expected = expected_cumulative_purchases(expected_new, first_day, points, weights=weights)
    return Tracking(
        start=EPOCH + dt.timedelta(days=start),
        calibration_end=EPOCH + dt.timedelta(days=calibration_end),
        fitted_on=fitted_on,
        days=tuple(int(p - start) for p in points),
        actual=tuple(int(a) for a in actual),
        expected=tuple(float(e) for e in expected),
    )


def grid(start: int, *, calibration_end: int, as_of: int) -> npt.NDArray[np.int64]:
    """Day numbers: `start`, then every period back and forth from `calibration_end`.

    A period is a week, or as many weeks as keep the grid within `MAX_POINTS`. The
    points lie in (start, as_of], one on calibration_end, the last (maybe a short
    period after the one before) on as_of.
    """
    weeks = math.ceil((as_of - start) / WEEK)
    period = WEEK * max(1, math.ceil(weeks / (MAX_POINTS - 3)))
    lowest = (start - calibration_end) // period + 1  # the first period ending after start
    highest = -((calibration_end - as_of) // period)  # the first ending on or after as_of
    steps = np.arange(lowest, highest + 1, dtype=np.int64)
    points = np.minimum(calibration_end + steps * period, as_of)
    return np.concatenate([np.array([start], dtype=np.int64), points])
