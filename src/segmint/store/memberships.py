"""Memberships: one long table (run, segment version, customer) for every kind of segment.

A run writes the members of the built-in families (from its snapshot's label columns,
the members of ``tier = 'A'`` being exactly the rows whose tier is 'A'), of the rule
segments (their compiled rules, evaluated in the database) and of the static segments
(their frozen lists), and records in `run_segments` which versions it evaluated and how
many members each has — an empty segment included. Entered and left are derived by
comparing two runs' members of a segment name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from segmint.core.catalog import SERVICE_NEEDS
from segmint.core.errors import Location, NotFoundError
from segmint.store.engine import Store

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

# The built-in families: snapshot columns holding one key per customer.
FAMILIES = (
    "tier",
    "stage",
    "rfm8",
    "rfm11",
    "rfm_cell",
    "value_customer",
    "cluster",
    "loyalty_level",
)
# Families of flags: a customer is in the segment of each of her flag columns that holds.
FLAG_FAMILIES = {"service": SERVICE_NEEDS}


def family_keys(rows: str) -> str:
    """(customer_id, family, key) of the snapshot-shaped rows `rows` (SQL of our own).

    The one-key families by an UNPIVOT; a flag family's segment per flag that holds.
    """
    columns = ", ".join(f'CAST("{f}" AS VARCHAR) AS "{f}"' for f in FAMILIES)
    flags = " ".join(
        f"UNION ALL SELECT customer_id, '{family}', '{flag}' FROM {rows} WHERE \"{flag}\""
        for family, names in FLAG_FAMILIES.items()
        for flag in names
    )
    return (
        f"UNPIVOT (SELECT customer_id, {columns} FROM {rows}) "
        f'ON {", ".join(FAMILIES)} INTO NAME family VALUE "key" {flags}'
    )


def write_families(engine: Store, run_id: int) -> None:
    """The members of every live family segment in run `run_id`, from its snapshot."""
    with engine.keeping_order():  # by customer, as a profile reads them
        engine.execute(
            f"""INSERT INTO memberships
            WITH _run AS (SELECT * FROM snapshots WHERE run_id = ?)
            SELECT ?, s.segment_id, k.customer_id FROM ({family_keys("_run")}) k
            JOIN segments s ON s.kind = 'family' AND s.removed_at IS NULL
                AND s.family = k.family AND s."key" = k."key"
            ORDER BY k.customer_id""",
            [run_id, run_id],
        )


def write_rules(engine: Store, run_id: int, evaluated: ir.Table, ids: Mapping[str, int]) -> None:
    """The members of rule segments: `evaluated` has customer_id and a boolean per name.

    One statement: the flags become (run, segment, customer) rows inside the database.
    """
    import ibis

    if not ids:
        return
    parts = [
        evaluated.filter(evaluated[name]).select(
            run_id=ibis.literal(run_id, "int32"),
            segment_id=ibis.literal(segment_id, "int32"),
            customer_id=evaluated.customer_id,
        )
        for name, segment_id in ids.items()
    ]
    rows = parts[0].union(*parts[1:], distinct=False) if len(parts) > 1 else parts[0]
    with engine.mapped(), engine.keeping_order():  # by customer, as a profile reads them
        engine.ibis().insert("memberships", rows.order_by("customer_id"))


def write_static(engine: Store, run_id: int, segment_id: int) -> None:
    """A static segment's members in a run: its frozen list, of the customers the run has."""
    engine.execute(
        """INSERT INTO memberships
        SELECT ?, ?, f.customer_id FROM static_members f
        JOIN snapshots s ON s.customer_id = f.customer_id AND s.run_id = ?
        WHERE f.segment_id = ?""",
        [run_id, segment_id, run_id, segment_id],
    )


def record_counts(engine: Store, run_id: int, segment_ids: Sequence[int]) -> None:
    """Record that run `run_id` evaluated these versions, with their member counts."""
    if not segment_ids:
        return
    marks = ", ".join("?" * len(segment_ids))
    engine.execute(
        f"""INSERT INTO run_segments
        SELECT ?, s.segment_id, count(m.customer_id) FROM segments s
        LEFT JOIN memberships m ON m.segment_id = s.segment_id AND m.run_id = ?
        WHERE s.segment_id IN ({marks}) GROUP BY s.segment_id""",
        [run_id, run_id, *segment_ids],
    )


def family_segment_ids(engine: Store) -> list[int]:
    """The ids of the live family segments."""
    rows = engine.rows(
        "SELECT segment_id FROM segments WHERE kind = 'family' AND removed_at IS NULL"
    )
    return [int(r[0]) for r in rows]


def overlaps(engine: Store, run_id: int, chosen: pa.Table) -> list[tuple[str, str, int, int]]:
    """(name, kind, members, shared) of every segment of the run with a customer of `chosen`.

    `chosen` is a table with customer_id.
    """
    with engine.registered("_chosen", chosen.select(["customer_id"])):
        rows = engine.rows(
            """SELECT s.name, s.kind, any_value(r.members), count(*)
            FROM memberships m JOIN _chosen c USING (customer_id)
            JOIN segments s USING (segment_id)
            JOIN run_segments r ON r.run_id = m.run_id AND r.segment_id = m.segment_id
            WHERE m.run_id = ? GROUP BY s.name, s.kind ORDER BY s.name""",
            [run_id],
        )
    return [(str(n), str(k), int(m), int(c)) for n, k, m, c in rows]


def members_table(engine: Store, run_id: int, segment_id: int) -> ir.Table:
    """The members of one segment version in a run, as an expression (customer_id)."""
    table = engine.ibis().table("memberships")
    chosen = table.filter((table.run_id == run_id) & (table.segment_id == segment_id))
    return chosen.select("customer_id")


def uses(engine: Store, name: str) -> list[tuple[int, dt.date, int, int, int]]:
    """(run_id, as_of, segment_id, version, members) of every run that evaluated `name`."""
    rows = engine.rows(
        """SELECT r.run_id, runs.as_of, s.segment_id, s.version, r.members
        FROM run_segments r JOIN segments s USING (segment_id) JOIN runs USING (run_id)
        WHERE s.name = ? ORDER BY r.run_id""",
        [name],
    )
    return [(int(a), b, int(c), int(d), int(e)) for a, b, c, d, e in rows]


def version_in_run(engine: Store, name: str, run_id: int) -> int:
    """The version (segment_id) of segment `name` that run `run_id` evaluated.

    `name` is a rule segment's name or a family segment's (``tier.A``, ``stage.at_risk``).

    Raises
    ------
    NotFoundError
        The run did not evaluate a segment of that name (``segment.not_in_run``).
    """
    used = [u for u in uses(engine, name) if u[0] == run_id]
    if not used:
        raise NotFoundError(
            "segment.not_in_run", location=Location(field="segment"), name=name, run=run_id
        )
    return used[0][2]


def attach_to_run(engine: Store, run_id: int, segment_id: int, chosen: pa.Table) -> None:
    """Record `chosen` (customer_id) as run `run_id`'s members of a new segment.

    Only for a segment the run has no version of: a run keeps the versions it evaluated.
    Inside the caller's transaction.
    """
    with engine.registered("_chosen", chosen.select(["customer_id"])):
        engine.execute(
            "INSERT INTO memberships SELECT ?, ?, customer_id FROM _chosen",
            [run_id, segment_id],
        )
    record_counts(engine, run_id, [segment_id])


# Every customer who entered or left a segment (by name) between two runs; the
# parameters are the earlier and the later run's ids.
MOVED = """
    WITH named AS (
        SELECT m.run_id, m.customer_id, s.name, s.kind, s.family, s."key"
        FROM memberships m JOIN segments s USING (segment_id)),
    a AS (SELECT * FROM named WHERE run_id = ?),
    b AS (SELECT * FROM named WHERE run_id = ?)
    SELECT coalesce(b.customer_id, a.customer_id) AS customer_id,
        coalesce(b.name, a.name) AS name, coalesce(b.kind, a.kind) AS kind,
        coalesce(b.family, a.family) AS family, coalesce(b."key", a."key") AS "key",
        a.customer_id IS NULL AS entered
    FROM a FULL JOIN b ON a.name = b.name AND a.customer_id = b.customer_id
    WHERE a.customer_id IS NULL OR b.customer_id IS NULL"""
