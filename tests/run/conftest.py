"""A demo workspace with a known truth, built once per module (generate, import, run)."""

from __future__ import annotations

import datetime as dt

import pytest

from segmint.demo.run import run_demo
from segmint.workspace import Workspace

LAST_DAY = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run") / "demo"
    run_demo(folder, customers=4000, seed=7, as_of=LAST_DAY)
    return folder


@pytest.fixture
def demo_ws(demo_dir):
    with Workspace(demo_dir) as ws:
        yield ws
