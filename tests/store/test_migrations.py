"""Frozen migrations: a workspace made by the previous release opens, upgrades and reads.

The fixture in data/release-v3 is a workspace as the release before segments-as-data
made it (schema version 3): 150 generated customers, run 1 as of 2026-06-30 and run 2,
a backtest, as of 2026-03-31. Its run details are JSON; its labels are columns.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from segmint.core.catalog import SNAPSHOT_COLUMNS, FeatureType
from segmint.store.duckdb import DuckDBEngine
from segmint.store.migrations import MIGRATIONS, migrate
from segmint.workspace import Workspace

RELEASE = Path(__file__).parent / "data" / "release-v3"
FAMILIES = ("tier", "stage", "rfm8", "rfm11", "rfm_cell", "value_customer")


@pytest.fixture
def old(tmp_path):
    """A copy of the release-v3 workspace, and what its runs recorded (read with duckdb)."""
    folder = tmp_path / "ws"
    folder.mkdir()
    shutil.copy(RELEASE / "segmint.toml", folder)
    with gzip.open(RELEASE / "segmint.duckdb.gz") as f, (folder / "segmint.duckdb").open("wb") as g:
        shutil.copyfileobj(f, g)
    con = duckdb.connect(str(folder / "segmint.duckdb"), read_only=True)
    try:
        recorded = {
            "version": con.execute("SELECT max(version) FROM schema_version").fetchone()[0],
            "details": {
                r: json.loads(d)
                for r, d in con.execute("SELECT run_id, details FROM runs").fetchall()
            },
            "snapshots": con.execute("SELECT * FROM snapshots").df(),
        }
    finally:
        con.close()
    return folder, recorded


def test_the_fixture_is_a_release_v3_workspace(old):
    _, recorded = old
    assert recorded["version"] == 3
    assert sorted(recorded["details"]) == [1, 2]


def test_upgrading_keeps_every_run_and_types_its_facts(old):
    folder, recorded = old
    with Workspace(folder) as ws:
        assert ws.engine.scalar("SELECT max(version) FROM schema_version") == len(MIGRATIONS)
        runs = {r.run_id: r for r in ws.runs()}
        for run_id, details in recorded["details"].items():
            facts = runs[run_id].facts
            assert list(facts.rfm.recency_cuts) == details["rfm"]["cuts"]["recency_days"]
            assert list(facts.rfm.monetary_cuts) == details["rfm"]["cuts"]["monetary"]
            assert facts.rfm.mean_frequency == details["rfm"]["means"]["frequency"]
            assert [s.tier for s in facts.tiers] == [s["tier"] for s in details["tiers"]]
            assert [s.buyers for s in facts.tiers] == [
                details["tier_buyers"].get(s["tier"], 0) for s in details["tiers"]
            ]
            assert facts.clv.model == details["clv"]["model"]
            assert facts.clv.fit("purchases").params == details["clv"]["fit"]["params"]
            assert facts.clv.fit("spend").params == details["clv"]["spend_fit"]["params"]
            assert list(facts.pareto_curve) == details["pareto_curve"]
            assert facts.settings.tiers.method == details["settings"]["tiers"]["method"]
        columns = {r[0] for r in ws.engine.rows("DESCRIBE runs")}
        assert "details" not in columns


def test_upgrading_recomputes_the_facts_old_runs_did_not_record(old):
    """Witness: the median gap of the repeat buyers and the lowest flagged value score,
    computed here from the old snapshots with pandas."""
    folder, recorded = old
    snap = recorded["snapshots"]
    with Workspace(folder) as ws:
        runs = {r.run_id: r.facts for r in ws.runs()}
    for run_id, facts in runs.items():
        rows = snap[snap.run_id == run_id]
        gaps = rows.avg_days_between_orders.dropna()
        assert facts.usual_gap_days == pytest.approx(gaps.median(), rel=1e-12)
        assert facts.value_cutoff == rows[rows.value_customer].value_score.min()


def test_upgrading_puts_every_label_of_every_old_run_in_the_memberships(old):
    """Witness: the old snapshots' label columns, counted with pandas."""
    folder, recorded = old
    snap = recorded["snapshots"]
    with Workspace(folder) as ws:
        got = ws.engine.arrow(
            """SELECT m.run_id, s.family, s."key", count(*) AS n FROM memberships m
            JOIN segments s USING (segment_id) GROUP BY ALL"""
        ).to_pandas()
        counted = ws.engine.rows(
            "SELECT run_id, sum(members) FROM run_segments GROUP BY run_id ORDER BY run_id"
        )
    got = {(r.run_id, r.family, r.key): r.n for r in got.itertuples()}
    want = {}
    for family in FAMILIES:
        keys = snap[family].dropna()
        keys = keys.map(lambda v: str(v).lower()) if family == "value_customer" else keys
        for (run_id, key), n in keys.groupby([snap.run_id, keys]).size().items():
            want[(run_id, family, str(key))] = n
    assert got == want
    assert counted == [(r, sum(n for k, n in want.items() if k[0] == r)) for r in (1, 2)]


def test_an_upgraded_workspace_reports_and_runs(old):
    folder, recorded = old
    snap = recorded["snapshots"]
    with Workspace(folder) as ws:
        report = ws.segments(run_id=1)
        tiers = {r.segment: r.customers for r in report.family("tier")}
        assert tiers == snap[snap.run_id == 1].tier.value_counts().to_dict()
        moved = ws.diff(before=2, after=1)
        pairs = snap.pivot(index="customer_id", columns="run_id", values="tier")
        a_to_b = int(((pairs[2] == "A") & (pairs[1] == "B")).sum())
        cell = [c for c in moved.transitions["tier"] if (c.before, c.after) == ("A", "B")]
        assert [c.customers for c in cell] == ([a_to_b] if a_to_b else [])
        customer = snap.customer_id.iloc[0]
        assert ws.customer(customer, run_id=1).labels["tier"]
        new = ws.run(as_of="2026-06-30")
        assert new.run_id == 3
        assert ws.segments().run_id == 3


def test_the_migrations_make_the_snapshot_columns_the_catalog_declares(tmp_path):
    """Adding a feature without a migration step fails here, not in a user's workspace."""
    types = {
        FeatureType.INT: "BIGINT",
        FeatureType.FLOAT: "DOUBLE",
        FeatureType.MONEY: "DECIMAL(18,2)",
        FeatureType.DATE: "DATE",
        FeatureType.TEXT: "VARCHAR",
        FeatureType.BOOL: "BOOLEAN",
    }
    with DuckDBEngine(tmp_path / "x.duckdb") as engine:
        migrate(engine)
        got = [(name, kind) for name, kind, *_ in engine.rows("DESCRIBE snapshots")]
    want = [("run_id", "INTEGER"), ("customer_id", "VARCHAR")]
    want += [(c.name, types[c.type]) for c in SNAPSHOT_COLUMNS]
    assert got == want


def test_a_run_made_before_live_views_keeps_imports_working_until_the_next_run(old, tmp_path):
    """Its import updates no view (none was started); refresh says to run; a run starts it."""
    from segmint.core.errors import NotFoundError
    from tests.conftest import write_csv

    folder, recorded = old
    customer = sorted(recorded["snapshots"].customer_id)[0]
    path = write_csv(
        tmp_path / "orders.csv",
        ["order_id", "customer_id", "ordered_at", "amount"],
        [["AFTER-1", customer, "2026-06-30T12:00:00+08:00", "88.00"]],
    )
    with Workspace(folder) as ws:
        done = ws.import_file("orders", path, today=dt.date(2026, 6, 30))
        assert done.accepted == 1 and done.view == ()
        with pytest.raises(NotFoundError) as raised:
            ws.refresh(as_of=dt.date(2026, 7, 1))
        assert raised.value.code == "live.not_started" and "segmint run" in raised.value.hint
        ws.run(as_of=dt.date(2026, 6, 30))
        (rolled,) = ws.refresh(as_of=dt.date(2026, 7, 1))
        assert rolled.cause == "roll_forward" and rolled.as_of == dt.date(2026, 7, 1)


def test_upgrading_stores_each_customers_rows_together_and_keeps_every_row(old):
    """Step 8 rewrites the tables a profile reads by customer: the same rows, in customer
    order (a plain scan returns rows as stored), so DuckDB skips the blocks of others."""
    folder, _ = old
    path = folder / "segmint.duckdb"
    with duckdb.connect(str(path), read_only=True) as con:
        before = {t: con.execute(SORTED[t]).fetchall() for t in BY_CUSTOMER}
    with Workspace(folder) as ws:
        assert ws.engine.scalar("SELECT max(version) FROM schema_version") == len(MIGRATIONS)
    with duckdb.connect(str(path), read_only=True) as con:
        for table, stored_sql in BY_CUSTOMER.items():
            stored = con.execute(stored_sql).fetchall()
            assert stored == sorted(stored) and stored, table
            assert con.execute(SORTED[table]).fetchall() == before[table], table


# What a plain scan returns (the rows as stored), and every row in a fixed order.
BY_CUSTOMER = {
    "customers": "SELECT customer_id FROM customers",
    "orders": "SELECT customer_id FROM orders",
    "events": "SELECT customer_id FROM events",
    "tickets": "SELECT customer_id FROM tickets",
    "snapshot_categories": "SELECT run_id, customer_id FROM snapshot_categories",
}
SORTED = {t: f"SELECT * FROM {t} ORDER BY ALL" for t in BY_CUSTOMER}  # noqa: S608 -- ours


def test_runs_stored_before_the_tracking_series_read_without_one(old):
    """Step 13 adds the CLV facts' tracking series: older runs have none, a new run has."""
    folder, _ = old
    with Workspace(folder) as ws:
        assert {r.run_id: r.facts.clv.tracking for r in ws.runs()} == {1: None, 2: None}
        made = ws.run(as_of="2026-06-30")
        stored = {r.run_id: r.facts.clv.tracking for r in ws.runs()}
    assert stored[made.run_id] == made.facts.clv.tracking is not None
    assert stored[1] is None
