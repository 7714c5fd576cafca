"""Start-up: `segmint status` on a small workspace against Python importing what it needs.

The floor is ``python -c "import duckdb, pyarrow, typer, rich.table"``: the libraries
`status` cannot do without (it opens the database, reads Arrow, parses its arguments and
draws a table). Both sides are whole processes started from this one, in the environment
as given: PYTHONDONTWRITEBYTECODE and the rest are passed on unchanged, so the figure is
what a user of this environment waits for. The two sides alternate (A B A B ...) so they
share the machine's drift; each is timed with `time.perf_counter` around the subprocess.
The goal (issue 9) is a median at most twice the floor's. The processor time of each
process (user + system, from `resource`) is shown beside it: on a shared machine it
moves much less with the load than the wall time does.

The workspace is made once, beside the script's temporary files: ``segmint generate``
then ``segmint import`` of its customers and orders (``--customers``, default 1,000).

Usage: python bench/startup.py [--customers N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 2.0
FLOOR = "import duckdb, pyarrow, typer, rich.table"


def segmint_command() -> str:
    """The `segmint` script of this interpreter's environment (as `make install` puts it)."""
    beside = Path(sys.executable).with_name("segmint")
    found = str(beside) if beside.exists() else shutil.which("segmint")
    if found is None:
        sys.exit("no 'segmint' command beside this Python or on PATH; run 'make install'")
    return found


def make_workspace(folder: Path, *, segmint: str, customers: int) -> Path:
    """A small real workspace: generated customers and orders, imported by the CLI."""
    data, ws = folder / "data", folder / "ws"
    quiet = {"check": True, "stdout": subprocess.DEVNULL}
    subprocess.run([segmint, "generate", "-n", str(customers), "--out", str(data)], **quiet)
    subprocess.run([segmint, "init", str(ws)], **quiet)
    for kind in ("customers", "orders"):
        subprocess.run([segmint, "import", kind, str(data / f"{kind}.csv"), "-w", str(ws)], **quiet)
    return ws


def seconds(command: list[str]) -> tuple[float, float]:
    """Wall and processor time of one process; a failing command stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=os.environ)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # children run one at a time
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(ws: Path, *, segmint: str, rounds: int) -> dict[str, list[tuple[float, float]]]:
    """`rounds` timings of each side, alternating, after one untimed warm-up of each."""
    sides = {
        "segmint status": [segmint, "status", "--workspace", str(ws)],
        "python -c import ...": [sys.executable, "-c", FLOOR],
    }
    for command in sides.values():  # the first start reads files into the page cache
        seconds(command)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, command in sides.items():
            times[name].append(seconds(command))
    return times


def report(times: dict[str, list[tuple[float, float]]]) -> None:
    """One line per side (wall min, median, max; processor median), then the ratios."""
    print(f"{'side':<22}{'min s':>8}{'median s':>10}{'max s':>8}{'cpu median s':>14}")
    walls, cpus = [], []
    for name, pairs in times.items():
        wall, cpu = [w for w, _ in pairs], [c for _, c in pairs]
        walls.append(statistics.median(wall))
        cpus.append(statistics.median(cpu))
        print(f"{name:<22}{min(wall):>8.3f}{walls[-1]:>10.3f}{max(wall):>8.3f}{cpus[-1]:>14.3f}")
    ratio = walls[0] / walls[1]
    verdict = "met" if ratio <= GOAL else "not met"
    print(f"ratio of medians: {ratio:.2f}x (goal <= {GOAL:g}x: {verdict})")
    print(f"ratio of processor times: {cpus[0] / cpus[1]:.2f}x")
    bytecode = os.environ.get("PYTHONDONTWRITEBYTECODE")
    print(f"PYTHONDONTWRITEBYTECODE={bytecode or '(unset)'}, load {os.getloadavg()[0]:.1f}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000, help="workspace size")
    parser.add_argument("--rounds", type=int, default=10, help="timings of each side")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    segmint = segmint_command()
    with tempfile.TemporaryDirectory(prefix="segmint-startup-") as tmp:
        ws = make_workspace(Path(tmp), segmint=segmint, customers=args.customers)
        report(measure(ws, segmint=segmint, rounds=args.rounds))


if __name__ == "__main__":
    main()
