"""RFM and the full run at scale: segmint vs the rfm package, pandas and DuckDB SQL.

Two parts, as in the issue:

(a) RFM of ``--orders`` orders (default 10M), side by side:

- segmint: ``Workspace.rfm(as_of=...)`` on a workspace holding those orders;
- rfm 1.0.9 from PyPI, in its own environment built on first use from the exact pins in
  ``bench/envs/rfm.txt`` (under ``.cache/bench-envs/rfm/``, as bench/clv.py does; an
  existing one is reused, and removing the directory rebuilds it);
- hand-written pandas;
- hand-written DuckDB SQL: one query over the workspace's ``orders`` table (read-only
  connection, with the memory limit and settings segmint's connection has), twice: as
  the definitions read (each order's local date, then filter and aggregate), and tuned
  (the end of as_of's local day turned into a UTC instant once for the filter, and the
  local date taken of each customer's last counted order only: a local date is a
  per-row time zone lookup in DuckDB, and it is monotone in the instant). The issue's
  goal is judged against the first; the second is shown as the stricter floor.

Every side computes, from the orders whose local date (Asia/Shanghai) is on or before
as_of: revenue rows = status neither cancelled nor refunded (no status is "paid");
counted orders = revenue rows with amount >= 0; recency_days = as_of - the date of the
last counted order; frequency = the number of counted orders; monetary = the sum of the
revenue rows' amounts; only customers with frequency >= 1. Scores with k = 5: cut points
c_j = the ceil(j n / 5)-th smallest value (nearest rank, DuckDB's quantile_disc(j / 5));
f = 1 + #{j : frequency > c_j}, m likewise, r = 5 - #{j : recency_days > c_j}. pandas'
and DuckDB's outputs are compared with segmint's on every customer (the three values and
the three scores). rfm 1.0.9 ranks by its own scheme (qcut of rank(method="first")), so
only its recency, frequency and monetary_value are compared. It is given what it asks
for, a transaction list: order_id, customer_id, order_date (the local date, YYYY-MM-DD)
and amount, holding the counted orders up to as_of, so its "latest date" is as_of and
its counts and sums are ours. The amounts go in integer cents: rfm 1.0.9 cuts the last
two characters off any value containing ".0" (10.05 becomes "10."), which would corrupt
amounts in yuan.

(b) The full ``segmint run`` (``Workspace.run``: features, CLV fits, scores, snapshot)
on ``--customers`` customers (default 1M, about 9.5 orders each) with all five tables
imported: its time, its peak memory, and the time of each step (from the run's
progress callback: "features", "customer value", "scores", "snapshot").

Data, generated once with ``segmint.demo.generate`` (seed 1, as_of 2026-06-30) and kept
in bench/.data (delete a folder there to rebuild it):

- the full run: ``parquet-<customers>/`` (the files bench/import.py writes too),
  imported into ``run-<customers>/ws``; every measurement runs on a fresh copy of that
  workspace, so each starts with no earlier run;
- RFM: ``rfm-<orders>/orders.parquet``, the first ``--orders`` orders in time of a
  dataset generated large enough, imported into ``rfm-<orders>/ws``; as_of is the local
  date of the newest of them.

Both workspaces get ``memory_limit = --memory-limit`` (default 3GB) in segmint.toml.

What is measured: each measurement is a fresh process. It opens the workspace or
database and loads its input before the clock starts, then times one call with
time.perf_counter: segmint ``ws.rfm(...)`` or ``ws.run(...)`` (the workspace's database
already open, and what these import on first use, the pipeline and ibis's DuckDB
backend, imported beforehand like every side's libraries); rfm the ``RFM(df, ...)``
constructor (values, scores and segments) on a DataFrame read from a CSV of its
transactions beforehand; pandas everything from the UTC timestamps to the scores, on a
DataFrame read from the workspace's orders table beforehand (customer_id, ordered_at,
amount in integer cents, status); DuckDB the query and its Arrow result. Peak memory
is the process's own VmHWM from /proc/self/status (imports and loaded input included).
With ``--rounds`` > 1 the RFM sides alternate (A B C D E A B C D E ...), ratios are
taken round by round and the median is shown. The full run repeats ``--rounds`` times.
Other work on this 2-core machine skews times: each measurement records the 1-minute
load average as it starts ("load" in the tables), and the report names the commit.

Usage: python bench/run.py [--orders 10M] [--customers 1M] [--rounds R]
       [--memory-limit 3GB] [--parts rfm,run] [--skip rfm] [--timeout S] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from environments import interpreter, note

DATA = Path(__file__).parent / ".data"
SEED = 1  # and AS_OF: as bench/import.py, which writes the same parquet-<customers>
AS_OF = dt.date(2026, 6, 30)
ZONE = "Asia/Shanghai"  # the workspaces' default time zone
BINS = 5
ORDERS_PER_CUSTOMER = 9  # a little under the generator's ~9.5, so one dataset is enough
IMPORT_TODAY = dt.date(2100, 1, 1)  # no generated order counts as "in the future"
READY = ".bench-ready"  # written into a workspace once all its imports are done

# The issue's goals.
RFM_GOAL_ORDERS = 10_000_000
RFM_SPEEDUP = 40.0  # segmint's RFM at least this many times faster than rfm 1.0.9
SQL_RATIO = 1.3  # segmint's RFM at most this many times the DuckDB SQL's time
RUN_GOAL_CUSTOMERS = 1_000_000
RUN_SECONDS = 60.0
RUN_GIB = 4.0


def _cuts_sql(column: str) -> str:
    levels = ", ".join(f"{j / BINS:g}" for j in range(1, BINS))
    return f"quantile_disc({column}, [{levels}])"


def _above_sql(column: str, cuts: str) -> str:
    return " + ".join(f"({column} > cuts.{cuts}[{j}])::INTEGER" for j in range(1, BINS))


# The scores from the rfm relation, shared by both DuckDB queries.
SCORES_SQL = f"""
cuts AS (
    SELECT {_cuts_sql("recency_days")} AS r,
           {_cuts_sql("frequency")} AS f,
           {_cuts_sql("monetary")} AS m
    FROM rfm
)
SELECT customer_id, recency_days, frequency, monetary,
       {BINS} - ({_above_sql("recency_days", "r")}) AS r_score,
       1 + {_above_sql("frequency", "f")} AS f_score,
       1 + {_above_sql("monetary", "m")} AS m_score
FROM rfm, cuts
ORDER BY customer_id
"""

# The hand-written DuckDB side: the definitions as they read, each order's local date
# first ($as_of, $zone).
RFM_SQL = f"""
WITH o AS (
    SELECT customer_id,
           CAST(timezone($zone, ordered_at) AS DATE) AS day,
           amount,
           coalesce(status, 'paid') NOT IN ('cancelled', 'refunded') AS revenue
    FROM orders
), per_customer AS (
    SELECT customer_id,
           count(*) FILTER (WHERE revenue AND amount >= 0) AS frequency,
           max(day) FILTER (WHERE revenue AND amount >= 0) AS last_day,
           sum(amount) FILTER (WHERE revenue) AS monetary
    FROM o
    WHERE day <= CAST($as_of AS DATE)
    GROUP BY customer_id
), rfm AS (
    SELECT customer_id, CAST($as_of AS DATE) - last_day AS recency_days, frequency, monetary
    FROM per_customer
    WHERE frequency > 0
), {SCORES_SQL}"""

# The same, tuned: a local date is a time zone conversion, so convert once, not per
# row: the end of as_of's local day to a UTC instant for the filter, and each
# customer's last counted order (the local date is monotone in the instant).
RFM_SQL_TUNED = f"""
WITH o AS (
    SELECT customer_id, ordered_at, amount,
           coalesce(status, 'paid') NOT IN ('cancelled', 'refunded') AS revenue
    FROM orders
    WHERE ordered_at < timezone($zone, CAST(CAST($as_of AS DATE) + 1 AS TIMESTAMP))
), per_customer AS (
    SELECT customer_id,
           count(*) FILTER (WHERE revenue AND amount >= 0) AS frequency,
           max(ordered_at) FILTER (WHERE revenue AND amount >= 0) AS last_at,
           sum(amount) FILTER (WHERE revenue) AS monetary
    FROM o
    GROUP BY customer_id
), rfm AS (
    SELECT customer_id,
           CAST($as_of AS DATE) - CAST(timezone($zone, last_at) AS DATE) AS recency_days,
           frequency, monetary
    FROM per_customer
    WHERE frequency > 0
), {SCORES_SQL}"""

# Peak resident memory of this process: VmHWM starts afresh at exec, unlike ru_maxrss,
# which a child inherits from the (large) parent that generated the data.
PEAK = """
def PEAK():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

# An RFM worker's output, for the agreement check: one array per column, ids as text.
SAVE = """
def SAVE(path, **columns):
    import numpy as np
    arrays = {k: np.asarray(v) for k, v in columns.items()}
    np.savez(path, **{k: a.astype(str) if a.dtype == object else a for k, a in arrays.items()})
"""

# What segmint imports on first use (ws.rfm and ws.run import the pipeline, the engine
# loads ibis's DuckDB backend on its first expression): imported before the clock, as
# every other side's libraries are. A module that is not there (any more) is skipped.
PRELOAD = """
import importlib
for name in ("segmint.pipeline.run", "ibis.backends.duckdb"):
    try:
        importlib.import_module(name)
    except ImportError:
        pass
import ibis
ibis.duckdb  # the backend's entry point, looked up once
"""

# RFM workers: argv = their input, then the .npz to write.
SEGMINT_RFM = (
    PEAK
    + SAVE
    + PRELOAD
    + """
import datetime as dt, json, sys, time
import pyarrow as pa
import pyarrow.compute as pc
from segmint.workspace import Workspace
ws_dir, as_of, out = sys.argv[1:4]
ws = Workspace(ws_dir)
ws.engine  # open the database before the clock starts, as the other sides do
started = time.perf_counter()
table = ws.rfm(as_of=dt.date.fromisoformat(as_of))
seconds = time.perf_counter() - started
cents = pc.cast(pc.multiply(table["monetary"], 100), pa.int64())
SAVE(out, customer_id=table["customer_id"].to_numpy(), recency=table["recency_days"].to_numpy(),
     frequency=table["frequency"].to_numpy(), monetary=cents.to_numpy(),
     r=table["r_score"].to_numpy(), f=table["f_score"].to_numpy(), m=table["m_score"].to_numpy())
print(json.dumps({"seconds": seconds, "customers": table.num_rows, "peak_mib": PEAK()}))
"""
)


def duckdb_worker(sql: str) -> str:
    """A DuckDB worker running `sql`: argv = database, as_of, memory limit, output."""
    return (
        PEAK
        + SAVE
        + f"""
import json, sys, time
import duckdb
import pyarrow as pa
import pyarrow.compute as pc
db, as_of, memory_limit, out = sys.argv[1:5]
con = duckdb.connect(db, read_only=True)
# the settings segmint's connection makes
con.execute("SET enable_progress_bar = false")
con.execute("SET preserve_insertion_order = false")
con.execute("SET memory_limit = ?", [memory_limit])
started = time.perf_counter()
table = con.execute({sql!r}, {{"as_of": as_of, "zone": {ZONE!r}}}).to_arrow_table()
seconds = time.perf_counter() - started
money = pc.cast(table["monetary"], pa.decimal128(18, 2))  # sum() gives DECIMAL(38, 2)
cents = pc.cast(pc.multiply(money, 100), pa.int64())
SAVE(out, customer_id=table["customer_id"].to_numpy(), recency=table["recency_days"].to_numpy(),
     frequency=table["frequency"].to_numpy(), monetary=cents.to_numpy(),
     r=table["r_score"].to_numpy(), f=table["f_score"].to_numpy(), m=table["m_score"].to_numpy())
print(json.dumps({{"seconds": seconds, "customers": table.num_rows, "peak_mib": PEAK()}}))
"""
    )


PANDAS_RFM = (
    PEAK
    + SAVE
    + f"""
import json, sys, time
import duckdb
import numpy as np
import pandas as pd
db, as_of, memory_limit, out = sys.argv[1:5]
con = duckdb.connect(db, read_only=True)
con.execute("SET enable_progress_bar = false")  # it would write to stdout
con.execute("SET memory_limit = ?", [memory_limit])
orders = con.execute(
    "SELECT customer_id, ordered_at, CAST(amount * 100 AS BIGINT) AS cents, status FROM orders"
).df()
con.close()

def cuts(values):  # the ceil(j n / k)-th smallest value, j = 1 .. k - 1
    ranks = [-(-j * values.size // {BINS}) for j in range(1, {BINS})]
    return np.sort(values)[np.array(ranks) - 1]

def above(values):  # #{{j : value > c_j}}
    return (values[:, None] > cuts(values)[None, :]).sum(axis=1)

started = time.perf_counter()
local = orders["ordered_at"].dt.tz_convert({ZONE!r}).dt.tz_localize(None)
day = local.to_numpy().astype("datetime64[D]").astype(np.int64)
as_of_day = np.datetime64(as_of, "D").astype(np.int64)
keep = day <= as_of_day
o = orders[keep]
revenue = ~o["status"].fillna("paid").isin(["cancelled", "refunded"])
counted = revenue & (o["cents"] >= 0)
parts = pd.DataFrame({{
    "customer_id": o["customer_id"],
    "counted": counted,
    "last_day": pd.Series(day[keep], index=o.index).where(counted),
    "monetary": o["cents"].where(revenue, 0),
}})
g = parts.groupby("customer_id").agg(
    frequency=("counted", "sum"), last_day=("last_day", "max"), monetary=("monetary", "sum")
)
g = g[g["frequency"] > 0]
recency = (as_of_day - g["last_day"].to_numpy()).astype(np.int64)
frequency = g["frequency"].to_numpy()
monetary = g["monetary"].to_numpy()
r = {BINS} - above(recency)
f = 1 + above(frequency)
m = 1 + above(monetary)
seconds = time.perf_counter() - started
SAVE(out, customer_id=g.index.to_numpy(), recency=recency, frequency=frequency,
     monetary=monetary, r=r, f=f, m=m)
print(json.dumps({{"seconds": seconds, "customers": len(g), "peak_mib": PEAK()}}))
"""
)

RFM_PACKAGE = (
    PEAK
    + SAVE
    + """
import json, sys, time
import numpy as np
import pandas as pd
from rfm import RFM
path, out = sys.argv[1:3]
types = {"order_id": str, "customer_id": str, "order_date": str, "amount": "int64"}
df = pd.read_csv(path, dtype=types)
started = time.perf_counter()
result = RFM(df, customer_id="customer_id", transaction_date="order_date", amount="amount")
seconds = time.perf_counter() - started
t = result.rfm_table
SAVE(out, customer_id=t["customer_id"].to_numpy(), recency=t["recency"].to_numpy(),
     frequency=t["frequency"].to_numpy(),
     monetary=np.round(t["monetary_value"].to_numpy()).astype(np.int64))
print(json.dumps({"seconds": seconds, "customers": len(t), "peak_mib": PEAK()}))
"""
)

# The full run: argv = workspace folder, as_of. Steps are timed from the progress calls.
SEGMINT_RUN = (
    PEAK
    + PRELOAD
    + """
import datetime as dt, json, sys, time
from segmint.workspace import Workspace
ws_dir, as_of = sys.argv[1:3]
ws = Workspace(ws_dir)
ws.engine  # open the database before the clock starts
marks = []
started = time.perf_counter()
result = ws.run(as_of=dt.date.fromisoformat(as_of),
                progress=lambda step: marks.append((step, time.perf_counter())))
seconds = time.perf_counter() - started
names = ["(start)"] + [name for name, _ in marks]
times = [started] + [at for _, at in marks] + [started + seconds]
steps = {name: times[i + 1] - times[i] for i, name in enumerate(names)}
print(json.dumps({"seconds": seconds, "customers": result.customers, "steps": steps,
                  "peak_mib": PEAK()}))
"""
)

RFM_SIDES = ("segmint", "rfm", "pandas", "duckdb", "duckdb-tuned")
LABELS = {
    "segmint": "segmint",
    "rfm": "rfm 1.0.9",
    "pandas": "pandas",
    "duckdb": "DuckDB SQL",
    "duckdb-tuned": "DuckDB SQL, tuned",
}
ALL = ("recency", "frequency", "monetary", "r", "f", "m")
COMPARED = {  # the output columns each side must share with segmint's
    "rfm": ("recency", "frequency", "monetary"),
    "pandas": ALL,
    "duckdb": ALL,
    "duckdb-tuned": ALL,
}


# --- data and workspaces -----------------------------------------------------------


def first_orders(n: int, path: Path) -> None:
    """Write the first `n` orders in time of a generated dataset large enough."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from segmint.demo.generate import generate

    customers = -(-n // ORDERS_PER_CUSTOMER)
    while True:
        note(f"generating {customers:,} customers for {n:,} orders ...")
        orders = generate(customers, seed=SEED, as_of=AS_OF).orders
        if orders.num_rows >= n:
            break
        customers = math.ceil(customers * 1.05 * n / max(orders.num_rows, 1))
    order = pc.sort_indices(orders, [("ordered_at", "ascending"), ("order_id", "ascending")])
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(orders.take(order.slice(0, n)), path)


def full_data(customers: int) -> dict[str, Path]:
    """The five Parquet files of `customers` generated customers (as bench/import.py)."""
    from segmint.core.schema import KINDS

    folder = DATA / f"parquet-{customers}"
    files = {kind: folder / f"{kind}.parquet" for kind in KINDS}
    if not all(path.exists() for path in files.values()):
        from segmint.demo.generate import generate
        from segmint.demo.messy import write_files

        note(f"generating {customers:,} customers ...")
        write_files(generate(customers, seed=SEED, as_of=AS_OF), folder, file_format="parquet")
    return files


def workspace(home: Path, files: dict[str, Path], memory_limit: str) -> Path:
    """A workspace at `home` with `files` imported (once; an unfinished one is redone)."""
    from segmint.workspace import Workspace

    if not (home / READY).exists():
        if home.exists():
            shutil.rmtree(home)  # an earlier build of this function that did not finish
        Workspace.init(home).close()
        set_memory_limit(home, memory_limit)
        with Workspace(home) as ws:
            for kind, path in files.items():
                started = time.perf_counter()
                done = ws.import_file(kind, path, today=IMPORT_TODAY)
                note(
                    f"imported {kind}: {done.accepted:,} rows, {done.quarantined:,} "
                    f"quarantined, {time.perf_counter() - started:.0f} s"
                )
        (home / READY).write_text("imported: " + ", ".join(files) + "\n", encoding="utf-8")
    set_memory_limit(home, memory_limit)
    return home


def set_memory_limit(home: Path, memory_limit: str) -> None:
    """Write `memory_limit` into the workspace's segmint.toml and check that it reads back."""
    from segmint.core import config

    path = home / config.CONFIG_FILE
    line = f'memory_limit = "{memory_limit}"'
    text = path.read_text(encoding="utf-8")
    text, found = re.subn(r"(?m)^memory_limit\s*=.*$", line, text)
    path.write_text(text if found else f"{line}\n{text}", encoding="utf-8")
    if config.load(home).memory_limit != memory_limit:
        raise SystemExit(f"{path}: memory_limit does not read back as {memory_limit}")


def database_facts(home: Path) -> dict[str, Any]:
    """Orders, customers with orders, and the local date of the newest order."""
    import duckdb

    con = duckdb.connect(str(home / "segmint.duckdb"), read_only=True)
    try:
        orders, customers, newest = con.execute(
            "SELECT count(*), count(DISTINCT customer_id), "
            "CAST(max(timezone(?, ordered_at)) AS DATE) FROM orders",
            [ZONE],
        ).fetchone()
    finally:
        con.close()
    return {"orders": orders, "customers": customers, "newest": newest.isoformat()}


def rfm_transactions(home: Path, as_of: str, path: Path) -> Path:
    """rfm 1.0.9's input: the counted orders up to as_of, local dates, amounts in cents."""
    import duckdb

    con = duckdb.connect(str(home / "segmint.duckdb"), read_only=True)
    try:
        local = "CAST(timezone($zone, ordered_at) AS DATE)"
        con.execute(
            f"COPY (SELECT order_id, customer_id, strftime({local}, '%Y-%m-%d') AS order_date, "
            "CAST(amount * 100 AS BIGINT) AS amount FROM orders "
            "WHERE coalesce(status, 'paid') NOT IN ('cancelled', 'refunded') AND amount >= 0 "
            f"AND {local} <= CAST($as_of AS DATE)) TO '{path}' (HEADER)",
            {"zone": ZONE, "as_of": as_of},
        )
    finally:
        con.close()
    return path


# --- measuring ---------------------------------------------------------------------


def measure(python: str, script: str, args: list[str], timeout: float) -> dict[str, Any]:
    """One measurement in a fresh process: what the worker prints, or why there is none,
    and the machine's load (1-minute average) as it started."""
    load = os.getloadavg()[0]
    try:
        done = subprocess.run(
            [python, "-c", script, *args], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"timeout": timeout, "load": load}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["no message"])[-1], "load": load}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"error": f"no figures in its output: {done.stdout.strip()[-200:]!r}", "load": load}
    figures: dict[str, Any] = json.loads(lines[-1])
    return {**figures, "load": load}


def describe(run: dict[str, Any]) -> str:
    if "seconds" in run:
        return f"{run['seconds']:.2f} s, {run['peak_mib']:.0f} MiB"
    if "timeout" in run:
        return f"> {run['timeout']:.0f} s (timeout)"
    return f"failed: {run.get('error')}"


def ratios(top: list[dict[str, Any]], bottom: list[dict[str, Any]]) -> dict[str, float] | None:
    """top seconds / bottom seconds, round by round: median, min and max."""
    found = [
        a["seconds"] / b["seconds"]
        for a, b in zip(top, bottom, strict=False)
        if "seconds" in a and "seconds" in b
    ]
    if not found:
        return None
    return {"median": statistics.median(found), "min": min(found), "max": max(found)}


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median, min and max seconds and the largest peak of a side's runs."""
    timed = [r["seconds"] for r in runs if "seconds" in r]
    if not timed:
        return {"failed": describe(runs[-1])}
    return {
        "seconds": statistics.median(timed),
        "min": min(timed),
        "max": max(timed),
        "peak_mib": max(r["peak_mib"] for r in runs if "seconds" in r),
        "customers": next(r["customers"] for r in runs if "seconds" in r),
        "load": max(r["load"] for r in runs),
    }


# --- (a) RFM ------------------------------------------------------------------------


def rfm_part(args: argparse.Namespace, rfm_python: str | None) -> dict[str, Any]:
    """The four RFM sides, alternating round by round, and whether their outputs agree."""
    folder = DATA / f"rfm-{args.orders}"
    if not (folder / "orders.parquet").exists():
        first_orders(args.orders, folder / "orders.parquet")
    home = workspace(folder / "ws", {"orders": folder / "orders.parquet"}, args.memory_limit)
    facts = database_facts(home)
    as_of, db = facts["newest"], str(home / "segmint.duckdb")
    with tempfile.TemporaryDirectory(dir=DATA, prefix="rfm-out-") as tmp:
        out = Path(tmp)
        sides = {
            "segmint": (sys.executable, SEGMINT_RFM, [str(home), as_of]),
            "pandas": (sys.executable, PANDAS_RFM, [db, as_of, args.memory_limit]),
            "duckdb": (sys.executable, duckdb_worker(RFM_SQL), [db, as_of, args.memory_limit]),
            "duckdb-tuned": (
                sys.executable,
                duckdb_worker(RFM_SQL_TUNED),
                [db, as_of, args.memory_limit],
            ),
        }
        if rfm_python is not None:
            csv = rfm_transactions(home, as_of, out / "transactions.csv")
            sides["rfm"] = (rfm_python, RFM_PACKAGE, [str(csv)])
        sides = {name: sides[name] for name in RFM_SIDES if name in sides}
        note(f"RFM, {facts['orders']:,} orders, as of {as_of}:")
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in sides}
        for _ in range(args.rounds):
            for name, (python, script, argv) in sides.items():
                if runs[name] and "seconds" not in runs[name][-1]:
                    continue  # failed or timed out: not run again
                found = measure(python, script, [*argv, str(out / f"{name}.npz")], args.timeout)
                runs[name].append(found)
                note(f"  {LABELS[name]}: {describe(found)}")
        agreement = {
            name: agree(out / "segmint.npz", out / f"{name}.npz", COMPARED[name])
            for name in sides
            if name != "segmint"
        }
    return {
        "part": "rfm",
        **facts,
        "as_of": as_of,
        "rounds": args.rounds,
        "sides": {name: summary(side_runs) for name, side_runs in runs.items()},
        "vs_segmint": {name: ratios(runs[name], runs["segmint"]) for name in runs},
        "segmint_vs": {
            name: ratios(runs["segmint"], runs[name]) for name in ("duckdb", "duckdb-tuned")
        },
        "agreement": agreement,
        "runs": runs,
    }


def agree(ours: Path, theirs: Path, columns: tuple[str, ...]) -> str:
    """ "agree", or how the two outputs differ (customers, then column by column)."""
    if not ours.exists() or not theirs.exists():
        return "-"
    a, b = by_customer(ours), by_customer(theirs)
    if a["customer_id"].size != b["customer_id"].size:
        return f"differ: {b['customer_id'].size:,} customers, segmint {a['customer_id'].size:,}"
    if not np.array_equal(a["customer_id"], b["customer_id"]):
        return "differ: other customers"
    wrong = {c: int(np.count_nonzero(a[c] != b[c])) for c in columns}
    wrong = {c: k for c, k in wrong.items() if k}
    if wrong:
        return "differ: " + ", ".join(f"{c} of {k:,} customers" for c, k in wrong.items())
    return "agree"


def by_customer(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    order = np.argsort(arrays["customer_id"], kind="stable")
    return {name: values[order] for name, values in arrays.items()}


# --- (b) the full run ---------------------------------------------------------------


def run_part(args: argparse.Namespace) -> dict[str, Any]:
    """`segmint run` on a fresh copy of the imported workspace, `--rounds` times."""
    home = workspace(
        DATA / f"run-{args.customers}" / "ws", full_data(args.customers), args.memory_limit
    )
    facts = database_facts(home)
    note(f"segmint run, {args.customers:,} customers, {facts['orders']:,} orders:")
    runs = []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory(dir=DATA, prefix="run-copy-") as tmp:
            copy = Path(tmp) / "ws"
            shutil.copytree(home, copy, ignore=shutil.ignore_patterns("*.tmp"))
            found = measure(
                sys.executable, SEGMINT_RUN, [str(copy), AS_OF.isoformat()], args.timeout
            )
        runs.append(found)
        note(f"  segmint run: {describe(found)}")
    return {
        "part": "run",
        **facts,
        "as_of": AS_OF.isoformat(),
        "memory_limit": args.memory_limit,
        "summary": summary(runs),
        "runs": runs,
    }


# --- report -------------------------------------------------------------------------


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    for row in (header, *rows):
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        print("  ".join(cells))


def ratio_cell(found: dict[str, float] | None) -> str:
    if not found:
        return "-"
    if found["min"] == found["max"]:
        return f"{found['median']:.2f}x"
    return f"{found['median']:.2f}x ({found['min']:.2f}-{found['max']:.2f})"


def rfm_row(name: str, figures: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """Seconds (median, spread), time over segmint's, peak, customers, load, agreement."""
    ratio = "1x" if name == "segmint" else ratio_cell(result["vs_segmint"][name])
    agreement = result["agreement"].get(name, "(reference)")
    if "seconds" not in figures:
        return [LABELS[name], "failed", "-", ratio, "-", "-", "-", agreement]
    low, high = figures["min"], figures["max"]
    return [
        LABELS[name],
        f"{figures['seconds']:.3f}",
        "-" if low == high else f"{low:.2f}-{high:.2f}",
        ratio,
        f"{figures['peak_mib']:.0f}",
        f"{figures['customers']:,}",
        f"{figures['load']:.1f}",
        agreement,
    ]


def print_rfm(result: dict[str, Any]) -> None:
    title = (
        f"(a) RFM of {result['orders']:,} orders ({result['customers']:,} customers with "
        f"orders), as of {result['as_of']}; {result['rounds']} round(s), medians"
    )
    header = ["side", "s", "s min-max", "time / segmint's", "peak MiB", "customers", "load"]
    rows = [rfm_row(name, figures, result) for name, figures in result["sides"].items()]
    print_table(title, [*header, "output"], rows)
    for name, figures in result["sides"].items():
        if "failed" in figures:
            print(f"  {LABELS[name]}: {figures['failed']}")
    print("  load: the machine's 1-minute load average as a measurement started (the largest)")
    print("  output: values and scores against segmint's (rfm 1.0.9: values only)")
    n, rfm, sql = result["orders"], result["vs_segmint"].get("rfm"), result["segmint_vs"]
    goals = (
        (f"segmint >= {RFM_SPEEDUP:g}x faster than rfm 1.0.9", rfm, lambda v: v >= RFM_SPEEDUP),
        (
            f"segmint <= {SQL_RATIO:g}x the time of the DuckDB SQL",
            sql["duckdb"],
            lambda v: v <= SQL_RATIO,
        ),
        (
            f"(stricter) segmint <= {SQL_RATIO:g}x the time of the tuned DuckDB SQL",
            sql["duckdb-tuned"],
            lambda v: v <= SQL_RATIO,
        ),
    )
    for text, found, met in goals:
        value = found["median"] if found else None
        print(f"  goal: {text}: {verdict(value, met, 'x', n, RFM_GOAL_ORDERS, 'orders')}")


def verdict(value: float | None, met: Any, unit: str, n: int, goal_n: int, what: str) -> str:
    if value is None:
        return "not measured"
    text = f"{value:.2f}{unit}, {'met' if met(value) else 'not met'}"
    return text if n == goal_n else f"{text} (at {n:,} {what}; the goal is for {goal_n:,})"


def run_row(label: str, run: dict[str, Any], steps: list[str]) -> list[str]:
    """A run's seconds, peak and the seconds of each step."""
    if "seconds" not in run:
        return [label, "failed", "-", *("-" for _ in steps), f"{run['load']:.1f}"]
    parts = [f"{run['steps'].get(step, 0.0):.2f}" for step in steps]
    return [label, f"{run['seconds']:.2f}", f"{run['peak_mib']:.0f}", *parts, f"{run['load']:.1f}"]


def print_run(result: dict[str, Any], customers: int) -> None:
    title = (
        f"(b) segmint run on {customers:,} customers ({result['orders']:,} orders), as of "
        f"{result['as_of']}, memory_limit {result['memory_limit']}"
    )
    timed = [r for r in result["runs"] if "seconds" in r]
    steps = list(timed[0]["steps"]) if timed else []
    header = ["round", "s", "peak MiB", *(f"{step} s" for step in steps), "load"]
    rows = [run_row(str(i), run, steps) for i, run in enumerate(result["runs"], 1)]
    if len(timed) > 1:
        middle = {
            "seconds": result["summary"]["seconds"],
            "peak_mib": result["summary"]["peak_mib"],  # the largest
            "steps": {s: statistics.median(r["steps"].get(s, 0.0) for r in timed) for s in steps},
            "load": result["summary"]["load"],  # the largest
        }
        rows.append(run_row("median (peak, load: max)", middle, steps))
    print_table(title, header, rows)
    for i, run in enumerate(result["runs"], 1):
        if "seconds" not in run:
            print(f"  round {i}: {describe(run)}")
    figures = result["summary"]
    seconds = figures.get("seconds")
    gib = figures["peak_mib"] / 1024 if "peak_mib" in figures else None
    goals = (
        (f"under {RUN_SECONDS:g} s", seconds, lambda v: v < RUN_SECONDS, " s"),
        (f"peak memory under {RUN_GIB:g} GiB", gib, lambda v: v < RUN_GIB, " GiB"),
    )
    for text, value, met, unit in goals:
        found = verdict(value, met, unit, customers, RUN_GOAL_CUSTOMERS, "customers")
        print(f"  goal: {text}: {found}")


# --- main ---------------------------------------------------------------------------


def count(text: str) -> int:
    """10000, 10k or 1M."""
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1].lower(), 1)
    return int(float(text.rstrip("kKmM")) * scale)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=count, default=10_000_000, help="orders of the RFM part")
    parser.add_argument("--customers", type=count, default=1_000_000, help="of the full run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory-limit", default="3GB", help="the workspaces' memory_limit")
    parser.add_argument("--parts", default="rfm,run", help="of rfm, run")
    parser.add_argument("--skip", action="append", default=[], choices=["rfm"])
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per measurement")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    args.parts = args.parts.split(",")
    unknown = sorted(set(args.parts) - {"rfm", "run"})
    if unknown:
        parser.error(f"unknown --parts {', '.join(unknown)}; choose from rfm, run")
    return args


def measured_code() -> str:
    """The commit of the segmint measured, and whether src/ differs from it."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "segmint (not in a git checkout)"
    dirty = git("status", "--porcelain", "--", "src")
    return f"segmint at commit {commit}" + (", with uncommitted changes in src/" if dirty else "")


def main() -> None:
    args = parse_args()
    started = time.perf_counter()
    DATA.mkdir(exist_ok=True)
    print(f"{measured_code()}, as the measurements start")
    results: list[dict[str, Any]] = []
    if "rfm" in args.parts:
        rfm_python = None if "rfm" in args.skip else interpreter("rfm")
        results.append(rfm_part(args, rfm_python))
        print_rfm(results[-1])
    if "run" in args.parts:
        results.append(run_part(args))
        print_run(results[-1], args.customers)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    note(f"{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
