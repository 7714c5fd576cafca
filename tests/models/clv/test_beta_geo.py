"""BG/NBD against the published CDNOW fit and against its own properties."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import approx_fprime
from scipy.special import hyp2f1

from segmint.clv import BetaGeo
from segmint.core.errors import ConvergenceError, InputError, NotFittedError
from segmint.models.clv import _beta_geo_family as family
from segmint.models.clv import beta_geo, simulate

# Fader, Hardie & Lee (2005), section 4: the CDNOW cohort of 2,357 customers, 39 weeks.
PUBLISHED = beta_geo.Params(r=0.243, alpha=4.414, a=0.793, b=2.426)
PUBLISHED_LL = -9582.4
# lifetimes 0.11.3's documentation (Quickstart, BetaGeoFitter on the same data) prints
# these standard errors; an independent observed-information computation.
LIFETIMES_SE = beta_geo.Params(r=0.012557, alpha=0.378221, a=0.185719, b=0.705345)


@pytest.fixture(scope="module")
def fitted(cdnow):
    return BetaGeo().fit(cdnow.x, cdnow.t_x, cdnow["T"])


def test_fit_reproduces_published_cdnow_parameters(fitted):
    # the paper prints 3 decimals: half a unit in the last place
    assert fitted.params_ == pytest.approx(PUBLISHED, abs=5e-4)
    assert fitted.log_likelihood_ == pytest.approx(PUBLISHED_LL, abs=0.05)
    assert fitted.n_customers_ == 2357
    assert fitted.converged_


def test_standard_errors_match_lifetimes_documentation(fitted):
    # lifetimes prints 6 decimals; finite differences of the gradient agree to ~1e-4
    assert fitted.standard_errors_ == pytest.approx(LIFETIMES_SE, rel=1e-3)


def test_confidence_intervals_contain_the_estimate_and_widen_with_level(fitted):
    low95, high95 = fitted.confidence_intervals()
    low99, high99 = fitted.confidence_intervals(0.99)
    for lo99, lo, p, hi, hi99 in zip(low99, low95, fitted.params_, high95, high99, strict=True):
        assert 0 < lo99 < lo < p < hi < hi99


def test_summary_table_lists_estimates_errors_and_intervals(fitted):
    table = fitted.summary_
    assert list(table.index) == ["r", "alpha", "a", "b"]
    assert table["estimate"].tolist() == list(fitted.params_)
    assert table["standard_error"].tolist() == list(fitted.standard_errors_)
    low, high = fitted.confidence_intervals(0.95)
    assert table["lower_95"].tolist() == list(low)
    assert table["upper_95"].tolist() == list(high)


def test_gradient_matches_finite_differences(cdnow):
    x, t_x, T = (cdnow[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    w = np.linspace(0.5, 2.0, x.size)  # weights enter the gradient too
    for point in (PUBLISHED, beta_geo.Params(1.3, 0.7, 2.1, 0.4)):
        theta = np.log(np.array(point))
        analytic = beta_geo.gradient(theta, x, t_x, T, w)
        numeric = approx_fprime(theta, beta_geo.total_log_likelihood, 1e-7, x, t_x, T, w)
        # forward differences of a sum of ~1e4 in float64: ~1e-5 relative
        np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-2)


def test_hessian_matches_central_differences_of_the_gradient(cdnow):
    x, t_x, T = (cdnow[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    w = np.linspace(0.5, 2.0, x.size)
    step = 1e-6
    for point in (PUBLISHED, beta_geo.Params(1.3, 0.7, 2.1, 0.4)):
        theta = np.log(np.array(point))
        analytic = beta_geo.hessian(theta, x, t_x, T, w)
        numeric = np.column_stack(
            [
                (
                    beta_geo.gradient(theta + e, x, t_x, T, w)
                    - beta_geo.gradient(theta - e, x, t_x, T, w)
                )
                / (2 * step)
                for e in np.eye(4) * step
            ]
        )
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-3)
        np.testing.assert_array_equal(analytic, analytic.T)


def test_newton_reaches_the_optimum_in_few_steps_on_the_full_data(cdnow):
    """Newton on the analytic Hessian: a handful of steps, and a zero gradient at the end."""
    x, t_x, T = (cdnow[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    model = BetaGeo().fit(x, t_x, T)
    assert model.n_iterations_ <= 12
    theta = np.log(np.array(model.params_))
    assert np.abs(beta_geo.gradient(theta, x, t_x, T, np.ones(x.size))).max() < 1e-6


def test_gradient_uses_the_count_table_and_the_direct_path_alike():
    """Above 256 rows special functions come from a table over counts; same numbers."""
    x, t_x, T = simulate.beta_geo(PUBLISHED, n=1000, T=39.0, rng=np.random.default_rng(3))
    theta, w = np.log(np.array(PUBLISHED)), np.ones(1000)
    whole = beta_geo.gradient(theta, x, t_x, T, w)
    pieces = sum(
        beta_geo.gradient(theta, x[i : i + 200], t_x[i : i + 200], T[i : i + 200], w[i : i + 200])
        for i in range(0, 1000, 200)
    )
    np.testing.assert_allclose(whole, pieces, rtol=1e-10)


def test_fit_recovers_parameters_of_simulated_customers():
    truth = beta_geo.Params(r=0.5, alpha=5.0, a=0.8, b=2.5)
    x, t_x, T = simulate.beta_geo(truth, n=50_000, T=52.0, rng=np.random.default_rng(7))
    fitted = BetaGeo().fit(x, t_x, T)
    # sampling error at n = 50,000 is a few per cent (a and b are the least determined)
    assert fitted.params_ == pytest.approx(truth, rel=0.1)
    within = [
        abs(f - t) < 3 * se
        for f, t, se in zip(fitted.params_, truth, fitted.standard_errors_, strict=True)
    ]
    assert all(within)


def test_weights_equal_repeated_customers(cdnow):
    x, t_x, T = cdnow.x.to_numpy(), cdnow.t_x.to_numpy(), cdnow["T"].to_numpy()
    repeated = BetaGeo().fit(np.r_[x, x[:100]], np.r_[t_x, t_x[:100]], np.r_[T, T[:100]])
    w = np.ones(x.size)
    w[:100] = 2
    weighted = BetaGeo().fit(x, t_x, T, weights=w)
    assert weighted.params_ == pytest.approx(repeated.params_, rel=1e-5)
    assert weighted.log_likelihood_ == pytest.approx(repeated.log_likelihood_, rel=1e-10)


def test_rescaling_time_changes_only_alpha_and_shifts_the_likelihood(cdnow):
    """Time in days = 7 x weeks: lambda's Gamma rate alpha scales by 7 and r, a, b stay.

    Each repeat-purchase time density gains a factor 1/7, so LL drops by sum(x) log 7.
    """
    weeks = BetaGeo().fit(cdnow.x, cdnow.t_x, cdnow["T"])
    days = BetaGeo().fit(cdnow.x, 7 * cdnow.t_x, 7 * cdnow["T"])
    r, alpha, a, b = weeks.params_
    assert days.params_ == pytest.approx((r, 7 * alpha, a, b), rel=1e-5)
    shift = cdnow.x.sum() * math.log(7)
    assert days.log_likelihood_ == pytest.approx(weeks.log_likelihood_ - shift, abs=1e-5)


def test_fit_does_not_modify_its_inputs(cdnow):
    x, t_x, T = (cdnow[c].to_numpy(dtype=float).copy() for c in ("x", "t_x", "T"))
    w = np.ones(x.size)
    copies = [v.copy() for v in (x, t_x, T, w)]
    BetaGeo(penalizer=0.01).fit(x, t_x, T, weights=w)
    for before, after in zip(copies, (x, t_x, T, w), strict=True):
        np.testing.assert_array_equal(before, after)


def test_penalizer_pulls_log_parameters_toward_zero(cdnow):
    free = BetaGeo().fit(cdnow.x, cdnow.t_x, cdnow["T"])
    tied = BetaGeo(penalizer=0.1).fit(cdnow.x, cdnow.t_x, cdnow["T"])
    norm = lambda p: float(np.sum(np.log(np.array(p)) ** 2))  # noqa: E731
    assert norm(tied.params_) < norm(free.params_)
    assert tied.log_likelihood_ < free.log_likelihood_


def test_fitted_model_pickles_with_the_standard_library(fitted):
    clone = pickle.loads(pickle.dumps(fitted))  # noqa: S301 - our own bytes
    assert clone.params_ == fitted.params_
    np.testing.assert_array_equal(
        clone.probability_alive([2], [30.4], [38.9]), fitted.probability_alive([2], [30.4], [38.9])
    )


def test_customers_without_repeat_purchases_do_not_converge():
    # all x = 0: a and b are not identified and r/alpha has no finite maximum
    with pytest.raises(ConvergenceError, match="fit of BetaGeo"):
        BetaGeo().fit(np.zeros(50), np.zeros(50), np.full(50, 30.0))


# --- predictions ------------------------------------------------------------------------


def _eq10_direct(p, t, x, t_x, T):
    """Equation (10) as printed, with scipy's hyp2f1 in its original arguments."""
    r, alpha, a, b = p
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
    body = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
    odds = np.where(
        x > 0, a / (b + np.maximum(x, 1) - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0
    )
    return body / (1 + odds)


def test_expected_purchases_match_equation_10_as_printed(cdnow):
    x, t_x, T = (cdnow[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    ours = beta_geo.expected_purchases(PUBLISHED, 39.0, x, t_x, T)
    np.testing.assert_allclose(ours, _eq10_direct(PUBLISHED, 39.0, x, t_x, T), rtol=1e-9)


def test_expected_purchases_of_cdnow_cohort_in_holdout(fitted, cdnow):
    """A sanity check, not a published witness: 1,882 repeat purchase days happened in the
    39-week holdout (test_summary); the BG/NBD under-forecasts CDNOW's holdout a little."""
    expected = fitted.expected_purchases(39.0, cdnow.x, cdnow.t_x, cdnow["T"]).sum()
    assert 0.85 * 1882 < expected < 1.05 * 1882


def test_expected_purchases_new_is_the_mean_of_equation_8():
    t = 39.0
    n = np.arange(0, 400.0)
    pmf = beta_geo.probability_of_purchases(PUBLISHED, n, t)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-10)
    mean = beta_geo.expected_purchases_new(PUBLISHED, t)[0]
    assert (n * pmf).sum() == pytest.approx(mean, rel=1e-8)
    zero = np.zeros(1)
    assert beta_geo.expected_purchases(PUBLISHED, t, zero, zero, zero)[0] == pytest.approx(mean)


def test_quadrature_agrees_with_the_hypergeometric_form(cdnow):
    x, T = (cdnow[c].to_numpy(dtype=float)[:300] for c in ("x", "T"))
    t = np.full(x.size, 39.0)
    closed = family.expected_if_alive(PUBLISHED, t, x, T)
    np.testing.assert_allclose(
        family._expected_by_quadrature(PUBLISHED, t, x, T), closed, rtol=1e-6
    )


def test_probability_alive_is_one_without_repeat_purchases():
    p = beta_geo.probability_alive(PUBLISHED, np.zeros(3), np.zeros(3), np.array([1.0, 39, 520]))
    np.testing.assert_array_equal(p, 1.0)


def test_log_likelihood_at_frequency_500_over_ten_years_is_finite_and_exact():
    x, t_x, T = np.array([500.0]), np.array([519.0]), np.array([520.0])
    ours = beta_geo.log_likelihood(PUBLISHED, x, t_x, T)[0]
    # independent: the same sum with Python's arbitrary-range logs of each factor
    r, alpha, a, b = PUBLISHED
    lg = math.lgamma
    shared = (
        lg(r + 500)
        - lg(r)
        + r * math.log(alpha)
        + lg(a + b)
        + lg(b + 500)
        - lg(b)
        - lg(a + b + 500)
    )
    t3 = -(r + 500) * math.log(alpha + 520)
    t4 = math.log(a / (b + 499)) - (r + 500) * math.log(alpha + 519)
    top = max(t3, t4)
    assert ours == pytest.approx(
        shared + top + math.log(math.exp(t3 - top) + math.exp(t4 - top)), rel=1e-12
    )


@st.composite
def rfm_triples(draw):
    """Valid (x, t_x, T) up to x = 500 and T = 520 weeks (ten years)."""
    T = draw(st.floats(0.01, 520.0))
    x = draw(st.integers(0, 500))
    t_x = 0.0 if x == 0 else draw(st.floats(0.0, T))
    return np.array([float(x)]), np.array([t_x]), np.array([T])


params = st.builds(
    beta_geo.Params,
    r=st.floats(0.05, 20.0),
    alpha=st.floats(0.05, 100.0),
    a=st.floats(0.05, 20.0).filter(lambda a: abs(a - 1.0) > 1e-3),  # eq. (10) is 0/0 at a = 1
    b=st.floats(0.05, 20.0),
)


@settings(max_examples=300, deadline=None)
@given(rfm_triples(), params)
def test_probability_alive_is_a_probability(rfm, p):
    value = beta_geo.probability_alive(p, *rfm)
    assert np.all((value >= 0.0) & (value <= 1.0))


@settings(max_examples=300, deadline=None)
@given(rfm_triples(), params, st.floats(0.0, 520.0))
def test_expected_purchases_are_finite_and_not_negative(rfm, p, t):
    value = beta_geo.expected_purchases(p, t, *rfm)
    assert np.all(np.isfinite(value))
    assert np.all(value >= -1e-9 * (1 + t))  # rounding around 0 at t -> 0


@settings(max_examples=300, deadline=None)
@given(rfm_triples(), params)
def test_log_likelihood_is_finite_and_a_log_probability(rfm, p):
    value = beta_geo.log_likelihood(p, *rfm)
    assert np.all(np.isfinite(value))


# --- errors -----------------------------------------------------------------------------


def test_recency_beyond_age_is_rejected_with_the_count_and_first_bad_index():
    message = r"recency is greater than T for 1 customer \(first: index 1, recency 9.0 > T 6.0\)"
    with pytest.raises(InputError, match=message) as caught:
        BetaGeo().fit([1, 2], [3.0, 9.0], [5.0, 6.0])
    assert caught.value.location.index == 1


def test_every_broken_rule_is_reported_once_with_its_count():
    with pytest.raises(InputError) as caught:
        BetaGeo().fit([0, -1, 1.5, 0, 2], [0.0, 0.0, 1.0, 2.0, np.nan], [5.0] * 5)
    message = str(caught.value)
    assert "not a finite number for 1 customer (first: index 4" in message
    assert "frequency is negative for 1 customer (first: index 1, frequency -1.0)" in message
    assert (
        "frequency is not a whole number for 1 customer (first: index 2, frequency 1.5)" in message
    )
    assert "recency is positive but frequency is 0 for 1 customer (first: index 3" in message


def test_negative_penalizer_is_rejected_in_the_house_shape():
    message = (
        r"The 'penalizer' parameter of BetaGeo must be of type float in the range \[0.0, inf\). "
        r"Got -1 instead."
    )
    with pytest.raises(InputError, match=message):
        BetaGeo(penalizer=-1).fit([1], [2.0], [5.0])


def test_prediction_before_fit_says_to_call_fit():
    with pytest.raises(NotFittedError, match="call fit"):
        BetaGeo().probability_alive([1], [2.0], [5.0])
    with pytest.raises(NotFittedError, match="call fit"):
        BetaGeo().expected_purchases(1.0, [1], [2.0], [5.0])
