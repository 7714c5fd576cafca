"""The record of every import and of the rows it set aside."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence

import pyarrow as pa

from segmint.store import audit
from segmint.store.engine import Store

_COUNTS = (
    "rows_read",
    "accepted",
    "quarantined",
    "already_present",
    "updated",
    "customers_created",
    "duplicates_in_file",
)


def record_import(engine: Store, summary: Mapping[str, object], *, actor: str) -> None:
    """Record one import (inside its transaction) and audit it."""
    # Times come from the clock, not DuckDB's now(), which is the transaction's start.
    finished = dt.datetime.now(dt.UTC)
    started = finished - dt.timedelta(seconds=float(str(summary["seconds"])))
    engine.execute(
        f"""INSERT INTO imports (import_id, kind, file_name, format, encoding, started_at,
            finished_at, {", ".join(_COUNTS)})
        VALUES (?, ?, ?, ?, ?, ?, ?, {", ".join("?" * len(_COUNTS))})""",
        [
            summary["import_id"],
            summary["kind"],
            summary["file"],
            summary["format"],
            summary["encoding"],
            started,
            finished,
            *(summary[c] for c in _COUNTS),
        ],
    )
    audit.record(
        engine,
        "import",
        target=str(summary["kind"]),
        actor=actor,
        details={
            k: summary[k]
            for k in ("import_id", "file", "preset", "accepted", "updated", "quarantined", "tables")
            if k in summary
        },
    )


def record_quarantine(engine: Store, import_id: str, rows: Sequence[Mapping[str, object]]) -> None:
    """Keep the rejected rows (row, code, field, message, params, raw as JSON text)."""
    if not rows:
        return
    columns = ("row", "code", "field", "message", "params", "raw")
    data = {"import_id": [import_id] * len(rows), **{c: [r[c] for r in rows] for c in columns}}
    engine.append("quarantine", pa.table(data))


def quarantined_imports(engine: Store) -> list[str]:
    """Ids of the imports that set rows aside, oldest first."""
    rows = engine.rows("SELECT import_id FROM imports WHERE quarantined > 0 ORDER BY started_at")
    return [r[0] for r in rows]


def quarantined_rows(
    engine: Store, import_id: str
) -> list[tuple[int, str, str | None, dict[str, object], dict[str, object]]]:
    """One import's rejected rows as recorded: row, code, field, params, raw (parsed)."""
    rows = engine.rows(
        'SELECT "row", code, field, params, raw FROM quarantine WHERE import_id = ? '
        'ORDER BY "row", code',
        [import_id],
    )
    return [(r, c, f, json.loads(p or "{}"), json.loads(w or "{}")) for r, c, f, p, w in rows]


def change_summary(
    engine: Store, import_id: str, table: str
) -> list[tuple[str, str | None, str | None, int]]:
    """What one import changed in `table`: (column, before, after, rows), most rows first.

    A status is counted per move (shipped → completed); other columns per column, their
    values left out (None), so an overlapping export shows at a glance which orders moved
    on and what else was corrected.
    """
    rows = engine.rows(
        "SELECT before, after FROM changes WHERE import_id = ? AND table_name = ?",
        [import_id, table],
    )
    found: dict[tuple[str, str | None, str | None], int] = {}
    for before, after in rows:
        old, new = json.loads(before), json.loads(after)
        for column in new:
            if old.get(column) != new[column]:
                moved = (old.get(column), new[column]) if column == "status" else (None, None)
                key = (column, *moved)
                found[key] = found.get(key, 0) + 1
    return [(*key, n) for key, n in sorted(found.items(), key=lambda kv: (-kv[1], str(kv[0])))]


def changed_keys(engine: Store, import_id: str, table: str) -> set[str]:
    """The keys of the rows of `table` whose values import `import_id` changed."""
    rows = engine.rows(
        'SELECT "key" FROM changes WHERE import_id = ? AND table_name = ?', [import_id, table]
    )
    return {str(r[0]) for r in rows}
