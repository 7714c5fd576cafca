"""The value score computed where the data is, by any engine.

A part of the score is a customer's percentile rank among the buyers, which follows
from the histogram of the component (distinct values with their counts, what an engine
aggregates in parallel): `value_score.counted_percentile_rank` turns it into each
value's rank, to the bit the rank NumPy gives. The engine's workers then score each
batch of buyers with the same functions a run in memory uses (`value_score.weighted`,
`scoring.parts_text`), and the flag is a comparison with the customer at the cut-off,
found from the histogram of the scores (`models.positions`). No customer's row passes
through this process.
"""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

import ibis
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from segmint.core.config import Settings
from segmint.models import positions, value_score
from segmint.models.value_score import Component
from segmint.pipeline.scored import bounds, histograms
from segmint.pipeline.scoring import parts_text
from segmint.segments import schemes
from segmint.segments import scores as expressions
from segmint.store.engine import Engine
from segmint.store.relations import execute

SCORED = pa.schema(
    [("customer_id", pa.string()), ("value_score", pa.float64()), ("value_parts", pa.string())]
)


class Ranking(NamedTuple):
    """A component's distinct values, ascending as ranked (-inf: empty), and their ranks."""

    values: npt.NDArray[np.float64]
    ranks: npt.NDArray[np.float64]
    higher_is_better: bool


class ValueScores(NamedTuple):
    """The buyers' value_score, value_parts and value_customer, and the lowest flagged score."""

    table: ir.Table
    cutoff: float | None  # None when nobody is flagged


def value_scores_on(engine: Engine, t: ir.Table, *, settings: Settings) -> ValueScores:
    """customer_id, value_score, value_parts and value_customer of the buyers of `t`."""
    buyers = t.filter(t.frequency > 0)
    components = schemes.value_components(settings)
    value_score.check(components, settings.value.top_percent)
    n, rankings = _rankings(engine, buyers, components)
    value_score.check_weight(list(rankings), components, n)
    function = functools.partial(_scored, rankings=rankings, components=components)
    # the values as the histograms saw them, so each is found among them exactly
    inputs = buyers.select(
        "customer_id", **{name: buyers[name].cast("float64") for name in rankings}
    )
    scored = engine.kept(engine.apply(inputs, function, schema=SCORED))  # read three times
    count = math.ceil(settings.value.top_percent * n / 100.0 - 1e-9)  # `value_score._top`
    if count <= 0:
        return ValueScores(scored.mutate(value_customer=ibis.literal(False)), None)
    values, counts = histograms(engine, [(scored, "value_score")])["value_score"]
    last, first_out = positions.places(values, counts, [count - 1, count], descending=True)
    at_cut = bounds(engine, {"value_score": (scored, [first_out])}, exact="float64")
    past = expressions.passed(scored, scored.value_score, at_cut["value_score"], descending=True)
    cutoff = None if last is None else last.value  # there is one: 0 < count <= n
    return ValueScores(scored.mutate(value_customer=past == 0), cutoff)


def _rankings(
    engine: Engine, buyers: ir.Table, components: dict[str, Component]
) -> tuple[int, dict[str, Ranking]]:
    """How many buyers there are, and each component with data ranked from its histogram.

    One query for them all; the count comes along as a histogram of nothing.
    """
    everyone = buyers.aggregate(n=buyers.count())
    parts = [everyone.select(name=ibis.literal(""), value=ibis.null("float64"), n=everyone.n)]
    for name in components:
        counted = buyers.group_by(name).aggregate(n=buyers.count())
        # ranks follow the order of the values, which the cast keeps (cents, days, counts)
        value = counted[name].cast("float64")
        parts.append(counted.select(name=ibis.literal(name), value=value, n=counted.n))
    found = execute(engine, ibis.union(*parts))
    n = int(found.filter(pc.equal(found["name"], ""))["n"][0].as_py())
    rankings = {}
    for name, component in components.items():
        mine = found.filter(pc.equal(found["name"], name))
        values = _floats(mine["value"])
        if np.isnan(values).all():
            continue  # no data for this component: it takes no part (`value_scores`)
        if not component.higher_is_better:
            values = -values
        counts = np.asarray(mine["n"].to_numpy(), dtype=np.int64)
        ranks = value_score.counted_percentile_rank(values, counts)
        order = np.argsort(_filled(values), kind="stable")
        rankings[name] = Ranking(_filled(values)[order], ranks[order], component.higher_is_better)
    return n, rankings


def _scored(
    batch: pa.RecordBatch, *, rankings: dict[str, Ranking], components: dict[str, Component]
) -> pa.RecordBatch:
    """One batch of buyers' scores and parts: what runs on a worker."""
    parts = {}
    for name, ranking in rankings.items():
        values = _floats(batch[name])
        values = values if ranking.higher_is_better else -values
        parts[name] = ranking.ranks[np.searchsorted(ranking.values, _filled(values))]
    score = value_score.weighted(parts, components, batch.num_rows)
    text = parts_text(parts)
    return pa.record_batch(
        [batch["customer_id"], pa.array(score, pa.float64()), pa.array(text, pa.string())],
        schema=SCORED,
    )


def _floats(column: Any) -> npt.NDArray[np.float64]:
    """A float64 column as NumPy, NaN for empty."""
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)


def _filled(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.where(np.isnan(values), -np.inf, values)  # empty ranks lowest
