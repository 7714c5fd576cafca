"""Features of what a customer bought: products, categories, the favourite category.

Spend of an order line is quantity x unit price; only lines of counted orders count.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from segmint.features.orders import counted_orders

NO_CATEGORY = "(none)"


def _lines(orders: ir.Table, items: ir.Table, as_of: int) -> ir.Table:
    counted = counted_orders(orders, as_of).select("order_id", "customer_id")
    lines = items.join(counted, "order_id")
    return lines.mutate(category=lines.category.fill_null(NO_CATEGORY))


def category_spend(orders: ir.Table, items: ir.Table, as_of: int) -> ir.Table:
    """customer_id, category, spend and its share of the customer's item spend."""
    lines = _lines(orders, items, as_of)
    per = lines.group_by(["customer_id", "category"]).aggregate(spend=lines.spend.sum())
    total = per.spend.sum().over(group_by=per.customer_id)
    share = ibis.ifelse(total > 0, per.spend.cast("float64") / total.cast("float64"), ibis.null())
    return per.mutate(share=share.cast("float64"))


def product_features(orders: ir.Table, items: ir.Table, as_of: int) -> ir.Table:
    """distinct_products, distinct_categories and top_category (most spend; ties: name)."""
    lines = _lines(orders, items, as_of)
    counts = lines.group_by("customer_id").aggregate(
        distinct_products=lines.product_id.nunique(),
        distinct_categories=lines.category.nunique(),
    )
    per = category_spend(orders, items, as_of)
    rank = ibis.row_number().over(
        group_by=per.customer_id, order_by=[ibis.desc(per.spend), per.category]
    )
    top = per.mutate(rank=rank).filter(lambda t: t["rank"] == 0)
    top = top.select("customer_id", top_category=top.category)
    return counts.join(top, "customer_id", how="left").select(
        "customer_id", "distinct_products", "distinct_categories", "top_category"
    )
