"""CLV where the data is: fitted on counted histories, applied by the engine's workers.

The purchase summary (frequency, recency, age; `features.purchases`) is computed by the
engine and handed over as distinct rows with counts (`PurchaseCounts`), which is all
the fits need; the fits are made here by `segmint.clv`. Each customer's P(alive),
expected orders and CLV are then computed beside her summary by the same pure function
a run in memory uses (`customer_value.applied`), a batch at a time on the engine's
workers: no customer's row passes through this process.
"""

from __future__ import annotations

import functools

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from segmint.core.facts import ClvFacts
from segmint.features.purchases import purchase_summary
from segmint.pipeline.customer_value import (
    PurchaseCounts,
    Rows,
    applied,
    fitted,
    history_from,
)
from segmint.pipeline.tracking import repeat_purchases_of
from segmint.store.engine import Engine
from segmint.store.relations import Sources, execute

PREDICTIONS = pa.schema(
    [
        ("customer_id", pa.string()),
        ("p_alive", pa.float64()),
        ("expected_orders_90d", pa.float64()),
        ("clv_12m", pa.float64()),
    ]
)


def value_on(
    engine: Engine, src: Sources, *, as_of: int, holdout_days: int, discount_rate: float
) -> tuple[ClvFacts, ir.Table]:
    """The fits, and every buyer's predictions as an expression on the engine.

    The purchase summary is computed once and kept by the engine (``cache``): the counts
    and the predictions each read it.
    """
    summary = engine.kept(purchase_summary(src.orders, as_of, calibration_end=as_of - holdout_days))
    counts = counts_of(engine, summary, as_of=as_of, holdout_days=holdout_days)
    repeats = repeat_purchases_of(engine, src, day=as_of)
    facts = fitted(
        counts, repeats, as_of=as_of, holdout_days=holdout_days, discount_rate=discount_rate
    )
    made = predictions(engine, summary, facts, as_of=as_of, discount_rate=discount_rate)
    return facts, made


def counts_of(
    engine: Engine, summary: ir.Table, *, as_of: int, holdout_days: int
) -> PurchaseCounts:
    """`customer_value.counted` computed by the engine from `purchase_summary` rows."""
    s = summary
    end = as_of - holdout_days
    cohort = s.filter(s.cal_days > 0)
    repeaters = s.filter((s.days > 1) & (s.repeat_spend > 0))
    return PurchaseCounts(
        whole=_rows(
            engine, s, x=s.days - 1, recency=s.last_day - s.first_day, age=as_of - s.first_day
        ),
        calibration=_rows(
            engine,
            cohort,
            x=cohort.cal_days - 1,
            recency=cohort.cal_last_day - cohort.first_day,
            age=end - cohort.first_day,
            holdout=cohort.holdout_days,
        ),
        spend=_rows(
            engine,
            repeaters,
            x=repeaters.days - 1,
            mean=repeaters.repeat_spend / (repeaters.days - 1),
        ),
        first=_rows(engine, s, day=s.first_day),
        holdout_days=int(execute(engine, s.aggregate(n=s.holdout_days.sum()))["n"][0].as_py() or 0),
    )


def _rows(engine: Engine, t: ir.Table, **columns: ir.Value) -> Rows:
    """The distinct rows of `columns` with their counts, sorted as NumPy's unique sorts."""
    chosen = t.select(**{name: value.cast("float64") for name, value in columns.items()})
    grouped = chosen.group_by(list(columns)).aggregate(n=chosen.count()).order_by(list(columns))
    found = execute(engine, grouped)
    return Rows(
        tuple(np.asarray(found[name].to_numpy(), dtype=np.float64) for name in columns),
        np.asarray(found["n"].to_numpy(), dtype=np.float64),
    )


def predictions(
    engine: Engine, summary: ir.Table, facts: ClvFacts, *, as_of: int, discount_rate: float
) -> ir.Table:
    """customer_id, p_alive, expected_orders_90d and clv_12m of the buyers in `summary`."""
    function = functools.partial(_predicted, facts=facts, as_of=as_of, discount_rate=discount_rate)
    return engine.apply(summary, function, schema=PREDICTIONS)


def _predicted(
    batch: pa.RecordBatch, *, facts: ClvFacts, as_of: int, discount_rate: float
) -> pa.RecordBatch:
    """One batch of summaries' predictions: what runs on a worker."""
    value = applied(history_from(batch), facts, as_of=as_of, discount_rate=discount_rate)
    columns = (value.p_alive, value.expected_orders_90d, value.clv_12m)
    return pa.record_batch(
        [batch["customer_id"], *(pa.array(c, from_pandas=True) for c in columns)],  # NaN: empty
        schema=PREDICTIONS,
    )
