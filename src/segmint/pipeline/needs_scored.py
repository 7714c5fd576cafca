"""Service needs and loyalty computed where the data is, by any engine.

Both are per customer and need no population facts: the engine joins each customer's
features with her unexpired points (`features.loyalty.earned_points`) and her tier, and
its workers compute the flags, points and level a batch at a time with the functions a
run in memory uses (`needs.service_needs`, `needs.held_loyalty`). No customer's row
passes through this process.
"""

from __future__ import annotations

import functools

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segmint.core.catalog import SERVICE_NEEDS
from segmint.core.config import Settings
from segmint.features.loyalty import earned_points
from segmint.pipeline.needs import SERVICE_INPUTS, held_loyalty, service_needs
from segmint.store.engine import Engine
from segmint.store.relations import Sources

NEEDS = pa.schema(
    [
        ("customer_id", pa.string()),
        *((need, pa.bool_()) for need in SERVICE_NEEDS),
        ("loyalty_points", pa.int64()),
        ("loyalty_level", pa.string()),
    ]
)


def needs_on(
    engine: Engine,
    src: Sources,
    t: ir.Table,
    tiers: ir.Table,
    *,
    settings: Settings,
    day: int,
) -> ir.Table:
    """customer_id, the service needs, loyalty_points and loyalty_level of `t`'s customers.

    `t` holds the features, `tiers` each customer's tier (customer_id, tier).
    """
    config = settings.loyalty
    earned = earned_points(
        src.orders, day, per_yuan=config.points_per_yuan, days=config.expiry_days
    )
    inputs = t.select("customer_id", *SERVICE_INPUTS)
    joined = inputs.left_join(earned, "customer_id").left_join(tiers, "customer_id")
    rows = joined.select("customer_id", *SERVICE_INPUTS, "earned", "spend", "tier")
    function = functools.partial(_needs, settings=settings)
    return engine.apply(rows, function, schema=NEEDS)


def _needs(batch: pa.RecordBatch, *, settings: Settings) -> pa.RecordBatch:
    """One batch of customers' needs: what runs on a worker."""
    columns = {
        name: np.asarray(pc.cast(batch[name], pa.float64()).to_numpy(zero_copy_only=False))
        for name in SERVICE_INPUTS
    }
    found = service_needs(columns, settings=settings)
    tier = batch["tier"].to_numpy(zero_copy_only=False)
    found |= held_loyalty(batch["earned"], batch["spend"], tier, settings=settings)
    return pa.record_batch(
        [batch["customer_id"], *(pa.array(found[c], NEEDS.field(c).type) for c in NEEDS.names[1:])],
        schema=NEEDS,
    )
