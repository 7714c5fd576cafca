"""The live view: the current run plus the updates since, in an overlay beside its snapshot.

A run's snapshot and memberships never change. An update (new data, or days passing)
writes the rows and the memberships of the customers it touched into `live_customers`
and `live_memberships`, under the run's id; the view of a customer is her overlay row
when she has one, else her snapshot row. Every change of membership is logged in
`membership_changes` with its time and cause, each customer's next day a label or
segment may change without new data is in `next_changes`, and what a run froze for the
updates after it (value-score ranks, ladders of ranked labels) in `run_ranks` and
`run_ladders`. A new current run starts a new view: the old overlay is dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from segmint.store import snapshots
from segmint.store.engine import Store
from segmint.store.memberships import family_keys

if TYPE_CHECKING:
    import ibis.expr.types as ir

UPDATE_COLUMNS = (
    "update_id",
    "run_id",
    "cause",
    "as_of",
    "updated_at",
    "actor",
    "import_id",
    "customers",
    "entered",
    "left",
)


def view_rows(run_id: int) -> str:
    """SQL of the view's customer rows: the snapshot's columns but run_id, then update_id.

    `run_id` is an int, formatted into the text (the SQL is also an ibis relation).
    """
    run = int(run_id)
    return f"""SELECT * EXCLUDE (run_id) FROM live_customers WHERE run_id = {run}
        UNION ALL BY NAME
        SELECT * EXCLUDE (run_id), NULL::INTEGER AS update_id FROM snapshots s
        WHERE s.run_id = {run} AND s.customer_id NOT IN (
            SELECT customer_id FROM live_customers WHERE run_id = {run})"""


def view_table(engine: Store, run_id: int, customers: Sequence[str]) -> pa.Table:
    """The view's rows of `customers` (the snapshot's columns but run_id), by customer id."""
    with engine.registered("_of", pa.table({"customer_id": pa.array(customers, pa.string())})):
        return engine.arrow(
            f"""SELECT * EXCLUDE (update_id) FROM ({view_rows(run_id)})
            WHERE customer_id IN (SELECT customer_id FROM _of) ORDER BY customer_id"""
        )


def _dated(run_id: int) -> str:
    """SQL of the view's rows with ``view_as_of`` and ``updated_at`` last (run parameter).

    ``view_as_of``: the day a row is as of (its update's, else the run's);
    ``updated_at``: when it was computed.
    """
    return f"""SELECT v.* EXCLUDE (update_id), coalesce(u.as_of, r.as_of) AS view_as_of,
            coalesce(u.updated_at, r.finished_at) AS updated_at
        FROM ({view_rows(run_id)}) v LEFT JOIN updates u USING (update_id)
        JOIN runs r ON r.run_id = ?"""


def view_export(engine: Store, run_id: int) -> pa.Table:
    """Every row of the view by customer id, with ``view_as_of`` and ``updated_at`` last."""
    return engine.arrow(f"{_dated(run_id)} ORDER BY v.customer_id", [run_id])


def view_row(engine: Store, run_id: int, customer_id: str) -> dict[str, Any] | None:
    """One customer's row in the view, with ``view_as_of`` and ``updated_at`` (None if absent)."""
    rows = engine.arrow(f"{_dated(run_id)} WHERE v.customer_id = ?", [run_id, customer_id])
    found = rows.to_pylist()
    return found[0] if found else None


def view_members(run_id: int) -> tuple[str, list[Any]]:
    """SQL (and parameters) of the view's memberships: segment_id, customer_id."""
    return (
        """SELECT segment_id, customer_id FROM live_memberships WHERE run_id = ?
        UNION ALL
        SELECT m.segment_id, m.customer_id FROM memberships m WHERE m.run_id = ?
            AND NOT EXISTS (SELECT 1 FROM live_customers l
                WHERE l.run_id = ? AND l.customer_id = m.customer_id)""",
        [run_id, run_id, run_id],
    )


def members_of(run_id: int, who: str) -> tuple[str, list[Any]]:
    """`view_members` of the customers in table `who` (customer_id) alone, read by them."""
    return (
        f"""SELECT segment_id, customer_id FROM live_memberships WHERE run_id = ?
            AND customer_id IN (SELECT customer_id FROM {who})
        UNION ALL
        SELECT m.segment_id, m.customer_id FROM memberships m WHERE m.run_id = ?
            AND m.customer_id IN (SELECT customer_id FROM {who})
            AND m.customer_id NOT IN (SELECT customer_id FROM live_customers
                WHERE run_id = ? AND customer_id IN (SELECT customer_id FROM {who}))""",
        [run_id, run_id, run_id],
    )


def members_table(engine: Store, run_id: int, segment_id: int) -> ir.Table:
    """The members of one segment version in the view, as an expression (customer_id)."""
    run, segment = int(run_id), int(segment_id)  # ints, formatted into the text
    sql = f"""SELECT customer_id FROM live_memberships WHERE run_id = {run}
        AND segment_id = {segment}
        UNION ALL
        SELECT m.customer_id FROM memberships m
        WHERE m.run_id = {run} AND m.segment_id = {segment} AND m.customer_id NOT IN (
            SELECT customer_id FROM live_customers WHERE run_id = {run})"""
    with engine.mapped():
        return engine.ibis().sql(sql)


def rows_table(engine: Store, run_id: int) -> ir.Table:
    """The view's rows (the snapshot's columns but run_id), as an expression."""
    with engine.mapped():
        return engine.ibis().sql(f"SELECT * EXCLUDE (update_id) FROM ({view_rows(run_id)})")


def view_day(engine: Store, run_id: int) -> dt.date:
    """The day the view of run `run_id` is as of: its newest update's, else the run's."""
    found: dt.date = engine.scalar(
        """SELECT coalesce((SELECT max(as_of) FROM updates WHERE run_id = ?),
            (SELECT as_of FROM runs WHERE run_id = ?))""",
        [run_id, run_id],
    )
    return found


def newest_data(engine: Store) -> dt.datetime | None:
    """The instant of the newest order, event or ticket (None when there is none)."""
    found: dt.datetime | None = engine.scalar(
        """SELECT greatest((SELECT max(ordered_at) FROM orders),
            (SELECT max(occurred_at) FROM events), (SELECT max(opened_at) FROM tickets))"""
    )
    return found


def signed_up(engine: Store, start: dt.datetime, end: dt.datetime) -> list[str]:
    """The customers who signed up from `start` and before `end`: the view gains them."""
    rows = engine.rows(
        "SELECT customer_id FROM customers WHERE signup_at >= ? AND signup_at < ?", [start, end]
    )
    return [str(r[0]) for r in rows]


def next_update_id(engine: Store) -> int:
    """The id the next update takes."""
    return int(engine.scalar("SELECT coalesce(max(update_id), 0) + 1 FROM updates"))


def record_update(engine: Store, update: dict[str, Any]) -> None:
    """The `updates` row of an update (inside the caller's transaction)."""
    marks = ", ".join("?" * len(UPDATE_COLUMNS))
    engine.execute(f"INSERT INTO updates VALUES ({marks})", [update[c] for c in UPDATE_COLUMNS])


def write_rows(
    engine: Store, run_id: int, update_id: int, rows: pa.Table, *, customers: pa.Table
) -> None:
    """Replace the overlay rows of `customers` (customer_id) by `rows` (snapshot columns)."""
    n = rows.num_rows
    table = rows.add_column(0, "run_id", pa.repeat(pa.scalar(run_id, pa.int32()), n))
    table = table.add_column(0, "update_id", pa.repeat(pa.scalar(update_id, pa.int32()), n))
    with engine.registered("_who", customers.select(["customer_id"])):
        engine.execute(
            "DELETE FROM live_customers WHERE run_id = ? "
            "AND customer_id IN (SELECT customer_id FROM _who)",
            [run_id],
        )
    engine.append("live_customers", table)


def change_members(
    engine: Store,
    *,
    run_id: int,
    update_id: int,
    cause: str,
    members: pa.Table,
    customers: pa.Table,
) -> tuple[int, int]:
    """Set the view's memberships of `customers` to `members`; log the changes.

    `members` (segment_id, customer_id) are all the memberships the customers of
    `customers` (customer_id) now have; call before `write_rows` so that the view still
    shows their memberships before the update. Returns (entered, left).
    """
    now = dt.datetime.now(dt.UTC)
    sql, params = members_of(run_id, "_who")
    with (
        engine.registered("_who", customers.select(["customer_id"])),
        engine.registered("_new", members.select(["segment_id", "customer_id"])),
    ):
        engine.execute(f"CREATE OR REPLACE TEMP TABLE _old AS {sql}", params)
        ((entered,),) = engine.rows(
            """INSERT INTO membership_changes
                SELECT ?, ?, ?, ?, segment_id, customer_id, true
                FROM (SELECT * FROM _new EXCEPT SELECT * FROM _old)""",
            [now, cause, run_id, update_id],
        )
        ((left,),) = engine.rows(
            """INSERT INTO membership_changes
                SELECT ?, ?, ?, ?, segment_id, customer_id, false
                FROM (SELECT * FROM _old EXCEPT SELECT * FROM _new)""",
            [now, cause, run_id, update_id],
        )
        engine.execute(
            "DELETE FROM live_memberships WHERE run_id = ? "
            "AND customer_id IN (SELECT customer_id FROM _who)",
            [run_id],
        )
        engine.execute("INSERT INTO live_memberships SELECT ?, * FROM _new", [run_id])
    engine.execute("DROP TABLE _old")
    return int(entered), int(left)


def log_run_changes(engine: Store, *, before: int, after: int) -> None:
    """Log what changed from the view of run `before` to run `after`, by segment name.

    One who is in a segment of that name in both keeps her place, whatever its version.
    """
    sql, params = view_members(before)
    engine.execute(
        f"""INSERT INTO membership_changes
        WITH a AS (SELECT v.segment_id, v.customer_id, s.name FROM ({sql}) v
                JOIN segments s USING (segment_id)),
            b AS (SELECT m.segment_id, m.customer_id, s.name FROM memberships m
                JOIN segments s USING (segment_id) WHERE m.run_id = ?)
        SELECT ?, 'run', ?, NULL, coalesce(b.segment_id, a.segment_id),
            coalesce(b.customer_id, a.customer_id), a.customer_id IS NULL
        FROM a FULL JOIN b ON a.name = b.name AND a.customer_id = b.customer_id
        WHERE a.customer_id IS NULL OR b.customer_id IS NULL""",
        [*params, after, dt.datetime.now(dt.UTC), after],
    )


def drop_overlays(engine: Store, *, keep: int) -> None:
    """Forget the overlays and pending days of every run but `keep` (a new current run)."""
    for table in ("live_customers", "live_memberships", "next_changes"):
        engine.execute(f"DELETE FROM {table} WHERE run_id <> ?", [keep])


def set_next(
    engine: Store, run_id: int, days: pa.Table, *, customers: pa.Table | None = None
) -> None:
    """Replace the next-change days of `customers` (default: those of `days`) by `days`.

    `days` has customer_id and day (DATE, null for none).
    """
    who = (customers if customers is not None else days).select(["customer_id"])
    with (
        engine.registered("_next", days.select(["customer_id", "day"])),
        engine.registered("_who", who),
    ):
        engine.execute(
            "DELETE FROM next_changes WHERE run_id = ? "
            "AND customer_id IN (SELECT customer_id FROM _who)",
            [run_id],
        )
        engine.execute("INSERT INTO next_changes SELECT ?, customer_id, day FROM _next", [run_id])


def due(engine: Store, run_id: int, day: dt.date, *, marked: bool) -> list[str]:
    """The customers of the view due by `day`: those new data touched (`marked`) or others.

    The others are those whose labels or segments may change by `day` by themselves.
    """
    rows = engine.rows(
        f"""SELECT customer_id FROM next_changes WHERE run_id = ?
        AND {"day = ?" if marked else "day <= ? AND day > DATE '1970-01-01'"}
        ORDER BY customer_id""",
        [run_id, MARKED if marked else day],
    )
    return [str(r[0]) for r in rows]


def moves_of(
    engine: Store,
    before: int,
    after: int,
    names: Sequence[str],
    *,
    customers: pa.Table | None = None,
) -> list[tuple[str, str, str]]:
    """(customer_id, segment, "enter" or "leave") of segments `names`: run `before` to now.

    Now is the view of run `after`; only the customers of `customers` when given.
    """
    if not names:
        return []
    sql, params = view_members(after) if customers is None else members_of(after, "_who")
    marks = ", ".join("?" * len(names))
    only = "" if customers is None else "WHERE customer_id IN (SELECT customer_id FROM _who)"
    with registered_ids(engine, "_who", customers):
        rows = engine.rows(
            f"""WITH named AS (SELECT m.customer_id, s.name FROM ({sql}) m
                    JOIN segments s USING (segment_id) WHERE s.name IN ({marks})),
                a AS (SELECT m.customer_id, s.name FROM memberships m
                    JOIN segments s USING (segment_id)
                    WHERE m.run_id = ? AND s.name IN ({marks})),
                b AS (SELECT * FROM named {only}),
                a_ AS (SELECT * FROM a {only})
            SELECT coalesce(b.customer_id, a_.customer_id), coalesce(b.name, a_.name),
                CASE WHEN a_.customer_id IS NULL THEN 'enter' ELSE 'leave' END
            FROM a_ FULL JOIN b ON a_.name = b.name AND a_.customer_id = b.customer_id
            WHERE a_.customer_id IS NULL OR b.customer_id IS NULL ORDER BY 2, 1""",
            [*params, *names, before, *names],
        )
    return [(str(c), str(n), str(w)) for c, n, w in rows]


def registered_ids(
    engine: Store, name: str, customers: pa.Table | None
) -> AbstractContextManager[None]:
    """`customers`' customer_id registered as `name`; nothing when there are none to name."""
    if customers is None:
        return nullcontext()
    return engine.registered(name, customers.select(["customer_id"]))


def run_plan(engine: Store, run_id: int) -> list[tuple[int, str, bool, str]]:
    """(segment_id, kind, static, rule) of every version run `run_id` evaluated."""
    rows = engine.rows(
        """SELECT s.segment_id, s.kind, s.static, s.rule FROM run_segments r
        JOIN segments s USING (segment_id) WHERE r.run_id = ? ORDER BY s.segment_id""",
        [run_id],
    )
    return [(int(a), str(b), bool(c), str(d)) for a, b, c, d in rows]


def family_members(engine: Store, rows: pa.Table, segment_ids: Sequence[int]) -> pa.Table:
    """(segment_id, customer_id) of `rows` (view rows) in the family versions given."""
    if not segment_ids:
        return pa.table(
            {"segment_id": pa.array([], pa.int32()), "customer_id": pa.array([], pa.string())}
        )
    marks = ", ".join("?" * len(segment_ids))
    with engine.registered("_rows", rows):
        return engine.arrow(
            f"""SELECT s.segment_id, k.customer_id FROM ({family_keys("_rows")}) k
            JOIN segments s ON s.family = k.family AND s."key" = k."key"
            WHERE s.segment_id IN ({marks})""",
            list(segment_ids),
        )


def static_members(engine: Store, segment_ids: Sequence[int], customers: pa.Table) -> pa.Table:
    """(segment_id, customer_id) of the frozen lists of `segment_ids`, for `customers`."""
    marks = ", ".join("?" * len(segment_ids)) or "NULL"
    with engine.registered("_who", customers.select(["customer_id"])):
        return engine.arrow(
            f"""SELECT segment_id, customer_id FROM static_members
            WHERE segment_id IN ({marks}) AND customer_id IN (SELECT customer_id FROM _who)""",
            list(segment_ids),
        )


MARKED = dt.date(1970, 1, 1)  # next_changes day of a customer new data touched: due at once


def started(engine: Store, run_id: int) -> bool:
    """Whether run `run_id` started a live view (a run made before views did not).

    A run that starts one records every customer's next change (a day, or none).
    """
    found = engine.scalar(
        """SELECT (SELECT customers FROM runs WHERE run_id = ?) = 0 OR EXISTS (
            SELECT 1 FROM next_changes WHERE run_id = ? AND day IS DISTINCT FROM ?)""",
        [run_id, run_id, MARKED],
    )
    return bool(found)


def mark(engine: Store, touched: str) -> None:
    """Mark the customers of the temporary table `touched` due in the current view.

    Inside the import's transaction: the data and the mark commit together, so an update
    that never ran (a killed process) is caught up by the next update or refresh.
    """
    run_id = snapshots.current_run(engine)
    if run_id is None:
        return
    engine.execute(
        f"""DELETE FROM next_changes WHERE run_id = ?
        AND customer_id IN (SELECT customer_id FROM {touched})""",
        [run_id],
    )
    engine.execute(
        f"INSERT INTO next_changes SELECT ?, customer_id, ? FROM {touched}", [run_id, MARKED]
    )
