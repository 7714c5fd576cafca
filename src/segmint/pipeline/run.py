"""One run: features -> models -> snapshot, for every customer as of one date.

The run reads the canonical tables through feature expressions, hands the columns to
the models, and writes the run and its snapshot in one transaction: a failed or killed
run leaves the previous snapshot current. Same data, settings and as_of give the same
snapshot (no clock, no randomness: the models start from fixed points).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmint.core.catalog import SCORES
from segmint.core.config import Settings
from segmint.core.errors import InputError, Location
from segmint.core.facts import ProfileFacts, RunFacts, RunSettings
from segmint.features.activity import channel_interactions
from segmint.features.customer import EPOCH, customer_features
from segmint.features.orders import rfm_features
from segmint.features.products import category_spend
from segmint.features.purchases import purchase_summary
from segmint.models.tiers import pareto_curve
from segmint.pipeline import needs, scoring, segments
from segmint.pipeline.customer_value import (
    CustomerValue,
    PurchaseHistory,
    customer_value,
    history_from,
)
from segmint.pipeline.finish import (
    RunResult,
    Settled,
    is_current,
    run_record,
    settle,
    tier_warnings,
)
from segmint.pipeline.pending import view_start
from segmint.pipeline.shortfall import shortfall
from segmint.pipeline.tracking import repeat_purchases_of
from segmint.store import facts as stored_facts
from segmint.store import snapshots
from segmint.store.engine import Engine, Store
from segmint.store.relations import Sources, execute, newest_order_at, sources

STEPS = ("features", "customer value", "scores", "needs and profiles", "snapshot")
Progress = Callable[[str], None]  # called with each step's name as it starts


LATEST_AS_OF = dt.timedelta(days=365)  # a run may look this far past the newest order


def default_as_of(engine: Engine, settings: Settings) -> dt.date:
    """The local date of the newest order: the data's own "today"."""
    found = newest_order_at(engine)
    if found is None:
        raise InputError("run.no_orders", location=Location(field="orders"))
    return found.astimezone(ZoneInfo(settings.timezone)).date()


def checked_as_of(
    engine: Engine, settings: Settings, src: Sources, as_of: dt.date | None
) -> dt.date:
    """`as_of` checked against the data's span, or the default (which lies within it)."""
    if as_of is None:
        return default_as_of(engine, settings)
    check_as_of(engine, src, as_of)
    return as_of


def check_as_of(engine: Engine, src: Sources, as_of: dt.date) -> None:
    """Refuse an as_of before the first order or more than a year after the newest.

    Before the first order every customer is a prospect; far past the newest order
    everyone is churned. Either snapshot would only mislead.
    """
    span = execute(
        engine, src.orders.aggregate(first=src.orders.day.min(), last=src.orders.day.max())
    )
    first, last = span["first"][0].as_py(), span["last"][0].as_py()
    if first is None:
        raise InputError("run.no_orders", location=Location(field="orders"))
    first_day, last_day = EPOCH + dt.timedelta(days=first), EPOCH + dt.timedelta(days=last)
    latest = last_day + LATEST_AS_OF
    params: dict[str, Any] = {
        "as_of": as_of,
        "first": first_day,
        "last": last_day,
        "latest": latest,
    }
    if as_of < first_day:
        raise InputError("run.as_of_before_data", location=Location(field="as_of"), **params)
    if as_of > latest:
        raise InputError("run.as_of_after_data", location=Location(field="as_of"), **params)


def run(
    engine: Store,
    settings: Settings,
    *,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    actor: str = "python",
) -> RunResult:
    """Compute every customer's features, scores and labels as of `as_of`, and store them.

    `engine` is the workspace's database: the canonical tables are read and the run is
    kept there. A run on a lake's tables is `lake_run.run_on_lake`.
    """
    started, clock = dt.datetime.now(dt.UTC), time.perf_counter()
    step = progress or (lambda _: None)
    src = sources(engine, timezone=settings.timezone)
    as_of = checked_as_of(engine, settings, src, as_of)
    day = (as_of - EPOCH).days
    step(STEPS[0])
    features = execute(engine, customer_features(src, day).order_by("customer_id"))
    history = history_of(engine, src, features, day=day, holdout=settings.clv.holdout_days)
    step(STEPS[1])
    value = customer_value(
        history,
        repeat_purchases_of(engine, src, day=day),
        as_of=day,
        holdout_days=settings.clv.holdout_days,
        discount_rate=settings.clv.discount_rate,
    )
    step(STEPS[2])
    columns = model_columns(features)
    scores, facts = _scores(engine, settings, features, columns, value, as_of=as_of)
    step(STEPS[3])
    categories = execute(engine, category_spend(src.orders, src.items, day))
    found = needs.needs(
        engine,
        src,
        features,
        columns,
        scores["tier"],
        settings=settings,
        day=day,
        held=needs.Held(profiles=previous_profiles(engine, as_of), learnt=None),
        categories=categories,
    )
    scores |= found.columns
    facts = facts.model_copy(update={"profiles": found.profiles})
    current, before = is_current(engine, as_of), snapshots.current_run(engine)
    below = (
        shortfall_of(engine, settings, src, features, scores, value, history, as_of=as_of)
        if current
        else None
    )
    planned = segments.plan(engine, settings)
    facts = facts.model_copy(update={"warnings": facts.warnings + planned.warnings})
    view = (  # a run that becomes current starts a new live view
        view_start(
            engine,
            src,
            features,
            history,
            columns,
            scores,
            facts=facts,
            rules=planned.rules.values(),
            settings=settings,
            day=day,
        )
        if current
        else None
    )
    step(STEPS[4])
    run_id = snapshots.next_run_id(engine)
    record = run_record(
        settings, run_id=run_id, as_of=as_of, started=started, customers=features.num_rows
    )
    customers = _with_run(run_id, snapshot_rows(features, scores))
    with engine.transaction():
        snapshots.write_run(
            engine,
            record,
            run_facts=facts,
            customers=customers,
            categories=_with_run(run_id, categories),
            channels=_with_run(run_id, execute(engine, channel_interactions(src.events, day))),
            actor=actor,
        )
        raised, resolved = settle(
            engine,
            settings,
            planned,
            record,
            facts=facts,
            learnt=found.learnt,
            view=Settled(current=current, before=before, view=view),
            now=customers,
            shortfall=below,
        )
    seconds = time.perf_counter() - clock
    return RunResult(
        run_id, as_of, features.num_rows, seconds, facts, not current, raised, resolved
    )


def shortfall_of(
    engine: Engine,
    settings: Settings,
    src: Sources,
    features: pa.Table,
    scores: dict[str, Any],
    value: CustomerValue,
    history: PurchaseHistory,
    *,
    as_of: dt.date,
) -> pd.DataFrame | None:
    """The valued customers' buying in the alert window against their models.

    The window's purchase history is the run's own when the window is the CLV holdout,
    else one more summary query.
    """
    day = (as_of - EPOCH).days
    days = settings.alerts.window_days
    window = history
    if days != settings.clv.holdout_days:
        window = history_of(engine, src, features, day=day, holdout=days)
    labels = list(settings.tiers.labels)[:2]
    valued = np.isin(scores["tier"].astype(str), labels) | scores["value_customer"].astype(bool)
    return shortfall(
        features["customer_id"],
        window,
        valued=valued,
        facts=value.facts,
        as_of=day,
        settings=settings,
    )


def _scores(
    engine: Store,
    settings: Settings,
    features: pa.Table,
    columns: dict[str, Any],
    value: CustomerValue,
    *,
    as_of: dt.date,
) -> tuple[dict[str, Any], RunFacts]:
    """Every score column, and the run's facts: what the scores and fits were decided by."""
    previous = previous_stages(engine, features, as_of)
    scores, decided = scoring.score(
        columns, settings=settings, p_alive=value.p_alive, previous_stage=previous
    )
    scores |= {
        "p_alive": value.p_alive,
        "expected_orders_90d": value.expected_orders_90d,
        "clv_12m": value.clv_12m,
    }
    curve = pareto_curve(columns["revenue_365d_cents"], np.arange(features.num_rows))
    facts = RunFacts(
        settings=RunSettings.of(settings, engine=engine.kind),
        rfm=decided.rfm,
        tiers=tuple(decided.tiers),
        usual_gap_days=decided.usual_gap_days,
        value_cutoff=decided.value_cutoff,
        clv=value.facts,
        pareto_curve=tuple(round(float(v), 6) for v in curve.revenue_share),
        warnings=tier_warnings(decided.tiers, settings=settings),
    )
    return scores, facts


def rfm_table(engine: Store, settings: Settings, *, as_of: dt.date | None = None) -> pa.Table:
    """RFM alone, without a run: customers with a counted order, their r/f/m and names."""
    src = sources(engine, timezone=settings.timezone)
    as_of = checked_as_of(engine, settings, src, as_of)
    day = (as_of - EPOCH).days
    table = execute(engine, rfm_features(src.orders, day).order_by("customer_id"))
    named, _ = scoring.rfm_columns(
        table["recency_days"].to_numpy(),
        table["frequency"].to_numpy(),
        _cents(table["monetary"]),
        settings=settings,
    )
    for name, values in named.items():
        table = table.append_column(name, pa.array(values))
    return table


def history_of(
    engine: Engine, src: Sources, features: pa.Table, *, day: int, holdout: int
) -> PurchaseHistory:
    """The purchase summary aligned with the features' customers (none for prospects)."""
    summary = execute(engine, purchase_summary(src.orders, day, calibration_end=day - holdout))
    return history_from(_aligned(features, summary))


def _aligned(features: pa.Table, table: pa.Table) -> pa.Table:
    """`table`'s rows in the order of the features' customers; nulls where it has none."""
    return table.take(pc.index_in(features["customer_id"], table["customer_id"]))


def _cents(money: pa.ChunkedArray) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Exact integer minor units of a decimal money column."""
    cents = pc.cast(pc.multiply(money, 100), pa.int64())
    return cents.to_numpy(zero_copy_only=False)  # type: ignore[no-any-return]


def model_columns(features: pa.Table) -> dict[str, Any]:
    """Numeric feature columns as NumPy (NaN for empty); money also in exact integer cents."""
    columns = {}
    for name in features.column_names:
        column = features[name]
        if pa.types.is_decimal(column.type):  # money features are never empty (0 when none)
            columns[f"{name}_cents"] = _cents(column)
            column = pc.cast(column, pa.float64())
        if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
            columns[name] = column.to_numpy(zero_copy_only=False)
    return columns


def previous_profiles(engine: Store, as_of: dt.date) -> ProfileFacts | None:
    """The clusters of the run before as_of, whose ids this run's clusters take."""
    before = snapshots.previous_run(engine, as_of)
    return None if before is None else stored_facts.read(engine, [before])[before].profiles


def previous_stages(engine: Store, features: pa.Table, as_of: dt.date) -> np.ndarray[Any, Any]:
    """Each customer's stage in the newest run before as_of ('' where there is none)."""
    before = snapshots.previous_run(engine, as_of)
    n = features.num_rows
    if before is None:
        return np.full(n, "", dtype=object)
    old = snapshots.snapshot(
        engine, before, columns=("customer_id", "stage"), customers=features.select(["customer_id"])
    )
    stages = pc.fill_null(_aligned(features, old)["stage"], "")
    return np.asarray(stages.to_numpy(zero_copy_only=False), dtype=object)


def snapshot_rows(features: pa.Table, scores: dict[str, Any]) -> pa.Table:
    """Customer id, features, then the scores in catalog order: a snapshot's row shape."""
    table = features
    for column in SCORES:
        table = table.append_column(column.name, pa.array(scores[column.name], from_pandas=True))
    return table


def _with_run(run_id: int, table: pa.Table) -> pa.Table:
    return table.add_column(0, "run_id", pa.repeat(pa.scalar(run_id, pa.int32()), table.num_rows))
