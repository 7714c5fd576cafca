"""Features of what a customer bought: products, categories, the favourite category.

Spend of an order line is quantity x unit price; only lines of counted orders count.
Distinct counts are counted as groups (customer, product), (customer, category): one
hash aggregate each, several times faster than COUNT(DISTINCT) per customer.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from segmint.features.orders import counted_orders, share

NO_CATEGORY = "(none)"


def _lines(orders: ir.Table, items: ir.Table, as_of: int) -> ir.Table:
    counted = counted_orders(orders, as_of).select("order_id", "customer_id")
    lines = items.join(counted, "order_id")
    return lines.mutate(category=lines.category.fill_null(NO_CATEGORY))


def _per_category(lines: ir.Table) -> ir.Table:
    return lines.group_by(["customer_id", "category"]).aggregate(spend=lines.spend.sum())


def category_spend(orders: ir.Table, items: ir.Table, as_of: int) -> ir.Table:
    """customer_id, category, spend and its share of the customer's item spend."""
    per = _per_category(_lines(orders, items, as_of))
    return per.mutate(share=share(per.spend, per.spend.sum().over(group_by=per.customer_id)))


def product_features(orders: ir.Table, items: ir.Table, as_of: int) -> ir.Table:
    """distinct_products, distinct_categories and top_category (most spend; ties: name)."""
    lines = _lines(orders, items, as_of)
    pairs = lines.select("customer_id", "product_id").distinct()
    products = pairs.group_by("customer_id").aggregate(distinct_products=pairs.count())
    per = _per_category(lines)
    rank = ibis.row_number().over(
        group_by=per.customer_id, order_by=[ibis.desc(per.spend), per.category]
    )
    ranked = per.mutate(rank=rank)
    categories = ranked.group_by("customer_id").aggregate(
        distinct_categories=ranked.count(),
        top_category=ranked.category.max(where=ranked["rank"] == 0),
    )
    return categories.join(products, "customer_id").select(
        "customer_id", "distinct_products", "distinct_categories", "top_category"
    )
