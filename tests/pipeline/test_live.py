"""The live view: a run's frozen population reproduces the run, and updates follow new data.

Witnesses: the run's own snapshot and memberships (a recomputation of every customer on
the run's day with the frozen facts, ladders and ranks must give them back exactly), and
the rows of the imported orders (an update moves exactly the customers they belong to).
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.core.catalog import SNAPSHOT_COLUMNS
from segmint.pipeline import live
from segmint.store import live as live_store
from segmint.store import snapshots
from segmint.workspace import Workspace
from tests.conftest import built_demo, copied, write_csv

AS_OF = dt.date(2026, 6, 30)
SCHEMES = {
    "default": {},
    "ranked": {'scoring = "quantile"': 'scoring = "rank"', 'method = "pareto"': 'method = "rank"'},
    "fixed": {'method = "pareto"': 'method = "thresholds"'},
}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return built_demo(tmp_path_factory, "live", customers=800, seed=11, as_of=AS_OF, examples=True)


def _copy(made, tmp_path, scheme: str):
    folder = copied(made, tmp_path, scheme)
    toml = folder / "segmint.toml"
    text = toml.read_text(encoding="utf-8")
    for old, new in SCHEMES[scheme].items():
        assert text.count(old) == 1
        text = text.replace(old, new)
    toml.write_text(text, encoding="utf-8")
    return folder


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=0)
    return a == b


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_recomputing_everyone_on_the_runs_day_gives_the_run_back(made, tmp_path, scheme):
    with Workspace(_copy(made, tmp_path, scheme)) as ws:
        run_id = ws.run(as_of=AS_OF).run_id
        again = live.recompute(ws.engine, ws.settings, run_id=run_id, day=AS_OF)
        snap = snapshots.snapshot(ws.engine, run_id).to_pylist()
        rows = sorted(again.rows.to_pylist(), key=lambda r: r["customer_id"])
        assert len(rows) == len(snap) > 700
        names = [c.name for c in SNAPSHOT_COLUMNS]
        differing = {
            name
            for got, want in zip(rows, snap, strict=True)
            for name in names
            if not _same(got[name], want[name])
        }
        assert differing == set()
        members = ws.engine.rows(
            "SELECT segment_id, customer_id FROM memberships WHERE run_id = ? ORDER BY 1, 2",
            [run_id],
        )
        got = sorted(zip(*again.members.to_pydict().values(), strict=True))
        assert got == [tuple(m) for m in members]


def test_an_import_moves_exactly_the_customers_it_touches(made, tmp_path):
    with Workspace(_copy(made, tmp_path, "default")) as ws:
        run_id = ws.run(as_of=AS_OF).run_id
        before = snapshots.snapshot(ws.engine, run_id).to_pandas().set_index("customer_id")
        quiet = before[before.frequency == 1].index[:3].tolist()
        path = write_csv(
            tmp_path / "orders.csv",
            ["order_id", "customer_id", "ordered_at", "amount"],
            [[f"L{i}", c, "2026-06-30T12:00:00+08:00", "30000.00"] for i, c in enumerate(quiet)],
        )
        result = ws.import_file("orders", path, today=AS_OF)
        assert [u.cause for u in result.view] == ["update"]
        assert result.view[0].customers == 3
        rows = ws.engine.rows("SELECT customer_id, frequency, tier FROM live_customers ORDER BY 1")
        assert [(c, f) for c, f, _ in rows] == [(c, 2) for c in sorted(quiet)]
        assert {t for _, _, t in rows} == {"A"}  # 30,000 more is beyond tier A's start
        again = ws.import_file("orders", path, today=AS_OF)  # the same orders count once
        assert again.accepted == 0 and again.view == ()


# ---- incremental equals batch ------------------------------------------------------

Step = tuple[str, int, list[int]]  # ("orders" | "views" | "days", days ahead, customers)


def _view_members(ws, run_id):
    sql, params = live_store.view_members(run_id)
    found = ws.engine.rows(f"SELECT * FROM ({sql}) ORDER BY 1, 2", params)  # noqa: S608
    return sorted(tuple(r) for r in found)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["orders", "views", "days"]),
            st.integers(0, 40),
            st.lists(st.integers(0, 799), min_size=1, max_size=6),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_imports_and_days_passing_equal_a_full_recomputation(made, tmp_path_factory, steps):
    """Witness: every customer recomputed at the view's final day, from all rows at once.

    After random imports (orders, product views; for existing customers and new ones) and
    days passing, the view's memberships equal the recomputation's for every customer,
    and the rows of the customers updated on the final day equal it column by column.
    """
    folder = _copy(made, tmp_path_factory.mktemp("steps"), "default")
    with Workspace(folder) as ws:
        run_id = ws.run(as_of=AS_OF).run_id
        ids = sorted(
            snapshots.snapshot(ws.engine, run_id, columns=("customer_id",))[
                "customer_id"
            ].to_pylist()
        )
        day = AS_OF
        for n, (kind, ahead, who) in enumerate(steps):
            day += dt.timedelta(days=ahead)
            chosen = sorted({ids[i] if i < 790 else f"NEW{i}" for i in who})
            if kind == "days":
                ws.refresh(as_of=day)
                continue
            stamp = f"{day.isoformat()}T15:00:00+08:00"
            if kind == "orders":
                rows = [[f"P{n}-{c}", c, stamp, f"{100 + 37 * i}.00"] for i, c in enumerate(chosen)]
                path = write_csv(
                    tmp_path_factory.mktemp("f") / "o.csv",
                    ["order_id", "customer_id", "ordered_at", "amount"],
                    rows,
                )
            else:
                rows = [[f"E{n}-{c}", c, stamp, "product_view"] for c in chosen]
                path = write_csv(
                    tmp_path_factory.mktemp("f") / "e.csv",
                    ["event_id", "customer_id", "occurred_at", "type"],
                    rows,
                )
            ws.import_file(kind if kind == "orders" else "events", path, today=day)
        final = live_store.view_day(ws.engine, run_id)
        batch = live.recompute(ws.engine, ws.settings, run_id=run_id, day=final)
        want = sorted(zip(*batch.members.to_pydict().values(), strict=True))
        assert _view_members(ws, run_id) == want
        fresh = ws.engine.arrow(
            """SELECT l.* EXCLUDE (update_id, run_id) FROM live_customers l
            JOIN updates u USING (update_id) WHERE l.run_id = ? AND u.as_of = ?
            ORDER BY customer_id""",
            [run_id, final],
        ).to_pylist()
        expected = {r["customer_id"]: r for r in batch.rows.to_pylist()}
        names = [c.name for c in SNAPSHOT_COLUMNS]
        assert {
            (row["customer_id"], name)
            for row in fresh
            for name in names
            if not _same(row[name], expected[row["customer_id"]][name])
        } == set()


def test_data_taken_in_by_no_update_is_caught_up_by_the_next_refresh(made, tmp_path):
    """An import commits its rows and marks their customers together; a process killed
    before the update leaves them marked, and the next refresh takes them in as an update."""
    from segmint.ingest.importer import ImportOptions, import_file

    with Workspace(_copy(made, tmp_path, "default")) as ws:
        run_id = ws.run(as_of=AS_OF).run_id
        who = sorted(
            snapshots.snapshot(ws.engine, run_id, columns=("customer_id",))[
                "customer_id"
            ].to_pylist()
        )[:2]
        path = write_csv(
            tmp_path / "orders.csv",
            ["order_id", "customer_id", "ordered_at", "amount"],
            [[f"K{i}", c, "2026-06-30T12:00:00+08:00", "10.00"] for i, c in enumerate(who)],
        )
        moment = dt.datetime(2026, 6, 30, 23, tzinfo=dt.UTC)
        options = ImportOptions(name="orders.csv", lang="en", actor="test")
        import_file(
            ws.engine,
            "orders",
            path,
            settings=ws.settings,
            workspace=ws.path,
            options=options,
            now=moment,
        )
        assert live_store.due(ws.engine, run_id, AS_OF, marked=True) == who
        done = ws.refresh(as_of=AS_OF)
        assert [(u.cause, u.customers) for u in done] == [("update", 2)]
        assert live_store.due(ws.engine, run_id, AS_OF, marked=True) == []
        rows = ws.engine.rows("SELECT customer_id FROM live_customers ORDER BY 1")
        assert [r[0] for r in rows] == who


def test_days_passing_move_segments_log_why_and_raise_alerts_by_update(made, tmp_path):
    with Workspace(_copy(made, tmp_path, "default")) as ws:
        run_id = ws.run(as_of=AS_OF).run_id
        due = live_store.due(ws.engine, run_id, AS_OF + dt.timedelta(days=30), marked=False)
        (update,) = ws.refresh(as_of=AS_OF + dt.timedelta(days=30))
        assert update.cause == "roll_forward" and update.customers == len(due) > 0
        assert update.entered > 0 and update.left > 0
        causes = ws.engine.rows(
            "SELECT cause, count(*) FILTER (WHERE entered), count(*) FILTER (WHERE NOT entered) "
            "FROM membership_changes GROUP BY 1"
        )
        assert causes == [("roll_forward", update.entered, update.left)]
        raised = ws.engine.rows(
            "SELECT raised_by, update_id FROM alerts WHERE update_id IS NOT NULL LIMIT 1"
        )
        assert update.alerts_raised > 0 and raised == [
            (f"update {update.update_id}", update.update_id)
        ]
        # recency grew by 30 days for every untouched customer: nobody left in the view is
        # still "new" past the stage's 90 days, and the view's day moved
        assert live_store.view_day(ws.engine, run_id) == AS_OF + dt.timedelta(days=30)
        view = ws.status().live
        assert view.as_of == AS_OF + dt.timedelta(days=30) and view.updates == 1
        assert view.customers_updated == update.customers and view.waiting == 0
        assert view.next_change > view.as_of
        assert ws.refresh(as_of=AS_OF + dt.timedelta(days=30)) == []


def test_the_profile_and_the_export_show_the_live_view(made, tmp_path):
    with Workspace(_copy(made, tmp_path, "default")) as ws:
        run_id = ws.run(as_of=AS_OF).run_id
        (update,) = ws.refresh(as_of=AS_OF + dt.timedelta(days=10))
        moved = ws.engine.scalar("SELECT min(customer_id) FROM live_customers")
        profile = ws.customer(moved)
        assert profile.view_as_of == AS_OF + dt.timedelta(days=10)
        assert profile.updated_at is not None and profile.run_id == run_id
        assert profile.snapshot["recency_days"] == ws.engine.scalar(
            "SELECT recency_days FROM live_customers WHERE customer_id = ?", [moved]
        )
        past = ws.customer(moved, run_id=run_id)  # the same run asked for by id: the view
        assert past.view_as_of == profile.view_as_of
        out = tmp_path / "view.csv"
        ws.export(out)
        table = pd.read_csv(out, encoding="utf-8-sig").set_index("customer_id")
        assert table.loc[moved, "view_as_of"] == str(AS_OF + dt.timedelta(days=10))
        still = table[table.view_as_of == str(AS_OF)]
        assert len(still) + update.customers == len(table)


def test_customers_imported_after_the_run_join_the_view_as_prospects(made, tmp_path):
    """Customers added to the data after the run (signed up before its day) join the view
    with no orders. Regression: recomputing only customers who never bought failed in
    their CLV (predictions for nobody)."""
    with Workspace(_copy(made, tmp_path, "default")) as ws:
        ws.run(as_of=AS_OF)
        path = write_csv(
            tmp_path / "new.csv",
            ["customer_id", "name", "signup_at"],
            [["NEW-1", "新客", "2026-06-20 09:00"], ["NEW-2", "又一位", "2026-06-21 10:00"]],
        )
        result = ws.import_file("customers", path, today=AS_OF)
        assert result.accepted == 2
        assert sum(u.customers for u in result.view) == 2
        rows = ws.engine.rows(
            "SELECT customer_id, stage, frequency FROM live_customers "
            "WHERE customer_id LIKE 'NEW-%' ORDER BY 1"
        )
        assert rows == [("NEW-1", "prospect", 0), ("NEW-2", "prospect", 0)]
