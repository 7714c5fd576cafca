"""Fifty rule segments on a million customers: segmint's compiled rules vs hand-written SQL.

What is measured, on ``--customers`` generated customers (default 1M; the data of
bench/run.py, ``parquet-<customers>/``, imported once into ``rules-<customers>/ws`` under
bench/.data with one run as of 2026-06-30, kept for later runs):

- segmint: from the open workspace and the rule text to an Arrow table of 50 booleans
  per customer — reading the 50 rules, ``relations.sources`` and
  ``relations.rule_table`` (each reads a few minimum/maximum times and the run's
  as_of), ``compile.evaluate`` of the 50 checked rules, and its execution
  (``relations.execute``);
- DuckDB SQL: the same 50 conditions written by hand as one query over the same tables
  (snapshots, customers, orders, events, tickets) on the same connection, to Arrow. Local
  days are taken as segmint takes them (the instant plus the zone's UTC offset, which
  Asia/Shanghai keeps all year), the windows are ``FILTER`` aggregates, one per source,
  the streak looks only at customers whose as_of is a good day (as segmint does), and
  every comparison is ``coalesce(..., false)``, as the rules' two-valued logic says.

The rules are ten templates with five settings each (fields, money, profile, ``as_of``
arithmetic, windows of all three sources with filters, a share, absence and a streak),
written as rule text: segmint's side reads (parses and checks) them in the timed part. Both outputs
are compared customer by customer, rule by rule, before any figure is printed.

Both sides run in one process on the workspace's own connection (its memory_limit
``--memory-limit``, default 3GB), after one untimed warm-up each, alternating A B A B for
``--rounds`` rounds; each round's ratio segmint / SQL is kept and the median shown. Times
are time.perf_counter. The machine has 2 shared cores: the 1-minute load average as each
round starts is printed beside it.

Usage: python bench/rules.py [--customers 1M] [--rounds 3] [--memory-limit 3GB]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import pyarrow as pa
from environments import note
from run import AS_OF, DATA, count, full_data, measured_code, workspace

from segmint.segments.rules import read
from segmint.segments.rules.compile import Context, evaluate
from segmint.segments.rules.vocabulary import vocabulary
from segmint.store.relations import execute, rule_table, sources
from segmint.workspace import Workspace

GOAL = 1.5  # segmint's time at most this many times the hand-written query's
DAY = (AS_OF - dt.date(1970, 1, 1)).days
SHANGHAI_US = 8 * 3600 * 10**6  # Asia/Shanghai's offset from UTC, the same all year
TIERS = ("A", "B", "C", "A", "B")

# ---- the rules: rule text for segmint, SQL by hand -------------------------------------

# Ten templates, each with five settings k = 0..4: (rule text, hand-written SQL).
TEMPLATES: list[Callable[[int], tuple[str, str]]] = [
    lambda k: (
        f"frequency >= {k + 2} and recency_days <= {30 * (k + 1)}",
        f"coalesce(frequency >= {k + 2}, false) "
        f"AND coalesce(recency_days <= {30 * (k + 1)}, false)",
    ),
    lambda k: (
        f"tier = '{TIERS[k]}' and p_alive < 0.{5 + k}",
        f"coalesce(tier = '{TIERS[k]}', false) AND coalesce(p_alive < 0.{5 + k}, false)",
    ),
    lambda k: (
        f"revenue_365d between {500 * (k + 1)} and {5000 * (k + 1)}",
        f"coalesce(revenue_365d BETWEEN {500 * (k + 1)} AND {5000 * (k + 1)}, false)",
    ),
    lambda k: (
        f"count(orders, {30 * (k + 1)}, channel = '天猫') >= 2",
        f"coalesce(o_tmall_{30 * (k + 1)}, 0) >= 2",
    ),
    lambda k: (
        f"sum(orders, {90 * (k + 1)}) > {1000 * (k + 1)}",
        f"coalesce(o_revenue_{90 * (k + 1)}, 0) > {1000 * (k + 1)}",
    ),
    lambda k: (
        f"share(orders, {90 + 30 * k}, discounted) > 0.5",
        f"coalesce(o_discounted_{90 + 30 * k} > 0.5, false)",
    ),
    lambda k: (
        f"absent(orders, {30 * (k + 1)}) "
        "and (frequency >= 2 or count(tickets, 365, complaint) >= 1)",
        f"coalesce(o_absent_{30 * (k + 1)}, true) AND (coalesce(frequency >= 2, false) "
        "OR coalesce(t_complaints_365, 0) >= 1)",
    ),
    lambda k: (
        f"count(events, {7 * (k + 1)}, type in ('page_view', 'product_view')) >= 3 "
        f"or streak(events, type = 'product_view', without = orders) >= {k + 2}",
        f"coalesce(e_views_{7 * (k + 1)}, 0) >= 3 OR coalesce(streak, 0) >= {k + 2}",
    ),
    lambda k: (
        f"r_score >= 4 and f_score >= {k + 1} and not (city = '上海')",
        f"coalesce(r_score >= 4, false) AND coalesce(f_score >= {k + 1}, false) "
        "AND NOT coalesce(city = '上海', false)",
    ),
    lambda k: (
        f"last_order_at < as_of - {30 * (k + 1)} and age >= {20 + 5 * k}",
        f"coalesce(last_order_at < as_of - {30 * (k + 1)}, false) "
        f"AND coalesce(age >= {20 + 5 * k}, false)",
    ),
]
RULES = {f"r{i}_{k}": TEMPLATES[i](k) for i in range(len(TEMPLATES)) for k in range(5)}


def _local_day(column: str) -> str:
    return f"CAST((epoch_us({column}) + {SHANGHAI_US}) // 86400000000 AS INTEGER)"


def _window_sql() -> str:
    """The hand-written windows: one FILTER aggregate per source, and the streak."""
    d30, d90, dshare, d7 = (
        (30, 60, 90, 120, 150),
        (90, 180, 270, 360, 450),
        (90, 120, 150, 180, 210),
        (7, 14, 21, 28, 35),
    )
    o = ", ".join(
        [
            f"count(*) FILTER (WHERE counted AND day > $as_of - {d} AND channel = '天猫') "
            f"AS o_tmall_{d}"
            for d in d30
        ]
        + [f"sum(net) FILTER (WHERE revenue AND day > $as_of - {d}) AS o_revenue_{d}" for d in d90]
        + [
            f"count(*) FILTER (WHERE counted AND day > $as_of - {d} AND discount > 0)::DOUBLE / "
            f"nullif(count(*) FILTER (WHERE counted AND day > $as_of - {d}), 0) AS o_discounted_{d}"
            for d in dshare
        ]
        + [
            f"count(*) FILTER (WHERE counted AND day > $as_of - {d}) = 0 AS o_absent_{d}"
            for d in d30
        ]
    )
    e = ", ".join(f"count(*) FILTER (WHERE day > $as_of - {d}) AS e_views_{d}" for d in d7)
    return f"""
o AS (
    SELECT customer_id, {_local_day("ordered_at")} AS day, amount - coalesce(refund, 0) AS net,
           coalesce(discount, 0) AS discount, channel,
           coalesce(status, 'paid') NOT IN ('pending', 'cancelled', 'refunded') AS revenue,
           revenue AND net >= 0 AS counted
    FROM orders
), ow AS (
    SELECT customer_id, {o} FROM o WHERE day <= $as_of AND day > $as_of - 450 GROUP BY customer_id
), ev AS (
    SELECT customer_id, {_local_day("occurred_at")} AS day, type FROM events
), ew AS (
    SELECT customer_id, {e} FROM ev
    WHERE type IN ('page_view', 'product_view') AND day <= $as_of AND day > $as_of - 35
    GROUP BY customer_id
), tw AS (
    SELECT customer_id, count(*) AS t_complaints_365 FROM tickets
    WHERE coalesce(is_complaint, false)
        AND {_local_day("opened_at")} BETWEEN $as_of - 364 AND $as_of
    GROUP BY customer_id
), starters AS (  -- only a customer whose as_of is a good day has a streak
    SELECT customer_id FROM ev WHERE type = 'product_view' AND day = $as_of
    EXCEPT SELECT customer_id FROM o WHERE counted AND day = $as_of
), good AS (
    SELECT DISTINCT customer_id, day FROM ev
    WHERE type = 'product_view' AND day <= $as_of
        AND customer_id IN (SELECT customer_id FROM starters)
    EXCEPT SELECT customer_id, day FROM o
    WHERE counted AND customer_id IN (SELECT customer_id FROM starters)
), ranked AS (
    SELECT customer_id, day, row_number() OVER (PARTITION BY customer_id ORDER BY day DESC) - 1 AS n
    FROM good
), streaks AS (
    SELECT customer_id, count(*) AS streak FROM ranked WHERE $as_of - day = n GROUP BY customer_id
)"""


def hand_sql() -> str:
    """The 50 conditions as one DuckDB query ($run, $as_of, $as_of_date)."""
    verdicts = ",\n    ".join(f"{sql} AS {name}" for name, (_, sql) in RULES.items())
    return f"""WITH {_window_sql()}, base AS (
    SELECT s.*, c.city, date_sub('year', c.birthday, $as_of_date) AS age, $as_of_date AS as_of
    FROM snapshots s LEFT JOIN customers c USING (customer_id) WHERE s.run_id = $run
)
SELECT customer_id,
    {verdicts}
FROM base LEFT JOIN ow USING (customer_id) LEFT JOIN ew USING (customer_id)
    LEFT JOIN tw USING (customer_id) LEFT JOIN streaks USING (customer_id)"""


# ---- the two sides ----------------------------------------------------------------------


def segmint_side(ws: Workspace, run_id: int) -> pa.Table:
    engine, zone = ws.engine, ws.settings.timezone
    words = vocabulary(ws.settings)
    rules = {name: read(text, words) for name, (text, _) in RULES.items()}
    base = rule_table(engine, run_id, timezone=zone)
    ctx = Context(sources(engine, timezone=zone), DAY)
    return execute(engine, evaluate(rules, base, ctx))


def sql_side(ws: Workspace, run_id: int) -> pa.Table:
    params = {"run": run_id, "as_of": DAY, "as_of_date": AS_OF}
    return ws.engine.arrow(hand_sql(), params)


def agree(a: pa.Table, b: pa.Table) -> tuple[int, dict[str, int]]:
    """Customers on each side, and the rules whose verdicts differ (with how many)."""
    a, b = a.sort_by("customer_id"), b.sort_by("customer_id")
    if a["customer_id"] != b["customer_id"]:
        raise SystemExit(f"the sides have other customers: {a.num_rows:,} vs {b.num_rows:,}")
    wrong = {}
    for name in RULES:
        x, y = a[name].to_numpy(zero_copy_only=False), b[name].to_numpy(zero_copy_only=False)
        if (n := int(np.count_nonzero(x != y))) > 0:
            wrong[name] = n
    return a.num_rows, wrong


def timed(side: Callable[[Workspace, int], pa.Table], ws: Workspace, run_id: int) -> float:
    started = time.perf_counter()
    side(ws, run_id)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=count, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory-limit", default="3GB")
    args = parser.parse_args()
    print(f"{measured_code()}, as the measurements start")
    home = workspace(
        DATA / f"rules-{args.customers}" / "ws", full_data(args.customers), args.memory_limit
    )
    with Workspace(home) as ws:
        if not ws.runs():
            note(f"one run as of {AS_OF} (kept) ...")
            ws.run(as_of=AS_OF)
        run_id = ws.runs()[0]["run_id"]
        customers, wrong = agree(segmint_side(ws, run_id), sql_side(ws, run_id))  # also warms up
        print(
            f"{len(RULES)} rules, {customers:,} customers; outputs: "
            + ("agree" if not wrong else f"differ: {wrong}")
        )
        rows = []
        for i in range(args.rounds):
            load = os.getloadavg()[0]
            ours, theirs = timed(segmint_side, ws, run_id), timed(sql_side, ws, run_id)
            rows.append((ours, theirs, ours / theirs, load))
            print(
                f"round {i + 1}: segmint {ours:.2f} s, SQL {theirs:.2f} s, "
                f"ratio {ours / theirs:.2f}, load {load:.1f}"
            )
    ratios = [r[2] for r in rows]
    median = statistics.median(ratios)
    print(
        f"median: segmint {statistics.median(r[0] for r in rows):.2f} s, "
        f"SQL {statistics.median(r[1] for r in rows):.2f} s, ratio {median:.2f} "
        f"({min(ratios):.2f}-{max(ratios):.2f})"
    )
    met = "met" if median <= GOAL and not wrong else "not met"
    print(f"goal: segmint <= {GOAL:g}x the hand-written SQL: {median:.2f}x, {met}")


if __name__ == "__main__":
    sys.exit(main())
