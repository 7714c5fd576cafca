"""Segment definitions as rows: every version kept, a removal marked, never deleted.

A segment is a name with versions. Each version is one row of `segments` with its own
``segment_id``, which memberships refer to, so a run keeps pointing at the definition
it evaluated after the segment is edited. A built-in family's member (``tier.A``, rule
``tier = 'A'``) is a row of the same table with kind ``family``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from segmint.store import audit
from segmint.store.engine import Store

if TYPE_CHECKING:
    import ibis.expr.types as ir

COLUMNS = (
    "segment_id",
    "name",
    "version",
    "kind",
    "family",
    "key",
    "rule",
    "description",
    "static",
    "created_by",
    "created_at",
    "changed_by",
    "changed_at",
    "removed_by",
    "removed_at",
)
_SELECT = ", ".join(f'"{c}"' for c in COLUMNS)


def _rows(engine: Store, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    return [dict(zip(COLUMNS, row, strict=True)) for row in engine.rows(sql, list(params))]


def current(engine: Store, *, kind: str | None = None) -> list[dict[str, Any]]:
    """The latest version of every segment not removed, by kind then name."""
    where = "" if kind is None else "AND kind = ?"
    return _rows(
        engine,
        f"""SELECT {_SELECT} FROM segments s WHERE removed_at IS NULL {where}
        AND version = (SELECT max(version) FROM segments t WHERE t.name = s.name)
        ORDER BY kind DESC, family, name""",
        [] if kind is None else [kind],
    )


def versions(engine: Store, name: str) -> list[dict[str, Any]]:
    """Every version of segment `name`, oldest first (empty when there is none)."""
    return _rows(engine, f"SELECT {_SELECT} FROM segments WHERE name = ? ORDER BY version", [name])


def by_ids(engine: Store, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The versions with these segment ids."""
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    rows = _rows(engine, f"SELECT {_SELECT} FROM segments WHERE segment_id IN ({marks})", ids)
    return {r["segment_id"]: r for r in rows}


def add_version(
    engine: Store,
    *,
    name: str,
    kind: str,
    rule: str,
    actor: str,
    family: str | None = None,
    key: str | None = None,
    description: str | None = None,
    static: bool = False,
) -> int:
    """Store a new version of `name` (the first when it has none live); return its id.

    The creator and creation time carry over from the first version of a live segment;
    the changer is `actor`. Inside the caller's transaction.
    """
    live = [v for v in versions(engine, name) if v["removed_at"] is None]
    now = dt.datetime.now(dt.UTC)
    first = live[0] if live else None
    segment_id = int(engine.scalar("SELECT coalesce(max(segment_id), 0) + 1 FROM segments"))
    version = int(
        engine.scalar("SELECT coalesce(max(version), 0) + 1 FROM segments WHERE name = ?", [name])
    )
    row = {
        "segment_id": segment_id,
        "name": name,
        "version": version,
        "kind": kind,
        "family": family,
        "key": key,
        "rule": rule,
        "description": description,
        "static": static,
        "created_by": first["created_by"] if first else actor,
        "created_at": first["created_at"] if first else now,
        "changed_by": actor,
        "changed_at": now,
        "removed_by": None,
        "removed_at": None,
    }
    engine.execute(
        f"INSERT INTO segments VALUES ({', '.join('?' * len(COLUMNS))})", list(row.values())
    )
    if kind != "family":
        action = "segment.add" if version == 1 or first is None else "segment.edit"
        audit.record(
            engine, action, target=name, actor=actor, details={"version": version, "rule": rule}
        )
    return segment_id


def remove(engine: Store, name: str, *, actor: str) -> None:
    """Mark every version of `name` removed (runs that used it keep their memberships)."""
    engine.execute(
        "UPDATE segments SET removed_by = ?, removed_at = ? WHERE name = ? AND removed_at IS NULL",
        [actor, dt.datetime.now(dt.UTC), name],
    )
    audit.record(engine, "segment.remove", target=name, actor=actor, details={})


def freeze_members(engine: Store, segment_id: int, members: pa.Table) -> None:
    """Keep `members` (a table with customer_id) as a static segment's frozen list."""
    ids = members.select(["customer_id"])
    frozen = ids.add_column(
        0, "segment_id", pa.repeat(pa.scalar(segment_id, pa.int32()), ids.num_rows)
    )
    engine.append("static_members", frozen)


def frozen_members(engine: Store, segment_id: int) -> ir.Table:
    """A static segment version's frozen list as an expression (customer_id)."""
    frozen = engine.ibis().table("static_members")
    return frozen.filter(frozen.segment_id == segment_id).select("customer_id")
