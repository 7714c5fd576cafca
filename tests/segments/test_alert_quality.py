"""Buying below expectation on customers whose buying was made to drop at a known day.

Witness: the generator's truth (`drop`: stopped or slowed to a quarter, 90 days before
the data end; `alive`: the purchase process's own dropout), and the naive rule a CRM
team would otherwise use — a valued customer with no order in twice her average gap —
on the same customers.
"""

from __future__ import annotations

import datetime as dt

import pyarrow.parquet as pq
import pytest

from segmint.demo.process import TruthParams
from segmint.demo.run import run_demo
from segmint.workspace import Workspace

AS_OF = dt.date(2026, 6, 30)
N = 10_000


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    folder = tmp_path_factory.mktemp("quality") / "demo"
    run_demo(folder, customers=N, seed=21, as_of=AS_OF, params=TruthParams(drop_share=0.5))
    truth = pq.read_table(folder / "data" / "truth.parquet").to_pandas().set_index("customer_id")
    with Workspace(folder) as ws:
        snap = ws.snapshot().to_pandas().set_index("customer_id")
        ours = {a.customer_id for a in ws.alerts(reasons=["below_expectation"])}
    valued = snap.tier.isin(["A", "B"]) | snap.value_customer
    naive = set(snap.index[valued & (snap.recency_days > 2 * snap.avg_days_between_orders)])
    groups = {
        "dropped": set(truth.index[truth["drop"].notna()]),
        "stopped": set(truth.index[truth["drop"] == "stopped"]),
        "gone": set(truth.index[truth["drop"].isna() & ~truth.alive]),
        "kept": set(truth.index[truth["drop"].isna() & truth.alive]),
    }
    return ours, naive, groups


def _rates(flagged, groups):
    return {
        "recall": len(flagged & groups["dropped"]) / len(groups["dropped"]),
        "recall_stopped": len(flagged & groups["stopped"]) / len(groups["stopped"]),
        "false_per_1000": 1000 * len(flagged & groups["kept"]) / N,
        "precision": len(flagged & (groups["dropped"] | groups["gone"])) / max(len(flagged), 1),
    }


def test_the_alert_finds_dropped_customers_with_few_false_alarms(measured):
    ours, _, groups = measured
    rates = _rates(ours, groups)
    assert len(groups["dropped"]) > 200  # enough drops to measure
    assert rates["recall_stopped"] >= 0.35, rates
    assert rates["recall"] >= 0.25, rates
    assert rates["false_per_1000"] <= 2.0, rates
    assert rates["precision"] >= 0.9, rates


def test_the_alert_raises_a_tenth_of_the_naive_rules_false_alarms(measured):
    ours, naive, groups = measured
    mine, theirs = _rates(ours, groups), _rates(naive, groups)
    assert mine["false_per_1000"] * 10 <= theirs["false_per_1000"], (mine, theirs)
    assert mine["precision"] > theirs["precision"], (mine, theirs)
