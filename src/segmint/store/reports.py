"""Read-side queries over the snapshots: segments, moves, one customer's story.

Segment sizes and KPIs, moves between runs, one customer's history and recent timeline.

Segment families are columns of the snapshot; their names come from the caller (a
fixed list in `segmint.segments.families`), never from user text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from segmint.store.duckdb import DuckDBEngine


def _records(engine: DuckDBEngine, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    table = engine.arrow(sql, params)
    return table.to_pylist()  # type: ignore[no-any-return]


def segment_kpis(
    engine: DuckDBEngine, run_id: int, families: Sequence[str]
) -> list[dict[str, Any]]:
    """Per family and segment: customers, shares, average CLV and the KPIs of the docs."""
    longs = " UNION ALL ".join(
        f"SELECT '{f}' AS family, CAST(\"{f}\" AS VARCHAR) AS segment, * FROM cur" for f in families
    )
    return _records(
        engine,
        f"""WITH cur AS (SELECT * FROM snapshots WHERE run_id = ?),
        total AS (SELECT count(*) AS n, sum(revenue_365d) AS revenue FROM cur),
        long AS ({longs})
        SELECT family, segment, count(*) AS customers,
            count(*) / any_value(total.n) AS share,
            CAST(sum(revenue_365d) / nullif(any_value(total.revenue), 0) AS DOUBLE)
                AS revenue_share,
            sum(revenue_365d) AS revenue_365d,
            avg(clv_12m) AS avg_clv_12m,
            avg(CAST(frequency >= 2 AS INTEGER)) AS repurchase_rate,
            avg(CAST(stage = 'churned' AS INTEGER)) AS churn_rate,
            CAST(sum(monetary) / nullif(sum(frequency), 0) AS DOUBLE) AS aov
        FROM long, total
        WHERE segment IS NOT NULL
        GROUP BY family, segment
        ORDER BY family, customers DESC, segment""",
        [run_id],
    )


def transitions(engine: DuckDBEngine, before: int, after: int, family: str) -> list[dict[str, Any]]:
    """Customers and their 365-day revenue by (segment before, segment after) of `family`.

    A customer present in only one run has an empty (None) side.
    """
    return _records(
        engine,
        f"""SELECT CAST(a."{family}" AS VARCHAR) AS before, CAST(b."{family}" AS VARCHAR) AS after,
            count(*) AS customers, sum(b.revenue_365d) AS revenue_365d
        FROM (SELECT * FROM snapshots WHERE run_id = ?) a
        FULL JOIN (SELECT * FROM snapshots WHERE run_id = ?) b USING (customer_id)
        GROUP BY 1, 2 ORDER BY 1 NULLS FIRST, 2 NULLS FIRST""",
        [before, after],
    )


def history(engine: DuckDBEngine, customer_id: str, columns: Sequence[str]) -> list[dict[str, Any]]:
    """One customer's labels in every run, oldest first."""
    names = ", ".join(f's."{c}"' for c in columns)
    return _records(
        engine,
        f"""SELECT r.run_id, r.as_of, {names} FROM snapshots s JOIN runs r USING (run_id)
        WHERE s.customer_id = ? ORDER BY r.as_of, r.run_id""",
        [customer_id],
    )


def snapshot_row(engine: DuckDBEngine, run_id: int, customer_id: str) -> dict[str, Any] | None:
    """One customer's snapshot row in a run (None when the run does not have her)."""
    rows = _records(
        engine,
        "SELECT * EXCLUDE (run_id) FROM snapshots WHERE run_id = ? AND customer_id = ?",
        [run_id, customer_id],
    )
    return rows[0] if rows else None


def customer_record(engine: DuckDBEngine, customer_id: str) -> dict[str, Any] | None:
    """The customers row as stored (personal data included: the caller masks it)."""
    rows = _records(engine, "SELECT * FROM customers WHERE customer_id = ?", [customer_id])
    return rows[0] if rows else None


def timeline(engine: DuckDBEngine, customer_id: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """The customer's latest orders, interactions and tickets, newest first."""
    return _records(
        engine,
        """SELECT * FROM (
            SELECT ordered_at AS happened_at, 'order' AS kind, order_id AS ref, status AS what,
                CAST(amount AS VARCHAR) AS detail FROM orders WHERE customer_id = ?
            UNION ALL
            SELECT occurred_at, 'event', event_id, type, channel FROM events WHERE customer_id = ?
            UNION ALL
            SELECT opened_at, 'ticket', ticket_id,
                CASE WHEN is_complaint THEN 'complaint' ELSE 'ticket' END, category
            FROM tickets WHERE customer_id = ?
        ) ORDER BY happened_at DESC, kind, ref LIMIT ?""",
        [customer_id, customer_id, customer_id, limit],
    )


def category_shares(engine: DuckDBEngine, run_id: int, customer_id: str) -> list[dict[str, Any]]:
    """The customer's spend by category in a run, largest first."""
    return _records(
        engine,
        """SELECT category, spend, share FROM snapshot_categories
        WHERE run_id = ? AND customer_id = ? ORDER BY spend DESC, category""",
        [run_id, customer_id],
    )


def families_long(engine: DuckDBEngine, run_id: int) -> tuple[Any, Any]:
    """A run's spend shares by category and interactions by channel, as Arrow tables."""
    categories = engine.arrow(
        "SELECT customer_id, category, share FROM snapshot_categories WHERE run_id = ?", [run_id]
    )
    channels = engine.arrow(
        "SELECT customer_id, channel, interactions_30d FROM snapshot_channels WHERE run_id = ?",
        [run_id],
    )
    return categories, channels
