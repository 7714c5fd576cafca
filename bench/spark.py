"""The run's engine-neutral stages on DuckDB and on Spark local[2], side by side.

On the workspace bench/run.py builds (``bench/.data/run-<customers>/ws``, default 1M
customers from ``segmint.demo.generate``, seed 1, as of 2026-06-30, all five tables
imported; built with bench/run.py's own functions when missing), and the same tables as
Parquet folders written once by ``Workspace.export_tables`` (``bench/.data/lake-<N>``),
the stages that run on either engine, each as a run makes it:

1. features: the canonical tables read, every customer's features computed and kept
   by the engine (``Table.cache()``: a temporary table in DuckDB, a cached DataFrame in
   Spark), with its row count;
2. scores: the population facts from histograms (``pipeline.scored.population``), then
   r/f/m, rfm8, rfm11, tier and stage for every customer, written as Parquet;
3. customer value (``pipeline.engine_value.value_on``): the purchase summary computed
   and kept by the engine, its distinct histories counted (``counts_of``), BG/NBD and
   Pareto/NBD chosen on the holdout and Gamma-Gamma fitted in this process
   (``customer_value.fitted``), and every buyer's P(alive), expected orders and CLV
   computed by the engine's workers
   (``engine_value.predictions``: in-process batches on DuckDB, ``mapInArrow`` on
   Spark), written as Parquet.

Each side is a fresh process: it imports its libraries and (Spark) starts its session
before the clock; each stage is timed with time.perf_counter. "driver peak" is the
Python process's VmHWM; Spark local mode keeps its data in the JVM, a child process,
whose own peak RSS is read from /proc as the side ends ("JVM peak"). Spark runs as
``local[2]`` with ``spark.driver.memory`` = ``--spark-memory`` (default 8g), DuckDB with
the workspace's ``memory_limit`` (3GB). The two sides' outputs are compared row by row
(scores and predictions), so the ratio is between equal answers. With ``--rounds`` > 1
the sides alternate; each measurement records the 1-minute load average as it starts.

Then the whole run, ``Workspace.run(as_of=2026-06-30)`` on a copy of the workspace each:
on the file (DuckDB), and with ``engine="spark"`` on the Parquet tables (``[spark] tables``
set in the copy's segmint.toml, the same ``local[2]`` and driver memory). Each step of
``pipeline.run.STEPS`` is timed from the run's own progress calls ("where the time
goes"), with the part of each step spent inside Spark (its queries collected, frames
handed to it or written by it, timed around those `SparkEngine` methods): the rest is
the driver's. The two runs' snapshots are compared cell for cell.

Usage: python bench/spark.py [--customers 1M] [--rounds R] [--spark-memory 8g]
       [--part stages|run|both] [--timeout S] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from environments import note
from run import AS_OF, count, full_data, measure, workspace

from segmint.pipeline.run import STEPS as RUN_STEPS

DATA = Path(__file__).parent / ".data"
STAGES = ("features", "scores", "customer value")

WORKER = """
import json, os, sys, time
from pathlib import Path

engine_name, home, lake, out, memory = sys.argv[1:6]
from segmint.core.config import load
from segmint.features.customer import EPOCH, customer_features
from segmint.pipeline.engine_value import value_on
from segmint.pipeline.scored import population, scored, with_cents
from segmint.store.relations import execute, sources, write_parquet
import datetime as dt

settings = load(Path(home))
day = (dt.date.fromisoformat("{as_of}") - EPOCH).days
holdout, rate = settings.clv.holdout_days, settings.clv.discount_rate
if engine_name == "spark":
    from segmint.store.spark import SparkEngine
    engine = SparkEngine(lake, master="local[2]", options={{"spark.driver.memory": memory}})
    engine.session()
else:
    from segmint.store.duckdb import DuckDBEngine
    database = Path(home) / "segmint.duckdb"
    engine = DuckDBEngine(database, read_only=True, memory_limit=settings.memory_limit)
    engine.ibis()
seconds = {{}}

def timed(name, call):
    started = time.perf_counter()
    result = call()
    seconds[name] = time.perf_counter() - started
    return result

def features():
    src = sources(engine, timezone=settings.timezone)
    table = with_cents(customer_features(src, day)).cache()
    rows = execute(engine, table.aggregate(n=table.count()))["n"][0].as_py()
    return src, table, rows

def scores():
    facts = population(engine, table, settings=settings)
    labels = scored(table, facts, settings=settings)
    write_parquet(engine, labels, os.path.join(out, engine_name + "-scores.parquet"))

def value():
    facts, made = value_on(engine, src, as_of=day, holdout_days=holdout, discount_rate=rate)
    write_parquet(engine, made, os.path.join(out, engine_name + "-value.parquet"))
    return facts.model

src, table, rows = timed("features", features)
timed("scores", scores)
model = timed("customer value", value)

def peak(pid="self"):
    for line in open(f"/proc/{{pid}}/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024

jvm = None
if engine_name == "spark":
    import subprocess
    found = subprocess.run(["pgrep", "-P", str(os.getpid())], capture_output=True, text=True)
    children = found.stdout.split()
    jvm = max((peak(p) for p in children), default=None)
print(json.dumps({{"seconds": sum(seconds.values()), "steps": seconds, "customers": rows,
                  "model": model, "peak_mib": peak(), "jvm_mib": jvm}}))
"""


RUN_WORKER = """
import json, os, sys, time
from pathlib import Path

engine_name, home, memory = sys.argv[1:4]
from segmint.workspace import Workspace
import datetime as dt

seconds, clock = {{}}, ["start", None]  # start: the session, the as_of checks

def peak(pid="self"):
    for line in open(f"/proc/{{pid}}/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024

jvm_peak = [None]
on_spark = {{}}  # per step: seconds inside Spark (queries collected, frames loaded or written)
if engine_name == "spark":
    from segmint.store.spark import SparkEngine

    def clocked(method):
        def call(*args, **kwargs):
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                on_spark[clock[0]] = on_spark.get(clock[0], 0.0) + time.perf_counter() - started
        return call

    for name in ("to_arrow", "load", "write_folder"):
        setattr(SparkEngine, name, clocked(getattr(SparkEngine, name)))

def step(name):
    if engine_name == "spark":  # the JVM (a child) ends with the run: its peak, as it goes
        import subprocess
        found = subprocess.run(["pgrep", "-P", str(os.getpid())], capture_output=True, text=True)
        peaks = [peak(p) for p in found.stdout.split()] + [jvm_peak[0] or 0]
        jvm_peak[0] = max(peaks)
    now = time.perf_counter()
    seconds[clock[0]] = now - clock[1]
    clock[:] = [name, now]

with Workspace(Path(home)) as ws:
    started = clock[1] = time.perf_counter()
    done = ws.run(as_of=dt.date.fromisoformat("{as_of}"), engine=engine_name, progress=step)
    seconds[clock[0]] = time.perf_counter() - clock[1]
    total = time.perf_counter() - started

print(json.dumps({{"seconds": total, "steps": seconds, "customers": done.customers,
                  "run_id": done.run_id, "peak_mib": peak(), "jvm_mib": jvm_peak[0],
                  "on_spark": on_spark}}))
"""


def run_copy(home: Path, scratch: Path, side: str, tables: Path, memory: str) -> Path:
    """A copy of the workspace to run on; the Spark one reads `tables` with `memory`."""
    copy = scratch / f"run-{side}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("*.wal", "quarantine"))
    toml = copy / "segmint.toml"
    text = toml.read_text(encoding="utf-8")
    options = f'options = {{ "spark.driver.memory" = "{memory}" }}\n'
    spark = f'[spark]\ntables = "{tables}"\nmaster = "local[2]"\n{options}'
    toml.write_text(text.split("\n[spark]\n")[0] + "\n" + spark + "\n[mapping]\n", encoding="utf-8")
    return copy


def run_agree(copies: dict[str, Path], run_id: int) -> str:
    """The two runs' snapshots compared cell for cell, by customer."""
    from segmint.workspace import Workspace

    tables = []
    for copy in copies.values():
        with Workspace(copy, read_only=True) as ws:
            tables.append(ws.snapshot(run_id))
    a, b = tables
    same = a.equals(b)
    return f"{a.num_rows:,} rows x {a.num_columns} columns, {'identical' if same else 'DIFFERENT'}"


def whole_run(home: Path, tables: Path, scratch: Path, args: argparse.Namespace) -> None:
    """`Workspace.run` on DuckDB and on Spark, each on its copy; steps, ratio, agreement."""
    found: dict[str, dict[str, Any]] = {}
    copies = {
        side: run_copy(home, scratch, side, tables, args.spark_memory)
        for side in ("duckdb", "spark")
    }
    for side, copy in copies.items():
        note(f"whole run, {side} ...")
        found[side] = measure(
            sys.executable,
            RUN_WORKER.format(as_of=AS_OF),
            [side, str(copy), args.spark_memory],
            args.timeout,
        )
        note(f"{side}: {found[side]}")
    if not all("steps" in r for r in found.values()):
        print("whole run: a side failed; no comparison")
        return
    checked = run_agree(copies, found["duckdb"]["run_id"])
    print(f"\nwhole run ({args.customers:,} customers); snapshots: {checked}")
    inside = found["spark"]["on_spark"]
    print(
        f"{'step':<20}{'DuckDB':>12}{'Spark local[2]':>16}{'Spark / DuckDB':>16}"
        f"{'of it in Spark':>16}"
    )
    for name in ("start", *RUN_STEPS, None):
        duck, spark = (
            found[side]["steps"][name] if name else found[side]["seconds"]
            for side in ("duckdb", "spark")
        )
        spent = inside.get(name, 0.0) if name else sum(inside.values())
        print(
            f"{name or 'whole run':<20}{duck:>10.1f} s{spark:>14.1f} s{spark / duck:>15.2f}×"
            f"{spent:>14.1f} s"
        )
    for side, r in found.items():
        jvm = f", JVM peak {r['jvm_mib']:.0f} MiB" if r.get("jvm_mib") else ""
        print(f"{side}: process peak {r['peak_mib']:.0f} MiB{jvm}, load {r['load']:.2f}")
    if args.json:
        args.json.with_suffix(".run.json").write_text(json.dumps(found, indent=2), encoding="utf-8")


def lake(home: Path, customers: int) -> Path:
    """The workspace's canonical tables as Parquet folders (written once)."""
    from segmint.workspace import Workspace

    folder = DATA / f"lake-{customers}"
    if not (folder / "tickets").exists():
        note("writing the tables as Parquet ...")
        with Workspace(home, read_only=True) as ws:
            ws.export_tables(folder, force=True)
    return folder


def agree(out: Path) -> dict[str, str]:
    """Row-by-row comparison of the two sides' outputs, by customer."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    found = {}
    for part in ("scores", "value"):
        sides = [
            pq.read_table(out / f"{side}-{part}.parquet")
            for side in ("duckdb", "spark")
            if (out / f"{side}-{part}.parquet").exists()
        ]
        if len(sides) < 2:
            found[part] = "not compared (a side failed)"
            continue
        a, b = (t.sort_by("customer_id") for t in sides)
        same = a.num_rows == b.num_rows and all(
            pc.all(pc.equal(a[c], b[c]).fill_null(True)).as_py()
            and a[c].null_count == b[c].null_count
            for c in a.column_names
        )
        found[part] = f"{a.num_rows:,} rows, {'identical' if same else 'DIFFERENT'}"
    return found


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=count, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--spark-memory", default="8g")
    parser.add_argument("--part", choices=("stages", "run", "both"), default="both")
    parser.add_argument("--memory-limit", default="3GB")
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--json", type=Path)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    home = workspace(
        DATA / f"run-{args.customers}" / "ws", full_data(args.customers), args.memory_limit
    )
    tables = lake(home, args.customers)
    if args.part != "stages":
        with tempfile.TemporaryDirectory(dir=DATA) as scratch:
            whole_run(home, tables, Path(scratch), args)
    if args.part != "run":
        stages(home, tables, args)


def stages(home: Path, tables: Path, args: argparse.Namespace) -> None:
    """The engine-neutral stages, each side in a fresh process, and their outputs compared."""
    runs: dict[str, list[dict[str, Any]]] = {"duckdb": [], "spark": []}
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        script = WORKER.format(as_of=AS_OF)
        for _ in range(args.rounds):
            for side in runs:
                note(f"{side} ...")
                found = measure(
                    sys.executable,
                    script,
                    [side, str(home), str(tables), str(out), args.spark_memory],
                    args.timeout,
                )
                runs[side].append(found)
                note(f"{side}: {found}")
        checked = agree(out)
    print(
        f"\n{args.customers:,} customers; outputs: "
        + "; ".join(f"{k} {v}" for k, v in checked.items())
    )
    print(f"{'stage':<16}{'DuckDB':>12}{'Spark local[2]':>16}{'Spark / DuckDB':>16}")
    for stage in (*STAGES, None):
        times = {
            side: [r["steps"][stage] if stage else r["seconds"] for r in found if "steps" in r]
            for side, found in runs.items()
        }
        if not all(times.values()):
            continue
        duck, spark = (statistics.median(times[s]) for s in ("duckdb", "spark"))
        ratios = [s / d for d, s in zip(times["duckdb"], times["spark"], strict=False)]
        ratio = statistics.median(ratios)
        print(f"{stage or 'all three':<16}{duck:>10.1f} s{spark:>14.1f} s{ratio:>15.2f}×")
    for side, found in runs.items():
        for r in found:
            if "peak_mib" in r:
                jvm = f", JVM peak {r['jvm_mib']:.0f} MiB" if r.get("jvm_mib") else ""
                print(f"{side}: driver peak {r['peak_mib']:.0f} MiB{jvm}, load {r['load']:.2f}")
    if args.json:
        args.json.write_text(
            json.dumps({"runs": runs, "outputs": checked}, indent=2), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
