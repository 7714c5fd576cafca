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
from segmint.store.engine import Store
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
    engine: Store,
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


# The revenue of the next 12 months a drop in buying puts at stake (below_expectation's).
AT_STAKE = "TRY_CAST(json_extract_string(params, '$.at_stake_365d') AS DOUBLE)"


def listing(
    engine: Store,
    *,
    severities: Sequence[str] = (),
    reasons: Sequence[str] = (),
    open_only: bool = True,
    customer_id: str | None = None,
    run_id: int | None = None,
    by_stake: bool = False,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Alerts, the newest first (`by_stake`: the most money at stake first), open by default."""
    clause, params = _where(severities, reasons, open_only, customer_id, run_id)
    first = f"{AT_STAKE} DESC NULLS LAST, " if by_stake else ""
    tail = "" if limit is None else f"LIMIT {int(limit)}"
    rows = engine.rows(
        f"SELECT {', '.join(COLUMNS)} FROM alerts {clause} "
        f"ORDER BY {first}raised_at DESC, alert_id {tail}",
        params,
    )
    return [_row(row) for row in rows]


def totals(
    engine: Store,
    *,
    severities: Sequence[str] = (),
    reasons: Sequence[str] = (),
    open_only: bool = True,
    run_id: int | None = None,
) -> dict[str, Any]:
    """How many alerts `listing` would give, how many are high, with money at stake, and its sum."""
    clause, params = _where(severities, reasons, open_only, None, run_id)
    alerts, high, staked, at_stake = engine.rows(
        f"""SELECT count(*), count(*) FILTER (WHERE severity = 'high'), count({AT_STAKE}),
            coalesce(sum({AT_STAKE}), 0) FROM alerts {clause}""",
        params,
    )[0]
    return {"alerts": alerts, "high": high, "with_stake": staked, "at_stake": at_stake}


def _where(
    severities: Sequence[str],
    reasons: Sequence[str],
    open_only: bool,
    customer_id: str | None,
    run_id: int | None,
) -> tuple[str, list[Any]]:
    """The WHERE clause of a listing (values as parameters, never in the text)."""
    where: list[str] = []
    params: list[Any] = []
    if open_only:
        where.append("resolved_at IS NULL AND acknowledged_at IS NULL")
    for column, value in (("customer_id", customer_id), ("run_id", run_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    for column, values in (("severity", severities), ("reason", reasons)):
        if values:
            where.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    return (f"WHERE {' AND '.join(where)}" if where else ""), params


def _row(row: Sequence[Any]) -> dict[str, Any]:
    found = dict(zip(COLUMNS, row, strict=True))
    found["params"] = json.loads(found["params"])
    return found


def acknowledge(engine: Store, alert_id: int, *, actor: str, note: str | None) -> dict[str, Any]:
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
