"""DuckDB's exceptions mapped to segmint errors, in this one place."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from segmint.core.errors import EngineError, WorkspaceBusyError

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


@contextmanager
def mapped_errors(database: str) -> Iterator[None]:
    """Turn a DuckDB exception raised inside the block into an `EngineError`."""
    try:
        yield
    except duckdb.IOException as exc:
        holder = _LOCK_HOLDER.search(str(exc))
        if holder is None:
            raise EngineError(f"cannot open {database}: {exc}") from exc
        raise WorkspaceBusyError(
            f"the workspace database {database} is in use by another process "
            f"(PID {holder['pid']}, {holder['program'].rsplit('/', 1)[-1]}).",
            hint="Stop that process (or send the work through its API when it is "
            "'segmint serve'), then try again.",
        ) from exc
    except duckdb.Error as exc:
        raise EngineError(f"the database failed: {exc}") from exc
