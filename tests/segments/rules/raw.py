"""An independent pandas reading of the raw tables, for window measures and profiles.

Written from the stated definitions (docs/features.md, the docstring of
`segmint.features.windows`), calling none of segmint's expressions: plain SQL reads the
canonical tables, pandas takes each time's local date in the workspace time zone.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

NOT_REVENUE = ("pending", "cancelled", "refunded")


def _local_day(times: pd.Series, zone: str) -> pd.Series:
    return times.dt.tz_convert(zone).dt.date


def orders(ws) -> pd.DataFrame:
    """Every order up to any day: local date, net amount, counted/revenue flags, categories."""
    o = ws.engine.arrow(
        "SELECT order_id, customer_id, ordered_at, amount - coalesce(refund, 0) AS net, "
        "coalesce(discount, 0) AS discount, coalesce(status, 'paid') AS status, channel, "
        "store FROM orders"
    ).to_pandas()
    o["date"] = _local_day(o["ordered_at"], ws.settings.timezone)
    o["revenue"] = ~o["status"].isin(NOT_REVENUE)
    o["counted"] = o["revenue"] & (o["net"] >= 0)
    lines = ws.engine.arrow("SELECT order_id, category FROM order_items").to_pandas()
    o["categories"] = o["order_id"].map(lines.groupby("order_id")["category"].agg(set))
    return o


def events(ws) -> pd.DataFrame:
    e = ws.engine.arrow("SELECT customer_id, occurred_at, type, channel FROM events").to_pandas()
    e["date"] = _local_day(e["occurred_at"], ws.settings.timezone)
    return e


def in_window(dates: pd.Series, as_of: dt.date, days: int) -> pd.Series:
    """The N days ending on as_of, inclusive."""
    return (dates <= as_of) & (dates > as_of - dt.timedelta(days=days))


def streaks(good: pd.DataFrame, breaks: pd.DataFrame, as_of: dt.date) -> dict[str, int]:
    """Days in a row ending on as_of with a good row and no breaking row, by customer."""
    bad = set(zip(breaks["customer_id"], breaks["date"], strict=True))
    days = good.groupby("customer_id")["date"].agg(set)
    found = {}
    for customer, dates in days.items():
        n, day = 0, as_of
        while day in dates and (customer, day) not in bad:
            n, day = n + 1, day - dt.timedelta(days=1)
        found[customer] = n
    return found
