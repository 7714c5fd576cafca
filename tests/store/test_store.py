"""The DuckDB store: migrations, transactions, and a clear message when the file is busy."""

import subprocess
import sys
import time

import pytest

from segmint.core.errors import WorkspaceBusyError
from segmint.core.schema import SQL_TYPES, TABLES
from segmint.store.duckdb import DuckDBEngine
from segmint.store.migrations import MIGRATIONS, migrate, version


def test_new_database_gets_every_canonical_table(tmp_path):
    with DuckDBEngine(tmp_path / "w.duckdb") as engine:
        assert migrate(engine) == len(MIGRATIONS)
        for table in TABLES.values():
            cols = engine.rows(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = ? ORDER BY ordinal_position",
                [table.name],
            )
            # The frozen steps and today's declaration agree, name and type.
            # as information_schema spells them
            spelled = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE", "DECIMAL(18, 2)": "DECIMAL(18,2)"}
            declared = [SQL_TYPES[c.kind] for c in table.columns]
            assert cols == [
                (c.name, spelled.get(t, t)) for c, t in zip(table.columns, declared, strict=True)
            ]


def test_money_is_stored_exactly(tmp_path):
    with DuckDBEngine(tmp_path / "w.duckdb") as engine:
        migrate(engine)
        kind = engine.scalar(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'orders' AND column_name = 'amount'"
        )
        assert kind == "DECIMAL(18,2)"


def test_older_workspace_is_upgraded_and_keeps_its_rows(tmp_path):
    """A database made with only the first migration opens under a newer list of them."""
    path = tmp_path / "w.duckdb"
    with DuckDBEngine(path) as engine:
        migrate(engine, migrations=MIGRATIONS[:1])
        engine.execute("INSERT INTO customers (customer_id) VALUES ('C1')")

    def add_column(engine):
        engine.execute("ALTER TABLE customers ADD COLUMN loyalty_card VARCHAR")

    with DuckDBEngine(path) as engine:
        assert version(engine) == 1
        assert migrate(engine, migrations=(*MIGRATIONS[:1], add_column)) == 2
        assert version(engine) == 2
        assert engine.rows("SELECT customer_id, loyalty_card FROM customers") == [("C1", None)]
        # applying again changes nothing
        assert migrate(engine, migrations=(*MIGRATIONS[:1], add_column)) == 2


def test_transaction_rolls_back_when_the_block_raises(tmp_path):
    with DuckDBEngine(tmp_path / "w.duckdb") as engine:
        migrate(engine)
        with pytest.raises(RuntimeError), engine.transaction():
            engine.execute("INSERT INTO customers (customer_id) VALUES ('C1')")
            raise RuntimeError("boom")
        assert engine.scalar("SELECT count(*) FROM customers") == 0


def test_busy_database_names_the_process_that_holds_it(tmp_path):
    path = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys, time; c = duckdb.connect({str(path)!r}); "
            "sys.stdout.write('ready\\n'); sys.stdout.flush(); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(
            WorkspaceBusyError, match=rf"another program: .* \(process {holder.pid}\)"
        ):
            DuckDBEngine(path)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    time.sleep(0.1)
    DuckDBEngine(path).close()  # free again once the holder is gone


def test_workspace_file_opens_in_a_plain_duckdb_client(tmp_path):
    """The database is ours to write but anyone's to read: no custom types or extensions."""
    import duckdb

    with DuckDBEngine(tmp_path / "w.duckdb") as engine:
        migrate(engine)
        engine.execute(
            "INSERT INTO orders (order_id, customer_id, ordered_at, amount) "
            "VALUES ('O1', 'C1', TIMESTAMPTZ '2024-03-05 06:03:00+00', 12.34)"
        )
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT sum(amount)::VARCHAR FROM orders").fetchone() == ("12.34",)
    finally:
        con.close()


def test_a_query_ibis_runs_that_runs_out_of_memory_is_a_segmint_error(tmp_path):
    """DuckDB's OutOfMemoryException inside an expression's execution is mapped, not leaked."""
    from segmint.core.errors import EngineError
    from segmint.store.relations import execute

    with DuckDBEngine(tmp_path / "w.duckdb", memory_limit="8MB") as engine:
        engine.execute("SET threads = 1")
        big = engine.ibis().sql(
            "SELECT i, md5(i::VARCHAR) AS m FROM range(3000000) t(i) ORDER BY m"
        )
        with pytest.raises(EngineError) as caught:
            execute(engine, big)
    assert caught.value.code == "store.out_of_memory"
    assert "8MB" in caught.value.message or "7.6 MiB" in caught.value.message
    assert "memory_limit" in (caught.value.hint or "")


def test_a_damaged_file_says_so(tmp_path):
    from segmint.core.errors import EngineError

    path = tmp_path / "w.duckdb"
    with DuckDBEngine(path) as engine:
        migrate(engine)
    with path.open("r+b") as f:
        f.truncate(100)
    with pytest.raises(EngineError) as caught:
        DuckDBEngine(path, read_only=True)
    assert caught.value.code == "store.corrupt"
    assert str(tmp_path) not in caught.value.message  # the file's name, never a machine path


def test_read_only_open_never_migrates_an_older_database(tmp_path):
    from segmint.core.errors import EngineError
    from segmint.store.migrations import check_current

    path = tmp_path / "w.duckdb"
    with DuckDBEngine(path) as engine:
        migrate(engine, migrations=MIGRATIONS[:1])
    with DuckDBEngine(path, read_only=True) as engine, pytest.raises(EngineError) as caught:
        check_current(engine)
    assert caught.value.code == "store.old_schema"
    assert f"schema 1; this version reads {len(MIGRATIONS)}" in caught.value.message
    with DuckDBEngine(path, read_only=True) as engine:
        assert version(engine) == 1  # untouched


def test_a_missing_database_is_not_created_by_a_reader(tmp_path):
    from segmint.core.errors import NotFoundError

    with pytest.raises(NotFoundError) as caught:
        DuckDBEngine(tmp_path / "w.duckdb", read_only=True)
    assert caught.value.code == "store.no_database"
    assert not (tmp_path / "w.duckdb").exists()


def test_a_writer_records_itself_beside_the_database_and_removes_the_record(tmp_path):
    from segmint.store import holder

    path = tmp_path / "w.duckdb"
    with DuckDBEngine(path, command="segmint import") as engine:
        engine.report("import orders.csv: 40%")
        found = holder.read(path)
        assert found is not None
        assert (found.command, found.progress) == ("segmint import", "import orders.csv: 40%")
    assert not holder.path_of(path).exists()
    with DuckDBEngine(path, read_only=True):
        assert not holder.path_of(path).exists()  # readers leave no record


def test_a_stale_holder_record_is_ignored(tmp_path):
    """A writer that was killed leaves its record; a process id that is gone means nothing."""
    from segmint.store import holder

    path = tmp_path / "w.duckdb"
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = holder.Holder(
        command="segmint run", pid=int(gone.stdout), since="2026-01-01T00:00:00+00:00"
    )
    holder.write(path, dead)
    assert holder.read(path) is None
    with DuckDBEngine(path):
        found = holder.read(path)
        assert found is not None and found.command == "python"


def test_a_write_through_a_read_only_connection_is_named(tmp_path):
    from segmint.core.errors import EngineError

    path = tmp_path / "w.duckdb"
    with DuckDBEngine(path) as engine:
        migrate(engine)
    with DuckDBEngine(path, read_only=True) as engine, pytest.raises(EngineError) as caught:
        engine.execute("INSERT INTO customers (customer_id) VALUES ('C1')")
    assert caught.value.code == "store.read_only"


def test_an_expression_kept_after_the_connection_closed_is_let_go_quietly(tmp_path):
    """ibis drops a cached table when its expression is collected: never on a closed
    connection, where the failure could only be printed ("Exception ignored in ...")."""
    import gc

    engine = DuckDBEngine(tmp_path / "w.duckdb")
    engine.execute("CREATE TABLE kept AS SELECT 1 AS a")
    cached = engine.table("kept").cache()
    assert engine.to_arrow(cached).num_rows == 1
    engine.close()
    failures = []
    hook, sys.unraisablehook = sys.unraisablehook, failures.append
    try:
        del cached
        gc.collect()
    finally:
        sys.unraisablehook = hook
    assert failures == []


def test_rows_handed_over_are_kept_by_the_engine_not_by_ibis_default(tmp_path):
    """ibis's own ``Table.cache`` of rows from memory lands on its default backend, where
    a query on the engine cannot find it; `kept` keeps them on the engine."""
    import pyarrow as pa

    with DuckDBEngine(tmp_path / "w.duckdb") as engine:
        engine.execute("CREATE TABLE people AS SELECT 'a' AS customer_id, 3 AS n")
        handed = engine.kept(engine.load(pa.table({"customer_id": ["a", "b"]})))
        joined = handed.join(engine.table("people"), "customer_id")
        assert engine.to_arrow(joined).to_pylist() == [{"customer_id": "a", "n": 3}]
        assert engine.to_arrow(handed).num_rows == 2
