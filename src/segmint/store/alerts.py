"""Alerts: raised once per customer, reason and subject; resolved or acknowledged, never lost.

`sync` takes what holds now (the candidates of a run or an update) and, in the caller's
transaction, raises those with no open alert, and resolves the open alerts whose
condition no longer holds. An acknowledged alert stays closed to new ones until its
condition has stopped holding (it is then resolved, and a later recurrence is new).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from segmint.core.errors import Location, NotFoundError
from segmint.store import audit
from segmint.store.duckdb import DuckDBEngine
from segmint.store.live import registered_ids

COLUMNS = (
    "alert_id",
    "customer_id",
    "reason",
    "subject",
    "severity",
    "params",
    "raised_at",
    "raised_by",
    "run_id",
    "resolved_at",
    "resolved_by",
    "acknowledged_at",
    "acknowledged_by",
    "note",
    "update_id",
)
CANDIDATE = pa.schema(
    [
        ("customer_id", pa.string()),
        ("reason", pa.string()),
        ("subject", pa.string()),
        ("severity", pa.string()),
        ("params", pa.string()),
    ]
)


def sync(
    engine: DuckDBEngine,
    candidates: pa.Table,
    *,
    by: str,
    run_id: int | None,
    update_id: int | None = None,
    customers: pa.Table | None = None,
) -> tuple[int, int]:
    """Raise the new alerts among `candidates` and resolve those that no longer hold.

    `candidates` has the columns of `CANDIDATE` (params as JSON text); `by` says what
    raised or resolved them ("run 7", "update 12"). With `customers` (customer_id) only
    their alerts are looked at: an update knows nothing new of the others.
    Returns (raised, resolved).
    """
    now = dt.datetime.now(dt.UTC)
    key = "a.customer_id = c.customer_id AND a.reason = c.reason AND a.subject = c.subject"
    open_ = f"(SELECT 1 FROM alerts a WHERE a.resolved_at IS NULL AND {key})"
    only = "" if customers is None else "AND a.customer_id IN (SELECT customer_id FROM _who)"
    with (
        engine.registered("_candidates", candidates.cast(CANDIDATE)),
        registered_ids(engine, "_who", customers),
    ):
        ((resolved,),) = engine.rows(  # DuckDB answers a change with its row count
            f"""UPDATE alerts a SET resolved_at = ?, resolved_by = ? WHERE a.resolved_at IS NULL
            {only} AND NOT EXISTS (SELECT 1 FROM _candidates c WHERE {key})""",
            [now, by],
        )
        start = int(engine.scalar("SELECT coalesce(max(alert_id), 0) FROM alerts"))
        ((raised,),) = engine.rows(
            f"""INSERT INTO alerts
            SELECT ? + row_number() OVER (ORDER BY c.customer_id, c.reason, c.subject),
                c.customer_id, c.reason, c.subject, c.severity, c.params, ?, ?, ?,
                NULL, NULL, NULL, NULL, NULL, ?
            FROM _candidates c WHERE NOT EXISTS {open_}""",
            [start, now, by, run_id, update_id],
        )
    return int(raised), int(resolved)


def listing(
    engine: DuckDBEngine,
    *,
    severities: Sequence[str] = (),
    reasons: Sequence[str] = (),
    open_only: bool = True,
    customer_id: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Alerts, the newest first: open ones (neither resolved nor acknowledged) by default."""
    where: list[str] = []
    params: list[str] = []
    if open_only:
        where.append("resolved_at IS NULL AND acknowledged_at IS NULL")
    if customer_id is not None:
        where.append("customer_id = ?")
        params.append(customer_id)
    for column, values in (("severity", severities), ("reason", reasons)):
        if values:
            where.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    tail = "" if limit is None else f"LIMIT {int(limit)}"
    rows = engine.rows(
        f"SELECT {', '.join(COLUMNS)} FROM alerts {clause} "
        f"ORDER BY raised_at DESC, alert_id {tail}",
        params,
    )
    return [_row(row) for row in rows]


def _row(row: Sequence[Any]) -> dict[str, Any]:
    found = dict(zip(COLUMNS, row, strict=True))
    found["params"] = json.loads(found["params"])
    return found


def acknowledge(
    engine: DuckDBEngine, alert_id: int, *, actor: str, note: str | None
) -> dict[str, Any]:
    """Mark alert `alert_id` acknowledged by `actor` (audited); returns it as it is now."""
    rows = engine.rows(f"SELECT {', '.join(COLUMNS)} FROM alerts WHERE alert_id = ?", [alert_id])
    if not rows:
        raise NotFoundError("alert.not_found", location=Location(field="alert_id"), alert=alert_id)
    with engine.transaction():
        engine.execute(
            "UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?, note = ? "
            "WHERE alert_id = ?",
            [dt.datetime.now(dt.UTC), actor, note, alert_id],
        )
        audit.record(
            engine,
            "alert.ack",
            target=f"alert {alert_id}",
            actor=actor,
            details={"note": note},
        )
    return _row(
        engine.rows(f"SELECT {', '.join(COLUMNS)} FROM alerts WHERE alert_id = ?", [alert_id])[0]
    )
