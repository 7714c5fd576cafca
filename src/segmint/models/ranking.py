"""Each customer's first n products in one deterministic order, from sparse scores.

A recommender scores a few hundred of a customer's candidates out of many thousand
products and must list the best n for a million customers. A lexsort per batch is ten
times slower than sorting one uint64 key per entry (row, the float's bits, column), so
`ordered` packs the three into one key; `top_n` then needs only n places per row.

Products are in "rank space" here: product r is the r-th most popular, so popularity
breaks every tie as the lower index does. A customer's order is

1. her scored products (score > 0, not excluded): score down, then rank up;
2. the others not excluded, by rank, score 0: the popularity fallback;
3. the excluded ones, by rank, score -inf: reached only when fewer than n remain.

Part 3 holds exactly her last places, and part 2 is the ranks left free by parts 1 and
3, so every product's place is found without listing all of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Floats32 = npt.NDArray[np.float32]
Bools = npt.NDArray[np.bool_]
Csr = Any  # scipy.sparse.csr_array; scipy ships no type information

_VALUE = np.uint64(0xFFFFFFFF)  # the 32 bits of a float32


def ordered(
    rows: npt.ArrayLike, cols: npt.ArrayLike, values: Floats32, shape: tuple[int, int]
) -> tuple[Ints, Ints, Floats32, Ints]:
    """Entries sorted by row, value down, then column up, with each one's place in its row.

    The bits of a float32 >= 0 read as an integer order like its value, so the key
    ``row | (2**32 - 1 - bits) | column`` sorts in the wanted order; rows must number
    at most `row_limit` of the columns.

    Returns
    -------
    row, col, value, place : ndarray
        The entries in order; place is 0 for the first of each row.
    """
    bits = column_bits(shape[1])
    key = np.asarray(rows, dtype=np.uint64) << np.uint64(32 + bits)
    key |= (_VALUE - values.view(np.uint32)).astype(np.uint64) << np.uint64(bits)
    key |= np.asarray(cols, dtype=np.uint64)
    key.sort()
    row = (key >> np.uint64(32 + bits)).astype(np.int64)
    col = (key & np.uint64((1 << bits) - 1)).astype(np.int64)
    value = (_VALUE - ((key >> np.uint64(bits)) & _VALUE)).astype(np.uint32)
    return row, col, value.view(np.float32), _place(row, shape[0])


def top_n(
    scores: Csr, *, n: int, exclude: Csr | None = None, floor: Floats32 | None = None
) -> tuple[Ints, Floats32]:
    """The first `n` products of each row of rank-space scores, in the module's order.

    Parameters
    ----------
    scores : scipy.sparse.csr_array, rows x products
        Positive scores of the scored products, in rank space; n <= products.
    n : int
    exclude : scipy.sparse.csr_array of bool, the shape of `scores`, optional
        Canonical (sorted indices, no stored False); may overlap `scores`.
    floor : ndarray of float32, one per row, optional
        A value the (n + excluded)-th best score of the row is known to reach: lower
        scores are dropped before the sort, which is then much smaller.

    Returns
    -------
    ranks : ndarray of int64, (rows, n)
    values : ndarray of float32, (rows, n)
    """
    n_rows, n_products = scores.shape
    excluded = np.zeros(n_rows, np.int64) if exclude is None else np.diff(exclude.indptr)
    counts = np.diff(scores.indptr)
    row = np.repeat(np.arange(n_rows, dtype=np.int32), counts)  # half the bytes of int64
    col, value = scores.indices, scores.data.astype(np.float32)
    if floor is not None:
        high = value >= np.repeat(floor, counts)  # a run per row, not a gather
        row, col, value = row[high], col[high], value[high]
    row, col, value, place = ordered(row, col, value, scores.shape)
    # the best n + (excluded) hold the best n that are not excluded
    best = place < n + excluded[row]
    row, col, value = row[best], col[best], value[best]
    if exclude is not None:
        allowed = ~held(exclude, row, col)
        row, col, value = row[allowed], col[allowed], value[allowed]
    ranks = np.full((n_rows, n), -1, dtype=np.int64)
    values = np.zeros((n_rows, n), dtype=np.float32)
    place = _place(row, n_rows)
    first = place < n
    ranks[row[first], place[first]], values[row[first], place[first]] = col[first], value[first]
    scored = np.bincount(row, minlength=n_rows)  # exact where below n: none was cut there
    short = np.flatnonzero(scored < n)
    if short.size:
        blocked = _blocked(short, (row, col), exclude, n_products=n_products)
        _fill_unscored(ranks, scored, short, blocked, n_products=n_products)
    if exclude is not None:
        _fill_excluded(ranks, values, exclude)
    return ranks, values


def held(m: Csr, rows: Ints, cols: Ints) -> Bools:
    """Whether each (row, column) is a non-zero of sparse `m`."""
    if rows.size == 0:  # scipy answers an empty look-up with a sparse array
        return np.zeros(0, dtype=bool)
    found: Bools = np.asarray(m[rows, cols]) != 0
    return found


def column_bits(n_cols: int) -> int:
    """Bits of a column index in an `ordered` key."""
    return max(1, (n_cols - 1).bit_length())


def row_limit(n_cols: int) -> int:
    """Most rows one `ordered` call takes: 64 key bits less 32 for a value and the column's."""
    return 1 << (32 - column_bits(n_cols))


def blocks(
    work: npt.NDArray[np.float64], *, budget: float, limit: int
) -> Iterator[tuple[int, int]]:
    """Runs of at most `limit` rows whose `work` adds up to at most `budget` (or one row)."""
    done = np.cumsum(work)
    start = 0
    while start < work.size:
        before = done[start - 1] if start else 0.0
        stop = max(start + 1, int(np.searchsorted(done, before + budget, side="right")))
        stop = min(stop, start + limit)
        yield start, stop
        start = stop


def _place(row: Ints, n_rows: int) -> Ints:
    """Each entry's place within its row, for entries sorted by row."""
    counts = np.bincount(row, minlength=n_rows)
    return np.arange(row.size) - (np.cumsum(counts) - counts)[row]


def _blocked(
    rows: Ints, scored: tuple[Ints, Ints], exclude: Csr | None, *, n_products: int
) -> Ints:
    """The keys row * n_products + rank of the scored and excluded products of `rows`.

    Sorted and distinct: excluded products were taken out of the scored ones.
    """
    mine = np.isin(scored[0], rows)
    keys = [scored[0][mine] * n_products + scored[1][mine]]
    if exclude is not None:
        part = exclude[rows]
        keys.append(np.repeat(rows, np.diff(part.indptr)) * n_products + part.indices)
    return np.sort(np.concatenate(keys))


def _fill_unscored(
    ranks: Ints, scored: Ints, rows: Ints, blocked: Ints, *, n_products: int
) -> None:
    """Place the most popular free products of `rows` after their scored ones, score 0.

    With a row's blocked ranks b_0 < b_1 < ..., b_t - t free ranks lie below b_t, so
    the k-th (0-based) free rank is ``k + #{t : b_t - t <= k}``. Places past the free
    ones are left for `_fill_excluded`.
    """
    want = ranks.shape[1]
    row, rank = blocked // n_products, blocked % n_products
    stride = n_products + 1  # b_t - t runs from 0 to n_products: rows never overlap
    gaps = row * stride + rank - _place(row, ranks.shape[0])  # non-decreasing
    k = np.arange(want)
    before = np.searchsorted(gaps, rows * stride)[:, None]
    free = k + np.searchsorted(gaps, rows[:, None] * stride + k, side="right") - before
    place = scored[rows][:, None] + k
    fits = (place < want) & (free < n_products)
    ranks[np.broadcast_to(rows[:, None], fits.shape)[fits], place[fits]] = free[fits]


def _fill_excluded(ranks: Ints, values: Floats32, exclude: Csr) -> None:
    """Excluded products hold the last places of a row, by rank, with score -inf."""
    n_products, want = exclude.shape[1], ranks.shape[1]
    counts = np.diff(exclude.indptr)
    row = np.repeat(np.arange(counts.size), counts)
    place = n_products - counts[row] + (np.arange(row.size) - exclude.indptr[row])
    fits = place < want
    ranks[row[fits], place[fits]] = exclude.indices[fits]
    values[row[fits], place[fits]] = -np.inf
