"""RFM, tiers and stages computed where the data is, by any engine.

The population's numbers (cut points, means, tier ends, the stand-in gap) come from
small aggregates — histograms of distinct values with their counts, sums, a count —
read into memory and turned into facts by the models' own functions; every customer's
labels are then expressions (`segments.scores`) the engine evaluates beside her
features. No customer's row passes through this process: what it holds is the size of
the distinct values, not of the customers.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import ibis
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt

from segmint.core.config import Settings
from segmint.models import lifecycle, rfm
from segmint.segments import schemes
from segmint.segments import scores as expressions
from segmint.store.engine import Engine
from segmint.store.relations import execute

Array = npt.NDArray[np.float64]


class Population(NamedTuple):
    """The numbers every customer's labels are decided by."""

    buyers: int
    sums: dict[str, int]  # recency_days, frequency, monetary (cents) summed over the buyers
    cuts: tuple[Array, Array, Array]  # recency, frequency, monetary (cents); empty for rank
    tier: dict[str, Any]  # the tier case table's params: thresholds (cents) or ends
    usual_gap_days: float


def with_cents(features: ir.Table) -> ir.Table:
    """`features` with the money the scores compare as exact integer cents."""
    return features.mutate(
        monetary_cents=(features.monetary * 100).cast("int64"),
        revenue_365d_cents=(features.revenue_365d * 100).cast("int64"),
    )


def population(engine: Engine, t: ir.Table, *, settings: Settings) -> Population:
    """The facts of `t` (features `with_cents`), read from aggregates the engine computes.

    Few queries, each a pass over `t`: on Spark every query is a job of its own.
    """
    buyers = t.filter(t.frequency > 0)
    sums = execute(
        engine,
        buyers.aggregate(
            n=buyers.count(),
            recency_days=buyers.recency_days.sum(),
            frequency=buyers.frequency.sum(),
            monetary=buyers.monetary_cents.sum(),
        ),
    ).to_pylist()[0]
    n = int(sums.pop("n"))
    quantile = settings.rfm.scoring == "quantile"
    wanted = [(buyers, c) for c in expressions.RFM_VALUES if quantile]
    found = _histograms(engine, [*wanted, (t, "avg_days_between_orders")])
    gap = lifecycle.counted_stand_in_gap(
        *found["avg_days_between_orders"], fallback=settings.lifecycle.fallback_gap_days
    )
    return Population(
        buyers=n,
        sums={k: int(v or 0) for k, v in sums.items()},
        cuts=_cuts(found, settings=settings),
        tier=_tier_params(engine, t, settings=settings),
        usual_gap_days=gap,
    )


Histogram = tuple[Array, npt.NDArray[np.int64]]


def _histograms(engine: Engine, columns: list[tuple[ir.Table, str]]) -> dict[str, Histogram]:
    """Per column: its distinct non-empty values, with how many rows have each (one query)."""
    parts = []
    for t, column in columns:
        known = t.filter(t[column].notnull())
        counted = known.group_by(column).aggregate(n=known.count())
        parts.append(
            counted.select(
                name=ibis.literal(column), value=counted[column].cast("float64"), n=counted.n
            )
        )
    found = execute(engine, ibis.union(*parts))
    names = found["name"].to_numpy(zero_copy_only=False)
    values = np.asarray(found["value"].to_numpy(zero_copy_only=False), dtype=np.float64)
    counts = np.asarray(found["n"].to_numpy(zero_copy_only=False), dtype=np.int64)
    return {c: (values[names == c], counts[names == c]) for _, c in columns}


def _cuts(found: dict[str, Histogram], *, settings: Settings) -> tuple[Array, Array, Array]:
    bins = settings.rfm.bins
    if settings.rfm.scoring == "rank":
        empty = np.zeros(0)
        return empty, empty, empty
    if settings.rfm.scoring == "fixed":
        given = settings.rfm.cuts
        money = np.asarray(given["monetary"], dtype=np.float64) * 100  # given in currency
        return (
            np.asarray(given["recency_days"], dtype=np.float64),
            np.asarray(given["frequency"], dtype=np.float64),
            money,
        )
    r, f, m = (rfm.counted_cuts(*found[c], bins) for c in expressions.RFM_VALUES)
    return r, f, m


def _tier_params(engine: Engine, t: ir.Table, *, settings: Settings) -> dict[str, Any]:
    """Thresholds in cents, or where each ranked tier ends (`models.tiers`)."""
    config = settings.tiers
    if config.method == "thresholds":
        return {"thresholds": tuple(v * 100 for v in config.thresholds)}
    cumulative = np.cumsum(
        np.asarray(config.percent if config.method == "rank" else config.pareto_percent)
    )
    spend = t.revenue_365d_cents
    if config.method == "rank":
        n = int(execute(engine, t.aggregate(n=t.count()))["n"][0].as_py())
        return {"ends": tuple(int(e) for e in -(-cumulative * n // 100))}
    ranked = t.select(spend=spend, running=expressions.running_spend(t, spend))
    total = execute(engine, ranked.aggregate(total=ranked.spend.clip(lower=0).sum()))
    whole = int(total["total"][0].as_py() or 0)
    if whole == 0:
        return {"ends": tuple(0 for _ in cumulative)}  # nobody spent: all in the last tier
    # the first position whose running total reaches c % of the total closes its tier
    reached = {
        f"e{j}": ranked.count(where=ranked.running * 100 < int(c) * whole) + 1
        for j, c in enumerate(cumulative)
    }
    found = execute(engine, ranked.aggregate(**reached)).to_pylist()[0]
    return {"ends": tuple(int(found[f"e{j}"]) for j in range(cumulative.size))}


def scored(
    t: ir.Table,
    facts: Population,
    *,
    settings: Settings,
    p_alive: ir.FloatingValue | None = None,
    previous: ir.IntegerValue | None = None,
) -> ir.Table:
    """customer_id, r/f/m scores, rfm_cell, rfm8, rfm11 (buyers only), tier and stage."""
    buyers = t.filter(t.frequency > 0)
    bins = settings.rfm.bins
    if settings.rfm.scoring == "rank":
        rfm_scores = expressions.rank_scores(buyers, bins=bins)
    else:
        rfm_scores = expressions.quantile_scores(buyers, facts.cuts, bins=bins)
    means = {
        f"mean_{name}:{part}": value
        for name, total in facts.sums.items()
        for part, value in (("n", facts.buyers), ("sum", total))
    }
    named = expressions.rfm_names_of(
        buyers, rfm_scores, params=means, rules=schemes.rfm11_rules(settings)
    )
    labelled = buyers.select("customer_id", **rfm_scores, **named)
    labels = schemes.tier_labels(settings)
    spend = t.revenue_365d_cents
    rank = None if settings.tiers.method == "thresholds" else expressions.spend_rank(t, spend)
    index = expressions.tier_index(spend, rank, method=settings.tiers.method, params=facts.tier)
    tier = ibis.cases(*((index == i, label) for i, label in enumerate(labels)))
    rules = schemes.lifecycle_rules(settings)._asdict() | {"usual_gap_days": facts.usual_gap_days}
    stage = expressions.stage(
        t,
        p_alive=ibis.null("float64") if p_alive is None else p_alive,
        previous=ibis.literal(-1) if previous is None else previous,
        params=rules,
    )
    everyone = t.select("customer_id", tier=tier, stage=stage)
    joined = everyone.left_join(labelled, "customer_id")
    columns = ["r_score", "f_score", "m_score", "rfm_cell", "rfm8", "rfm11"]
    return joined.select("customer_id", *columns, "tier", "stage")
