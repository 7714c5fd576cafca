"""All per-customer features in one expression: the catalog's columns, one row per customer.

The customers are those who had signed up by as_of (or have no sign-up date) and those
with any order up to it. A count with nothing to count is 0; a value that needs data the
customer does not have (recency of a prospect, satisfaction without a rating) is empty.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from segmint.core.catalog import FEATURES, Feature, FeatureType
from segmint.features.activity import activity_features
from segmint.features.orders import order_features
from segmint.features.products import product_features
from segmint.features.service import service_features
from segmint.store.relations import Sources

EPOCH = dt.date(1970, 1, 1)
# features read from the day numbers the parts return, as dates
DATES = {"first_order_at": "first_day", "last_order_at": "last_day"}


def customer_features(sources: Sources, as_of: int) -> ir.Table:
    """Every catalog feature for every customer as of day `as_of` (days since 1970-01-01)."""
    orders = order_features(sources.orders, as_of)
    c = sources.customers
    signed_up = c.filter(c.signup_day.isnull() | (c.signup_day <= as_of)).select("customer_id")
    people = signed_up.union(orders.select("customer_id"), distinct=True)
    parts = (
        orders,
        product_features(sources.orders, sources.items, as_of),
        activity_features(sources.events, sources.orders, as_of),
        service_features(sources.tickets, as_of),
    )
    joined = people
    for part in parts:
        joined = joined.left_join(part, "customer_id").drop("customer_id_right")
    return joined.select("customer_id", **{f.name: _column(joined, f) for f in FEATURES})


def _column(t: ir.Table, feature: Feature) -> ir.Value:
    if feature.name in DATES:
        return ibis.literal(EPOCH) + t[DATES[feature.name]].as_interval("D")
    value = t[feature.name]
    if feature.type is FeatureType.MONEY:  # money is 0 when there is none, never empty
        return value.cast("decimal(18, 2)").fill_null(ibis.literal(0).cast("decimal(18, 2)"))
    return value.fill_null(0) if feature.is_count else value
