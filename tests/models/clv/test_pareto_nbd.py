"""Pareto/NBD against the published CDNOW fit, lifetimes, quadrature witnesses and properties."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.optimize import approx_fprime

from segmint.clv import ParetoNBD
from segmint.models.clv import _pareto_integral as integral
from segmint.models.clv import pareto_nbd as pn
from segmint.models.clv import simulate

# Fader, Hardie & Lee (2005, "Counting your customers the easy way", table 1) on CDNOW.
PUBLISHED = pn.Params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
PUBLISHED_LL = -9595.0
# lifetimes 0.11.3, ParetoNBDFitter on the same data (computed once): its optimum, the
# log-likelihood there (by our log_likelihood), and predictions for the first customers.
LIFETIMES = pn.Params(0.55329408, 10.57799291, 0.6061768, 11.66675931)
LIFETIMES_LL = -9594.973929953447
LIFETIMES_ALIVE = [0.869123, 0.167874, 0.295097]
LIFETIMES_EXPECTED_39 = [1.45513047, 0.17098447, 0.10706325]
LIFETIMES_NEW = [0.05100638, 0.42779133, 1.21340392]  # t = 1, 10, 39


@pytest.fixture(scope="module")
def data(cdnow):
    return tuple(cdnow[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))


@pytest.fixture(scope="module")
def fitted(data):
    return ParetoNBD().fit(*data)


def test_fit_reproduces_the_published_cdnow_parameters(fitted):
    r, alpha, s, beta = fitted.params_
    assert (r, alpha, s) == pytest.approx(PUBLISHED[:3], abs=5e-4)
    # the likelihood is flat in beta (standard error 6.2): lifetimes stops at 11.6668,
    # Newton at 11.6679 with a zero gradient and a higher likelihood (next test)
    assert beta == pytest.approx(PUBLISHED.beta, abs=2e-3)
    assert fitted.log_likelihood_ == pytest.approx(PUBLISHED_LL, abs=0.05)


def test_the_optimum_is_at_least_as_good_as_lifetimes(fitted, data):
    assert fitted.log_likelihood_ >= LIFETIMES_LL
    lifetimes_at_ours = pn.log_likelihood(LIFETIMES, *data).sum()
    assert lifetimes_at_ours == pytest.approx(LIFETIMES_LL, abs=1e-6)


def test_predictions_match_lifetimes(data):
    x, t_x, T = (v[:3] for v in data)
    np.testing.assert_allclose(
        pn.probability_alive(LIFETIMES, x, t_x, T), LIFETIMES_ALIVE, rtol=1e-5
    )
    np.testing.assert_allclose(
        pn.expected_purchases(LIFETIMES, 39, x, t_x, T), LIFETIMES_EXPECTED_39, rtol=1e-7
    )
    np.testing.assert_allclose(
        pn.expected_purchases_new(LIFETIMES, [1, 10, 39]), LIFETIMES_NEW, rtol=1e-7
    )


def test_gradient_and_hessian_match_finite_differences(data):
    x, t_x, T = data
    w = np.linspace(0.5, 2.0, x.size)
    for point in (PUBLISHED, pn.Params(2.0, 0.5, 3.0, 40.0)):
        theta = np.log(np.array(point))
        numeric = approx_fprime(theta, pn.total_log_likelihood, 1e-7, x, t_x, T, w)
        np.testing.assert_allclose(pn.gradient(theta, x, t_x, T, w), numeric, rtol=1e-4, atol=1e-2)
        step = 1e-6
        columns = [
            (pn.gradient(theta + e, x, t_x, T, w) - pn.gradient(theta - e, x, t_x, T, w))
            / (2 * step)
            for e in np.eye(4) * step
        ]
        np.testing.assert_allclose(
            pn.hessian(theta, x, t_x, T, w), np.column_stack(columns), rtol=1e-5, atol=1e-3
        )


def _log_integral_by_quad(p, x, t_x, T):
    r, alpha, s, beta = p

    def log_f(tau):
        return -(r + x) * np.log(alpha + tau) - (s + 1) * np.log(beta + tau)

    top = log_f(t_x)
    breaks = [t_x + (T - t_x) * q for q in (1e-6, 1e-4, 1e-2)]
    value, _ = quad(
        lambda tau: np.exp(log_f(tau) - top),
        t_x,
        T,
        epsabs=0,
        epsrel=1e-13,
        limit=500,
        points=breaks,
    )
    return top + math.log(value)


def test_the_integral_term_matches_adaptive_quadrature_over_a_wide_range():
    rng = np.random.default_rng(0)
    for _ in range(120):
        r, s = np.exp(rng.uniform(math.log(0.05), math.log(30), 2))
        alpha, beta = np.exp(rng.uniform(math.log(0.05), math.log(3000), 2))
        x = float(rng.choice([0, 1, 2, 5, 20, 100, 500]))
        T = float(rng.uniform(0.5, 500))
        t_x = 0.0 if x == 0 else float(rng.uniform(0, T * 0.999))
        ((_, nodes),) = integral.integral_nodes(
            r, alpha, s, beta, np.array([x]), np.array([t_x]), np.array([T])
        )
        ours = integral.log_integral(nodes)[0]
        witness = _log_integral_by_quad((r, alpha, s, beta), x, t_x, T)
        assert abs(math.expm1(ours - witness)) < 1e-11, (r, alpha, s, beta, x, t_x, T)


def test_dert_matches_the_discounted_integral_of_expected_purchases(data):
    """DERT(δ) = δ ∫₀^∞ e^(-δτ) E[X(τ) | history] dτ, integrated here by quad."""
    delta = math.log1p(0.01)
    x, t_x, T = (v[:4] for v in data)
    closed = pn.discounted_expected_residual_transactions(PUBLISHED, delta, x, t_x, T)
    for i in range(4):
        row = (x[i : i + 1], t_x[i : i + 1], T[i : i + 1])
        value, _ = quad(
            lambda tau, row=row: (
                math.exp(-delta * tau) * pn.expected_purchases(PUBLISHED, tau, *row)[0]
            ),
            0,
            math.inf,
            epsrel=1e-11,
            limit=400,
        )
        assert closed[i] == pytest.approx(delta * value, rel=1e-7)


def test_fit_recovers_parameters_of_simulated_customers():
    truth = pn.Params(r=0.6, alpha=8.0, s=0.8, beta=12.0)
    x, t_x, T = simulate.pareto_nbd(
        truth, n=40_000, T=np.linspace(20, 78, 40_000), rng=np.random.default_rng(23)
    )
    fitted = ParetoNBD().fit(x, t_x, T)
    for f, t, se in zip(fitted.params_, truth, fitted.standard_errors_, strict=True):
        assert abs(f - t) < 3 * se


def test_rescaling_time_changes_only_the_rates(data):
    x, t_x, T = data
    weeks = ParetoNBD().fit(x, t_x, T)
    days = ParetoNBD().fit(x, 7 * t_x, 7 * T)
    r, alpha, s, beta = weeks.params_
    assert days.params_ == pytest.approx((r, 7 * alpha, s, 7 * beta), rel=1e-5)
    assert days.log_likelihood_ == pytest.approx(
        weeks.log_likelihood_ - x.sum() * math.log(7), abs=1e-5
    )


def test_weights_inputs_and_pickle(data):
    x, t_x, T = (v.copy() for v in data)
    w = np.ones(x.size)
    w[:100] = 2
    weighted = ParetoNBD().fit(x, t_x, T, weights=w)
    repeated = ParetoNBD().fit(np.r_[x, x[:100]], np.r_[t_x, t_x[:100]], np.r_[T, T[:100]])
    assert weighted.params_ == pytest.approx(repeated.params_, rel=1e-6)
    np.testing.assert_array_equal(x, data[0])
    assert pickle.loads(pickle.dumps(weighted)).params_ == weighted.params_  # noqa: S301


@st.composite
def histories(draw):
    T = draw(st.floats(0.0, 520.0))
    x = draw(st.integers(0, 500))
    t_x = 0.0 if x == 0 else draw(st.floats(0.0, T))
    return np.array([float(x)]), np.array([t_x]), np.array([T])


shapes = st.builds(
    pn.Params, st.floats(0.01, 20), st.floats(0.01, 500), st.floats(0.01, 20), st.floats(0.01, 500)
)


@settings(max_examples=300, deadline=None)
@given(histories(), shapes, st.floats(0.0, 520.0))
def test_probabilities_and_expectations_are_in_range(history, p, t):
    alive = pn.probability_alive(p, *history)
    assert np.all((alive >= 0) & (alive <= 1))
    expected = pn.expected_purchases(p, t, *history)
    assert np.all(np.isfinite(expected) & (expected >= 0))
    assert np.all(np.isfinite(pn.log_likelihood(p, *history)))


@pytest.mark.parametrize("point", [PUBLISHED, pn.Params(3.0, 5.0, 2.0, 50.0)])
@pytest.mark.parametrize("t", [1.0, 39.0, 500.0])
def test_the_distribution_of_purchases_sums_to_one_with_the_expected_mean(point, t):
    counts = np.arange(6000)
    probabilities = pn.probability_of_purchases(point, counts, t)
    assert np.all(probabilities >= 0)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-10)
    assert probabilities @ counts == pytest.approx(
        pn.expected_purchases_new(point, [t])[0], rel=1e-9
    )
