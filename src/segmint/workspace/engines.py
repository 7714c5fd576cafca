"""Which engine computes a run: the workspace file, or Spark on the tables of a lake.

`engine = "spark"` in `segmint.toml` or ``segmint run --engine spark`` for one run. The
workspace file keeps the run either way; on Spark the canonical tables are read from
``[spark] tables`` and the run's snapshot and memberships go back under ``[spark] output``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from segmint.core.config import Settings
from segmint.core.errors import InputError, Location
from segmint.store.lake import Lake
from segmint.store.opening import open_lake

ENGINES = ("duckdb", "spark")


@contextmanager
def lake_for(
    settings: Settings, workspace: Path, *, engine: str | None, master: str | None
) -> Iterator[Lake | None]:
    """The Spark engine on the workspace's lake (None: the run stays in the file).

    `engine` and `master` override the settings' for one run. The session is stopped
    when the block ends, unless it was running before (a notebook's).

    Raises
    ------
    InputError
        `engine` is neither duckdb nor spark (``run.unknown_engine``), or Spark is asked
        for without ``[spark] tables`` (``run.no_spark_tables``).
    """
    kind = engine or settings.engine
    if kind not in ENGINES:
        raise InputError("run.unknown_engine", location=Location(field="engine"), got=kind)
    if kind == "duckdb":
        yield None
        return
    spark = settings.spark
    if not spark.tables:
        raise InputError("run.no_spark_tables", location=Location(field="spark.tables"))
    tables = located(spark.tables, workspace)
    output = located(spark.output, workspace) if spark.output else tables
    with open_lake(
        tables, output=output, master=master or spark.master, options=spark.options
    ) as lake:
        yield lake


def located(place: str, workspace: Path) -> str:
    """A URL as it is; a folder relative to the workspace made absolute (Spark's cwd differs)."""
    if "://" in place:
        return place
    return str((workspace / place).resolve())
