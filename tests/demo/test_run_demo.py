"""`run_demo` draws from the process it is given and imports what was drawn."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from segmint.demo.generate import TruthParams, generate
from segmint.demo.run import run_demo


def test_a_demo_asked_for_drops_imports_the_orders_the_drop_leaves(tmp_path: Path) -> None:
    """Witness: truth.parquet beside the files, and the same draw made again by `generate`."""
    params, as_of = TruthParams(drop_share=1.0), dt.date(2026, 6, 30)  # every eligible drops
    summary = run_demo(tmp_path / "demo", customers=1_500, seed=3, as_of=as_of, params=params)
    truth = pq.read_table(tmp_path / "demo" / "data" / "truth.parquet")
    eligible = pc.sum(truth.column("drop_eligible")).as_py()
    assert eligible > 50
    assert truth.num_rows - truth.column("drop").null_count == eligible
    drawn = generate(1_500, seed=3, as_of=as_of, params=params)
    assert truth.equals(drawn.truth)
    assert summary.imports["orders"].accepted == drawn.orders.num_rows
