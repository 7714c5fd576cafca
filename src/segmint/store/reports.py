"""Read-side queries over the snapshots: segments, moves, one customer's story.

Segment sizes and KPIs, moves between runs, one customer's history and recent timeline.

Segments are read through the memberships table, built-in families and rule segments
alike; no query takes a column or table name from user text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from segmint.store.engine import Store
from segmint.store.live import members_of
from segmint.store.memberships import FAMILIES, FLAG_FAMILIES, MOVED

# CLV summed exactly (to 1e-10): a sum of doubles depends on the order DuckDB's
# threads add them in, so the same run would not give the same figures twice.
_CLV = "CAST(clv_12m AS DECIMAL(38, 10))"
# What a group of customers' snapshot rows sum up to (the figures of a segment).
_KPIS = f"""sum(revenue_365d) AS revenue_365d, CAST(avg({_CLV}) AS DOUBLE) AS avg_clv_12m,
    avg(CAST(frequency >= 2 AS INTEGER)) AS repurchase_rate,
    avg(CAST(stage = 'churned' AS INTEGER)) AS churn_rate,
    CAST(sum(monetary) / nullif(sum(frequency), 0) AS DOUBLE) AS aov"""
# The same figures from partial sums (`_PARTS`) of groups of customers.
_PARTS = f"""sum(revenue_365d) AS revenue_365d, sum({_CLV}) AS clv_sum, count(clv_12m) AS clv_n,
    count(frequency) AS counted, count(*) FILTER (WHERE frequency >= 2) AS repeated,
    count(stage) AS staged, count(*) FILTER (WHERE stage = 'churned') AS churned,
    sum(monetary) AS monetary, sum(frequency) AS frequency"""
_FROM_PARTS = """sum(revenue_365d) AS revenue_365d,
    CAST(sum(clv_sum) / nullif(sum(clv_n), 0) AS DOUBLE) AS avg_clv_12m,
    sum(repeated) / nullif(sum(counted), 0) AS repurchase_rate,
    sum(churned) / nullif(sum(staged), 0) AS churn_rate,
    CAST(sum(monetary) / nullif(sum(frequency), 0) AS DOUBLE) AS aov"""
_FIGURES = ("avg_clv_12m", "repurchase_rate", "churn_rate", "aov")


def segment_kpis(engine: Store, run_id: int) -> list[dict[str, Any]]:
    """Per segment version the run evaluated: members, shares, average CLV and the KPIs.

    A built-in family's members are the snapshot rows holding its key (as the run wrote
    them, `memberships.write_families`): their figures come from partial sums per
    combination of the families' keys (a few thousand), rolled up per family; rule and
    static segments are read from their memberships. A segment with no member has a row
    with 0 customers.
    """
    quoted = [f'"{f}"' for f in FAMILIES]  # our names, never user text
    which = " ".join(
        f"WHEN grouping({q}) = 0 THEN '{f}'" for q, f in zip(quoted, FAMILIES, strict=True)
    )
    keys = ", ".join(f"CAST({q} AS VARCHAR)" for q in quoted)
    flags = [(family, flag) for family, names in FLAG_FAMILIES.items() for flag in names]
    # a flag family's segments overlap: each is its own aggregate of the rows it holds for
    by_flag = "".join(
        f"""UNION ALL BY NAME SELECT '{family}' AS family, '{flag}' AS "key", {_KPIS}
        FROM cur WHERE "{flag}" """
        for family, flag in flags
    )
    picked = ", ".join(f"coalesce(f.{k}, k.{k}) AS {k}" for k in _FIGURES)
    return engine.records(
        # not materialized: each part reads the few columns it needs straight from the table
        f"""WITH cur AS NOT MATERIALIZED (
            SELECT customer_id, {", ".join(quoted)}, revenue_365d, clv_12m, frequency,
                monetary, {", ".join(f'"{f}"' for _, f in flags)}
            FROM snapshots WHERE run_id = ?),
        total AS (SELECT count(*) AS n, sum(revenue_365d) AS revenue FROM cur),
        parts AS (SELECT {", ".join(quoted)}, {_PARTS} FROM cur GROUP BY ALL),
        families AS (
            SELECT CASE {which} END AS family, coalesce({keys}) AS "key", {_FROM_PARTS}
            FROM parts GROUP BY GROUPING SETS ({", ".join(f"({q})" for q in quoted)})
            {by_flag}),
        rules AS (
            SELECT m.segment_id, {_KPIS}
            FROM memberships m JOIN cur USING (customer_id)
            WHERE m.run_id = ?
                AND m.segment_id IN (SELECT segment_id FROM segments WHERE kind <> 'family')
            GROUP BY m.segment_id)
        SELECT s.segment_id, s.name, s.kind, s.family, s."key", s.version,
            r.members AS customers, r.members / nullif(total.n, 0) AS share,
            CAST(coalesce(f.revenue_365d, k.revenue_365d, 0) / nullif(total.revenue, 0)
                AS DOUBLE) AS revenue_share,
            coalesce(f.revenue_365d, k.revenue_365d, 0) AS revenue_365d, {picked}
        FROM run_segments r JOIN segments s USING (segment_id) CROSS JOIN total
        LEFT JOIN rules k ON k.segment_id = s.segment_id
        LEFT JOIN families f ON s.kind = 'family' AND f.family = s.family AND f."key" = s."key"
        WHERE r.run_id = ?
        ORDER BY s.kind DESC, s.family, customers DESC, s.name""",
        [run_id, run_id, run_id],
    )


def segment_sizes(engine: Store, run_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Members per segment name in each of `run_ids` (from what each run recorded)."""
    if not run_ids:
        return []
    marks = ", ".join("?" * len(run_ids))
    return engine.records(
        f"""SELECT r.run_id, s.name, sum(r.members) AS customers
        FROM run_segments r JOIN segments s USING (segment_id)
        WHERE r.run_id IN ({marks}) GROUP BY ALL""",
        list(run_ids),
    )


def transitions(engine: Store, before: int, after: int, family: str) -> list[dict[str, Any]]:
    """Customers and their 365-day revenue by (segment before, segment after) of `family`.

    A customer without a segment of the family in one run has an empty (None) side.
    """
    return engine.records(
        """WITH keyed AS (
            SELECT m.run_id, m.customer_id, s."key" FROM memberships m JOIN segments s
            USING (segment_id) WHERE s.kind = 'family' AND s.family = ?),
        a AS (SELECT customer_id, "key" FROM keyed WHERE run_id = ?),
        b AS (SELECT customer_id, "key" FROM keyed WHERE run_id = ?)
        SELECT a."key" AS before, b."key" AS after, count(*) AS customers,
            sum(snap.revenue_365d) AS revenue_365d
        FROM a FULL JOIN b ON a.customer_id = b.customer_id
        LEFT JOIN snapshots snap ON snap.run_id = ? AND snap.customer_id = b.customer_id
        GROUP BY 1, 2 ORDER BY 1 NULLS FIRST, 2 NULLS FIRST""",
        [family, before, after, after],
    )


def moves(engine: Store, before: int, after: int) -> list[dict[str, Any]]:
    """Per segment name: customers who entered and who left between two runs.

    With the 365-day revenue (as of the later run) of those who entered; segments with
    no move are left out.
    """
    return engine.records(
        f"""SELECT name, any_value(kind) AS kind, any_value(family) AS family,
            any_value("key") AS "key",
            count(*) FILTER (WHERE entered) AS entered,
            count(*) FILTER (WHERE NOT entered) AS "left",
            coalesce(sum(snap.revenue_365d) FILTER (WHERE entered), 0) AS revenue_365d_entered
        FROM ({MOVED}) moved
        LEFT JOIN snapshots snap ON snap.run_id = ? AND snap.customer_id = moved.customer_id
        GROUP BY name ORDER BY kind DESC, family, name""",
        [before, after, after],
    )


def history(engine: Store, customer_id: str, families: Sequence[str]) -> list[dict[str, Any]]:
    """One customer's segment of each of `families` in every run, oldest first."""
    marks = ", ".join("?" * len(families))
    rows = engine.rows(
        f"""SELECT r.run_id, r.as_of, s.family, s."key" FROM memberships m
        JOIN segments s USING (segment_id) JOIN runs r USING (run_id)
        WHERE m.customer_id = ? AND s.kind = 'family' AND s.family IN ({marks})
        ORDER BY r.as_of, r.run_id""",
        [customer_id, *families],
    )
    runs: dict[int, dict[str, Any]] = {}
    for run_id, as_of, family, key in rows:
        runs.setdefault(run_id, {"run_id": run_id, "as_of": as_of} | dict.fromkeys(families))
        runs[run_id][family] = key
    return list(runs.values())


def rule_memberships(
    engine: Store, run_id: int, customer_id: str, *, live: bool = False
) -> list[int]:
    """The rule segment versions one customer is a member of in a run (or its live view)."""
    run = ("SELECT segment_id, customer_id FROM memberships WHERE run_id = ?", [run_id])
    sql, params = members_of(run_id, "_her") if live else run
    with engine.registered("_her", pa.table({"customer_id": [customer_id]})):
        rows = engine.rows(
            f"""SELECT m.segment_id FROM ({sql}) m JOIN segments s USING (segment_id)
            WHERE m.customer_id = ? AND s.kind = 'rule' ORDER BY s.name""",
            [*params, customer_id],
        )
    return [int(r[0]) for r in rows]


def run_totals(engine: Store, run_id: int) -> tuple[int, float]:
    """A run's customers and their 365-day revenue."""
    n, revenue = engine.rows(
        "SELECT count(*), coalesce(sum(revenue_365d), 0) FROM snapshots WHERE run_id = ?", [run_id]
    )[0]
    return int(n), float(revenue)


def snapshot_row(engine: Store, run_id: int, customer_id: str) -> dict[str, Any] | None:
    """One customer's snapshot row in a run (None when the run does not have her)."""
    rows = engine.records(
        "SELECT * EXCLUDE (run_id) FROM snapshots WHERE run_id = ? AND customer_id = ?",
        [run_id, customer_id],
    )
    return rows[0] if rows else None


def customer_record(engine: Store, customer_id: str) -> dict[str, Any] | None:
    """The customers row as stored (personal data included: the caller masks it)."""
    rows = engine.records("SELECT * FROM customers WHERE customer_id = ?", [customer_id])
    return rows[0] if rows else None


def timeline(engine: Store, customer_id: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """The customer's latest orders, interactions and tickets, newest first."""
    return engine.records(
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


def category_shares(engine: Store, run_id: int, customer_id: str) -> list[dict[str, Any]]:
    """The customer's spend by category in a run, largest first."""
    return engine.records(
        """SELECT category, spend, share FROM snapshot_categories
        WHERE run_id = ? AND customer_id = ? ORDER BY spend DESC, category""",
        [run_id, customer_id],
    )


def families_long(engine: Store, run_id: int) -> tuple[Any, Any]:
    """A run's spend shares by category and interactions by channel, as Arrow tables."""
    categories = engine.arrow(
        "SELECT customer_id, category, share FROM snapshot_categories WHERE run_id = ?", [run_id]
    )
    channels = engine.arrow(
        "SELECT customer_id, channel, interactions_30d FROM snapshot_channels WHERE run_id = ?",
        [run_id],
    )
    return categories, channels


def products(engine: Store, run_id: int, ids: Sequence[str]) -> list[dict[str, Any]]:
    """product_id, name and category of products `ids` as run `run_id` knew them."""
    marks = ", ".join("?" * len(ids)) or "NULL"
    return engine.records(
        f"""SELECT product_id, name, category FROM run_products
        WHERE run_id = ? AND product_id IN ({marks})""",
        [run_id, *ids],
    )
