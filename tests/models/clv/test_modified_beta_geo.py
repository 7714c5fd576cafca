"""MBG/NBD against the published CDNOW fit, lifetimes' predictions and its own properties."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.optimize import approx_fprime
from scipy.special import roots_jacobi
from scipy.stats import gamma as gamma_dist

from segmint.clv import BetaGeo, ModifiedBetaGeo
from segmint.models.clv import modified_beta_geo as mbg
from segmint.models.clv import simulate

# Batislam, Denizel & Filiztekin (2007) on CDNOW, 39 weeks, as lifetimes documents them.
PUBLISHED = mbg.Params(r=0.525, alpha=6.183, a=0.891, b=1.614)
# lifetimes 0.11.3, ModifiedBetaGeoFitter on the same data (computed once): the total
# log-likelihood (its own -_negative_log_likelihood at its params_, times 2,357), standard
# errors, and predictions for the first five customers.
LIFETIMES_LL = -9582.13268489992
LIFETIMES_SE = mbg.Params(r=0.083264, alpha=0.695597, a=0.154785, b=0.537472)
LIFETIMES_EXPECTED_39 = [1.26267078, 0.18878924, 0.15395364, 0.15395364, 0.15395364]
LIFETIMES_ALIVE = [0.70612626, 0.17081963, 0.38971644, 0.38971644, 0.38971644]
LIFETIMES_NEW = [0.05306063, 0.43325287, 1.1822838]  # t = 1, 10, 39
LIFETIMES_P_N = [0.58260557, 0.18276337, 0.08687059, 0.01937576]  # n = 0, 1, 2, 5 at t = 39


@pytest.fixture(scope="module")
def fitted(cdnow):
    return ModifiedBetaGeo().fit(cdnow.x, cdnow.t_x, cdnow["T"])


@pytest.fixture(scope="module")
def first_five(cdnow):
    return tuple(cdnow[c].to_numpy(dtype=float)[:5] for c in ("x", "t_x", "T"))


def test_fit_reproduces_the_published_cdnow_parameters(fitted):
    assert fitted.params_ == pytest.approx(PUBLISHED, abs=5e-4)
    assert fitted.log_likelihood_ == pytest.approx(LIFETIMES_LL, abs=1e-6)
    assert fitted.standard_errors_ == pytest.approx(LIFETIMES_SE, rel=1e-4)


def test_predictions_match_lifetimes(fitted, first_five):
    np.testing.assert_allclose(
        fitted.expected_purchases(39, *first_five), LIFETIMES_EXPECTED_39, rtol=1e-6
    )
    np.testing.assert_allclose(fitted.probability_alive(*first_five), LIFETIMES_ALIVE, rtol=1e-6)
    np.testing.assert_allclose(fitted.expected_purchases_new([1, 10, 39]), LIFETIMES_NEW, rtol=1e-6)
    np.testing.assert_allclose(
        fitted.probability_of_purchases([0, 1, 2, 5], 39), LIFETIMES_P_N, rtol=1e-6
    )


def test_a_customer_without_repeat_purchases_may_be_gone(fitted):
    """Unlike BG/NBD, P(alive | x = 0) < 1: she can drop out at time 0."""
    assert fitted.probability_alive([0], [0], [39])[0] < 1
    # three customers leave a and b unbounded: a small penalizer keeps the fit finite
    bgnbd = BetaGeo(penalizer=0.01).fit([2, 0, 1], [20.0, 0, 5.0], 39.0)
    assert bgnbd.probability_alive([0], [0], [39])[0] == 1


def test_probabilities_of_purchases_sum_to_one(fitted):
    assert fitted.probability_of_purchases(np.arange(400), 39).sum() == pytest.approx(1, abs=1e-9)


def test_gradient_and_hessian_match_finite_differences(cdnow):
    x, t_x, T = (cdnow[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    w = np.linspace(0.5, 2.0, x.size)
    theta = np.log(np.array([0.6, 5.0, 0.9, 1.8]))
    numeric = approx_fprime(theta, mbg.total_log_likelihood, 1e-7, x, t_x, T, w)
    np.testing.assert_allclose(mbg.gradient(theta, x, t_x, T, w), numeric, rtol=1e-4, atol=1e-2)
    step = 1e-6
    columns = [
        (mbg.gradient(theta + e, x, t_x, T, w) - mbg.gradient(theta - e, x, t_x, T, w)) / (2 * step)
        for e in np.eye(4) * step
    ]
    np.testing.assert_allclose(
        mbg.hessian(theta, x, t_x, T, w), np.column_stack(columns), rtol=1e-5, atol=1e-3
    )


def test_fit_recovers_parameters_of_simulated_customers():
    truth = mbg.Params(r=0.5, alpha=5.0, a=0.8, b=2.5)
    x, t_x, T = simulate.modified_beta_geo(truth, n=50_000, T=52.0, rng=np.random.default_rng(17))
    fitted = ModifiedBetaGeo().fit(x, t_x, T)
    for f, t, se in zip(fitted.params_, truth, fitted.standard_errors_, strict=True):
        assert abs(f - t) < 3 * se


def test_rescaling_time_changes_only_alpha(cdnow):
    weeks = ModifiedBetaGeo().fit(cdnow.x, cdnow.t_x, cdnow["T"])
    days = ModifiedBetaGeo().fit(cdnow.x, 7 * cdnow.t_x, 7 * cdnow["T"])
    r, alpha, a, b = weeks.params_
    assert days.params_ == pytest.approx((r, 7 * alpha, a, b), rel=1e-5)
    shift = cdnow.x.sum() * math.log(7)
    assert days.log_likelihood_ == pytest.approx(weeks.log_likelihood_ - shift, abs=1e-5)


def test_weights_equal_repeated_customers(cdnow):
    x, t_x, T = (cdnow[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    repeated = ModifiedBetaGeo().fit(np.r_[x, x[:100]], np.r_[t_x, t_x[:100]], np.r_[T, T[:100]])
    w = np.ones(x.size)
    w[:100] = 2
    weighted = ModifiedBetaGeo().fit(x, t_x, T, weights=w)
    assert weighted.params_ == pytest.approx(repeated.params_, rel=1e-6)
    assert weighted.log_likelihood_ == pytest.approx(repeated.log_likelihood_, rel=1e-10)
    assert weighted.n_customers_ == repeated.n_customers_ == 2457


def test_fit_and_predictions_do_not_modify_inputs_and_the_model_pickles(cdnow):
    x, t_x, T = (cdnow[c].to_numpy(dtype=float).copy() for c in ("x", "t_x", "T"))
    w = np.linspace(0.5, 2.0, x.size)
    before = [v.copy() for v in (x, t_x, T, w)]
    model = ModifiedBetaGeo(penalizer=0.01).fit(x, t_x, T, weights=w)
    model.expected_purchases(39.0, x, t_x, T)
    for original, after in zip(before, (x, t_x, T, w), strict=True):
        np.testing.assert_array_equal(original, after)
    clone = pickle.loads(pickle.dumps(model))  # noqa: S301 - our own bytes
    assert clone.params_ == model.params_
    np.testing.assert_array_equal(
        clone.probability_alive(x, t_x, T), model.probability_alive(x, t_x, T)
    )


def test_likelihood_without_repeat_purchases_includes_dropping_out_at_time_zero():
    """x = 0: gone at time 0 with probability E[p] = a/(a+b); else active and without a
    purchase in (0, T], probability b/(a+b) (alpha/(alpha+T))^r. BG/NBD has only the
    latter, without the factor b/(a+b)."""
    r, alpha, a, b = PUBLISHED
    T = np.array([0.5, 39.0, 520.0])
    expected = np.log(a / (a + b) + b / (a + b) * (alpha / (alpha + T)) ** r)
    zero = np.zeros(3)
    np.testing.assert_allclose(mbg.log_likelihood(PUBLISHED, zero, zero, T), expected, rtol=1e-13)


def _mixed_over_rate(x, s):
    """E[lambda^x e^(-lambda s)] for lambda ~ Gamma(r, alpha), by adaptive quadrature."""
    r, alpha, _, _ = PUBLISHED

    def integrand(rate):
        return rate**x * np.exp(-rate * s) * gamma_dist.pdf(rate, r, scale=1 / alpha)

    return quad(integrand, 0, np.inf, epsabs=0, epsrel=1e-12, limit=200)[0]


def test_likelihood_of_repeat_buyers_matches_numerical_integration_over_lambda_and_p():
    """Independent witness: the individual likelihood
    (1-p)^x lambda^x [(1-p) e^(-lambda T) + p e^(-lambda t_x)] (active at time 0 and after
    each purchase, or gone right after the last), integrated over lambda by quadrature
    and over p ~ Beta(a, b) by Gauss-Jacobi (exact here: the integrand is a polynomial)."""
    _, _, a, b = PUBLISHED
    nodes, weights = roots_jacobi(20, b - 1.0, a - 1.0)
    p, weights = (nodes + 1.0) / 2.0, weights / weights.sum()
    for x, t_x, T in ((1.0, 2.0, 39.0), (4.0, 30.0, 39.0), (12.0, 38.5, 39.0)):
        alive, gone = _mixed_over_rate(x, T), _mixed_over_rate(x, t_x)
        likelihood = weights @ ((1 - p) ** x * ((1 - p) * alive + p * gone))
        ours = mbg.log_likelihood(PUBLISHED, np.array([x]), np.array([t_x]), np.array([T]))[0]
        assert ours == pytest.approx(math.log(likelihood), rel=1e-9)


@st.composite
def histories(draw):
    T = draw(st.floats(0.0, 520.0))
    x = draw(st.integers(0, 500))
    t_x = 0.0 if x == 0 else draw(st.floats(0.0, T))
    return np.array([float(x)]), np.array([t_x]), np.array([T])


shapes = st.builds(
    mbg.Params, st.floats(0.01, 20), st.floats(0.01, 200), st.floats(0.05, 20), st.floats(0.05, 20)
)


@settings(max_examples=200, deadline=None)
@given(shapes.filter(lambda p: abs(p.a - 1) > 1e-3), st.floats(0.0, 520.0), st.integers(0, 500))
def test_expectation_and_probabilities_of_a_new_customer_are_in_range(p, t, n):
    """a = 1 exactly is 0/0 in the closed form of E[X(t)], as in BG/NBD's equation (9)."""
    expected = mbg.expected_purchases_new(p, t)
    assert np.all(np.isfinite(expected) & (expected >= 0))
    probability = mbg.probability_of_purchases(p, n, t)
    assert np.all((probability >= 0) & (probability <= 1))


@settings(max_examples=300, deadline=None)
@given(histories(), shapes, st.floats(0.0, 520.0))
def test_probabilities_and_expectations_are_in_range(history, p, t):
    alive = mbg.probability_alive(p, *history)
    assert np.all((alive >= 0) & (alive <= 1))
    expected = mbg.expected_purchases(p, t, *history)
    assert np.all(np.isfinite(expected) & (expected >= 0))
    assert np.all(np.isfinite(mbg.log_likelihood(p, *history)))
