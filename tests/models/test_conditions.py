"""Conditions: one object computes a label and reports the comparisons behind it.

Witnesses: hand-worked comparisons, and the property that `holds` over all customers
agrees, customer by customer, with the verdict of that customer's own `checks`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.models import lifecycle, rfm, rfm_names, tiers
from segmint.models.conditions import (
    AllOf,
    AnyOf,
    BeyondMean,
    Check,
    Compare,
    Const,
    Of,
    Param,
    Product,
    Term,
    first,
    tried,
    verdict,
)

AT_RISK = Compare("recency_days", ">", Product((Param("at_risk_gaps"), Of("usual_gap_days"))))


def _rows(values):
    """One customer's numbers per position of the arrays in `values`."""
    n = len(next(iter(values.values())))
    return [{k: v[i].item() for k, v in values.items()} for i in range(n)]


def test_a_comparison_reports_her_value_the_bound_and_how_it_was_made():
    row = {"recency_days": 130, "usual_gap_days": 45.0}
    (check,) = AT_RISK.checks(row, {"at_risk_gaps": 2.0})
    terms = (Term("at_risk_gaps", 2.0), Term("usual_gap_days", 45.0))
    assert check == Check("recency_days", 130.0, ">", 90.0, terms, held=True)


def test_a_missing_value_fails_every_comparison():
    row = {"p_alive": math.nan}
    for op in (">", ">=", "<", "<=", "=="):
        (check,) = Compare("p_alive", op, Const(0.5)).checks(row, {})
        assert not check.held
    assert not Compare("p_alive", "<", Const(0.5)).holds({"p_alive": np.array([np.nan])}, {})[0]


def test_all_and_any_report_every_part_in_order():
    rule = AnyOf(
        (
            AllOf((AT_RISK, Compare("recency_days", ">=", Param("days")))),
            Compare("p", "<", Const(0.5)),
        )
    )
    row = {"recency_days": 50, "usual_gap_days": 45.0, "p": 0.4}
    checks = rule.checks(row, {"at_risk_gaps": 2.0, "days": 60})
    assert [c.held for c in checks] == [False, False, True]
    assert verdict(rule, row, {"at_risk_gaps": 2.0, "days": 60})


def test_beyond_the_mean_is_exact_over_customers_and_reads_the_recorded_mean():
    """Witness: 1 and 2 cents around a mean of 1.5; the check uses the run's mean."""
    high = BeyondMean("monetary", "mean_monetary")
    assert high.holds({"monetary": np.array([1, 2])}, {}).tolist() == [False, True]
    (check,) = high.checks({"monetary": 2}, {"mean_monetary": 1.5})
    assert (check.op, check.bound, check.held) == (">", 1.5, True)


customers = st.lists(
    st.tuples(
        st.integers(0, 30),  # orders
        st.integers(0, 1500),  # days silent
        st.integers(0, 2000),  # tenure
        st.one_of(st.just(math.nan), st.floats(1, 400)),  # own gap
        st.one_of(st.just(math.nan), st.floats(0, 1)),  # p_alive
        st.integers(-1, 5),  # previous stage
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=80, deadline=None)
@given(customers)
def test_the_stage_table_agrees_with_each_customers_checks(rows):
    """Witness: `first` over the arrays = the first case whose checks all hold, per customer."""
    columns = list(zip(*rows, strict=True))
    gap = np.array(columns[3])
    values = {
        "frequency": np.array(columns[0], dtype=float),
        "recency_days": np.array(columns[1], dtype=float),
        "tenure_days": np.array(columns[2], dtype=float),
        "usual_gap_days": lifecycle.usual_gap(gap, fallback=90.0),
        "p_alive": np.array(columns[4]),
        "previous_stage": np.array(columns[5]),
    }
    params = lifecycle.DEFAULT_RULES._asdict()
    choices = [lifecycle.STAGES.index(c.key) for c in lifecycle.STAGE_RULES]
    vectorised = first(lifecycle.STAGE_RULES, values, params, choices=choices, default=2)
    for i, row in enumerate(_rows(values)):
        seen = tried(lifecycle.STAGE_RULES, row, params)
        key = seen[-1][0].key if seen[-1][1] else "active"
        assert lifecycle.STAGES[vectorised[i]] == key
        for case in lifecycle.STAGE_RULES:
            assert case.when.holds(values, params)[i] == verdict(case.when, row, params)
    assert (
        vectorised.tolist()
        == lifecycle.stages(
            values["frequency"],
            values["recency_days"],
            values["tenure_days"],
            gap,
            p_alive=values["p_alive"],
            previous=values["previous_stage"],
        ).tolist()
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-500, 200_000), min_size=1, max_size=40), st.integers(1, 4))
def test_tier_and_score_conditions_agree_with_each_customers_checks(spend, count):
    cuts = sorted({200_000 // (j + 1) for j in range(count)}, reverse=True)
    values = {"spend": np.array(spend), "spend_rank": np.argsort(np.argsort(spend))}
    params = {"thresholds": tuple(cuts), "ends": tuple(range(1, count + 1))}
    conditions = [c.when for c in tiers.threshold_cases(len(cuts))]
    conditions += [c.when for c in tiers.pareto_cases(count)]
    values["monetary"] = values["spend"]
    params["monetary_cuts"] = tuple(sorted(cuts))
    conditions += list(rfm.cut_conditions("monetary", bins=len(cuts) + 1))
    for condition in conditions:
        mask = condition.holds(values, params)
        assert mask.tolist() == [verdict(condition, r, params) for r in _rows(values)]


def test_every_rfm11_cell_is_held_by_exactly_its_named_rule():
    """Witness: the table's own lint (check_scheme) and each rule's checks, cell by cell."""
    for r in range(1, 6):
        for fm in range(1, 6):
            row = {"r_score": r, "fm_score": fm}
            held = [rule.key for rule in rfm_names.RFM11 if verdict(rule.condition, row, {})]
            assert len(held) == 1
            array = {"r_score": np.array([r]), "fm_score": np.array([fm])}
            f, m = fm, fm  # (fm + fm) // 2 == fm: any cell with this fm
            named = rfm_names.name_cells(rfm_names.RFM11, [r], [f], [m], bins=5)
            assert rfm_names.RFM11[named[0]].key == held[0]
            assert rfm_names.RFM11[named[0]].condition.holds(array, {})[0]


@pytest.mark.parametrize("op", [">", ">=", "<", "<=", "=="])
def test_an_operator_gives_the_same_answer_on_arrays_and_on_one_customer(op):
    values = np.array([1.0, 2.0, 3.0, np.nan])
    mask = Compare("x", op, Const(2.0)).holds({"x": values}, {})
    one = [Compare("x", op, Const(2.0)).checks({"x": v}, {})[0].held for v in values]
    assert mask.tolist() == one
