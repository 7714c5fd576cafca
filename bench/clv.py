"""segmint.clv against lifetimes and PyMC-Marketing: fit time, peak memory, likelihood reached.

Cases, as in the CLV issue: BG/NBD, MBG/NBD and Pareto/NBD on customers simulated from
each model (times in whole days over two years of acquisition, as order data have
them), Gamma-Gamma on simulated mean spends in cents, and `summarize` against lifetimes'
`summary_data_from_transaction_data` on a 5M-row transaction log.

Each library runs in its own environment and each fit in a fresh process that loads the
same arrays and times only the fit (the first in that process, as a user sees it);
peak memory is that process's own (VmHWM). lifetimes 0.11.3 and PyMC-Marketing are not
project dependencies: their pinned environments (bench/envs/*.txt) are created under
.cache/bench-envs on first use. Every library's fitted parameters are scored with
segmint's own log-likelihood in this process, so "LL" is comparable across columns.
PyMC-Marketing's MAP includes its default priors, so its optimum is not the MLE.

Usage: python bench/clv.py [--sizes 10000,100000,1000000] [--models bg,mbg,pareto,gg,summary]
                           [--rounds R] [--timeout S] [--no-pymc] [--json FILE]
"""

from __future__ import annotations

import argparse
import ast
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / ".data"
ENVS = ROOT / ".cache" / "bench-envs"

PEAK = """
def PEAK():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

# (model key) -> segmint class, lifetimes fitter, PyMC-Marketing class, parameter names
MODELS = {
    "bg": ("BetaGeo", "BetaGeoFitter", "BetaGeoModel", ("r", "alpha", "a", "b")),
    "mbg": (
        "ModifiedBetaGeo",
        "ModifiedBetaGeoFitter",
        "ModifiedBetaGeoModel",
        ("r", "alpha", "a", "b"),
    ),
    "pareto": ("ParetoNBD", "ParetoNBDFitter", "ParetoNBDModel", ("r", "alpha", "s", "beta")),
    "gg": ("GammaGamma", "GammaGammaFitter", "GammaGammaModel", ("p", "q", "gamma")),
}
GOALS = {"bg": 20.0, "mbg": 20.0, "gg": 20.0, "pareto": 60.0, "summary": 3.0}

SEGMINT = (
    PEAK
    + """
import sys, time, numpy as np
import segmint.clv as clv
name, path = sys.argv[1:3]
d = np.load(path)
model = getattr(clv, name)()
started = time.perf_counter()
if name == "GammaGamma":
    model.fit(d["x"], d["m"])
else:
    model.fit(d["x"], d["t_x"], d["T"])
seconds = time.perf_counter() - started
print({"seconds": seconds, "params": list(model.params_), "peak_mib": PEAK(),
       "iterations": model.n_iterations_})
"""
)

LIFETIMES = (
    PEAK
    + """
import sys, time, numpy as np, lifetimes
name, path = sys.argv[1:3]
d = np.load(path)
model = getattr(lifetimes, name)()
started = time.perf_counter()
if name == "GammaGammaFitter":
    keep = d["x"] > 0
    model.fit(d["x"][keep], d["m"][keep])
else:
    model.fit(d["x"], d["t_x"], d["T"])
seconds = time.perf_counter() - started
order = {"GammaGammaFitter": ["p", "q", "v"], "ParetoNBDFitter": ["r", "alpha", "s", "beta"]}
names = order.get(name, ["r", "alpha", "a", "b"])
print({"seconds": seconds, "params": [float(model.params_[k]) for k in names], "peak_mib": PEAK()})
"""
)

PYMC = (
    PEAK
    + """
import sys, time, warnings, numpy as np, pandas as pd
warnings.filterwarnings("ignore")
from pymc_marketing import clv
name, path = sys.argv[1:3]
d = np.load(path)
if name == "GammaGammaModel":
    keep = d["x"] > 0
    data = pd.DataFrame({"customer_id": np.arange(keep.sum()), "frequency": d["x"][keep],
                         "monetary_value": d["m"][keep]})
    names = ["p", "q", "v"]
else:
    data = pd.DataFrame({"customer_id": np.arange(d["x"].size), "frequency": d["x"],
                         "recency": d["t_x"], "T": d["T"]})
    names = ["r", "alpha", "s", "beta"] if name == "ParetoNBDModel" else ["r", "alpha", "a", "b"]
model = getattr(clv, name)(data=data)
started = time.perf_counter()
model.fit(method="map")
seconds = time.perf_counter() - started
summary = model.fit_summary()
print({"seconds": seconds, "params": [float(summary[k]) for k in names], "peak_mib": PEAK()})
"""
)

SUMMARY_SEGMINT = (
    PEAK
    + """
import sys, time, pandas as pd
from segmint.clv import summarize
frame = pd.read_parquet(sys.argv[1])
started = time.perf_counter()
out = summarize(frame, customer_id="customer_id", ordered_at="date", amount="amount",
                as_of="2025-12-31", unit="D")
seconds = time.perf_counter() - started
head = out.head(50)[["frequency", "recency", "T", "monetary_value"]].to_numpy()
print({"seconds": seconds, "peak_mib": PEAK(), "rows": len(out),
       "head": [list(map(float, row)) for row in head]})
"""
)

SUMMARY_LIFETIMES = (
    PEAK
    + """
import sys, time, pandas as pd
from lifetimes.utils import summary_data_from_transaction_data
frame = pd.read_parquet(sys.argv[1])
started = time.perf_counter()
out = summary_data_from_transaction_data(frame, "customer_id", "date", monetary_value_col="amount",
                                         observation_period_end="2025-12-31", freq="D")
seconds = time.perf_counter() - started
head = out.sort_index().head(50)[["frequency", "recency", "T", "monetary_value"]].to_numpy()
print({"seconds": seconds, "peak_mib": PEAK(), "rows": len(out),
       "head": [list(map(float, row)) for row in head]})
"""
)


def python_of(env: str) -> Path | None:
    """The interpreter of a pinned comparison environment, created on first use."""
    if env == "segmint":
        return ROOT / ".venv" / "bin" / "python"
    target = ENVS / env
    python = target / "bin" / "python"
    if python.exists():
        return python
    requirements = Path(__file__).parent / "envs" / f"{env}.txt"
    print(f"creating {target} from {requirements.name} ...", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(target)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", str(requirements)], check=True
        )
    except subprocess.CalledProcessError as exc:
        print(f"could not create the {env} environment ({exc}); leaving it out", file=sys.stderr)
        return None
    return python


def run(env: str, script: str, *args: str, timeout: float) -> dict | None:
    """One measurement in a fresh process of `env`; None on a timeout or a failure."""
    python = python_of(env)
    if python is None:
        return None
    try:
        done = subprocess.run(
            [str(python), "-c", script, *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=timeout,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    except subprocess.CalledProcessError as exc:
        print(f"{env} failed: {exc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


def make_customers(model: str, n: int) -> Path:
    """Simulated customers of `model` (cached in bench/.data), whole days, seed fixed."""
    from segmint.models.clv import beta_geo, gamma_gamma, modified_beta_geo, pareto_nbd, simulate

    path = DATA / f"clv_{model}_{n}.npz"
    if path.exists():
        return path
    rng = np.random.default_rng(n + 17)
    age = rng.integers(1, 731, size=n).astype(np.float64)  # acquired over two years, in days
    if model == "pareto":
        x, t_x, age = simulate.pareto_nbd(pareto_nbd.Params(0.55, 75.0, 0.6, 80.0), n, age, rng)
    elif model == "mbg":
        x, t_x, age = simulate.modified_beta_geo(
            modified_beta_geo.Params(0.5, 40.0, 0.9, 1.6), n, age, rng
        )
    else:
        x, t_x, age = simulate.beta_geo(beta_geo.Params(0.25, 30.0, 0.8, 2.5), n, age, rng)
    m = simulate.gamma_gamma(gamma_gamma.Params(6.0, 3.7, 15.0 * 7), x, rng)
    DATA.mkdir(exist_ok=True)
    np.savez(path, x=x, t_x=np.floor(t_x), T=age, m=np.round(m, 2))
    return path


def make_transactions(rows: int) -> Path:
    """A transaction log of `rows` rows: 500k customers over two years, amounts in cents."""
    import pandas as pd

    path = DATA / f"transactions_{rows}.parquet"
    if path.exists():
        return path
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "customer_id": rng.integers(0, rows // 10, rows),
            "date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 730, rows), unit="D"),
            "amount": np.round(rng.gamma(2.0, 50.0, rows), 2),
        }
    )
    DATA.mkdir(exist_ok=True)
    frame.to_parquet(path)
    return path


def log_likelihood(model: str, params: list[float], path: Path) -> float:
    """segmint's total log-likelihood at any library's parameters."""
    from segmint.models.clv import beta_geo, gamma_gamma, modified_beta_geo, pareto_nbd

    d = np.load(path)
    if model == "gg":
        keep = d["x"] > 0
        return float(
            gamma_gamma.log_likelihood(
                gamma_gamma.Params(*params), d["x"][keep], d["m"][keep]
            ).sum()
        )
    module = {"bg": beta_geo, "mbg": modified_beta_geo, "pareto": pareto_nbd}[model]
    return float(module.log_likelihood(module.Params(*params), d["x"], d["t_x"], d["T"]).sum())


def compare_model(model: str, n: int, args: argparse.Namespace) -> dict:
    ours_name, lifetimes_name, pymc_name, _ = MODELS[model]
    path = make_customers(model, n)
    sides = {"segmint": (SEGMINT, ours_name), "lifetimes": (LIFETIMES, lifetimes_name)}
    if args.pymc and n <= args.pymc_max:
        sides["pymc-marketing"] = (PYMC, pymc_name)
    if model == "pareto" and n > args.lifetimes_pareto_max:
        del sides["lifetimes"]  # minutes to hours: the goal is segmint under 10 s here
    results: dict[str, list[dict]] = {side: [] for side in sides}
    for _ in range(args.rounds):  # the sides alternate, so drift hits them alike
        for side, (script, name) in sides.items():
            found = run(side, script, name, str(path), timeout=args.timeout)
            if found is not None:
                results[side].append(found)
    row: dict = {"case": model, "n": n}
    for side, found in results.items():
        done = [f for f in found if "seconds" in f]
        if not done:
            row[side] = {"timeout": args.timeout} if found else None
            continue
        row[side] = {
            "seconds": statistics.median(f["seconds"] for f in done),
            "peak_mib": max(f["peak_mib"] for f in done),
            "params": done[-1]["params"],
            "ll": log_likelihood(model, done[-1]["params"], path),
            "iterations": done[-1].get("iterations"),
        }
    return row


def compare_summary(rows: int, args: argparse.Namespace) -> dict:
    path = make_transactions(rows)
    ours = run("segmint", SUMMARY_SEGMINT, str(path), timeout=args.timeout)
    theirs = run("lifetimes", SUMMARY_LIFETIMES, str(path), timeout=args.timeout)
    agree = bool(ours and theirs and np.allclose(ours["head"], theirs["head"], rtol=1e-9))
    return {"case": "summary", "n": rows, "segmint": ours, "lifetimes": theirs, "agree": agree}


def ratio(row: dict, side: str) -> str:
    ours, other = row.get("segmint"), row.get(side)
    if not ours or not other:
        return "-"
    if "timeout" in other:
        return f">{other['timeout'] / ours['seconds']:.0f}"
    return f"{other['seconds'] / ours['seconds']:.1f}"


def show(rows: list[dict]) -> None:
    sides = ("segmint", "lifetimes", "pymc-marketing")
    print(
        f"{'case':<9}{'n':>10}"
        + "".join(f"{s + ' s':>17}" for s in sides)
        + f"{'x lifetimes':>13}{'x pymc':>8}"
        + "".join(f"{s + ' MiB':>15}" for s in sides[:2])
        + f"{'LL segmint':>17}{'ΔLL rel lifetimes':>19}"
    )
    for row in rows:
        cells = []
        for side in sides:
            found = row.get(side)
            if not found:
                cells.append(f"{'-':>17}")
            elif "timeout" in found:
                cells.append(f"{'> ' + format(found['timeout'], '.0f') + ' (timeout)':>17}")
            else:
                cells.append(f"{found['seconds']:>17.2f}")
        mib = [
            f"{row[s]['peak_mib']:>15.0f}" if row.get(s) and "peak_mib" in row[s] else f"{'-':>15}"
            for s in sides[:2]
        ]
        ours, theirs = row.get("segmint") or {}, row.get("lifetimes") or {}
        ll = f"{ours['ll']:>17.1f}" if "ll" in ours else f"{'-':>17}"
        delta = (
            f"{(ours['ll'] - theirs['ll']) / abs(theirs['ll']):>19.1e}"
            if "ll" in ours and "ll" in theirs
            else f"{'agree' if row.get('agree') else '-':>19}"
        )
        print(
            f"{row['case']:<9}{row['n']:>10,}"
            + "".join(cells)
            + f"{ratio(row, 'lifetimes'):>13}"
            + f"{ratio(row, 'pymc-marketing'):>8}"
            + "".join(mib)
            + ll
            + delta
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--models", default="bg,mbg,pareto,gg,summary")
    parser.add_argument("--summary-rows", type=int, default=5_000_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per fit")
    parser.add_argument("--no-pymc", dest="pymc", action="store_false")
    parser.add_argument(
        "--pymc-max", type=int, default=100_000, help="largest n for PyMC-Marketing"
    )
    parser.add_argument("--lifetimes-pareto-max", type=int, default=100_000)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for model in args.models.split(","):
        cases = [args.summary_rows] if model == "summary" else sizes
        for n in cases:
            print(f"{model} at {n:,} ...", file=sys.stderr, flush=True)
            rows.append(
                compare_summary(n, args) if model == "summary" else compare_model(model, n, args)
            )
    show(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=float))


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"\n{time.perf_counter() - started:.0f} s in all", file=sys.stderr)
