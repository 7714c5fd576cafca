"""The canonical tables as engine-neutral expressions, with times turned into local days.

`segmint.features` builds on these relations and never sees a connection. Every time
becomes ``day``: the number of days since 1970-01-01 of its date in the workspace time
zone, so windows and gaps are integer arithmetic on every engine. Turning a UTC instant
into a local date is the one step that differs by engine; it lives here.
"""

from __future__ import annotations

from typing import NamedTuple

import ibis.expr.types as ir
import pyarrow as pa

from segmint.store.duckdb import DuckDBEngine


class Sources(NamedTuple):
    """The relations features read, each with local day numbers instead of timestamps."""

    customers: ir.Table  # customer_id, signup_day
    orders: ir.Table  # order_id, customer_id, day, amount, discount, status
    items: ir.Table  # order_id, product_id, category, spend (quantity x unit price)
    events: ir.Table  # customer_id, day, type, channel
    tickets: ir.Table  # customer_id, opened_day, closed_day, is_complaint, satisfaction


def _day(column: str, zone: str) -> str:
    # DuckDB: timezone(zone, instant) is the local wall time; date - date is whole days
    return f"CAST(CAST(timezone('{zone}', {column}) AS DATE) - DATE '1970-01-01' AS INTEGER)"


def sources(engine: DuckDBEngine, *, timezone: str) -> Sources:
    """The workspace's tables as relations in `timezone` (an IANA name, checked by config)."""
    zone = timezone.replace("'", "''")
    backend = engine.ibis()
    return Sources(
        customers=backend.sql(
            f"SELECT customer_id, {_day('signup_at', zone)} AS signup_day FROM customers"
        ),
        orders=backend.sql(
            f"SELECT order_id, customer_id, {_day('ordered_at', zone)} AS day, amount, "
            "coalesce(discount, 0) AS discount, coalesce(status, 'paid') AS status FROM orders"
        ),
        items=backend.sql(
            "SELECT order_id, product_id, category, "
            "CAST(coalesce(quantity, 1) * unit_price AS DECIMAL(18, 2)) AS spend "
            "FROM order_items"
        ),
        events=backend.sql(
            f"SELECT customer_id, {_day('occurred_at', zone)} AS day, type, channel FROM events"
        ),
        tickets=backend.sql(
            f"SELECT customer_id, {_day('opened_at', zone)} AS opened_day, "
            f"{_day('closed_at', zone)} AS closed_day, "
            "coalesce(is_complaint, false) AS is_complaint, satisfaction FROM tickets"
        ),
    )


def execute(engine: DuckDBEngine, expression: ir.Table) -> pa.Table:
    """Run an expression built on `sources` and return its rows as Arrow."""
    return engine.ibis().to_pyarrow(expression)
