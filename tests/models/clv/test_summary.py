"""summarize against the published CDNOW summary and against hand-made logs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.clv import summarize
from segmint.core.errors import InputError, SchemaError

# Fader, Hardie & Lee (2005), section 4: the 1/10 CDNOW sample bought first in Q1 1997;
# 39-week calibration 1997-01-01 .. 1997-09-30, 39-week holdout to 1998-06-30.
CALIBRATION_END = dt.date(1997, 9, 30)
HOLDOUT_END = dt.date(1998, 6, 30)


@pytest.fixture(scope="module")
def calibration(cdnow_transactions):
    return summarize(cdnow_transactions, amount="amount", as_of=CALIBRATION_END)


def test_cdnow_totals_match_the_published_summary(calibration):
    # FHL (2005): 2,357 customers, 2,457 repeat purchases, 946 customers with repeats
    assert len(calibration) == 2357
    assert calibration.frequency.sum() == 2457
    assert (calibration.frequency > 0).sum() == 946


def test_cdnow_rows_match_the_published_summary_per_customer(calibration, cdnow):
    ours = calibration.loc[cdnow.index]
    np.testing.assert_array_equal(ours.frequency, cdnow.x)
    # the file prints weeks and spend with 2 decimals: half a cent of rounding
    np.testing.assert_allclose(ours.recency, cdnow.t_x, atol=0.005 + 1e-9)
    np.testing.assert_allclose(ours["T"], cdnow["T"], atol=0.005 + 1e-9)
    np.testing.assert_allclose(ours.monetary_value, cdnow.zbar, atol=0.005 + 1e-9)


def test_cdnow_holdout_covers_39_weeks(cdnow_transactions, calibration):
    both = summarize(
        cdnow_transactions,
        amount="amount",
        as_of=HOLDOUT_END,
        calibration_end=CALIBRATION_END,
    )
    pd.testing.assert_frame_equal(both[calibration.columns], calibration)
    assert (both.duration_holdout == 39.0).all()
    # independent count: distinct (customer, day) pairs after the calibration end
    after = cdnow_transactions[cdnow_transactions.ordered_at > pd.Timestamp(CALIBRATION_END)]
    assert both.frequency_holdout.sum() == len(after.drop_duplicates(["customer_id", "ordered_at"]))


def test_arrow_input_gives_the_same_summary(cdnow_transactions, calibration):
    table = pa.Table.from_pandas(cdnow_transactions, preserve_index=False)
    pd.testing.assert_frame_equal(
        summarize(table, amount="amount", as_of=CALIBRATION_END), calibration
    )


def test_same_day_purchases_merge_and_the_first_day_is_not_spend():
    log = pd.DataFrame(
        {
            "customer_id": ["b", "a", "a", "a", "a", "b", "c"],
            "ordered_at": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 10:00",
                    "2024-01-01 18:00",
                    "2024-01-08 12:00",
                    "2024-01-15 23:59",
                    "2024-02-01 08:00",
                    "2024-01-31 07:00",
                ]
            ),
            "amount": [5.0, 10.0, 20.0, 7.0, 9.0, 100.0, 1.0],
        }
    )
    out = summarize(log, amount="amount", as_of="2024-01-31", unit="D")
    assert list(out.index) == ["a", "b", "c"]  # b's purchase after as_of is ignored
    assert out.loc["a"].tolist() == [2, 14.0, 30.0, 8.0]  # (7 + 9) / 2; day one (30) excluded
    assert out.loc["b"].tolist() == [0, 0.0, 30.0, 0.0]
    assert out.loc["c"].tolist() == [0, 0.0, 0.0, 0.0]
    weeks = summarize(log, as_of="2024-01-31")
    assert weeks.loc["a", "T"] == pytest.approx(30 / 7)
    assert (weeks.monetary_value == 0).all()  # no amount column given


def test_holdout_counts_purchase_days_after_calibration_only():
    log = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 2],
            "ordered_at": pd.to_datetime(
                ["2024-01-01", "2024-01-05", "2024-01-12", "2024-01-12", "2024-01-11"]
            ),
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    out = summarize(
        log, amount="amount", as_of="2024-01-14", unit="D", calibration_end="2024-01-10"
    )
    assert list(out.index) == [1]  # customer 2 first bought after calibration_end
    row = out.loc[1]
    assert row.frequency == 1 and row["T"] == 9.0 and row.frequency_holdout == 1
    assert row.monetary_value_holdout == 7.0 and row.duration_holdout == 4.0


def test_missing_column_names_the_nearest_one():
    log = pd.DataFrame({"customer": [1], "ordered_at": [pd.Timestamp("2024-01-01")]})
    with pytest.raises(SchemaError, match="no column 'customer_id'") as caught:
        summarize(log, as_of="2024-02-01")
    assert caught.value.hint == "Did you mean 'customer'?"


def test_missing_timestamps_are_counted_with_the_first_index():
    log = pd.DataFrame(
        {"customer_id": [1, 2, 3], "ordered_at": [pd.Timestamp("2024-01-01"), pd.NaT, pd.NaT]}
    )
    with pytest.raises(
        InputError, match=r"ordered_at is missing for 2 transactions \(first: index 1\)"
    ):
        summarize(log, as_of="2024-02-01")


def test_unknown_unit_and_late_calibration_end_are_rejected():
    log = pd.DataFrame({"customer_id": [1], "ordered_at": [pd.Timestamp("2024-01-01")]})
    with pytest.raises(InputError, match=r"unit must be one of D, W\. Got 'M' instead\."):
        summarize(log, as_of="2024-02-01", unit="M")
    with pytest.raises(InputError, match="calibration_end must be on or before as_of"):
        summarize(log, as_of="2024-02-01", calibration_end="2024-03-01")


def _by_groupby(log, *, as_of, cut):
    """The module docstring's definitions, written with pandas groupby: the witness."""
    log = log[log.ordered_at.dt.normalize() <= pd.Timestamp(as_of)].copy()
    log["day"] = log.ordered_at.dt.normalize()
    days = log.groupby(["customer_id", "day"], as_index=False).amount.sum()
    inside = days[days.day <= pd.Timestamp(cut)]
    rows = {}
    for customer, group in inside.groupby("customer_id"):
        group = group.sort_values("day")
        first, last = group.day.iloc[0], group.day.iloc[-1]
        after = days[(days.customer_id == customer) & (days.day > pd.Timestamp(cut))]
        repeat = group.amount.iloc[1:]
        rows[customer] = {
            "frequency": len(group) - 1,
            "recency": (last - first).days,
            "T": (pd.Timestamp(cut) - first).days,
            "monetary_value": repeat.mean() if len(repeat) else 0.0,
            "frequency_holdout": len(after),
            "monetary_value_holdout": after.amount.mean() if len(after) else 0.0,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from("abcdef"), st.integers(0, 40), st.integers(0, 23), st.integers(1, 500)
        ),
        min_size=1,
        max_size=60,
    ),
    st.integers(0, 40),
    st.integers(0, 10),
)
def test_summary_matches_a_groupby_of_the_definitions(rows, cut_day, extra):
    start = pd.Timestamp("2024-03-01")
    log = pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "ordered_at": [start + pd.Timedelta(days=r[1], hours=r[2]) for r in rows],
            "amount": [r[3] / 100 for r in rows],
        }
    )
    cut = start + pd.Timedelta(days=cut_day)
    as_of = cut + pd.Timedelta(days=extra)
    out = summarize(log, amount="amount", as_of=as_of, calibration_end=cut, unit="D")
    witness = _by_groupby(log, as_of=as_of, cut=cut)
    assert sorted(out.index) == sorted(witness.index)
    for column in witness.columns:
        np.testing.assert_allclose(
            out[column].to_numpy(dtype=float),
            witness.loc[out.index, column].to_numpy(dtype=float),
            rtol=1e-12,
            err_msg=column,
        )


def test_a_log_entirely_after_as_of_gives_an_empty_summary():
    log = pd.DataFrame(
        {"customer_id": [1, 2], "ordered_at": pd.to_datetime(["2024-05-01", "2024-06-01"])}
    )
    out = summarize(log, as_of="2024-04-01", calibration_end="2024-03-01")
    assert out.empty
    assert list(out.columns)[:4] == ["frequency", "recency", "T", "monetary_value"]
