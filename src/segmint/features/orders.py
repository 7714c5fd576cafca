"""Features of a customer's orders: recency, frequency, monetary, windows, rhythm, discounts.

Which orders count (catalog definitions): orders on or before as_of; a pending (unpaid),
cancelled or refunded order brings no revenue, and a partial refund is taken off the
amount (`store.relations`); a row with a negative amount is a refund and reduces
revenue but is not an order; every other row is a counted order.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from segmint.core.catalog import ORDER_WINDOWS, REVENUE_WINDOWS
from segmint.core.schema import NOT_REVENUE, UNPAID


def within(day: ir.IntegerValue, as_of: int, days: int) -> ir.BooleanValue:
    """`day`, on or before as_of, lies in the window "Nd": the `days` days ending on as_of.

    Callers filter to as_of first (once per table), so only the start is tested here.
    """
    return day > as_of - days


def share(part: ir.NumericValue, whole: ir.NumericValue) -> ir.FloatingValue:
    """Part / whole as a float, empty (null) when whole is 0."""
    return ibis.ifelse(whole > 0, part.cast("float64") / whole, ibis.null()).cast("float64")


def _rfm_aggregates(o: ir.Table) -> dict[str, ir.Value]:
    """The three aggregates RFM needs, over orders flagged by `up_to`."""
    return {
        "frequency": o.count(where=o.counted),
        "last_day": o.day.max(where=o.counted),
        "monetary": o.amount.sum(where=o.revenue).cast("decimal(18, 2)"),
    }


def up_to(orders: ir.Table, as_of: int) -> ir.Table:
    """Orders on or before day `as_of`, with `revenue` and `counted` flags."""
    o = orders.filter(orders.day <= as_of)
    revenue = ~o.status.isin(NOT_REVENUE)
    return o.mutate(revenue=revenue, counted=revenue & (o.amount >= 0))


def counted_orders(orders: ir.Table, as_of: int) -> ir.Table:
    """The counted orders on or before day `as_of`."""
    o = up_to(orders, as_of)
    return o.filter(o.counted)


def window_outcomes(orders: ir.Table, start: int, end: int) -> ir.Table:
    """What each customer did in days `start` to `end` (inclusive): orders and revenue.

    The customers with an order row in the window: counted orders and revenue as above.
    """
    o = up_to(orders, end)
    o = o.filter(o.day >= start)
    return o.group_by("customer_id").aggregate(
        orders=o.count(where=o.counted),
        revenue=o.amount.sum(where=o.revenue).cast("decimal(18, 2)"),
    )


def rfm_features(orders: ir.Table, as_of: int) -> ir.Table:
    """recency_days, frequency and monetary of the customers with a counted order: RFM alone."""
    o = up_to(orders, as_of)
    g = o.group_by("customer_id").aggregate(**_rfm_aggregates(o))
    g = g.filter(g.frequency > 0)
    return g.select(
        "customer_id", recency_days=as_of - g.last_day, frequency=g.frequency, monetary=g.monetary
    )


def order_features(orders: ir.Table, as_of: int) -> ir.Table:
    """One row per customer with any order row up to as_of (prospects have no counted one)."""
    o = up_to(orders, as_of)
    days = {n: within(o.day, as_of, n) for n in {*ORDER_WINDOWS, *REVENUE_WINDOWS}}
    counts = {f"orders_{n}d": o.count(where=o.counted & days[n]) for n in ORDER_WINDOWS}
    revenues = {f"revenue_{n}d": o.amount.sum(where=o.revenue & days[n]) for n in REVENUE_WINDOWS}
    g = o.group_by("customer_id").aggregate(
        **_rfm_aggregates(o),
        first_day=o.day.min(where=o.counted),
        discounted=o.count(where=o.counted & (o.discount > 0)),
        discounted_90d=o.count(where=o.counted & (o.discount > 0) & days[90]),
        refunded=o.count(where=o.status == "refunded"),
        paid=o.count(where=~o.status.isin(UNPAID) & (o.amount >= 0)),
        **counts,
        **revenues,
    )
    zero = ibis.literal(0).cast("decimal(18, 2)")
    return g.select(
        "customer_id",
        recency_days=as_of - g.last_day,
        frequency=g.frequency,
        monetary=g.monetary.fill_null(zero),
        **{name: g[name] for name in counts},
        **{name: g[name].fill_null(zero) for name in revenues},
        aov=share(g.monetary, g.frequency),
        avg_days_between_orders=ibis.ifelse(
            g.frequency >= 2, (g.last_day - g.first_day) / (g.frequency - 1), ibis.null()
        ),
        tenure_days=as_of - g.first_day,
        first_day=g.first_day,
        last_day=g.last_day,
        discount_share=share(g.discounted, g.frequency),
        discount_share_90d=share(g.discounted_90d, g.orders_90d),
        refund_share=share(g.refunded, g.paid),
    )
