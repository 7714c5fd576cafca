"""Updates between runs: a few customers recomputed with the run's population frozen.

A writer of new data (an import now, the API later) marks the customers its rows touched
in the same transaction as the rows (`store.live.mark`); `update` then recomputes them:
their features by the run's own expressions on their rows alone (copied once,
`relations.of_customers`), their scores against the current run's frozen population
(`pipeline.frozen`), every segment the run evaluated, the log of what entered and left,
their alerts and the day each may next change by herself, in one transaction.
`refresh` rolls the view forward to a later day: only the customers whose next change
has come are recomputed (cause ``roll_forward``). Data dated after the view's day first
rolls the view forward to that day, so the view has one day.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from segmint.core.config import Settings
from segmint.core.errors import Location, NotFoundError, RuleError
from segmint.core.updates import ViewUpdate
from segmint.features.customer import EPOCH, customer_features
from segmint.pipeline import alerts, frozen, needs, recommendations, run
from segmint.pipeline.customer_value import applied
from segmint.pipeline.pending import next_changes
from segmint.segments import membership
from segmint.store import facts as stored_facts
from segmint.store import frozen as stored_frozen
from segmint.store import learnt, live, snapshots
from segmint.store import webhook_messages as outbox
from segmint.store.engine import Store
from segmint.store.relations import Sources, execute, of_customers, sources


def update(
    engine: Store, settings: Settings, *, actor: str, import_id: str | None = None
) -> list[ViewUpdate]:
    """Recompute the customers new data touched (marked by the import); [] without a view.

    When the data reach past the view's day the view first rolls forward to their day.
    There is no view before the first run, nor for a run made before views were (the
    next run starts one).
    """
    run_id = snapshots.current_run(engine)
    if run_id is None or not live.started(engine, run_id):
        return []
    return _catch_up(
        engine, settings, run_id, live.view_day(engine, run_id), actor=actor, import_id=import_id
    )


def refresh(
    engine: Store, settings: Settings, *, as_of: dt.date | None = None, actor: str
) -> list[ViewUpdate]:
    """Roll the view forward to `as_of` (default: today in the workspace's time zone).

    Only the customers whose next change has come by then are recomputed, all as of that
    day; customers touched by data not yet taken in are too.

    Raises
    ------
    NotFoundError
        There is no run (``run.none_yet``), or the current run was made before live
        views were (``live.not_started``).
    """
    run_id = snapshots.current_run(engine)
    if run_id is None:
        raise NotFoundError("run.none_yet", location=Location(field="run"))
    if not live.started(engine, run_id):
        on_lake = stored_facts.read(engine, [run_id])[run_id].settings.engine == "spark"
        code = "live.lake_run" if on_lake else "live.not_started"
        raise NotFoundError(code, location=Location(field="run"), run=run_id)
    target = as_of or dt.datetime.now(dt.UTC).astimezone(_zone(settings)).date()
    return _catch_up(engine, settings, run_id, target, actor=actor, import_id=None)


def _catch_up(
    engine: Store,
    settings: Settings,
    run_id: int,
    target: dt.date,
    *,
    actor: str,
    import_id: str | None,
) -> list[ViewUpdate]:
    """Bring the view to `target` (never before its day or its data's newest day)."""
    newest = _newest_day(engine, settings)
    start = live.view_day(engine, run_id)
    day = max(target, start, newest or target)
    done = []
    moved = live.due(engine, run_id, day, marked=False)
    moved = sorted({*moved, *_signed_up(engine, settings, start, day)})
    if moved or day > start:
        done.append(
            _apply(
                engine,
                settings,
                moved,
                run_id=run_id,
                day=day,
                cause="roll_forward",
                actor=actor,
                import_id=None,
            )
        )
    touched = live.due(engine, run_id, day, marked=True)
    if touched:
        done.append(
            _apply(
                engine,
                settings,
                touched,
                run_id=run_id,
                day=day,
                cause="update",
                actor=actor,
                import_id=import_id,
            )
        )
    return done


@dataclass(frozen=True)
class Recomputed:
    """A few customers' view as of a day: rows, memberships, next changes, shortfall."""

    rows: pa.Table  # the snapshot's columns but run_id
    members: pa.Table  # segment_id, customer_id
    pending: pa.Table  # customer_id, day
    shortfall: pd.DataFrame | None
    settings: Settings  # the run's
    run_as_of: dt.date


def recompute(
    engine: Store,
    settings: Settings,
    *,
    run_id: int,
    day: dt.date,
    ids: Sequence[str] | None = None,
) -> Recomputed:
    """The view of customers `ids` (everyone when None) as of `day`, writing nothing.

    Their features by the run's own expressions on their rows alone, their scores with
    the run's population frozen, every segment the run evaluated.
    """
    if ids is None:
        return _recompute(
            engine, settings, sources(engine, timezone=settings.timezone), run_id=run_id, day=day
        )
    with of_customers(engine, ids) as tables:
        few = sources(engine, timezone=settings.timezone, tables=tables)
        return _recompute(engine, settings, few, run_id=run_id, day=day)


def _recompute(
    engine: Store, settings: Settings, few: Sources, *, run_id: int, day: dt.date
) -> Recomputed:
    held = _frozen(engine, run_id)
    rs = frozen.run_settings(settings, held.facts)
    n = (day - EPOCH).days
    features = execute(engine, customer_features(few, n).order_by("customer_id"))
    history = run.history_of(engine, few, features, day=n, holdout=rs.clv.holdout_days)
    value = applied(history, held.facts.clv, as_of=n, discount_rate=rs.clv.discount_rate)
    who = np.asarray(features["customer_id"].to_numpy(zero_copy_only=False), dtype=object)
    run_as_of = EPOCH + dt.timedelta(days=held.day)
    columns = run.model_columns(features)
    scores = frozen.score(
        columns,
        who,
        frozen=held,
        settings=rs,
        day=n,
        p_alive=value.p_alive,
        previous_stage=run.previous_stages(engine, features, run_as_of),
    ) | {
        "p_alive": value.p_alive,
        "expected_orders_90d": value.expected_orders_90d,
        "clv_12m": value.clv_12m,
    }
    kept = needs.Held(
        profiles=held.facts.profiles,
        learnt=recommendations.from_tables(
            learnt.products(engine, run_id), learnt.neighbours(engine, run_id)
        ),
    )
    scores |= needs.needs(
        engine, few, features, columns, scores["tier"], settings=rs, day=n, held=kept
    ).columns
    rows = run.snapshot_rows(features, scores)
    versions = live.run_plan(engine, run_id)
    plan = _segments(engine, settings, versions)
    return Recomputed(
        rows=rows,
        members=_members(
            engine, settings, run_id, rows, few, day=day, versions=versions, plan=plan
        ),
        pending=next_changes(
            engine,
            few,
            features,
            history,
            labels=scores,
            components=held.ranks,
            facts=held.facts,
            rules=plan.values(),
            settings=rs,
            day=n,
        ),
        shortfall=run.shortfall_of(engine, rs, few, features, scores, value, history, as_of=day),
        settings=rs,
        run_as_of=run_as_of,
    )


def _apply(
    engine: Store,
    settings: Settings,
    ids: Sequence[str],
    *,
    run_id: int,
    day: dt.date,
    cause: str,
    actor: str,
    import_id: str | None,
) -> ViewUpdate:
    """Recompute `ids` as of `day` and write them into the view, in one transaction."""
    clock = time.perf_counter()
    done = recompute(engine, settings, run_id=run_id, day=day, ids=ids) if ids else None
    update_id = live.next_update_id(engine)
    touched = pa.table({"customer_id": pa.array(list(ids), pa.string())})
    counts = (len(ids), 0, 0, 0, 0)
    with engine.transaction():
        if done is not None:
            entered, left = live.change_members(
                engine,
                run_id=run_id,
                update_id=update_id,
                cause=cause,
                members=done.members,
                customers=touched,
            )
            live.write_rows(engine, run_id, update_id, done.rows, customers=touched)
            live.set_next(engine, run_id, done.pending, customers=touched)
            raised, resolved = alerts.raise_alerts(
                engine,
                done.settings,
                run_id=run_id,
                as_of=done.run_as_of,
                now=done.rows,
                shortfall=done.shortfall,
                update_id=update_id,
                customers=touched,
            )
            counts = (len(ids), entered, left, raised, resolved)
            outbox.enqueue_changes(
                engine, run_id=run_id, update_id=update_id, now=dt.datetime.now(dt.UTC)
            )
        live.record_update(
            engine, _record(update_id, run_id, cause, day, actor, import_id, *counts[:3])
        )
    return _result(update_id, run_id, cause, day, counts, clock)


def _newest_day(engine: Store, settings: Settings) -> dt.date | None:
    """The local day of the newest order, event or ticket (None when there is none)."""
    found = live.newest_data(engine)
    return None if found is None else found.astimezone(_zone(settings)).date()


def _signed_up(engine: Store, settings: Settings, start: dt.date, end: dt.date) -> list[str]:
    """Customers whose local sign-up day falls in (start, end]: the view gains them then."""
    zone = _zone(settings)

    def instant(day: dt.date) -> dt.datetime:  # the first moment after `day`, local
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)

    return live.signed_up(engine, instant(start), instant(end))


def _zone(settings: Settings) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.timezone)


def _frozen(engine: Store, run_id: int) -> frozen.Frozen:
    """What run `run_id` froze for the updates after it."""
    facts = stored_facts.read(engine, [run_id])[run_id]
    as_of = snapshots.run_as_of(engine, run_id)
    ladders, ranks = (
        stored_frozen.read_ladders(engine, run_id),
        stored_frozen.read_ranks(engine, run_id),
    )
    return frozen.from_tables(facts, (as_of - EPOCH).days, ladders=ladders, ranks=ranks)


def _segments(
    engine: Store, settings: Settings, versions: Sequence[tuple[int, str, bool, str]]
) -> dict[int, Any]:
    """The rule versions of the run's `versions` (not static) that still read, by id."""
    read = membership.reader(engine, settings)
    found = {}
    for segment_id, kind, static, text in versions:
        if kind == "rule" and not static:
            with contextlib.suppress(RuleError):  # the run skipped it, with a warning
                found[segment_id] = read(text)
    return found


def _members(
    engine: Store,
    settings: Settings,
    run_id: int,
    rows: pa.Table,
    few: Sources,
    *,
    day: dt.date,
    versions: Sequence[tuple[int, str, bool, str]],
    plan: dict[int, Any],
) -> pa.Table:
    """(segment_id, customer_id): every membership the rows' customers now have.

    `versions` are those the run evaluated (`store.live.run_plan`), `plan` its readable
    rules among them.
    """
    families = [s for s, kind, _, _ in versions if kind == "family"]
    static = [s for s, kind, is_static, _ in versions if kind == "rule" and is_static]
    parts = [
        live.family_members(engine, rows, families),
        live.static_members(engine, static, rows),
    ]
    if plan:
        view = membership.live_view(
            engine, settings, run_id=run_id, rows=rows, sources=few, as_of=day
        )
        flags = execute(engine, membership.evaluate(view, {f"s{k}": r for k, r in plan.items()}))
        ids = flags["customer_id"]
        for segment_id in plan:
            chosen = ids.filter(flags[f"s{segment_id}"])
            parts.append(
                pa.table(
                    {
                        "segment_id": pa.repeat(pa.scalar(segment_id, pa.int32()), len(chosen)),
                        "customer_id": chosen,
                    }
                )
            )
    return pa.concat_tables([p.cast(MEMBER) for p in parts])


MEMBER = pa.schema([("segment_id", pa.int32()), ("customer_id", pa.string())])


def _record(
    update_id: int,
    run_id: int,
    cause: str,
    day: dt.date,
    actor: str,
    import_id: str | None,
    customers: int,
    entered: int,
    left: int,
) -> dict[str, Any]:
    """The `updates` row of an update."""
    return {
        "update_id": update_id,
        "run_id": run_id,
        "cause": cause,
        "as_of": day,
        "updated_at": dt.datetime.now(dt.UTC),
        "actor": actor,
        "import_id": import_id,
        "customers": customers,
        "entered": entered,
        "left": left,
    }


def _result(
    update_id: int,
    run_id: int,
    cause: str,
    day: dt.date,
    counts: tuple[int, int, int, int, int],
    clock: float,
) -> ViewUpdate:
    customers, entered, left, raised, resolved = counts
    return ViewUpdate(
        update_id=update_id,
        run_id=run_id,
        cause=cause,
        as_of=day,
        customers=customers,
        entered=entered,
        left=left,
        alerts_raised=raised,
        alerts_resolved=resolved,
        seconds=time.perf_counter() - clock,
    )
