"""Needs and profiles at scale: segmint's clusters and recommendations vs the naive baselines.

On the workspace bench/run.py builds, ``bench/.data/run-<customers>/ws`` (default 1M
customers from ``segmint.demo.generate``, seed 1, as of 2026-06-30, all five tables
imported, ``memory_limit = "3GB"``; built with bench/run.py's own functions when it is
missing). Every segmint measurement opens a fresh copy of it (migrated to the current
schema as it opens), so the original is never changed and no run is there before.

(a) Clusters, as a run's "needs and profiles" step makes them:

- segmint: the features (``customer_features``, by customer_id), ``run.model_columns``
  and the category spend table are computed before the clock, as a run has them when
  the step starts; then timed: (1) the profile matrix of the buyers,
  ``pipeline.needs._profile`` (the demographics and order-channel queries, the shares,
  the log scaling), and (2) ``pipeline.profiles.clusters(matrix, previous=None)``
  (k-means on a 20,000-row sample for each k of the workspace's range, silhouettes on
  10,000 rows, every buyer assigned to the nearest centre, the traits);
- scikit-learn as a data scientist would write it, on the same matrix (the values
  step (1) built, saved as .npy and loaded before the clock): ``StandardScaler``, then
  for each k ``KMeans(n_clusters=k, n_init="auto", random_state=0).fit(all rows)`` and
  ``silhouette_score(z, labels, sample_size=10000, random_state=0)``; the best wins.

  Quality parity: the adjusted Rand index of the two labelings of the same buyers
  (scikit-learn's at the k it chose, and at segmint's k), each side's silhouette at
  the k it chose (on its own sample), and both labelings scored alike:
  ``silhouette_score(z, labels, sample_size=10000, random_state=0)`` on the
  standardized matrix, and on it clipped to ±3 as segmint clusters it.

(b) Recommendations:

- segmint as a run: ``recommendations.learn`` (the catalogue and purchase queries,
  the customers x products counts, the CoPurchase fit, repeat items) and
  ``recommendations.columns`` (recent exclusions, the top ``count`` for every customer,
  product ids joined, the next category), features computed before the clock;
- on the counts matrix learn() read (saved after that worker's clock stops, loaded
  before each clock), each fitting and recommending the top ``count`` to every
  customer with nothing excluded: segmint's ``CoPurchase(neighbours)``, the
  popularity baseline ``models.recommend.popularity``, and implicit 0.7.3's
  ``CosineRecommender(K=neighbours)``, fit on the counts as a ``csr_matrix`` and
  ``recommend(userids, user_items, N=count, filter_already_liked_items=False)`` over
  everyone in batches of 100,000; implicit in its own environment built on first use
  from the exact pins in ``bench/envs/implicit.txt`` under ``.cache/bench-envs/``.

(c) Quality on a temporal holdout: the purchases (counted orders) up to 90 days before
as_of train, the products bought in the last 90 days are held out; hit rate@10 and
recall@10 (``models.recommend.hit_rate_recall``) over the customers with a purchase in
both periods, of segmint's CoPurchase, popularity and implicit's CosineRecommender as
in (b), and of segmint and popularity with the exclusions a run makes (products bought
in the 90 days before the cut that are not repeat items); the same figures again with
only the products new to the customer (not bought before the cut) counted as hits.

What is measured: each measurement is a fresh process. Its inputs are loaded and its
libraries imported before the clock; each step is timed with time.perf_counter. Memory
from /proc/self/status: as a step's clock starts, its high-water mark (VmHWM) is reset
to what is resident (``/proc/self/clear_refs``), so "peak" is the most the process held
while the step ran, its inputs included, "+MiB" that peak less what it held as the
clock started, and "process peak" the most it held at any time (the features query
before the clock included). With ``--rounds`` > 1 the sides alternate (A B C A B C ...),
ratios are taken round by round and the median is shown. Each measurement records the
machine's 1-minute load average as it starts.

The issue's goal: on 1M customers, the clusters and the recommendations each under 60 s
and 4 GiB, judged on segmint's step as a run makes it: the time of both its parts and
the peak while it ran.

Usage: python bench/needs.py [--customers 1M] [--rounds R] [--parts clusters,recommend]
       [--skip implicit] [--skip holdout] [--memory-limit 3GB] [--timeout S] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import environments
import numpy as np
from environments import note
from run import AS_OF, count, full_data, measure, measured_code, workspace

DATA = Path(__file__).parent / ".data"
HOLDOUT_DAYS = 90
BATCH = 100_000  # customers per implicit recommend call
GOAL_CUSTOMERS = 1_000_000
GOAL_SECONDS = 60.0
GOAL_GIB = 4.0
CLIP = 3.0  # segmint clusters standardized values clipped to ±3 (models/cluster.py)

# Each worker's clock and memory: TIMED(call) times one step, REPORT prints the figures.
# VmHWM is reset as a step starts ("5" to clear_refs, Linux 4.0+), so its peak is its own.
STEPS = """
import json, time

def MEMORY():
    found = {}
    for line in open("/proc/self/status"):
        if line.startswith(("VmRSS:", "VmHWM:")):
            found[line[:5]] = int(line.split()[1]) / 1024
    return found

HIGHEST = [0.0]  # the process's peak, over the resets

def TIMED(call):
    HIGHEST[0] = max(HIGHEST[0], MEMORY()["VmHWM"])
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    start = MEMORY()["VmRSS"]
    began = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - began
    peak = MEMORY()["VmHWM"]
    HIGHEST[0] = max(HIGHEST[0], peak)
    return result, {"seconds": seconds, "start_mib": start, "peak_mib": peak}

def REPORT(steps, **facts):
    first = next(iter(steps.values()))
    whole = {"seconds": sum(s["seconds"] for s in steps.values()),
             "start_mib": first["start_mib"],
             "peak_mib": max(s["peak_mib"] for s in steps.values())}
    highest = max(HIGHEST[0], MEMORY()["VmHWM"])
    print(json.dumps({**whole, "process_peak_mib": highest, "steps": steps, **facts}), flush=True)
"""

# A segmint worker's start: argv = workspace copy, as_of, output folder, "1" to save its
# inputs for the other sides. The features are what a run has before needs and profiles.
OPEN = """
import datetime as dt, sys
from pathlib import Path
import numpy as np
from scipy import sparse
from segmint.features.customer import EPOCH, customer_features
from segmint.pipeline import needs, profiles, recommendations
from segmint.store.relations import execute, sources
from segmint.workspace import Workspace
ws_dir, as_of, out, save = sys.argv[1:5]
out, save = Path(out), save == "1"
ws = Workspace(ws_dir)
engine, settings = ws.engine, ws.settings
day = (dt.date.fromisoformat(as_of) - EPOCH).days
src = sources(engine, timezone=settings.timezone)
features = execute(engine, customer_features(src, day).order_by("customer_id"))
"""

SEGMINT_CLUSTERS = (
    STEPS
    + OPEN
    + """
from segmint.features.products import category_spend
from segmint.pipeline.run import model_columns
# what segmint imports where clusters are fitted, imported before the clock like every
# side's libraries
import scipy.optimize, sklearn.cluster, sklearn.metrics, threadpoolctl
columns = model_columns(features)
categories = execute(engine, category_spend(src.orders, src.items, day))
buyers = columns["frequency"] > 0
held = needs.Held(profiles=None, learnt=None)
matrix, profile = TIMED(lambda: needs._profile(
    engine, src, features, columns, buyers, categories, day=day, held=held))
(labels, facts), clusters = TIMED(lambda: profiles.clusters(
    matrix, settings=settings.clusters, previous=None))
scores = {s.k: s.score for s in facts.silhouettes}
REPORT({"profile matrix": profile, "clusters": clusters}, buyers=int(buyers.sum()),
       columns=len(matrix.features), k=len(facts.clusters), silhouettes=scores)
if save:
    np.save(out / "profile.npy", matrix.values)
    np.save(out / "labels-segmint.npy", labels)
"""
)

# argv = the profile matrix (.npy), the fewest and most clusters, the labels to write
# (.npz: those of the k chosen, and of each k).
SKLEARN_CLUSTERS = (
    STEPS
    + """
import sys
import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
path, low, high, out = sys.argv[1:5]
x = np.load(path)

def naive():
    z = StandardScaler().fit_transform(x)
    fits = {}
    for k in range(int(low), int(high) + 1):
        labels = KMeans(n_clusters=k, n_init="auto", random_state=0).fit(z).labels_
        fits[k] = (float(silhouette_score(z, labels, sample_size=10000, random_state=0)), labels)
    return fits

fits, step = TIMED(naive)
best = max(fits, key=lambda k: fits[k][0])
REPORT({"k-means + silhouettes": step}, k=best, silhouettes={k: s for k, (s, _) in fits.items()})
np.savez(out, chosen=fits[best][1], **{f"k{k}": labels for k, (_, labels) in fits.items()})
"""
)

# After its clock: the counts as of as_of, and the holdout's matrices (module docstring).
SAVE_MATRICES = f"""
from segmint.models import recommend
cut = day - {HOLDOUT_DAYS}

def after(days, first):  # 1 where the last purchase (days hold day + 1) is after `first`
    late = days.copy()
    late.data = (late.data - 1 > first).astype(np.float32)
    late.eliminate_zeros()
    return late

train, train_days = recommendations.purchases(
    engine, src, features["customer_id"], day=cut, products=learnt.products)
late = after(days, cut)
repeat = recommend.repeat_items(train, min_rate=settings.recommend.repeat_rate)
recent = after(train_days, cut - settings.recommend.recent_days)
exclude = recommend.recent_exclusions(recent, repeat)
judged = np.flatnonzero((np.diff(train.indptr) > 0) & (np.diff(late.indptr) > 0))
for name, m in (("counts", counts), ("train", train), ("holdout", late), ("exclude", exclude)):
    sparse.save_npz(out / f"{{name}}.npz", sparse.csr_array(m), compressed=False)
np.save(out / "judged.npy", judged)
"""

SEGMINT_RECOMMEND = (
    STEPS
    + OPEN
    + """
ids = features["customer_id"]
top = features["top_category"].to_numpy(zero_copy_only=False)
rec = settings.recommend
(learnt, counts, days), learn = TIMED(lambda: recommendations.learn(
    engine, src, ids, day=day, settings=rec))
found, columns = TIMED(lambda: recommendations.columns(
    learnt, counts, days, top_category=top, day=day, settings=rec))
REPORT({"learn": learn, "columns": columns}, products=len(learnt.products), pairs=counts.nnz)
if save:
"""
    + "\n".join(f"    {line}" for line in SAVE_MATRICES.splitlines())
)

# The recommenders on a saved matrix: argv = the matrix (.npz), the rows to recommend to
# (.npy, "" for all), the products to exclude (.npz, "" for none), count, neighbours, and
# the items to write (.npy).
MATRIX = """
import sys
import numpy as np
from scipy import sparse
path, rows, exclude, n, neighbours, out = sys.argv[1:7]
n, neighbours = int(n), int(neighbours)
X = sparse.csr_array(sparse.load_npz(path))
rows = np.load(rows) if rows else None
asked = X if rows is None else X[rows]
"""

SEGMINT_MATRIX = (
    STEPS
    + MATRIX
    + """
from segmint.models.recommend import CoPurchase
blocked = None if not exclude else sparse.load_npz(exclude)
blocked = blocked if blocked is None or rows is None else sparse.csr_array(blocked)[rows]
model, fit = TIMED(lambda: CoPurchase(neighbours=neighbours).fit(X))
(items, _), ranked = TIMED(lambda: model.recommend(asked, n=n, exclude=blocked))
REPORT({"fit": fit, "recommend": ranked})
np.save(out, items)
"""
)

POPULARITY = (
    STEPS
    + MATRIX
    + """
from segmint.models.recommend import popularity
blocked = None if not exclude else sparse.load_npz(exclude)
items, step = TIMED(lambda: popularity(X, n=n, exclude=blocked))
REPORT({"popularity": step})
np.save(out, items if rows is None else items[rows])
"""
)

IMPLICIT = (
    STEPS
    + MATRIX
    + f"""
from implicit.nearest_neighbours import CosineRecommender
if exclude:
    raise SystemExit("implicit's side takes no exclusions")
X, asked = sparse.csr_matrix(X), sparse.csr_matrix(asked)  # implicit wants csr_matrix
model = CosineRecommender(K=neighbours)

def recommend_all():
    users = np.arange(asked.shape[0])
    items = np.empty((users.size, n), dtype=np.int32)
    for start in range(0, users.size, {BATCH}):
        part = users[start : start + {BATCH}]
        items[part], _ = model.recommend(
            part, asked[part], N=n, filter_already_liked_items=False)
    return items

_, fit = TIMED(lambda: model.fit(X, show_progress=False))
items, ranked = TIMED(recommend_all)
REPORT({{"fit": fit, "recommend": ranked}})
np.save(out, items)
"""
)


# --- sides --------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One measured side: its worker, and the segmint figure its time is compared with."""

    part: str  # "clusters" or "recommend"
    label: str
    script: str
    on_copy: bool = False  # a segmint worker, on a fresh copy of the workspace
    versus: tuple[str, str | None] | None = None  # (side, its step; None: the whole)


SIDES = {
    "segmint-clusters": Side("clusters", "segmint", SEGMINT_CLUSTERS, on_copy=True),
    "sklearn": Side(
        "clusters", "scikit-learn", SKLEARN_CLUSTERS, versus=("segmint-clusters", "clusters")
    ),
    "segmint-recommend": Side("recommend", "segmint (as a run)", SEGMINT_RECOMMEND, on_copy=True),
    "segmint-matrix": Side("recommend", "segmint CoPurchase", SEGMINT_MATRIX),
    "popularity": Side("recommend", "popularity", POPULARITY, versus=("segmint-matrix", None)),
    "implicit": Side(
        "recommend", "implicit 0.7.3 Cosine", IMPLICIT, versus=("segmint-matrix", None)
    ),
}

# The holdout's sides: (label, side, with the exclusions a run makes).
QUALITY = (
    ("segmint CoPurchase", "segmint-matrix", False),
    ("popularity", "popularity", False),
    ("implicit 0.7.3 CosineRecommender", "implicit", False),
    ("segmint CoPurchase, a run's exclusions", "segmint-matrix", True),
    ("popularity, a run's exclusions", "popularity", True),
)


def interpreters(parts: list[str], skip: list[str]) -> dict[str, str]:
    """The Python of each side measured: this one, or implicit's own environment."""
    found = {name: sys.executable for name, side in SIDES.items() if side.part in parts}
    if "implicit" in found:
        python = None if "implicit" in skip else environments.interpreter("implicit")
        if python is None:
            del found["implicit"]
        else:
            found["implicit"] = python
    return found


def worker_args(name: str, out: Path, settings: Any) -> list[str]:
    """What a side's worker is given (a segmint worker: after its workspace copy)."""
    if SIDES[name].on_copy:
        return [AS_OF.isoformat(), str(out)]
    if name == "sklearn":
        low, high = settings.clusters.min, settings.clusters.max
        return [str(out / "profile.npy"), str(low), str(high), str(out / "labels-sklearn.npz")]
    return matrix_args(name, out, settings, matrix="counts")


def matrix_args(
    name: str, out: Path, settings: Any, *, matrix: str, rows: str = "", exclude: str = ""
) -> list[str]:
    """A recommender's arguments: the matrix, rows, exclusions, count, neighbours, items."""
    items = out / f"items-{name}-{matrix}{'-excluded' if exclude else ''}.npy"
    rec = settings.recommend
    path = str(out / f"{matrix}.npz")
    return [path, rows, exclude, str(rec.count), str(rec.neighbours), str(items)]


# --- measuring ----------------------------------------------------------------------


def measure_side(
    name: str, python: str, args: list[str], *, home: Path, save: bool, timeout: float
) -> dict[str, Any]:
    """A side's measurement; a segmint worker gets a fresh copy of the workspace first."""
    side = SIDES[name]
    if not side.on_copy:
        return measure(python, side.script, args, timeout)
    with tempfile.TemporaryDirectory(dir=DATA, prefix="needs-copy-") as tmp:
        copy = Path(tmp) / "ws"
        shutil.copytree(home, copy, ignore=shutil.ignore_patterns("*.tmp"))
        argv = [str(copy), *args, "1" if save else "0"]
        return measure(python, side.script, argv, timeout)


def rounds(
    pythons: dict[str, str], out: Path, settings: Any, args: argparse.Namespace
) -> dict[str, list[dict[str, Any]]]:
    """Every side in turn, `args.rounds` times (A B C A B C ...); the first round's
    segmint workers save the inputs of the others. A failed side is not run again."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in pythons}
    for round_ in range(args.rounds):
        for name, python in pythons.items():
            if runs[name] and "seconds" not in runs[name][-1]:
                continue
            found = measure_side(
                name,
                python,
                worker_args(name, out, settings),
                home=args.home,
                save=round_ == 0,
                timeout=args.timeout,
            )
            runs[name].append(found)
            note(f"  {SIDES[name].label}: {describe(found)}")
    return runs


def describe(run: dict[str, Any]) -> str:
    if "seconds" in run:
        steps = ", ".join(f"{k} {v['seconds']:.2f} s" for k, v in run["steps"].items())
        return f"{run['seconds']:.2f} s ({steps}), peak {run['peak_mib']:.0f} MiB"
    if "timeout" in run:
        return f"> {run['timeout']:.0f} s (timeout)"
    return f"failed: {run.get('error')}"


def seconds_of(run: dict[str, Any], step: str | None) -> float | None:
    if "seconds" not in run:
        return None
    return float(run["seconds"] if step is None else run["steps"][step]["seconds"])


def ratios(runs: dict[str, list[dict[str, Any]]], name: str) -> list[float]:
    """The side's time over its segmint figure's, round by round."""
    versus = SIDES[name].versus
    if versus is None or versus[0] not in runs:
        return []
    pairs = zip(runs[name], runs[versus[0]], strict=False)
    found = [(seconds_of(a, None), seconds_of(b, versus[1])) for a, b in pairs]
    return [a / b for a, b in found if a is not None and b]


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median seconds (of the whole and of each step), the largest memory figures and
    load, and the facts of the first run that has figures."""
    timed = [r for r in runs if "seconds" in r]
    if not timed:
        return {"failed": describe(runs[-1])}
    steps = {
        step: {
            "seconds": statistics.median(r["steps"][step]["seconds"] for r in timed),
            **largest([r["steps"][step] for r in timed]),
        }
        for step in timed[0]["steps"]
    }
    whole = {"seconds": statistics.median(r["seconds"] for r in timed), **largest(timed)}
    facts = {k: v for k, v in timed[0].items() if k not in whole and k != "steps"}
    return {
        **facts,
        **whole,
        "process_peak_mib": max(r["process_peak_mib"] for r in timed),
        "steps": steps,
        "load": max(r["load"] for r in runs),
    }


def largest(figures: list[dict[str, Any]]) -> dict[str, float]:
    """The largest peak and the largest growth over the start of the clock."""
    return {
        "peak_mib": max(f["peak_mib"] for f in figures),
        "extra_mib": max(max(f["peak_mib"] - f["start_mib"], 0.0) for f in figures),
    }


# --- quality ------------------------------------------------------------------------


def agreement(out: Path) -> dict[str, Any]:
    """The two labelings of the same buyers: adjusted Rand index (with scikit-learn's
    chosen k, and with segmint's k), and each one's silhouette on the same 10,000 rows of
    the standardized matrix, as it is and clipped as segmint clusters it."""
    from sklearn.metrics import adjusted_rand_score, silhouette_score
    from sklearn.preprocessing import StandardScaler

    ours = np.load(out / "labels-segmint.npy")
    with np.load(out / "labels-sklearn.npz") as theirs:
        chosen, same_k = theirs["chosen"], theirs[f"k{np.unique(ours).size}"]
    z = StandardScaler().fit_transform(np.load(out / "profile.npy"))
    spaces = {"standardized": z, "clipped": np.clip(z, -CLIP, CLIP)}
    alike = {
        f"{side} {space}": float(silhouette_score(x, labels, sample_size=10_000, random_state=0))
        for space, x in spaces.items()
        for side, labels in (("segmint", ours), ("sklearn", chosen))
    }
    return {
        "adjusted_rand": float(adjusted_rand_score(ours, chosen)),
        "adjusted_rand_same_k": float(adjusted_rand_score(ours, same_k)),
        "silhouette_alike": alike,
    }


def holdout(pythons: dict[str, str], out: Path, settings: Any, timeout: float) -> dict[str, Any]:
    """Hit rate and recall@count on the holdout of each side of QUALITY that is measured."""
    bought, new = holdout_truth(out)
    found = {}
    for label, name, excluded in QUALITY:
        if name in pythons:
            exclude = str(out / "exclude.npz") if excluded else ""
            found[label] = judge(name, pythons[name], out, settings, exclude, bought, new, timeout)
            note(f"  holdout, {label}: {describe(found[label])}")
    with_new = int((np.diff(new.indptr) > 0).sum())
    return {"customers": bought.shape[0], "with_new": with_new, "sides": found}


def holdout_truth(out: Path) -> tuple[Any, Any]:
    """What the judged customers bought in the holdout, and of it what they had not
    bought before the cut."""
    from scipy import sparse

    judged = np.load(out / "judged.npy")
    bought = sparse.csr_array(sparse.load_npz(out / "holdout.npz"))[judged]
    before = sparse.csr_array(sparse.load_npz(out / "train.npz"))[judged]
    new = bought - bought.multiply(before > 0)
    new.eliminate_zeros()
    return bought, new


def judge(
    name: str,
    python: str,
    out: Path,
    settings: Any,
    exclude: str,
    bought: Any,
    new: Any,
    timeout: float,
) -> dict[str, Any]:
    """One side fitted on the training purchases, its top `count` scored on the holdout."""
    from segmint.models.recommend import hit_rate_recall

    rows = str(out / "judged.npy")
    argv = matrix_args(name, out, settings, matrix="train", rows=rows, exclude=exclude)
    run = measure(python, SIDES[name].script, argv, timeout)
    if "seconds" in run:
        items = np.load(argv[-1])
        run["hit_rate"], run["recall"] = hit_rate_recall(items, bought)
        run["new_hit_rate"], run["new_recall"] = hit_rate_recall(items, new)
    return run


# --- report -------------------------------------------------------------------------


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    for row in (header, *rows):
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        print("  ".join(cells))


HEADER = ["side", "s", "time / segmint's", "peak MiB", "+MiB", "process peak MiB", "load"]


def side_rows(name: str, figures: dict[str, Any], found: list[float]) -> list[list[str]]:
    """A side's row and, when it has more than one step, a row for each step."""
    label = SIDES[name].label
    if "seconds" not in figures:
        return [[label, figures["failed"], "-", "-", "-", "-", "-"]]
    rows = [[label, *cells(figures, ratio_cell(name, found, None))]]
    steps = figures["steps"]
    if len(steps) > 1:
        rows += [
            [f"  {step}", *cells(s, ratio_cell(name, found, step))] for step, s in steps.items()
        ]
    rows[0] += [f"{figures['process_peak_mib']:.0f}", f"{figures['load']:.1f}"]
    return [row + [""] * (len(HEADER) - len(row)) for row in rows]


def cells(figures: dict[str, Any], ratio: str) -> list[str]:
    return [
        f"{figures['seconds']:.2f}",
        ratio,
        f"{figures['peak_mib']:.0f}",
        f"{figures['extra_mib']:.0f}",
    ]


def ratio_cell(name: str, found: list[float], step: str | None) -> str:
    """The side's ratio on its own row; "1x" on the segmint figure others are compared with."""
    if step is None and found:
        low, high = min(found), max(found)
        middle = statistics.median(found)
        return f"{middle:.2f}x" if low == high else f"{middle:.2f}x ({low:.2f}-{high:.2f})"
    if any(side.versus == (name, step) for side in SIDES.values()):
        return "1x"
    return ""


def print_part(part: str, title: str, runs: dict[str, list[dict[str, Any]]]) -> None:
    names = [name for name in runs if SIDES[name].part == part]
    rows = [
        row for name in names for row in side_rows(name, summary(runs[name]), ratios(runs, name))
    ]
    print_table(title, HEADER, rows)


def print_clusters(runs: dict[str, list[dict[str, Any]]], found: dict[str, Any] | None) -> None:
    ours = summary(runs["segmint-clusters"])
    title = (
        f"(a) Clusters: {ours.get('buyers', 0):,} buyers x {ours.get('columns', 0)} profile "
        f"columns; {len(runs['segmint-clusters'])} round(s), medians"
    )
    print_part("clusters", title, runs)
    for label, name in (("segmint", "segmint-clusters"), ("scikit-learn", "sklearn")):
        figures = summary(runs[name]) if runs.get(name) else {}
        if "k" in figures:
            score = figures["silhouettes"][str(figures["k"])]
            print(f"  {label} chose k = {figures['k']}, silhouette {score:.4f} (its own sample)")
    if found:
        print_agreement(found)
    goal_lines("clusters", ours)


def print_agreement(found: dict[str, Any]) -> None:
    alike = found["silhouette_alike"]
    for space, text in (("standardized", "standardized"), ("clipped", f"clipped at ±{CLIP:g}")):
        print(
            f"  silhouette of each labeling on the same 10,000 rows, {text}: segmint "
            f"{alike[f'segmint {space}']:.4f}, scikit-learn {alike[f'sklearn {space}']:.4f}"
        )
    print(
        f"  adjusted Rand index of the two labelings: {found['adjusted_rand']:.3f} "
        f"(scikit-learn's k), {found['adjusted_rand_same_k']:.3f} (its fit with segmint's k)"
    )


def print_recommend(runs: dict[str, list[dict[str, Any]]], quality: dict[str, Any] | None) -> None:
    ours = summary(runs["segmint-recommend"])
    title = (
        f"(b) Recommendations: {ours.get('products', 0)} products, "
        f"{ours.get('pairs', 0):,} customer-product pairs; "
        f"{len(runs['segmint-recommend'])} round(s), medians"
    )
    print_part("recommend", title, runs)
    print("  time / segmint's: against segmint CoPurchase on the same matrix (fit + recommend)")
    goal_lines("recommendations", ours)
    if quality:
        print_holdout(quality)


def print_holdout(quality: dict[str, Any]) -> None:
    cut = AS_OF.toordinal() - HOLDOUT_DAYS
    title = (
        f"(c) Holdout: fitted on purchases up to {type(AS_OF).fromordinal(cut)}, the last "
        f"{HOLDOUT_DAYS} days held out; {quality['customers']:,} customers who bought in both"
    )
    keys = ("hit_rate", "recall", "new_hit_rate", "new_recall")
    rows = [
        [label, *(f"{run[key]:.4f}" for key in keys)]
        if "hit_rate" in run
        else [label, describe(run), "-", "-", "-"]
        for label, run in quality["sides"].items()
    ]
    header = ["side", "hit rate@10", "recall@10", "new: hit rate@10", "new: recall@10"]
    print_table(title, header, rows)
    print(
        f"  new: only the products she had not bought before the cut "
        f"({quality['with_new']:,} of the customers bought one)"
    )


def goal_lines(what: str, figures: dict[str, Any]) -> None:
    """The issue's goal for segmint's step: under GOAL_SECONDS and GOAL_GIB."""
    if "seconds" not in figures:
        print(f"  goal: {what} not measured")
        return
    seconds, gib = figures["seconds"], figures["peak_mib"] / 1024
    for text, value, met, unit in (
        (f"under {GOAL_SECONDS:g} s", seconds, seconds < GOAL_SECONDS, "s"),
        (f"under {GOAL_GIB:g} GiB", gib, gib < GOAL_GIB, "GiB"),
    ):
        print(f"  goal: {what} {text}: {value:.2f} {unit}, {'met' if met else 'not met'}")


# --- main ---------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=count, default=GOAL_CUSTOMERS)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--parts", default="clusters,recommend", help="of clusters, recommend")
    parser.add_argument("--skip", action="append", default=[], choices=["implicit", "holdout"])
    parser.add_argument("--memory-limit", default="3GB", help="the workspace's memory_limit")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per measurement")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    args.parts = args.parts.split(",")
    unknown = sorted(set(args.parts) - {"clusters", "recommend"})
    if unknown:
        parser.error(f"unknown --parts {', '.join(unknown)}; choose from clusters, recommend")
    return args


def measured(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Every side's runs, the clusters' agreement and the holdout, as far as measured."""
    from segmint.core import config

    settings = config.load(args.home)
    pythons = interpreters(args.parts, args.skip)
    runs = rounds(pythons, out, settings, args)
    found: dict[str, Any] = {"runs": runs, "agreement": None, "holdout": None}
    if (out / "labels-segmint.npy").exists() and (out / "labels-sklearn.npz").exists():
        found["agreement"] = agreement(out)
    if (out / "judged.npy").exists() and "holdout" not in args.skip:
        found["holdout"] = holdout(pythons, out, settings, args.timeout)
    return found


def main() -> None:
    args = parse_args()
    started = time.perf_counter()
    DATA.mkdir(exist_ok=True)
    home = DATA / f"run-{args.customers}" / "ws"
    args.home = workspace(home, full_data(args.customers), args.memory_limit)
    print(f"{measured_code()}, as the measurements start; {args.customers:,} customers")
    with tempfile.TemporaryDirectory(dir=DATA, prefix="needs-out-") as tmp:
        found = measured(args, Path(tmp))
    if "clusters" in args.parts:
        print_clusters(found["runs"], found["agreement"])
    if "recommend" in args.parts:
        print_recommend(found["runs"], found["holdout"])
    if args.json:
        args.json.write_text(json.dumps(found, indent=2, default=str))
    note(f"{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
