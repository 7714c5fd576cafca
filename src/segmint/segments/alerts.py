"""Alerts: the customers a CRM team should hear about now, each with a reason and its numbers.

Reasons, each a table row below (severity, who it concerns):

- **below_expectation**: a valued customer (one of the two top tiers, or a value
  customer) bought significantly fewer times in the last `window_days` than her own
  fitted model expected from her history before them (`models.churn`), with the money
  that is not coming in;
- **tier_downgrade**: a lower tier than in the previous run (A→B, B→C, A→C);
- **churn_risk**: a valued customer, not yet churned, whose P(alive) is below
  `churn_p_alive` or whose stage is at risk;
- **browsing**: product views on `browsing_days` days in a row, without an order;
- **segment_entered / segment_left**: a move into or out of a segment named under
  ``[alerts] segments``.

This module says which conditions hold now (`candidates`); `store.alerts.sync` raises
the new ones once and resolves those that no longer hold.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from segmint.core.config import Settings
from segmint.store.alerts import CANDIDATE

Severity = Literal["high", "medium", "low", "info"]
SEVERITIES: tuple[Severity, ...] = ("high", "medium", "low", "info")
REASONS = (
    "below_expectation",
    "tier_downgrade",
    "churn_risk",
    "browsing",
    "segment_entered",
    "segment_left",
)


def candidates(
    now: pd.DataFrame,
    *,
    settings: Settings,
    before: pd.DataFrame | None = None,
    shortfall: pd.DataFrame | None = None,
    moves: Sequence[tuple[str, str, str]] = (),
) -> pa.Table:
    """What holds now, one row per customer, reason and subject (`store.alerts.CANDIDATE`).

    `now`: the run's customers (customer_id, tier, stage, p_alive, value_customer,
    view_streak_days); `before`: the previous run's (customer_id, tier), or None;
    `shortfall`: per valued customer the `models.churn` figures (customer_id, expected,
    actual, p_value, at_stake_90d, at_stake_365d); `moves`: (customer_id, segment,
    "enter" or "leave") of the segments whose moves raise alerts.
    """
    labels = list(settings.tiers.labels)
    valued = now.tier.isin(labels[:2]) | now.value_customer.fillna(False).astype(bool)
    parts = [
        _below(now, shortfall, settings=settings, top=labels[0]),
        _downgrades(now, before, labels=labels),
        _churn_risk(now[valued], settings=settings, top=labels[0]),
        _browsing(now, settings=settings),
        _moves(moves),
    ]
    frames = [p for p in parts if len(p)]
    if not frames:
        return CANDIDATE.empty_table()
    table = pd.concat(frames, ignore_index=True)
    return pa.Table.from_pandas(table[CANDIDATE.names], schema=CANDIDATE, preserve_index=False)


def _rows(
    who: pd.Series, reason: str, severity: Any, params: list[dict[str, Any]], subject: str = ""
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": who.to_numpy(),
            "reason": reason,
            "subject": subject,
            "severity": severity,
            "params": [json.dumps(p, ensure_ascii=False, default=_plain) for p in params],
        }
    )


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else str(value)


def worth_telling(shortfall: Any, *, settings: Settings) -> Any:
    """Which customers' shortfall an alert names: enough expected, and unlikely so few.

    `shortfall` is a DataFrame (a mask comes back) or an expression on an engine (a
    condition comes back), so where the customers are they are chosen alike.
    """
    rules = settings.alerts
    return (shortfall.expected >= rules.min_expected) & (shortfall.p_value < rules.below_p)


def _below(
    now: pd.DataFrame, shortfall: pd.DataFrame | None, *, settings: Settings, top: str
) -> pd.DataFrame:
    if shortfall is None or shortfall.empty:
        return pd.DataFrame()
    rules = settings.alerts
    hit = shortfall[worth_telling(shortfall, settings=settings)]
    tiers = now.set_index("customer_id").tier.reindex(hit.customer_id)
    params = [
        {
            "expected": round(float(r.expected), 2),
            "actual": int(r.actual),
            "p_value": float(f"{r.p_value:.2g}"),
            "at_stake_90d": round(float(r.at_stake_90d), 2),
            "at_stake_365d": round(float(r.at_stake_365d), 2),
            "days": rules.window_days,
        }
        for r in hit.itertuples()
    ]
    severity = np.where(tiers.to_numpy() == top, "high", "medium")
    return _rows(hit.customer_id, "below_expectation", severity, params)


def _downgrades(
    now: pd.DataFrame, before: pd.DataFrame | None, *, labels: list[str]
) -> pd.DataFrame:
    if before is None or before.empty:
        return pd.DataFrame()
    rank = {label: i for i, label in enumerate(labels)}
    pairs = now[["customer_id", "tier"]].merge(
        before[["customer_id", "tier"]], on="customer_id", suffixes=("", "_before")
    )
    down = pairs[pairs.tier.map(rank) > pairs.tier_before.map(rank)]
    params = [{"before": r.tier_before, "after": r.tier} for r in down.itertuples()]
    severity = np.where(down.tier_before.to_numpy() == labels[0], "high", "medium")
    return _rows(down.customer_id, "tier_downgrade", severity, params)


def _churn_risk(valued: pd.DataFrame, *, settings: Settings, top: str) -> pd.DataFrame:
    threshold = settings.alerts.churn_p_alive
    # before she is gone: a churned customer is past this warning (win-back is another matter)
    alive = valued[valued.stage != "churned"]
    risky = alive[(alive.p_alive < threshold) | (alive.stage == "at_risk")]
    params = [
        {
            "p_alive": None if pd.isna(r.p_alive) else round(float(r.p_alive), 3),
            "threshold": threshold,
            "stage": r.stage,
        }
        for r in risky.itertuples()
    ]
    severity = np.where(risky.tier.to_numpy() == top, "high", "medium")
    return _rows(risky.customer_id, "churn_risk", severity, params)


def _browsing(now: pd.DataFrame, *, settings: Settings) -> pd.DataFrame:
    days = settings.alerts.browsing_days
    looking = now[now.view_streak_days >= days]
    params = [{"days": int(r.view_streak_days), "at_least": days} for r in looking.itertuples()]
    return _rows(looking.customer_id, "browsing", "low", params)


def _moves(moves: Sequence[tuple[str, str, str]]) -> pd.DataFrame:
    if not moves:
        return pd.DataFrame()
    frame = pd.DataFrame(moves, columns=["customer_id", "segment", "way"])
    parts = []
    for way, reason in (("enter", "segment_entered"), ("leave", "segment_left")):
        chosen = frame[frame.way == way]
        params = [{"segment": s} for s in chosen.segment]
        rows = _rows(chosen.customer_id, reason, "info", params)
        rows["subject"] = chosen.segment.to_numpy()
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)
