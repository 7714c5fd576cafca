"""A computed run kept: its record, memberships, live view, alerts and webhooks.

What every run does once its customers' rows are computed, in memory (`run`) or on a
lake (`lake_run`): record it, write its memberships, start its live view, raise its
alerts and tell the webhooks, all inside the transaction that writes its rows, so a
run is kept, told and alerted if and only if it is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from segmint.core.config import Settings
from segmint.core.facts import RunFacts, RunWarning, TierSpan
from segmint.pipeline import alerts, recommendations, segments
from segmint.pipeline.pending import start_view
from segmint.store import learnt as stored_learnt
from segmint.store import snapshots
from segmint.store import webhook_messages as outbox
from segmint.store.engine import Store


@dataclass(frozen=True)
class RunResult:
    """What a finished run reports.

    ``backtest``: the run is as of an earlier day than another run, so it is kept but the
    current run stays that one. ``facts``: the population-level numbers behind the scores.
    ``alerts_raised`` / ``alerts_resolved``: alerts the run raised and those it found over.
    """

    run_id: int
    as_of: dt.date
    customers: int
    seconds: float
    facts: RunFacts
    backtest: bool = False
    alerts_raised: int = 0
    alerts_resolved: int = 0

    @property
    def warnings(self) -> tuple[RunWarning, ...]:
        """What the run found doubtful."""
        return self.facts.warnings


def config_hash(settings: Settings) -> str:
    """A short fingerprint of the settings a run used."""
    return hashlib.sha256(settings.model_dump_json().encode()).hexdigest()[:16]


def is_current(engine: Store, as_of: dt.date) -> bool:
    """Whether a run as of `as_of` becomes the current one.

    If not, it is a backtest: a run of an earlier day than another run, kept, while the
    later-dated run stays current.
    """
    latest = snapshots.latest_as_of(engine)
    return latest is None or as_of >= latest


def run_record(
    settings: Settings, *, run_id: int, as_of: dt.date, started: dt.datetime, customers: int
) -> dict[str, Any]:
    """The runs table's row of a run about to be written, finished now."""
    return {
        "run_id": run_id,
        "as_of": as_of,
        "started_at": started,
        "finished_at": dt.datetime.now(dt.UTC),
        "config_hash": config_hash(settings),
        "customers": customers,
    }


@dataclass(frozen=True)
class Settled:
    """Whether the run becomes current, the current run before it, and its live view."""

    current: bool
    before: int | None
    view: Any  # `pending.view_start`'s, or None: no live view (a backtest, a lake's run)


def settle(
    engine: Store,
    settings: Settings,
    planned: segments.Plan,
    record: dict[str, Any],
    *,
    facts: RunFacts,
    learnt: recommendations.Learnt,
    view: Settled,
    now: pa.Table,
    shortfall: pd.DataFrame | None,
    elsewhere: segments.Elsewhere | None = None,
) -> tuple[int, int]:
    """A written run's recommender, memberships, live view, alerts and webhooks.

    Inside the run's transaction: kept, told and alerted if and only if the run is.
    `now` holds the run's customers (at least `alerts.NOW_COLUMNS`). Returns the alerts
    raised and resolved.
    """
    run_id, as_of = record["run_id"], record["as_of"]
    stored_learnt.write(engine, *recommendations.tables(learnt, run_id=run_id))
    segments.write_memberships(
        engine,
        settings,
        planned,
        run_id=run_id,
        as_of=as_of,
        clusters=[c.cluster for c in facts.profiles.clusters] if facts.profiles else (),
        elsewhere=elsewhere,
    )
    raised, resolved = 0, 0  # a backtest says nothing about today
    if view.current:
        start_view(engine, view.view, run_id=run_id, before=view.before)
        raised, resolved = alerts.raise_alerts(
            engine, settings, run_id=run_id, as_of=as_of, now=now, shortfall=shortfall
        )
        outbox.enqueue_changes(engine, run_id=run_id, update_id=None, now=record["finished_at"])
    outbox.enqueue(
        engine,
        "run.finished",
        {
            "run_id": run_id,
            "as_of": as_of.isoformat(),
            "customers": record["customers"],
            "current": view.current,
            "alerts_raised": raised,
        },
        now=record["finished_at"],
    )
    return raised, resolved


CONCENTRATED = 0.90  # a tier holding more of the buyers than this tells them apart poorly
# the one setting to try when one tier holds nearly everyone, by the method in use
_TIER_FIX = {
    "thresholds": 'method = "pareto"',
    "pareto": 'method = "rank"',
    "rank": "percent = [20, 30]",
}


def tier_warnings(spans: Sequence[TierSpan], *, settings: Settings) -> tuple[RunWarning, ...]:
    """A warning when one tier holds more than 90 % of the customers who bought.

    A span's buyers are its customers with spend in the 365 days the tiers are computed
    on (the others are in the last tier whatever the scheme).
    """
    total = sum(s.buyers for s in spans)
    if total == 0:
        return ()
    top = max(spans, key=lambda s: s.buyers)
    tier, count = top.tier, top.buyers
    if count <= CONCENTRATED * total:
        return ()
    params = {
        "tier": tier,
        "share": round(100 * count / total, 1),
        "customers": total,
        "method": settings.tiers.method,
        "fix": _TIER_FIX[settings.tiers.method],
    }
    return (RunWarning(code="run.tiers_concentrated", params=params),)
