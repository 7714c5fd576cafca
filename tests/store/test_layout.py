"""Rows stored by customer: imports and runs write them in the order a profile reads them.

Witness: a plain scan (which returns rows as stored) of each table a profile reads by
customer comes back sorted by customer within each import and run, so DuckDB's min/max
per block lets a one-customer read skip the blocks of everyone else.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from tests.conftest import built_demo

# (table, what a plain scan returns: the rows as stored)
STORED = {
    "customers": "SELECT customer_id FROM customers",
    "orders": "SELECT customer_id FROM orders",
    "events": "SELECT customer_id FROM events",
    "tickets": "SELECT customer_id FROM tickets",
    "snapshots": "SELECT run_id, customer_id FROM snapshots",
    "snapshot_categories": "SELECT run_id, customer_id FROM snapshot_categories",
}


def test_imports_and_runs_store_each_customers_rows_together(tmp_path_factory):
    folder = built_demo(
        tmp_path_factory, "layout", customers=400, seed=8, as_of=dt.date(2026, 6, 30)
    )
    with duckdb.connect(str(folder / "segmint.duckdb"), read_only=True) as con:
        for table, sql in STORED.items():
            stored = con.execute(sql).fetchall()
            assert stored, table
            assert stored == sorted(stored), table
        families = con.execute(
            "SELECT m.customer_id FROM memberships m JOIN segments s USING (segment_id) "
            "WHERE s.kind = 'family'"
        ).fetchall()
        assert families == sorted(families) and families
