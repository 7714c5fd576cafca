"""Population facts from histograms equal the facts from every value.

Witness: the per-value functions themselves (`rfm.nearest_rank_cuts`,
`lifecycle.stand_in_gap`), whose own tests hold them to SQL's percentile_disc and
NumPy's median. An engine hands over distinct values with their counts instead of a
value per customer; the facts must not change.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from segmint.models import lifecycle, rfm, tiers, value_score

values = st.lists(st.integers(min_value=-5, max_value=40), min_size=0, max_size=300)


@given(values, st.integers(min_value=3, max_value=5))
def test_cuts_from_a_histogram_are_the_nearest_rank_cuts(raw, bins):
    x = np.asarray(raw, dtype=np.float64) * 1.5  # floats with ties, as days and cents are
    distinct, counts = np.unique(x, return_counts=True)
    shuffled = np.random.default_rng(len(raw)).permutation(distinct.size)  # any order
    got = rfm.counted_cuts(distinct[shuffled], counts[shuffled], bins)
    assert got.tolist() == rfm.nearest_rank_cuts(x, bins).tolist()


@given(values)
def test_stand_in_gap_from_a_histogram_is_the_median(raw):
    x = np.asarray(raw, dtype=np.float64) / 7  # gaps: means of whole days
    distinct, counts = np.unique(x, return_counts=True)
    got = lifecycle.counted_stand_in_gap(distinct[::-1], counts[::-1], fallback=90.0)
    assert got == lifecycle.stand_in_gap(x, fallback=90.0)  # exactly, not approximately


@given(st.lists(st.one_of(st.integers(-5, 40), st.none()), min_size=1, max_size=300))
def test_percentile_ranks_from_a_histogram_are_the_ranks_of_every_value(raw):
    x = np.asarray([np.nan if v is None else v * 1.5 for v in raw], dtype=np.float64)
    filled = np.where(np.isnan(x), -np.inf, x)  # one group for the empty values
    distinct, at, counts = np.unique(filled, return_inverse=True, return_counts=True)
    distinct[np.isneginf(distinct)] = np.nan
    shuffled = np.random.default_rng(len(raw)).permutation(distinct.size)  # any order
    ranks = np.empty(distinct.size)
    ranks[shuffled] = value_score.counted_percentile_rank(distinct[shuffled], counts[shuffled])
    assert ranks[at].tolist() == value_score.percentile_rank(x).tolist()  # to the bit


@given(st.lists(st.integers(min_value=-300, max_value=5_000), min_size=0, max_size=300))
def test_the_pareto_curve_from_a_histogram_is_the_curve_of_every_value(raw):
    x = np.asarray(raw, dtype=np.int64)  # spend in cents, refunds below 0, ties
    distinct, counts = np.unique(x, return_counts=True)
    got = tiers.counted_pareto_curve(distinct[::-1], counts[::-1])
    want = tiers.pareto_curve(x, np.arange(x.size))
    assert got.revenue_share.tolist() == want.revenue_share.tolist()  # to the bit
