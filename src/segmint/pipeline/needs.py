"""A run's needs and profiles: clusters, recommendations, service needs, loyalty.

Service needs and loyalty are per customer and need no population facts, so an update
between runs computes them exactly as a run does; clusters and recommendations are
fitted by a run, and an update places its customers with what the run learnt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segmint.core.config import Settings
from segmint.core.facts import ProfileFacts
from segmint.features.loyalty import earned_points
from segmint.features.products import category_spend
from segmint.features.profile import demographics, order_channels
from segmint.models import loyalty, service
from segmint.pipeline import profiles, recommendations
from segmint.pipeline.clusters_scored import sampled
from segmint.store.engine import Engine
from segmint.store.relations import Sources, execute


def service_needs(columns: dict[str, Any], *, settings: Settings) -> dict[str, Any]:
    """Each service need of `settings.service` per customer, by name."""
    limits = settings.service
    return service.needs(
        columns,
        limits=service.Thresholds(
            complaints=limits.complaints,
            satisfaction=limits.satisfaction,
            resolution_days=limits.resolution_days,
            onboarding_days=limits.onboarding_days,
        ),
    )


def loyalty_columns(
    engine: Engine,
    src: Sources,
    features: pa.Table,
    tier: Any,
    *,
    settings: Settings,
    day: int,
) -> dict[str, Any]:
    """loyalty_points and loyalty_level (a level key) of the features' customers."""
    config = settings.loyalty
    earned = execute(
        engine,
        earned_points(src.orders, day, per_yuan=config.points_per_yuan, days=config.expiry_days),
    )
    aligned = earned.take(pc.index_in(features["customer_id"], earned["customer_id"]))
    return held_loyalty(aligned["earned"], aligned["spend"], tier, settings=settings)


SERVICE_INPUTS = (  # the features `models.service.needs` reads
    "open_tickets",
    "complaints_365d",
    "avg_satisfaction",
    "avg_resolution_days",
    "tenure_days",
    "tickets_365d",
    "calls_90d",
)


def held_loyalty(earned: Any, spend: Any, tier: Any, *, settings: Settings) -> dict[str, Any]:
    """loyalty_points and loyalty_level of customers, from their points and tier.

    `earned` and `spend` are the unexpired points and the spend in the same days (Arrow
    columns, empty for a customer who did not order then).
    """
    config = settings.loyalty
    base = pc.fill_null(earned, 0).to_numpy(zero_copy_only=False)
    spent = pc.cast(pc.fill_null(spend, 0), pa.float64()).to_numpy(zero_copy_only=False)
    labels, at_label = np.unique(np.asarray(tier, dtype=str), return_inverse=True)
    factor = np.asarray([config.multipliers.get(t, 1.0) for t in labels])[at_label]
    points = loyalty.points(base, factor)
    keys = np.asarray([level.key for level in config.levels], dtype=object)
    reached = points if config.level_by == "points" else spent
    return {
        "loyalty_points": points,
        "loyalty_level": keys[loyalty.levels(reached, [level.min for level in config.levels])],
    }


@dataclass(frozen=True)
class Needs:
    """A run's (or an update's) needs columns, and what the run learnt for later updates."""

    columns: dict[str, Any]
    profiles: ProfileFacts | None
    learnt: recommendations.Learnt


def needs(
    engine: Engine,
    src: Sources,
    features: pa.Table,
    columns: dict[str, Any],
    tier: Any,
    *,
    settings: Settings,
    day: int,
    held: Held | None = None,
    categories: pa.Table | None = None,
) -> Needs:
    """Clusters, recommendations, service needs and loyalty of the features' customers.

    A run fits the clusters (ids matched to `held.profiles`, the run before's) and the
    recommender; an update (`held.learnt` given) uses its run's. `categories` is the
    customers' category spend when the caller has it (`features.products.category_spend`).
    """
    held = held or Held(profiles=None, learnt=None)
    out = service_needs(columns, settings=settings)
    out |= loyalty_columns(engine, src, features, tier, settings=settings, day=day)
    if categories is None:
        categories = execute(engine, category_spend(src.orders, src.items, day))
    cluster, found = _clusters(
        engine, src, features, columns, categories, day=day, held=held, settings=settings
    )
    out["cluster"] = cluster
    ids = features["customer_id"]
    learnt = held.learnt
    if learnt is None:
        learnt, counts, days = recommendations.learn(
            engine, src, ids, day=day, settings=settings.recommend
        )
    else:
        counts, days = recommendations.purchases(
            engine, src, ids, day=day, products=learnt.products
        )
    top = features["top_category"].to_numpy(zero_copy_only=False)
    out |= recommendations.columns(
        learnt, counts, days, top_category=top, day=day, settings=settings.recommend
    )
    return Needs(out, found, learnt)


def _clusters(
    engine: Engine,
    src: Sources,
    features: pa.Table,
    columns: dict[str, Any],
    categories: pa.Table,
    *,
    day: int,
    held: Held,
    settings: Settings,
) -> tuple[Any, ProfileFacts | None]:
    """Each customer's cluster id (None for prospects), and the clusters' facts.

    A run fits them on a sample of its buyers (`clusters_scored.sampled`) and places
    everyone at the nearest centre; an update places its customers with its run's
    (`held.profiles`).
    """
    rows = np.flatnonzero(columns["frequency"] > 0)
    buyers = features.take(pa.array(rows))
    people = execute(engine, demographics(src.customers, day))
    channels = execute(engine, order_channels(src.orders, day))
    found = held.profiles
    if held.learnt is None:  # a run
        ids = engine.load(buyers.select(["customer_id"]))
        size = settings.clusters.sample
        chosen = execute(engine, sampled(ids, size=size))["customer_id"]
        sample = buyers.filter(pc.is_in(buyers["customer_id"], chosen))
        found = profiles.fit(
            profiles.profile_of(sample, people, categories, channels),
            buyers=rows.size,
            settings=settings.clusters,
            previous=held.profiles,
        )
    cluster = np.full(features.num_rows, None, dtype=object)
    if found is None:
        return cluster, None
    matrix = profiles.profile_of(
        buyers, people, categories, channels, features=found.features, fill=found.mean
    )
    labels = profiles.place(matrix, found)
    cluster[rows] = labels
    if held.learnt is None:
        sizes = dict(zip(*np.unique(labels, return_counts=True), strict=True))
        found = profiles.counted(found, {int(k): int(v) for k, v in sizes.items()})
    return cluster, found


@dataclass(frozen=True)
class Held:
    """What an update keeps of its run: the clusters and the recommender (None in a run)."""

    profiles: ProfileFacts | None
    learnt: recommendations.Learnt | None
