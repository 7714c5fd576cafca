"""Expected cumulative repeat purchases against lifetimes, a brute-force sum and simulations."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from segmint.core.errors import InputError
from segmint.models.clv import beta_geo, modified_beta_geo, pareto_nbd
from segmint.models.clv import tracking as module
from segmint.models.clv.tracking import expected_cumulative_purchases

# The papers' CDNOW parameters (weeks): Fader, Hardie & Lee (2005) for BG/NBD and
# Pareto/NBD, Batislam, Denizel & Filiztekin (2007) for MBG/NBD.
MODELS = {
    "bg_nbd": (beta_geo, beta_geo.Params(0.2426, 4.4136, 0.7931, 2.4259)),
    "pareto_nbd": (pareto_nbd, pareto_nbd.Params(0.5534, 10.5776, 0.6061, 11.6689)),
    "mbg_nbd": (modified_beta_geo, modified_beta_geo.Params(0.525, 6.183, 0.891, 1.614)),
}
# lifetimes 0.11.3 (computed once: lifetimes is not a dependency), with params_ set to the
# parameters above: lifetimes.utils.expected_cumulative_transactions(model, CDNOW_sample,
# "ordered_at", "customer_id", t=546, freq="D", freq_multiplier=7)["predicted"] at weeks
# 1, 13, 39 and 78. It sums E[X((day - first day) / 7)] over the customers acquired before
# each day, per first-purchase day, as our function does.
WEEKS = (1, 13, 39, 78)
LIFETIMES = {
    "bg_nbd": (4.405564595837181, 722.5228907747745, 2501.366686642859, 4165.223725847739),
    "pareto_nbd": (4.216243228297886, 712.5777432044302, 2533.6341906186126, 4277.059286134703),
    "mbg_nbd": (4.39365641462562, 725.0392147439865, 2484.3427112613845, 4057.1206889716054),
}


def new_customer(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """E[X(τ)] of the model `name` at its CDNOW parameters, τ in weeks."""
    model, params = MODELS[name]
    return lambda age: model.expected_purchases_new(params, age)


@pytest.fixture(scope="module")
def first_weeks(cdnow_transactions) -> np.ndarray:
    """Each CDNOW customer's first purchase, in weeks from the data's first day."""
    days = (cdnow_transactions.ordered_at - cdnow_transactions.ordered_at.min()).dt.days
    return days.groupby(cdnow_transactions.customer_id).min().to_numpy() / 7.0


def brute_force(expected_new, first, at) -> np.ndarray:
    """The defining sum, customer by customer: O(customers × grid)."""
    out = np.zeros(len(at))
    for k, t in enumerate(at):
        acquired = first < t
        out[k] = expected_new(t - first[acquired]).sum()
    return out


@pytest.mark.parametrize("name", MODELS)
def test_cdnow_tracking_matches_lifetimes(name, first_weeks):
    got = expected_cumulative_purchases(new_customer(name), first_weeks, np.array(WEEKS, float))
    np.testing.assert_allclose(got, LIFETIMES[name], rtol=1e-12)


@pytest.mark.parametrize("name", MODELS)
def test_cdnow_tracking_is_the_sum_over_customers(name, first_weeks):
    at = np.arange(1, 79) / 1.0  # every week of the 78, as the tracking plot has them
    got = expected_cumulative_purchases(new_customer(name), first_weeks, at)
    np.testing.assert_allclose(got, brute_force(new_customer(name), first_weeks, at), rtol=1e-12)


def test_many_distinct_first_purchases_are_summed_in_chunks(monkeypatch):
    rng = np.random.default_rng(11)
    first = rng.uniform(0, 30, 3_000)  # continuous times: every one distinct
    at = np.sort(rng.uniform(0, 40, 50))
    monkeypatch.setattr(module, "CHUNK", 10_000)  # three grid points at a time
    got = expected_cumulative_purchases(new_customer("bg_nbd"), first, at)
    np.testing.assert_allclose(got, brute_force(new_customer("bg_nbd"), first, at), rtol=1e-12)


def simulated_paths(name: str, first: np.ndarray, at: np.ndarray, rng) -> np.ndarray:
    """Each simulated customer's cumulative repeat purchases at the times `at`.

    A Poisson process at rate lambda ~ Gamma(r, alpha) from her first purchase. BG/NBD:
    she drops out after the K-th repeat purchase, K ~ Geometric(p), p ~ Beta(a, b) (Fader,
    Hardie & Lee 2005); MBG/NBD: after K - 1, so possibly at once (Batislam et al. 2007);
    Pareto/NBD: she buys for an Exp(mu) lifetime, mu ~ Gamma(s, beta) (Schmittlein et al.
    1987).
    """
    _, p = MODELS[name]
    n = first.size
    ages = np.maximum(at[None, :] - first[:, None], 0.0)
    rate = rng.gamma(p[0], 1.0 / p[1], size=n)
    cap = np.full(n, np.inf)
    if name == "pareto_nbd":
        lifetime = rng.exponential(1.0 / rng.gamma(p.s, 1.0 / p.beta, size=n))
        ages = np.minimum(ages, lifetime[:, None])
    else:
        cap = rng.geometric(rng.beta(p.a, p.b, size=n)) - (name == "mbg_nbd")
    steps = np.diff(ages, axis=1, prepend=0.0)
    counts = np.cumsum(rng.poisson(rate[:, None] * steps), axis=1)
    return np.minimum(counts, cap[:, None])


@pytest.mark.parametrize("name", MODELS)
def test_the_closed_forms_match_simulated_customers(name):
    """Witness: 40,000 customers acquired over 26 weeks, simulated from the parameters,
    tracked weekly for a year. The simulated total at each week lies within 4 standard
    errors of the expectation; the standard error is sqrt(n) times the customers' standard
    deviation, which bounds the true one (it also counts the spread of their means)."""
    rng = np.random.default_rng(20050101)
    first = rng.integers(0, 182, 40_000) / 7.0
    at = np.arange(1, 53, dtype=float)
    paths = simulated_paths(name, first, at, rng)
    simulated = paths.sum(axis=0)
    expected = expected_cumulative_purchases(new_customer(name), first, at)
    tolerance = 4.0 * np.sqrt(first.size) * paths.std(axis=0)
    assert np.all(np.abs(simulated - expected) <= tolerance)
    assert simulated[-1] == pytest.approx(expected[-1], rel=0.03)


def test_properties_of_the_sum():
    first = np.array([2.0, 2.0, 5.0, 9.0])
    at = np.array([10.0, 0.0, 2.0, 3.0, 5.0, 6.0])  # any order
    got = expected_cumulative_purchases(new_customer("bg_nbd"), first, at)
    assert got[1] == got[2] == 0.0  # nobody acquired before t: nothing expected
    one = new_customer("bg_nbd")(np.array([1.0]))[0]
    assert got[3] == pytest.approx(2 * one, rel=1e-14)  # the two acquired at 2, a week on
    assert np.all(np.diff(got[[1, 2, 3, 4, 5, 0]]) >= 0)
    assert expected_cumulative_purchases(new_customer("bg_nbd"), [], at).tolist() == [0.0] * 6


def test_a_time_that_is_not_a_number_is_refused():
    with pytest.raises(InputError, match="not a finite number") as caught:
        expected_cumulative_purchases(new_customer("bg_nbd"), [1.0, np.nan], [2.0])
    assert caught.value.location.index == 1


def test_one_million_customers_take_well_under_a_second_of_work():
    """Not a timing: the work is counted. 1M customers acquired on 1,100 days and 200
    grid points need at most 1,100 × 200 model evaluations, whatever the customers."""
    rng = np.random.default_rng(5)
    first = rng.integers(0, 1_100, 1_000_000).astype(float)
    at = np.linspace(0, 1_100, 200)
    ages: list[int] = []

    def counted(age: np.ndarray) -> np.ndarray:
        ages.append(age.size)
        return new_customer("bg_nbd")(age / 7.0)

    got = expected_cumulative_purchases(counted, first, at)
    assert 0 < sum(ages) <= 1_100 * 200
    days, counts = np.unique(first, return_counts=True)
    before = days < at[-1]
    last = new_customer("bg_nbd")((at[-1] - days[before]) / 7.0) @ counts[before]
    assert got[-1] == pytest.approx(last, rel=1e-12)
