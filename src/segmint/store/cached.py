"""Expressions an engine keeps for later queries (ibis's ``Table.cache``), let go of on close.

`kept` caches on the engine's own backend: ``Table.cache`` picks ibis's default backend
for rows handed over from memory (a memtable), not the engine's. ibis drops a kept table
when its expression is collected; after the connection has closed that drop fails where
nobody can catch it ("Exception ignored in ..."), so an engine closing its connection
lets go of them first (`release`). ibis 12 keeps them in its backend's private members:
the names used here, behind `store/`.
"""

from __future__ import annotations

from typing import Any


def kept(backend: Any, expression: Any) -> Any:
    """`expression` cached on `backend` (`Engine.kept`)."""
    return backend._cached_table(expression)


def release(backend: Any, *, drop: bool) -> None:
    """Forget every table `backend` keeps; `drop` them first if the connection stays open.

    A closing DuckDB connection or a stopping Spark session takes its kept tables with
    it; a Spark session that goes on (a notebook's, a test suite's) is given them back.
    """
    if backend is None:
        return
    entries = getattr(backend, "_cache_name_to_entry", {})
    for entry in list(entries.values()):
        if drop:
            entry.finalizer()  # drops the table and forgets it (ibis's own release)
        else:
            entry.finalizer.detach()
    entries.clear()
    getattr(backend, "_cache_op_to_entry", {}).clear()
