"""What differs between the engines, as data, the way ibis's compilers keep theirs.

ibis compiles one expression for DuckDB and for Spark SQL; what it cannot say the same
way on both is here, in one table: the name of a function, and the operations an engine
would compile but answer differently. Such an operation is refused with an
`EngineError` naming the engine and the operation before anything runs — never a
different answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir

from segmint.core.errors import EngineError, Location


@ibis.udf.scalar.builtin(name="epoch_us")  # type: ignore[untyped-decorator]
def _duckdb_epoch_us(at: dt.datetime) -> int:  # type: ignore[empty-body]
    """Microseconds since 1970-01-01 UTC (DuckDB)."""


@ibis.udf.scalar.builtin(name="unix_micros")  # type: ignore[untyped-decorator]
def _spark_epoch_us(at: dt.datetime) -> int:  # type: ignore[empty-body]
    """Microseconds since 1970-01-01 UTC (Spark SQL)."""


@dataclass(frozen=True)
class Dialect:
    """One engine's differences.

    ``name`` is the engine as messages name it. ``epoch_us`` is a UTC instant as
    microseconds since 1970, the integer every local day is computed from.
    ``refused``: operations the engine runs with another meaning, each with why.
    """

    name: str
    epoch_us: Callable[[ir.TimestampValue], ir.IntegerValue]
    refused: Mapping[type[ops.Node], str]


DIALECTS: dict[str, Dialect] = {
    "duckdb": Dialect("DuckDB", _duckdb_epoch_us, {}),
    "spark": Dialect(
        "Spark",
        _spark_epoch_us,
        {
            # Both pick any of the tied values; a snapshot must not depend on which.
            ops.Mode: "the most frequent value is chosen arbitrarily among ties",
            ops.ArgMax: "the row of the largest value is chosen arbitrarily among ties",
            ops.ArgMin: "the row of the smallest value is chosen arbitrarily among ties",
            ops.First: "the first value depends on the order rows arrive in",
            ops.Last: "the last value depends on the order rows arrive in",
            # Approximations differ by algorithm: an answer must be the same on both.
            ops.ApproxMedian: "approximations differ between engines",
            ops.ApproxCountDistinct: "approximations differ between engines",
        },
    ),
}


def check(dialect: Dialect, expression: ir.Expr) -> None:
    """Refuse an expression that holds an operation `dialect` would answer differently."""
    if not dialect.refused:  # nothing to look for: no walk of the expression's graph
        return
    found = expression.op().find(tuple(dialect.refused))
    if found:
        kind = type(found[0])
        raise EngineError(
            "store.unsupported",
            location=Location(field=kind.__name__),
            engine=dialect.name,
            operation=kind.__name__,
            reason=dialect.refused[kind],
        )
