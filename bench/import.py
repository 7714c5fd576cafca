"""Import speed against the floor: segmint's full import vs DuckDB reading the same file.

Two cases, as in the foundation issue:

- a ~10M-row orders Parquet file (typed columns): segmint's import vs
  `CREATE TABLE ... AS SELECT * FROM read_parquet(...)`;
- the same orders as a ~1.1 GB plain CSV: memory must stay well under 2 GiB;
- a ~1M-row messy GBK CSV (Chinese headers, mixed date and amount forms, broken rows):
  segmint's import with full validation and quarantine vs DuckDB's `read_csv` of the
  same rows re-encoded as UTF-8 (DuckDB cannot decode GBK);
- a ~1M-row Taobao order report (GBK, every cell quoted, ="…" order numbers, 'phones,
  the 2017 header of 46 columns): `segmint import FILE` with no flag, which finds the
  preset and fills orders, order items and customers, vs DuckDB's `read_csv` of the same
  rows as UTF-8.

Each measurement runs in its own process (so peak memory is that run's alone), the two
sides alternate A B A B to share the machine's drift, and the ratio is taken pair by
pair; the median is reported. Times exclude interpreter start-up and imports.

Usage: python bench/import.py [--customers N] [--csv-customers N] [--rounds R]
                              [--only parquet|csv|messy|taobao]
"""

from __future__ import annotations

import argparse
import ast
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).parent / ".data"

# Peak resident memory of this process: VmHWM starts afresh at exec, unlike ru_maxrss,
# which a child inherits from the (large) parent that generated the data.
PEAK = """
def PEAK():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

SEGMINT = (
    PEAK
    + """
import sys, time, datetime as dt
from segmint.workspace import Workspace
kind, path, ws_dir = sys.argv[1:4]
ws = Workspace.init(ws_dir)
ws.engine  # open the database before the clock starts, as DuckDB's side does
started = time.perf_counter()
result = ws.import_file(None if kind == "-" else kind, path, today=dt.date(2100, 1, 1))
seconds = time.perf_counter() - started
print({"seconds": seconds, "rows": result.rows_read, "accepted": result.accepted,
       "quarantined": result.quarantined, "peak_mib": PEAK()})
"""
)

DUCKDB = (
    PEAK
    + """
import sys, time, duckdb
reader, path, db = sys.argv[1:4]
con = duckdb.connect(db)
con.execute("SET enable_progress_bar = false")
started = time.perf_counter()
con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}(?)", [path])
seconds = time.perf_counter() - started
rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
print({"seconds": seconds, "rows": rows, "peak_mib": PEAK()})
"""
)


def run(script: str, *args: str) -> dict[str, float]:
    """One measurement in a fresh process: the figures it prints, peak memory included."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


def make_data(customers: int, csv_customers: int) -> tuple[Path, Path, Path, Path]:
    """Generate (once, cached in bench/.data) the Parquet, big CSV and messy CSV inputs."""
    import datetime as dt

    from segmint.demo.generate import generate
    from segmint.demo.messy import write_files

    as_of = dt.date(2026, 6, 30)
    parquet_dir = DATA / f"parquet-{customers}"
    if not (parquet_dir / "orders.parquet").exists():
        write_files(generate(customers, seed=1, as_of=as_of), parquet_dir, file_format="parquet")
    csv_dir = DATA / f"messy-{csv_customers}"
    if not (csv_dir / "orders.csv").exists():
        write_files(generate(csv_customers, seed=2, as_of=as_of), csv_dir, messy=True)
    big = parquet_dir / "orders.csv"
    if not big.exists():
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        pacsv.write_csv(pq.read_table(parquet_dir / "orders.parquet"), big)
    utf8 = csv_dir / "orders.utf8.csv"
    if not utf8.exists():
        utf8.write_text((csv_dir / "orders.csv").read_text(encoding="gb18030"), encoding="utf-8")
    return parquet_dir / "orders.parquet", big, csv_dir / "orders.csv", utf8


def make_taobao(csv_customers: int) -> tuple[Path, Path]:
    """A Taobao order report of the messy case's orders (GBK) and its UTF-8 twin, cached."""
    gbk, utf8 = DATA / f"taobao-{csv_customers}.csv", DATA / f"taobao-{csv_customers}.utf8.csv"
    if not (gbk.exists() and utf8.exists()):
        import datetime as dt

        from segmint.demo.generate import generate
        from segmint.demo.platforms import write_taobao_report

        data = generate(csv_customers, seed=2, as_of=dt.date(2026, 6, 30))
        write_taobao_report(data, gbk)
        utf8.write_text(gbk.read_text(encoding="gbk"), encoding="utf-8")
    return gbk, utf8


def compare(name: str, ours: tuple[str, ...], floor: tuple[str, ...], rounds: int) -> dict:
    """Alternate segmint and the floor `rounds` times; return the figures of each pair."""
    pairs = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            a = run(SEGMINT, *ours, str(Path(tmp) / "ws"))
            b = run(DUCKDB, *floor, str(Path(tmp) / "floor.duckdb"))
        pairs.append((a, b))
    ratios = [a["seconds"] / b["seconds"] for a, b in pairs]
    a_last = pairs[-1][0]
    return {
        "case": name,
        "rows": int(a_last["rows"]),
        "quarantined": int(a_last.get("quarantined", 0)),
        "segmint_s": statistics.median(a["seconds"] for a, _ in pairs),
        "duckdb_s": statistics.median(b["seconds"] for _, b in pairs),
        "ratio": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "segmint_peak_mib": max(a["peak_mib"] for a, _ in pairs),
        "duckdb_peak_mib": max(b["peak_mib"] for _, b in pairs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000, help="for the Parquet case")
    parser.add_argument("--csv-customers", type=int, default=100_000, help="for the CSV case")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", choices=("parquet", "csv", "messy", "taobao"), help="one case")
    args = parser.parse_args()
    started = time.perf_counter()
    results = []
    wanted = {args.only} if args.only else {"parquet", "csv", "messy", "taobao"}
    if wanted & {"parquet", "csv", "messy"}:
        parquet, big, gbk, utf8 = make_data(args.customers, args.csv_customers)
    if "parquet" in wanted:
        floor = ("read_parquet", str(parquet))
        results.append(compare("orders Parquet", ("orders", str(parquet)), floor, args.rounds))
    if "csv" in wanted:
        name = f"orders CSV {big.stat().st_size / 2**30:.1f} GiB"
        results.append(compare(name, ("orders", str(big)), ("read_csv", str(big)), args.rounds))
    if "messy" in wanted:
        floor = ("read_csv", str(utf8))
        results.append(compare("messy GBK orders CSV", ("orders", str(gbk)), floor, args.rounds))
    if "taobao" in wanted:
        taobao, taobao_utf8 = make_taobao(args.csv_customers)
        floor = ("read_csv", str(taobao_utf8))
        results.append(compare("Taobao GBK report", ("-", str(taobao)), floor, args.rounds))
    print(f"done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"{'case':<22}{'rows':>12}{'segmint s':>11}{'duckdb s':>10}{'ratio':>8}"
        f"{'(min-max)':>13}{'segmint MiB':>13}{'duckdb MiB':>12}"
    )
    for r in results:
        print(
            f"{r['case']:<22}{r['rows']:>12,}{r['segmint_s']:>11.2f}{r['duckdb_s']:>10.2f}"
            f"{r['ratio']:>8.2f}{r['ratio_min']:>6.2f}-{r['ratio_max']:<6.2f}"
            f"{r['segmint_peak_mib']:>13.0f}{r['duckdb_peak_mib']:>12.0f}"
        )


if __name__ == "__main__":
    main()
