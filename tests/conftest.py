"""Fixtures shared by every test: real workspaces on disk and file writers."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
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
