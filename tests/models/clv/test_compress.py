"""Compression of identical customers, against `np.unique(axis=0)` as the witness."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from segmint.models.clv._compress import compress, distinct_rows


def _witness(columns, weights):
    rows = np.column_stack(columns)
    unique, inverse = np.unique(rows, axis=0, return_inverse=True)
    return unique, np.bincount(inverse.ravel(), weights)


def _check(columns, weights):
    compressed, summed = compress(columns, weights)
    unique, expected = _witness(columns, weights)
    np.testing.assert_array_equal(np.column_stack(compressed), unique)
    np.testing.assert_allclose(summed, expected, rtol=1e-12)


days = st.integers(0, 800).map(float)
weeks = st.integers(0, 800).map(lambda d: d / 7)
anything = st.floats(0.0, 1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.data(), st.sampled_from([days, weeks, anything]), st.booleans())
def test_compress_keeps_exactly_the_distinct_rows(data, values, unit_weights):
    n = data.draw(st.integers(1, 300))
    columns = tuple(data.draw(hnp.arrays(np.float64, n, elements=values)) for _ in range(3))
    weights = (
        np.ones(n)
        if unit_weights
        else data.draw(hnp.arrays(np.float64, n, elements=st.floats(0.0, 10.0)))
    )
    _check(columns, weights)


def test_days_in_weeks_stay_exact_floats():
    """3/7 of a week must come back as the very float summarize wrote."""
    t = np.arange(0, 700) / 7.0
    (x,), _ = compress((t,), np.ones(t.size))
    np.testing.assert_array_equal(x, np.unique(t))


def test_values_off_every_grid_take_the_lexsort_path():
    t = np.array([0.1, 0.1, 0.3, 1e-300, 1e-300])
    (x,), w = compress((t,), np.ones(5))
    np.testing.assert_array_equal(x, [1e-300, 0.1, 0.3])
    np.testing.assert_array_equal(w, [2.0, 2.0, 1.0])


def test_huge_values_are_not_packed_into_an_overflowing_key():
    columns = (np.array([2.0**60, 2.0**60, 1.0]), np.array([5.0, 5.0, 5.0]))
    compressed, w = compress(columns, np.ones(3))
    np.testing.assert_array_equal(compressed[0], [1.0, 2.0**60])
    np.testing.assert_array_equal(w, [1.0, 2.0])


@settings(max_examples=100, deadline=None)
@given(st.data(), st.sampled_from([days, weeks, anything]))
def test_distinct_rows_gather_back_to_the_original_rows(data, values):
    n = data.draw(st.integers(1, 200))
    columns = tuple(data.draw(hnp.arrays(np.float64, n, elements=values)) for _ in range(3))
    rows, position = distinct_rows(columns)
    unique, _ = _witness(columns, np.ones(n))
    np.testing.assert_array_equal(np.column_stack(rows), unique)
    for original, distinct in zip(columns, rows, strict=True):
        np.testing.assert_array_equal(distinct[position], original)


def test_no_rows_give_no_distinct_rows():
    """A live update of customers who never bought predicts for nobody: no error."""
    columns = (np.array([], dtype=np.float64), np.array([], dtype=np.float64))
    rows, position = distinct_rows(columns)
    assert [r.size for r in rows] == [0, 0] and position.size == 0
