"""The churn alert against lifetimes, a simulation, the models' own expectations and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.core.errors import InputError
from segmint.models import churn
from segmint.models.clv import beta_geo as bg
from segmint.models.clv import pareto_nbd as pn

# Fader, Hardie & Lee (2005), CDNOW in weeks: BG/NBD (their table 1) and Pareto/NBD
BG = bg.Params(r=0.243, alpha=4.414, a=0.793, b=2.426)
PN = pn.Params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
MODELS = {"bg_nbd": (BG, bg), "pareto_nbd": (PN, pn)}
# x, t_x, T: a one-off buyer, light, regular, heavy and recent, heavy and lapsed, large x
HISTORIES = [(0, 0.0, 10.0), (1, 5.0, 20.0), (4, 30.0, 39.0), (20, 38.0, 39.0), (20, 10.0, 39.0)]
HISTORIES += [(150, 103.0, 104.0)]
W = 13.0  # a quarter, in weeks

# lifetimes 0.11.3, ParetoNBDFitter.conditional_probability_of_n_purchases_up_to_time(n,
# 13, x, t_x, T) with params_ set (computed once: lifetimes is not a dependency). It is
# equation (16) of Fader & Hardie's note 028, with 2F1 and a finite sum: an independent
# formula. Rows: params, (x, t_x, T), P(X = n) for n = 0, 1, 2, 5, 10. The second set has
# alpha > beta, lifetimes' other branch.
LIFETIMES_COUNTS = [0, 1, 2, 5, 10]
LIFETIMES_PMF = [
    (PN, (0, 0.0, 10.0), [0.8663942616187528, 0.09387667323675083, 0.0267150304544689,
                          0.0010073231875751705, 6.332616257850023e-06]),
    (PN, (1, 5.0, 20.0), [0.7932574333944158, 0.1332586423846765, 0.04844386292983209,
                          0.0018390967516301899, 6.0087114897122076e-06]),
    (PN, (4, 30.0, 39.0), [0.48825490400548566, 0.2629431952238679, 0.14566048827996333,
                           0.008884396195824597, 2.219772726679861e-05]),
    (PN, (20, 38.0, 39.0), [0.04948132572413114, 0.0552362423408968, 0.08965332703475587,
                            0.1425460656667125, 0.027559706768150522]),
    (PN, (2, 10.0, 39.0), [0.8874883901943479, 0.07441576920873993, 0.026610834753655572,
                           0.0006391466974035109, 6.073189024291152e-07]),
    (pn.Params(2.0, 30.0, 1.5, 5.0), (0, 0.0, 10.0), [0.9612099134564915, 0.027335211047021656,
                                                      0.00811454947066832, 0.0001942014896412067,
                                                      2.8985483694082817e-07]),
    (pn.Params(2.0, 30.0, 1.5, 5.0), (4, 30.0, 39.0), [0.6683517150263492, 0.18479056538716315,
                                                       0.09177146110640541, 0.003967065890376852,
                                                       4.549714820505344e-06]),
    (pn.Params(2.0, 30.0, 1.5, 5.0), (20, 38.0, 39.0), [0.1440354860413335, 0.12318426376030456,
                                                        0.14752502979801735, 0.11067726687051199,
                                                        0.006866945299207675]),
]  # fmt: skip


def _columns(histories):
    return tuple(np.array(column, dtype=float) for column in zip(*histories, strict=True))


@pytest.mark.parametrize("model", MODELS)
def test_pmf_sums_to_one_over_counts(model):
    """Witness: a probability distribution over k = 0, 1, ...; truncated at 2,000 (the
    heaviest history's pmf is 1e-100 at k = 200 and underflows to 0 by 500)."""
    params, _ = MODELS[model]
    x, t_x, T = _columns(HISTORIES)
    pmf = np.array([churn.conditional_pmf(model, params, k, W, x, t_x, T) for k in range(2000)])
    assert np.all(pmf >= 0.0)
    np.testing.assert_allclose(pmf.sum(axis=0), 1.0, rtol=0.0, atol=1e-8)


@pytest.mark.parametrize("model", MODELS)
def test_mean_of_pmf_is_the_models_conditional_expectation(model):
    """Witness: equation (10) of Fader, Hardie & Lee (2005) for BG/NBD, and the
    conditional expectation of Schmittlein, Morrison & Colombo (1987) (equation (22) of
    Fader & Hardie's 2005 note) for Pareto/NBD: closed forms the pmf never uses."""
    params, module = MODELS[model]
    x, t_x, T = _columns(HISTORIES)
    counts = np.arange(2000)
    pmf = np.array([churn.conditional_pmf(model, params, k, W, x, t_x, T) for k in counts])
    mean = counts @ pmf
    np.testing.assert_allclose(mean, module.expected_purchases(params, W, x, t_x, T), rtol=1e-6)
    np.testing.assert_allclose(mean, churn.expected_in(model, params, 0.0, W, x, t_x, T), rtol=1e-6)


@pytest.mark.parametrize(("params", "history", "witness"), LIFETIMES_PMF)
def test_pareto_nbd_pmf_matches_lifetimes(params, history, witness):
    """Witness: lifetimes' closed form of note 028 (table above). Its 2F1 and finite sum
    agree with our quadrature to ~1e-11 relative; 1e-9 leaves room for scipy's 2F1."""
    x, t_x, T = (np.full(len(LIFETIMES_COUNTS), float(v)) for v in history)
    ours = churn.conditional_pmf("pareto_nbd", params, LIFETIMES_COUNTS, W, x, t_x, T)
    np.testing.assert_allclose(ours, witness, rtol=1e-9)


def _simulate_bg_nbd_future(params, history, *, n, rng):
    """Purchases in (T, T+W] of customers drawn from the posterior given the history.

    Alive at T with P(alive) (Fader, Hardie & Lee 2008, note 021); if so, lambda ~
    Gamma(r+x, alpha+T) and p ~ Beta(a, b+x); then the BG/NBD process itself:
    exponential gaps, and after each purchase a drop-out with probability p.
    """
    x, _, T = history
    r, alpha, a, b = params
    alive = bg.probability_alive(params, *_columns([history]))[0]
    active = rng.random(n) < alive
    rate = rng.gamma(r + x, 1.0 / (alpha + T), n)
    dropout = rng.beta(a, b + x, n)
    clock, counts = np.zeros(n), np.zeros(n, dtype=int)
    while active.any():
        clock[active] += rng.exponential(1.0 / rate[active])
        bought = active & (clock <= W)
        counts[bought] += 1
        active = bought & (rng.random(n) >= dropout)
    return counts


@pytest.mark.parametrize("history", HISTORIES[:5])
def test_bg_nbd_pmf_matches_a_simulation_of_the_conditional_future(history):
    """Witness: 200,000 simulated futures. Each frequency is within 4.5 standard errors
    sqrt(p(1-p)/n) of the pmf (a false alarm once in ~150,000 comparisons)."""
    n = 200_000
    counts = _simulate_bg_nbd_future(BG, history, n=n, rng=np.random.default_rng(2005))
    k = np.arange(8)
    x, t_x, T = (np.full(k.size, float(v)) for v in history)
    pmf = churn.conditional_pmf("bg_nbd", BG, k, W, x, t_x, T)
    observed = np.bincount(counts, minlength=k.size)[: k.size] / n
    error = np.sqrt(pmf * (1.0 - pmf) / n)
    assert np.all(np.abs(observed - pmf) <= 4.5 * error + 1e-12)


@st.composite
def histories(draw, most=5):
    """Valid (x, t_x, T) in weeks: 0 <= t_x <= T, and t_x == 0 when x == 0."""
    rows = []
    for _ in range(draw(st.integers(1, most))):
        T = draw(st.floats(0.0, 300.0))
        x = draw(st.integers(0, 200))
        rows.append((x, 0.0 if x == 0 else draw(st.floats(0.0, T)), T))
    return _columns(rows)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(list(MODELS)), histories(most=1), st.floats(0.5, 60.0))
def test_cdf_is_monotone_in_k_and_a_probability(model, history, w):
    params, _ = MODELS[model]
    k = np.arange(30)
    x, t_x, T = (np.full(k.size, v[0]) for v in history)
    cdf = churn.conditional_cdf(model, params, k, w, x, t_x, T)
    assert np.all((cdf >= 0.0) & (cdf <= 1.0))
    assert np.all(np.diff(cdf) >= -1e-15)
    pmf = churn.conditional_pmf(model, params, k, w, x, t_x, T)
    np.testing.assert_allclose(cdf, np.minimum(np.cumsum(pmf), 1.0), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("model", MODELS)
def test_a_regular_who_stops_gets_a_tiny_p_value_and_one_who_kept_her_pace_a_large_one(model):
    """40 purchase days in two years, the last days before c, in a loyal population (long
    lifetimes). The p-value of no purchase cannot fall below P(gone at c) plus E[e^-λw]
    given alive, about 1.5 % here; keeping to the expected ~5 purchases is unremarkable."""
    params = (
        bg.Params(2.0, 10.0, 0.3, 30.0) if model == "bg_nbd" else pn.Params(2.0, 10.0, 3.0, 3e3)
    )
    x, t_x, T = _columns([(40, 103.5, 104.0)] * 2)
    shortfall = churn.below_expectation(
        model, params, w=W, x=x, t_x=t_x, T=T, actual=[0, 5], spend=50.0,
        x_now=[40, 45], t_x_now=[103.5, 116.0], T_now=T + W,
    )  # fmt: skip
    assert shortfall.expected == pytest.approx([4.7] * 2, abs=0.1)
    assert shortfall.p_value[0] < 0.02
    assert shortfall.p_value[1] > 0.5
    assert shortfall.at_stake_365d[0] > shortfall.at_stake_90d[0] > 50.0


@pytest.mark.parametrize("model", MODELS)
def test_money_at_stake_is_the_lost_expected_purchases_times_spend(model):
    """Witness: the models' `expected_purchases`, written out for three customers: one who
    stopped, one who kept her pace, one who bought more than before (floored at 0)."""
    params, module = MODELS[model]
    x, t_x, T = _columns([(12, 50.0, 52.0), (12, 50.0, 52.0), (2, 30.0, 52.0)])
    actual, spend = np.array([0.0, 3.0, 4.0]), np.array([30.0, 30.0, 80.0])
    x_now, t_x_now, T_now = _columns([(12, 50.0, 65.0), (15, 64.0, 65.0), (6, 64.0, 65.0)])
    shortfall = churn.below_expectation(
        model, params, w=W, x=x, t_x=t_x, T=T, actual=actual, spend=spend,
        x_now=x_now, t_x_now=t_x_now, T_now=T_now,
    )  # fmt: skip
    for days, at_stake in ((90, shortfall.at_stake_90d), (365, shortfall.at_stake_365d)):
        h = days / 7.0
        kept_pace = module.expected_purchases(params, W + h, x, t_x, T) - module.expected_purchases(
            params, W, x, t_x, T
        )
        now = module.expected_purchases(params, h, x_now, t_x_now, T_now)
        np.testing.assert_allclose(at_stake, spend * np.maximum(kept_pace - now, 0.0), rtol=1e-12)
        assert at_stake[0] > 0.0
        assert at_stake[2] == 0.0
    np.testing.assert_allclose(shortfall.expected, module.expected_purchases(params, W, x, t_x, T))
    assert shortfall.actual.tolist() == actual.tolist()


def test_inputs_are_not_modified():
    x, t_x, T = _columns(HISTORIES)
    columns = {"x": x, "t_x": t_x, "T": T, "actual": np.ones_like(x), "spend": np.full_like(x, 9.0)}
    now = {"x_now": x + 1, "t_x_now": T + 1, "T_now": T + W}
    before = {name: v.copy() for name, v in {**columns, **now}.items()}
    for model, (params, _) in MODELS.items():
        churn.below_expectation(model, params, w=W, **columns, **now)
        churn.conditional_pmf(model, params, columns["actual"], W, x, t_x, T)
    for name, values in {**columns, **now}.items():
        np.testing.assert_array_equal(values, before[name])


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(list(MODELS)), histories(), st.data())
def test_vectorised_and_per_customer_give_the_same_numbers(model, history, data):
    params, _ = MODELS[model]
    x, t_x, T = history
    actual = np.array(data.draw(st.lists(st.integers(0, 12), min_size=x.size, max_size=x.size)))
    spend = np.full(x.size, 25.0)
    now = (x + actual, np.where(actual > 0, T + W / 2, t_x), T + W)
    together = churn.below_expectation(
        model, params, w=W, x=x, t_x=t_x, T=T, actual=actual, spend=spend,
        x_now=now[0], t_x_now=now[1], T_now=now[2],
    )  # fmt: skip
    for i in range(x.size):
        alone = churn.below_expectation(
            model, params, w=W, x=x[i], t_x=t_x[i], T=T[i], actual=actual[i], spend=spend[i],
            x_now=now[0][i], t_x_now=now[1][i], T_now=now[2][i],
        )  # fmt: skip
        for field, value in alone._asdict().items():
            np.testing.assert_allclose(getattr(together, field)[i], value[0], rtol=1e-12)


def test_chunks_of_customers_do_not_mix():
    """20,000 customers cross the Pareto/NBD quadrature's chunks of rows; reversing their
    order moves every chunk boundary and must change nothing."""
    rng = np.random.default_rng(7)
    T = rng.uniform(0.0, 150.0, 20_000)
    x = rng.poisson(T / 10.0).astype(float)
    t_x = np.where(x > 0, T * rng.uniform(0.0, 1.0, T.size), 0.0)
    k = rng.integers(0, 4, T.size)
    forward = churn.conditional_cdf("pareto_nbd", PN, k, W, x, t_x, T)
    backward = churn.conditional_cdf("pareto_nbd", PN, k[::-1], W, x[::-1], t_x[::-1], T[::-1])
    np.testing.assert_array_equal(forward, backward[::-1])


@pytest.mark.parametrize("model", MODELS)
def test_days_instead_of_weeks_change_nothing(model):
    """alpha and beta carry the time unit; r, a, b, s do not."""
    params, _ = MODELS[model]
    in_days = {
        "bg_nbd": bg.Params(BG.r, 7.0 * BG.alpha, BG.a, BG.b),
        "pareto_nbd": pn.Params(PN.r, 7.0 * PN.alpha, PN.s, 7.0 * PN.beta),
    }[model]
    x, t_x, T = _columns(HISTORIES)
    k = np.array([0, 1, 2, 3, 5, 20])
    weeks = churn.conditional_pmf(model, params, k, W, x, t_x, T)
    days = churn.conditional_pmf(model, in_days, k, 7.0 * W, x, 7.0 * t_x, 7.0 * T)
    np.testing.assert_allclose(days, weeks, rtol=1e-9)


def test_params_of_the_other_model_are_refused():
    with pytest.raises(InputError, match="'params' parameter of the churn alert for pareto_nbd"):
        churn.conditional_pmf("pareto_nbd", BG, 0, W, [1.0], [2.0], [5.0])
    with pytest.raises(InputError, match="'model' parameter"):
        churn.expected_in("mbg_nbd", BG, 0.0, W, [1.0], [2.0], [5.0])


def test_a_recency_beyond_age_is_named_with_its_index():
    with pytest.raises(
        InputError, match=r"recency is greater than T for 1 customer \(first: index 1"
    ):
        churn.conditional_cdf("bg_nbd", BG, [0, 1], W, [1, 2], [3.0, 9.0], [5.0, 6.0])


def test_the_alerts_p_value_is_the_cdf_given_she_is_still_active():
    """Witness: P(X <= k | active) = (P(X <= k) - (1 - P(alive))) / P(alive), the mixture
    of the module docstring solved for its active part."""
    params = bg.Params(r=0.5, alpha=5.0, a=0.8, b=2.5)
    x, t_x, T = (
        np.array([6.0, 2.0, 10.0]),
        np.array([30.0, 12.0, 50.0]),
        np.array([40.0, 40.0, 52.0]),
    )
    actual = np.array([0, 1, 2])
    shortfall = churn.below_expectation(
        "bg_nbd",
        params,
        w=12.0,
        x=x,
        t_x=t_x,
        T=T,
        actual=actual,
        spend=np.ones(3),
        x_now=x + actual,
        t_x_now=T + 1.0,
        T_now=T + 12.0,
    )
    alive = bg.probability_alive(params, x, t_x, T)
    mixture = churn.conditional_cdf("bg_nbd", params, actual, 12.0, x, t_x, T)
    np.testing.assert_allclose(shortfall.p_value, (mixture - (1 - alive)) / alive, rtol=1e-9)
    assert np.all(shortfall.p_value < mixture)
