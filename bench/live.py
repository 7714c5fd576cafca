"""Updates between runs on a million customers: a batch of new orders and a day passing.

What is measured, on ``--customers`` generated customers (default 1M; the data of
bench/run.py, ``parquet-<customers>/`` imported once into ``run-<customers>/ws`` under
bench/.data), on a fresh copy of that workspace, in one process on one connection:

- the full run (``Workspace.run`` as of 2026-06-30: features, CLV fits, scores,
  snapshot, memberships, what it freezes for updates, each customer's next change);
- one import of ``--batch`` new orders (default 1,000, one each for as many distinct
  customers drawn at random, dated 2026-06-30 18:00 local) through
  ``Workspace.import_file``: the update itself (``ViewUpdate.seconds``: from the
  customers the import marked to their new rows, memberships, changes, alerts and next
  change days, committed) and the whole import with it;
- a day's roll-forward (``Workspace.refresh`` to the next day): the customers whose
  labels or segments could move that day, recomputed.

The sides alternate run, update, roll-forward for ``--rounds`` rounds (each round's run
starts a new view; each round's batch and day are new); ratios are taken round by round
(full run / update, full run / roll-forward) and the median shown. The issue's goals:
the update at least 50 times faster than the full run, and under a second. Before any
figure is printed, the updated customers' rows are checked against a recomputation of
those customers from all their rows (`pipeline.live.recompute`). Times are
time.perf_counter; the 1-minute load average is printed with each round (2 shared
cores).

Usage: python bench/live.py [--customers 1M] [--batch 1000] [--rounds 2] [--memory-limit 3GB]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from environments import note
from run import AS_OF, DATA, count, full_data, measured_code, workspace

GOAL_RATIO = 50.0
GOAL_SECONDS = 1.0


def batch_file(folder: Path, customers: list[str], *, day: dt.date, tag: str) -> Path:
    """One new order per customer, dated `day` 18:00 in Asia/Shanghai."""
    path = folder / f"orders-{tag}.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["order_id", "customer_id", "ordered_at", "amount"])
        for i, customer in enumerate(customers):
            amount = f"{59 + (i * 37) % 2000}.00"
            writer.writerow([f"LIVE-{tag}-{i}", customer, f"{day}T18:00:00+08:00", amount])
    return path


def check(ws, run_id: int, ids: list[str], day: dt.date) -> str:
    """The updated rows against a recomputation of the same customers (untimed)."""
    from segmint.pipeline import live

    again = live.recompute(ws.engine, ws.settings, run_id=run_id, day=day, ids=ids)
    stored = ws.engine.arrow(
        "SELECT * EXCLUDE (update_id, run_id) FROM live_customers "
        "WHERE run_id = ? AND customer_id IN (SELECT unnest(?)) ORDER BY customer_id",
        [run_id, ids],
    )
    want = again.rows.sort_by("customer_id")
    same = stored.num_rows == want.num_rows and all(
        stored[c].equals(want[c]) for c in ("customer_id", "frequency", "tier", "stage", "rfm11")
    )
    return "equal" if same else "DIFFERENT"


def round_(ws, n: int, args: argparse.Namespace, scratch: Path) -> dict[str, float]:
    load = os.getloadavg()[0]
    started = time.perf_counter()
    run = ws.run(as_of=AS_OF)
    full = time.perf_counter() - started
    rng = np.random.default_rng(100 + n)
    everyone = [r[0] for r in ws.engine.rows("SELECT customer_id FROM customers ORDER BY 1")]
    chosen = sorted(rng.choice(everyone, size=args.batch, replace=False).tolist())
    path = batch_file(scratch, chosen, day=AS_OF, tag=str(n))
    started = time.perf_counter()
    result = ws.import_file("orders", path, today=AS_OF)
    whole = time.perf_counter() - started
    (update,) = result.view
    verdict = check(ws, run.run_id, chosen, AS_OF)
    started = time.perf_counter()
    (rolled,) = ws.refresh(as_of=AS_OF + dt.timedelta(days=1))
    roll = time.perf_counter() - started
    note(
        f"round {n + 1}: load {load:.2f} · run {full:.1f} s · update {update.seconds:.2f} s "
        f"({update.customers:,} customers, import with it {whole:.2f} s, rows {verdict}) · "
        f"roll-forward {roll:.1f} s ({rolled.customers:,} customers)"
    )
    return {
        "run": full,
        "update": update.seconds,
        "import": whole,
        "roll": roll,
        "rolled": float(rolled.customers),
        "entered": float(update.entered),
        "load": load,
        "ok": float(verdict == "equal"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=count, default=1_000_000)
    parser.add_argument("--batch", type=count, default=1_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--memory-limit", default="3GB")
    args = parser.parse_args()
    from segmint.workspace import Workspace

    home = workspace(
        DATA / f"run-{args.customers}" / "ws", full_data(args.customers), args.memory_limit
    )
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        scratch = Path(tmp)
        copy = scratch / "ws"
        note("copying the workspace ...")
        shutil.copytree(home, copy)
        with Workspace(copy) as ws:
            rounds = [round_(ws, n, args, scratch) for n in range(args.rounds)]
    by = {k: [r[k] for r in rounds] for k in rounds[0]}
    update_ratio = statistics.median(r["run"] / r["update"] for r in rounds)
    roll_ratio = statistics.median(r["run"] / r["roll"] for r in rounds)
    update = statistics.median(by["update"])
    print(f"\n{measured_code()}; {args.customers:,} customers, batch {args.batch:,} orders")
    print("| | median s | full run / it |")
    print("|---|---|---|")
    print(f"| full run | {statistics.median(by['run']):.1f} | 1 |")
    print(f"| update after a {args.batch:,}-order import | {update:.2f} | {update_ratio:.0f}× |")
    print(f"| that import with its update | {statistics.median(by['import']):.2f} | |")
    rolled = int(statistics.median(by["rolled"]))
    print(
        f"| a day's roll-forward ({rolled:,} customers) | {statistics.median(by['roll']):.1f} "
        f"| {roll_ratio:.1f}× |"
    )
    met = update_ratio >= GOAL_RATIO and update < GOAL_SECONDS
    print(
        f"\ngoal (update ≥ {GOAL_RATIO:.0f}× faster than the full run and under "
        f"{GOAL_SECONDS:.0f} s): {'met' if met else 'NOT met'} · updated rows equal a "
        f"recomputation: {'yes' if all(by['ok']) else 'NO'}"
    )


if __name__ == "__main__":
    main()
