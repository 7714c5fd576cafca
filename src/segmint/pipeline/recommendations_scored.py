"""Product recommendations computed where the data is, by any engine.

The recommender learns from what the engine counts: the catalogue, each product's
buyers and the buyers who bought it in more than one order (`recommend.repeat_from_counts`),
and co(i, j), the customers who bought both i and j, from a self-join of the distinct
customer and product pairs grouped by the pair (`CoPurchase.fit_counts`). A row per
product and per pair of products bought together comes to this process, and the fit is
`recommendations.learn`'s on the whole purchase matrix, to the bit.

The engine then gathers each customer's purchases into one row beside her top category,
and its workers recommend a batch of customers at a time with the function a run in
memory uses (`recommendations.columns`), the learnt model shipped with the function.
No customer's row passes through this process.
"""

from __future__ import annotations

import functools

import ibis
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse  # type: ignore[import-untyped]

from segmint.core.config_needs import RecommendSettings
from segmint.features.profile import product_purchases
from segmint.models import recommend
from segmint.pipeline.recommendations import Learnt, catalogue, columns, fitted, matrices
from segmint.store.engine import Engine
from segmint.store.relations import Sources, execute

RECOMMENDED = pa.schema(
    [("customer_id", pa.string()), ("recommended", pa.string()), ("next_category", pa.string())]
)


def recommendations_on(
    engine: Engine, src: Sources, t: ir.Table, *, day: int, settings: RecommendSettings
) -> tuple[Learnt, ir.Table]:
    """What the recommender learns from `t`'s customers, and their recommendations.

    `t` holds the features (customer_id and top_category are read); the table has
    customer_id, recommended and next_category, one row per customer of `t`. The
    customers and their purchases are computed once and kept by the engine (``cache``):
    the counts and the recommendations each read them.
    """
    customers = engine.kept(t.select("customer_id", "top_category"))
    bought = product_purchases(src.orders, src.items, day)
    bought = engine.kept(bought.semi_join(customers, "customer_id"))
    learnt = _learnt(engine, src, bought, settings=settings)
    return learnt, _recommended_on(engine, customers, bought, learnt, day=day, settings=settings)


def _learnt(
    engine: Engine, src: Sources, bought: ir.Table, *, settings: RecommendSettings
) -> Learnt:
    """`recommendations.learn`'s fit from the engine's counts of `bought` (`product_purchases`)."""
    known = catalogue(engine, src)
    products = known["product_id"].combine_chunks()
    per = execute(
        engine,
        bought.group_by("product_id").aggregate(
            buyers=bought.count(), again=bought.count(where=bought.orders > 1)
        ),
    )
    at = pc.index_in(per["product_id"], products)
    buyers, again = (_by_product(at, per[name], len(products)) for name in ("buyers", "again"))
    model = recommend.CoPurchase(neighbours=settings.neighbours)
    model.fit_counts(_co_purchases(engine, bought, products), buyers)
    repeat = recommend.repeat_from_counts(buyers, again, min_rate=settings.repeat_rate)
    return fitted(known, model, repeat=repeat)


def _co_purchases(engine: Engine, bought: ir.Table, products: pa.Array) -> sparse.csr_array:
    """co(i, j) for i < j: the customers who bought both, counted by the engine."""
    one = bought.select("customer_id", "product_id")
    other = one.view()
    pairs = one.join(
        other, [one.customer_id == other.customer_id, one.product_id < other.product_id]
    ).select(first=one.product_id, second=other.product_id)
    counted = execute(engine, pairs.group_by(["first", "second"]).aggregate(co=pairs.count()))
    i, j = (_indices(pc.index_in(counted[name], products)) for name in ("first", "second"))
    co = np.asarray(counted["co"].to_numpy(), dtype=np.int64)
    n = len(products)
    # the ids' order on the engine need not be the index order here: i < j either way
    return sparse.csr_array((co, (np.minimum(i, j), np.maximum(i, j))), shape=(n, n))


def _by_product(at: pa.Array, values: pa.ChunkedArray, n: int) -> npt.NDArray[np.int64]:
    """Per-product counts placed at their products' indices (0 for the rest)."""
    out = np.zeros(n, dtype=np.int64)
    out[_indices(at)] = np.asarray(values.to_numpy(), dtype=np.int64)
    return out


def _indices(at: pa.Array) -> npt.NDArray[np.int64]:
    """Indices found by `index_in`; the catalogue holds every bought product."""
    return np.asarray(at.to_numpy(zero_copy_only=False), dtype=np.int64)


def _recommended_on(
    engine: Engine,
    customers: ir.Table,
    bought: ir.Table,
    learnt: Learnt,
    *,
    day: int,
    settings: RecommendSettings,
) -> ir.Table:
    """`customers` (customer_id, top_category) recommended by the workers, a row each."""
    entry = ibis.struct(
        {"product_id": bought.product_id, "orders": bought.orders, "last_day": bought.last_day}
    )
    per = bought.group_by("customer_id").aggregate(bought=entry.collect())
    rows = customers.left_join(per, "customer_id")
    rows = rows.select("customer_id", "top_category", "bought")
    function = functools.partial(_recommended, learnt=learnt, day=day, settings=settings)
    return engine.apply(rows, function, schema=RECOMMENDED)


def _recommended(
    batch: pa.RecordBatch, *, learnt: Learnt, day: int, settings: RecommendSettings
) -> pa.RecordBatch:
    """One batch of customers' recommendations: what runs on a worker."""
    # a list of (product_id, orders, last_day) per customer, in any order (Spark's
    # collect_list keeps none): the matrices sort each row's entries
    bought = batch["bought"]
    entries = pc.list_flatten(bought)
    counts, days = matrices(
        pc.list_parent_indices(bought),
        entries.field("product_id"),
        entries.field("orders"),
        entries.field("last_day"),
        customers=batch.num_rows,
        products=learnt.products,
    )
    top = batch["top_category"].to_numpy(zero_copy_only=False)
    found = columns(learnt, counts, days, top_category=top, day=day, settings=settings)
    return pa.record_batch(
        [batch["customer_id"], *(pa.array(found[c], pa.string()) for c in RECOMMENDED.names[1:])],
        schema=RECOMMENDED,
    )
