"""BG/BB against the published donations fit, Hardie's spreadsheet, lifetimes, and itself."""

from __future__ import annotations

import math
import pickle
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import approx_fprime

from segmint.clv import BetaGeoBeta
from segmint.core.errors import InputError, NotFittedError
from segmint.models.clv import beta_geo_beta as bb
from segmint.models.clv import simulate

# Fader, Hardie & Shang (2010), section 4: the 1995 cohort of 11,104 first-time donors,
# who made 24,615 repeat donations in the 6 opportunities 1996-2001; estimates as printed.
PUBLISHED = bb.Params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
PUBLISHED_LL = -33225.6
# Their table 6, P(alive in 2002) by recency and frequency, as printed (two decimals):
# (x, t_x) = (0, 0), (2, 4), (6, 6). Quoted by lifetimes' test_estimation.py.
TABLE_6 = {(0, 0): 0.11, (2, 4): 0.59, (6, 6): 0.93}
# Hardie's BG/BB spreadsheet (brucehardie.com, note 010), at the maximum likelihood:
# E[X(n)] for n = 1..11 ("Tracking Plot" B7:B17, quoted by pymc-marketing's
# test_beta_geo_beta_binom.py), the cohort's expected repeat donations in 2002-2006
# ("Conditional Expectations (II)", column F total) and the expected number of donors with
# 0 and 6 repeat donations in 1996-2001 ("In-Sample Fit" C18, C24; the last two quoted by
# lifetimes' test_estimation.py).
SHEET_NEW = [0.4985, 0.9233, 1.2969, 1.6323, 1.9381, 2.2202, 2.4826, 2.7285, 2.9603, 3.1798]
SHEET_NEW += [3.3887]
SHEET_HOLDOUT_TOTAL = 12884.2
SHEET_IN_SAMPLE = {0: 3454.9, 6: 1253.1}
# The BTYD walkthrough (R package BTYD, bgbb.ConditionalExpectedTransactions with its own
# estimates of the same data): customers A (x=0, t_x=0) and B (x=4, t_x=5), n=6, n*=10.
BTYD_CONDITIONAL_10 = [0.1302169, 3.627858]
# lifetimes 0.11.3, BetaGeoBetaBinomFitter on the same data (computed once): the first
# three patterns' P(alive) and expected transactions in the next 5 opportunities.
LIFETIMES_ALIVE = [0.10813328, 0.06946181, 0.25470993]
LIFETIMES_EXPECTED_5 = [0.07286334, 0.08569571, 0.31423813]


@pytest.fixture(scope="module")
def donations(lifetimes_wheel):
    import pandas as pd

    with lifetimes_wheel.open("lifetimes/datasets/donations.csv") as f:
        frame = pd.read_csv(f)
    return tuple(
        frame[c].to_numpy(dtype=float) for c in ("frequency", "recency", "periods", "weights")
    )


@pytest.fixture(scope="module")
def fitted(donations):
    x, t_x, n, w = donations
    return BetaGeoBeta().fit(x, t_x, n, weights=w)


# --- published values ---------------------------------------------------------------------


def test_donations_data_are_the_papers_cohort(donations):
    x, _, n, w = donations
    assert (w.sum(), w @ x, set(n)) == (11_104, 24_615, {6.0})


def test_fit_reproduces_the_published_donations_estimates(fitted):
    assert fitted.params_ == pytest.approx(PUBLISHED, abs=5e-4)  # printed to 3 decimals
    assert fitted.log_likelihood_ == pytest.approx(PUBLISHED_LL, abs=0.05)
    assert fitted.n_customers_ == 11_104
    assert fitted.n_iterations_ <= 15  # Newton on the analytic Hessian


def test_probability_alive_matches_the_papers_table_6(fitted):
    (x, t_x), expected = zip(*TABLE_6, strict=True), list(TABLE_6.values())
    alive = fitted.probability_alive(x, t_x, 6)
    np.testing.assert_allclose(alive, expected, atol=5e-3)  # printed to 2 decimals


def test_expected_purchases_of_a_new_donor_match_hardies_spreadsheet(fitted):
    new = fitted.expected_purchases_new(np.arange(1, 12))
    np.testing.assert_allclose(new, SHEET_NEW, atol=5e-5)  # printed to 4 decimals


def test_cohorts_expected_donations_in_2002_2006_match_hardies_spreadsheet(fitted, donations):
    x, t_x, n, w = donations
    total = w @ fitted.expected_purchases(5, x, t_x, n)
    assert total == pytest.approx(SHEET_HOLDOUT_TOTAL, abs=0.05)  # printed to 1 decimal


def test_in_sample_histogram_matches_hardies_spreadsheet(fitted):
    counts = 11_104 * fitted.probability_of_purchases(list(SHEET_IN_SAMPLE), 6)
    np.testing.assert_allclose(counts, list(SHEET_IN_SAMPLE.values()), atol=0.05)


def test_conditional_expectations_match_the_btyd_walkthrough(fitted):
    """BTYD's optimizer stops about 1e-4 (relative) from the optimum, hence the tolerance."""
    ours = fitted.expected_purchases(10, [0, 4], [0, 5], 6)
    np.testing.assert_allclose(ours, BTYD_CONDITIONAL_10, rtol=1e-4)


def test_predictions_match_lifetimes(fitted, donations):
    x, t_x, n, _ = (v[:3] for v in donations)
    np.testing.assert_allclose(fitted.probability_alive(x, t_x, n), LIFETIMES_ALIVE, rtol=1e-6)
    np.testing.assert_allclose(
        fitted.expected_purchases(5, x, t_x, n), LIFETIMES_EXPECTED_5, rtol=1e-6
    )


# --- independent computations ---------------------------------------------------------------


def _exact_log_likelihood(p: tuple[int, int, int, int], x: int, t_x: int, n: int) -> float:
    """Equation (3) in rational arithmetic: with whole parameters every B(a, b) is
    (a-1)! (b-1)! / (a+b-1)!, so the sum is exact and its log cannot underflow."""

    def beta(a: int, b: int) -> Fraction:
        return Fraction(math.factorial(a - 1) * math.factorial(b - 1), math.factorial(a + b - 1))

    alpha, beta_, gamma, delta = p
    base = beta(alpha, beta_) * beta(gamma, delta)
    total = beta(alpha + x, beta_ + n - x) * beta(gamma, delta + n)
    for i in range(n - t_x):
        total += beta(alpha + x, beta_ + t_x - x + i) * beta(gamma + 1, delta + t_x + i)
    ratio = total / base
    return math.log(ratio.numerator) - math.log(ratio.denominator)


@pytest.mark.parametrize(("x", "t_x", "n"), [(0, 0, 6), (4, 5, 6), (900, 990, 1000), (0, 0, 1000)])
def test_log_likelihood_matches_exact_rational_arithmetic(x, t_x, n):
    """n = 1000 opportunities: each term is far below 1e-300, the log-sum-exp is not."""
    p = (2, 1, 1, 3)
    ours = bb.log_likelihood(
        bb.Params(*map(float, p)), *(np.array([float(v)]) for v in (x, t_x, n))
    )
    assert ours[0] == pytest.approx(_exact_log_likelihood(p, x, t_x, n), rel=1e-12)


def test_the_distribution_of_purchases_is_a_distribution_with_the_right_mean(fitted):
    for n in (1, 6, 11):
        probabilities = fitted.probability_of_purchases(np.arange(n + 1), n)
        assert probabilities.sum() == pytest.approx(1.0, abs=1e-12)
        mean = probabilities @ np.arange(n + 1)
        assert mean == pytest.approx(fitted.expected_purchases_new([n])[0], rel=1e-10)


def test_dert_matches_its_defining_sum(fitted, donations):
    """DERT = Σ_{k>=1} (E[X(n, n+k)] - E[X(n, n+k-1)]) / (1+d)^k, summed far out."""
    x, t_x, n, _ = (v[:3] for v in donations)
    d = 0.1
    k = np.arange(0, 600)
    cumulative = np.array([fitted.expected_purchases(int(j), x, t_x, n) for j in k])
    witness = (np.diff(cumulative, axis=0).T * (1 + d) ** -k[1:]).sum(axis=1)
    closed = fitted.discounted_expected_residual_transactions(d, x, t_x, n)
    np.testing.assert_allclose(closed, witness, rtol=1e-8)


def test_dert_stays_exact_where_scipys_hyp2f1_overflows():
    """gamma = 50, delta = 99, n = 0: scipy's hyp2f1(1, 100, 150, 1/1.1) is inf."""
    p, d = bb.Params(1.2, 0.75, 50.0, 99.0), 0.1
    x, t_x, n = np.zeros(1), np.zeros(1), np.zeros(1)
    k = np.arange(0, 800)
    steps = np.array([bb.expected_purchases(p, int(j), x, t_x, n)[0] for j in k])
    witness = np.diff(steps) @ (1 + d) ** -k[1:]
    dert = bb.discounted_expected_residual_transactions(p, d, x, t_x, n)
    assert dert[0] == pytest.approx(witness, rel=1e-10)


def test_expectations_are_continuous_through_gamma_one():
    """At gamma = 1 the closed forms of equations (7) and (13) are 0/0; their sums are not."""
    for gamma in (1.0 - 1e-5, 1.0 - 1e-7, 1.0, 1.0 + 1e-7, 1.0 + 1e-5):
        p = bb.Params(1.2, 0.75, gamma, 2.8)
        mean = bb.probability_of_purchases(p, np.arange(9), 8) @ np.arange(9)
        assert bb.expected_purchases_new(p, 8)[0] == pytest.approx(mean, rel=1e-9)


def test_gradient_and_hessian_match_finite_differences(donations):
    x, t_x, n, w = donations
    theta = np.log([1.5, 0.6, 0.9, 2.0])
    numeric = approx_fprime(theta, bb.total_log_likelihood, 1e-7, x, t_x, n, w)
    np.testing.assert_allclose(bb.gradient(theta, x, t_x, n, w), numeric, rtol=1e-4, atol=1e-2)
    step = 1e-6
    columns = [
        (bb.gradient(theta + e, x, t_x, n, w) - bb.gradient(theta - e, x, t_x, n, w)) / (2 * step)
        for e in np.eye(4) * step
    ]
    np.testing.assert_allclose(
        bb.hessian(theta, x, t_x, n, w), np.column_stack(columns), rtol=1e-5, atol=1e-3
    )
    value, grad = bb.total_log_likelihood_and_gradient(theta, x, t_x, n, w)
    assert value == pytest.approx(bb.total_log_likelihood(theta, x, t_x, n, w), rel=1e-13)
    np.testing.assert_array_equal(grad, bb.gradient(theta, x, t_x, n, w))


def test_expected_purchases_of_one_customer_over_several_horizons_rise(fitted):
    expected = fitted.expected_purchases([0, 1, 5, 50], 4, 5, 6)
    assert expected[0] == 0.0 and np.all(np.diff(expected) > 0)


# --- recovery and the estimator contract ---------------------------------------------------


def test_fit_recovers_parameters_of_simulated_customers():
    truth = bb.Params(1.5, 0.9, 0.8, 3.0)
    x, t_x, n = simulate.beta_geo_beta(truth, 60_000, 8, np.random.default_rng(31))
    fitted = BetaGeoBeta().fit(x, t_x, n)
    for f, t, se in zip(fitted.params_, truth, fitted.standard_errors_, strict=True):
        assert abs(f - t) < 3 * se


def test_simulated_customers_follow_the_models_own_distribution():
    """Simulator and equation (5) agree: the share of x = 0..4 in 4 opportunities."""
    truth = bb.Params(1.2, 0.75, 0.66, 2.8)
    x, _, _ = simulate.beta_geo_beta(truth, 200_000, 4, np.random.default_rng(3))
    shares = np.bincount(x.astype(int), minlength=5) / x.size
    expected = bb.probability_of_purchases(truth, np.arange(5), 4)
    np.testing.assert_allclose(shares, expected, atol=4 * np.sqrt(0.25 / x.size))


def test_weights_equal_repeated_rows(donations):
    x, t_x, n, w = donations
    counts = w.astype(int)
    repeated = BetaGeoBeta().fit(np.repeat(x, counts), np.repeat(t_x, counts), np.repeat(n, counts))
    weighted = BetaGeoBeta().fit(x, t_x, n, weights=w)
    assert weighted.params_ == pytest.approx(repeated.params_, rel=1e-7)
    assert weighted.log_likelihood_ == pytest.approx(repeated.log_likelihood_, rel=1e-10)


def test_fit_and_predictions_do_not_modify_their_inputs(donations):
    copies = [v.copy() for v in donations]
    model = BetaGeoBeta().fit(*copies[:3], weights=copies[3])
    model.probability_alive(*copies[:3])
    model.discounted_expected_residual_transactions(0.1, *copies[:3])
    for before, after in zip(donations, copies, strict=True):
        np.testing.assert_array_equal(before, after)


def test_fitted_model_pickles_with_the_standard_library(fitted):
    restored = pickle.loads(pickle.dumps(fitted))  # noqa: S301
    assert restored.params_ == fitted.params_
    np.testing.assert_array_equal(
        restored.expected_purchases_new([3]), [fitted.expected_purchases_new([3])[0]]
    )


# --- properties --------------------------------------------------------------------------------


@st.composite
def patterns(draw):
    """Valid (x, t_x, n) up to 300 opportunities."""
    n = draw(st.integers(0, 300))
    t_x = draw(st.integers(0, n))
    x = 0 if t_x == 0 else draw(st.integers(1, t_x))
    return np.array([float(x)]), np.array([float(t_x)]), np.array([float(n)])


shapes = st.builds(bb.Params, *(st.floats(0.05, 50) for _ in range(4)))


@settings(max_examples=200, deadline=None)
@given(patterns(), shapes, st.integers(0, 50))
def test_probabilities_and_expectations_are_in_range(pattern, p, future):
    alive = bb.probability_alive(p, *pattern)
    assert np.all((alive >= 0) & (alive <= 1 + 1e-12))
    expected = bb.expected_purchases(p, future, *pattern)
    assert np.all(np.isfinite(expected) & (expected >= -1e-12) & (expected <= future + 1e-9))
    dert = bb.discounted_expected_residual_transactions(p, 0.1, *pattern)
    assert np.all(np.isfinite(dert) & (dert >= 0) & (dert <= 10.0 + 1e-9))  # Σ_k>=1 1.1^-k


@settings(max_examples=200, deadline=None)
@given(shapes, st.integers(0, 40))
def test_a_new_customers_distribution_is_a_distribution(p, n):
    probabilities = bb.probability_of_purchases(p, np.arange(n + 1), n)
    assert np.all((probabilities >= 0) & (probabilities <= 1 + 1e-12))
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-9)
    expected = bb.expected_purchases_new(p, [n, n + 1])
    # one more opportunity never lowers the count (up to rounding: equal in exact arithmetic
    # when the purchase probability is tiny)
    assert np.all(np.isfinite(expected)) and 0 <= expected[0] <= expected[1] * (1 + 1e-12)
    assert expected[1] <= n + 1


# --- errors -----------------------------------------------------------------------------------


def test_impossible_patterns_are_reported_with_count_first_index_and_values():
    with pytest.raises(InputError) as caught:
        BetaGeoBeta().fit([1, 3, 0, 2], [2, 2, 1, 7], [6, 6, 6, 6])
    message = str(caught.value)
    assert (
        "frequency is greater than recency for 1 customer (first: index 1, frequency 3.0,"
        in message
    )
    assert "recency is positive but frequency is 0 for 1 customer (first: index 2," in message
    assert "recency is greater than n_periods for 1 customer (first: index 3," in message
    assert "recency 7.0, n_periods 6.0" in message
    assert caught.value.location.index == 1


def test_fractional_opportunities_are_rejected(fitted):
    with pytest.raises(InputError, match=r"n_future must be whole numbers >= 0; 1 of 2 are not"):
        fitted.expected_purchases([1, 2.5], 1, 1, 6)
    with pytest.raises(InputError, match="not a whole number for 1 customer"):
        fitted.probability_alive([1], [1.5], [6])


def test_dert_needs_a_positive_discount_rate(fitted):
    with pytest.raises(InputError, match=r"discount_rate must be a number > 0.*Got 0 instead"):
        fitted.discounted_expected_residual_transactions(0, [1], [1], [6])


def test_prediction_before_fit_says_to_call_fit():
    with pytest.raises(NotFittedError, match="call fit"):
        BetaGeoBeta().probability_alive([1], [1], [6])
