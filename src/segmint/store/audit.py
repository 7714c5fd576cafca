"""The append-only audit log: every import, merge and change, who did it and when."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from segmint.store.duckdb import DuckDBEngine


def record(
    engine: DuckDBEngine, action: str, *, target: str, actor: str, details: Mapping[str, object]
) -> None:
    """Append one entry; callers do this inside the transaction of the change itself."""
    engine.execute(
        "INSERT INTO audit VALUES (?, ?, ?, ?, ?)",
        [
            dt.datetime.now(dt.UTC),  # the clock, not now(): that is the transaction's start
            actor,
            action,
            target,
            json.dumps(details, ensure_ascii=False, default=str),
        ],
    )


def entries(engine: DuckDBEngine, *, limit: int = 100) -> list[dict[str, object]]:
    """The newest entries first."""
    rows = engine.rows(
        "SELECT recorded_at, actor, action, target, details FROM audit "
        "ORDER BY recorded_at DESC LIMIT ?",
        [limit],
    )
    return [
        {
            "recorded_at": at,
            "actor": actor,
            "action": action,
            "target": target,
            "details": json.loads(d),
        }
        for at, actor, action, target, d in rows
    ]
