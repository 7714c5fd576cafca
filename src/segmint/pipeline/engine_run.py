"""A run's customers computed by the engine of the canonical tables, where they are.

The snapshot is one expression: the features, and beside them RFM, tier and stage
(`scored`), the value score (`value_scored`), CLV (`engine_value`), service needs and
loyalty (`needs_scored`), the clusters (`clusters_scored`) and the recommendations
(`recommendations_scored`), each computed by the same functions as a run in memory.
The run's facts come from aggregates. What comes to this process is their size, not
the customers': histograms, the clusters' sample, the products, and the few customers
an alert names. The engine writes the snapshot; the workspace loads it from there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np

from segmint.core.catalog import SCORES
from segmint.core.config import Settings
from segmint.core.facts import ProfileFacts, RfmFacts, RunFacts, RunSettings, TierSpan
from segmint.features.activity import channel_interactions
from segmint.features.customer import customer_features
from segmint.features.products import category_spend
from segmint.models import lifecycle
from segmint.models.tiers import counted_pareto_curve
from segmint.pipeline import recommendations, scored
from segmint.pipeline.clusters_scored import clusters_on
from segmint.pipeline.engine_value import value_on
from segmint.pipeline.needs_scored import needs_on
from segmint.pipeline.recommendations_scored import recommendations_on
from segmint.pipeline.shortfall import shortfall_on
from segmint.pipeline.value_scored import value_scores_on
from segmint.segments import schemes
from segmint.store.engine import Engine
from segmint.store.relations import Sources, execute


@dataclass(frozen=True)
class Computed:
    """A run's rows as expressions on the engine, and its facts."""

    customers: int
    snapshot: ir.Table  # customer_id, the features, then the scores in catalog order
    categories: ir.Table  # customer_id, category, spend, share
    channels: ir.Table  # customer_id, channel, interactions_30d
    facts: RunFacts
    learnt: recommendations.Learnt
    shortfall: ir.Table | None  # the valued customers' buying against their models


def computed(
    on: Engine,
    settings: Settings,
    src: Sources,
    *,
    day: int,
    previous: ir.Table | None,
    profiles: ProfileFacts | None,
    progress: Callable[[str], None],
) -> Computed:
    """Every customer's row and the run's facts, as of `day`, on engine `on`.

    `previous` holds customer_id and stage of the run before (None: there is none);
    `profiles` that run's clusters, whose ids this run's take. `progress` is told the
    run's steps (`run.STEPS`) as they start.
    """
    features = customer_features(src, day)
    t = on.kept(scored.with_cents(features))  # read by every part below
    progress("customer value")
    clv, predictions = value_on(
        on,
        src,
        as_of=day,
        holdout_days=settings.clv.holdout_days,
        discount_rate=settings.clv.discount_rate,
    )
    progress("scores")
    population = scored.population(on, t, settings=settings)
    predictions = on.kept(predictions)  # read by the stages and the snapshot
    labels = on.kept(_labels(t, predictions, previous, population, settings=settings))
    value = value_scores_on(on, t, settings=settings)
    progress("needs and profiles")
    found = needs_on(on, src, t, labels.select("customer_id", "tier"), settings=settings, day=day)
    categories = on.kept(category_spend(src.orders, src.items, day))  # clusters', and kept
    clusters, placed = clusters_on(
        on, src, t, categories, day=day, settings=settings, previous=profiles
    )
    learnt, recommended = recommendations_on(on, src, t, day=day, settings=settings.recommend)
    parts = [labels, value.table, predictions, found, recommended]
    if placed is not None:
        parts.append(placed)
    snapshot = _beside(t, features.columns, parts)
    spans = tier_spans(on, t, labels, settings=settings)
    facts = RunFacts(
        settings=RunSettings.of(settings, engine=on.kind),
        rfm=_rfm(population),
        tiers=tuple(spans),
        usual_gap_days=population.usual_gap_days,
        value_cutoff=value.cutoff,
        clv=clv,
        pareto_curve=tuple(
            round(float(v), 6) for v in counted_pareto_curve(*population.spend).revenue_share
        ),
        profiles=clusters,
    )
    valued = _valued(labels, value.table, settings=settings)
    return Computed(
        customers=int(population.spend[1].sum()),  # everyone has a spend (0: none)
        snapshot=snapshot,
        categories=categories,
        channels=channel_interactions(src.events, day),
        facts=facts,
        learnt=learnt,
        shortfall=shortfall_on(on, src, valued, facts=clv, as_of=day, settings=settings),
    )


def _labels(
    t: ir.Table,
    predictions: ir.Table,
    previous: ir.Table | None,
    population: scored.Population,
    *,
    settings: Settings,
) -> ir.Table:
    """RFM, tier and stage; the stage reads P(alive) and the stage of the run before."""
    beside = t.left_join(predictions.select("customer_id", "p_alive"), "customer_id")
    beside = beside.drop("customer_id_right")
    before: ir.IntegerValue | None = None
    if previous is not None:
        keys = list(lifecycle.STAGES)
        index = ibis.cases(*((previous.stage == k, i) for i, k in enumerate(keys)), else_=-1)
        beside = beside.left_join(previous.select("customer_id", stage_before=index), "customer_id")
        beside = beside.drop("customer_id_right")
        before = beside.stage_before.fill_null(-1)
    return scored.scored(
        beside, population, settings=settings, p_alive=beside.p_alive, previous=before
    )


def _beside(t: ir.Table, features: Sequence[str], parts: list[ir.Table]) -> ir.Table:
    """The `features` of `t` and every part's scores, by customer: a snapshot's row shape."""
    joined = t
    for part in parts:
        joined = joined.left_join(part, "customer_id").drop("customer_id_right")
    flags = {"value_customer": joined.value_customer.fill_null(False)}  # prospects: no
    if "cluster" not in joined.columns:  # too few buyers for clusters
        flags["cluster"] = ibis.null("int64")
    joined = joined.mutate(**flags)
    return joined.select(*features, *(c.name for c in SCORES))


def tier_spans(on: Engine, t: ir.Table, labels: ir.Table, *, settings: Settings) -> list[TierSpan]:
    """Per tier, top first: its customers, those who bought, the lowest and highest spend."""
    spend = t.select("customer_id", "revenue_365d_cents").join(labels, "customer_id")
    cents = spend.revenue_365d_cents
    found = execute(
        on,
        spend.group_by("tier").aggregate(
            customers=spend.count(),
            buyers=(cents > 0).sum(),
            low=cents.min(),
            high=cents.max(),
        ),
    ).to_pylist()
    by = {row["tier"]: row for row in found}
    spans = []
    for label in schemes.tier_labels(settings):
        row = by.get(label, {"customers": 0, "buyers": 0, "low": None, "high": None})
        spans.append(
            TierSpan(
                tier=label,
                customers=int(row["customers"]),
                buyers=int(row["buyers"] or 0),
                min_spend=None if row["low"] is None else int(row["low"]) / 100,
                max_spend=None if row["high"] is None else int(row["high"]) / 100,
            )
        )
    return spans


def _rfm(population: scored.Population) -> RfmFacts | None:
    """The cut points and the buyers' means (None when nobody bought), as a run states them."""
    if population.buyers == 0:
        return None
    n, sums = population.buyers, population.sums
    r, f, m = population.cuts
    return RfmFacts(
        recency_cuts=tuple(float(c) for c in r),
        frequency_cuts=tuple(float(c) for c in f),
        monetary_cuts=tuple(float(c) / 100 for c in m),  # money cuts in currency
        mean_recency_days=float(np.float64(sums["recency_days"]) / n),
        mean_frequency=float(np.float64(sums["frequency"]) / n),
        mean_monetary=float(np.float64(sums["monetary"]) / n / 100),
    )


def _valued(labels: ir.Table, value: ir.Table, *, settings: Settings) -> ir.Table:
    """customer_id of the valued customers: the two top tiers, or value customers."""
    top = list(settings.tiers.labels)[:2]
    joined = labels.select("customer_id", "tier").left_join(
        value.select("customer_id", "value_customer"), "customer_id"
    )
    keep = joined.tier.isin(top) | joined.value_customer.fill_null(False)
    return joined.filter(keep).select("customer_id")
