"""One pass over a file: each batch checked for every table it fills, the good rows staged.

A row of the file is good only when it is good for every table it feeds: a platform
export's row with a bad phone number keeps its order out too, so the quarantine holds
the whole row and importing the fixed row later fills every table at once. The table the
file is chiefly about streams into its stage; the others (line items, customers) are held
until the pass ends. Customers read from an order export are reduced to one row each:
per column, the value of the customer's latest order that has one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from segmint.core.errors import Problem
from segmint.ingest import parse
from segmint.ingest.batches import Batch, FileReader
from segmint.ingest.derive import LATEST
from segmint.ingest.plan import Plan, Target
from segmint.ingest.validate import check_batch
from segmint.store.staging import Staging

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class Loaded:
    """What the pass found besides the staged rows."""

    problems: list[Problem] = field(default_factory=list)
    raw: dict[int, dict[str, object]] = field(default_factory=dict)  # bad row -> its cells
    rows_read: int = 0


def load(
    reader: FileReader,
    plan: Plan,
    stages: Mapping[str, Staging],
    progress: Progress | None = None,
) -> Loaded:
    """Read the file once, check each batch for every target, fill the stages."""
    loaded = Loaded()
    held: dict[str, list[pa.Table]] = {t.kind: [] for t in plan.targets if t.kind != plan.kind}

    def main_rows() -> Iterator[pa.Table]:
        for batch in reader:
            for target, data in _checked(batch, plan.targets, loaded):
                if target.kind == plan.kind:
                    yield data
                else:
                    held[target.kind].append(data)
            loaded.rows_read += batch.data.num_rows
            if progress is not None:
                progress(reader.bytes_read, reader.size_bytes)

    stages[plan.kind].append(main_rows())
    loaded.problems.extend(reader.skipped)
    loaded.rows_read += len(reader.skipped)
    for kind, tables in held.items():
        target = next(t for t in plan.targets if t.kind == kind)
        rows = [_latest(tables, stages[kind])] if target.fills_only and tables else tables
        stages[kind].append(iter(rows))
    return loaded


def _checked(
    batch: Batch, targets: tuple[Target, ...], loaded: Loaded
) -> Iterator[tuple[Target, pa.Table]]:
    """Each target's good rows of `batch`; every problem and bad row is added to `loaded`."""
    outcomes, found = [], []
    for target in targets:
        rows = target.rows(batch)
        checked = check_batch(rows, target.ctx)
        found += checked.problems
        outcomes.append((target, rows, checked.data))
    loaded.problems.extend(found)
    bad = pa.array(sorted({p.location.row or 0 for p in found}), pa.int64())
    if len(bad):
        flags = pc.is_in(pa.array(batch.rows), value_set=bad)
        records = batch.data.filter(flags).to_pylist()
        for row, record in zip(batch.rows[parse.flags(flags)], records, strict=True):
            loaded.raw[int(row)] = record
    several = len(targets) > 1  # one target's own checks already left its bad rows out
    for target, rows, data in outcomes:
        good = data.filter(pc.invert(pc.is_in(data["_row"], bad))) if several and len(bad) else data
        if target.fills_only:
            good = good.append_column(LATEST, _times(rows, good, target))
        yield target, good


def _times(rows: Batch, good: pa.Table, target: Target) -> pa.Array:
    """The order time of each good row (customers of an order export: which is latest)."""
    kept = pc.is_in(pa.array(rows.rows), value_set=good["_row"].combine_chunks())
    text = rows.data.column(LATEST).filter(kept)
    return parse.parse_timestamps(text, timezone=target.ctx.timezone).values


def _latest(tables: list[pa.Table], stage: Staging) -> pa.Table:
    """One row per customer: each column from the latest order that has a value for it."""
    data = pa.concat_tables(tables).sort_by([("customer_id", "ascending"), (LATEST, "descending")])
    columns = [c for c in (*stage.columns, "_row") if c != "customer_id"]
    # "first" skips nulls and keeps the sort order when not threaded.
    grouped = data.group_by("customer_id", use_threads=False).aggregate(
        [(c, "first") for c in columns]
    )
    return pa.table(
        {"customer_id": grouped["customer_id"], **{c: grouped[f"{c}_first"] for c in columns}}
    ).select([*stage.columns, "_row"])
