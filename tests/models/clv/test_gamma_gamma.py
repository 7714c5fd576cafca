"""Gamma-Gamma against the published CDNOW fit, lifetimes' predictions and its own properties."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import approx_fprime
from scipy.stats import betaprime

from segmint.core.errors import ConvergenceError, InputError
from segmint.models.clv import gamma_gamma, simulate
from segmint.models.clv.gamma_gamma import GammaGamma

# Fader, Hardie & Lee (2005, "RFM and CLV") on the 946 CDNOW repeat customers, as
# lifetimes 0.11.3's documentation prints them.
PUBLISHED = gamma_gamma.Params(p=6.25, q=3.74, gamma=15.44)
# lifetimes 0.11.3, GammaGammaFitter on the same data: conditional_expected_average_profit
# of the first five customers of the summary, and its standard errors.
LIFETIMES_SPEND = [24.65861619, 18.91147987, 35.17100215, 35.17100215, 35.17100215]
LIFETIMES_SE = gamma_gamma.Params(p=1.189687, q=0.290166, gamma=4.159994)
# lifetimes 0.11.3: -GammaGammaFitter._negative_log_likelihood(log params_, ...) * 946
LIFETIMES_LL = -4055.9232435028644


@pytest.fixture(scope="module")
def spend(cdnow):
    return cdnow.x.to_numpy(dtype=float), cdnow.zbar.to_numpy(dtype=float)


@pytest.fixture(scope="module")
def fitted(spend):
    return GammaGamma().fit(*spend)


def test_fit_reproduces_the_published_cdnow_parameters(fitted):
    p, q, gamma = fitted.params_
    assert (round(p, 2), round(q, 2)) == (PUBLISHED.p, PUBLISHED.q)
    # 15.4477 here and in lifetimes on the same file, whose mean spends are rounded to
    # cents; the paper printed 15.44 from its own data: agreement to 0.01, not 0.005
    assert gamma == pytest.approx(PUBLISHED.gamma, abs=0.01)
    assert gamma == pytest.approx(15.447748, abs=1e-5)  # lifetimes 0.11.3, same data
    assert fitted.n_customers_ == 946  # only repeat customers carry spend
    assert fitted.log_likelihood_ == pytest.approx(LIFETIMES_LL, abs=1e-6)


def test_the_published_values_to_the_printed_precision_from_the_transaction_log(cdnow_transactions):
    """From the CDNOW log itself (unrounded mean spends), gamma lands on 15.44 as printed."""
    from segmint.clv import summarize

    summary = summarize(cdnow_transactions, amount="amount", as_of="1997-09-30")
    repeat = summary[summary.frequency > 0]
    fitted = GammaGamma().fit(repeat.frequency, repeat.monetary_value)
    assert len(repeat) == 946
    assert tuple(round(v, 2) for v in fitted.params_) == PUBLISHED


def test_standard_errors_and_predictions_match_lifetimes(fitted, spend):
    assert fitted.standard_errors_ == pytest.approx(LIFETIMES_SE, rel=1e-5)
    x, m = spend
    np.testing.assert_allclose(fitted.expected_spend(x[:5], m[:5]), LIFETIMES_SPEND, rtol=1e-7)


def test_expected_spend_of_a_new_customer_is_the_population_mean(fitted):
    p, q, gamma = fitted.params_
    assert fitted.expected_spend([0], [123.0])[0] == pytest.approx(p * gamma / (q - 1))


def test_log_likelihood_is_the_beta_prime_density_of_the_scaled_mean_spend():
    """Independent witness: x m / gamma ~ BetaPrime(p x, q) (note 025, equations (1a)-(1b)), so
    log f(m) = log betaprime.pdf(x m / gamma; p x, q) + log(x / gamma)."""
    x = np.array([1.0, 2.0, 7.0, 50.0, 500.0])
    m = np.array([0.01, 12.5, 35.0, 300.0, 1e5])
    p, q, gamma = PUBLISHED
    expected = betaprime.logpdf(x * m / gamma, p * x, q) + np.log(x / gamma)
    np.testing.assert_allclose(gamma_gamma.log_likelihood(PUBLISHED, x, m), expected, rtol=1e-10)


def test_gradient_and_hessian_match_finite_differences(spend):
    x, m = spend
    keep = x > 0
    x, m, w = x[keep], m[keep], np.linspace(0.5, 2.0, keep.sum())
    theta = np.log(np.array([6.0, 3.5, 16.0]))
    numeric = approx_fprime(theta, gamma_gamma.total_log_likelihood, 1e-7, x, m, w)
    np.testing.assert_allclose(gamma_gamma.gradient(theta, x, m, w), numeric, rtol=1e-5, atol=1e-3)
    step = 1e-6
    columns = [
        (gamma_gamma.gradient(theta + e, x, m, w) - gamma_gamma.gradient(theta - e, x, m, w))
        / (2 * step)
        for e in np.eye(3) * step
    ]
    np.testing.assert_allclose(
        gamma_gamma.hessian(theta, x, m, w), np.column_stack(columns), rtol=1e-5, atol=1e-3
    )


def test_fit_recovers_parameters_of_simulated_spend():
    truth = gamma_gamma.Params(p=4.0, q=5.0, gamma=60.0)
    rng = np.random.default_rng(11)
    x = rng.integers(1, 12, size=40_000).astype(float)
    m = simulate.gamma_gamma(truth, x, rng)
    fitted = GammaGamma().fit(x, m)
    for f, t, se in zip(fitted.params_, truth, fitted.standard_errors_, strict=True):
        assert abs(f - t) < 3 * se


def test_rescaling_money_changes_only_gamma(spend):
    """Spend in cents = 100 x yuan: gamma scales by 100; each customer's log-density
    gains -log(100) (the Jacobian of the mean spend)."""
    x, m = spend
    yuan = GammaGamma().fit(x, m)
    cents = GammaGamma().fit(x, 100 * m)
    p, q, gamma = yuan.params_
    assert cents.params_ == pytest.approx((p, q, 100 * gamma), rel=1e-6)
    assert cents.log_likelihood_ == pytest.approx(
        yuan.log_likelihood_ - 946 * math.log(100), abs=1e-6
    )


def test_weights_equal_repeated_customers(spend):
    x, m = spend
    repeated = GammaGamma().fit(np.r_[x, x[:50]], np.r_[m, m[:50]])
    w = np.ones(x.size)
    w[:50] = 2
    weighted = GammaGamma().fit(x, m, weights=w)
    assert weighted.params_ == pytest.approx(repeated.params_, rel=1e-8)
    assert weighted.log_likelihood_ == pytest.approx(repeated.log_likelihood_, rel=1e-12)
    assert weighted.n_customers_ == repeated.n_customers_


def test_fit_does_not_modify_inputs_and_pickles(spend):
    x, m = (v.copy() for v in spend)
    w = np.linspace(0.5, 2.0, x.size)
    before = [v.copy() for v in (x, m, w)]
    model = GammaGamma(penalizer=0.01).fit(x, m, weights=w)
    model.expected_spend(x, m)
    for original, after in zip(before, (x, m, w), strict=True):
        np.testing.assert_array_equal(original, after)
    clone = pickle.loads(pickle.dumps(model))  # noqa: S301 - our own bytes
    assert clone.params_ == model.params_
    np.testing.assert_array_equal(clone.expected_spend(x, m), model.expected_spend(x, m))


@settings(max_examples=200, deadline=None)
@given(
    st.builds(gamma_gamma.Params, st.floats(0.01, 100), st.floats(0.01, 100), st.floats(1e-3, 1e5)),
    st.integers(1, 500),
    st.floats(0.01, 1e6),
)
def test_log_likelihood_is_finite(params, x, m):
    assert np.isfinite(gamma_gamma.log_likelihood(params, np.array([float(x)]), np.array([m])))


@settings(max_examples=200, deadline=None)
@given(
    st.floats(0.1, 50),
    st.floats(1.01, 50),
    st.floats(0.01, 1e4),
    st.integers(0, 500),
    st.floats(0.01, 1e5),
)
def test_expected_spend_is_positive_and_between_the_two_means(p, q, gamma, x, m):
    params = gamma_gamma.Params(p, q, gamma)
    value = gamma_gamma.expected_spend(params, np.array([float(x)]), np.array([m]))[0]
    population = p * gamma / (q - 1)
    assert value > 0
    if x > 0:  # a weighted mean of the population mean and the customer's own
        assert min(population, m) * (1 - 1e-9) <= value <= max(population, m) * (1 + 1e-9)


def test_a_spend_model_without_a_finite_mean_says_so():
    with pytest.raises(ConvergenceError, match=r"q = 0\.8 <= 1"):
        gamma_gamma.expected_spend(gamma_gamma.Params(2.0, 0.8, 10.0), np.ones(1), np.ones(1))


def test_bad_spend_is_reported_with_count_and_first_index():
    """The message shape of check_rfm: what, how many, the first index and its values."""
    message = (
        r"monetary_value is not positive where frequency > 0 for 2 customers "
        r"\(first: index 1, monetary_value -1.0, frequency 2.0\)"
    )
    with pytest.raises(InputError, match=message) as caught:
        GammaGamma().fit([1, 2, 0, 3], [10.0, -1.0, 0.0, 0.0])
    assert caught.value.location.index == 1
    with pytest.raises(InputError, match="needs customers with repeat purchases"):
        GammaGamma().fit([0, 0], [0.0, 0.0])


def test_every_broken_rule_is_reported_once_with_its_count():
    with pytest.raises(InputError) as caught:
        GammaGamma().fit([1, -1, 1.5, 2, 1], [5.0, 5.0, 5.0, np.inf, 5.0], weights=[1, 1, 1, 1, -2])
    message = str(caught.value)
    assert "not a finite number for 1 customer (first: index 3, frequency 2.0, " in message
    assert "frequency is negative for 1 customer (first: index 1, frequency -1.0)" in message
    assert "not a whole number for 1 customer (first: index 2, frequency 1.5)" in message
    assert "weights is negative for 1 customer (first: index 4, weights -2.0)" in message
    assert caught.value.location.index == 3  # the first rule broken, at its first index


def test_lengths_that_do_not_match_are_named():
    with pytest.raises(InputError, match="got lengths frequency 3, monetary_value 2, weights 1"):
        GammaGamma().fit([1, 2, 3], [5.0, 6.0])


def test_customers_without_repeat_purchases_do_not_enter_the_fit(spend):
    """Only x > 0 carries spend: extra one-time buyers change nothing, whatever their m."""
    x, m = spend
    alone = GammaGamma().fit(x[x > 0], m[x > 0])
    padded = GammaGamma().fit(np.r_[x, np.zeros(3)], np.r_[m, [0.0, 17.5, -3.0]])
    assert padded.params_ == alone.params_
    assert padded.log_likelihood_ == alone.log_likelihood_
    assert padded.n_customers_ == alone.n_customers_ == 946
