"""The days a customer's labels can next move: each hook's day against a day-by-day check.

Witnesses: the comparison itself evaluated on every following day (a counter growing by
one a day), P(alive) of the fitted model evaluated on every day (the bisection must find
the first day it is at or below the threshold), and the calendar (birthdays).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmint.models.clv import beta_geo, pareto_nbd
from segmint.pipeline import horizon

DAY = 20_000  # 2024-10-04


@given(
    counter=st.integers(0, 400),
    value=st.one_of(st.integers(0, 400), st.floats(0, 400, allow_nan=False)),
    op=st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
)
def test_a_crossing_is_never_after_the_first_day_a_comparison_flips(counter, value, op):
    compare = {
        "<": np.less,
        "<=": np.less_equal,
        ">": np.greater,
        ">=": np.greater_equal,
        "==": np.equal,
        "!=": np.not_equal,
    }[op]
    later = counter + np.arange(0, 900)
    verdicts = compare(later, value)
    flips = np.flatnonzero(verdicts != verdicts[0])
    found = horizon._crossing(np.array([float(counter)]), value, day=DAY)[0]
    if flips.size:
        assert found <= DAY + flips[0]
    assert found > DAY


@pytest.mark.parametrize("model", ["bg_nbd", "pareto_nbd"])
def test_p_alive_falls_while_silent_and_its_crossing_day_is_never_late(model):
    """Exact to the day within 64 days; a later crossing gets a day no later than it."""
    rng = np.random.default_rng(3)
    n = 300
    x = rng.integers(1, 12, n).astype(float)
    t_x = rng.uniform(1, 40, n)
    T = t_x + rng.uniform(0, 20, n)
    if model == "bg_nbd":
        fitted, module = beta_geo.Params(r=0.24, alpha=4.41, a=0.79, b=2.43), beta_geo
    else:
        fitted, module = pareto_nbd.Params(r=0.55, alpha=10.58, s=0.61, beta=11.67), pareto_nbd

    def alive(delta, who):
        i = np.arange(n) if who is None else who
        return module.probability_alive(fitted, x[i], t_x[i], T[i] + delta / 7)

    daily = np.array([alive(np.full(n, float(d)), None) for d in range(0, 1200)])
    assert np.all(np.diff(daily, axis=0) <= 1e-12)  # non-increasing: what the search needs
    found = horizon._decline(alive, 0.3, day=DAY, n=n)
    below = daily <= 0.3
    for i in range(n):
        if below[0, i]:
            assert found[i] == np.inf  # already below: the comparison no longer moves
        elif below[:, i].any():
            first = DAY + int(below[:, i].argmax())
            assert (found[i] == first) if first - DAY <= 64 else (DAY < found[i] <= first)
        else:
            assert found[i] > DAY
    assert (found <= DAY + 64).sum() > 10  # the exact branch was exercised


def test_the_next_birthday_follows_the_calendar():
    day = (dt.date(2025, 12, 6) - dt.date(1970, 1, 1)).days
    mmdd = np.array([1206.0, 1207.0, 229.0, np.nan])
    days = horizon._birthday(mmdd, day=day, n=4)
    epoch = dt.date(1970, 1, 1)
    assert [epoch + dt.timedelta(days=int(d)) for d in days[:3]] == [
        dt.date(2026, 12, 6),
        dt.date(2025, 12, 7),
        dt.date(2026, 3, 1),  # 29 February in a common year: age turns on 1 March
    ]
    assert days[3] == np.inf
