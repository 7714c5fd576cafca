"""The dashboard's views equal pandas over the snapshot rows of two runs of a generated base."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from segmint.store.insights import FREQUENCY_BANDS, RECENCY_BANDS
from segmint.workspace import Workspace
from tests.conftest import built_demo


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """A 1,500-customer base run as of 2026-05-31 and again as of 2026-06-30."""
    folder = built_demo(
        tmp_path_factory, "insights", customers=1500, seed=11, as_of=dt.date(2026, 5, 31)
    )
    with Workspace(folder) as ws:
        ws.run(as_of="2026-06-30", actor="test")
        yield ws


def _snapshot(ws: Workspace, run_id: int) -> pd.DataFrame:
    frame = ws.engine.arrow("SELECT * FROM snapshots WHERE run_id = ?", [run_id]).to_pandas()
    frame["revenue_365d"] = frame["revenue_365d"].map(Decimal)
    return frame


def test_overview_kpis_and_trend_equal_pandas(two_runs):
    ws = two_runs
    view = ws.overview()
    assert [k.run_id for k in view.trend] == [1, 2]
    assert view.previous is not None and view.previous.run_id == 1
    for kpis in view.trend:
        s = _snapshot(ws, kpis.run_id)
        buyers = s[s.frequency >= 1]
        assert kpis.customers == len(s)
        assert kpis.buyers == len(buyers)
        assert kpis.active == s.stage.isin(["new", "active", "won_back"]).sum()
        assert kpis.value_customers == s.value_customer.fillna(False).astype(bool).sum()
        assert kpis.revenue_365d == sum(s.revenue_365d.dropna(), Decimal(0))
        assert kpis.repurchase_rate == pytest.approx((buyers.frequency >= 2).mean())
        assert kpis.churn_rate == pytest.approx((buyers.stage == "churned").mean())
        assert kpis.conversion_rate == pytest.approx(len(buyers) / len(s))
        assert kpis.clv_12m == pytest.approx(s.clv_12m.sum())
    assert view.kpis == view.trend[-1]
    assert view.pareto_curve == list(ws.runs()[0].facts.pareto_curve)


@pytest.mark.parametrize("family", ["tier", "stage", "rfm8"])
def test_family_sizes_and_flows_equal_pandas(two_runs, family):
    ws = two_runs
    view = {"tier": ws.tiers, "stage": ws.lifecycle, "rfm8": lambda: ws.rfm_view().rfm8}[family]()
    now, before = _snapshot(ws, 2), _snapshot(ws, 1)
    sizes = now.groupby(family).size()
    assert {g.key: g.customers for g in view.groups} == sizes.to_dict()
    revenue = now.groupby(family).revenue_365d.apply(lambda v: sum(v.dropna(), Decimal(0)))
    assert {g.key: g.revenue_365d for g in view.groups} == revenue.to_dict()
    total = sum(revenue)
    for group in view.groups:
        assert group.revenue_share == pytest.approx(float(revenue[group.key] / total))
        assert group.share == pytest.approx(sizes[group.key] / sizes.sum())
    joined = before[["customer_id", family]].merge(
        now[["customer_id", family]], on="customer_id", how="outer", suffixes=("_b", "_a")
    )
    flows = joined.groupby([f"{family}_b", f"{family}_a"], dropna=False).size()
    expected = {(_key(b), _key(a)): n for (b, a), n in flows.items()}
    outside = expected.pop((None, None), 0)  # in neither run's family: not a flow
    assert {(f.before, f.after): f.customers for f in view.flows} == expected
    assert sum(f.customers for f in view.flows) + outside == len(joined)


def _key(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def test_tiers_come_in_the_settings_order_with_their_spend_ranges(two_runs):
    view = two_runs.tiers(lang="zh-CN")
    assert [g.key for g in view.groups] == list(two_runs.settings.tiers.labels)[: len(view.groups)]
    assert [s.tier for s in view.spans] == [t.tier for t in two_runs.runs()[0].facts.tiers]


def test_lifecycle_funnel_follows_the_stages_and_has_their_names(two_runs):
    view = two_runs.lifecycle(lang="zh-CN")
    order = ["prospect", "new", "active", "at_risk", "churned", "won_back"]
    keys = [g.key for g in view.groups]
    assert keys == [k for k in order if k in keys]
    assert any(g.label != g.key for g in view.groups)  # names from the catalogue


def test_rfm_grid_equals_pandas(two_runs):
    ws = two_runs
    view = ws.rfm_view()
    s = _snapshot(ws, 2).dropna(subset=["r_score", "f_score"])
    grouped = s.groupby(["r_score", "f_score"])
    cells = {(c.r, c.f): c for c in view.grid}
    assert {k: c.customers for k, c in cells.items()} == grouped.size().to_dict()
    for (r, f), monetary in grouped.monetary.apply(lambda v: float(v.astype(float).mean())).items():
        assert cells[(r, f)].avg_monetary == pytest.approx(monetary)
    assert {g.key for g in view.rfm11.groups} == set(_snapshot(ws, 2).rfm11.dropna())


def test_clv_bands_and_alive_grid_equal_numpy(two_runs):
    ws = two_runs
    view = ws.clv_view()
    s = _snapshot(ws, 2)
    clv = s.clv_12m.dropna().to_numpy()
    assert sum(b.customers for b in view.distribution) == len(clv)
    assert view.total_clv_12m == pytest.approx(clv.sum())
    low, high = clv.min(), np.quantile(clv, 0.99)
    width = (high - low) / 20
    bands = np.minimum(np.floor((clv - low) / width), 19).astype(int)
    assert [b.customers for b in view.distribution] == np.bincount(bands).tolist()
    buyers = s[(s.frequency >= 1) & s.p_alive.notna()]
    for cell in view.alive:
        f_band = next(b for b in FREQUENCY_BANDS if b[0] == cell.frequency)
        r_band = next(b for b in RECENCY_BANDS if b[0] == cell.recency)
        inside = buyers[_within(buyers.frequency, f_band) & _within(buyers.recency_days, r_band)]
        assert cell.customers == len(inside)
        assert cell.p_alive == pytest.approx(inside.p_alive.mean())
        assert 0 <= cell.p_alive <= 1
    assert sum(c.customers for c in view.alive) == len(buyers)


def _within(values: pd.Series, band: tuple[str, int, int | None]) -> pd.Series:
    _, low, high = band
    return (values >= low) & (True if high is None else values <= high)


def test_imports_list_what_each_took_in(two_runs):
    entries = two_runs.imports()
    stored = two_runs.engine.arrow("SELECT import_id, accepted FROM imports").to_pylist()
    assert {e.import_id: e.accepted for e in entries} == {
        r["import_id"]: r["accepted"] for r in stored
    }
    assert [e.finished_at for e in entries] == sorted(
        (e.finished_at for e in entries), reverse=True
    )
    assert two_runs.quarantined("no-such-import") == []


def test_value_customers_are_the_flagged_worth_most_next_year(two_runs):
    ws = two_runs
    found = ws.value_customers(lang="zh-CN", limit=15)
    s = _snapshot(ws, 2)
    flagged = s[s.value_customer.fillna(False).astype(bool)]
    best = flagged.sort_values(["clv_12m", "customer_id"], ascending=[False, True]).head(15)
    assert [c.customer_id for c in found] == list(best.customer_id)
    assert [c.revenue_365d for c in found] == list(best.revenue_365d)
    assert [c.clv_12m for c in found] == pytest.approx(list(best.clv_12m))
    stages = {"潜在客户", "新客户", "活跃客户", "流失预警客户", "已流失客户", "回流客户"}
    assert {c.stage_label for c in found} <= stages and found[0].stage_label
    assert (
        ws.value_customers(run_id=1, limit=1)[0].customer_id
        == (
            _snapshot(ws, 1)
            .query("value_customer == True")
            .sort_values(["clv_12m", "customer_id"], ascending=[False, True])
            .customer_id.iloc[0]
        )
    )


def test_each_segment_trend_counts_its_members_in_every_run(two_runs):
    ws = two_runs
    report = ws.segments()
    assert report.trend_days == [r.as_of for r in sorted(ws.runs(), key=lambda r: r.run_id)]
    members = ws.engine.arrow(
        """SELECT m.run_id, s.name FROM memberships m JOIN segments s USING (segment_id)"""
    ).to_pandas()
    counted = members.groupby(["name", "run_id"]).size()
    for row in report.segments:
        expected = [int(counted.get((row.name, run), 0)) for run in (1, 2)]
        assert row.trend == expected, row.name
        assert row.trend[-1] == row.customers
    assert any(row.trend[0] != row.trend[1] for row in report.segments)


def test_monthly_orders_equal_pandas_over_the_orders_in_local_time(two_runs):
    ws = two_runs
    orders = ws.engine.arrow(
        "SELECT customer_id, ordered_at, amount, refund, status FROM orders"
    ).to_pandas()
    busiest = orders.customer_id.value_counts().index[0]
    mine = orders[orders.customer_id == busiest].copy()
    local = pd.to_datetime(mine.ordered_at, utc=True).dt.tz_convert(ws.settings.timezone)
    mine["month"] = local.dt.date.map(lambda d: d.replace(day=1))
    status = mine.status.fillna("paid")
    revenue = ~status.isin(["pending", "cancelled", "refunded"])
    mine["net"] = [
        Decimal(str(a)) - Decimal(str(r if r == r and r is not None else 0))
        for a, r in zip(mine.amount, mine.refund, strict=True)
    ]
    mine["counted"] = revenue & (mine.net >= 0)
    mine["revenue"] = [n if keep else Decimal(0) for n, keep in zip(mine.net, revenue, strict=True)]
    as_of = dt.date(2026, 6, 30)
    mine = mine[local.dt.date <= as_of]
    found = ws.monthly_orders(busiest, as_of=as_of)
    assert len(found) == 24 and found[-1].month == dt.date(2026, 6, 1)
    assert found[0].month == dt.date(2024, 7, 1)
    by_month = mine.groupby("month").agg(orders=("counted", "sum"), revenue=("revenue", "sum"))
    for m in found:
        expected = by_month.loc[m.month] if m.month in by_month.index else None
        assert m.orders == (0 if expected is None else int(expected.orders)), m.month
        assert m.revenue == (Decimal(0) if expected is None else expected.revenue), m.month
    assert sum(m.orders for m in found) > 0


def test_alerts_by_money_at_stake_and_their_totals_equal_pandas(two_runs):
    ws = two_runs
    rows = ws.engine.arrow("SELECT * FROM alerts").to_pandas()
    rows["stake"] = [json.loads(p).get("at_stake_365d") for p in rows.params]
    rows["stake"] = rows.stake.astype(float)
    for run_id in (1, 2, None):
        mine = rows if run_id is None else rows[rows.run_id == run_id]
        totals = ws.alert_totals(include_closed=True, run_id=run_id)
        assert totals.alerts == len(mine) > 0
        assert totals.high == (mine.severity == "high").sum()
        assert totals.with_stake == mine.stake.notna().sum() > 0
        assert totals.at_stake == pytest.approx(mine.stake.sum())
        drops = ws.alert_totals(include_closed=True, run_id=run_id, reasons=["below_expectation"])
        assert drops.alerts == (mine.reason == "below_expectation").sum()
    ordered = rows.sort_values(
        ["stake", "raised_at", "alert_id"], ascending=[False, False, True], na_position="last"
    )
    found = ws.alerts(include_closed=True, by_stake=True, limit=25)
    assert [a.alert_id for a in found] == list(ordered.alert_id[:25])
    assert [a.alert_id for a in ws.alerts(include_closed=True, run_id=2)] == list(
        rows[rows.run_id == 2]
        .sort_values(["raised_at", "alert_id"], ascending=[False, True])
        .alert_id
    )


def test_family_segment_figures_equal_pandas_over_the_snapshot(two_runs):
    ws = two_runs
    s = _snapshot(ws, 2)
    s["value_customer"] = s.value_customer.map(lambda v: None if v is None else str(v).lower())
    total = sum(s.revenue_365d.dropna(), Decimal(0))
    rows = [r for r in ws.segments().segments if r.kind == "family"]
    families = {"tier", "stage", "rfm8", "rfm11", "value_customer", "cluster", "loyalty_level"}
    assert {r.family for r in rows} == families | {"service"}
    s["cluster"] = s.cluster.map(lambda v: None if v is None or v != v else str(int(v)))
    for row in rows:
        if row.family == "service":  # a need's own flag column
            mine = s[s[row.segment].fillna(False).astype(bool)]
        else:
            mine = s[s[row.family].astype(object) == row.segment]
        revenue = sum(mine.revenue_365d.dropna(), Decimal(0))
        assert row.customers == len(mine) > 0, row.name
        assert row.revenue_365d == revenue, row.name
        assert row.revenue_share == pytest.approx(float(revenue / total))
        clv = mine.clv_12m.dropna()
        assert row.avg_clv_12m == (None if clv.empty else pytest.approx(clv.mean()))
        assert row.repurchase_rate == pytest.approx((mine.frequency >= 2).mean())
        assert row.churn_rate == pytest.approx((mine.stage == "churned").mean())
        spent = sum(mine.monetary.dropna().map(Decimal), Decimal(0))
        orders = mine.frequency.sum()
        assert row.aov == (None if not orders else pytest.approx(float(spent / orders)))
