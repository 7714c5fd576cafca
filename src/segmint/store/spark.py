"""The scale-out engine: the canonical tables as Parquet, read and computed by Apache Spark.

pyspark is imported here only, and only when a session is first needed: every other
command, and a workspace that never asks for Spark, starts without Java. The tables are
one folder (or object-store prefix) per canonical table under ``tables``, as
``segmint export tables`` writes them or a company's lake holds them.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from segmint.core.errors import EngineError, Location
from segmint.store import cached

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends.pyspark import Backend as IbisBackend
    from pyspark.sql import SparkSession

    from segmint.store.engine import EngineKind

# Every session is set to read and return instants in UTC, whoever made it: local days
# are computed from them (`store.relations`).
_FIXED = {"spark.sql.session.timeZone": "UTC"}
# A session made here draws no console bar (the progress bar is the CLI's) and logs
# errors only, from its first line on (setLogLevel comes after the start-up warnings).
_LOG = Path(__file__).with_name("spark-log4j2.properties")
_STARTED = {
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile={_LOG.as_uri()}",
}
_MISSING_PATH = re.compile(r"PATH_NOT_FOUND|Path does not exist")
_LOCAL = re.compile(r"local(?:\[(\d+|\*)\])?")  # local, local[4], local[*]


class SparkEngine:
    """Canonical tables under `tables`, computed by a Spark session.

    Parameters
    ----------
    tables : str
        A folder or an object-store URL (``s3a://…``, ``abfss://…``) holding one folder of
        Parquet files per canonical table.
    master : str
        Where Spark runs: ``local[2]``, ``yarn``, ``k8s://…``, ``spark://host:7077``; empty:
        where spark-submit (or a managed service) says.
    options : mapping of str to str
        Spark settings (``spark.executor.memory`` and the like) for a session made here.
    session : SparkSession, optional
        A session to use instead of making one (a notebook's, a test's); it is left
        running when the engine closes.
    """

    def __init__(
        self,
        tables: str,
        *,
        master: str = "local[*]",
        options: Mapping[str, str] | None = None,
        session: SparkSession | None = None,
    ) -> None:
        self.tables = tables.rstrip("/")
        self.master = master
        self._options = dict(options or {})
        self._session = session
        self._owned = session is None
        self._ibis: IbisBackend | None = None
        self._read: dict[str, ir.Table] = {}
        self._made = 0  # frames made here (`apply`, `load`), each a view of its own
        # the session's views are shared by every engine on it: names of this one's own
        self._views = f"segmint_{uuid.uuid4().hex[:8]}"

    @property
    def kind(self) -> EngineKind:
        """The engine's dialect: ``"spark"``."""
        return "spark"

    def session(self) -> SparkSession:
        """The Spark session, started on first use."""
        if self._session is None:
            with self.mapped():
                try:
                    from pyspark import SparkContext
                    from pyspark.sql import SparkSession
                except ImportError as exc:
                    raise EngineError("store.no_spark", location=Location(field="engine")) from exc
                if self.master.startswith("local"):
                    # local workers are Python processes the driver starts, with the Python
                    # PYSPARK_PYTHON names (read only from the environment): this one,
                    # where segmint is installed, unless the caller chose another
                    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
                # a session already running in this process (a notebook's) is taken as
                # it is, and left running when the engine closes
                self._owned = SparkContext._active_spark_context is None
                running = SparkSession.builder
                self._session = self._started(running) if self._owned else running.getOrCreate()
        for key, value in _FIXED.items():  # a session given to us is set the same way
            self._session.conf.set(key, value)
        return self._session

    def _started(self, builder: SparkSession.Builder) -> SparkSession:
        """A new session, with this engine's master and options."""
        builder = builder.appName("segmint")
        if self.master:  # else spark-submit's (or the service's) own
            builder = builder.master(self.master)
        chosen = _STARTED | _local_defaults(self.master) | self._options | _FIXED
        for key, value in chosen.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        # its errors reach the user as ours (`mapped`); its own logs would repeat them,
        # from the JVM and from pyspark's logger of failed queries
        session.sparkContext.setLogLevel("FATAL")
        logging.getLogger("SQLQueryContextLogger").disabled = True
        return session

    def ibis(self) -> IbisBackend:
        """The expression layer on the session (made once, on first use)."""
        if self._ibis is None:
            import ibis

            session = self.session()
            with self.mapped():
                self._ibis = ibis.pyspark.connect(session)
        return self._ibis

    def table(self, name: str) -> ir.Table:
        """Canonical table `name`, read from its folder of Parquet files under `tables`."""
        if name not in self._read:
            backend = self.ibis()
            path = f"{self.tables}/{name}"
            with self.mapped(table=name):
                self._read[name] = backend.read_parquet(path, table_name=f"{self._views}_{name}")
        return self._read[name]

    def to_arrow(self, expression: ir.Table) -> pa.Table:
        """The rows of an expression, collected as Arrow and typed as its schema says.

        Straight from Spark's Arrow batches: through pandas (ibis's way) an integer
        column with empty values would pass through floats.
        """
        with self.mapped():
            found = self._frame(expression).toArrow()
        return found.rename_columns(expression.columns).cast(expression.schema().to_pyarrow())

    def batches(self, expression: ir.Table, *, rows: int) -> Iterator[pa.Table]:
        """The rows of an expression, `rows` at a time (Spark hands them over whole)."""
        for batch in self.to_arrow(expression).to_batches(max_chunksize=rows):
            yield pa.Table.from_batches([batch])

    def load(self, rows: pa.Table) -> ir.Table:
        """Rows held by this process, handed to Spark as Arrow, as an expression.

        Straight from Arrow (ibis's memtables pass through pandas, where an integer
        column with empty values becomes floats).
        """
        with self.mapped():
            return self._view(self.session().createDataFrame(rows))

    def write_folder(self, rows: pa.Table | ir.Table, url: str) -> None:
        """`rows` (held here, or an expression) as a folder of Parquet files at `url`.

        Written by Spark, replacing a folder there: an expression by its workers, where
        the cluster can write (a folder, HDFS, an object store such as ``s3a://``).
        """
        with self.mapped():
            if isinstance(rows, pa.Table):
                frame = self.session().createDataFrame(rows)
            else:
                frame = self._frame(rows)
            frame.write.mode("overwrite").parquet(url)

    def folder(self, url: str) -> ir.Table:
        """A folder of Parquet files (one `write_folder` wrote) as an expression."""
        with self.mapped():
            return self._view(self.session().read.parquet(url))

    def kept(self, expression: ir.Table) -> ir.Table:
        """`expression` computed once and kept (`Engine.kept`)."""
        with self.mapped():
            return cached.kept(self.ibis(), expression)

    def apply(
        self,
        expression: ir.Table,
        function: Callable[[pa.RecordBatch], pa.RecordBatch],
        *,
        schema: pa.Schema,
    ) -> ir.Table:
        """`function` over the rows of `expression` on Spark's workers (``mapInArrow``).

        Each worker runs it on its own Arrow batches: no row passes through this process.
        """
        from pyspark.sql.pandas.types import from_arrow_schema

        with self.mapped():
            frame = self._frame(expression)
            return self._view(frame.mapInArrow(_each(function), from_arrow_schema(schema)))

    def _view(self, frame: Any) -> ir.Table:
        """A DataFrame made here as an expression: a session view of this engine's own."""
        self._made += 1
        name = f"{self._views}_made_{self._made}"
        frame.createOrReplaceTempView(name)
        return self.ibis().table(name)

    def _frame(self, expression: ir.Table) -> Any:
        """The expression as a Spark DataFrame (lazy: nothing runs yet)."""
        backend = self.ibis()
        # what ibis does before it runs an expression: register its in-memory tables
        backend._run_pre_execute_hooks(expression)
        return self.session().sql(str(backend.compile(expression)))

    @contextmanager
    def mapped(self, *, table: str | None = None) -> Iterator[None]:
        """Spark's and Java's exceptions raised in the block become `EngineError`s."""
        try:
            yield
        except EngineError:
            raise
        except Exception as exc:
            if not _from_spark(exc):
                raise
            reason = _first_line(str(exc))
            if table is not None and _MISSING_PATH.search(str(exc)):
                raise EngineError(
                    "store.no_table", location=Location(file=table), tables=self.tables, table=table
                ) from exc
            raise EngineError(
                "store.spark", location=Location(field="engine"), reason=reason, tables=self.tables
            ) from exc

    def close(self) -> None:
        """Stop the session if this engine started it."""
        session, self._session, self._read = self._session, None, {}
        backend, self._ibis = self._ibis, None
        cached.release(backend, drop=not self._owned)  # a session that goes on keeps none
        if session is not None and self._owned:
            session.stop()

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _local_defaults(master: str) -> dict[str, str]:
    """A local session's shuffles in four partitions per core, unless the options say.

    Spark's default of 200 suits a cluster; on one machine each partition is a task of
    its own, and a run's few hundred shuffles spent most of their time starting them
    (the features' histograms at 1M customers: 68 s with 200, 3 s with 8).
    """
    found = _LOCAL.fullmatch(master)
    if found is None:
        return {}
    cores = {None: 1, "*": os.cpu_count() or 1}.get(found.group(1))
    count = int(found.group(1)) if cores is None else cores
    return {"spark.sql.shuffle.partitions": str(4 * count)}


def _each(
    function: Callable[[pa.RecordBatch], pa.RecordBatch],
) -> Callable[[Iterable[pa.RecordBatch]], Iterable[pa.RecordBatch]]:
    """What ``mapInArrow`` calls on a worker: `function` on each of its batches."""

    def run(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield function(batch)

    return run


def _from_spark(exc: BaseException) -> bool:
    """Whether `exc` comes from pyspark or the Java gateway behind it."""
    module = type(exc).__module__ or ""
    return module.startswith(("pyspark", "py4j"))


def _first_line(text: str) -> str:
    """Spark's message without its stack trace (the cause keeps it).

    A failure in a Python worker comes with the worker's traceback: its last line says
    what went wrong.
    """
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return text
    return lines[-1] if any(line.startswith("Traceback") for line in lines) else lines[0]
