"""What profile clusters and recommendations read besides the catalog features.

Order channel shares, the customer's gender and age, and who bought which product when:
long tables (one row per customer and channel, or customer and product) that the run
turns into the clusters' matrix and the recommender's purchase matrix.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from segmint.features.orders import counted_orders, share
from segmint.features.products import NO_CATEGORY
from segmint.store.relations import age_at

NO_CHANNEL = "(none)"
EPOCH = dt.date(1970, 1, 1)


def order_channels(orders: ir.Table, as_of: int) -> ir.Table:
    """customer_id, channel and its share of the customer's counted orders."""
    o = counted_orders(orders, as_of)
    o = o.mutate(channel=o.channel.fill_null(NO_CHANNEL))
    per = o.group_by(["customer_id", "channel"]).aggregate(orders=o.count())
    return per.select(
        "customer_id",
        "channel",
        share=share(per.orders, per.orders.sum().over(group_by=per.customer_id)),
    )


def demographics(customers: ir.Table, as_of: int) -> ir.Table:
    """customer_id, gender and age (whole years at as_of; empty without a birthday)."""
    day = EPOCH + dt.timedelta(days=as_of)
    return customers.select("customer_id", "gender", age=age_at(customers.birthday, day))


def product_purchases(orders: ir.Table, items: ir.Table, as_of: int) -> ir.Table:
    """customer_id, product_id, orders (counted orders with it) and last_day it was bought."""
    counted = counted_orders(orders, as_of).select("order_id", "customer_id", "day")
    lines = items.join(counted, "order_id")
    lines = lines.filter(lines.product_id.notnull())
    # (order_id, product_id) is order_items' key: a line per order, so lines count orders
    # (a distinct count would hold every group's order ids: gigabytes at a million)
    return lines.group_by(["customer_id", "product_id"]).aggregate(
        orders=lines.count(), last_day=lines.day.max()
    )


def product_categories(items: ir.Table) -> ir.Table:
    """product_id, its name and category (those of most of its lines; ties: the first)."""
    lines = items.filter(items.product_id.notnull())
    lines = lines.mutate(category=lines.category.fill_null(NO_CATEGORY))
    per = lines.group_by(["product_id", "category"]).aggregate(
        lines=lines.count(), name=lines.product_name.max()
    )
    rank = ibis.row_number().over(
        group_by=per.product_id, order_by=[ibis.desc(per.lines), per.category]
    )
    ranked = per.mutate(rank=rank)
    return ranked.filter(ranked["rank"] == 0).select("product_id", "name", "category")
