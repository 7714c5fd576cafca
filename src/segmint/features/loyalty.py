"""Points earned on orders: the part of loyalty that needs each order, not a customer's sums.

An order earns floor(net amount x points per yuan) points on its day; only counted
orders earn, and only those of the last `days` days (points expire `days` after the
order). Spend in the same days is what levels by spend compare.
"""

from __future__ import annotations

import ibis.expr.types as ir

from segmint.features.orders import counted_orders, within


def earned_points(orders: ir.Table, as_of: int, *, per_yuan: float, days: int) -> ir.Table:
    """customer_id, earned (unexpired points) and spend of customers who ordered in the days.

    Exact: cents times hundredths of points per yuan, in integers (`per_yuan` is used to
    two decimals), so 0.29 yuan at 100 points per yuan earns 29 points, not 28.
    """
    o = counted_orders(orders, as_of)
    o = o.filter(within(o.day, as_of, days))
    cents = (o.amount * 100).cast("int64")
    earned = (cents * round(per_yuan * 100)) // 10_000
    return o.group_by("customer_id").aggregate(
        earned=earned.sum(), spend=o.amount.sum().cast("decimal(18, 2)")
    )
