"""The append-only audit log: every import, merge and change, who did it and when."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from segmint.store.engine import Store


def record(
    engine: Store,
    action: str,
    *,
    target: str,
    actor: str,
    details: Mapping[str, object],
) -> None:
    """Append one entry; callers do this inside the transaction of the change itself.

    Its origin is the engine's (`Store.acting_from`): an API client's address, or
    none for this machine's command line and library.
    """
    engine.execute(
        "INSERT INTO audit (recorded_at, actor, action, target, details, origin) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            dt.datetime.now(dt.UTC),  # the clock, not now(): that is the transaction's start
            actor,
            action,
            target,
            json.dumps(details, ensure_ascii=False, default=str),
            engine.origin,
        ],
    )


class AuditEntry(BaseModel):
    """One audited change: when, who, what, on what, with which details, from where.

    ``origin`` is None for this machine's command line and library.
    """

    model_config = ConfigDict(frozen=True)

    recorded_at: dt.datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    origin: str | None


def entries(engine: Store, *, limit: int = 100) -> list[AuditEntry]:
    """The newest entries first."""
    rows = engine.rows(
        "SELECT recorded_at, actor, action, target, details, origin FROM audit "
        "ORDER BY recorded_at DESC LIMIT ?",
        [limit],
    )
    return [
        AuditEntry(
            recorded_at=at,
            actor=actor,
            action=action,
            target=target,
            details=json.loads(d),
            origin=origin,
        )
        for at, actor, action, target, d, origin in rows
    ]
