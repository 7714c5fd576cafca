"""Discounted CLV: the quadrature against fine Riemann-Stieltjes sums and its own limits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from segmint.clv import BetaGeo, GammaGamma, ParetoNBD, lifetime_value
from segmint.core.errors import InputError
from segmint.models.clv.value import discounted_purchases, lifetime_value_intervals


@pytest.fixture(scope="module")
def bgnbd(cdnow):
    return BetaGeo().fit(cdnow.x, cdnow.t_x, cdnow["T"])


@pytest.fixture(scope="module")
def customers(cdnow):
    rows = cdnow.iloc[::97]  # a spread of histories, 25 customers
    return tuple(rows[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))


def _stieltjes(model, x, t_x, T, *, horizon, delta, steps=20_000):
    """Σ (E(τ_k) - E(τ_{k-1})) e^(-δ τ_mid): the definition, on a fine grid."""
    grid = np.linspace(0.0, horizon, steps + 1)
    tiled = (np.tile(v, grid.size) for v in (x, t_x, T))  # every customer at every grid time
    cumulative = model.expected_purchases(np.repeat(grid, x.size), *tiled).reshape(grid.size, -1)
    middle = (grid[1:] + grid[:-1]) / 2.0
    return np.exp(-delta * middle) @ np.diff(cumulative, axis=0)


def test_without_discounting_the_value_is_the_expected_purchases(bgnbd, customers):
    value = discounted_purchases(bgnbd, *customers, horizon=52.0, delta=0.0)
    np.testing.assert_allclose(value, bgnbd.expected_purchases(52.0, *customers), rtol=1e-12)


def test_quadrature_matches_the_fine_sum_over_a_finite_horizon(bgnbd, customers):
    delta = math.log1p(0.01)
    value = discounted_purchases(bgnbd, *customers, horizon=104.0, delta=delta)
    witness = _stieltjes(bgnbd, *customers, horizon=104.0, delta=delta)
    np.testing.assert_allclose(value, witness, rtol=1e-7)


def test_infinite_horizon_matches_a_long_fine_sum(bgnbd, customers):
    delta = math.log1p(0.01)
    value = discounted_purchases(bgnbd, *customers, horizon=math.inf, delta=delta)
    # beyond 3,000 weeks e^(-δτ) < 1e-13: the rest of the sum is negligible
    witness = _stieltjes(bgnbd, *customers, horizon=3000.0, delta=delta, steps=15_000)
    np.testing.assert_allclose(value, witness, rtol=1e-6)


def test_value_grows_with_the_horizon_and_falls_with_the_rate(bgnbd, customers):
    short = discounted_purchases(bgnbd, *customers, horizon=26.0, delta=0.01)
    long = discounted_purchases(bgnbd, *customers, horizon=52.0, delta=0.01)
    steep = discounted_purchases(bgnbd, *customers, horizon=52.0, delta=0.05)
    assert np.all(long > short) and np.all(steep < long) and np.all(short > 0)


@pytest.mark.parametrize(
    ("horizon", "rate", "message"),
    [
        (-1.0, 0.01, "horizon must be a number of time units >= 0"),
        (float("nan"), 0.01, "horizon must be"),
        (52.0, -0.1, "discount_rate must be a rate per time unit >= 0"),
        (math.inf, 0.0, "An infinite horizon needs a positive discount_rate"),
    ],
)
def test_bad_horizons_and_rates_are_refused(bgnbd, horizon, rate, message):
    from segmint.models.clv.value import _log_rate

    with pytest.raises(InputError, match=message):
        _log_rate(horizon, rate)


@pytest.fixture(scope="module")
def spend_model(cdnow):
    return GammaGamma().fit(cdnow.x, cdnow.zbar)


def test_lifetime_value_is_expected_spend_times_discounted_purchases(bgnbd, spend_model, cdnow):
    rows = cdnow.iloc[::97]
    x, t_x, T, m = (rows[c].to_numpy(dtype=float) for c in ("x", "t_x", "T", "zbar"))
    delta = math.log1p(0.01)
    witness = spend_model.expected_spend(x, m) * _stieltjes(
        bgnbd, x, t_x, T, horizon=52.0, delta=delta
    )
    value = lifetime_value(bgnbd, spend_model, x, t_x, T, m, horizon=52.0, discount_rate=0.01)
    np.testing.assert_allclose(value, witness, rtol=1e-7)


def test_intervals_bracket_the_estimate_and_repeat_with_the_seed(bgnbd, spend_model, cdnow):
    rows = cdnow.iloc[::97]
    args = tuple(rows[c].to_numpy(dtype=float) for c in ("x", "t_x", "T", "zbar"))
    point = lifetime_value(bgnbd, spend_model, *args, horizon=52.0, discount_rate=0.01)
    first = lifetime_value_intervals(
        bgnbd,
        spend_model,
        *args,
        horizon=52.0,
        discount_rate=0.01,
        rng=np.random.default_rng(5),
        draws=100,
    )
    again = lifetime_value_intervals(
        bgnbd,
        spend_model,
        *args,
        horizon=52.0,
        discount_rate=0.01,
        rng=np.random.default_rng(5),
        draws=100,
    )
    np.testing.assert_array_equal(first[0], again[0])
    assert np.all(first[0] < point) and np.all(point < first[1])


def test_an_infinite_horizon_uses_pareto_nbds_closed_form_dert(cdnow, spend_model):
    model = ParetoNBD().fit(cdnow.x, cdnow.t_x, cdnow["T"])
    rows = cdnow.iloc[::97]
    x, t_x, T, m = (rows[c].to_numpy(dtype=float) for c in ("x", "t_x", "T", "zbar"))
    delta = math.log1p(0.01)
    value = lifetime_value(model, spend_model, x, t_x, T, m, horizon=math.inf, discount_rate=0.01)
    dert = model.discounted_expected_residual_transactions(delta, x, t_x, T)
    np.testing.assert_allclose(value, spend_model.expected_spend(x, m) * dert, rtol=1e-12)
    # and the quadrature of a long finite horizon lands on the same values
    long = lifetime_value(model, spend_model, x, t_x, T, m, horizon=4000.0, discount_rate=0.01)
    np.testing.assert_allclose(long, value, rtol=1e-6)
