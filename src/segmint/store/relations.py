"""The canonical tables as engine-neutral expressions, with times turned into local days.

`segmint.features` builds on these relations and never sees a connection. Every time
becomes ``day``: the number of days since 1970-01-01 of its date in the workspace time
zone, so windows and gaps are integer arithmetic on every engine. A UTC instant's local
date is itself arithmetic: the zone's offsets over the data's span, as data
(`segmint.core.zones`), added to the instant; no per-row time-zone lookup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import NamedTuple

import ibis.expr.types as ir
import pyarrow as pa

from segmint.core.schema import NET_AMOUNT
from segmint.core.zones import utc_offsets
from segmint.store.duckdb import DuckDBEngine


class Sources(NamedTuple):
    """The relations features read, each with local day numbers instead of timestamps."""

    customers: ir.Table  # customer_id, signup_day
    orders: ir.Table  # order_id, customer_id, day, amount (net of refund), discount, status
    items: ir.Table  # order_id, product_id, category, spend (quantity x unit price)
    events: ir.Table  # customer_id, day, type, channel
    tickets: ir.Table  # customer_id, opened_day, closed_day, is_complaint, satisfaction


_DAY_US = 86_400_000_000
_TIMES = (
    ("orders", "ordered_at"),
    ("events", "occurred_at"),
    ("tickets", "opened_at"),
    ("tickets", "closed_at"),
    ("customers", "signup_at"),
)


def _day_of(offsets: list[tuple[int, int]]) -> Callable[[str], str]:
    """SQL for a UTC instant's local day: (µs since 1970 + the offset then in force) // day.

    Integer arithmetic, so the engine needs no time-zone lookup per row.
    """

    def day(column: str) -> str:
        us = f"epoch_us({column})"
        offset = str(offsets[-1][1])
        if len(offsets) > 1:
            steps = zip(offsets[1:], offsets[:-1], strict=True)
            whens = " ".join(
                f"WHEN {us} < {start} THEN {before}" for (start, _), (_, before) in steps
            )
            offset = f"CASE {whens} ELSE {offset} END"
        return f"CAST(floor(({us} + {offset}) / {_DAY_US}) AS INTEGER)"

    return day


def _span(engine: DuckDBEngine) -> tuple[dt.datetime, dt.datetime]:
    """The earliest and latest instant in the tables (now, when they are empty)."""
    parts = " UNION ALL ".join(f"SELECT min({c}) AS lo, max({c}) AS hi FROM {t}" for t, c in _TIMES)
    low, high = engine.rows(f"SELECT min(lo), max(hi) FROM ({parts})")[0]
    now = dt.datetime.now(dt.UTC)
    return low or now, high or now


def newest_order_at(engine: DuckDBEngine) -> dt.datetime | None:
    """The instant of the newest order (None when there is none)."""
    found: dt.datetime | None = engine.scalar("SELECT max(ordered_at) FROM orders")
    return found


def sources(engine: DuckDBEngine, *, timezone: str) -> Sources:
    """The workspace's tables as relations in `timezone` (an IANA name, checked by config)."""
    _day = _day_of(utc_offsets(timezone, *_span(engine)))
    backend = engine.ibis()
    with engine.mapped():  # ibis asks the database for each relation's schema
        return Sources(
            customers=backend.sql(
                f"SELECT customer_id, {_day('signup_at')} AS signup_day FROM customers"
            ),
            orders=backend.sql(
                f"SELECT order_id, customer_id, {_day('ordered_at')} AS day, {NET_AMOUNT} "
                "AS amount, coalesce(discount, 0) AS discount, "
                "coalesce(status, 'paid') AS status FROM orders"
            ),
            items=backend.sql(
                "SELECT order_id, product_id, category, "
                "CAST(coalesce(quantity, 1) * unit_price AS DECIMAL(18, 2)) AS spend "
                "FROM order_items"
            ),
            events=backend.sql(
                f"SELECT customer_id, {_day('occurred_at')} AS day, type, channel FROM events"
            ),
            tickets=backend.sql(
                f"SELECT customer_id, {_day('opened_at')} AS opened_day, "
                f"{_day('closed_at')} AS closed_day, "
                "coalesce(is_complaint, false) AS is_complaint, satisfaction FROM tickets"
            ),
        )


def execute(engine: DuckDBEngine, expression: ir.Table) -> pa.Table:
    """Run an expression built on `sources` and return its rows as Arrow.

    The one place an expression executes, so a DuckDB failure inside it (out of memory,
    a damaged file) is mapped like any other statement's.
    """
    with engine.mapped():
        return engine.ibis().to_pyarrow(expression)
