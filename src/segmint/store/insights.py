"""Read-side aggregates the dashboard and the report draw: KPIs per run, the R×F grid, CLV.

Each is one aggregate over a run's snapshot rows (a run is immutable, so the answer for a
run never changes); no query takes a column or table name from user text.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from segmint.store.engine import Store

# Stages of a customer who buys now (lifecycle.STAGES): the "active" of the overview.
ACTIVE_STAGES = ("new", "active", "won_back")

# Frequency and recency bands of the P(alive) grid: (label, lowest, highest or None).
Bands = tuple[tuple[str, int, int | None], ...]
FREQUENCY_BANDS: Bands = (
    ("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4–5", 4, 5), ("6–9", 6, 9), ("10+", 10, None)
)  # fmt: skip
RECENCY_BANDS: Bands = (
    ("0–30", 0, 30), ("31–90", 31, 90), ("91–180", 91, 180),
    ("181–365", 181, 365), ("366–730", 366, 730), ("731+", 731, None),
)  # fmt: skip


def run_kpis(engine: Store, run_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Per run: customers, buyers, active, value customers, revenue and the rates.

    Buyers have at least one order; the repurchase and churn rates are shares of buyers
    (a prospect can neither repurchase nor churn), conversion the buyers' share of all.
    """
    if not run_ids:
        return []
    marks = ", ".join("?" * len(run_ids))
    active = ", ".join(f"'{stage}'" for stage in ACTIVE_STAGES)
    return engine.records(
        f"""SELECT run_id, count(*) AS customers,
            count(*) FILTER (WHERE frequency >= 1) AS buyers,
            count(*) FILTER (WHERE stage IN ({active})) AS active,
            count(*) FILTER (WHERE value_customer) AS value_customers,
            coalesce(sum(revenue_365d), 0) AS revenue_365d,
            count(*) FILTER (WHERE frequency >= 2) AS repeat_buyers,
            count(*) FILTER (WHERE stage = 'churned') AS churned,
            avg(clv_12m) AS avg_clv_12m, coalesce(sum(clv_12m), 0) AS clv_12m
        FROM snapshots WHERE run_id IN ({marks}) GROUP BY run_id ORDER BY run_id""",
        list(run_ids),
    )


# Snapshot columns that hold a family's segment key: the same labels its memberships hold.
FAMILY_COLUMNS = frozenset({"tier", "stage", "rfm8", "rfm11", "cluster", "loyalty_level"})


def family_sizes(engine: Store, run_id: int, family: str) -> list[dict[str, Any]]:
    """Per segment of `family`: customers, 365-day revenue and average 12-month CLV."""
    column = _family_column(family)
    return engine.records(
        f"""SELECT CAST({column} AS VARCHAR) AS "key", count(*) AS customers,
            coalesce(sum(revenue_365d), 0) AS revenue_365d, avg(clv_12m) AS avg_clv_12m
        FROM snapshots WHERE run_id = ? AND {column} IS NOT NULL GROUP BY 1 ORDER BY 1""",
        [run_id],
    )


def family_flows(engine: Store, before: int, after: int, family: str) -> list[dict[str, Any]]:
    """Customers and their 365-day revenue (as of `after`) by segment of `family` in each run.

    A customer in only one of the runs has None on the other side.
    """
    column = _family_column(family)
    return engine.records(
        f"""WITH a AS (
            SELECT customer_id, CAST({column} AS VARCHAR) AS k FROM snapshots WHERE run_id = ?),
        b AS (SELECT customer_id, CAST({column} AS VARCHAR) AS k, revenue_365d
            FROM snapshots WHERE run_id = ?)
        SELECT a.k AS before, b.k AS after, count(*) AS customers,
            coalesce(sum(b.revenue_365d), 0) AS revenue_365d
        FROM a FULL JOIN b USING (customer_id)
        GROUP BY 1, 2 ORDER BY 1 NULLS FIRST, 2 NULLS FIRST""",
        [before, after],
    )


def _family_column(family: str) -> str:
    if family not in FAMILY_COLUMNS:  # a programming error: the names are ours
        raise ValueError(f"no snapshot column for family '{family}'")
    return family


def rfm_grid(engine: Store, run_id: int) -> list[dict[str, Any]]:
    """Customers, average monetary value and 365-day revenue per (R score, F score)."""
    return engine.records(
        """SELECT r_score AS r, f_score AS f, count(*) AS customers,
            CAST(avg(monetary) AS DOUBLE) AS avg_monetary,
            coalesce(sum(revenue_365d), 0) AS revenue_365d
        FROM snapshots WHERE run_id = ? AND r_score IS NOT NULL AND f_score IS NOT NULL
        GROUP BY ALL ORDER BY r, f""",
        [run_id],
    )


def clv_total(engine: Store, run_id: int) -> float:
    """The run's 12-month CLV summed over its customers (0 when it has none)."""
    found = engine.scalar(
        "SELECT coalesce(sum(clv_12m), 0) FROM snapshots WHERE run_id = ?", [run_id]
    )
    return float(found)


def revenue_total(engine: Store, run_id: int) -> Decimal:
    """The run's 365-day revenue summed over its customers (exact)."""
    found = engine.scalar(
        "SELECT coalesce(sum(revenue_365d), 0) FROM snapshots WHERE run_id = ?", [run_id]
    )
    return Decimal(str(found))


def clv_histogram(engine: Store, run_id: int, *, bins: int) -> list[dict[str, Any]]:
    """Customers per equal-width band of 12-month CLV, up to the 99th percentile.

    The top percentile goes into the last band, so a few very large values do not squeeze
    every other customer into the first one.
    """
    return engine.records(
        """WITH cur AS (
            SELECT clv_12m AS v FROM snapshots WHERE run_id = ? AND clv_12m IS NOT NULL),
        span AS (SELECT min(v) AS lo, quantile_cont(v, 0.99) AS hi FROM cur),
        banded AS (
            SELECT CASE WHEN span.hi <= span.lo THEN 0
                ELSE least(CAST(floor((v - span.lo) / (span.hi - span.lo) * ?) AS INTEGER), ? - 1)
                END AS band, span.lo, span.hi FROM cur, span)
        SELECT band, any_value(lo) + band * (any_value(hi) - any_value(lo)) / ? AS low,
            any_value(lo) + (band + 1) * (any_value(hi) - any_value(lo)) / ? AS high,
            count(*) AS customers
        FROM banded GROUP BY band ORDER BY band""",
        [run_id, bins, bins, bins, bins],
    )


def alive_grid(engine: Store, run_id: int) -> list[dict[str, Any]]:
    """Customers and mean P(alive) per frequency band × recency band (`*_BANDS`)."""
    return engine.records(
        f"""SELECT {_band("frequency", FREQUENCY_BANDS)} AS frequency,
            {_band("recency_days", RECENCY_BANDS)} AS recency,
            count(*) AS customers, avg(p_alive) AS p_alive
        FROM snapshots WHERE run_id = ? AND frequency >= 1 AND p_alive IS NOT NULL
        GROUP BY ALL ORDER BY ALL""",
        [run_id],
    )


def _band(column: str, bands: Bands) -> str:
    """A CASE giving the index of the band a value falls in (names and bounds are ours)."""
    cases = " ".join(
        f"WHEN {column} >= {low}"
        + ("" if high is None else f" AND {column} <= {high}")
        + f" THEN {i}"
        for i, (_, low, high) in enumerate(bands)
    )
    return f"CASE {cases} END"


def value_customers(engine: Store, run_id: int, *, limit: int) -> list[dict[str, Any]]:
    """The value customers of a run with the highest 12-month CLV (then by customer id)."""
    return engine.records(
        """SELECT customer_id, tier, stage, frequency AS orders, revenue_365d, clv_12m, p_alive
        FROM snapshots WHERE run_id = ? AND value_customer
        ORDER BY clv_12m DESC NULLS LAST, customer_id LIMIT ?""",
        [run_id, limit],
    )


def imports(engine: Store, *, limit: int) -> list[dict[str, Any]]:
    """The latest imports, newest first, with what each took in and set aside."""
    return engine.records(
        """SELECT import_id, kind, file_name AS file, format, encoding, started_at,
            finished_at, rows_read, accepted, quarantined, already_present, updated
        FROM imports WHERE finished_at IS NOT NULL ORDER BY finished_at DESC, import_id LIMIT ?""",
        [limit],
    )


def quarantined(engine: Store, import_id: str) -> list[dict[str, Any]]:
    """The rows an import set aside, in file order: row number, field, reason and raw row."""
    return engine.records(
        """SELECT "row", field, code, message, raw FROM quarantine
        WHERE import_id = ? ORDER BY "row", field""",
        [import_id],
    )


def flag_sizes(engine: Store, run_id: int, flags: Sequence[str]) -> list[dict[str, Any]]:
    """Per flag column (ours): customers it holds for, their 365-day revenue and average CLV."""
    parts = " UNION ALL ".join(
        f"""SELECT '{flag}' AS "key", count(*) AS customers,
            coalesce(sum(revenue_365d), 0) AS revenue_365d, avg(clv_12m) AS avg_clv_12m
        FROM snapshots WHERE run_id = ? AND "{flag}" """
        for flag in flags
    )
    return engine.records(parts, [run_id] * len(flags))


def next_categories(engine: Store, run_id: int, by: str) -> list[dict[str, Any]]:
    """Per value of column `by` (ours): its customers' most common next category and how many.

    Ties: the category first by name.
    """
    column = _family_column(by)
    return engine.records(
        f"""SELECT "key", category, customers FROM (
            SELECT CAST({column} AS VARCHAR) AS "key", next_category AS category,
                count(*) AS customers
            FROM snapshots
            WHERE run_id = ? AND {column} IS NOT NULL AND next_category IS NOT NULL
            GROUP BY 1, 2)
        QUALIFY row_number() OVER (PARTITION BY "key" ORDER BY customers DESC, category) = 1
        ORDER BY 1""",
        [run_id],
    )
