"""The canonical tables as Parquet, one folder per table: what Spark and a lake read.

``DIR/customers/part-0.parquet``, ``DIR/orders/part-0.parquet`` and so on: the layout a
data lake keeps tables in, so `SparkEngine` reads these folders and a company's own
alike. Types are the workspace's (money DECIMAL(18, 2), times UTC microseconds), so
sums agree to the cent on every engine. Each table's folder appears whole or not at
all, and an existing one is replaced only with `force`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from segmint.core import files
from segmint.core.errors import InputError
from segmint.store.engine import Store
from segmint.store.relations import CANONICAL, stream

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from segmint.store.spark import SparkEngine

PART = "part-0.parquet"
_CHUNK = 1_000_000  # rows held in memory while a table is written
# what a run on a lake writes back to it: the first three by Spark, where they are computed
COMPUTED = ("snapshots", "snapshot_categories", "snapshot_channels")
RUN_TABLES = (*COMPUTED, "memberships")


class Lake(NamedTuple):
    """A run's canonical tables on Spark, and where its results go back as Parquet."""

    engine: SparkEngine
    output: str  # a folder or object-store URL: RUN_TABLES' folders are made under it


def write_tables(
    engine: Store,
    out: Path,
    *,
    tables: Sequence[str] = CANONICAL,
    force: bool = False,
) -> dict[str, int]:
    """Write `tables` (every canonical one) under `out` as Parquet; the rows of each.

    Raises
    ------
    InputError
        `out` is a file (``files.not_folder``), or a table's
        folder exists and `force` is not set (``files.exists``).
    """
    if out.exists() and not out.is_dir():
        raise InputError("files.not_folder", path=out)
    for table in tables:
        files.refuse_overwrite(out / table, force=force)
    with files.writing(out):
        out.mkdir(parents=True, exist_ok=True)
    written = {}
    with engine.transaction():  # every table of one state of the data
        for table in tables:
            written[table] = _write(engine, table, out)
    return written


def _write(engine: Store, table: str, out: Path) -> int:
    """One table into a folder beside its place, then put in place."""
    partial, target = out / f".{table}.partial", out / table
    rows = 0
    try:
        with files.writing(target):
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir()
            expression = engine.table(table).order_by(engine.table(table).columns[0])
            with pq.ParquetWriter(partial / PART, expression.schema().to_pyarrow()) as writer:
                for chunk in stream(engine, expression, rows=_CHUNK):
                    writer.write_table(chunk)
                    rows += chunk.num_rows
            if target.exists():
                shutil.rmtree(target)
            os.replace(partial, target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return rows


def folder(output: str, table: str, run_id: int) -> str:
    """Where run `run_id`'s rows of `table` go under `output`: ``snapshots/run_id=7``.

    One folder per run in each table's folder: the layout of a lake's partitioned table,
    which Spark and DuckDB read with the run id as a column.
    """
    return f"{output.rstrip('/')}/{table}/run_id={run_id}"


def write_computed(
    engine: Store, to: SparkEngine, rows: dict[str, ir.Table], *, output: str, run_id: int
) -> dict[str, str]:
    """Each of `rows` (`COMPUTED` tables, expressions on `to`) written by Spark's workers.

    Cast to the workspace's own column types first, so the lake holds what the
    workspace does. A folder of the same run (written, then rolled back) is replaced.
    Returns each table's folder.
    """
    written = {}
    for table, expression in rows.items():
        declared = engine.table(table).schema()
        typed = expression.select(
            **{c: expression[c].cast(declared[c]) for c in expression.columns}
        )
        written[table] = folder(output, table, run_id)
        to.write_folder(typed, written[table])
    return written


def read_run(url: str, run_id: int) -> pa.RecordBatchReader:
    """The rows of a run's folder of Parquet files with their run_id, a batch at a time.

    What a workspace loads, read by Arrow where it is (a folder, or an object store Arrow
    can reach; Spark's ``s3a://`` is Arrow's ``s3://``): no more than a batch is held
    in memory.
    """
    place = "s3://" + url.removeprefix("s3a://") if url.startswith("s3a://") else url
    found = ds.dataset(place, format="parquet")
    run = pa.scalar(run_id, pa.int32())
    schema = found.schema.insert(0, pa.field("run_id", pa.int32()))

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in found.to_batches():
            yield batch.add_column(0, "run_id", pa.repeat(run, batch.num_rows))

    return pa.RecordBatchReader.from_batches(schema, batches())


def write_memberships(engine: Store, run_id: int, *, to: SparkEngine, output: str) -> None:
    """Run `run_id`'s memberships from the workspace's file as Parquet under `output`.

    Written by Spark, beside the snapshot it wrote (`write_computed`): the memberships
    are the workspace's, rule segments' members included. A folder of the same run (one
    that was written and then rolled back) is replaced.
    """
    found = engine.arrow(
        "SELECT * EXCLUDE (run_id) FROM memberships WHERE run_id = ? ORDER BY customer_id",
        [run_id],
    )
    to.write_folder(found, folder(output, "memberships", run_id))
