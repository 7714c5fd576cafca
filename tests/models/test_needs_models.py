"""Loyalty points and levels, and service needs: the pure functions, against hand counts."""

from __future__ import annotations

import numpy as np

from segmint.models import loyalty, service


def test_points_are_the_multiplied_points_rounded_down_exactly():
    """Witness: 1.15 x 100 is 115 (floating point alone gives 114.99999999999999)."""
    assert 100 * 1.15 < 115
    got = loyalty.points([100, 7, 0, 3], [1.15, 1.5, 2.0, 1.0])
    assert got.tolist() == [115, 10, 0, 3]


def test_a_level_starts_at_its_minimum():
    """Witness: the levels 0 / 1,000 / 5,000 / 20,000 read off by hand."""
    values = [0, 999, 1000, 4999.99, 5000, 19999, 20000, 10**9]
    got = loyalty.levels(values, [0, 1000, 5000, 20000])
    assert got.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


def test_service_needs_flag_by_their_thresholds_and_never_on_empty_values():
    """Witness: each row's needs worked out by hand; NaN (no rated ticket, no order) never flags."""
    nan = np.nan
    columns = {
        "open_tickets": [1, 0, 0, 0],
        "complaints_365d": [2, 1, 0, 0],
        "avg_satisfaction": [2.0, 2.5, nan, 1.0],
        "avg_resolution_days": [3.5, 3.0, nan, nan],
        "tenure_days": [10, 30, nan, 31],
        "tickets_365d": [1, 0, 0, 0],
        "calls_90d": [0, 1, 1, 2],
    }
    limits = service.Thresholds(
        complaints=2, satisfaction=2.0, resolution_days=3.0, onboarding_days=30
    )
    got = {k: v.tolist() for k, v in service.needs(columns, limits=limits).items()}
    assert got == {
        "unresolved_ticket": [True, False, False, False],
        "frequent_complainer": [True, False, False, False],
        "low_satisfaction": [True, False, False, True],
        "slow_resolution": [True, False, False, False],
        "needs_onboarding": [True, True, False, False],  # a prospect (no tenure) is not onboarded
    }
