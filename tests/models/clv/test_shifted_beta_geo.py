"""sBG against Fader & Hardie (2007)'s published fits and its own properties."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import approx_fprime

from segmint.clv import ShiftedBetaGeo
from segmint.core.errors import InputError
from segmint.models.clv import shifted_beta_geo as sbg
from segmint.models.clv import simulate

# Fader & Hardie (2007), "How to project customer retention", table 1: customers of 1,000
# still active at the end of years 0..12, and the sBG fitted on years 1-7.
CURVES = {
    "regular": ([1000, 631, 468, 382, 326, 289, 262, 241, 224, 209, 197, 187, 179], (0.704, 1.182)),
    "high_end": (
        [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394],
        (0.668, 3.806),
    ),
}


def _cohort(alive, years=7):
    alive = np.asarray(alive, dtype=float)
    periods = np.r_[np.arange(1, years + 1), years]
    churned = np.r_[np.ones(years, dtype=bool), False]
    weights = np.r_[alive[:years] - alive[1 : years + 1], alive[years]]
    return periods, churned, weights


@pytest.mark.parametrize("name", sorted(CURVES))
def test_fit_reproduces_the_published_estimates(name):
    alive, published = CURVES[name]
    model = ShiftedBetaGeo().fit(*_cohort(alive)[:2], weights=_cohort(alive)[2])
    assert model.params_ == pytest.approx(published, abs=5e-4)
    # the paper's point: years 8-12, never seen in the fit, are projected within a few per cent
    projected = 1000 * model.survival(np.arange(8, 13))
    np.testing.assert_allclose(projected, alive[8:], rtol=0.06)


def test_retention_rates_rise_and_agree_with_the_survival_curve():
    p = sbg.Params(0.704, 1.182)
    t = np.arange(1, 30)
    rates = sbg.retention_rate(p, t)
    assert np.all(np.diff(rates) > 0)
    np.testing.assert_allclose(rates, sbg.survival(p, t) / sbg.survival(p, t - 1), rtol=1e-12)
    np.testing.assert_allclose(
        sbg.churn_probability(p, t), sbg.survival(p, t - 1) - sbg.survival(p, t), rtol=1e-10
    )


def test_derl_matches_its_defining_sum():
    p, d = sbg.Params(0.668, 3.806), 0.1
    for n in (1, 2, 5):
        t = np.arange(n, 5000)
        witness = (sbg.survival(p, t) / sbg.survival(p, n - 1)) @ (1.0 + d) ** -(t - n)
        assert sbg.expected_residual_lifetime(p, [n], d)[0] == pytest.approx(witness, rel=1e-10)


def test_gradient_and_hessian_match_finite_differences():
    periods, churned, weights = _cohort(CURVES["regular"][0])
    theta = np.log([0.9, 2.0])
    numeric = approx_fprime(theta, sbg.total_log_likelihood, 1e-7, periods, churned, weights)
    np.testing.assert_allclose(sbg.gradient(theta, periods, churned, weights), numeric, rtol=1e-5)
    step = 1e-6
    columns = [
        (
            sbg.gradient(theta + e, periods, churned, weights)
            - sbg.gradient(theta - e, periods, churned, weights)
        )
        / (2 * step)
        for e in np.eye(2) * step
    ]
    np.testing.assert_allclose(
        sbg.hessian(theta, periods, churned, weights), np.column_stack(columns), rtol=1e-6
    )


def test_fit_recovers_parameters_of_simulated_contracts():
    truth = sbg.Params(0.9, 2.5)
    periods, churned = simulate.shifted_beta_geo(truth, 50_000, 10, np.random.default_rng(29))
    fitted = ShiftedBetaGeo().fit(periods, churned)
    for f, t, se in zip(fitted.params_, truth, fitted.standard_errors_, strict=True):
        assert abs(f - t) < 3 * se


def test_weights_equal_repeated_rows_and_the_model_pickles():
    periods, churned, weights = _cohort(CURVES["high_end"][0])
    weighted = ShiftedBetaGeo().fit(periods, churned, weights=weights)
    repeated = ShiftedBetaGeo().fit(
        np.repeat(periods, weights.astype(int)), np.repeat(churned, weights.astype(int))
    )
    assert weighted.params_ == pytest.approx(repeated.params_, rel=1e-8)
    assert pickle.loads(pickle.dumps(weighted)).params_ == weighted.params_  # noqa: S301


@settings(max_examples=200, deadline=None)
@given(st.floats(0.01, 50), st.floats(0.01, 50))
def test_survival_is_a_falling_probability(alpha, beta):
    s = sbg.survival(sbg.Params(alpha, beta), np.arange(0, 50))
    assert s[0] == pytest.approx(1.0)
    assert np.all((s >= 0) & (s <= 1)) and np.all(np.diff(s) <= 0)


def test_bad_periods_are_reported_with_count_and_first_index():
    with pytest.raises(InputError) as caught:
        ShiftedBetaGeo().fit([3, 0, 2.5, 0], [True, True, False, True])
    message = str(caught.value)
    assert "periods is not a whole number >= 0 for 1 customer (first: index 2)" in message
    assert (
        "a churned customer has periods 0" in message
        and "for 2 customers (first: index 1)" in message
    )
