"""Places in a ranking from a histogram decide the same groups and tiers as a full sort.

Witness: the models' own per-customer functions (`rfm.ntile`, `tiers.rank_tiers`,
`tiers.pareto_tiers`), whose tests hold them to SQL's NTILE and the stated tier rules.
An engine hands over distinct values with their counts and, for a boundary's value, the
ids that share it; a customer's group is how many boundaries she is at or past.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from segmint.models import positions, rfm, tiers

values = st.lists(st.integers(min_value=-3, max_value=30), min_size=0, max_size=200)


def passed(v, ids, bounds, *, descending):
    """How many boundaries each customer is at or past, by value then id (independent)."""
    count = np.zeros(v.size, dtype=np.int64)
    for value, who in bounds:
        ahead = v < value if descending else v > value
        count += ahead | ((v == value) & (ids >= who))
    return count


def boundaries(v, ids, at, *, descending):
    """The (value, id) of the customer at each position, from the histogram and the ties."""
    distinct, counts = np.unique(v, return_counts=True)
    shuffled = np.random.default_rng(v.size).permutation(distinct.size)  # any order
    found = positions.places(distinct[shuffled], counts[shuffled], at, descending=descending)
    return [
        (place.value, np.sort(ids[v == place.value])[place.among_equal])
        for place in found
        if place is not None
    ]


@given(values, st.integers(min_value=3, max_value=5), st.booleans())
def test_ntile_groups_are_the_tile_starts_passed(raw, bins, descending):
    v = np.asarray(raw, dtype=np.float64)
    ids = np.random.default_rng(len(raw)).permutation(v.size)
    expected = rfm.ntile(-v if descending else v, ids, bins)
    bounds = boundaries(v, ids, positions.tile_starts(v.size, bins), descending=descending)
    assert (1 + passed(v, ids, bounds, descending=descending)).tolist() == expected.tolist()


@given(values, st.sampled_from([[20, 30], [80, 15], [1, 1], [50], [99]]))
def test_rank_and_pareto_tiers_are_the_tier_ends_passed(raw, percent):
    spend = np.asarray(raw, dtype=np.float64) * 100  # cents, ties and refunds among them
    ids = np.random.default_rng(len(raw)).permutation(spend.size)
    distinct, counts = np.unique(spend, return_counts=True)
    n = spend.size
    rank_ends = (-(-np.cumsum(percent) * n // 100)).tolist()
    pareto_ends = positions.pareto_ends(distinct, counts, np.cumsum(percent).tolist())
    for ends, expected, spent in (
        (rank_ends, tiers.rank_tiers(spend, ids, percent), True),
        (pareto_ends, tiers.pareto_tiers(spend, ids, percent), spend > 0),
    ):
        bounds = boundaries(spend, ids, ends, descending=True)
        tier = np.where(spent, passed(spend, ids, bounds, descending=True), len(percent))
        assert tier.tolist() == expected.tolist()


def test_a_place_past_the_last_customer_is_none():
    assert positions.places([5.0, 7.0], [2, 1], [0, 2, 3], descending=True) == [
        positions.Place(7.0, 0),
        positions.Place(5.0, 1),
        None,
    ]
