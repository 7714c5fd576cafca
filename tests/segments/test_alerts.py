"""Alerts raised by runs: who, once, resolved when over, acknowledged by a person.

Witness: pandas over the runs' snapshots, written here without segmint's alert code.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from segmint.core.errors import NotFoundError
from segmint.workspace import Workspace
from tests.conftest import built_demo, copied

AS_OF = dt.date(2026, 6, 30)
LATER = AS_OF + dt.timedelta(days=45)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return built_demo(tmp_path_factory, "alerts", customers=2000, seed=3, as_of=AS_OF)


@pytest.fixture
def ws(built, tmp_path):
    with Workspace(copied(built, tmp_path)) as workspace:
        yield workspace


def _open(ws, reason):
    return {a.customer_id: a for a in ws.alerts(reasons=[reason])}


def test_the_first_run_raises_churn_risk_for_valued_customers_not_yet_gone(ws):
    snap = ws.snapshot().to_pandas()
    valued = snap.tier.isin(["A", "B"]) | snap.value_customer
    risky = valued & (snap.stage != "churned") & ((snap.p_alive < 0.3) | (snap.stage == "at_risk"))
    got = _open(ws, "churn_risk")
    assert set(got) == set(snap.customer_id[risky]) != set()
    one = next(iter(got.values()))
    assert one.severity == (
        "high" if snap.set_index("customer_id").tier[one.customer_id] == "A" else "medium"
    )
    assert "P(alive)" in one.text("en") and "存活概率" in one.text("zh-CN")


def test_a_later_run_raises_downgrades_once_and_resolves_what_is_over(ws):
    first = ws.runs()[0].run_id
    before_ids = {a.alert_id for a in ws.alerts()}
    later = ws.run(as_of=LATER)
    a, b = ws.snapshot(first).to_pandas(), ws.snapshot(later.run_id).to_pandas()
    pairs = a[["customer_id", "tier"]].merge(b[["customer_id", "tier"]], on="customer_id")
    rank = {"A": 0, "B": 1, "C": 2}
    down = pairs[pairs.tier_y.map(rank) > pairs.tier_x.map(rank)]
    got = _open(ws, "tier_downgrade")
    assert set(got) == set(down.customer_id) != set()
    sample = down.iloc[0]
    assert got[sample.customer_id].params == {"before": sample.tier_x, "after": sample.tier_y}
    assert later.alerts_raised == len({a.alert_id for a in ws.alerts()} - before_ids) > 0
    assert later.alerts_resolved > 0
    again = ws.run(as_of=LATER)  # the same as_of: nothing new holds, nothing is raised twice
    assert again.alerts_raised == 0
    keys = [
        (a.customer_id, a.reason, a.subject)
        for a in ws.alerts(include_closed=True)
        if a.resolved_at is None
    ]
    assert len(keys) == len(set(keys))


def test_an_acknowledged_alert_leaves_the_list_is_audited_and_is_not_raised_again(ws):
    alert = ws.alerts(reasons=["churn_risk"])[0]
    done = ws.acknowledge_alert(alert.alert_id, note="called her", actor="ana")
    assert (done.acknowledged_by, done.note) == ("ana", "called her")
    assert alert.alert_id not in {a.alert_id for a in ws.alerts()}
    action, details = ws.engine.rows(
        "SELECT action, details FROM audit ORDER BY recorded_at DESC LIMIT 1"
    )[0]
    assert action == "alert.ack" and json.loads(details) == {"note": "called her"}
    ws.run(as_of=AS_OF)  # the condition still holds: no second alert for her
    mine = [
        a
        for a in ws.alerts(include_closed=True)
        if a.customer_id == alert.customer_id and a.reason == "churn_risk"
    ]
    assert len(mine) == 1
    with pytest.raises(NotFoundError):
        ws.acknowledge_alert(10**9)


def test_a_backtest_leaves_the_alerts_alone(ws):
    before = [(a.alert_id, a.resolved_at) for a in ws.alerts(include_closed=True)]
    back = ws.run(as_of=AS_OF - dt.timedelta(days=60))
    assert back.backtest and (back.alerts_raised, back.alerts_resolved) == (0, 0)
    assert [(a.alert_id, a.resolved_at) for a in ws.alerts(include_closed=True)] == before


def test_moves_of_a_watched_segment_raise_alerts(ws):
    settings = ws.path / "segmint.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(
            "[alerts]", '[alerts]\nsegments = { recent = "both" }'
        ),
        encoding="utf-8",
    )
    with Workspace(ws.path) as watched:
        watched.add_segment("recent", "orders_30d >= 1")
        first = watched.runs()[0].run_id
        later = watched.run(as_of=LATER).run_id
        a, b = watched.snapshot(first).to_pandas(), watched.snapshot(later).to_pandas()
        was, now = set(a.customer_id[a.orders_30d >= 1]), set(b.customer_id[b.orders_30d >= 1])
        entered, left = _open(watched, "segment_entered"), _open(watched, "segment_left")
        assert set(entered) == now - was and set(left) == was - now and left
        assert next(iter(left.values())).subject == "recent"


def test_buying_below_expectation_states_the_money_the_stored_fits_put_at_stake(ws):
    """Witness: purchase days counted here from the orders table with pandas, the run's
    stored fits, and the models' own expectations (Fader, Hardie & Lee 2005, eq. (10);
    Fader, Hardie & Lee 2005b for Gamma-Gamma) — not segmint's alert code."""
    import numpy as np

    from segmint.models.clv import beta_geo, gamma_gamma, pareto_nbd

    run = ws.run(as_of=LATER)  # 45 days past the data: heavy buyers fall short
    found = ws.alerts(reasons=["below_expectation"])
    assert found, "the window after the data must find someone buying less"
    facts = next(r for r in ws.runs() if r.run_id == run.run_id).facts
    purchases, spend_fit = facts.clv.fit("purchases"), facts.clv.fit("spend")
    model = {"bg_nbd": beta_geo, "pareto_nbd": pareto_nbd}[purchases.model]
    fit = model.Params(**purchases.params)
    orders = ws.engine.arrow(
        """SELECT customer_id, CAST(timezone('Asia/Shanghai', ordered_at) AS DATE) AS d,
               sum(amount) AS spend
           FROM orders WHERE status NOT IN ('pending', 'cancelled', 'refunded') AND amount >= 0
             AND CAST(timezone('Asia/Shanghai', ordered_at) AS DATE) <= ?
           GROUP BY 1, 2 ORDER BY 1, 2""",
        [LATER],
    ).to_pandas()
    window = ws.settings.alerts.window_days
    start = LATER - dt.timedelta(days=window)
    for alert in found[:5]:
        mine = orders[orders.customer_id == alert.customer_id]
        days = [(d - start).days for d in mine.d]  # days after the window's start
        before = [d for d in days if d <= 0]
        first, last_before, last = min(days), max(before), max(days)
        x_c, t_x_c, T_c = len(before) - 1, (last_before - first) / 7, -first / 7
        x_now, t_x_now, T_now = len(days) - 1, (last - first) / 7, (window - first) / 7
        spend = mine.spend.astype(float).to_numpy()
        m = (spend.sum() - spend[0]) / max(x_now, 1) if x_now else 0.0
        per = gamma_gamma.expected_spend(
            gamma_gamma.Params(**spend_fit.params), np.array([x_now]), np.array([m])
        )[0]
        one = (np.array([x_c]), np.array([t_x_c]), np.array([T_c]))
        now = (np.array([x_now]), np.array([t_x_now]), np.array([T_now]))
        w = window / 7
        for horizon, key in ((90, "at_stake_90d"), (365, "at_stake_365d")):
            h = horizon / 7
            kept = model.expected_purchases(fit, w + h, *one) - model.expected_purchases(
                fit, w, *one
            )
            want = max(kept[0] - model.expected_purchases(fit, h, *now)[0], 0.0) * per
            assert alert.params[key] == pytest.approx(want, abs=0.006), key  # stored to the cent
        assert alert.params["actual"] == len(days) - len(before)
        expected = model.expected_purchases(fit, w, *one)[0]
        assert alert.params["expected"] == pytest.approx(expected, abs=0.006)


def test_a_customers_profile_lists_her_open_alerts_in_her_language(ws):
    alert = ws.alerts(reasons=["churn_risk"])[0]
    profile = ws.customer(alert.customer_id)
    assert alert.alert_id in [a.alert_id for a in profile.alerts]
    assert "流失预警客户" in alert.text("zh-CN") or "流失" in alert.text("zh-CN")
    assert "at_risk" not in alert.text("en")
