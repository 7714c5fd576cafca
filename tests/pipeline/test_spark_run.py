"""A whole run on Spark: the demo workspace's snapshot, memberships and facts as on DuckDB.

Witness: the run of the same workspace computed by DuckDB, the default. The two twins
start from one generated workspace with one run (so stages have a run before them);
one runs again on its file, the other on Spark local[2] over the Parquet tables that
`export tables` wrote. Their exports must agree cell for cell.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from segmint import Workspace
from segmint.core.errors import EngineError, InputError, NotFoundError
from segmint.pipeline.lake_run import stages_before
from segmint.store.lake import Lake
from segmint.store.relations import execute
from segmint.store.spark import SparkEngine
from tests.cli.test_cli import segmint
from tests.conftest import built_demo

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

AS_OF = dt.date(2026, 7, 31)  # a month after the demo's run: stages have one before them
# When a row was written: the one export column that is the clock's, not the data's.
CLOCK = {"updated_at"}


@pytest.fixture(scope="module")
def twins(tmp_path_factory, spark_session):
    """(DuckDB workspace, Spark workspace, the Spark run's lake), each after its run."""
    built = built_demo(
        tmp_path_factory, "twins", customers=600, seed=11, as_of=dt.date(2026, 6, 30)
    )
    with Workspace(built) as ws:  # customers who never ordered: prospects, empty scores
        ws.engine.execute(
            """INSERT INTO customers (customer_id, name, gender, signup_at)
            SELECT 'P' || i, 'Prospect ' || i, 'F', TIMESTAMPTZ '2026-07-01 10:00:00+08'
            FROM range(3) t(i)"""
        )
    root = built.parent
    on_file, on_spark = root / "duckdb", root / "spark"
    shutil.copytree(built, on_file)
    shutil.copytree(built, on_spark)
    with Workspace(on_spark) as ws:
        ws.export_tables(on_spark / "lake")
        # the lake alone holds the activity now: a run reading the file's would differ
        for table in ("order_items", "orders", "events", "tickets"):
            ws.engine.execute(f"DELETE FROM {table}")  # noqa: S608 - a fixed name
    toml = on_spark / "segmint.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace("[spark]\n", '[spark]\ntables = "lake"\n', 1).replace('tables = ""\n', ""),
        encoding="utf-8",
    )
    with Workspace(on_file) as ws:
        ws.run(as_of=AS_OF)
    with Workspace(on_spark) as ws:
        ws.run(as_of=AS_OF, engine="spark", master="local[2]")
    return on_file, on_spark, on_spark / "lake"


def _exported(folder, name):
    out = folder.parent / f"{folder.name}-{name}.parquet"
    with Workspace(folder) as ws:
        ws.export(out, force=True)
    return pq.read_table(out)


def test_the_snapshot_export_is_the_same_cell_for_cell(twins):
    on_file, on_spark, _ = twins
    expected, found = _exported(on_file, "export"), _exported(on_spark, "export")
    assert expected.num_rows == 603
    assert expected["frequency"].to_pylist().count(0) == 3  # the prospects are compared too
    assert found.column_names == expected.column_names
    differing = [
        name
        for name in expected.column_names
        if name not in CLOCK and found[name].to_pylist() != expected[name].to_pylist()
    ]
    assert differing == []


def test_the_memberships_runs_facts_and_alerts_are_the_same(twins):
    on_file, on_spark, _ = twins
    queries = (
        "SELECT segment_id, customer_id FROM memberships WHERE run_id = 2 ORDER BY ALL",
        "SELECT run_id, as_of, customers FROM runs ORDER BY run_id",
        "SELECT * EXCLUDE (settings) FROM run_facts ORDER BY run_id",
        "SELECT run_id, customer_id, reason, subject, severity, params FROM alerts ORDER BY ALL",
    )
    for query in queries:
        with Workspace(on_file, read_only=True) as a, Workspace(on_spark, read_only=True) as b:
            assert a.engine.rows(query) == b.engine.rows(query), query


def test_the_snapshot_and_memberships_go_back_to_the_lake_as_parquet(twins):
    _, on_spark, lake = twins
    with Workspace(on_spark, read_only=True) as ws:
        snapshot = ws.snapshot(2)
        members = ws.engine.arrow(
            "SELECT segment_id, customer_id FROM memberships WHERE run_id = 2 ORDER BY ALL"
        )
    written = ds.dataset(lake / "snapshots", partitioning="hive").to_table()
    assert written["run_id"].to_pylist() == [2] * snapshot.num_rows
    written = written.drop(["run_id"]).sort_by("customer_id")
    assert written.to_pylist() == snapshot.to_pylist()
    kept = ds.dataset(lake / "memberships", partitioning="hive").to_table()
    assert kept["run_id"].to_pylist() == [2] * members.num_rows
    order = [("segment_id", "ascending"), ("customer_id", "ascending")]
    assert kept.drop(["run_id"]).sort_by(order).to_pylist() == members.to_pylist()


def test_spark_without_the_tables_folder_is_refused_with_the_setting_to_set(tmp_path, ws):
    with pytest.raises(InputError) as caught:
        ws.run(engine="spark")
    assert caught.value.code == "run.no_spark_tables"
    assert "[spark]" in caught.value.hint and "segmint export tables" in caught.value.hint


def test_an_unknown_engine_is_refused(ws):
    with pytest.raises(InputError) as caught:
        ws.run(engine="presto")
    assert caught.value.code == "run.unknown_engine"
    assert "'presto'" in caught.value.message


def test_the_run_records_its_engine_and_starts_no_live_view_on_the_lake(twins):
    on_file, on_spark, _ = twins
    for folder, engine in ((on_file, "duckdb"), (on_spark, "spark")):
        with Workspace(folder, read_only=True) as ws:
            assert [run.facts.settings.engine for run in ws.runs()] == [engine, "duckdb"]
    with Workspace(on_spark) as ws, pytest.raises(NotFoundError) as caught:
        ws.refresh(as_of=AS_OF + dt.timedelta(days=1))
    assert caught.value.code == "live.lake_run"
    assert "segmint run --engine spark" in caught.value.hint


def test_the_cli_runs_on_spark_and_says_nothing_of_spark_s_own(twins, tmp_path):
    """`segmint run --engine spark --master local[1]`: its own session, in a process of its own."""
    folder = tmp_path / "ws"
    shutil.copytree(twins[1], folder)
    done = segmint("run", "--engine", "spark", "--master", "local[1]", "--json", cwd=folder)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert (found["run_id"], found["customers"]) == (3, 600)
    # Spark's start-up warnings and log lines are not the user's; Java's own line is
    assert [line for line in done.stderr.splitlines() if "incubator" not in line] == []
    runs = json.loads(segmint("runs", "--json", cwd=folder).stdout)
    assert runs["runs"][0]["facts"]["settings"]["engine"] == "spark"


def test_the_stages_before_a_run_are_read_where_a_run_on_the_lake_wrote_them(twins, spark_session):
    """Run 2 went to the lake: its stages are read from there (without the folder the
    read fails); run 1 was the file's: its stages are handed over from the workspace."""
    _, on_spark, lake_folder = twins
    with SparkEngine(str(lake_folder), session=spark_session) as spark:
        tables = Lake(spark, str(lake_folder))
        with Workspace(on_spark, read_only=True) as ws:
            assert ws.runs()[0].facts.settings.output == str(lake_folder)
            for run_id, as_of in ((2, AS_OF + dt.timedelta(days=31)), (1, AS_OF)):
                want = ws.snapshot(run_id).select(["customer_id", "stage"]).to_pylist()
                found = stages_before(ws.engine, tables, as_of)
                assert execute(spark, found.order_by("customer_id")).to_pylist() == want
            found = stages_before(ws.engine, tables, AS_OF + dt.timedelta(days=31))
        written = lake_folder / "snapshots" / "run_id=2"
        written.rename(written.with_name("aside"))
        try:
            with pytest.raises(EngineError):
                execute(spark, found)
        finally:
            written.with_name("aside").rename(written)
