"""Profile clusters computed where the data is, by any engine.

A run fits its clusters on a sample of the buyers (`sampled`: a choice every engine
makes alike), whose profiles are small enough to bring here; the engine then pivots
every buyer's profile into one row, and its workers place each at the nearest centre
with the functions an update uses (`profiles.profile`, `profiles.place`). How many each
cluster holds is counted by the engine. No customer's row outside the sample passes
through this process.
"""

from __future__ import annotations

import functools

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from segmint.core.config import Settings
from segmint.core.facts import ProfileFacts
from segmint.features.profile import demographics, order_channels
from segmint.pipeline import profiles
from segmint.store.engine import Engine
from segmint.store.relations import Sources, execute

PLACED = pa.schema([("customer_id", pa.string()), ("cluster", pa.int64())])
NUMERIC = [name for name in profiles.NUMERIC if name != "age"]  # age: from the customers


def sampled(buyers: ir.Table, *, size: int) -> ir.Table:
    """customer_id of the `size` buyers first by the MD5 of their id, then by id.

    A hash every engine computes alike, so DuckDB and Spark fit on the same customers,
    and one that keeps a customer in the sample from run to run.
    """
    keyed = buyers.select("customer_id", key=buyers.customer_id.hexdigest("md5"))
    return keyed.order_by(["key", "customer_id"]).limit(size).select("customer_id")


def clusters_on(
    engine: Engine,
    src: Sources,
    t: ir.Table,
    categories: ir.Table,
    *,
    day: int,
    settings: Settings,
    previous: ProfileFacts | None,
) -> tuple[ProfileFacts | None, ir.Table | None]:
    """The clusters' facts, and customer_id, cluster of the buyers of `t` (the features).

    `categories` is the customers' category spend (`features.products.category_spend`),
    which the run also keeps. (None, None) when there are too few buyers for clusters.
    """
    buyers = t.filter(t.frequency > 0)
    n = int(execute(engine, buyers.aggregate(n=buyers.count()))["n"][0].as_py())
    parts = (
        demographics(src.customers, day),
        categories,
        order_channels(src.orders, day),
    )  # gender and age, category shares, channel shares: as `profiles.profile_of` reads
    chosen = sampled(buyers.select("customer_id"), size=settings.clusters.sample)

    def of_sample(table: ir.Table) -> pa.Table:
        return execute(engine, table.semi_join(chosen, "customer_id").order_by("customer_id"))

    rows = of_sample(buyers.select("customer_id", *NUMERIC))  # in the order of a run's rows
    sample = profiles.profile_of(rows, *(of_sample(part) for part in parts))
    found = profiles.fit(sample, buyers=n, settings=settings.clusters, previous=previous)
    if found is None:
        return None, None
    wide, names = _wide(buyers, *parts, features=found.features)
    function = functools.partial(_placed, facts=found, names=names)
    placed = engine.kept(engine.apply(wide, function, schema=PLACED))  # counted; in the snapshot
    sizes = execute(engine, placed.group_by("cluster").aggregate(n=placed.count()))
    counts = dict(zip(sizes["cluster"].to_pylist(), sizes["n"].to_pylist(), strict=True))
    return profiles.counted(found, counts), placed


def _wide(
    buyers: ir.Table,
    people: ir.Table,
    categories: ir.Table,
    channels: ir.Table,
    *,
    features: tuple[str, ...],
) -> tuple[ir.Table, dict[str, str]]:
    """One row per buyer with every profile column; columns named c0, c1, … for the shares.

    Returns the table and, per share column, its profile name (``kind:value``).
    """
    names = {f"c{j}": name for j, name in enumerate(features) if ":" in name}
    wanted: dict[str, dict[str, str]] = {kind: {} for kind in profiles.LONG}
    for column, name in names.items():
        kind, _, value = name.partition(":")
        wanted[kind][column] = value
    pivots = [
        _pivot(categories, "category", wanted["category_share"]),
        _pivot(channels, "channel", wanted["channel_share"]),
    ]
    person = people.select(
        "customer_id",
        "age",
        **{c: ibis.ifelse(people.gender == v, 1.0, 0.0) for c, v in wanted["gender"].items()},
    )
    wide = buyers.select("customer_id", *NUMERIC).left_join(person, "customer_id")
    for pivot in pivots:
        if pivot is not None:
            wide = wide.left_join(pivot, "customer_id")
    return wide.select("customer_id", *NUMERIC, "age", *names), names


def _pivot(shares: ir.Table, value: str, columns: dict[str, str]) -> ir.Table | None:
    """customer_id and, per column, the customer's share of one value (empty: none)."""
    if not columns:
        return None
    return shares.group_by("customer_id").aggregate(
        **{c: shares.share.max(where=shares[value] == v) for c, v in columns.items()}
    )


def _placed(batch: pa.RecordBatch, *, facts: ProfileFacts, names: dict[str, str]) -> pa.RecordBatch:
    """One batch of buyers placed at the nearest centre: what runs on a worker."""
    columns = {name: profiles.floats(batch[name]) for name in (*NUMERIC, "age")}
    for column, name in names.items():
        columns[name] = np.nan_to_num(profiles.floats(batch[column]))  # none: a share of 0
    matrix = profiles.profile(
        columns, {}, ids=batch["customer_id"], features=facts.features, fill=facts.mean
    )
    labels = profiles.place(matrix, facts)
    return pa.record_batch([batch["customer_id"], pa.array(labels, pa.int64())], schema=PLACED)
