"""Lifecycle stages against a plain-Python oracle of the module's written rules."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.core.errors import InputError
from segmint.models.lifecycle import STAGES, Rules, stages

RULES = Rules()


def _oracle(customers, rules):
    gaps = [c["gap"] for c in customers if not math.isnan(c["gap"])]
    stand_in = statistics.median(gaps) if gaps else rules.fallback_gap_days
    names = []
    for c in customers:
        usual = stand_in if math.isnan(c["gap"]) else c["gap"]
        alive = c["p_alive"]
        if c["orders"] == 0:
            names.append("prospect")
        elif (
            c["silent"] > rules.churned_gaps * usual and c["silent"] >= rules.churned_min_days
        ) or (alive < rules.churned_p_alive):
            names.append("churned")
        elif (
            c["silent"] > rules.at_risk_gaps * usual and c["silent"] >= rules.at_risk_min_days
        ) or (alive < rules.at_risk_p_alive):
            names.append("at_risk")
        elif c["previous"] == "churned":
            names.append("won_back")
        elif c["tenure"] <= rules.new_days:
            names.append("new")
        else:
            names.append("active")
    return names


@st.composite
def customer(draw):
    orders = draw(st.integers(0, 30))
    tenure = draw(st.integers(0, 1500))
    silent = draw(st.integers(0, tenure))
    gap = draw(st.floats(1, 400)) if orders >= 2 else math.nan
    p_alive = draw(st.one_of(st.just(math.nan), st.floats(0, 1)))
    previous = draw(st.sampled_from([None, "churned", "active", "at_risk"]))
    return {
        "orders": orders,
        "tenure": tenure,
        "silent": silent,
        "gap": gap,
        "p_alive": p_alive,
        "previous": previous,
    }


@settings(max_examples=200, deadline=None)
@given(st.lists(customer(), min_size=1, max_size=40))
def test_stages_follow_the_written_rules(customers):
    keys = [s.key for s in STAGES]
    previous = [keys.index(c["previous"]) if c["previous"] else -1 for c in customers]
    got = stages(
        [c["orders"] for c in customers],
        [c["silent"] for c in customers],
        [c["tenure"] for c in customers],
        [c["gap"] for c in customers],
        p_alive=[c["p_alive"] for c in customers],
        previous=previous,
    )
    assert [keys[i] for i in got] == _oracle(customers, RULES)


def test_a_one_time_buyer_is_judged_by_the_median_gap_of_repeat_buyers():
    # repeat buyers' gaps 20 and 40: the one-time buyer's stand-in is 30 days
    got = stages([3, 4, 1, 1], [10, 10, 61, 130], [400, 400, 400, 400], [20, 40, np.nan, np.nan])
    assert [STAGES[i].key for i in got] == ["active", "active", "at_risk", "at_risk"]
    got = stages([3, 4, 1], [10, 10, 181], [400, 400, 400], [20, 40, np.nan])
    assert STAGES[got[2]].key == "churned"


def test_inconsistent_rules_are_refused():
    with pytest.raises(InputError, match=r"0 < at_risk_gaps \(5.0\) <= churned_gaps \(4.0\)"):
        stages([1], [1], [1], [np.nan], rules=Rules(at_risk_gaps=5.0, churned_gaps=4.0))
