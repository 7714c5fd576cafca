"""The embedded default engine: one DuckDB file per workspace."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from segmint.core.errors import Location, NotFoundError
from segmint.store import cached
from segmint.store import holder as holders
from segmint.store.errors import mapped_errors, mapped_os_errors

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends.duckdb import Backend as IbisBackend

    from segmint.store.engine import EngineKind


_APPLY_ROWS = 1_000_000  # rows a function applied to an expression sees at a time


class DuckDBEngine:
    """A connection to a workspace database, opened and closed in one place.

    The file stays readable by any DuckDB client; only this class opens it. Opened
    `read_only`, it works on a file nobody may write (a mounted backup) and beside other
    readers; a writer records what it is doing in a holder file (`store.holder`), so a
    command that finds the file locked can name it.
    """

    def __init__(
        self,
        path: Path,
        *,
        read_only: bool = False,
        memory_limit: str = "1GB",
        command: str = "python",
    ) -> None:
        self.path = path
        self.read_only = read_only
        self._memory_limit = memory_limit
        self._ibis: IbisBackend | None = None
        self._holder: holders.Holder | None = None
        self.origin: str | None = None  # where the changes come from (`acting_from`)
        if read_only and not path.is_file():  # DuckDB would say only "does not exist"
            raise NotFoundError(
                "store.no_database", location=Location(file=path.name), database=path.name
            )
        with self.mapped():
            # Bounded memory: big imports and runs spill to a folder beside the database.
            # The values travel in the connect call, not as bound parameters: binding a
            # Python value makes DuckDB import pandas, a second of start-up per command.
            spill: dict[str, str | bool | int | float | list[str]] = {
                "memory_limit": memory_limit,
                "temp_directory": str(path.with_suffix(".tmp")),
            }
            self._con = duckdb.connect(str(path), read_only=read_only, config=spill)
            # DuckDB draws its own progress bar on stderr for long queries; ours is the CLI's.
            self._con.execute("SET enable_progress_bar = false")
            # Row order in a table means nothing here; not keeping it lets inserts run in
            # parallel inside a transaction (measured: 10M rows 11 s -> 6 s).
            self._con.execute("SET preserve_insertion_order = false")
        if not read_only:  # only now: the lock is ours, so the record cannot be another's
            try:
                with mapped_os_errors(path):
                    self._holder = holders.start(path, command=command)
            except BaseException:
                self._con.close()
                raise

    def cursor(self) -> DuckDBEngine:
        """Another connection to the same database, for one thread at a time.

        Connections of one process work side by side: each sees the others' committed
        transactions only, so a reader on one never sees half of a change on another.
        Closing it leaves this one open.
        """
        twin = copy.copy(self)
        with self.mapped():
            twin._con = self._con.cursor()
            twin._con.execute("SET enable_progress_bar = false")
        twin._ibis, twin._holder, twin.origin = None, None, None
        return twin

    @contextmanager
    def mapped(self) -> Iterator[None]:
        """DuckDB errors raised in the block become segmint errors about this database."""
        with mapped_errors(self.path, memory_limit=self._memory_limit):
            yield

    def report(self, progress: str) -> None:
        """Record how far the writing command has got, for a command that finds it busy."""
        if self._holder is None or self._holder.progress == progress:
            return
        self._holder = dataclasses.replace(self._holder, progress=progress)
        with mapped_os_errors(self.path):
            holders.write(self.path, self._holder)

    def serving(self, address: str, *, token: str) -> None:
        """Record that this process serves the workspace at `address`, and its local key.

        A reading command that finds the file held asks the server instead, with `token`.
        """
        if self._holder is None:
            return
        self._holder = dataclasses.replace(
            self._holder, progress=f"serving {address}", address=address, token=token
        )
        with mapped_os_errors(self.path):
            holders.write(self.path, self._holder)

    def ibis(self) -> IbisBackend:
        """The expression layer on this same connection (made once, on first use)."""
        if self._ibis is None:
            import ibis  # imported on first use: commands that never build an expression skip it

            with self.mapped():
                self._ibis = ibis.duckdb.from_connection(self._con)
        return self._ibis

    @property
    def kind(self) -> EngineKind:
        """The engine's dialect: ``"duckdb"``."""
        return "duckdb"

    def table(self, name: str) -> ir.Table:
        """A table of the database (or a temporary one of this connection) as an expression."""
        with self.mapped():
            return self.ibis().table(name)

    def to_arrow(self, expression: ir.Table) -> pa.Table:
        """The rows of an expression on this connection."""
        with self.mapped():
            return self.ibis().to_pyarrow(expression)

    def batches(self, expression: ir.Table, *, rows: int) -> Iterator[pa.Table]:
        """The rows of an expression, `rows` at a time, streamed: memory holds one chunk."""
        with self.mapped():
            reader = self.ibis().to_pyarrow_batches(expression, chunk_size=rows)
        with self.mapped(), reader:
            for batch in reader:
                yield pa.Table.from_batches([batch])

    def load(self, rows: pa.Table) -> ir.Table:
        """Rows held by this process, as an expression (read in place, not copied)."""
        import ibis

        return ibis.memtable(rows)

    def kept(self, expression: ir.Table) -> ir.Table:
        """`expression` computed once and kept (`Engine.kept`): a temporary table."""
        with self.mapped():
            return cached.kept(self.ibis(), expression)

    def apply(
        self,
        expression: ir.Table,
        function: Callable[[pa.RecordBatch], pa.RecordBatch],
        *,
        schema: pa.Schema,
    ) -> ir.Table:
        """`function` over the rows of `expression`, a batch at a time, in this process."""
        import ibis

        done = [
            function(batch)
            for chunk in self.batches(expression, rows=_APPLY_ROWS)
            for batch in chunk.to_batches()
        ]
        return ibis.memtable(pa.Table.from_batches(done, schema=schema))

    def close(self) -> None:
        """Close the connection; uncommitted work is rolled back."""
        holder, self._holder = self._holder, None
        try:
            if holder is not None:
                with mapped_os_errors(self.path):
                    holders.remove(self.path, pid=holder.pid)
        finally:
            cached.release(self._ibis, drop=False)  # temporary: they go with the connection
            with self.mapped():  # closing writes the last changes into the file
                self._con.close()

    def __enter__(self) -> DuckDBEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def acting_from(self, origin: str) -> Iterator[None]:
        """Changes made in the block are audited as coming from `origin` (a client's address).

        The API's requests take turns on the connection, so the block is one request's.
        """
        before, self.origin = self.origin, origin
        try:
            yield
        finally:
            self.origin = before

    @contextmanager
    def transaction(self, *, checkpoint: bool = False) -> Iterator[None]:
        """All or nothing: commit when the block ends, roll back when it raises.

        `checkpoint`: commit by writing the database file itself instead of its log. A
        process killed while DuckDB 1.5 writes a large transaction's log leaves a torn
        log, and the next open replays it up to its last whole entry: part of the
        transaction would come back. A commit that checkpoints replaces the file's
        header in one write, so it is on disk whole or not at all. (DuckDB falls back
        to the log when another transaction of the database is open.)
        """
        previous = None
        with self.mapped():
            if checkpoint:
                previous = self._con.execute(
                    "SELECT current_setting('checkpoint_threshold')"
                ).fetchall()[0][0]
                self._con.execute("SET checkpoint_threshold = '0KB'")
            self._con.execute("BEGIN TRANSACTION")
        try:
            try:
                yield
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            with self.mapped():
                self._con.execute("COMMIT")
        finally:
            if previous is not None:
                self._con.execute("SET checkpoint_threshold = ?", [previous])

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        """Run a statement; values always travel as bound parameters."""
        with self.mapped():
            self._con.execute(sql, params)

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a query and return its rows as tuples."""
        with self.mapped():
            return self._con.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """The first column of the first row (None when there is no row)."""
        found = self.rows(sql, params)
        return found[0][0] if found else None

    def arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Run a query and return an Arrow table."""
        with self.mapped():
            return self._con.execute(sql, params).to_arrow_table()

    def records(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Run a query and return its rows as dicts by column name."""
        return self.arrow(sql, params).to_pylist()  # type: ignore[no-any-return]

    @contextmanager
    def registered(self, name: str, data: pa.Table) -> Iterator[None]:
        """`data` readable as table `name` by the statements of the block."""
        with self.mapped():
            self._con.register(name, data)
        try:
            yield
        finally:
            self._con.unregister(name)

    @contextmanager
    def keeping_order(self) -> Iterator[None]:
        """Inserts in the block store their rows in their ORDER BY order.

        The connection otherwise lets DuckDB insert in parallel, in any order (faster for
        big imports); rows sorted by customer let a lookup skip the blocks of others.
        """
        self.execute("SET preserve_insertion_order = true")
        try:
            yield
        finally:
            self.execute("SET preserve_insertion_order = false")

    def append(
        self,
        table: str,
        data: pa.Table | pa.RecordBatch | pa.RecordBatchReader,
        *,
        order_by: Sequence[str] = (),
    ) -> None:
        """Append Arrow data to `table`, matching columns by name, stored in `order_by` order.

        A `RecordBatchReader` streams: one statement consumes every batch it yields. Rows
        stored in the order they are looked up by let DuckDB skip the blocks of rows whose
        min/max cannot match.
        """
        view = f"_append_{table}"
        order = f" ORDER BY {', '.join(order_by)}" if order_by else ""
        with self.mapped(), self.keeping_order() if order_by else contextlib.nullcontext():
            self._con.register(view, data)
            try:
                columns = ", ".join(f'"{c}"' for c in data.schema.names)
                self._con.execute(
                    f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "{view}"{order}'
                )
            finally:
                self._con.unregister(view)
