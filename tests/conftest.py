"""Fixtures shared by every test: real workspaces on disk and file writers."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import sys
from pathlib import Path

import pytest

from segmint.workspace import Workspace

# A fixed import day, so "not after the import day" checks do not depend on the clock.
TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.init(tmp_path / "ws")
    yield workspace
    workspace.close()


def write_csv(path: Path, header, rows, *, encoding="utf-8", delimiter=",") -> Path:
    """A CSV file as a shop system would export it."""
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def table(ws: Workspace, name: str, order: str) -> list[tuple]:
    """All rows of a canonical table in a stated order."""
    return ws.engine.rows(f"SELECT * FROM {name} ORDER BY {order}")  # noqa: S608


def built_demo(
    factory, name: str, *, customers: int, seed: int, as_of: dt.date, examples: bool = False
) -> Path:
    """A generated workspace with one run as of `as_of`, made once by a module's fixture."""
    from segmint.demo.run import run_demo

    folder = factory.mktemp(name) / "demo"
    run_demo(folder, customers=customers, seed=seed, as_of=as_of, examples=examples)
    return folder


def copied(built: Path, tmp_path: Path, name: str = "ws") -> Path:
    """A test's own copy of a module's built workspace, free to change."""
    folder = tmp_path / name
    shutil.copytree(built, folder)
    return folder


@pytest.fixture(scope="module")
def rules_demo(tmp_path_factory):
    """A generated workspace with one run as of 2026-06-30, open for the whole module."""
    folder = built_demo(
        tmp_path_factory, "rules", customers=2000, seed=7, as_of=dt.date(2026, 6, 30)
    )
    with Workspace(folder) as workspace:
        yield workspace


@pytest.fixture(scope="session")
def spark_session():
    """One local Spark (`local[2]`) for the whole test session.

    Skips without Java or pyspark, but fails in CI (CI=true), where `.ci/run` installs
    both: a missing engine must never pass for a green run.
    """
    reason = _no_spark()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: .ci/run installs Java with apt and make installs pyspark")
        pytest.skip(reason)
    from pyspark.sql import SparkSession

    # workers are started with the Python PYSPARK_PYTHON names: this one, with segmint
    before = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("segmint-tests")
        .config("spark.sql.shuffle.partitions", "4")  # small data: few tasks per stage
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("FATAL")
    yield session
    session.stop()
    if before is None:
        os.environ.pop("PYSPARK_PYTHON", None)
    else:
        os.environ["PYSPARK_PYTHON"] = before


def _no_spark() -> str | None:
    if shutil.which("java") is None:
        return "no java on PATH (apt-get install openjdk-17-jre-headless)"
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'segmint[spark]')"
    return None
