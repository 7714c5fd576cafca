"""Rule segments saved in a workspace: members, versions, lint, static lists, explanations.

Witness: pandas over the run's snapshot (and the customers table for profile fields),
computed here without the rule language.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from segmint.core.errors import InputError, NotFoundError, RuleError
from segmint.segments import membership
from segmint.store import segments as stored
from segmint.workspace import Workspace
from tests.conftest import built_demo, copied

AS_OF = dt.date(2026, 6, 30)

# The examples, with the same condition written in pandas over snapshot + profile.
EXAMPLES = {
    "busy": (
        "orders_30d > 3 and discount_share_90d >= 0.5",
        lambda s: (s.orders_30d > 3) & (s.discount_share_90d >= 0.5),
    ),
    "browsing": (
        "view_streak_days >= 7 and orders_7d = 0",
        lambda s: (s.view_streak_days >= 7) & (s.orders_7d == 0),
    ),
    "a_drifting": (
        "tier = 'A' and p_alive < 0.5",
        lambda s: (s.tier == "A") & (s.p_alive < 0.5),
    ),
    "loyal_elsewhere": (
        "r_score >= 4 and f_score >= 4 and not (city = '上海')",
        lambda s: (s.r_score >= 4) & (s.f_score >= 4) & ~(s.city == "上海"),
    ),
    "middle": (
        "revenue_365d between 1000 and 5000",
        lambda s: (s.revenue_365d >= 1000) & (s.revenue_365d <= 5000),
    ),
    "important": (
        "rfm8 = '重要价值客户' 且 近30天订单数 > 0",
        lambda s: (s.rfm8 == "important_value") & (s.orders_30d > 0),
    ),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return built_demo(tmp_path_factory, "saved", customers=2000, seed=7, as_of=AS_OF)


@pytest.fixture
def ws(built, tmp_path):
    with Workspace(copied(built, tmp_path)) as workspace:
        yield workspace


def _frame(ws: Workspace, run_id: int | None = None) -> pd.DataFrame:
    snap = ws.snapshot(run_id).to_pandas()
    people = ws.engine.arrow("SELECT customer_id, city FROM customers").to_pandas()
    frame = snap.merge(people, on="customer_id", how="left")
    return frame.assign(revenue_365d=frame.revenue_365d.astype(float))


def _members(ws: Workspace, run_id: int, name: str) -> list[str]:
    rows = ws.engine.rows(
        """SELECT m.customer_id FROM memberships m JOIN segments s USING (segment_id)
        WHERE m.run_id = ? AND s.name = ? ORDER BY 1""",
        [run_id, name],
    )
    return [r[0] for r in rows]


def test_every_example_rule_has_the_members_pandas_finds_in_the_next_run(ws):
    for name, (rule, _) in EXAMPLES.items():
        ws.add_segment(name, rule)
    run = ws.run(as_of=AS_OF)
    frame = _frame(ws, run.run_id)
    for name, (_, condition) in EXAMPLES.items():
        want = sorted(frame.customer_id[condition(frame).fillna(False).astype(bool)])
        assert _members(ws, run.run_id, name) == want, name
    assert sum(len(_members(ws, run.run_id, n)) for n in EXAMPLES) > 500  # not all empty


def test_the_preview_counts_and_shares_are_pandas_own(ws):
    rule, condition = EXAMPLES["loyal_elsewhere"]
    shown = ws.rule_test(rule)
    frame = _frame(ws)
    chosen = frame[condition(frame).fillna(False).astype(bool)]
    assert shown.count == len(chosen)
    assert shown.share == pytest.approx(len(chosen) / len(frame))
    assert shown.revenue_share == pytest.approx(
        chosen.revenue_365d.sum() / frame.revenue_365d.sum()
    )
    assert len(shown.sample) == 10
    assert all(w.clauses[0].startswith("r_score = ") for w in shown.sample)


def test_every_value_an_export_explains_with_is_the_snapshots(ws, tmp_path):
    ws.add_segment("busy", EXAMPLES["busy"][0])
    out = tmp_path / "busy.parquet"
    rows = ws.export_segment("busy", out).rows
    got = pd.read_parquet(out)
    assert rows == len(got) > 0
    assert list(got.columns) == ["customer_id", "orders_30d", "discount_share_90d", "why"]
    snap = _frame(ws).set_index("customer_id").loc[got.customer_id]
    assert list(got.orders_30d) == list(snap.orders_30d)
    assert list(got.discount_share_90d) == list(snap.discount_share_90d)
    first = got.iloc[0]
    assert f"orders_30d = {first.orders_30d} > 3 ✓" in first.why


def test_the_members_of_a_family_segment_are_those_its_rule_selects(ws):
    """The memberships of tier.A, stage.at_risk ... come from the snapshot columns; their
    rule text, evaluated by the rule engine, must select exactly the same customers."""
    run = ws.runs()[0]
    view = membership.run_view(ws.engine, ws.settings, run_id=run.run_id, as_of=run.as_of)
    families = [s for s in stored.current(ws.engine, kind="family") if s["family"] != "rfm_cell"]
    rules = {
        f"s{s['segment_id']}": membership.read(ws.engine, ws.settings, s["rule"]) for s in families
    }
    flags = ws.engine.ibis().to_pyarrow(membership.evaluate(view, rules)).to_pandas()
    for segment in families:
        chosen = sorted(flags.customer_id[flags[f"s{segment['segment_id']}"]])
        assert chosen == _members(ws, run.run_id, segment["name"]), segment["name"]


def test_the_lint_says_empty_identical_and_contained(ws):
    assert [x.kind for x in ws.rule_test("orders_30d > 100000").lint] == ["empty"]
    ws.add_segment("a_tier", "tier = 'A'")
    same = ws.rule_test("tier = 'A'").lint
    assert [(x.kind, x.other) for x in same] == [("identical", "a_tier")]
    inside = ws.rule_test("tier = 'A' and p_alive < 0.5").lint
    assert [(x.kind, x.other) for x in inside] == [("contained", "a_tier")]
    assert "a_tier" in inside[0].render("zh-CN")


def test_editing_keeps_every_version_and_runs_remember_theirs(ws):
    ws.add_segment("buyers", "frequency >= 2")
    first = ws.run(as_of=AS_OF)
    segment, _ = ws.edit_segment("buyers", rule="frequency >= 5", description="loyal")
    assert (segment.version, segment.description) == (2, "loyal")
    second = ws.run(as_of=AS_OF)
    shown = ws.segment("buyers")
    assert [v.rule for v in shown.versions] == ["frequency >= 2", "frequency >= 5"]
    used = {u.run_id: u.version for u in shown.runs}
    assert used[first.run_id] == 1 and used[second.run_id] == 2
    frame = _frame(ws, first.run_id)
    assert len(_members(ws, first.run_id, "buyers")) == (frame.frequency >= 2).sum()
    assert len(_members(ws, second.run_id, "buyers")) == (frame.frequency >= 5).sum()


def test_a_static_segment_keeps_the_members_it_had_when_saved(ws):
    ws.add_segment("june_busy", "orders_30d >= 1", static=True)
    ws.add_segment("busy_now", "orders_30d >= 1")
    frozen = _members(ws, ws.runs()[0].run_id, "june_busy")
    later = ws.run(as_of=AS_OF + dt.timedelta(days=90))  # nobody ordered after June 30
    assert _members(ws, later.run_id, "busy_now") == []
    assert _members(ws, later.run_id, "june_busy") == frozen != []


def test_a_saved_segment_is_in_the_current_run_at_once(ws):
    ws.add_segment("busy", EXAMPLES["busy"][0])
    report = ws.segments()
    mine = [r for r in report.segments if r.family == "rules"]
    assert [(r.segment, r.customers) for r in mine] == [
        ("busy", ws.rule_test("orders_30d > 3 and discount_share_90d >= 0.5").count)
    ]
    profile = ws.customer(_members(ws, report.run_id, "busy")[0])
    assert [s.name for s in profile.segments] == ["busy"]
    assert profile.segments[0].why[0].startswith("orders_30d = ")


def test_a_segment_named_by_another_cannot_be_removed(ws):
    ws.add_segment("base", "frequency >= 2")
    ws.add_segment("built_on", "in_segment('base') and tier = 'A'")
    with pytest.raises(InputError, match="built_on refer to it"):
        ws.remove_segment("base")
    ws.remove_segment("built_on")
    ws.remove_segment("base")
    assert ws.segment_list() == []


def test_names_and_built_in_segments_are_guarded(ws):
    with pytest.raises(InputError, match="cannot name a segment") as bad:
        ws.add_segment("tier.X", "frequency > 1")
    assert bad.value.code == "segment.bad_name"
    with pytest.raises(InputError) as built_in:
        ws.edit_segment("tier.A", rule="frequency > 1")
    assert built_in.value.code == "segment.built_in"
    ws.add_segment("loyal", "frequency >= 5")
    with pytest.raises(InputError) as twice:
        ws.add_segment("loyal", "frequency >= 6")
    assert twice.value.code == "segment.exists"
    with pytest.raises(NotFoundError) as missing:
        ws.segment("loyl")
    assert missing.value.hint == "Did you mean 'loyal'?"


def test_a_cycle_through_saved_segments_is_refused(ws):
    ws.add_segment("one", "frequency >= 2")
    ws.add_segment("two", "in_segment('one')")
    with pytest.raises(RuleError) as cycle:
        ws.edit_segment("one", rule="in_segment('two')")
    assert cycle.value.code == "rules.segment_cycle"


def test_a_rule_that_no_longer_reads_is_skipped_by_the_run_with_a_warning(ws):
    with ws.engine.transaction():  # as a segment saved by a version that had this field
        stored.add_version(
            ws.engine, name="old", kind="rule", rule="wallet_balance > 10", actor="t"
        )
    ws.add_segment("fine", "frequency >= 2")
    run = ws.run(as_of=AS_OF)
    assert [w.code for w in run.warnings] == ["run.segment_skipped"]
    assert run.warnings[0].params["segment"] == "old"
    assert len(_members(ws, run.run_id, "fine")) > 0


def test_the_diff_counts_who_entered_and_left_a_rule_segment(ws):
    rule, condition = EXAMPLES["middle"]
    ws.add_segment("middle", rule)
    before = ws.runs()[0].run_id
    after = ws.run(as_of=AS_OF + dt.timedelta(days=31)).run_id
    a, b = _frame(ws, before), _frame(ws, after)
    was = set(a.customer_id[condition(a).fillna(False).astype(bool)])
    now = set(b.customer_id[condition(b).fillna(False).astype(bool)])
    (move,) = [m for m in ws.diff().moves if m.segment == "middle"]
    assert (move.entered, move.left) == (len(now - was), len(was - now))
    assert move.family == "rules" and len(was - now) > 0
    entered = b[b.customer_id.isin(now - was)].revenue_365d.sum()
    assert float(move.revenue_365d_entered) == pytest.approx(entered)
