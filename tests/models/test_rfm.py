"""RFM scores against independent computations: DuckDB's percentile_disc and NTILE."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from segmint.core.errors import InputError
from segmint.models.rfm import nearest_rank_cuts, quantile_scores, rank_scores

values = hnp.arrays(np.float64, st.integers(1, 80), elements=st.integers(0, 12).map(float))


def _duckdb(sql, parameters, **columns):
    """Run `sql` with bound `parameters` on the columns registered as table t."""
    con = duckdb.connect()
    con.register("t", {k: np.asarray(v) for k, v in columns.items()})
    return con.execute(sql, parameters).fetchall()


@settings(max_examples=60, deadline=None)
@given(values, st.integers(3, 5))
def test_cut_points_are_duckdbs_percentile_disc(v, bins):
    quantiles = [j / bins for j in range(1, bins)]
    (witness,) = _duckdb("select quantile_disc(v, $1::double[]) from t", [quantiles], v=v)[0]
    assert nearest_rank_cuts(v, bins).tolist() == witness


@settings(max_examples=60, deadline=None)
@given(st.data(), st.integers(3, 5))
def test_quantile_scores_count_the_cuts_each_value_exceeds(data, bins):
    n = data.draw(st.integers(1, 60))
    r, f, m = (
        data.draw(hnp.arrays(np.float64, n, elements=st.integers(0, 9).map(float)))
        for _ in range(3)
    )
    scores = quantile_scores(r, f, m, bins=bins)
    for score, column, recent in ((scores.r, r, True), (scores.f, f, False), (scores.m, m, False)):
        cuts = nearest_rank_cuts(column, bins)
        above = np.array([sum(v > c for c in cuts) for v in column])  # the definition, by hand
        expected = bins - above if recent else 1 + above
        np.testing.assert_array_equal(score, expected)
        assert score.min() >= 1 and score.max() <= bins
    # ties stay together: equal values, equal scores
    same = f[:, None] == f[None, :]
    assert np.all((scores.f[:, None] == scores.f[None, :])[same])


@settings(max_examples=60, deadline=None)
@given(st.data(), st.integers(3, 5))
def test_rank_scores_are_sql_ntile_ordered_by_value_then_id(data, bins):
    n = data.draw(st.integers(1, 60))
    r, f, m = (
        data.draw(hnp.arrays(np.float64, n, elements=st.integers(0, 9).map(float)))
        for _ in range(3)
    )
    ids = np.array([f"c{i:03d}" for i in data.draw(st.permutations(range(n)))])
    scores = rank_scores(r, f, m, ids, bins=bins)
    rows = _duckdb(
        "select id, ntile($1) over (order by r desc, id), "
        "ntile($1) over (order by f, id), ntile($1) over (order by m, id) from t",
        [bins],
        id=ids,
        r=r,
        f=f,
        m=m,
    )
    witness = {row[0]: row[1:] for row in rows}
    for i, customer in enumerate(ids):
        assert (scores.r[i], scores.f[i], scores.m[i]) == witness[customer]


def test_fixed_cut_points_are_used_as_given():
    scores = quantile_scores(
        [1, 40, 400], [1, 2, 9], [10.0, 500.0, 5000.0], bins=3, cuts=([30, 90], [1, 3], [100, 1000])
    )
    assert scores.r.tolist() == [3, 2, 1]
    assert scores.f.tolist() == [1, 2, 3]
    assert scores.m.tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bins": 6}, "bins must be a whole number from 3 to 5; got 6"),
        (
            {"bins": 5, "cuts": ([1, 2], [1, 2, 3, 4], [1, 2, 3, 4])},
            "cut points for recency_days must be 4",
        ),
        (
            {"bins": 3, "cuts": ([1, 2], [3, 1], [1, 2])},
            "cut points for frequency must be 2 non-decreasing",
        ),
    ],
)
def test_bad_bins_and_cut_points_are_refused(kwargs, message):
    with pytest.raises(InputError, match=message):
        quantile_scores([1.0], [1.0], [1.0], **kwargs)


def test_columns_of_different_lengths_are_refused():
    with pytest.raises(InputError, match="must have one value per customer") as info:
        quantile_scores([1.0, 2.0], [1.0], [1.0])
    assert info.value.code == "scores.length_mismatch"
