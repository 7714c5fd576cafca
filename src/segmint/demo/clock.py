"""The synthetic calendar: local Shanghai days and shopping hours, kept as UTC microseconds.

Shops record local time; the store keeps UTC. Asia/Shanghai has been UTC+8 without
daylight saving since 1991, so local and UTC differ by a constant and need no time-zone
database. Every time is a whole second.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from segmint.core.errors import InputError
from segmint.demo.tables import FESTIVALS, HOUR_WEIGHTS

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

SECOND_US = 1_000_000
HOUR_US = 3_600 * SECOND_US
DAY_US = 24 * HOUR_US
WEEK_US = 7 * DAY_US
SHANGHAI_UTC_OFFSET_US = 8 * 3_600 * SECOND_US
_EPOCH = dt.date(1970, 1, 1)
_SLOTS = 1 << 16


def pick(rng: np.random.Generator, weights: Sequence[float], size: int) -> Ints:
    """Indices drawn with probability proportional to `weights`, rounded to multiples of 2**-16.

    A lookup in 65,536 slots is several times faster than a search per draw, and the
    rounding is far below anything the synthetic data are used to measure.
    """
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    centres = (np.arange(_SLOTS) + 0.5) / _SLOTS * cdf[-1]
    slots = np.minimum(np.searchsorted(cdf, centres, side="right"), len(cdf) - 1)
    drawn: Ints = slots.astype(np.int64)[rng.integers(0, _SLOTS, size, dtype=np.uint16)]
    return drawn


def epoch_day(day: dt.date) -> int:
    """Days from 1970-01-01 to `day`."""
    return (day - _EPOCH).days


@dataclass(frozen=True, slots=True)
class Clock:
    """The observation window: local days from `start` through `as_of`, inclusive.

    The window ends at local midnight after `as_of`, or earlier at `until_us`, the
    moment the data are made (`end_us`); nothing is dated later.
    """

    start: dt.date
    as_of: dt.date
    until_us: int | None = None  # UTC microseconds of the moment the data are made

    def __post_init__(self) -> None:
        if self.start >= self.as_of:
            raise InputError("demo.bad_window", start=self.start, as_of=self.as_of)

    @property
    def start_us(self) -> int:
        """UTC microseconds of local midnight beginning `start`."""
        return epoch_day(self.start) * DAY_US - SHANGHAI_UTC_OFFSET_US

    @property
    def end_us(self) -> int:
        """UTC microseconds of the observation end (nothing is dated at or after it).

        Local midnight ending `as_of`, or the moment the data are made when that is earlier.
        """
        midnight = (epoch_day(self.as_of) + 1) * DAY_US - SHANGHAI_UTC_OFFSET_US
        return midnight if self.until_us is None else min(midnight, self.until_us)

    @property
    def n_days(self) -> int:
        """Local days in the window."""
        return (self.as_of - self.start).days + 1

    def signup_days(self, rng: np.random.Generator, n: int, *, growth: float) -> Ints:
        """Local day indices of `n` sign-ups.

        Sign-ups grow by e**growth over the window, with more on weekends and around the
        618, 双十一 and 双十二 shopping festivals.
        """
        days = np.arange(self.n_days)
        calendar = np.datetime64(self.start, "D") + days
        month = calendar.astype("datetime64[M]").astype(np.int64) % 12 + 1
        monthday = (calendar - calendar.astype("datetime64[M]")).astype(np.int64) + 1
        weight = np.exp(growth * days / self.n_days)
        weight[(days + epoch_day(self.start) + 3) % 7 >= 5] *= 1.15  # 1970-01-01 was a Thursday
        for m, d, boost in FESTIVALS:
            weight[(month == m) & (monthday == d)] *= boost
        return pick(rng, weight.tolist(), n)

    def at_shopping_hour(self, rng: np.random.Generator, days: Ints) -> Ints:
        """UTC microseconds at a local shopping-hour time on each local day index."""
        seconds = pick(rng, HOUR_WEIGHTS, days.size) * 3_600 + rng.integers(0, 3_600, days.size)
        return self._elapsed(self.start_us + days * DAY_US, seconds * SECOND_US)

    def _elapsed(self, day_start: Ints, offset: Ints) -> Ints:
        """Times of the day the moment cuts short, squeezed into the part that has passed.

        The hours keep their order and shape; days before the moment are left as drawn.
        """
        room = np.clip(self.end_us - day_start, 0, DAY_US)
        # As a share of the day: offset * room in microseconds would overflow int64.
        squeezed = day_start + (offset * (room / DAY_US)).astype(np.int64)
        at: Ints = np.where(room < DAY_US, squeezed, day_start + offset)
        at -= at % SECOND_US
        return np.minimum(at, np.maximum(self.end_us - SECOND_US, day_start))

    def day_of(self, us: Ints) -> Ints:
        """The local day index of each UTC microsecond time."""
        return (us - self.start_us) // DAY_US

    def same_day_shopping_hour(self, rng: np.random.Generator, us: Ints, *, after: Ints) -> Ints:
        """Move each time to a shopping-hour time of its local day, keeping it after `after`.

        Where the new time would not be after `after` (same day), the original time stays,
        moved to at least one second after `after`; nothing passes the observation end.
        """
        moved = self.at_shopping_hour(rng, self.day_of(us))
        kept = np.maximum(us - us % SECOND_US, after + SECOND_US)
        return np.minimum(np.where(moved > after, moved, kept), self.end_us - SECOND_US)


def local_day(us: int) -> dt.date:
    """The Shanghai date of a UTC microsecond time."""
    return _EPOCH + dt.timedelta(days=(us + SHANGHAI_UTC_OFFSET_US) // DAY_US)


def by_time(us: Ints, *, origin: int) -> Ints:
    """The permutation that sorts times at or after `origin`, ties kept in input order.

    Sorting unique keys (seconds since `origin`, then position) gives the same order on
    every machine, which an unstable argsort of tied times need not.
    """
    key = ((us - origin) // SECOND_US << 32) | np.arange(us.size, dtype=np.int64)
    return np.sort(key) & np.int64(0xFFFFFFFF)
