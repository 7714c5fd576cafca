"""A run's facts in their typed columns of `run_facts`, written and read back as `RunFacts`.

Each part of the facts is a typed column (STRUCT, LIST, DOUBLE; see migration step 4),
so the database itself refuses a fact of the wrong shape, and reading needs no
``.get(key, default)``: a row becomes a validated `RunFacts`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from segmint.core.facts import RunFacts
from segmint.store.engine import Store

# The columns after run_id, in table order; settings is JSON text, the rest typed.
COLUMNS = (
    "settings",
    "rfm",
    "tiers",
    "usual_gap_days",
    "value_cutoff",
    "clv",
    "pareto_curve",
    "warnings",
    "profiles",
)


def write(engine: Store, run_id: int, facts: RunFacts) -> None:
    """Store `facts` as run `run_id`'s (inside the caller's transaction)."""
    data = facts.model_dump(mode="json")
    data["warnings"] = [{**w, "params": json.dumps(w["params"])} for w in data["warnings"]]
    data["settings"] = json.dumps(data["settings"])
    values = [json.dumps(data[c]) if c != "settings" else data[c] for c in COLUMNS]
    # JSON text cast to each column's type: the database checks the shape
    casts = ", ".join("?" if c == "settings" else "CAST(? AS JSON)" for c in COLUMNS)
    engine.execute(f"INSERT INTO run_facts VALUES (?, {casts})", [run_id, *values])


def read(engine: Store, run_ids: Sequence[int] | None = None) -> dict[int, RunFacts]:
    """The facts of `run_ids` (every run when None), by run id."""
    where = "" if run_ids is None else f"WHERE run_id IN ({', '.join('?' * len(run_ids))})"
    if run_ids is not None and not run_ids:
        return {}
    rows = engine.rows(
        f"SELECT run_id, {', '.join(COLUMNS)} FROM run_facts {where}", list(run_ids or [])
    )
    return {int(row[0]): _facts(dict(zip(COLUMNS, row[1:], strict=True))) for row in rows}


def _facts(row: dict[str, Any]) -> RunFacts:
    row["settings"] = json.loads(row["settings"])
    row["warnings"] = [{**w, "params": json.loads(w["params"])} for w in row["warnings"] or []]
    row["tiers"] = row["tiers"] or []
    row["pareto_curve"] = row["pareto_curve"] or []
    return RunFacts.model_validate(row)
