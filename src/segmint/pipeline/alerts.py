"""A run's alerts: what holds for the run's customers, raised once and resolved when gone.

Called only for a run that becomes the current one (a backtest, an earlier as_of, says
nothing about today), inside the run's transaction, after its memberships.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pyarrow as pa

from segmint.core.config import Settings
from segmint.segments import alerts
from segmint.store import alerts as stored
from segmint.store import memberships, snapshots
from segmint.store.duckdb import DuckDBEngine

NOW_COLUMNS = ("customer_id", "tier", "stage", "p_alive", "value_customer", "view_streak_days")


def raise_alerts(
    engine: DuckDBEngine,
    settings: Settings,
    *,
    run_id: int,
    as_of: dt.date,
    now: pa.Table,
    shortfall: pd.DataFrame | None,
) -> tuple[int, int]:
    """Sync the alerts with run `run_id`, the current run; (raised, resolved)."""
    previous = snapshots.previous_run(engine, as_of)
    before = None
    moves: list[tuple[str, str, str]] = []
    if previous is not None:
        before = snapshots.snapshot(engine, previous, columns=("customer_id", "tier")).to_pandas()
        moves = _moves(engine, settings, previous, run_id)
    found = alerts.candidates(
        now.select(list(NOW_COLUMNS)).to_pandas(),
        settings=settings,
        before=before,
        shortfall=shortfall,
        moves=moves,
    )
    return stored.sync(engine, found, by=f"run {run_id}", run_id=run_id)


def _moves(
    engine: DuckDBEngine, settings: Settings, before: int, after: int
) -> list[tuple[str, str, str]]:
    """The moves of the segments whose entries or exits the settings ask alerts for."""
    wanted: dict[str, Any] = settings.alerts.segments
    found = memberships.moves_of(engine, before, after, list(wanted))
    return [(customer, name, way) for customer, name, way in found if wanted[name] in ("both", way)]
