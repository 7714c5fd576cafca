"""Identical customers as one weighted row: the likelihood is then summed per distinct row.

Order data give whole-day times, so a million customers shrink to a few hundred thousand
distinct (x, t_x, T) rows, and to far fewer in weeks. When every column lies on a grid of
whole days (in days or in weeks, as `summarize` writes them), the columns pack into one
integer key and a plain sort groups them (SIMD-sorted in NumPy, several times faster than
`np.lexsort` over floats); otherwise `np.lexsort` does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Key = npt.NDArray[np.int64]
Columns = tuple[Array, ...]

GRIDS = (1.0, 7.0)  # steps per unit: whole units, and whole days counted in weeks
KEY_LIMIT = 2**62  # the packed key stays a non-negative int64
EXACT_LIMIT = 2.0**52  # beyond this float64 no longer holds every whole number


def compress(columns: Columns, weights: Array) -> tuple[Columns, Array]:
    """Distinct rows of `columns`, sorted, with the weights of their copies summed.

    Exact: two rows merge only when every column is equal as a float.
    """
    if weights.size == 0:
        return columns, weights
    packed = _packed(columns)
    if packed is None:
        return _by_lexsort(columns, weights)
    key, unpack = packed
    if np.all(weights == 1.0):  # the usual case: a sort of the keys alone is enough
        sorted_key = np.sort(key)
        starts = _run_starts(sorted_key)
        summed = np.diff(np.append(starts, key.size)).astype(np.float64)
    else:
        order = np.argsort(key)
        sorted_key = key[order]
        starts = _run_starts(sorted_key)
        summed = np.add.reduceat(weights[order], starts)
    return unpack(sorted_key[starts]), summed


def distinct_rows(columns: Columns) -> tuple[Columns, npt.NDArray[np.intp]]:
    """Distinct rows of `columns`, sorted, and each original row's place among them.

    For predictions: evaluate once per distinct row, then gather back with the places.
    """
    packed = _packed(columns)
    if packed is None:
        rows, position = np.unique(np.column_stack(columns), axis=0, return_inverse=True)
        return tuple(np.ascontiguousarray(c) for c in rows.T), position.ravel()
    key, unpack = packed
    unique, position = np.unique(key, return_inverse=True)
    return unpack(unique), position


def _packed(columns: Columns) -> tuple[Key, Callable[[Key], Columns]] | None:
    """One int64 key per row and the function that turns keys back into columns.

    None when the columns do not pack (off a grid, too wide, or no rows at all).
    """
    if columns[0].size == 0:  # np.unique copes with no rows; min() of nothing does not
        return None
    grids: list[tuple[float, int, int]] = []  # (steps per unit, lowest code, span)
    key = np.zeros(columns[0].size, dtype=np.int64)
    capacity = 1
    for column in columns:
        found = _on_grid(column)
        if found is None:
            return None
        step, codes = found
        low, span = int(codes.min()), int(codes.max()) - int(codes.min()) + 1
        capacity *= span
        if capacity >= KEY_LIMIT:
            return None
        key = key * span + (codes - low)
        grids.append((step, low, span))

    def unpack(keys: Key) -> Columns:
        out: list[Array] = []
        for step, low, span in reversed(grids):
            keys, code = np.divmod(keys, span)
            out.append((code + low) / step)
        return tuple(out[::-1])

    return key, unpack


def _on_grid(column: Array) -> tuple[float, Key] | None:
    """Integer codes with ``code / step == column`` exactly, for the first grid that fits."""
    if column.size and float(np.abs(column).max()) * GRIDS[-1] >= EXACT_LIMIT:
        return None
    for step in GRIDS:
        codes = np.rint(column * step)
        if np.array_equal(codes / step, column):
            return step, codes.astype(np.int64)
    return None


def _run_starts(sorted_key: Key) -> npt.NDArray[np.intp]:
    return np.flatnonzero(np.append(True, sorted_key[1:] != sorted_key[:-1]))


def _by_lexsort(columns: Columns, weights: Array) -> tuple[Columns, Array]:
    order = np.lexsort(columns[::-1])
    sorted_columns = tuple(c[order] for c in columns)
    changes = np.zeros(weights.size, dtype=bool)
    changes[0] = True
    for c in sorted_columns:
        changes[1:] |= c[1:] != c[:-1]
    starts = np.flatnonzero(changes)
    summed = np.add.reduceat(weights[order], starts)
    return tuple(c[starts] for c in sorted_columns), summed
