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
from scipy.special import hyp2f1

from segmint.clv import ParetoNBD
from segmint.core.errors import InputError
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
# lifetimes' conditional_expected_number_of_purchases_up_to_time(39, ...) summed over the
# 2,357 customers, and the mean of its conditional_probability_alive, at LIFETIMES
LIFETIMES_COHORT_39 = 1665.5554903944749
LIFETIMES_MEAN_ALIVE = 0.44627989404808555

# log A = log(A₀/(r+s+x)) of Fader & Hardie's note (2005), equations (19)-(20), by
# mpmath.hyp2f1 at 80 digits (computed once; mpmath is not a test dependency). Rows:
# r, alpha, s, beta, x, t_x, T, log A. They cover ₂F₁'s argument near 1 both ways, large
# r+s+x, t_x within 1e-7 of T, x = 0 with tiny alpha over two years, and alpha = beta.
MPMATH_LOG_A = [
    (0.553, 10.578, 0.606, 11.669, 2, 30.43, 38.86, -13.728343471230401),
    (0.553, 10000.0, 0.606, 0.01, 5, 0.0, 52.0, -47.85926039950494),
    (0.553, 0.01, 0.606, 10000.0, 5, 0.0, 52.0, 4.6597464110453615),
    (0.5, 0.1, 0.6, 3000.0, 500, 10.0, 520.0, -1174.1405751518807),
    (0.5, 3000.0, 0.6, 0.1, 500, 10.0, 520.0, -4011.3086287018436),
    (0.553, 10.578, 0.606, 11.669, 3, 38.0, 38.0000001, -36.18704321144606),
    (0.0342, 0.000626, 0.518, 4.355, 0, 0.0, 732.5, -0.25477546483187147),
    (0.2, 0.5, 0.02, 0.016, 0, 0.0, 4800.0, 2.132520549224543),
    (1.0, 5.0, 2.0, 5.0, 3, 10.0, 20.0, -18.08784015092907),
    (0.5, 50.0, 80.0, 2.0, 1, 5.0, 100.0, -166.0682480074407),
    (0.55, 74.0, 0.6, 82.0, 1000, 3600.0, 3650.0, -8225.38904011028),
    (40.0, 0.05, 0.05, 2000.0, 100, 2000.0, 5000.0, -1070.1759263291597),
]
# P(X(t) = n) by the closed form of Fader, Hardie & Lee (2006), "Deriving an expression
# for P(X(t) = x) under the Pareto/NBD model", with mpmath.hyp2f1 at 50 digits (computed
# once, and checked there against direct integration). Rows: params, t, n, P(X(t) = n).
MPMATH_PMF = [
    (
        (0.553, 10.578, 0.606, 11.669),
        39.0,
        [0, 1, 3, 10, 40],
        [
            0.5936250316023838,
            0.1655629472771755,
            0.049039953642814264,
            0.0041934393320804215,
            1.4882291290852057e-06,
        ],
    ),
    (
        (3.0, 5.0, 2.0, 50.0),
        39.0,
        [0, 7, 30],
        [0.08233990346052207, 0.038287536605460394, 0.00884665645205615],
    ),
    (
        (3.0, 50.0, 2.0, 5.0),
        39.0,
        [0, 7, 30],
        [0.8210573171884622, 0.0004855875750628386, 2.2687455449566823e-11],
    ),
    (
        (0.553, 10.578, 0.606, 11.669),
        500.0,
        [0, 5, 50],
        [0.515370618895419, 0.022695156693618712, 0.0007242991009655138],
    ),
    (
        (0.05, 0.2, 5.0, 300.0),
        52.0,
        [0, 1, 20, 200],
        [0.7839727845750311, 0.03842764044016322, 0.0018711578991184492, 7.693737500847429e-05],
    ),
]
# h(s, z) = z^(s-1) U(s, s; z) by mpmath.hyperu at 40 digits: where scipy's hyperu
# returns nan (first three), where it loses digits (next two), and one on the recurrence
MPMATH_DISCOUNT = [
    (30.0, 0.01, 0.03447044790921154),
    (10.0, 0.1, 0.1097417392579034),
    (50.0, 3.0, 0.01920909031405387),
    (1.01, 10.0, 0.0914856920834012),
    (0.606, 10.0, 0.0947234884639995),
    (2.5, 1e-05, 0.6666534078006284),
]


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


def test_cohort_predictions_match_lifetimes(data):
    """Witness: lifetimes 0.11.3 on the whole CDNOW cohort at its own optimum."""
    assert pn.expected_purchases(LIFETIMES, 39, *data).sum() == pytest.approx(
        LIFETIMES_COHORT_39, rel=1e-12
    )
    assert pn.probability_alive(LIFETIMES, *data).mean() == pytest.approx(
        LIFETIMES_MEAN_ALIVE, rel=1e-12
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
        moments = integral.integral_moments(
            r, alpha, s, beta, np.array([x]), np.array([t_x]), np.array([T]), order=0
        )
        ours = moments.log_integral[0]
        witness = _log_integral_by_quad((r, alpha, s, beta), x, t_x, T)
        assert abs(math.expm1(ours - witness)) < 1e-11, (r, alpha, s, beta, x, t_x, T)


def _log_integral(r, alpha, s, beta, x, t_x, T):
    columns = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (x, t_x, T))
    return integral.integral_moments(r, alpha, s, beta, *columns, order=0).log_integral


@pytest.mark.parametrize("row", MPMATH_LOG_A)
def test_the_integral_term_matches_the_notes_hypergeometric_form_by_mpmath(row):
    """Witness: A₀ of the note's equations (19)-(20), by mpmath.hyp2f1 (table above)."""
    *point, witness = row
    # 1e-15 of |log A| (the rounding of a log near -8000), and never looser than 1e-14
    assert _log_integral(*point)[0] == pytest.approx(witness, rel=1e-15, abs=1e-14)


def _log_integral_by_hyp2f1(r, alpha, s, beta, x, t_x, T):
    """log(A₀/(r+s+x)), the note's equations (19)-(20), with the larger rate in front."""
    a = r + s + x
    top, b = (alpha, s + 1) if alpha >= beta else (beta, r + x)

    def part(t):
        return hyp2f1(a, b, a + 1, abs(alpha - beta) / (top + t)) * (top + t) ** -a

    return np.log((part(t_x) - part(T)) / a)


def test_the_integral_term_matches_scipy_hyp2f1_over_a_grid():
    """Witness: the note's ₂F₁ form by scipy's hyp2f1, on a grid where that is accurate.

    On this grid (₂F₁'s argument up to 0.998, r+s+x up to 65) scipy's hyp2f1 agreed with
    mpmath to 2.5e-12 (checked once, offline).
    """
    grid = [
        (x, t_x, T)
        for x in (0, 1, 4, 20, 60)
        for t_x, T in ((0.0, 39.0), (20.0, 39.0), (38.0, 39.0), (1.0, 78.0))
        if x > 0 or t_x == 0
    ]
    x, t_x, T = (np.array(column, dtype=float) for column in zip(*grid, strict=True))
    for r, s in ((0.553, 0.606), (2.0, 0.3), (0.2, 5.0)):
        for alpha, beta in ((10.578, 11.669), (2.0, 40.0), (40.0, 2.0), (0.5, 500.0)):
            witness = _log_integral_by_hyp2f1(r, alpha, s, beta, x, t_x, T)
            ours = _log_integral(r, alpha, s, beta, x, t_x, T)
            np.testing.assert_allclose(ours, witness, rtol=1e-10)


@pytest.mark.parametrize("row", MPMATH_PMF, ids=lambda row: f"t={row[1]}")
def test_probability_of_purchases_matches_the_notes_closed_form(row):
    """Witness: the ₂F₁ closed form of P(X(t) = n) by mpmath (table above)."""
    point, t, counts, witness = row
    ours = pn.probability_of_purchases(pn.Params(*point), counts, t)
    np.testing.assert_allclose(ours, witness, rtol=1e-12)


@pytest.mark.parametrize(("s", "z", "witness"), MPMATH_DISCOUNT)
def test_the_discount_factor_matches_mpmath_where_scipy_hyperu_fails(s, z, witness):
    """Witness: z^(s-1) U(s, s; z) by mpmath.hyperu (table above)."""
    assert integral.discount_factor(s, np.array([z]))[0] == pytest.approx(witness, rel=1e-13)


@pytest.mark.parametrize(
    ("point", "delta"),
    [
        (PUBLISHED, math.log1p(0.01)),  # h by scipy's hyperu
        (pn.Params(0.5, 5.0, 30.0, 800.0), 0.001),  # h by recurrence: z = δ(β+T) < 1
        (pn.Params(0.5, 5.0, 30.0, 3000.0), math.log1p(0.01)),  # continued fraction, z > 1
    ],
    ids=["cdnow", "large-s-small-z", "large-s-large-z"],
)
def test_dert_matches_the_discounted_integral_of_expected_purchases(data, point, delta):
    """DERT(δ) = δ ∫₀^∞ e^(-δτ) E[X(τ) | history] dτ, integrated here by quad."""
    x, t_x, T = (v[:4] for v in data)
    closed = pn.discounted_expected_residual_transactions(point, delta, x, t_x, T)
    for i in range(4):
        row = (x[i : i + 1], t_x[i : i + 1], T[i : i + 1])
        value, _ = quad(
            lambda tau, row=row: (
                math.exp(-delta * tau) * pn.expected_purchases(point, tau, *row)[0]
            ),
            0,
            math.inf,
            epsabs=0.0,
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
    kept = w.copy()
    weighted = ParetoNBD().fit(x, t_x, T, weights=w)
    repeated = ParetoNBD().fit(np.r_[x, x[:100]], np.r_[t_x, t_x[:100]], np.r_[T, T[:100]])
    assert weighted.params_ == pytest.approx(repeated.params_, rel=1e-6)
    assert weighted.log_likelihood_ == pytest.approx(repeated.log_likelihood_, rel=1e-10)
    weighted.probability_alive(x, t_x, T)
    weighted.expected_purchases(10.0, x, t_x, T)
    weighted.discounted_expected_residual_transactions(0.01, x, t_x, T)
    for column, original in zip((x, t_x, T, w), (*data, kept), strict=True):
        np.testing.assert_array_equal(column, original)  # inputs are not modified
    assert pickle.loads(pickle.dumps(weighted)).params_ == weighted.params_  # noqa: S301


def test_ten_years_of_daily_data_with_500_purchases_stay_finite():
    """Extreme values: frequency 500 over ten years in days, at CDNOW's rates per day."""
    point = pn.Params(PUBLISHED.r, 7 * PUBLISHED.alpha, PUBLISHED.s, 7 * PUBLISHED.beta)
    x = np.array([500.0, 500.0, 500.0, 0.0])
    t_x = np.array([3649.0, 10.0, 0.0, 0.0])
    T = np.array([3650.0, 3650.0, 3650.0, 3650.0])
    ll, grad, hess = pn.total_log_likelihood_gradient_hessian(
        np.log(np.array(point)), x, t_x, T, np.ones(4)
    )
    assert np.isfinite(ll) and np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))
    alive = pn.probability_alive(point, x, t_x, T)
    assert np.all((alive >= 0) & (alive <= 1)) and alive[0] > 0.99 and alive[1] < 1e-100
    for value in (
        pn.expected_purchases(point, 365.0, x, t_x, T),
        pn.discounted_expected_residual_transactions(point, 0.1 / 365, x, t_x, T),
    ):
        assert np.all(np.isfinite(value) & (value >= 0))


def test_a_discount_rate_that_is_not_positive_is_rejected():
    with pytest.raises(InputError, match="delta must be a positive number"):
        pn.discounted_expected_residual_transactions(PUBLISHED, 0.0, *(np.ones(1),) * 3)


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
    dert = pn.discounted_expected_residual_transactions(p, 0.001, *history)
    assert np.all(np.isfinite(dert) & (dert >= 0))
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
