"""Holdout checks on CDNOW, each view against an independent computation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from segmint.clv import BetaGeo, summarize
from segmint.core.errors import InputError
from segmint.models.clv.validation import validate

CALIBRATION_END = dt.date(1997, 9, 30)  # 39 weeks from 1997-01-01
HOLDOUT_END = dt.date(1998, 6, 30)  # 39 weeks more


@pytest.fixture(scope="module")
def checked(cdnow_transactions):
    calibration = summarize(cdnow_transactions, as_of=CALIBRATION_END)
    model = BetaGeo().fit(calibration.frequency, calibration.recency, calibration["T"])
    result = validate(model, cdnow_transactions, calibration_end=CALIBRATION_END, as_of=HOLDOUT_END)
    return model, calibration, result


def test_tracking_counts_every_repeat_purchase_once(checked, cdnow_transactions):
    _, calibration, result = checked
    tracking = result.tracking
    both = summarize(cdnow_transactions, as_of=HOLDOUT_END, calibration_end=CALIBRATION_END)
    assert tracking.loc[~tracking.holdout, "actual"].sum() == calibration.frequency.sum() == 2457
    assert tracking.loc[tracking.holdout, "actual"].sum() == both.frequency_holdout.sum()
    assert tracking.holdout.sum() == 39  # 273 holdout days in whole weeks


def test_tracking_actual_matches_a_groupby_of_the_log(checked, cdnow_transactions):
    _, _, result = checked
    days = cdnow_transactions.drop_duplicates(["customer_id", "ordered_at"]).copy()
    days = days[days.ordered_at <= pd.Timestamp(HOLDOUT_END)]
    first = days.groupby("customer_id").ordered_at.transform("min")
    repeat = days[days.ordered_at > first]
    since_cut = (repeat.ordered_at - pd.Timestamp(CALIBRATION_END)).dt.days
    week = np.ceil(since_cut / 7).astype(int)  # week 1 = the holdout's first
    counts = week.value_counts()
    holdout = result.tracking[result.tracking.holdout]
    for number, (_, row) in enumerate(holdout.iterrows(), start=1):
        assert row.actual == counts.get(number, 0)


def test_predicted_holdout_tracking_matches_lifetimes(checked):
    """lifetimes 0.11.3: expected_number_of_purchases_up_to_time(T + 39).sum()
    - expected_number_of_purchases_up_to_time(T).sum() = 1666.6689 on the same data."""
    _, _, result = checked
    holdout = result.tracking[result.tracking.holdout]
    assert holdout.predicted.sum() == pytest.approx(1666.6689, rel=1e-5)


def test_predicted_cumulative_at_the_cut_is_the_cohort_expectation(checked):
    model, calibration, result = checked
    at_cut = result.tracking.loc[~result.tracking.holdout, "predicted_cumulative"].iloc[-1]
    witness = model.expected_purchases_new(calibration["T"].to_numpy()).sum()
    assert at_cut == pytest.approx(witness, rel=1e-12)
    assert np.all(np.diff(result.tracking.predicted_cumulative) >= 0)


def test_conditional_expectations_average_the_model_per_frequency(checked, cdnow_transactions):
    model, _, result = checked
    both = summarize(cdnow_transactions, as_of=HOLDOUT_END, calibration_end=CALIBRATION_END)
    predicted = model.expected_purchases(39.0, both.frequency, both.recency, both["T"])
    group = np.minimum(both.frequency, 7)
    for frequency, row in result.conditional.iterrows():
        members = group == frequency
        assert row.customers == members.sum()
        assert row.actual == pytest.approx(both.frequency_holdout[members].mean())
        assert row.predicted == pytest.approx(predicted[members.to_numpy()].mean())
    assert list(result.conditional.index) == list(range(8))


def test_errors_summarise_the_per_customer_gaps(checked):
    _, _, result = checked
    errors = result.errors
    assert errors.customers == 2357
    assert errors.mae <= errors.rmse
    assert errors.actual == 1882  # distinct purchase days, as test_summary counts them
    # lifetimes 0.11.3 on the same fit: conditional_expected_number_of_purchases_up_to_time(
    # 39, x, t_x, T).sum() = 1653.4233 (our fit's optimum differs in the 6th digit)
    assert errors.predicted == pytest.approx(1653.4233, rel=1e-5)
    assert errors.bias == pytest.approx((errors.predicted - errors.actual) / 2357)


def test_a_holdout_without_days_is_refused(checked, cdnow_transactions):
    model, _, _ = checked
    with pytest.raises(InputError, match="as_of must be after calibration_end"):
        validate(model, cdnow_transactions, calibration_end=HOLDOUT_END, as_of=HOLDOUT_END)
