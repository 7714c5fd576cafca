"""A run as a user relies on it: reproducible, all or nothing, history kept, labels sound."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from zoneinfo import ZoneInfo

import pyarrow.compute as pc
import pytest

from segmint.core.errors import ConfigError, InputError, NotFoundError
from segmint.models.lifecycle import STAGES
from segmint.models.rfm_names import RFM11
from segmint.workspace import Workspace
from tests.run.conftest import LAST_DAY


def test_the_same_as_of_gives_an_identical_snapshot(demo_ws):
    """Witness: two runs on the same data, settings and as_of, compared cell by cell."""
    as_of = LAST_DAY - dt.timedelta(days=45)
    first = demo_ws.run(as_of=as_of)
    second = demo_ws.run(as_of=as_of)
    assert first.run_id != second.run_id
    a, b = demo_ws.snapshot(first.run_id), demo_ws.snapshot(second.run_id)
    assert a.num_rows == first.customers > 3000
    assert a.equals(b)
    audited = demo_ws.engine.rows(
        "SELECT actor, target FROM audit WHERE action = 'run' ORDER BY recorded_at"
    )
    assert audited[-2:] == [("python", f"run {first.run_id}"), ("python", f"run {second.run_id}")]
    runs = {r.run_id: r for r in demo_ws.runs()}
    assert runs[first.run_id].config_hash == runs[second.run_id].config_hash
    assert runs[first.run_id].facts == runs[second.run_id].facts  # typed: every fact


def test_every_customer_has_one_label_of_each_family(demo_ws):
    snap = demo_ws.snapshot().to_pandas()
    buyers = snap.frequency > 0
    assert set(snap.stage) <= set(STAGES)
    assert (snap.stage == "prospect").equals(~buyers)
    assert snap.loc[buyers, ["r_score", "f_score", "m_score", "rfm8", "rfm11"]].notna().all().all()
    assert snap.loc[~buyers, ["r_score", "rfm8", "rfm11", "value_score"]].isna().all().all()
    assert set(snap.tier) == {"A", "B", "C"}
    assert snap.p_alive[buyers].between(0, 1).all()
    assert (snap.expected_orders_90d[buyers] >= 0).all() and (snap.clv_12m[buyers] >= 0).all()
    # value customers: the top 20 % of buyers by score (ceil), none among prospects
    assert snap.value_customer.sum() == -(-buyers.sum() * 20 // 100)
    assert not snap.value_customer[~buyers].any()


def test_won_back_customers_were_churned_in_the_run_before(demo_ws):
    """Witness: the previous run's stages, joined independently.

    The run before is the one with the newest earlier as_of, whenever it was made: a
    backtest made afterwards as of a much earlier day is not "the run before".
    """
    demo_ws.run(as_of=LAST_DAY - dt.timedelta(days=60))
    demo_ws.run(as_of=LAST_DAY - dt.timedelta(days=300))  # a backtest, made last
    later = demo_ws.run(as_of=LAST_DAY)
    earlier = next(r for r in demo_ws.runs() if r.run_id == demo_ws.segments().previous_run)
    newest_before = max(r.as_of for r in demo_ws.runs() if r.as_of < LAST_DAY)
    assert earlier.as_of == newest_before >= LAST_DAY - dt.timedelta(days=60)
    before = demo_ws.snapshot(earlier.run_id).to_pandas().set_index("customer_id").stage
    after = demo_ws.snapshot(later.run_id).to_pandas().set_index("customer_id").stage
    won_back = after[after == "won_back"].index
    assert len(won_back) > 0
    assert (before.reindex(won_back) == "churned").all()
    # and a churned customer who bought in between is won back unless she is at risk again
    diff = demo_ws.diff(after=later.run_id)
    assert diff.before == earlier.run_id
    moved = {(c.before, c.after): c.customers for c in diff.transitions["stage"]}
    assert moved[("churned", "won_back")] == len(won_back)


def test_segment_kpis_agree_with_the_snapshot(demo_ws):
    """Witness: sizes, shares and AOV recomputed with pandas from the snapshot itself."""
    report = demo_ws.segments()
    snap = demo_ws.snapshot(report.run_id).to_pandas()
    revenue = snap.revenue_365d.astype(float)
    top = revenue.sort_values(ascending=False).head(round(0.2 * len(snap))).sum()
    assert report.pareto_curve[20] == pytest.approx(top / revenue.sum(), abs=1e-6)
    for row in report.segments:
        members = _members(snap, row.family, row.segment)
        assert row.customers == members.sum(), row
        assert row.share == pytest.approx(members.mean())
        assert row.revenue_share == pytest.approx(revenue[members].sum() / revenue.sum())
        frequency = snap.frequency[members].sum()
        if frequency:
            aov = snap.monetary[members].astype(float).sum() / frequency
            assert row.aov == pytest.approx(aov)


def _members(snap, family: str, segment: str):
    """The snapshot rows in segment `segment` of `family`: its column holds the key (a
    service need: its own flag column holds)."""
    if family == "service":
        return snap[segment].fillna(False).astype(bool)
    column = snap[family].astype("Int64") if family == "cluster" else snap[family]
    return column.astype(str).str.lower() == str(segment).lower()


def test_the_customer_profile_says_why(demo_ws):
    snap = demo_ws.snapshot().to_pandas()
    who = snap[snap.stage == "churned"].customer_id.iloc[0]
    profile = demo_ws.customer(who, lang="zh-CN")
    assert profile.snapshot["stage"] == "churned"
    assert profile.labels["stage"] == "已流失客户"
    assert f"{profile.snapshot['recency_days']} 天" in profile.why["stage"]
    assert profile.identity["customer_id"] == who
    assert [h.as_of for h in profile.history] == sorted(h.as_of for h in profile.history)
    english = demo_ws.customer(who, lang="en")
    assert f"recency_days {profile.snapshot['recency_days']} days >" in english.why["stage"]


def test_an_unknown_customer_is_named(demo_ws):
    with pytest.raises(Exception, match="no customer 'NOPE'"):
        demo_ws.customer("NOPE")


def test_the_tier_cut_offs_come_from_settings(demo_ws, demo_dir):
    """The demo tiers by revenue share (pareto): A holds 80 % of 365-day spend or just more."""
    snap = demo_ws.snapshot().to_pandas()
    spend = snap.revenue_365d.astype(float)
    share_a = spend[snap.tier == "A"].sum() / spend[spend > 0].sum()
    assert 0.80 <= share_a < 0.80 + spend.max() / spend.sum()
    spans = next(r for r in demo_ws.runs() if r.current).facts.tiers
    for span in spans:
        members = spend[snap.tier == span.tier]
        assert span.customers == members.size
        assert span.buyers == (members > 0).sum()
        assert (span.min_spend, span.max_spend) == (members.min(), members.max())
    assert spans[0].min_spend >= spans[1].max_spend >= spans[2].max_spend


KILL_MID_WRITE = textwrap.dedent(
    """
    import os, signal, sys
    from segmint.store.duckdb import DuckDBEngine
    from segmint.workspace import Workspace

    original = DuckDBEngine.append
    def append_then_die(self, table, data, **how):
        original(self, table, data, **how)
        if table == "snapshots":  # the customer rows are in, the run is not committed
            os.kill(os.getpid(), signal.SIGKILL)
    DuckDBEngine.append = append_then_die
    Workspace(sys.argv[1]).run(as_of=sys.argv[2])
    """
)


def test_a_run_killed_mid_write_leaves_the_previous_snapshot(demo_dir):
    """Fault injection: SIGKILL after the snapshot rows are written, before the commit."""
    with Workspace(demo_dir) as ws:
        runs_before = ws.runs()
        current = ws.snapshot()
    done = subprocess.run(
        [sys.executable, "-c", KILL_MID_WRITE, str(demo_dir), "2026-03-31"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ},
    )
    assert done.returncode == -9, done.stderr
    with Workspace(demo_dir) as ws:
        assert ws.runs() == runs_before
        assert ws.snapshot().equals(current)
        stray = ws.engine.scalar(
            "SELECT count(*) FROM snapshots WHERE run_id > ?", [runs_before[0].run_id]
        )
        assert stray == 0


def _names_table(rows) -> str:
    return "".join(
        f'\n[[rfm.names]]\nkey = "{k}"\nen = "{k}"\nzh = "{k}"\nr = {list(r)}\nfm = {list(fm)}\n'
        for k, r, fm in rows
    )


@pytest.mark.parametrize(
    ("rows", "named"),
    [
        # the built-in table plus a name with an empty range (r from 5 down to 4)
        ([*((rule.key, rule.r, rule.fm) for rule in RFM11), ("vip", (5, 4), (5, 5))], "vip"),
        # a partition plus a name on r = 6, which 5 bins do not have
        ([("all", (1, 5), (1, 5)), ("ghost", (6, 6), (1, 1))], "ghost"),
    ],
)
def test_an_rfm_table_with_an_unreachable_name_is_refused(rows, named, tmp_path):
    """The config lint runs when the workspace opens, so no command runs on a bad table."""
    folder = tmp_path / "ws"
    Workspace.init(folder).close()
    settings = folder / "segmint.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + _names_table(rows), "utf-8")
    with pytest.raises(ConfigError, match=f"'{named}' is unreachable") as info:
        Workspace(folder)
    assert info.value.location.field == "rfm.names"


def test_a_configured_rfm_table_names_the_segments(demo_dir, tmp_path):
    """A partition of the cells in config replaces the built-in names in the run."""
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(demo_dir, folder)
    rows = [("top", (4, 5), (4, 5)), ("rest_hi", (4, 5), (1, 3)), ("rest_lo", (1, 3), (1, 5))]
    settings = folder / "segmint.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + _names_table(rows), "utf-8")
    with Workspace(folder) as ws:
        ws.run(as_of=LAST_DAY)
        snap = ws.snapshot().to_pandas()
    buyers = snap[snap.frequency > 0]
    assert set(buyers.rfm11) == {"top", "rest_hi", "rest_lo"}
    fm = (buyers.f_score + buyers.m_score) // 2
    expected = (buyers.r_score >= 4) & (fm >= 4)
    assert ((buyers.rfm11 == "top") == expected).all()


def test_export_files_read_back(demo_ws, tmp_path):
    """CSV with a BOM and Chinese labels, Parquet equal to the snapshot, Excel readable."""
    from python_calamine import CalamineWorkbook

    snap = demo_ws.snapshot()
    rows = demo_ws.export(tmp_path / "s.csv", lang="zh-CN")
    raw = (tmp_path / "s.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and rows == snap.num_rows
    assert "已流失客户".encode() in raw
    demo_ws.export(tmp_path / "s.parquet")
    import pyarrow.parquet as pq

    back = pq.read_table(tmp_path / "s.parquet")
    shares = [c for c in back.column_names if c.startswith("category_share:")]
    channels = [c for c in back.column_names if c.startswith("interactions_30d:")]
    labels = ["rfm8_label", "rfm11_label", "stage_label", "loyalty_level_label"]
    view = ["view_as_of", "updated_at"]  # the live view's day and time of each row
    assert back.drop_columns(labels + shares + channels + view).equals(snap)
    current = max(r.as_of for r in demo_ws.runs())  # a backtest made before is newer, not current
    assert set(back["view_as_of"].to_pylist()) == {current}
    wide = back.to_pandas()
    buyers = wide.frequency > 0
    assert len(shares) >= 5 and wide.loc[buyers, shares].sum(axis=1).round(12).eq(1).all()
    assert (wide[channels].sum(axis=1) == wide.interactions_30d).all()
    small = tmp_path / "s.xlsx"
    demo_ws.export(small)
    sheet = CalamineWorkbook.from_path(str(small)).get_sheet_by_index(0).to_python()
    assert sheet[0][:2] == ["customer_id", "recency_days"] and len(sheet) == snap.num_rows + 1
    ids = pc.sort_indices(snap["customer_id"])
    assert sheet[1][0] == snap["customer_id"].take(ids)[0].as_py()
    with pytest.raises(Exception, match="must end in"):
        demo_ws.export(tmp_path / "s.txt")
    assert not list(tmp_path.glob(".*partial"))


def test_the_generators_truth_is_recovered(demo_ws, demo_dir):
    """Witness: the parameters the generator drew from (truth.json) and who truly dropped out.

    Tolerances, and why: the run counts purchase *days* of counted orders, while the
    generator's rates count every order, cancelled and refunded ones included
    (about 7 % of orders) and several on one day (about 6 % merge, mostly of heavy
    buyers). That thinning shows in the rate scale alpha (and GG's gamma), not in the
    shapes: r, a, b, p, q are held to 12 %, alpha and gamma to 40 %.
    """
    truth = json.loads((demo_dir / "data" / "truth.json").read_text(encoding="utf-8"))["params"]
    run = demo_ws.run(as_of=LAST_DAY)
    clv = next(r for r in demo_ws.runs() if r.run_id == run.run_id).facts.clv
    fit, spend = clv.fit("purchases").params, clv.fit("spend").params
    assert clv.model in ("bg_nbd", "pareto_nbd")
    if clv.model == "bg_nbd":
        for name in ("r", "a", "b"):
            assert fit[name] == pytest.approx(truth[name], rel=0.12), name
        assert fit["alpha"] == pytest.approx(truth["alpha"], rel=0.40)
    for name in ("p", "q"):
        assert spend[name] == pytest.approx(truth[name], rel=0.12), name
    assert spend["gamma"] == pytest.approx(truth["gamma"], rel=0.40)

    import pyarrow.parquet as pq

    who = pq.read_table(demo_dir / "data" / "truth.parquet").to_pandas()
    snap = demo_ws.snapshot(run.run_id).to_pandas().merge(who, on="customer_id")
    buyers = snap[snap.frequency > 0]
    gone = buyers[~buyers.alive]
    # recall: customers who truly dropped out are mostly churned or at risk
    recall = gone.stage.isin(["churned", "at_risk"]).mean()
    assert recall >= 0.80, recall
    # precision: a customer staged churned has truly dropped out, or buys so rarely
    # (under one order expected in 90 days) that a CRM team would count her as lost
    churned = buyers[buyers.stage == "churned"]
    lost = ~churned.alive | (churned.lam * 90 / 7 < 1)
    assert lost.mean() >= 0.90, lost.mean()


def test_clv_columns_follow_from_the_stored_fits_in_weeks(demo_ws):
    """Witness of units and wiring: P(alive), 90-day purchases and CLV recomputed from the
    stored parameters and purchase days counted here; CLV lies between the undiscounted
    value and that value discounted by a full year."""
    import numpy as np

    from segmint.models.clv import beta_geo, gamma_gamma, pareto_nbd

    run = demo_ws.run(as_of=LAST_DAY)
    clv = next(r for r in demo_ws.runs() if r.run_id == run.run_id).facts.clv
    days = demo_ws.engine.arrow(
        """SELECT customer_id, CAST(timezone('Asia/Shanghai', ordered_at) AS DATE) AS d,
               sum(amount) AS spend
           FROM orders WHERE status NOT IN ('pending', 'cancelled', 'refunded') AND amount >= 0
             AND CAST(timezone('Asia/Shanghai', ordered_at) AS DATE) <= ?
           GROUP BY 1, 2""",
        [LAST_DAY],
    ).to_pandas()
    days["day"] = days.d.map(lambda d: (d - LAST_DAY).days)
    g = days.sort_values("day").groupby("customer_id")
    summary = g.agg(first=("day", "min"), last=("day", "max"), n=("day", "size"))
    first_spend = g.spend.first().astype(float)
    summary["x"] = summary.n - 1
    summary["t_x"] = (summary["last"] - summary["first"]) / 7
    summary["T"] = -summary["first"] / 7
    summary["m"] = ((g.spend.sum().astype(float) - first_spend) / summary.x.clip(lower=1)).where(
        summary.x > 0, 0.0
    )
    model = {"bg_nbd": beta_geo, "pareto_nbd": pareto_nbd}[clv.model]
    fit = model.Params(**clv.fit("purchases").params)
    spend = gamma_gamma.Params(**clv.fit("spend").params)
    snap = demo_ws.snapshot(run.run_id).to_pandas().set_index("customer_id").loc[summary.index]
    x, t_x, T, m = (summary[c].to_numpy(dtype=float) for c in ("x", "t_x", "T", "m"))
    assert np.allclose(snap.p_alive, model.probability_alive(fit, x, t_x, T), rtol=1e-9)
    expected = model.expected_purchases(fit, 90 / 7, x, t_x, T)
    assert np.allclose(snap.expected_orders_90d, expected, rtol=1e-9)
    year = model.expected_purchases(fit, 365 / 7, x, t_x, T)
    undiscounted = year * gamma_gamma.expected_spend(spend, x, m)
    assert (snap.clv_12m <= undiscounted * (1 + 1e-9)).all()
    assert (snap.clv_12m >= undiscounted / 1.10 * (1 - 1e-9)).all()
    assert (snap.clv_12m < undiscounted * 0.999).mean() > 0.9  # the discount does bite


@pytest.mark.parametrize(
    ("as_of", "code"),
    [
        (dt.date(2000, 1, 1), "run.as_of_before_data"),
        (LAST_DAY + dt.timedelta(days=366), "run.as_of_after_data"),
    ],
)
def test_an_as_of_outside_the_data_is_refused_by_the_library(demo_ws, as_of, code):
    """Before the first order everyone is a prospect, long after the newest one everyone
    is churned: the run refuses, names the data's span, and keeps nothing."""
    runs = demo_ws.runs()
    with pytest.raises(InputError) as info:
        demo_ws.run(as_of=as_of)
    assert info.value.code == code and info.value.exit_status == 2
    first = demo_ws.engine.scalar("SELECT min(ordered_at) FROM orders")
    assert f"the orders run from {first.astimezone(ZoneInfo('Asia/Shanghai')).date()}" in (
        info.value.message
    )
    with pytest.raises(InputError) as rfm_info:
        demo_ws.rfm(as_of=as_of)
    assert rfm_info.value.code == code
    assert demo_ws.runs() == runs


def test_the_last_day_a_year_after_the_newest_order_is_allowed(demo_ws):
    newest = demo_ws.engine.scalar("SELECT max(ordered_at) FROM orders")
    last = newest.astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert demo_ws.rfm(as_of=last + dt.timedelta(days=365)).num_rows > 0


def test_a_backtest_is_kept_but_never_replaces_the_current_run(demo_ws, tmp_path):
    """The current run is the newest as_of, then the newest run: what the team sees."""
    current = demo_ws.run(as_of=LAST_DAY)
    assert not current.backtest
    backtest = demo_ws.run(as_of=LAST_DAY - dt.timedelta(days=200))
    assert backtest.backtest and backtest.run_id > current.run_id
    assert demo_ws.segments().run_id == current.run_id
    assert demo_ws.snapshot().equals(demo_ws.snapshot(current.run_id))
    who = demo_ws.snapshot()["customer_id"][0].as_py()
    assert demo_ws.customer(who).run_id == current.run_id
    rows = demo_ws.export(tmp_path / "s.parquet")
    assert rows == demo_ws.snapshot(current.run_id).num_rows
    marks = {r.run_id: (r.current, r.backtest) for r in demo_ws.runs()}
    assert marks[current.run_id] == (True, False) and marks[backtest.run_id] == (False, True)
    assert demo_ws.segments(run_id=backtest.run_id).run_id == backtest.run_id
    again = demo_ws.run(as_of=LAST_DAY)  # the same day again: the newer run is current
    assert not again.backtest and demo_ws.segments().run_id == again.run_id


def test_an_unknown_run_names_the_runs_there_are(demo_ws):
    with pytest.raises(NotFoundError, match=r"there is no run 999; the runs are 1-\d+$") as info:
        demo_ws.segments(run_id=999)
    assert info.value.code == "run.not_found"
    assert info.value.hint == "'segmint runs' lists them with their as-of dates."


def test_a_workspace_without_runs_says_to_run_first(ws):
    with pytest.raises(NotFoundError, match="there is no run yet") as info:
        ws.segments()
    assert info.value.code == "run.none_yet" and info.value.hint == "Run 'segmint run' first."


def test_the_demo_tiers_draw_no_warning_and_the_b2b_cut_offs_do(demo_dir, tmp_path):
    """A shop's customers under 100,000-yuan cut-offs all land in the last tier."""
    import shutil

    with Workspace(demo_dir) as ws:
        assert ws.run(as_of=LAST_DAY).warnings == ()
    folder = tmp_path / "b2b"
    shutil.copytree(demo_dir, folder)
    settings = folder / "segmint.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('method = "pareto"', 'method = "thresholds"', 1), "utf-8")
    with Workspace(folder) as ws:
        result = ws.run(as_of=LAST_DAY)
        stored = next(r for r in ws.runs() if r.run_id == result.run_id).facts
    (warning,) = result.warnings
    assert warning.code == "run.tiers_concentrated"
    assert warning.params["tier"] == "C" and warning.params["share"] > 90
    assert warning.params["fix"] == 'method = "pareto"'
    assert stored.warnings == (warning,)
    message, hint = warning.render("zh-CN")
    assert "C 级" in message and 'method = "pareto"' in (hint or "")
