"""Buying below expectation in the run: each valued customer's window against her own model.

For the valued customers (the two top tiers, or value customers) who had bought before
the window (as_of − `alerts.window_days`, as_of], the run's fitted purchase model says
how many purchase days to expect in the window from her history before it, and how
unlikely so few as she made would be had nothing changed (`models.churn`). Her spend per
purchase is the run's Gamma-Gamma expectation. Time in weeks, as the models count it.
"""

from __future__ import annotations

import functools
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from segmint.core.config import Settings
from segmint.core.facts import ClvFacts
from segmint.features.purchases import purchase_summary
from segmint.models import churn
from segmint.models.clv import gamma_gamma
from segmint.pipeline.customer_value import PARAMS, WEEK, PurchaseHistory, history_from
from segmint.store.engine import Engine
from segmint.store.relations import Sources

SHORTFALL = pa.schema(
    [("customer_id", pa.string()), *((name, pa.float64()) for name in churn.Shortfall._fields)]
)


def shortfall(
    customers: pa.Array | pa.ChunkedArray,
    window: PurchaseHistory,
    *,
    valued: np.ndarray[Any, np.dtype[np.bool_]],
    facts: ClvFacts,
    as_of: int,
    settings: Settings,
) -> pd.DataFrame | None:
    """customer_id, expected, actual, p_value, at_stake_90d, at_stake_365d of the valued.

    `window` is the purchase history with its calibration end at the window's start;
    None when the run has no purchase model (too few buyers, or no fit).
    """
    purchases, spend_fit = facts.fit("purchases"), facts.fit("spend")
    if purchases is None or purchases.model not in PARAMS:
        return None
    days = settings.alerts.window_days
    start = as_of - days
    who = valued & (window.cal_days > 0) & np.isfinite(window.first_day)
    first = window.first_day[who]
    x_now = window.days[who] - 1
    model: churn.Model = "bg_nbd" if purchases.model == "bg_nbd" else "pareto_nbd"
    result = churn.below_expectation(
        model,
        PARAMS[purchases.model](**purchases.params),
        w=days / WEEK,
        x=window.cal_days[who] - 1,
        t_x=(window.cal_last_day[who] - first) / WEEK,
        T=(start - first) / WEEK,
        actual=window.holdout_days[who],
        spend=_spend(spend_fit, x_now, window.repeat_spend[who]),
        x_now=x_now,
        t_x_now=(window.last_day[who] - first) / WEEK,
        T_now=(as_of - first) / WEEK,
    )
    ids = np.asarray(customers.to_numpy(zero_copy_only=False), dtype=object)[who]
    return pd.DataFrame({"customer_id": ids, **result._asdict()})


def shortfall_on(
    engine: Engine,
    src: Sources,
    valued: ir.Table,
    *,
    facts: ClvFacts,
    as_of: int,
    settings: Settings,
) -> ir.Table | None:
    """`shortfall` of the customers in `valued` (customer_id), by the engine's workers.

    The window's purchase summary is computed by the engine and each batch of it goes
    through `shortfall` where it is: no customer's row passes through this process.
    """
    purchases = facts.fit("purchases")
    if purchases is None or purchases.model not in PARAMS:
        return None
    start = as_of - settings.alerts.window_days
    window = purchase_summary(src.orders, as_of, calibration_end=start)
    rows = window.semi_join(valued, "customer_id")
    function = functools.partial(_window, facts=facts, as_of=as_of, settings=settings)
    return engine.apply(rows, function, schema=SHORTFALL)


def _window(
    batch: pa.RecordBatch, *, facts: ClvFacts, as_of: int, settings: Settings
) -> pa.RecordBatch:
    """One batch of valued customers' shortfall: what runs on a worker."""
    valued = np.ones(batch.num_rows, dtype=bool)
    found = shortfall(
        batch["customer_id"],
        history_from(batch),
        valued=valued,
        facts=facts,
        as_of=as_of,
        settings=settings,
    )
    return pa.RecordBatch.from_pandas(found, schema=SHORTFALL, preserve_index=False)


def _spend(fit: Any, x: np.ndarray[Any, Any], repeat_spend: np.ndarray[Any, Any]) -> Any:
    """Expected spend per purchase: Gamma-Gamma given her repeat purchases (0 without a fit)."""
    if fit is None:
        return np.zeros_like(x, dtype=np.float64)
    mean = np.where(x > 0, repeat_spend / np.maximum(x, 1), 0.0)
    return gamma_gamma.expected_spend(gamma_gamma.Params(**fit.params), x, mean)
