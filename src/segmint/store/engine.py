"""What a run needs from an engine, and what the workspace's own database adds: `Store`.

`Engine`: the canonical tables as expressions, and their rows. Two engines implement it:
`DuckDBEngine`, the workspace's own file (the default), and `SparkEngine`, the same tables
as Parquet on a Spark cluster. Features, scores and rules are ibis expressions over
`table(...)`; `store.relations.execute` runs them on either, refusing what the engine
would answer differently (`store.dialects`).

`Store`: the workspace's database, an `Engine` that also keeps the runs, memberships,
alerts and the live view. `DuckDBEngine` is the one; the layers above `store/` name this
protocol only, and `store.opening` opens the engines, so none of them imports one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Literal, Protocol, Self

if TYPE_CHECKING:
    from pathlib import Path

    import ibis.expr.types as ir
    import pyarrow as pa
    from ibis.backends import BaseBackend

EngineKind = Literal["duckdb", "spark"]


class Engine(Protocol):
    """Where the canonical tables are, and what runs expressions over them."""

    @property
    def kind(self) -> EngineKind:
        """Which engine: its dialect in `store.dialects.DIALECTS`."""
        ...

    def ibis(self) -> BaseBackend:
        """The expression layer's connection to the engine."""
        ...

    def table(self, name: str) -> ir.Table:
        """A table (canonical, or the workspace's own) as an expression."""
        ...

    def mapped(self) -> AbstractContextManager[None]:
        """The engine's exceptions raised in the block become segmint errors."""
        ...

    def to_arrow(self, expression: ir.Table) -> pa.Table:
        """The rows of `expression`, typed as its schema says."""
        ...

    def batches(self, expression: ir.Table, *, rows: int) -> Iterator[pa.Table]:
        """The rows of `expression`, at most `rows` at a time."""
        ...

    def load(self, rows: pa.Table) -> ir.Table:
        """Rows held by this process, as an expression on the engine (a run's snapshot)."""
        ...

    def kept(self, expression: ir.Table) -> ir.Table:
        """`expression` computed once and kept by the engine for the queries that follow.

        Let go of when the returned expression is (ibis's ``Table.cache``, on this engine
        even for rows this process handed it).
        """
        ...

    def apply(
        self,
        expression: ir.Table,
        function: Callable[[pa.RecordBatch], pa.RecordBatch],
        *,
        schema: pa.Schema,
    ) -> ir.Table:
        """`function` over the rows of `expression`, a batch at a time, where they are.

        A pure function of one batch (picklable: Spark ships it to its workers), giving
        a batch of `schema`. The result is an expression to go on with.
        """
        ...


class Store(Engine, Protocol):
    """The workspace's own database: an `Engine` that also keeps the runs and their results.

    Its methods that take SQL text are for `store/` alone: above it, a question to the
    database is a named function of a `store` module.
    """

    @property
    def path(self) -> Path:
        """The database file."""
        ...

    @property
    def origin(self) -> str | None:
        """Where the changes come from (`acting_from`), as the audit log records them."""
        ...

    def cursor(self) -> Self:
        """Another connection to the same database, for one thread at a time."""
        ...

    def close(self) -> None:
        """Close the connection; uncommitted work is rolled back."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    def transaction(self, *, checkpoint: bool = False) -> AbstractContextManager[None]:
        """All or nothing: commit when the block ends, roll back when it raises.

        `checkpoint`: commit by writing the file itself, so a killed process keeps all
        of a large transaction or none of it.
        """
        ...

    def acting_from(self, origin: str) -> AbstractContextManager[None]:
        """Changes made in the block are audited as coming from `origin`."""
        ...

    def report(self, progress: str) -> None:
        """Record how far the writing command has got, for a command that finds it busy."""
        ...

    def serving(self, address: str, *, token: str) -> None:
        """Record that this process serves the workspace at `address`, with its local key."""
        ...

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        """Run a statement; values travel as bound parameters."""
        ...

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """A query's rows as tuples."""
        ...

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """The first column of a query's first row (None when there is no row)."""
        ...

    def arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        """A query's rows as an Arrow table."""
        ...

    def records(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """A query's rows as dicts by column name."""
        ...

    def registered(self, name: str, data: pa.Table) -> AbstractContextManager[None]:
        """`data` readable as table `name` by the statements of the block."""
        ...

    def keeping_order(self) -> AbstractContextManager[None]:
        """Inserts in the block store their rows in their ORDER BY order."""
        ...

    def append(
        self,
        table: str,
        data: pa.Table | pa.RecordBatch | pa.RecordBatchReader,
        *,
        order_by: Sequence[str] = (),
    ) -> None:
        """Append Arrow data to `table`, matching columns by name, stored in `order_by` order."""
        ...
