"""The CDNOW master log (23,570 customers) through a workspace, against the pandas oracle.

Witnesses: the published size of the log (69,659 purchases by 23,570 customers who
first bought in the first quarter of 1997, to 1998-06-30; Fader & Hardie's CDNOW data
as shipped in the lifetimes wheel), and `tests/pipeline/oracle.py` fed straight from
the text file, not from the database: a row's day is the date written in the log. The
orders file gives each row a local time of day that moves across midnight UTC, so a
UTC date in place of the local one would show. 80 rows have a zero amount; they are
orders (amount >= 0 counts), and 68 customers have nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from segmint.workspace import Workspace
from tests.pipeline import oracle
from tests.pipeline.conftest import use_pareto_tiers, use_threshold_tiers

AS_OF = dt.date(1998, 6, 30)  # the last date in the log
CUSTOMERS, ROWS = 23_570, 69_659
ZERO_ROWS, ZERO_ONLY_CUSTOMERS = 80, 68
TODAY = dt.date(2026, 7, 1)


@dataclass(frozen=True, repr=False)  # a short name in failure reports
class Built:
    """The log, the two runs (threshold and Pareto tiers) and what the oracle expects."""

    log: pd.DataFrame  # customer_id, date, number_of_cds, dollar_value, as text
    snapshots: dict[str, pa.Table]  # tier method -> snapshot
    rfm: pa.Table
    curve: list[float]  # the stored 80/20 curve of the run
    expected: pd.DataFrame


def read_log(wheel) -> pd.DataFrame:
    with wheel.open("lifetimes/datasets/CDNOW_master.txt") as f:
        return pd.read_csv(f, sep=r"\s+", dtype=str)


def write_orders(log: pd.DataFrame, path: Path) -> Path:
    """One order per log row: a made-up id, the customer, a local date-time, the amount."""
    row = np.arange(len(log))
    clock = [f" {h:02d}:{m:02d}:00" for h, m in zip(row % 24, row * 7 % 60, strict=True)]
    dates = pd.to_datetime(log["date"], format="%Y%m%d").dt.strftime("%Y-%m-%d")
    pd.DataFrame(
        {
            "order_id": [f"CD{i:06d}" for i in row],
            "customer_id": log["customer_id"],
            "ordered_at": dates + clock,
            "amount": log["dollar_value"],
        }
    ).to_csv(path, index=False)
    return path


def oracle_input(log: pd.DataFrame) -> oracle.Raw:
    """The log as the oracle's tables: orders only, days from the written dates."""
    days = (pd.to_datetime(log["date"], format="%Y%m%d") - pd.Timestamp(oracle.EPOCH)).dt.days
    orders = pd.DataFrame(
        {
            "order_id": [f"CD{i:06d}" for i in range(len(log))],
            "customer_id": log["customer_id"],
            "day": days.astype("int64"),
            "cents": [int(Decimal(v).scaleb(2)) for v in log["dollar_value"]],
            "discount_cents": 0,
            "status": "paid",
        }
    )
    return oracle.Raw(
        customers=pd.DataFrame({"customer_id": [], "signup_day": pd.Series([], dtype="Int64")}),
        orders=orders,
        items=pd.DataFrame(columns=["order_id", "product_id", "category", "spend_cents"]),
        events=pd.DataFrame({"customer_id": [], "day": pd.Series([], dtype="int64"), "type": []}),
        tickets=pd.DataFrame(
            {
                "customer_id": pd.Series([], dtype=object),
                "opened_day": pd.Series([], dtype="Int64"),
                "closed_day": pd.Series([], dtype="Int64"),
                "is_complaint": pd.Series([], dtype=bool),
                "satisfaction": pd.Series([], dtype="float64"),
            }
        ),
    )


def run_at_as_of(folder: Path) -> tuple[pa.Table, pa.Table, list[float]]:
    with Workspace(folder) as ws:
        run = ws.run(as_of=AS_OF)
        assert run.as_of == AS_OF
        return ws.snapshot(run.run_id), ws.rfm(as_of=AS_OF), list(run.facts.pareto_curve)


@pytest.fixture(scope="module")
def built(lifetimes_wheel, tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("cdnow")
    log = read_log(lifetimes_wheel)
    orders = write_orders(log, root / "orders.csv")
    Workspace.init(root / "ws").close()
    # CDNOW is 1997-1998: older than the default plausible floor for order dates.
    settings = root / "ws" / "segmint.toml"
    text = settings.read_text(encoding="utf-8")
    floor = 'earliest_date = "2000-01-01"'
    settings.write_text(text.replace(floor, 'earliest_date = "1990-01-01"'), encoding="utf-8")
    with Workspace(root / "ws") as ws:
        result = ws.import_file("orders", orders, today=TODAY)
        assert (result.accepted, result.quarantined) == (len(log), 0)
    snapshots = {}
    use_threshold_tiers(root / "ws")
    snapshots["thresholds"], rfm, curve = run_at_as_of(root / "ws")
    use_pareto_tiers(root / "ws")
    snapshots["pareto"], *_ = run_at_as_of(root / "ws")
    expected = oracle.features(oracle_input(log), AS_OF)
    expected = expected.join(oracle.rfm_scores(expected))
    expected["tier"] = oracle.threshold_tiers(expected["revenue_365d"])
    expected["pareto_tier"] = oracle.pareto_tiers(expected["revenue_365d"])
    return Built(log, snapshots, rfm, curve, expected)


def test_the_log_is_the_published_one(built):
    log = built.log
    assert (len(log), log["customer_id"].nunique()) == (ROWS, CUSTOMERS)
    assert (log["date"].min(), log["date"].max()) == ("19970101", AS_OF.strftime("%Y%m%d"))
    zero = log["dollar_value"].map(Decimal) == 0
    assert zero.sum() == ZERO_ROWS
    assert (log["dollar_value"].map(Decimal) >= 0).all()  # no refund rows


def test_every_customer_of_the_log_is_in_the_run(built):
    for table in built.snapshots.values():
        ids = table["customer_id"].to_pylist()
        assert len(ids) == CUSTOMERS, f"{len(ids)} customers in the run, {CUSTOMERS} in the log"
        assert ids == list(built.expected.index) == sorted(set(built.log["customer_id"]))


def test_customers_with_only_zero_amounts_are_buyers_with_no_money(built):
    amounts = built.log["dollar_value"].map(Decimal)
    spent = set(built.log.loc[amounts > 0, "customer_id"])
    zero_only = sorted(set(built.log["customer_id"]) - spent)
    assert len(zero_only) == ZERO_ONLY_CUSTOMERS
    rows = {r["customer_id"]: r for r in built.snapshots["thresholds"].to_pylist()}
    for customer in zero_only:
        row = rows[customer]
        assert row["frequency"] >= 1 and row["monetary"] == 0, (customer, row["frequency"])
        assert row["m_score"] == 1 and row["r_score"] is not None, customer


@pytest.mark.parametrize("feature", list(oracle.KINDS))
def test_every_feature_agrees_with_the_oracle(built, feature):
    table = built.snapshots["thresholds"]
    oracle.assert_agrees(table, built.expected, feature, kind=oracle.KINDS[feature])


@pytest.mark.parametrize("score", list(oracle.SCORE_KINDS))
def test_scores_names_and_threshold_tiers_agree_with_the_oracle(built, score):
    oracle.assert_agrees(
        built.snapshots["thresholds"], built.expected, score, kind=oracle.SCORE_KINDS[score]
    )


def test_pareto_tiers_agree_with_the_oracle(built):
    expected = built.expected.assign(tier=built.expected["pareto_tier"])
    oracle.assert_agrees(built.snapshots["pareto"], expected, "tier", kind=oracle.TEXT)
    counts = expected["tier"].value_counts()
    assert set(counts.index) == {"A", "B", "C"} and counts["A"] < counts["C"]


def test_the_runs_pareto_curve_agrees_with_the_oracle(built):
    oracle.assert_pareto_curve(built.curve, built.expected["revenue_365d"])


def test_workspace_rfm_agrees_with_the_oracle(built):
    expected = built.expected[built.expected["frequency"] >= 1]
    assert built.rfm.num_rows == len(expected) == CUSTOMERS
    kinds = {"recency_days": oracle.INT, "frequency": oracle.INT, "monetary": oracle.MONEY}
    for column, kind in {**kinds, **oracle.SCORE_KINDS}.items():
        if column != "tier":
            oracle.assert_agrees(built.rfm, expected, column, kind=kind)


def test_every_buyer_has_a_clv_even_with_repeat_days_that_brought_no_money(built):
    """CDNOW has buyers whose repeat days sum to 0 money: Gamma-Gamma cannot read their
    spend, so they are valued at the mean spend (as buyers without repeats), and the
    others keep theirs: no buyer's CLV is lost for them."""
    table = built.snapshots["thresholds"].to_pandas().set_index("customer_id")
    log = built.log.assign(spend=lambda t: t["dollar_value"].astype(float))
    days = log.groupby(["customer_id", "date"])["spend"].sum().reset_index()
    per = days.sort_values("date").groupby("customer_id")
    repeat_money = per["spend"].apply(lambda s: s.iloc[1:].sum())
    repeats = per.size() - 1
    silent = set(repeat_money[(repeats > 0) & (repeat_money == 0)].index)
    assert silent  # the case is in the data
    buyers = table[table["frequency"] > 0]
    assert buyers["clv_12m"].notna().all() and (buyers["clv_12m"] >= 0).all()
    assert buyers.loc[list(silent & set(buyers.index)), "clv_12m"].gt(0).all()
