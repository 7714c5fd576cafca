"""sBG against Fader & Hardie (2007)'s published fits, independent sums and its own properties."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import approx_fprime
from scipy.special import betaln

from segmint.clv import ShiftedBetaGeo
from segmint.core.errors import ConvergenceError, InputError, NotFittedError
from segmint.models.clv import shifted_beta_geo as sbg
from segmint.models.clv import simulate

# Fader & Hardie (2007), "How to project customer retention", table 1 and figure 1:
# customers of 1,000 still active at the end of years 0..12, and the sBG fitted on years
# 1-7 as printed: alpha 0.704, beta 1.182 for the "regular" customers and alpha 0.668,
# beta 3.806 for the "high end" ones. Each curve's likelihood has its maximum at one pair
# only, which settles the pairing; jdmaturen/shifted_beta_geometric_py's test() checks the
# high end against 0.668 and 3.806 as well.
CURVES = {
    "regular": ([1000, 631, 468, 382, 326, 289, 262, 241, 224, 209, 197, 187, 179], (0.704, 1.182)),
    "high_end": (
        [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394],
        (0.668, 3.806),
    ),
}
# jdmaturen/shifted_beta_geometric_py, README (an independent implementation, scipy's
# hyp2f1): the high-end fit projects S(8..12) and, at d = 10 %, the DERL of the customers
# still active after year 7 (their derl(t=7), our renewals n = 8).
MATUREN_PROJECTION = [0.460, 0.436, 0.414, 0.395, 0.378]
MATUREN_DERL = 7.530


def _cohort(alive, years=7):
    """Churn counts of years 1..`years` and the survivors after them, as weighted rows."""
    alive = np.asarray(alive, dtype=float)
    periods = np.r_[np.arange(1, years + 1), years]
    churned = np.r_[np.ones(years, dtype=bool), False]
    weights = np.r_[alive[:years] - alive[1 : years + 1], alive[years]]
    return periods, churned, weights


@pytest.fixture(scope="module", params=sorted(CURVES))
def curve(request):
    alive, published = CURVES[request.param]
    periods, churned, weights = _cohort(alive)
    return (
        np.asarray(alive, dtype=float),
        published,
        ShiftedBetaGeo().fit(periods, churned, weights=weights),
    )


# --- published values ---------------------------------------------------------------------


def test_fit_reproduces_the_published_estimates(curve):
    alive, published, model = curve
    assert model.params_ == pytest.approx(published, abs=5e-4)  # printed to 3 decimals
    assert model.n_customers_ == 1000
    # the paper's point: years 8-12, never seen in the fit, come within a few per cent
    np.testing.assert_allclose(1000 * model.survival(np.arange(8, 13)), alive[8:], rtol=0.06)


def test_high_end_projection_and_derl_match_an_independent_implementation():
    alive, _ = CURVES["high_end"]
    model = ShiftedBetaGeo().fit(*_cohort(alive)[:2], weights=_cohort(alive)[2])
    np.testing.assert_allclose(model.survival(np.arange(8, 13)), MATUREN_PROJECTION, atol=5e-4)
    assert model.expected_residual_lifetime([8], 0.1)[0] == pytest.approx(MATUREN_DERL, abs=5e-4)


def test_log_likelihood_at_alpha_beta_one_is_the_closed_form():
    """At alpha = beta = 1, P(T = t) = 1/(t(t+1)) and S(t) = 1/(t+1): -2,115.5 on the high
    end data (jdmaturen's test: -2.115 per customer)."""
    periods, churned, weights = _cohort(CURVES["high_end"][0])
    exact = sum(
        w * (-math.log(t * (t + 1)) if c else -math.log(t + 1))
        for t, c, w in zip(periods, churned, weights, strict=True)
    )
    assert sbg.total_log_likelihood(np.zeros(2), periods, churned, weights) == pytest.approx(
        exact, rel=1e-13
    )
    assert exact == pytest.approx(-2115.5, abs=0.05)


# --- independent computations ---------------------------------------------------------------


def test_retention_rates_rise_and_agree_with_the_survival_curve():
    p = sbg.Params(0.704, 1.182)
    t = np.arange(1, 30)
    rates = sbg.retention_rate(p, t)
    assert np.all(np.diff(rates) > 0)
    np.testing.assert_allclose(rates, sbg.survival(p, t) / sbg.survival(p, t - 1), rtol=1e-12)
    np.testing.assert_allclose(
        sbg.churn_probability(p, t), sbg.survival(p, t - 1) - sbg.survival(p, t), rtol=1e-10
    )


@pytest.mark.parametrize("p", [sbg.Params(0.668, 3.806), sbg.Params(50.0, 100.0)])
def test_derl_and_del_match_their_defining_sums(p):
    """Params(50, 100): scipy's hyp2f1(1, 100 + n, 150 + n, 1/1.1) overflows to inf."""
    d = 0.1
    for n in (1, 2, 5, 30):
        t = np.arange(n, 3000)
        witness = (sbg.survival(p, t) / sbg.survival(p, n - 1)) @ (1.0 + d) ** -(t - n)
        assert sbg.expected_residual_lifetime(p, [n], d)[0] == pytest.approx(witness, rel=1e-12)
    t = np.arange(0, 3000)
    assert sbg.expected_lifetime(p, d) == pytest.approx(sbg.survival(p, t) @ 1.1**-t, rel=1e-12)
    # a new customer's first period, then the rest seen from the end of it
    derl_1 = sbg.expected_residual_lifetime(p, [1], d)[0]
    assert sbg.expected_lifetime(p, d) == pytest.approx(1 + derl_1 / (1 + d), rel=1e-12)


def test_discounted_sums_hold_at_small_discount_rates():
    """d = 1e-4 needs ~10^6 terms; the chunked sum against Beta ratios summed directly."""
    p, d = sbg.Params(0.668, 3.806), 1e-4
    k = np.arange(0, 1_200_000, dtype=float)
    for start in (0, 7):
        terms = np.exp(betaln(p.alpha, p.beta + start + k) - betaln(p.alpha, p.beta + start))
        witness = terms @ np.exp(-k * math.log1p(d))
        assert sbg.discounted_survival(p, [start], d)[0] == pytest.approx(witness, rel=1e-10)


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


# --- recovery and the estimator contract ---------------------------------------------------


def test_fit_recovers_parameters_of_simulated_contracts():
    truth = sbg.Params(0.9, 2.5)
    periods, churned = simulate.shifted_beta_geo(truth, 50_000, 10, np.random.default_rng(29))
    fitted = ShiftedBetaGeo().fit(periods, churned)
    for f, t, se in zip(fitted.params_, truth, fitted.standard_errors_, strict=True):
        assert abs(f - t) < 3 * se


def test_simulated_survival_follows_equation_3():
    truth = sbg.Params(0.704, 1.182)
    periods, churned = simulate.shifted_beta_geo(truth, 200_000, 12, np.random.default_rng(5))
    t = np.arange(1, 13)
    shares = np.array([np.mean((periods > s) | (churned == 0)) for s in t])
    np.testing.assert_allclose(shares, sbg.survival(truth, t), atol=4 * np.sqrt(0.25 / 200_000))


def test_weights_equal_repeated_rows():
    periods, churned, weights = _cohort(CURVES["high_end"][0])
    weighted = ShiftedBetaGeo().fit(periods, churned, weights=weights)
    repeated = ShiftedBetaGeo().fit(
        np.repeat(periods, weights.astype(int)), np.repeat(churned, weights.astype(int))
    )
    assert weighted.params_ == pytest.approx(repeated.params_, rel=1e-8)
    assert weighted.log_likelihood_ == pytest.approx(repeated.log_likelihood_, rel=1e-12)


def test_fit_and_predictions_do_not_modify_their_inputs():
    inputs = _cohort(CURVES["regular"][0])
    copies = [v.copy() for v in inputs]
    model = ShiftedBetaGeo().fit(copies[0], copies[1], weights=copies[2])
    model.survival(copies[0])
    model.expected_residual_lifetime(copies[0], 0.1)
    for before, after in zip(inputs, copies, strict=True):
        np.testing.assert_array_equal(before, after)


def test_fitted_model_pickles_with_the_standard_library(curve):
    _, _, model = curve
    restored = pickle.loads(pickle.dumps(model))  # noqa: S301
    assert restored.params_ == model.params_
    assert restored.expected_lifetime(0.1) == model.expected_lifetime(0.1)


# --- properties --------------------------------------------------------------------------------

shapes = st.builds(sbg.Params, st.floats(0.01, 100), st.floats(0.01, 100))


@settings(max_examples=200, deadline=None)
@given(shapes)
def test_survival_is_a_falling_probability_and_churn_a_distribution(p):
    t = np.arange(0, 200)
    s = sbg.survival(p, t)
    assert s[0] == pytest.approx(1.0)
    assert np.all((s >= 0) & (s <= 1)) and np.all(np.diff(s) <= 0)
    churn = sbg.churn_probability(p, t[1:])
    assert np.all((churn >= 0) & (churn <= 1))
    assert churn.sum() + s[-1] == pytest.approx(1.0, abs=1e-9)
    rates = sbg.retention_rate(p, t[1:])
    assert np.all((rates >= 0) & (rates <= 1))


@settings(max_examples=100, deadline=None)
@given(shapes, st.integers(1, 500), st.sampled_from([0.01, 0.1, 1.0]))
def test_discounted_lifetimes_are_finite_and_bounded(p, n, d):
    """Between one period and the undying customer's (1+d)/d."""
    derl = sbg.expected_residual_lifetime(p, [n], d)[0]
    lifetime = sbg.expected_lifetime(p, d)
    for value in (derl, lifetime):
        assert math.isfinite(value) and 0 <= value <= (1 + d) / d * (1 + 1e-12)
    assert lifetime >= 1.0


# --- errors -----------------------------------------------------------------------------------


def test_bad_periods_are_reported_with_count_first_index_and_values():
    with pytest.raises(InputError) as caught:
        ShiftedBetaGeo().fit([3, 0, 2.5, 0], [True, True, False, True])
    message = str(caught.value)
    assert "periods is not a whole number for 1 customer (first: index 2, periods 2.5" in message
    assert "a churned customer has periods 0 for 2 customers (first: index 1, periods 0" in message
    assert caught.value.location.index == 2


def test_churn_flags_must_be_true_or_false():
    with pytest.raises(
        InputError, match=r"churned is not True or False for 1 customer \(first: index 1"
    ):
        ShiftedBetaGeo().fit([3, 4], [1.0, 0.5])


def test_predictions_need_whole_periods_and_a_positive_rate():
    p = sbg.Params(0.7, 1.2)
    with pytest.raises(
        InputError, match=r"t must be whole numbers >= 1; 1 of 2 are not \(first: index 1, t 0\)"
    ):
        sbg.churn_probability(p, [1, 0])
    with pytest.raises(InputError, match="renewals must be whole numbers >= 1"):
        sbg.expected_residual_lifetime(p, [0], 0.1)
    with pytest.raises(InputError, match=r"discount_rate must be a number > 0.*Got -0.1 instead"):
        sbg.expected_lifetime(p, -0.1)


def test_a_cohort_without_churn_cannot_be_fitted_unless_penalized():
    with pytest.raises(ConvergenceError, match="no customer churned"):
        ShiftedBetaGeo().fit([3, 4, 5], False)
    assert ShiftedBetaGeo(penalizer=0.01).fit([3, 4, 5], False).converged_


def test_prediction_before_fit_says_to_call_fit():
    with pytest.raises(NotFittedError, match="call fit"):
        ShiftedBetaGeo().survival([1])
