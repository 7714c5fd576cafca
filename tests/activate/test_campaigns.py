"""Campaigns end to end: assignment kept, lists without the hold-out, a planted effect found.

Witnesses: `models.holdout`'s formula for each customer's group; the planted orders
themselves (pandas means of what each group was given over the window); the segment's
members at creation.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from segmint.core.errors import ConflictError, InputError
from segmint.models import holdout
from segmint.workspace import Workspace
from tests.conftest import built_demo, copied, write_csv

AS_OF = dt.date(2026, 6, 30)
SEGMENT = "tier.C"  # most customers: a campaign of some size


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return built_demo(tmp_path_factory, "campaigns", customers=1500, seed=12, as_of=AS_OF)


@pytest.fixture
def ws(made, tmp_path):
    with Workspace(copied(made, tmp_path)) as opened:
        yield opened


def _create(ws, **how):
    return ws.create_campaign(
        "summer",
        segment=SEGMENT,
        holdout=0.3,
        variants=["A", "B"],
        start=dt.date(2026, 7, 1),
        end=dt.date(2026, 7, 31),
        seed=2026,
        **how,
    )


def _groups(ws) -> dict[str, str]:
    rows = ws.engine.rows("SELECT customer_id, variant FROM campaign_members ORDER BY 1")
    return dict(rows)


def test_every_member_gets_the_group_of_the_formula_and_keeps_it(ws, tmp_path):
    made = _create(ws)
    members = [
        c
        for (c,) in ws.engine.rows(
            """SELECT customer_id FROM memberships JOIN segments USING (segment_id)
            WHERE name = ? AND run_id = (SELECT max(run_id) FROM runs) ORDER BY 1""",
            [SEGMENT],
        )
    ]
    groups = _groups(ws)
    assert sorted(groups) == members and made.new == len(members) > 500
    want = holdout.assign(members, seed=2026, holdout=0.3, variants=["A", "B"])
    assert [groups[c] for c in members] == want
    assert made.groups == {g: want.count(g) for g in ("A", "B", "holdout")}
    # ten members seen only later (as if they joined the segment since) get the same group
    late = members[:10]
    for customer in late:
        ws.engine.execute("DELETE FROM campaign_members WHERE customer_id = ?", [customer])
    ws.export_campaign("summer", "A", tmp_path / "a.csv")
    assert _groups(ws) == groups


def test_a_variants_list_never_holds_the_hold_out(ws, tmp_path):
    _create(ws)
    groups = _groups(ws)
    done = ws.export_campaign("summer", "B", tmp_path / "b.csv")
    got = pd.read_csv(tmp_path / "b.csv", encoding="utf-8-sig", dtype=str)
    assert set(got.customer_id) == {c for c, g in groups.items() if g == "B"}
    assert done.rows == len(got) > 0
    with pytest.raises(InputError) as caught:
        ws.export_campaign("summer", "holdout", tmp_path / "h.csv")
    assert caught.value.code == "campaign.unknown_variant" and "A, B" in (caught.value.hint or "")
    assert not (tmp_path / "h.csv").exists()


def test_the_report_finds_a_planted_effect_and_no_effect_where_none_was_planted(ws, tmp_path):
    _create(ws)
    groups = _groups(ws)
    rng = np.random.default_rng(7)
    rows, given = [], []
    for n, (customer, group) in enumerate(sorted(groups.items())):
        # everyone buys in the window with the same chance and spend; A gets 60 more
        # yuan per customer on average (a second order of 120 for half of them)
        amounts = [round(float(rng.gamma(2.0, 60.0)), 2)] if rng.random() < 0.4 else []
        if group == "A" and rng.random() < 0.5:
            amounts.append(120.0)
        for k, amount in enumerate(amounts):
            day = dt.date(2026, 7, 1) + dt.timedelta(days=int(rng.integers(0, 31)))
            rows.append([f"P{n}-{k}", customer, f"{day}T12:00:00+08:00", f"{amount:.2f}"])
        given.append((group, len(amounts), sum(amounts)))
    path = write_csv(
        tmp_path / "july.csv", ["order_id", "customer_id", "ordered_at", "amount"], rows
    )
    ws.import_file("orders", path, today=dt.date(2026, 8, 1))
    found = ws.campaign_report("summer")
    assert found.data_until == max(dt.date.fromisoformat(r[2][:10]) for r in rows)
    frame = pd.DataFrame(given, columns=["group", "orders", "revenue"])
    means = frame.groupby("group").mean()
    assert found.complete == (found.data_until == dt.date(2026, 7, 31))
    assert found.holdout == (frame.group == "holdout").sum()
    by = {(r.variant, u.metric): u for r in found.variants for u in r.metrics}
    for variant in ("A", "B"):
        revenue, orders = by[(variant, "revenue")], by[(variant, "orders")]
        assert revenue.mean_variant == pytest.approx(means.revenue[variant], abs=1e-9)
        assert revenue.mean_holdout == pytest.approx(means.revenue["holdout"], abs=1e-9)
        assert orders.mean_variant == pytest.approx(means.orders[variant], abs=1e-12)
    a = by[("A", "revenue")]
    assert a.verdict == "raised" and a.low is not None and a.high is not None
    assert a.low <= 60.0 <= a.high  # the planted uplift is inside the interval
    assert by[("B", "revenue")].verdict == "cannot_tell"  # nothing was planted for B
    assert by[("B", "revenue")].needed is not None


def test_campaigns_that_cannot_be_made_are_named(ws):
    _create(ws)
    with pytest.raises(ConflictError):
        _create(ws)
    cases = [
        ({"segment": "tier.Z"}, "campaign.unknown_segment"),
        ({"end": dt.date(2026, 6, 1), "start": dt.date(2026, 5, 1)}, "campaign.window_over"),
        ({"start": dt.date(2026, 7, 31), "end": dt.date(2026, 7, 1)}, "campaign.bad_window"),
        ({"start": "July"}, "campaign.bad_day"),
        ({"holdout": 1.5}, "campaign.bad_holdout"),
    ]
    for how, code in cases:
        args = {
            "segment": SEGMENT,
            "holdout": 0.1,
            "start": dt.date(2026, 7, 1),
            "end": dt.date(2026, 7, 31),
        } | how
        with pytest.raises(InputError) as caught:
            ws.create_campaign("other", **args)
        assert caught.value.code == code, how
    assert [c.name for c in ws.campaigns()] == ["summer"]
