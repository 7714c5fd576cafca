"""A run's product recommendations: what each customer is likely to buy next.

Also the category after her favourite (``next_category``). The recommender learns which
products are bought by the same customers (`models.recommend.CoPurchase`) from every
counted order up to as_of. A product bought
in the last `recent_days` is not recommended again unless it is a repeat item; a
customer without purchases gets the most bought products. What the run learnt (products
with their category, buyers and repeat flag, and each one's nearest products) is kept,
so an update between runs recommends with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse  # type: ignore[import-untyped]

from segmint.core.config_needs import RecommendSettings
from segmint.features.profile import product_categories, product_purchases
from segmint.models import recommend
from segmint.store.engine import Engine
from segmint.store.relations import Sources, execute

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Learnt:
    """What a run's recommender learnt: the products (sorted ids) and their similarity."""

    products: pa.Array  # product ids, sorted
    names: pa.Array  # each product's name
    categories: pa.Array  # each product's category
    buyers: Ints
    repeat: npt.NDArray[np.bool_]
    similarity: sparse.csr_array  # products x products, each row its kept neighbours


def purchases(
    engine: Engine, src: Sources, customers: pa.ChunkedArray, *, day: int, products: pa.Array
) -> tuple[sparse.csr_array, sparse.csr_array]:
    """The counts (orders with the product) and last purchase day of `customers` x `products`.

    Products not in `products` are left out (an update's new product the run never saw).
    """
    table = execute(engine, product_purchases(src.orders, src.items, day))
    row = pc.index_in(table["customer_id"], customers)
    return matrices(
        row,
        table["product_id"],
        table["orders"],
        table["last_day"],
        customers=len(customers),
        products=products,
    )


def matrices(
    row: Any, product: Any, orders: Any, last_day: Any, *, customers: int, products: pa.Array
) -> tuple[sparse.csr_array, sparse.csr_array]:
    """`purchases`' two matrices from their entries, one per customer and product.

    Each entry's row index (empty: not one of the customers), product id (one not in
    `products` is left out), orders and last day: columns of an Arrow table or batch.
    """
    col = pc.index_in(product, products)
    keep = pc.and_(pc.is_valid(row), pc.is_valid(col))
    r = pc.filter(row, keep).to_numpy(zero_copy_only=False).astype(np.int64)
    c = pc.filter(col, keep).to_numpy(zero_copy_only=False).astype(np.int64)
    shape = (customers, len(products))
    last = pc.filter(last_day, keep).to_numpy(zero_copy_only=False).astype(np.float64)
    bought = pc.filter(orders, keep).to_numpy(zero_copy_only=False).astype(np.float32)
    counts = sparse.csr_array((bought, (r, c)), shape=shape)
    days = sparse.csr_array((last + 1, (r, c)), shape=shape)  # +1: day 0 is a day
    return counts, days


def learn(
    engine: Engine,
    src: Sources,
    customers: pa.ChunkedArray,
    *,
    day: int,
    settings: RecommendSettings,
) -> tuple[Learnt, sparse.csr_array, sparse.csr_array]:
    """Fit the recommender on everyone's purchases; also return the counts and days."""
    found = catalogue(engine, src)
    products = found["product_id"].combine_chunks()
    counts, days = purchases(engine, src, customers, day=day, products=products)
    model = recommend.CoPurchase(neighbours=settings.neighbours).fit(counts)
    repeat = recommend.repeat_items(counts, min_rate=settings.repeat_rate)
    return fitted(found, model, repeat=repeat), counts, days


def catalogue(engine: Engine, src: Sources) -> pa.Table:
    """The products a recommender knows: product_id (sorted), name and category."""
    return execute(engine, product_categories(src.items).order_by("product_id"))


def fitted(
    catalogue: pa.Table, model: recommend.CoPurchase, *, repeat: npt.NDArray[np.bool_]
) -> Learnt:
    """What a run learnt, from its catalogue, fitted recommender and repeat items.

    The catalogue is `catalogue`'s.
    """
    return Learnt(
        products=catalogue["product_id"].combine_chunks(),
        names=catalogue["name"].combine_chunks(),
        categories=catalogue["category"].combine_chunks(),
        buyers=np.asarray(model.popularity_, dtype=np.int64),
        repeat=repeat,
        similarity=sparse.csr_array(model.similarity_),
    )


def columns(
    learnt: Learnt,
    counts: sparse.csr_array,
    days: sparse.csr_array,
    *,
    top_category: Any,
    day: int,
    settings: RecommendSettings,
) -> dict[str, Any]:
    """``recommended`` (product ids, best first, comma-separated) and ``next_category``.

    Both empty (None) for everyone when the run knew no product.
    """
    if not len(learnt.products):
        nothing = np.full(counts.shape[0], None, dtype=object)
        return {"recommended": nothing, "next_category": nothing.copy()}
    recent = days.copy()
    recent.data = (recent.data - 1 > day - settings.recent_days).astype(np.float32)
    recent.eliminate_zeros()
    exclude = recommend.recent_exclusions(recent, learnt.repeat)
    model = _model(learnt, settings)
    items, _ = model.recommend(counts, n=min(settings.count, len(learnt.products)), exclude=exclude)
    ids = np.asarray(learnt.products.to_pylist(), dtype=object)
    categories = np.asarray(learnt.categories.to_pylist(), dtype=object)
    return {
        "recommended": _joined(ids, items),
        "next_category": _next_category(categories, items, top_category),
    }


def _model(learnt: Learnt, settings: RecommendSettings) -> recommend.CoPurchase:
    """A fitted recommender from what a run learnt (no refit)."""
    model = recommend.CoPurchase(neighbours=settings.neighbours)
    model.similarity_ = learnt.similarity
    model.popularity_ = learnt.buyers
    model.n_products_ = len(learnt.products)
    return model


def _joined(ids: npt.NDArray[Any], items: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Each row's product ids joined by commas (None for a row without any), by Arrow."""
    valid = items >= 0
    offsets = np.concatenate([[0], np.cumsum(valid.sum(axis=1))]).astype(np.int64)
    flat = pa.array(ids[items[valid]], pa.string())
    joined = pc.binary_join(pa.LargeListArray.from_arrays(offsets, flat), ",")
    text = np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)
    text[~valid.any(axis=1)] = None
    return text


def _next_category(
    categories: npt.NDArray[Any], items: npt.NDArray[Any], top_category: Any
) -> npt.NDArray[Any]:
    """The category of the best recommendation outside the customer's top category."""
    top = np.asarray(top_category, dtype=object)
    out = np.full(items.shape[0], None, dtype=object)
    for rank in range(items.shape[1] - 1, -1, -1):  # the best rank written last wins
        item = items[:, rank]
        valid = item >= 0
        cat = np.where(valid, categories[np.maximum(item, 0)], None)
        other = valid & (cat != top)
        out[other] = cat[other]
    return out


def tables(learnt: Learnt, *, run_id: int) -> tuple[pa.Table, pa.Table]:
    """run_products and run_neighbours rows of what a run learnt."""
    n = len(learnt.products)
    run = pa.repeat(pa.scalar(run_id, pa.int32()), n)
    products = pa.table(
        {
            "run_id": run,
            "product_id": learnt.products,
            "name": learnt.names,
            "category": learnt.categories,
            "buyers": pa.array(learnt.buyers),
            "repeat": pa.array(learnt.repeat),
        }
    )
    coo = learnt.similarity.tocoo()
    m = coo.nnz
    neighbours = pa.table(
        {
            "run_id": pa.repeat(pa.scalar(run_id, pa.int32()), m),
            "product_id": learnt.products.take(pa.array(coo.row)),
            "neighbour_id": learnt.products.take(pa.array(coo.col)),
            "similarity": pa.array(coo.data.astype(np.float64)),
        }
    )
    return products, neighbours


def from_tables(products: pa.Table, neighbours: pa.Table) -> Learnt:
    """What a run learnt, from its run_products and run_neighbours rows."""
    ids = products["product_id"].combine_chunks()
    n = len(ids)
    row = pc.index_in(neighbours["product_id"], ids).to_numpy(zero_copy_only=False)
    col = pc.index_in(neighbours["neighbour_id"], ids).to_numpy(zero_copy_only=False)
    similarity = neighbours["similarity"].to_numpy().astype(np.float32)
    return Learnt(
        products=ids,
        names=products["name"].combine_chunks(),
        categories=products["category"].combine_chunks(),
        buyers=products["buyers"].to_numpy().astype(np.int64),
        repeat=products["repeat"].to_numpy(zero_copy_only=False).astype(bool),
        similarity=sparse.csr_array((similarity, (row, col)), shape=(n, n)),
    )
