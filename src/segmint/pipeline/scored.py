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
from segmint.models import lifecycle, positions, rfm
from segmint.segments import schemes
from segmint.segments import scores as expressions
from segmint.segments.scores import Bound
from segmint.store.engine import Engine
from segmint.store.relations import execute

Array = npt.NDArray[np.float64]
Histogram = tuple[Array, npt.NDArray[np.int64]]  # distinct values, and how many have each


class Population(NamedTuple):
    """The numbers every customer's labels are decided by."""

    buyers: int
    sums: dict[str, int]  # recency_days, frequency, monetary (cents) summed over the buyers
    cuts: tuple[Array, Array, Array]  # recency, frequency, monetary (cents); empty for rank
    starts: dict[str, list[Bound]]  # rank scoring: where each NTILE group starts, by value
    tier: dict[str, Any]  # the tier case table's params: thresholds (cents) or ends
    tier_ends: list[Bound]  # rank and pareto tiers: the customer at each tier's end
    usual_gap_days: float
    spend: Histogram  # everyone's spend in the 365 days (cents): the 80/20 curve's


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
    scoring, ranked = settings.rfm.scoring, settings.tiers.method != "thresholds"
    wanted = [(buyers, c) for c in expressions.RFM_VALUES if scoring != "fixed"]
    spend = [(t, "revenue_365d_cents")]
    found = histograms(engine, [*wanted, *spend, (t, "avg_days_between_orders")])
    gap = lifecycle.counted_stand_in_gap(
        *found["avg_days_between_orders"], fallback=settings.lifecycle.fallback_gap_days
    )
    places: dict[str, tuple[ir.Table, list[positions.Place | None]]] = {}
    if scoring == "rank":
        starts = positions.tile_starts(n, settings.rfm.bins)
        for table, column in wanted:
            descending = column == "recency_days"  # the most recent buyers score highest
            places[column] = (
                table,
                positions.places(*found[column], starts, descending=descending),
            )
    tier, ends = _tier_params(found, settings=settings)
    if ranked:
        places["revenue_365d_cents"] = (
            t,
            positions.places(*found["revenue_365d_cents"], ends, descending=True),
        )
    found_bounds = bounds(engine, places)
    return Population(
        buyers=n,
        sums={k: int(v or 0) for k, v in sums.items()},
        cuts=_cuts(found, settings=settings),
        starts={c: found_bounds[c] for c in expressions.RFM_VALUES if c in found_bounds},
        tier=tier,
        tier_ends=found_bounds.get("revenue_365d_cents", []),
        usual_gap_days=gap,
        spend=found["revenue_365d_cents"],
    )


def histograms(engine: Engine, columns: list[tuple[ir.Table, str]]) -> dict[str, Histogram]:
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


def _tier_params(
    found: dict[str, Histogram], *, settings: Settings
) -> tuple[dict[str, Any], list[int]]:
    """The tier case table's params, and the positions where ranked tiers end.

    Thresholds are compared in cents. A ranked tier's case compares how many tier ends a
    customer is at or past (`expressions.passed`) with j + 1; the ends themselves are
    positions by spend (`models.tiers`), found on the spend histogram.
    """
    config = settings.tiers
    if config.method == "thresholds":
        return {"thresholds": tuple(v * 100 for v in config.thresholds)}, []
    shares = config.percent if config.method == "rank" else config.pareto_percent
    cumulative = np.cumsum(np.asarray(shares, dtype=np.int64))
    params = {"ends": tuple(range(1, cumulative.size + 1))}
    values, counts = found["revenue_365d_cents"]
    if config.method == "rank":
        n = int(counts.sum())
        return params, [int(e) for e in -(-cumulative * n // 100)]
    return params, positions.pareto_ends(values, counts, cumulative.tolist())


def bounds(
    engine: Engine,
    places: dict[str, tuple[ir.Table, list[positions.Place | None]]],
    *,
    exact: str = "int64",
) -> dict[str, list[Bound]]:
    """The customer at each place, by column: the place's value and her id (one query).

    Among the customers with a place's value she is the ``among_equal``-th by id: a window
    partitioned by value, over those few values only. `exact` is the type the values
    are compared in: integers (days, counts, cents), or float64 for a score.
    """
    as_value = int if exact == "int64" else float
    parts, wanted = [], {}
    for column, (t, found) in places.items():
        kept = [(as_value(p.value), p.among_equal) for p in found if p is not None]
        wanted[column] = kept
        if not kept:
            continue
        inside = t.filter(t[column].isin(sorted({v for v, _ in kept})))
        ranked = inside.select(
            name=ibis.literal(column),
            value=inside[column].cast(exact),
            among=ibis.row_number().over(group_by=inside[column], order_by=inside.customer_id),
            customer_id=inside.customer_id,
        )
        chosen = [(ranked.value == v) & (ranked.among == k) for v, k in kept]
        parts.append(ranked.filter(ibis.or_(*chosen)))
    if not parts:
        return {}
    found = execute(engine, ibis.union(*parts)).to_pylist()
    who = {(r["name"], r["value"], r["among"]): r["customer_id"] for r in found}
    return {c: [(v, who[(c, v, k)]) for v, k in kept] for c, kept in wanted.items()}


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
        rfm_scores = expressions.rank_scores(buyers, facts.starts, bins=bins)
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
    rank = expressions.passed(t, spend, facts.tier_ends, descending=True)
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
