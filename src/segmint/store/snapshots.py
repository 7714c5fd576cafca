"""Runs and their snapshots: one row per customer per run, every run kept.

A run is written in one transaction — its `runs` row, its facts, its customer rows,
its long tables (category shares, interactions by channel) and its memberships — so a
failed or killed run leaves the previous snapshot current. The current run is the one
with the newest as_of (then the newest run of that day), so a back-dated run, a
backtest, never replaces it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from segmint.core.facts import RunFacts
from segmint.store import audit, facts
from segmint.store.engine import Store

RUN_COLUMNS = ("run_id", "as_of", "started_at", "finished_at", "config_hash", "customers")


class Run(BaseModel):
    """A kept run: when, as of which day, on which settings, and its typed facts.

    ``current``: the run the workspace shows (`current_run`). ``backtest``: a back-dated
    run, as of a day before that of a run made earlier; it never becomes current while
    that later-dated run exists.
    """

    model_config = ConfigDict(frozen=True)

    run_id: int
    as_of: dt.date
    started_at: dt.datetime
    finished_at: dt.datetime
    config_hash: str
    customers: int
    facts: RunFacts
    current: bool
    backtest: bool

    @property
    def seconds(self) -> float:
        """How long the run took."""
        return (self.finished_at - self.started_at).total_seconds()


def next_run_id(engine: Store) -> int:
    """The id the next run takes."""
    return int(engine.scalar("SELECT coalesce(max(run_id), 0) + 1 FROM runs"))


def write_run(
    engine: Store,
    run: dict[str, Any],
    *,
    run_facts: RunFacts,
    customers: pa.Table | pa.RecordBatchReader,
    categories: pa.Table | pa.RecordBatchReader,
    channels: pa.Table | pa.RecordBatchReader,
    actor: str,
) -> None:
    """Record a finished run, its facts and its snapshot, and audit it.

    Inside the caller's transaction, which also writes the run's memberships. The rows
    come held in memory or a batch at a time (a run's Parquet on a lake).
    """
    audit.record(
        engine,
        "run",
        target=f"run {run['run_id']}",
        actor=actor,
        details={k: run[k] for k in ("as_of", "customers", "config_hash")},
    )
    engine.execute(
        f"INSERT INTO runs VALUES ({', '.join('?' * len(RUN_COLUMNS))})",
        [run[c] for c in RUN_COLUMNS],
    )
    facts.write(engine, run["run_id"], run_facts)
    # by customer: a profile reads one customer's rows (`Store.append`)
    engine.append("snapshots", customers, order_by=["customer_id"])
    engine.append("snapshot_categories", categories, order_by=["customer_id"])
    engine.append("snapshot_channels", channels, order_by=["customer_id"])


def runs(engine: Store) -> list[Run]:
    """Every run, newest first."""
    rows = engine.rows(
        f"""SELECT {", ".join(RUN_COLUMNS)},
            coalesce(as_of < max(as_of) OVER (
                ORDER BY run_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false)
        FROM runs ORDER BY run_id DESC"""
    )
    current = current_run(engine)
    known = facts.read(engine)
    return [
        Run(
            **dict(zip(RUN_COLUMNS, row[:-1], strict=True)),
            facts=known[row[0]],
            current=row[0] == current,
            backtest=bool(row[-1]),
        )
        for row in rows
    ]


def current_run(engine: Store) -> int | None:
    """The run the workspace shows: the newest as_of, then the newest run of that day.

    A back-dated run (a backtest) is kept and can be read by its id, but does not
    replace what the team sees.
    """
    found = engine.scalar("SELECT run_id FROM runs ORDER BY as_of DESC, run_id DESC LIMIT 1")
    return None if found is None else int(found)


def run_as_of(engine: Store, run_id: int) -> dt.date:
    """The day run `run_id` is as of."""
    found: dt.date = engine.scalar("SELECT as_of FROM runs WHERE run_id = ?", [run_id])
    return found


def latest_as_of(engine: Store) -> dt.date | None:
    """The newest as_of of any run (None before the first): a run as of it or later is current."""
    found: dt.date | None = engine.scalar("SELECT max(as_of) FROM runs")
    return found


def previous_run(engine: Store, as_of: dt.date) -> int | None:
    """The run before as_of: the newest earlier as_of, then the newest run of that day.

    The "before" of stages (won back) and of diffs.
    """
    found = engine.scalar(
        "SELECT run_id FROM runs WHERE as_of < ? ORDER BY as_of DESC, run_id DESC LIMIT 1",
        [as_of],
    )
    return None if found is None else int(found)


def snapshot(
    engine: Store,
    run_id: int,
    *,
    columns: tuple[str, ...] = (),
    customers: pa.Table | None = None,
) -> pa.Table:
    """A run's customer rows (those of `customers`' customer_id alone), by customer id."""
    names = ", ".join(f'"{c}"' for c in columns) if columns else "* EXCLUDE (run_id)"
    if customers is None:
        return engine.arrow(
            f"SELECT {names} FROM snapshots WHERE run_id = ? ORDER BY customer_id", [run_id]
        )
    with engine.registered("_of", customers.select(["customer_id"])):
        return engine.arrow(
            f"""SELECT {names} FROM snapshots WHERE run_id = ?
            AND customer_id IN (SELECT customer_id FROM _of) ORDER BY customer_id""",
            [run_id],
        )
