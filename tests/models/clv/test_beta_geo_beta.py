"""BG/BB against the published donations fit, lifetimes' predictions and its own properties."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import approx_fprime

from segmint.clv import BetaGeoBeta
from segmint.core.errors import InputError
from segmint.models.clv import beta_geo_beta as bb
from segmint.models.clv import simulate

# Fader, Hardie & Shang (2010), the 1995 cohort of 11,104 donors, 6 opportunities.
PUBLISHED = bb.Params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
PUBLISHED_LL = -33225.6
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


def test_fit_reproduces_the_published_donations_estimates(fitted):
    assert fitted.params_ == pytest.approx(PUBLISHED, abs=5e-4)
    assert fitted.log_likelihood_ == pytest.approx(PUBLISHED_LL, abs=0.05)
    assert fitted.n_customers_ == 11_104


def test_predictions_match_lifetimes(fitted, donations):
    x, t_x, n, _ = (v[:3] for v in donations)
    np.testing.assert_allclose(fitted.probability_alive(x, t_x, n), LIFETIMES_ALIVE, rtol=1e-6)
    np.testing.assert_allclose(
        fitted.expected_purchases(5, x, t_x, n), LIFETIMES_EXPECTED_5, rtol=1e-6
    )


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


def test_fit_recovers_parameters_of_simulated_customers():
    truth = bb.Params(1.5, 0.9, 0.8, 3.0)
    x, t_x, n = simulate.beta_geo_beta(truth, 60_000, 8, np.random.default_rng(31))
    fitted = BetaGeoBeta().fit(x, t_x, n)
    for f, t, se in zip(fitted.params_, truth, fitted.standard_errors_, strict=True):
        assert abs(f - t) < 3 * se


def test_weights_equal_repeated_rows_inputs_kept_and_pickle(donations):
    x, t_x, n, w = (v.copy() for v in donations)
    counts = w.astype(int)
    repeated = BetaGeoBeta().fit(np.repeat(x, counts), np.repeat(t_x, counts), np.repeat(n, counts))
    weighted = BetaGeoBeta().fit(x, t_x, n, weights=w)
    assert weighted.params_ == pytest.approx(repeated.params_, rel=1e-7)
    np.testing.assert_array_equal(w, donations[3])
    assert pickle.loads(pickle.dumps(weighted)).params_ == weighted.params_  # noqa: S301


@st.composite
def patterns(draw):
    n = draw(st.integers(0, 30))
    t_x = draw(st.integers(0, n))
    x = 0 if t_x == 0 else draw(st.integers(1, t_x))
    return np.array([float(x)]), np.array([float(t_x)]), np.array([float(n)])


shapes = st.builds(bb.Params, *(st.floats(0.05, 20) for _ in range(4)))


@settings(max_examples=300, deadline=None)
@given(patterns(), shapes, st.integers(0, 30))
def test_probabilities_and_expectations_are_in_range(pattern, p, future):
    alive = bb.probability_alive(p, *pattern)
    assert np.all((alive >= 0) & (alive <= 1 + 1e-12))
    expected = bb.expected_purchases(p, future, *pattern)
    assert np.all(np.isfinite(expected) & (expected >= -1e-12))


def test_impossible_patterns_are_reported_with_count_and_first_index():
    with pytest.raises(InputError) as caught:
        BetaGeoBeta().fit([1, 3, 0, 2], [2, 2, 1, 7], [6, 6, 6, 6])
    message = str(caught.value)
    assert "frequency is greater than recency for 1 customer (first: index 1)" in message
    assert "recency is positive but frequency is 0 for 1 customer (first: index 2)" in message
    assert "recency is greater than n_periods for 1 customer (first: index 3)" in message
