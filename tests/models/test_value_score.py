"""The value score against pandas' ranks and a plain-Python top-k."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.core.errors import InputError
from segmint.models.value_score import DEFAULT_COMPONENTS, Component, percentile_rank, value_scores


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=50))
def test_percentile_rank_is_pandas_average_rank(values):
    witness = pd.Series(values, dtype=float).rank(method="average", pct=True)
    np.testing.assert_allclose(percentile_rank(values), witness.to_numpy(), rtol=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_score_is_the_weighted_mean_of_parts_and_flags_the_top(data):
    n = data.draw(st.integers(1, 40))
    column = st.lists(st.integers(0, 20), min_size=n, max_size=n)
    values = {
        name: data.draw(column) for name in ("frequency", "monetary", "recency_days", "tenure_days")
    }
    ids = [f"c{i:02d}" for i in data.draw(st.permutations(range(n)))]
    result = value_scores(values, ids, top_percent=25)
    frame = pd.DataFrame(values)
    frame["recency_days"] = -frame["recency_days"]
    ranks = frame.rank(method="average", pct=True)
    weights = {
        k: c.weight for k, c in DEFAULT_COMPONENTS.items() if k != "profit"
    }  # no profit data
    expected = sum(ranks[k] * w for k, w in weights.items()) / sum(weights.values())
    np.testing.assert_allclose(result.score, expected.to_numpy(), rtol=1e-12)
    assert "profit" not in result.parts
    top = sorted(range(n), key=lambda i: (-result.score[i], ids[i]))[: math.ceil(n / 4)]
    assert sorted(np.flatnonzero(result.flagged).tolist()) == sorted(top)


def test_a_component_without_data_gives_its_weight_to_the_others():
    result = value_scores(
        {"frequency": [1, 2, 3]},
        ["a", "b", "c"],
        components={"frequency": Component(1.0), "profit": Component(5.0)},
    )
    np.testing.assert_allclose(result.score, [1 / 3, 2 / 3, 1.0])
    assert result.flagged.tolist() == [False, False, True]


def test_bad_weights_and_shares_are_refused():
    with pytest.raises(
        InputError, match=r"weights must be 0 or more; these are not: frequency \(-1.0\)"
    ):
        value_scores({"frequency": [1]}, ["a"], components={"frequency": Component(-1.0)})
    with pytest.raises(InputError, match="top_percent must be above 0 and at most 100; got 0"):
        value_scores({"frequency": [1]}, ["a"], top_percent=0)
    with pytest.raises(InputError, match="no component with data and a weight above 0"):
        value_scores(
            {"profit": [1.0]},
            ["a"],
            components={"frequency": Component(1.0), "profit": Component(0.0)},
        )
