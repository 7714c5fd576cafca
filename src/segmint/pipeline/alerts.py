"""Alerts of the current view: what holds for its customers, raised once, resolved when gone.

Called for a run that becomes the current one (a backtest, an earlier as_of, says nothing
about today), inside the run's transaction after its memberships, and for an update of
the live view, for the customers it touched. Downgrades and segment moves are measured
from the run before the current one, so an update raises what the next run would.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pyarrow as pa

from segmint.core.config import Settings
from segmint.segments import alerts
from segmint.store import alerts as stored
from segmint.store import live, snapshots
from segmint.store.engine import Store

NOW_COLUMNS = ("customer_id", "tier", "stage", "p_alive", "value_customer", "view_streak_days")


def raise_alerts(
    engine: Store,
    settings: Settings,
    *,
    run_id: int,
    as_of: dt.date,
    now: pa.Table,
    shortfall: pd.DataFrame | None,
    update_id: int | None = None,
    customers: pa.Table | None = None,
) -> tuple[int, int]:
    """Sync the alerts of `now`'s customers; (raised, resolved).

    `as_of` is the run's; for an update, `customers` (customer_id) are those it touched
    (the others' alerts stay as they are) and the view holds their new memberships.
    """
    previous = snapshots.previous_run(engine, as_of)
    before = None
    moves: list[tuple[str, str, str]] = []
    if previous is not None:
        tiers = snapshots.snapshot(
            engine, previous, columns=("customer_id", "tier"), customers=customers
        )
        before = tiers.to_pandas()
        moves = _moves(engine, settings, previous, run_id, customers=customers)
    found = alerts.candidates(
        now.select(list(NOW_COLUMNS)).to_pandas(),
        settings=settings,
        before=before,
        shortfall=shortfall,
        moves=moves,
    )
    by = f"run {run_id}" if update_id is None else f"update {update_id}"
    return stored.sync(
        engine, found, by=by, run_id=run_id, update_id=update_id, customers=customers
    )


def _moves(
    engine: Store,
    settings: Settings,
    before: int,
    after: int,
    *,
    customers: pa.Table | None,
) -> list[tuple[str, str, str]]:
    """The moves of the segments whose entries or exits the settings ask alerts for."""
    wanted: dict[str, Any] = settings.alerts.segments
    found = live.moves_of(engine, before, after, list(wanted), customers=customers)
    return [(customer, name, way) for customer, name, way in found if wanted[name] in ("both", way)]
