"""Opening the engines: the workspace's database file, and Spark on the tables of a lake.

The layers above `store/` open an engine here and speak the protocols of `store.engine`
to it, so none of them imports a concrete engine (DESIGN.md, "Engines behind one
protocol").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from segmint.store.duckdb import DuckDBEngine

if TYPE_CHECKING:
    from pathlib import Path

    from segmint.store.engine import Store
    from segmint.store.lake import Lake


def open_file(path: Path, *, read_only: bool, memory_limit: str, command: str) -> Store:
    """The workspace database at `path` (`DuckDBEngine`); close it when done.

    `command` is what is using it, as another process that finds the file busy is told.
    """
    return DuckDBEngine(path, read_only=read_only, memory_limit=memory_limit, command=command)


@contextmanager
def open_lake(
    tables: str, *, output: str, master: str, options: Mapping[str, str]
) -> Iterator[Lake]:
    """Spark on the canonical tables under `tables`, a run's results going under `output`.

    The session is stopped when the block ends, unless it was running before (a
    notebook's).
    """
    # imported here: opening the file alone (`segmint status`) loads neither Spark nor ibis
    from segmint.store.lake import Lake
    from segmint.store.spark import SparkEngine

    with SparkEngine(tables, master=master, options=options) as engine:
        yield Lake(engine, output)
