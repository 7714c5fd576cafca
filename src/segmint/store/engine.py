"""What a run needs from an engine: the canonical tables as expressions, and their rows.

Two engines implement it: `DuckDBEngine`, the workspace's own file (the default), and
`SparkEngine`, the same tables as Parquet on a Spark cluster. Features, scores and rules
are ibis expressions over `table(...)`; `store.relations.execute` runs them on either,
refusing what the engine would answer differently (`store.dialects`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
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
