"""What a run's recommender learnt: its products and each product's nearest products.

Written with the run (in its transaction) and read by an update between runs, which
recommends with the run's similarities rather than refitting on a few customers.
"""

from __future__ import annotations

import pyarrow as pa

from segmint.store.engine import Store


def write(engine: Store, products: pa.Table, neighbours: pa.Table) -> None:
    """Store a run's `run_products` and `run_neighbours` rows (inside its transaction)."""
    engine.append("run_products", products, order_by=["product_id"])
    engine.append("run_neighbours", neighbours, order_by=["product_id", "neighbour_id"])


def products(engine: Store, run_id: int) -> pa.Table:
    """product_id, name, category, buyers and repeat of run `run_id`, by product id."""
    return engine.arrow(
        "SELECT product_id, name, category, buyers, repeat FROM run_products WHERE run_id = ? "
        "ORDER BY product_id",
        [run_id],
    )


def neighbours(engine: Store, run_id: int) -> pa.Table:
    """product_id, neighbour_id and similarity of run `run_id`."""
    return engine.arrow(
        "SELECT product_id, neighbour_id, similarity FROM run_neighbours WHERE run_id = ? "
        "ORDER BY product_id, neighbour_id",
        [run_id],
    )
