"""Loyalty points and levels, as a points programme with the workspace's rules would hold them.

An order earns the floor of its net amount times the points per yuan (computed per order
by the features); points expire a fixed number of days after the order. A customer's
tier multiplies what she holds, and her level is the highest whose minimum her points
(or her spend in the same days) reach.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


def points(earned: npt.ArrayLike, multiplier: npt.ArrayLike) -> Ints:
    """Points held: the unexpired points earned times the tier multiplier, rounded down.

    Rounding is done in integer arithmetic on hundredths of the multiplier, so 1.15
    times 100 points is 115, not the 114 that floating point would give.
    """
    earned = np.asarray(earned, dtype=np.int64)
    hundredths = np.rint(np.asarray(multiplier, dtype=np.float64) * 100).astype(np.int64)
    held: Ints = earned * hundredths // 100
    return held


def levels(value: npt.ArrayLike, minimums: Sequence[float]) -> Ints:
    """The index of each customer's level: the last whose minimum `value` reaches.

    `minimums` ascend from 0 (config checks it), so every value of 0 or more has a level.
    """
    found: Ints = np.searchsorted(np.asarray(minimums, dtype=np.float64), value, side="right") - 1
    return np.maximum(found, 0)
