"""The Spark engine's own behaviour: its tables, its errors, its session shared.

Real local Spark (the session fixture); small Parquet folders written here.
"""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmint.core.errors import EngineError
from segmint.store.relations import execute
from segmint.store.spark import SparkEngine, _local_defaults

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]


def lake(folder, ids):
    (folder / "customers").mkdir(parents=True)
    pq.write_table(pa.table({"customer_id": ids}), folder / "customers" / "part-0.parquet")
    return str(folder)


def test_two_engines_on_one_session_read_their_own_tables(tmp_path, spark_session):
    first = SparkEngine(lake(tmp_path / "a", ["A1", "A2"]), session=spark_session)
    second = SparkEngine(lake(tmp_path / "b", ["B1"]), session=spark_session)
    a, b = first.table("customers"), second.table("customers")  # both registered first
    assert execute(first, a)["customer_id"].to_pylist() == ["A1", "A2"]
    assert execute(second, b)["customer_id"].to_pylist() == ["B1"]


def test_a_missing_table_is_named_with_its_folder(tmp_path, spark_session):
    engine = SparkEngine(lake(tmp_path / "a", ["A1"]), session=spark_session)
    with pytest.raises(EngineError, match="has no table orders") as raised:
        engine.table("orders")
    assert raised.value.code == "store.no_table"
    assert "segmint export tables" in raised.value.hint


@pytest.mark.parametrize(
    ("master", "partitions"),
    [("local", "4"), ("local[3]", "12"), ("local[*]", str(4 * (os.cpu_count() or 1)))],
)
def test_a_local_session_shuffles_into_four_partitions_a_core(master, partitions):
    assert _local_defaults(master) == {"spark.sql.shuffle.partitions": partitions}


@pytest.mark.parametrize("master", ["yarn", "k8s://https://host:443", "spark://h:7077", ""])
def test_a_cluster_keeps_its_own_shuffle_partitions(master):
    assert _local_defaults(master) == {}


def test_a_session_that_goes_on_keeps_no_table_an_engine_cached(tmp_path, spark_session):
    engine = SparkEngine(lake(tmp_path / "a", ["A1", "A2"]), session=spark_session)
    cached = engine.table("customers").cache()
    assert engine.to_arrow(cached).num_rows == 2
    before = {t.name for t in spark_session.catalog.listTables()}
    engine.close()
    after = {t.name for t in spark_session.catalog.listTables()}
    assert any(name.startswith("ibis_cached") for name in before - after)
