"""Customer-base models: segmint.clv vs lifetimes 0.11.3 and PyMC-Marketing (MAP).

Each library fits the same simulated customers, each in its own environment:
segmint in this interpreter, lifetimes and PyMC-Marketing in virtual environments
built on first use from the exact pins in ``bench/envs/<name>.txt`` (under
``.cache/bench-envs/<name>/``, with this interpreter's ``-m venv`` and pip) and reused
afterwards. A library whose environment cannot be built is left out with the reason.

Cases (``CASES``; one row each): BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma fits, and
``summarize`` (segmint.clv.summarize vs lifetimes' summary_data_from_transaction_data,
in days, on a pandas transaction log). PyMC-Marketing has no ``summarize`` side.

Data, simulated once per case and size with ``segmint.models.clv.simulate`` (seed
``SEED``) and written to ``bench/.data/clv_<case>_<n>.npz``, so every library reads
identical arrays. Times are in days: customers are acquired uniformly over two years
(T a whole number of days in [1, 730]) and recency is floored to whole days, as an
order log gives them. True parameters: the CDNOW estimates of the papers with the rate
scales (alpha, beta) carried from weeks to days. Gamma-Gamma's n is the number of
customers with repeat purchases (frequencies from the BG/NBD simulation, mean spends
rounded to cents). ``summarize`` reads n transactions of n/5 customers over the same
two years, with a time of day and amounts in cents, as of the last day.

What is measured: each measurement is a fresh process running a small worker script
with that library's Python. It loads the arrays (and builds the DataFrame a library
wants) before the clock starts and times only the fit, the first in that process, as a
user sees it, with time.perf_counter; interpreter start-up and imports are excluded,
PyMC-Marketing's graph building and compilation are included (they happen inside its
``fit(method="map")``; pytensor's on-disk compile cache is warm after the first run).
Peak memory is the worker's own VmHWM from /proc/self/status. A fit that outlives
``--timeout`` is stopped and shown as "> N s (timeout)"; a library that timed out at a
size is not run at the larger sizes of that case. With ``--rounds`` > 1 the libraries
alternate (A B C A B C ...), ratios are taken round by round and the median is shown.

Log-likelihood: every library's fitted parameters are scored in this process with
segmint's own per-customer ``log_likelihood`` of that model (the same function for
every side), summed over customers. ΔLL = (LL_segmint - LL_other) / |LL_other|; a "!"
marks segmint lower by more than 1e-6. PyMC-Marketing's MAP maximises a posterior with
its default priors, not the likelihood, so its ΔLL is expected to be positive.

Usage: python bench/clv.py [--models beta_geo,...] [--sizes 10k,100k,1M]
       [--transactions 5M] [--rounds R] [--timeout S] [--skip pymc-marketing]
       [--json FILE]
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import environments
import numpy as np
from environments import note

DATA = Path(__file__).parent / ".data"
SEED = 4
DAYS = 730  # two years of acquisition; T is in [1, DAYS]
FIRST_DAY = np.datetime64("2024-01-01")  # the log's first day; as_of is FIRST_DAY + DAYS
LL_TOLERANCE = 1e-6
COMPARED_ROWS = 1000  # summarize: the first rows of the two outputs compared
# BG/NBD's true parameters: the CDNOW estimates (Fader, Hardie & Lee 2005), alpha in days
BG_NBD = (0.243, 4.414 * 7, 0.793, 2.426)

# Peak resident memory of this process: VmHWM starts afresh at exec, unlike ru_maxrss,
# which a child inherits from the (large) parent that generated the data.
PEAK = """
def PEAK():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

# Each fit worker: argv = class name, .npz path, the input columns in fit order.
SEGMINT_FIT = (
    PEAK
    + """
import json, sys, time
import numpy as np
import segmint.clv
name, path, *columns = sys.argv[1:]
data = np.load(path)
inputs = [data[c] for c in columns]
model = getattr(segmint.clv, name)()
started = time.perf_counter()
model.fit(*inputs)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "params": model.params_._asdict(),
                  "iterations": model.n_iterations_, "peak_mib": PEAK()}))
"""
)

LIFETIMES_FIT = (
    PEAK
    + """
import json, sys, time
import numpy as np
import lifetimes
name, path, *columns = sys.argv[1:]
data = np.load(path)
inputs = [data[c] for c in columns]
model = getattr(lifetimes, name)()
started = time.perf_counter()
model.fit(*inputs)
seconds = time.perf_counter() - started
params = {{"v": "gamma"}.get(k, k): float(v) for k, v in model.params_.items()}
print(json.dumps({"seconds": seconds, "params": params, "iterations": None,
                  "peak_mib": PEAK()}))
"""
)

PYMC_FIT = (
    PEAK
    + """
import json, sys, time
import numpy as np
import pandas as pd
from pymc_marketing import clv
name, path, *columns = sys.argv[1:]
data = np.load(path)
frame = pd.DataFrame({c: data[c] for c in columns})
frame.insert(0, "customer_id", np.arange(len(frame)))
model = getattr(clv, name)()
started = time.perf_counter()
model.fit(frame, method="map", progressbar=False)
seconds = time.perf_counter() - started
posterior = model.idata.posterior
params = {{"v": "gamma"}.get(k, k): float(v.values.squeeze())
          for k, v in posterior.items() if v.size == 1}
print(json.dumps({"seconds": seconds, "params": params, "iterations": None,
                  "peak_mib": PEAK()}))
"""
)

# Each summarize worker: argv = .npz path of the log, as_of; prints its first COMPARED_ROWS rows.
FIRST_ROWS = f"""
def FIRST_ROWS(table):
    table = table.sort_index().iloc[:{COMPARED_ROWS}]
    columns = ("frequency", "recency", "T", "monetary_value")
    return {{"customer_id": table.index.tolist(),
            **{{c: table[c].astype(float).tolist() for c in columns}}}}
"""

SUMMARY_LOAD = """
import json, sys, time
import numpy as np
import pandas as pd
path, as_of = sys.argv[1:3]
data = np.load(path)
log = pd.DataFrame({k: data[k] for k in ("customer_id", "date", "amount")})
"""

SEGMINT_SUMMARY = (
    PEAK
    + FIRST_ROWS
    + SUMMARY_LOAD
    + """
import segmint.clv
started = time.perf_counter()
table = segmint.clv.summarize(log, customer_id="customer_id", ordered_at="date",
                              amount="amount", as_of=as_of, unit="D")
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "customers": len(table), "head": FIRST_ROWS(table),
                  "peak_mib": PEAK()}))
"""
)

LIFETIMES_SUMMARY = (
    PEAK
    + FIRST_ROWS
    + SUMMARY_LOAD
    + """
from lifetimes.utils import summary_data_from_transaction_data
started = time.perf_counter()
table = summary_data_from_transaction_data(log, "customer_id", "date",
    monetary_value_col="amount", observation_period_end=as_of, freq="D")
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "customers": len(table), "head": FIRST_ROWS(table),
                  "peak_mib": PEAK()}))
"""
)


# --- data ---------------------------------------------------------------------------


def customer_ages(n: int, rng: np.random.Generator) -> np.ndarray:
    """T of `n` customers acquired uniformly over two years, in whole days."""
    return rng.integers(1, DAYS + 1, size=n).astype(np.float64)


def rfm_data(case: Case, n: int, rng: np.random.Generator) -> dict[str, np.ndarray] | None:
    """Frequency, recency (floored to days) and T of `n` customers of `case`'s model."""
    from segmint.models.clv import simulate

    draw = getattr(simulate, case.key, None)
    module = model_module(case)
    if draw is None or module is None:
        return None
    x, t_x, age = draw(module.Params(*case.truth), n, customer_ages(n, rng), rng)
    return {"frequency": x, "recency": np.floor(t_x), "T": age}


def spend_data(case: Case, n: int, rng: np.random.Generator) -> dict[str, np.ndarray] | None:
    """Frequency and mean spend (in cents) of `n` customers with repeat purchases."""
    from segmint.models.clv import simulate
    from segmint.models.clv.beta_geo import Params as BetaGeoParams

    module = model_module(case)
    if not hasattr(simulate, "gamma_gamma") or module is None:
        return None
    frequencies, found = [], 0
    while found < n:  # BG/NBD customers until n of them have repeat purchases
        x, _, _ = simulate.beta_geo(BetaGeoParams(*BG_NBD), n, customer_ages(n, rng), rng)
        frequencies.append(x[x > 0])
        found += frequencies[-1].size
    x = np.concatenate(frequencies)[:n]
    spend = simulate.gamma_gamma(module.Params(*case.truth), x, rng)
    return {"frequency": x, "monetary_value": np.maximum(np.round(spend, 2), 0.01)}


def transaction_log(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """`n` transactions of n/5 customers: first purchases uniform over two years, repeat
    purchases uniform from then to the end, shared by a gamma-distributed propensity."""
    customers = max(n // 5, 1)
    ids = rng.permutation(customers) + 1_000_000
    first = rng.integers(0, DAYS, size=customers)
    propensity = rng.gamma(0.5, size=customers)
    owner = np.r_[
        np.arange(customers), rng.choice(customers, n - customers, p=propensity / propensity.sum())
    ]
    day = np.r_[first, rng.integers(first[owner[customers:]], DAYS)]
    seconds = rng.integers(0, 86_400, size=n)
    date = FIRST_DAY + day.astype("timedelta64[D]") + seconds.astype("timedelta64[s]")
    amount = np.maximum(np.round(rng.gamma(2.0, 20.0, size=n), 2), 0.01)
    order = np.argsort(date, kind="stable")
    return {"customer_id": ids[owner][order], "date": date[order], "amount": amount[order]}


def data_file(key: str, n: int, make: Any) -> Path | None:
    """bench/.data/clv_<key>_<n>.npz, written once from `make(n, rng)`; None if it cannot."""
    path = DATA / f"clv_{key}_{n}.npz"
    if not path.exists():
        arrays = make(n, np.random.default_rng([SEED, n]))
        if arrays is None:
            return None
        DATA.mkdir(exist_ok=True)
        np.savez(path, **arrays)
    return path


def model_module(case: Case) -> Any:
    """segmint.models.clv.<case.key> (Params, log_likelihood), or None while it is missing."""
    try:
        return importlib.import_module(f"segmint.models.clv.{case.key}")
    except ImportError:
        return None


# --- libraries and cases ------------------------------------------------------------


@dataclass(frozen=True)
class Library:
    name: str
    label: str  # column heading
    requirements: str | None  # bench/envs/<requirements>.txt; None: this interpreter
    fit: str  # worker script fitting one model
    summarize: str | None  # worker script summarizing a transaction log


LIBRARIES = (
    Library("segmint", "segmint", None, SEGMINT_FIT, SEGMINT_SUMMARY),
    Library("lifetimes", "lifetimes", "lifetimes", LIFETIMES_FIT, LIFETIMES_SUMMARY),
    Library("pymc-marketing", "pymc", "pymc-marketing", PYMC_FIT, None),
)


@dataclass(frozen=True)
class Goal:
    """From the issue: segmint at least `speedup` times faster than lifetimes at `n`,
    or segmint's fit under `seconds` at `n`."""

    n: int
    speedup: float | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class Case:
    key: str  # --models name, segmint.models.clv module and simulator name
    title: str
    columns: tuple[str, ...]  # fit inputs, in the order every library takes them
    classes: dict[str, str]  # library name -> estimator class
    truth: tuple[float, ...]  # simulation parameters, in the paper's order, days
    goals: tuple[Goal, ...]
    make: Callable[[Case, int, np.random.Generator], dict[str, np.ndarray] | None] = rfm_data


RFM = ("frequency", "recency", "T")
CASES = (
    Case(
        "beta_geo",
        "BG/NBD",
        RFM,
        {"segmint": "BetaGeo", "lifetimes": "BetaGeoFitter", "pymc-marketing": "BetaGeoModel"},
        BG_NBD,
        (Goal(1_000_000, speedup=20),),
    ),
    Case(
        "pareto_nbd",
        "Pareto/NBD",
        RFM,
        {
            "segmint": "ParetoNBD",
            "lifetimes": "ParetoNBDFitter",
            "pymc-marketing": "ParetoNBDModel",
        },
        (0.553, 10.578 * 7, 0.606, 11.669 * 7),
        (Goal(100_000, speedup=60), Goal(1_000_000, seconds=10)),
    ),
    Case(
        "modified_beta_geo",
        "MBG/NBD",
        RFM,
        {
            "segmint": "ModifiedBetaGeo",
            "lifetimes": "ModifiedBetaGeoFitter",
            "pymc-marketing": "ModifiedBetaGeoModel",
        },
        (0.525, 6.183 * 7, 0.891, 1.614),
        (Goal(1_000_000, speedup=20),),
    ),
    Case(
        "gamma_gamma",
        "Gamma-Gamma",
        ("frequency", "monetary_value"),
        {
            "segmint": "GammaGamma",
            "lifetimes": "GammaGammaFitter",
            "pymc-marketing": "GammaGammaModel",
        },
        (6.25, 3.74, 15.44),
        (Goal(1_000_000, speedup=20),),
        spend_data,
    ),
)
SUMMARIZE_GOAL = Goal(5_000_000, speedup=3)


def interpreter(library: Library) -> str | None:
    """The Python that runs `library`: this one for segmint, else its own environment."""
    if library.requirements is None:
        return sys.executable
    return environments.interpreter(library.name, library.requirements)


# --- measuring ----------------------------------------------------------------------


def measure(python: str, script: str, args: list[str], timeout: float) -> dict[str, Any]:
    """One measurement in a fresh process: what the worker prints, or why there is none."""
    try:
        done = subprocess.run(
            [python, "-c", script, *args], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["no message"])[-1]}
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def alternate(
    sides: dict[str, tuple[str, str, list[str]]], rounds: int, timeout: float
) -> dict[str, list[dict[str, Any]]]:
    """Run each side (python, script, args) in turn, `rounds` times: A B C A B C ...

    A side that times out or fails is not run again."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, (python, script, args) in sides.items():
            if runs[name] and "seconds" not in runs[name][-1]:
                continue
            runs[name].append(measure(python, script, args, timeout))
            note(f"  {name}: {describe(runs[name][-1])}")
    return runs


def describe(run: dict[str, Any]) -> str:
    if "seconds" in run:
        return f"{run['seconds']:.2f} s, {run['peak_mib']:.0f} MiB"
    if "timeout" in run:
        return f"> {run['timeout']:.0f} s (timeout)"
    return run.get("skipped") or f"failed: {run.get('error')}"


def side(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median seconds and the largest peak of a side's runs; the last run's other figures."""
    timed = [r for r in runs if "seconds" in r]
    if not timed:
        return dict(runs[-1]) if runs else {"skipped": "not run"}
    return {
        **timed[-1],
        "seconds": statistics.median(r["seconds"] for r in timed),
        "peak_mib": max(r["peak_mib"] for r in timed),
        "runs": runs,
    }


def speedup(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Their seconds / ours, round by round (median, min, max); a lower bound on timeout."""
    ratios = [
        b["seconds"] / a["seconds"]
        for a, b in zip(ours, theirs, strict=False)
        if "seconds" in a and "seconds" in b
    ]
    if ratios:
        return {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios)}
    timed_out = [
        b["timeout"] / a["seconds"]
        for a, b in zip(ours, theirs, strict=False)
        if "seconds" in a and "timeout" in b
    ]
    return {"above": min(timed_out)} if timed_out else None


def fit_case(
    case: Case, n: int, pythons: dict[str, str], args: argparse.Namespace, given_up: dict[str, str]
) -> dict[str, Any] | None:
    path = data_file(case.key, n, lambda size, rng: case.make(case, size, rng))
    if path is None:
        return None
    note(f"{case.title}, n = {n:,}:")
    sides = {
        lib: (python, library(lib).fit, [case.classes[lib], str(path), *case.columns])
        for lib, python in pythons.items()
        if lib not in given_up
    }
    runs = alternate(sides, args.rounds, args.timeout)
    for lib, reason in given_up.items():
        runs[lib] = [{"skipped": reason}]
    for lib, lib_runs in runs.items():
        if "timeout" in lib_runs[-1]:
            given_up[lib] = f"skipped (timed out at {n:,})"
    return score(case, n, path, runs)


def score(case: Case, n: int, path: Path, runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Each side's figures, its log-likelihood under segmint's function, ratios and ΔLL."""
    module = model_module(case)
    data = np.load(path)
    columns = [data[c] for c in case.columns]
    sides = {lib: side(lib_runs) for lib, lib_runs in runs.items()}
    for figures in sides.values():
        if "params" in figures:
            params = module.Params(*(figures["params"][f] for f in module.Params._fields))
            figures["log_likelihood"] = float(module.log_likelihood(params, *columns).sum())
    ours = sides["segmint"]
    for lib, figures in sides.items():
        if lib != "segmint":
            figures["speedup"] = speedup(runs["segmint"], runs[lib])
            if "log_likelihood" in ours and "log_likelihood" in figures:
                theirs = figures["log_likelihood"]
                figures["delta_ll"] = (ours["log_likelihood"] - theirs) / abs(theirs)
    return {"case": case.key, "title": case.title, "n": n, "sides": sides}


def library(name: str) -> Library:
    return next(lib for lib in LIBRARIES if lib.name == name)


def summarize_case(n: int, pythons: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """segmint's summarize vs lifetimes' on an `n`-row log; whether their outputs agree."""
    path = data_file("summarize", n, transaction_log)
    as_of = str(FIRST_DAY + DAYS)
    note(f"summarize, {n:,} transactions:")
    sides = {}
    for lib, python in pythons.items():
        script = library(lib).summarize
        if script is not None:
            sides[lib] = (python, script, [str(path), as_of])
    runs = alternate(sides, args.rounds, args.timeout)
    figures = {lib: side(lib_runs) for lib, lib_runs in runs.items()}
    for lib, lib_figures in figures.items():
        if lib != "segmint":
            lib_figures["speedup"] = speedup(runs["segmint"], runs[lib])
            lib_figures["agree"] = agree(figures["segmint"], lib_figures)
    return {"case": "summarize", "title": "summarize", "n": n, "sides": figures}


def agree(ours: dict[str, Any], theirs: dict[str, Any]) -> str:
    """Whether both outputs have the same customers and first rows: "agree", or what differs."""
    if "head" not in ours or "head" not in theirs:
        return "-"
    if ours["customers"] != theirs["customers"]:
        return f"differ: {ours['customers']:,} vs {theirs['customers']:,} customers"
    for column, values in ours["head"].items():
        if not np.allclose(values, theirs["head"][column], rtol=1e-9, atol=1e-9):
            return f"differ in {column}"
    return "agree"


# --- report -------------------------------------------------------------------------


def seconds_cell(figures: dict[str, Any]) -> str:
    if "seconds" in figures:
        return f"{figures['seconds']:.3f}"
    if "timeout" in figures:
        return f"> {figures['timeout']:.0f} s (timeout)"
    if "error" in figures:
        return "failed"
    return "-" if figures.get("skipped") == "not run" else "skipped"


def ratio_cell(figures: dict[str, Any]) -> str:
    found = figures.get("speedup")
    if not found:
        return "-"
    if "above" in found:
        return f"> {found['above']:.0f}x"
    if found["min"] == found["max"]:
        return f"{found['median']:.1f}x"
    return f"{found['median']:.1f}x ({found['min']:.1f}-{found['max']:.1f})"


def number_cell(figures: dict[str, Any], key: str, form: str) -> str:
    return format(figures[key], form) if key in figures else "-"


def delta_cell(figures: dict[str, Any]) -> str:
    if "delta_ll" not in figures:
        return "-"
    flag = " !" if figures["delta_ll"] < -LL_TOLERANCE else ""
    return f"{figures['delta_ll']:+.1e}{flag}"


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    for row in (header, *rows):
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


def print_case(results: list[dict[str, Any]], libraries: list[str]) -> None:
    """Two tables for one case, a row per size: time and memory, then log-likelihood."""
    title, others = results[0]["title"], [lib for lib in libraries if lib != "segmint"]
    label = {lib.name: lib.label for lib in LIBRARIES}
    header = ["n", *(f"{label[lib]} s" for lib in libraries)]
    header += [f"{label[lib]}/segmint" for lib in others]
    header += [f"{label[lib]} MiB" for lib in libraries]
    rows = [time_row(result, libraries, others) for result in results]
    if results[0]["case"] == "summarize":
        header += [f"vs {label[lib]}" for lib in others]
        rows = [
            row + [r["sides"][lib].get("agree", "-") for lib in others]
            for row, r in zip(rows, results, strict=True)
        ]
    print_table(f"{title}: time (s), ratio, peak memory (MiB)", header, rows)
    for result in results:
        for lib in libraries:
            reason = result["sides"][lib].get("error") or result["sides"][lib].get("skipped")
            if reason and reason != "not run":
                print(f"  {result['n']:,} {lib}: {reason}")
    if results[0]["case"] != "summarize":
        header = ["n", *(f"LL {label[lib]}" for lib in libraries)]
        header += [f"ΔLL vs {label[lib]}" for lib in others]
        rows = [likelihood_row(result, libraries, others) for result in results]
        print_table(f"{title}: log-likelihood at each library's estimates", header, rows)


def time_row(result: dict[str, Any], libraries: list[str], others: list[str]) -> list[str]:
    sides = result["sides"]
    row = [f"{result['n']:,}"]
    row += [seconds_cell(sides[lib]) for lib in libraries]
    row += [ratio_cell(sides[lib]) for lib in others]
    return row + [number_cell(sides[lib], "peak_mib", ".0f") for lib in libraries]


def likelihood_row(result: dict[str, Any], libraries: list[str], others: list[str]) -> list[str]:
    sides = result["sides"]
    row = [f"{result['n']:,}"]
    row += [number_cell(sides[lib], "log_likelihood", ",.1f") for lib in libraries]
    return row + [delta_cell(sides[lib]) for lib in others]


def goal_lines(title: str, goals: tuple[Goal, ...], results: list[dict[str, Any]]) -> list[str]:
    """Each goal of the issue for this case with what was measured: met or not met."""
    lines = []
    for goal in goals:
        found = next((r for r in results if r["n"] == goal.n), None)
        if goal.speedup is not None:
            text = f"{title} >= {goal.speedup:g}x faster than lifetimes at {goal.n:,}"
            verdict = speedup_verdict(found, goal.speedup)
        else:
            text = f"{title} fits {goal.n:,} customers in < {goal.seconds:g} s"
            verdict = seconds_verdict(found, goal.seconds)
        lines.append(f"{text}: {verdict}")
    return lines


def speedup_verdict(result: dict[str, Any] | None, wanted: float) -> str:
    lifetimes = result["sides"].get("lifetimes", {}) if result else {}
    found = lifetimes.get("speedup")
    if not found:
        return "not measured"
    if "above" in found:
        shown, value = f"> {found['above']:.0f}x", found["above"]
        if value < wanted:
            return f"{shown}, not known (lifetimes timed out first)"
    else:
        shown, value = f"{found['median']:.1f}x", found["median"]
    return f"{shown}, {'met' if value >= wanted else 'not met'}"


def seconds_verdict(result: dict[str, Any] | None, wanted: float | None) -> str:
    ours = result["sides"]["segmint"] if result else {}
    if "seconds" not in ours or wanted is None:
        return "not measured"
    return f"{ours['seconds']:.2f} s, {'met' if ours['seconds'] < wanted else 'not met'}"


def likelihood_line(title: str, results: list[dict[str, Any]]) -> str:
    """The issue's LL goal: segmint's optimum never lower than lifetimes' (1e-6 relative)."""
    deltas = [r["sides"].get("lifetimes", {}).get("delta_ll") for r in results]
    deltas = [d for d in deltas if d is not None]
    text = f"{title} log-likelihood never below lifetimes' by more than {LL_TOLERANCE:g}"
    if not deltas:
        return f"{text}: not measured"
    worst = min(deltas)
    return f"{text}: lowest ΔLL {worst:+.1e}, {'met' if worst >= -LL_TOLERANCE else 'not met'}"


# --- main ---------------------------------------------------------------------------


def count(text: str) -> int:
    """10000, 10k or 1M."""
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1].lower(), 1)
    return int(float(text.rstrip("kKmM")) * scale)


def parse_args() -> argparse.Namespace:
    names = [case.key for case in CASES] + ["summarize"]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(names), help=f"of {', '.join(names)}")
    parser.add_argument("--sizes", default="10k,100k,1M", help="customers per fit")
    parser.add_argument("--transactions", default="5M", help="rows of the summarize log")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per fit")
    parser.add_argument(
        "--skip", action="append", default=[], choices=["lifetimes", "pymc-marketing"]
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    args.models = args.models.split(",")
    unknown = sorted(set(args.models) - set(names))
    if unknown:
        parser.error(f"unknown --models {', '.join(unknown)}; choose from {', '.join(names)}")
    args.sizes = [count(size) for size in args.sizes.split(",")]
    args.transactions = count(args.transactions)
    return args


def run_case(case: Case, pythons: dict[str, str], args: argparse.Namespace) -> list[dict[str, Any]]:
    """All sizes of one model case; a note instead when segmint lacks the model."""
    import segmint.clv

    if not hasattr(segmint.clv, case.classes["segmint"]) or model_module(case) is None:
        print(f"\n{case.title}: skipped (segmint.clv has no {case.classes['segmint']} yet)")
        return []
    results: list[dict[str, Any]] = []
    given_up: dict[str, str] = {}  # library -> why it is not run at the larger sizes
    for n in args.sizes:
        result = fit_case(case, n, pythons, args, given_up)
        if result is None:
            print(f"\n{case.title}: skipped (no simulator segmint.models.clv.simulate.{case.key})")
            return []
        results.append(result)
    print_case(results, list(pythons))
    for line in [
        *goal_lines(case.title, case.goals, results),
        likelihood_line(case.title, results),
    ]:
        print(f"  goal: {line}")
    return results


def main() -> None:
    args = parse_args()
    started = time.perf_counter()
    pythons = {}
    for lib in LIBRARIES:
        python = None if lib.name in args.skip else interpreter(lib)
        if python is not None:
            pythons[lib.name] = python
    results = []
    for case in CASES:
        if case.key in args.models:
            results += run_case(case, pythons, args)
    if "summarize" in args.models:
        found = summarize_case(args.transactions, pythons, args)
        libs = [lib for lib in pythons if library(lib).summarize is not None]
        print_case([found], libs)
        for line in goal_lines("summarize", (SUMMARIZE_GOAL,), [found]):
            print(f"  goal: {line}")
        results.append(found)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    note(f"{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
