"""What a run freezes for the updates after it: value-score ranks and ladders of ranked labels.

Written in the run's transaction (`run_ranks`, `run_ladders`), read by every update of
its live view (`pipeline.frozen`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segmint.store.engine import Store


def write_frozen(
    engine: Store,
    run_id: int,
    *,
    ladders: dict[str, tuple[Sequence[str], np.ndarray[Any, Any], Sequence[str]]],
    ranks: dict[str, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]],
) -> None:
    """What run `run_id` froze: ladders (labels, start values, start ids) and ranks."""
    for name, (labels, values, ids) in ladders.items():
        engine.append(
            "run_ladders",
            pa.table(
                {
                    "run_id": pa.repeat(pa.scalar(run_id, pa.int32()), len(labels)),
                    "ladder": [name] * len(labels),
                    "position": pa.array(range(len(labels)), pa.int32()),
                    "label": list(labels),
                    "value": pa.array(values, pa.float64()),
                    "customer_id": list(ids),
                }
            ),
        )
    for name, (values, below, equal) in ranks.items():
        engine.append(
            "run_ranks",
            pa.table(
                {
                    "run_id": pa.repeat(pa.scalar(run_id, pa.int32()), len(values)),
                    "component": pa.repeat(pa.scalar(name), len(values)),
                    "value": pa.array(values, pa.float64()),
                    "below": pa.array(below, pa.int64()),
                    "equal": pa.array(equal, pa.int64()),
                }
            ),
        )


def read_ladders(engine: Store, run_id: int) -> dict[str, pa.Table]:
    """Run `run_id`'s ladders: label, value, customer_id in order, by ladder name."""
    table = engine.arrow(
        """SELECT ladder, label, value, customer_id FROM run_ladders WHERE run_id = ?
        ORDER BY ladder, "position" """,
        [run_id],
    )
    names = table["ladder"].to_pylist()
    return {
        name: table.filter(pc.equal(table["ladder"], name)).drop(["ladder"])
        for name in dict.fromkeys(names)
    }


def read_ranks(engine: Store, run_id: int) -> dict[str, pa.Table]:
    """Run `run_id`'s value-score ranks: value, below, equal ascending, by component."""
    names = [
        str(r[0])
        for r in engine.rows(
            "SELECT DISTINCT component FROM run_ranks WHERE run_id = ? ORDER BY 1", [run_id]
        )
    ]
    # written in ascending order, and a plain scan keeps the order rows were written in
    return {
        name: engine.arrow(
            "SELECT value, below, equal FROM run_ranks WHERE run_id = ? AND component = ?",
            [run_id, name],
        )
        for name in names
    }
