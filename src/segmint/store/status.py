"""What a workspace holds: table sizes, revenue, the orders' dates and the latest imports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from segmint.core.schema import NET_AMOUNT, NOT_REVENUE, TABLES
from segmint.store.duckdb import DuckDBEngine
from segmint.store.migrations import version

# Our own constants written into the SQL, not bound: binding a Python value makes DuckDB
# import pandas, which would be most of the start-up time of `segmint status`.
_NOT_REVENUE = ", ".join(f"'{s}'" for s in NOT_REVENUE)


def status(engine: DuckDBEngine, *, imports: int = 5) -> dict[str, Any]:
    """A JSON-ready summary of the workspace database."""
    counts = {t: int(engine.scalar(f'SELECT count(*) FROM "{t}"')) for t in TABLES}
    revenue, first, last = engine.rows(
        f"SELECT coalesce(sum({NET_AMOUNT}) FILTER (WHERE status NOT IN "
        f"({_NOT_REVENUE})), 0), min(ordered_at), max(ordered_at) FROM orders"
    )[0]
    latest = engine.rows(
        "SELECT import_id, kind, file_name, finished_at, accepted, updated, already_present, "
        f"quarantined FROM imports ORDER BY finished_at DESC LIMIT {int(imports)}"
    )
    return {
        "schema_version": version(engine),
        "live": _live(engine),
        "tables": counts,
        "net_revenue": str(Decimal(revenue).quantize(Decimal("0.01"))),
        "orders_from": first.isoformat() if first else None,
        "orders_to": last.isoformat() if last else None,
        "last_imports": [
            dict(
                zip(
                    (
                        "import_id",
                        "kind",
                        "file",
                        "finished_at",
                        "accepted",
                        "updated",
                        "already_present",
                        "quarantined",
                    ),
                    (*r[:3], r[3].isoformat(), *r[4:]),
                    strict=True,
                )
            )
            for r in latest
        ],
    }


def _live(engine: DuckDBEngine) -> dict[str, Any] | None:
    """The live view of the current run: its day, updates, next change (None before a run).

    ``waiting``: customers new data touched that no update has taken in yet.
    """
    rows = engine.rows(
        """SELECT r.run_id, r.as_of,
            (SELECT max(u.as_of) FROM updates u WHERE u.run_id = r.run_id),
            (SELECT count(*) FROM updates u WHERE u.run_id = r.run_id),
            (SELECT count(*) FROM live_customers l WHERE l.run_id = r.run_id),
            (SELECT min(n.day) FROM next_changes n
                WHERE n.run_id = r.run_id AND n.day > DATE '1970-01-01'),
            (SELECT count(*) FROM next_changes n
                WHERE n.run_id = r.run_id AND n.day = DATE '1970-01-01')
        FROM runs r ORDER BY r.as_of DESC, r.run_id DESC LIMIT 1"""
    )
    if not rows:
        return None
    run_id, run_as_of, view_as_of, updates, updated, next_change, waiting = rows[0]
    return {
        "run_id": int(run_id),
        "run_as_of": run_as_of.isoformat(),
        "as_of": (view_as_of or run_as_of).isoformat(),
        "updates": int(updates),
        "customers_updated": int(updated),
        "next_change": next_change.isoformat() if next_change else None,
        "waiting": int(waiting),
    }
