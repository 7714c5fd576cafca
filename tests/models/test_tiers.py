"""A/B/C tiers against plain-Python oracles of their written definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.core.errors import InputError
from segmint.models.tiers import pareto_curve, pareto_tiers, rank_tiers, threshold_tiers

spends = st.lists(st.integers(-500, 200_000), min_size=1, max_size=80)


def test_default_thresholds_put_the_boundaries_where_the_sme_rule_says():
    yuan = [100_000.01, 100_000, 75_000, 50_000, 49_999.99, 0, -20]
    assert threshold_tiers(yuan, (100_000, 50_000)).tolist() == [0, 1, 1, 1, 2, 2, 2]


@settings(max_examples=100, deadline=None)
@given(spends, st.lists(st.integers(0, 200_000), min_size=1, max_size=4, unique=True))
def test_threshold_tiers_match_the_definition(values, cuts):
    cuts = sorted(cuts, reverse=True)
    expected = []
    for v in values:
        if v > cuts[0]:
            expected.append(0)
        else:
            expected.append(1 + sum(v < t for t in cuts[1:]))
    assert threshold_tiers(values, cuts).tolist() == expected


def _ranked(values):
    ids = [f"c{i:03d}" for i in range(len(values))]
    return ids, sorted(range(len(values)), key=lambda i: (-values[i], ids[i]))


@settings(max_examples=100, deadline=None)
@given(spends)
def test_pareto_tiers_take_the_smallest_set_holding_80_then_15_percent(values):
    ids, order = _ranked(values)
    total = sum(max(v, 0) for v in values)
    expected = [2] * len(values)
    running, tier = 0, 0
    for i in order:
        if values[i] <= 0 or total == 0:
            break
        expected[i] = tier
        running += values[i]
        while tier < 2 and running * 100 >= (80, 95)[tier] * total:
            tier += 1
    assert pareto_tiers(np.array(values, dtype=np.int64), np.array(ids)).tolist() == expected


@settings(max_examples=100, deadline=None)
@given(spends)
def test_rank_tiers_cut_the_ranking_at_ceil_shares(values):
    ids, order = _ranked(values)
    n = len(values)
    a_end, b_end = math.ceil(20 * n / 100), math.ceil(50 * n / 100)
    expected = [0] * n
    for position, i in enumerate(order):
        expected[i] = 0 if position < a_end else 1 if position < b_end else 2
    assert rank_tiers(values, np.array(ids), (20, 30)).tolist() == expected


def test_the_pareto_curve_runs_from_nothing_to_everything():
    values = np.array([80, 10, 5, 5] + [0] * 16)
    curve = pareto_curve(values, np.arange(20))
    assert curve.revenue_share[0] == 0 and curve.revenue_share[-1] == 1
    assert curve.revenue_share[5] == pytest.approx(0.8)  # the top 5 % = 1 customer of 20
    assert np.all(np.diff(curve.revenue_share) >= 0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: threshold_tiers([1], (50_000, 100_000)), "highest first"),
        (lambda: threshold_tiers([1], ()), "one or more finite numbers"),
        (lambda: rank_tiers([1], ["a"], (60, 40)), "adding up to less than 100"),
        (lambda: pareto_tiers([1], ["a"], (80, 0)), "whole percents above 0"),
        (lambda: pareto_tiers([1, 2], ["a"]), "one value per customer"),
    ],
)
def test_bad_tier_settings_are_refused(call, message):
    with pytest.raises(InputError, match=message):
        call()


@pytest.mark.parametrize(
    "tier",
    [
        lambda v: threshold_tiers(v, (100.0, 50.0)),
        lambda v: rank_tiers(v, np.arange(v.size), [20, 30]),
        lambda v: pareto_tiers(v, np.arange(v.size)),
        lambda v: pareto_curve(v, np.arange(v.size)),
    ],
)
def test_an_empty_spend_is_refused_not_tiered(tier):
    """NaN compares false both ways, so it would land in a middle tier silently."""
    with pytest.raises(InputError, match="1 customers have no spend value"):
        tier(np.array([10.0, np.nan, 200.0]))
