"""Each customer's purchase days: the input of the customer-base (CLV) models.

The models count purchase *days* (several counted orders on one day are one purchase,
as in the literature's summaries). Spend of a day is the sum of its counted orders.
With a calibration end, the days up to it and the repeat days after it are counted too,
so one pass gives both the fit on all history and the holdout check. The customer
base's repeat purchase days per day, on the same definition, are the actual line of the
tracking plot.
"""

from __future__ import annotations

import ibis.expr.types as ir

from segmint.features.orders import counted_orders


def purchase_days(orders: ir.Table, as_of: int) -> ir.Table:
    """customer_id, day, spend: one row per customer and day with a counted order."""
    o = counted_orders(orders, as_of)
    return o.group_by(["customer_id", "day"]).aggregate(spend=o.amount.sum())


def purchase_summary(orders: ir.Table, as_of: int, *, calibration_end: int) -> ir.Table:
    """customer_id, first_day, last_day, days, repeat_spend, cal_days, cal_last_day, holdout_days.

    ``repeat_spend`` is the spend of all purchase days but the first; ``days`` counts
    distinct purchase days up to as_of.
    """
    daily = purchase_days(orders, as_of)
    # the first day's spend by its day, not argmin: which of tied rows argmin picks is
    # the engine's choice, and Spark's is refused (`store.dialects`)
    daily = daily.mutate(first=daily.day.min().over(group_by="customer_id"))
    g = daily.group_by("customer_id").aggregate(
        first_day=daily.day.min(),
        last_day=daily.day.max(),
        days=daily.count(),
        spend=daily.spend.sum(),
        first_spend=daily.spend.sum(where=daily.day == daily.first),
        cal_days=daily.count(where=daily.day <= calibration_end),
        cal_last_day=daily.day.max(where=daily.day <= calibration_end),
        holdout_days=daily.count(where=daily.day > calibration_end),
    )
    return g.select(
        "customer_id",
        "first_day",
        "last_day",
        "days",
        "cal_days",
        "cal_last_day",
        "holdout_days",
        repeat_spend=(g.spend - g.first_spend).cast("float64"),
    )


def repeat_purchases(orders: ir.Table, as_of: int) -> ir.Table:
    """day, purchases: the purchase days of all customers on each day but their first.

    The repeat purchases the models count (``days - 1`` per customer in
    `purchase_summary`), by the day they were made; days without any are left out.
    """
    daily = purchase_days(orders, as_of)
    # the window as a column first: ibis 12 compiles a filter on it to SQL Spark refuses
    daily = daily.mutate(first=daily.day.min().over(group_by="customer_id"))
    repeats = daily.filter(daily.day > daily.first)
    return repeats.group_by("day").aggregate(purchases=repeats.count()).order_by("day")
