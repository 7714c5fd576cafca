"""DuckDB's exceptions mapped to segmint errors, in this one place.

Every statement a connection runs — ours, and those ibis runs for an expression — goes
through `mapped_errors`, so no DuckDB exception reaches a user: a locked file becomes
`store.busy` naming what holds it, a damaged file `store.corrupt`, a query that runs
out of memory `store.out_of_memory` with the setting that bounds it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from segmint.core.errors import EngineError, Location, WorkspaceBusyError
from segmint.store import holder as holders

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")
# What DuckDB says when the file is not a whole database (truncated, overwritten, not one).
_DAMAGED = (
    "not a valid DuckDB database",
    "Could not read enough bytes",
    "checksum",
    "Corrupt",
    "corrupt",
)


@contextmanager
def mapped_errors(database: Path, *, memory_limit: str | None = None) -> Iterator[None]:
    """Turn a DuckDB exception raised inside the block into a `SegmintError`."""
    try:
        yield
    except duckdb.Error as exc:
        raise _mapped(exc, database, memory_limit=memory_limit) from exc


@contextmanager
def mapped_os_errors(database: Path) -> Iterator[None]:
    """Turn an `OSError` on a file beside the database (its holder record) into `store.io`."""
    try:
        yield
    except OSError as exc:
        raise EngineError(
            "store.io",
            location=Location(file=database.name),
            database=database.name,
            reason=exc.strerror or str(exc),
        ) from exc


def _mapped(exc: duckdb.Error, database: Path, *, memory_limit: str | None) -> EngineError:
    reason = _first_line(str(exc)).replace(str(database.absolute()), database.name)
    reason = reason.replace(str(database), database.name)
    where = Location(file=database.name)
    lock = _LOCK_HOLDER.search(str(exc))
    if lock is not None:
        return _busy(database, pid=int(lock["pid"]), program=lock["program"])
    if any(sign in str(exc) for sign in _DAMAGED):
        return EngineError("store.corrupt", location=where, database=database.name, reason=reason)
    if "read-only mode" in str(exc):  # a write through a connection opened to read
        return EngineError("store.read_only", location=where)
    if isinstance(exc, duckdb.OutOfMemoryException):
        return EngineError("store.out_of_memory", location=where, limit=memory_limit)
    if isinstance(exc, duckdb.IOException):
        return EngineError("store.io", location=where, database=database.name, reason=reason)
    return EngineError("store.engine", location=where, reason=reason)


def _busy(database: Path, *, pid: int, program: str) -> WorkspaceBusyError:
    where = Location(file=database.name)
    found = holders.read(database)
    if found is None or found.pid != pid:  # a DuckDB client of its own, or an older segmint
        program = program.rsplit("/", 1)[-1]
        return WorkspaceBusyError(
            "store.busy_other", location=where, database=database.name, program=program, pid=pid
        )
    since = dt.datetime.fromisoformat(found.since).strftime("%Y-%m-%d %H:%M:%S UTC")
    if found.address is not None:  # a server: it stays, so waiting is no advice
        return WorkspaceBusyError(
            "store.served", location=where, address=found.address, pid=pid, since=since
        )
    return WorkspaceBusyError(
        "store.busy",
        location=where,
        database=database.name,
        command=found.command,
        pid=pid,
        since=since,
        progress=found.progress,
    )


def _first_line(text: str) -> str:
    """DuckDB's message without its advice paragraphs (ours are in the hint).

    The caller also swaps the database's full path for its name: a message names files as
    the user knows them, never a path of the machine it runs on.
    """
    return text.strip().splitlines()[0] if text.strip() else text
