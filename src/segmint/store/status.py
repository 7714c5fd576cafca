"""What a workspace holds: table sizes, revenue, the orders' dates and the latest imports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from segmint.core.schema import NET_AMOUNT, NOT_REVENUE, TABLES
from segmint.store.engine import Store
from segmint.store.migrations import version

# Our own constants written into the SQL, not bound: binding a Python value makes DuckDB
# import pandas, which would be most of the start-up time of `segmint status`.
_NOT_REVENUE = ", ".join(f"'{s}'" for s in NOT_REVENUE)


class ImportRecord(BaseModel):
    """One finished import, as `status` lists it."""

    model_config = ConfigDict(frozen=True)

    import_id: str
    kind: str
    file: str
    finished_at: dt.datetime
    accepted: int
    updated: int
    already_present: int
    quarantined: int


class LiveStatus(BaseModel):
    """The live view of the current run: its day, the updates since the run, what is due.

    ``next_change``: the first day a customer's labels or segments may move by themselves
    (None when none will); ``waiting``: customers new data touched that no update has
    taken in yet.
    """

    model_config = ConfigDict(frozen=True)

    run_id: int
    run_as_of: dt.date
    as_of: dt.date
    updates: int
    customers_updated: int
    next_change: dt.date | None
    waiting: int


class Status(BaseModel):
    """What a workspace holds: rows per table, net revenue, the orders' span, latest imports.

    ``live`` is None before the first run.
    """

    model_config = ConfigDict(frozen=True)

    workspace: str
    schema_version: int
    live: LiveStatus | None
    tables: dict[str, int]
    net_revenue: Decimal
    orders_from: dt.datetime | None
    orders_to: dt.datetime | None
    last_imports: list[ImportRecord]


_IMPORT_FIELDS = tuple(ImportRecord.model_fields)


def status(engine: Store, *, workspace: str, imports: int = 5) -> Status:
    """The summary of the workspace database (`workspace`: its folder, as shown)."""
    counts = {t: int(engine.scalar(f'SELECT count(*) FROM "{t}"')) for t in TABLES}
    revenue, first, last = engine.rows(
        f"SELECT coalesce(sum({NET_AMOUNT}) FILTER (WHERE status NOT IN "
        f"({_NOT_REVENUE})), 0), min(ordered_at), max(ordered_at) FROM orders"
    )[0]
    latest = engine.rows(
        "SELECT import_id, kind, file_name, finished_at, accepted, updated, already_present, "
        f"quarantined FROM imports ORDER BY finished_at DESC LIMIT {int(imports)}"
    )
    return Status(
        workspace=workspace,
        schema_version=version(engine),
        live=_live(engine),
        tables=counts,
        net_revenue=Decimal(revenue).quantize(Decimal("0.01")),
        orders_from=first,
        orders_to=last,
        last_imports=[ImportRecord(**dict(zip(_IMPORT_FIELDS, r, strict=True))) for r in latest],
    )


def _live(engine: Store) -> LiveStatus | None:
    """The live view of the current run (None before a run)."""
    rows = engine.rows(
        """SELECT r.run_id, r.as_of,
            coalesce((SELECT max(u.as_of) FROM updates u WHERE u.run_id = r.run_id), r.as_of),
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
    return LiveStatus(**dict(zip(LiveStatus.model_fields, rows[0], strict=True)))
