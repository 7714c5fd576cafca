"""Fixtures shared by every test: real workspaces on disk and file writers."""

from __future__ import annotations

import csv
import datetime as dt
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


@pytest.fixture(scope="module")
def rules_demo(tmp_path_factory):
    """A generated workspace with one run as of 2026-06-30, open for the whole module."""
    from segmint.demo.run import run_demo

    folder = tmp_path_factory.mktemp("rules") / "demo"
    run_demo(folder, customers=2000, seed=7, as_of=dt.date(2026, 6, 30))
    with Workspace(folder) as workspace:
        yield workspace
