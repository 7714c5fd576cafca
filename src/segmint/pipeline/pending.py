"""The next day each customer of the view may change without new data, for a run or update.

Also what a run that becomes current records to start the live view after it
(`view_start`, `start_view`): its frozen population and every customer's next change.

Builds the `horizon.Clock` of the customers from their features, their purchase history
and the run's fits, asks the database for the days their windows next move
(`features.exits`), and returns (customer_id, day) for `store.live.set_next`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segmint.core.config import Settings
from segmint.core.facts import RunFacts
from segmint.features.exits import exits
from segmint.pipeline import frozen, horizon
from segmint.pipeline.customer_value import MODELS, PARAMS, WEEK, PurchaseHistory
from segmint.segments.rules.tree import Rule
from segmint.segments.timing import Birthday
from segmint.store import frozen as stored_frozen
from segmint.store import live
from segmint.store.engine import Engine, Store
from segmint.store.relations import Sources, execute

Array = np.ndarray[Any, np.dtype[np.float64]]


def next_changes(
    engine: Engine,
    src: Sources,
    features: pa.Table,
    history: PurchaseHistory,
    *,
    labels: Mapping[str, Any],
    components: Iterable[str],
    facts: RunFacts,
    rules: Iterable[Rule],
    settings: Settings,
    day: int,
) -> pa.Table:
    """customer_id and day: the first day after `day` her view may change (null: none).

    `features` are the customers' (ordered by id), `history` and `labels` (their tier,
    value_score and value_customer) aligned with them, `src` the relations restricted
    to them (or everyone's), `components` the value score's in the run, `settings` the
    run's.
    """
    hooks = horizon.all_hooks(rules, facts=facts, settings=settings)
    ids = features["customer_id"]
    clock = horizon.Clock(
        counters={
            "recency_days": _floats(features["recency_days"]),
            "tenure_days": _floats(features["tenure_days"]),
            "days_since_last_view": _floats(features["days_since_last_view"]),
            "as_of": np.full(features.num_rows, float(day)),
        },
        gaps=_gaps(features, facts=facts, settings=settings),
        exits=_exits(engine, src, ids, day=day, hooks=hooks),
        alive=_alive(history, facts=facts, day=day),
        birthdays=_birthdays(engine, src, ids) if Birthday() in hooks else None,
    )
    who = horizon.scopes(labels, components=components, facts=facts, settings=settings)
    days = horizon.next_days(hooks, clock, day=day, settings=settings, who=who)
    return pa.table({"customer_id": ids, "day": horizon.as_dates(days)})


def _floats(column: pa.ChunkedArray) -> Array:
    values = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=np.float64)


def _gaps(features: pa.Table, *, facts: RunFacts, settings: Settings) -> Array:
    """Each customer's own gap, else the run's stand-in (`lifecycle.usual_gap`)."""
    gap = _floats(features["avg_days_between_orders"])
    stand_in = facts.usual_gap_days or settings.lifecycle.fallback_gap_days
    return np.where(np.isfinite(gap), gap, stand_in)


def _exits(
    engine: Engine, src: Sources, ids: pa.ChunkedArray, *, day: int, hooks: Any
) -> dict[str, Array]:
    expression = exits(src, day, horizon.windows(hooks))
    if expression is None:
        return {}
    table = execute(engine, expression)
    aligned = table.take(pc.index_in(ids, table["customer_id"]))
    return {name: _floats(aligned[name]) for name in aligned.column_names if name != "customer_id"}


def _alive(history: PurchaseHistory, *, facts: RunFacts, day: int) -> Any:
    """P(alive) of each customer `delta` days later with no purchase, by the run's fit."""
    fit = facts.clv.fit("purchases")
    if fit is None or fit.model not in MODELS:
        return None
    model = MODELS[fit.model]()
    model.params_ = PARAMS[fit.model](**fit.params)
    buyers = history.days > 0
    x = np.where(buyers, history.days - 1, 0.0)
    t_x = np.where(buyers, (history.last_day - history.first_day) / WEEK, 0.0)
    T = np.where(buyers, (day - history.first_day) / WEEK, 0.0)  # noqa: N806 - the papers' T

    def alive(delta: Array, who: np.ndarray[Any, Any] | None) -> Array:
        at = np.arange(x.size) if who is None else who
        p = np.full(at.size, np.nan)
        ok = buyers[at]
        if ok.any():
            i = at[ok]
            p[ok] = model.probability_alive(x[i], t_x[i], T[i] + delta[ok] / WEEK)
        return p

    return alive


def _birthdays(engine: Engine, src: Sources, ids: pa.ChunkedArray) -> Array:
    """Month * 100 + day of each customer's birthday (NaN for none)."""
    born = src.customers.birthday
    table = execute(
        engine, src.customers.select("customer_id", mmdd=born.month() * 100 + born.day())
    )
    aligned = table.take(pc.index_in(ids, table["customer_id"]))
    return _floats(aligned["mmdd"])


class ViewStart(NamedTuple):
    """What a new current run records for the live view after it."""

    ladders: dict[str, frozen.Ladder]
    ranks: dict[str, frozen.Ranks]
    pending: pa.Table  # customer_id, day: each customer's next change


def view_start(
    engine: Engine,
    src: Sources,
    features: pa.Table,
    history: PurchaseHistory,
    columns: dict[str, Any],
    scores: dict[str, Any],
    *,
    facts: RunFacts,
    rules: Iterable[Rule],
    settings: Settings,
    day: int,
) -> ViewStart:
    """The run's frozen population (ladders, ranks) and every customer's next change."""
    named = columns | {"customer_id": features["customer_id"].to_numpy(zero_copy_only=False)}
    ladders, ranks = frozen.recorded(named, scores, settings=settings)
    pending = next_changes(
        engine,
        src,
        features,
        history,
        labels=scores,
        components=ranks,
        facts=facts,
        rules=rules,
        settings=settings,
        day=day,
    )
    return ViewStart(ladders, ranks, pending)


def start_view(engine: Store, view: ViewStart | None, *, run_id: int, before: int | None) -> None:
    """Record what the run froze and its pending days; log the changes from the old view.

    Without a `view` (a run on a lake's tables) the run becomes current with no live view
    after it: the old view's overlays go, and the changes from it are logged all the same.
    """
    live.drop_overlays(engine, keep=run_id)
    if before is not None:
        live.log_run_changes(engine, before=before, after=run_id)
    if view is None:
        return
    stored_frozen.write_frozen(
        engine,
        run_id,
        ladders={
            k: ([str(x) for x in v.labels], v.values, list(v.ids)) for k, v in view.ladders.items()
        },
        ranks={k: (v.values, v.below, v.equal) for k, v in view.ranks.items()},
    )
    live.set_next(engine, run_id, view.pending)
