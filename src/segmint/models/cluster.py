"""Profile clusters: groups of customers with alike features, stable ids, readable traits.

`ProfileClusters` standardizes the profile features and fits k-means for each k in a
range on a sample, keeping the k of the highest mean silhouette; `match_labels` gives
this run's clusters the ids of the last run's nearest ones, so a cluster keeps its id
from run to run; `traits` says which features each cluster stands out on.

k-means is Lloyd's algorithm (Lloyd 1982) seeded by k-means++ (Arthur & Vassilvitskii
2007), as scikit-learn implements them; k is chosen by the mean silhouette width,
s(i) = (b(i) - a(i)) / max(a(i), b(i)) (Rousseeuw 1987); ids are matched by the
Hungarian method (Kuhn 1955).

References
----------
Lloyd (1982), Least squares quantization in PCM, IEEE Trans. Inf. Theory 28(2), 129-137.
Arthur & Vassilvitskii (2007), k-means++: the advantages of careful seeding, SODA 1027-1035.
Rousseeuw (1987), Silhouettes: a graphical aid to the interpretation and validation of
cluster analysis, J. Comput. Appl. Math. 20, 53-65.
Kuhn (1955), The Hungarian method for the assignment problem, Nav. Res. Logist. Q. 2, 83-97.

scikit-learn and SciPy's optimizer are imported where they are used: a live update only
places customers by `nearest`, and importing scikit-learn costs it seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from segmint.core.errors import InputError, Location
from segmint.models.base import Constraint, Estimator, check_fitted

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

N_INIT = 4  # k-means++ seedings per k: cheap on a sample, and guards against one poor seeding
SILHOUETTE_SAMPLE = 10_000  # silhouette costs m² distances: 10,000 rows take ~1.4 s per k
SILHOUETTE_MEMORY = 128  # MB of distances at a time; scikit-learn's 1024 would hold all 10,000²
CHUNK = 65_536  # rows standardized at a time: temporaries of ~15 MB at 30 features
# Standardized values are clipped to ±CLIP: a rare flag (2 % of customers) or a long tail
# is 5-7 standard deviations out, and k-means would give those few a cluster of their own.
CLIP = 3.0


class ProfileClusters(Estimator):
    """k-means on standardized profile features, k chosen by silhouette within a range.

    Parameters
    ----------
    min_clusters, max_clusters : int, default=3, 8
        The range of k tried, both included; only the k below the number of distinct
        customers are tried, as the silhouette needs a cluster of two.
    sample_size : int, default=20_000
        Rows drawn (without replacement) to fit k-means and score the silhouette; all
        rows when there are no more. Every row is then assigned to its nearest centre.
    random_state : int, default=0
        Seed of the sample, the k-means++ seedings and the silhouette's sub-sample.

    Attributes
    ----------
    mean_, scale_ : ndarray of shape (d,)
        Column means and standard deviations (1 for a constant column): z = (x - mean) / scale,
        clipped to [-3, 3] before k-means sees it.
    silhouettes_ : dict[int, float]
        The mean silhouette of each k tried, on (at most 10,000 rows of) the sample.
    n_clusters_ : int
        The k of the highest silhouette; a tie goes to the smaller k.
    centers_ : ndarray of shape (n_clusters_, d)
        The cluster centres in the features' own units.
    labels_ : ndarray of shape (n,)
        Each row's cluster, 0 for the largest cluster, then by size (ties: the lower centre
        of k-means).
    """

    _constraints: ClassVar[dict[str, Constraint]] = {
        "min_clusters": (int, 2, None),
        "max_clusters": (int, 2, None),
        "sample_size": (int, 2, None),
        "random_state": (int, 0, 2**32 - 1),  # scikit-learn's seeds are 32-bit
    }

    def __init__(
        self,
        *,
        min_clusters: int = 3,
        max_clusters: int = 8,
        sample_size: int = 20_000,
        random_state: int = 0,
    ) -> None:
        self.min_clusters = min_clusters
        self.max_clusters = max_clusters
        self.sample_size = sample_size
        self.random_state = random_state

    def fit(self, X: ArrayLike) -> Self:  # noqa: N803 (scikit-learn's name for the data)
        """Standardize, choose k by silhouette on a sample, assign every row; return self.

        Raises
        ------
        InputError
            If a parameter is out of range (max_clusters below min_clusters included), X
            is not a matrix of finite numbers, or there are too few distinct rows.
        """
        self._validate_params()
        self._validate_range()
        x = _matrix(X, field="X")
        if len(x) <= self.min_clusters:
            raise self._too_few(distinct=len(np.unique(x, axis=0)), count=len(x))
        mean, std = _moments(x)
        scale = _scale(std)
        rows = _sample_rows(len(x), self.sample_size, self.random_state)
        sample = np.clip((x[rows] - mean) / scale, -CLIP, CLIP)
        self.silhouettes_, centers_z = self._search(sample)
        self.n_clusters_ = k = len(centers_z)
        # The sample's centres are kept, not refined by Lloyd passes over all rows: each is
        # within about 1/sqrt(its rows in the sample) standard deviations of the full data's
        # centre, finer than traits or matching can see, and the silhouette that chose k was
        # measured on them; a refinement would only move customers on a boundary.
        centers = centers_z * scale + mean
        sizes = np.bincount(nearest(x, centers, mean=mean, scale=scale), minlength=k)
        self.mean_, self.scale_ = mean, scale
        self.centers_ = centers[np.lexsort((np.arange(k), -sizes))]
        # assigned again with the centres in their final order, so that a tie between two
        # centres breaks as predict breaks it
        self.labels_ = nearest(x, self.centers_, mean=mean, scale=scale)
        return self

    def predict(self, X: ArrayLike) -> Ints:  # noqa: N803
        """The nearest centre of each row in standardized space (Euclidean).

        Raises
        ------
        NotFittedError
            Before `fit`.
        InputError
            If X is not a matrix of finite numbers with the fitted number of columns.
        """
        check_fitted(self, "centers_")
        x = _matrix(X, field="X")
        if x.shape[1] != self.centers_.shape[1]:
            raise InputError(
                "models.columns_differ",
                location=Location(field="X"),
                field="X",
                got=x.shape[1],
                model=type(self).__name__,
                expected=self.centers_.shape[1],
            )
        return nearest(x, self.centers_, mean=self.mean_, scale=self.scale_)

    def _search(self, sample: Floats) -> tuple[dict[int, float], Floats]:
        """The silhouette of each k that fits the sample, and the centres of the best k."""
        distinct = len(np.unique(sample, axis=0))
        ks = range(self.min_clusters, min(self.max_clusters, distinct - 1) + 1)
        if not ks:
            raise self._too_few(distinct=distinct, count=len(sample))
        # One thread: scikit-learn adds the threads' partial sums of a centre in the order
        # they finish, which changes the last bits with three threads or more. The limit
        # holds for the libraries loaded when it is set: scikit-learn's OpenMP first.
        from sklearn.cluster import KMeans  # type: ignore[import-untyped]
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        with threadpool_limits(limits=1, user_api="openmp"):
            fits = {k: _kmeans(KMeans, sample, k, seed=self.random_state) for k in ks}
        silhouettes = {k: _silhouette(sample, fits[k][1], self.random_state) for k in ks}
        best = max(ks, key=lambda k: (silhouettes[k], -k))  # a tie goes to the smaller k
        return silhouettes, fits[best][0]

    def _validate_range(self) -> None:
        if self.max_clusters < self.min_clusters:
            raise InputError(
                "models.invalid_parameter",
                location=Location(field="max_clusters"),
                name="max_clusters",
                model=type(self).__name__,
                type="int",
                range=f"[{self.min_clusters}, inf)",  # min_clusters up: the range is not empty
                got=repr(self.max_clusters),
            )

    def _too_few(self, *, distinct: int, count: int) -> InputError:
        return InputError(
            "models.too_few_profiles",
            location=Location(field="X"),
            model=type(self).__name__,
            minimum=self.min_clusters,
            distinct=distinct,
            count=count,
        )


def match_labels(previous: Floats, current: Floats, *, scale: Floats, previous_ids: Ints) -> Ints:
    """Stable ids for `current` centres: the id of the previous run's centre each is matched to.

    The centres (rows, in raw units) are matched one to one by the Hungarian method (Kuhn
    1955), `scipy.optimize.linear_sum_assignment`, minimizing the total Euclidean distance
    of the centres divided by `scale` (each column's unit, positive). Centres left unmatched
    (more clusters than before) get new ids ``max(previous_ids) + 1, + 2, ...`` in their
    order; with fewer clusters the unmatched previous ids retire. `previous` may have no
    rows (a first run): the ids are then 1..k.

    Returns
    -------
    ndarray of shape (k,)
        One id per current centre.
    """
    now = np.asarray(current, dtype=np.float64) / scale
    before = np.asarray(previous, dtype=np.float64).reshape(-1, now.shape[1]) / scale
    if len(before) == 0:
        return np.arange(1, len(now) + 1, dtype=np.int64)
    old = np.asarray(previous_ids, dtype=np.int64)
    distance = np.sqrt(((before[:, None, :] - now[None, :, :]) ** 2).sum(axis=2))
    from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

    rows, columns = linear_sum_assignment(distance)
    ids = np.zeros(len(now), dtype=np.int64)
    ids[columns] = old[rows]
    unmatched = np.ones(len(now), dtype=bool)
    unmatched[columns] = False
    ids[unmatched] = old.max() + 1 + np.arange(int(unmatched.sum()))
    return ids


@dataclass(frozen=True, slots=True)
class Trait:
    """A feature a cluster stands out on, in standard deviations of the whole population."""

    feature: int  # column index into X
    z: float  # (cluster mean - overall mean) / overall std; 0 for a constant column
    mean: float  # the cluster's mean of that column, raw units
    overall: float  # the whole population's mean, raw units


def traits(
    X: ArrayLike,  # noqa: N803
    labels: ArrayLike,
    *,
    top: int = 4,
    min_z: float = 0.5,
) -> dict[int, tuple[Trait, ...]]:
    """Per label, its distinguishing columns: the `top` of largest |z| at least `min_z`.

    Largest |z| first, ties to the lower column. z is the cluster's mean minus the overall
    mean, over the overall (population) standard deviation.

    Raises
    ------
    InputError
        If X is not a matrix of finite numbers, or labels are not one per row of X.
    """
    x = _matrix(X, field="X")
    groups, inverse = np.unique(_labels(labels, rows=len(x)), return_inverse=True)
    if len(x) == 0:
        return {}
    overall, std = _moments(x)
    counts = np.bincount(inverse, minlength=len(groups))
    sums = [np.bincount(inverse, weights=x[:, j], minlength=len(groups)) for j in range(x.shape[1])]
    means = np.stack(sums, axis=1) / counts[:, None]
    z = np.where(std > 0, (means - overall) / _scale(std), 0.0)
    found: dict[int, tuple[Trait, ...]] = {}
    for g, row, mean in zip(groups, z, means, strict=True):
        keep = np.flatnonzero(np.abs(row) >= min_z)
        chosen = keep[np.lexsort((keep, -np.abs(row[keep])))][:top]
        found[int(g)] = tuple(
            Trait(int(j), float(row[j]), float(mean[j]), float(overall[j])) for j in chosen
        )
    return found


def _matrix(values: ArrayLike, *, field: str) -> Floats:
    """`values` as a float matrix of finite numbers (no copy when it is one already)."""
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(
            "models.not_numbers", location=Location(field=field), field=field, reason=str(exc)
        ) from exc
    if x.ndim != 2:
        raise InputError(
            "models.not_a_matrix", location=Location(field=field), field=field, shape=x.shape
        )
    bad = ~np.isfinite(x).all(axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        j = int(np.argmax(~np.isfinite(x[i])))
        raise InputError(
            "models.not_finite",
            location=Location(index=i, field=field),
            count=int(bad.sum()),
            index=i,
            values=f"{field}[{i}, {j}] {x[i, j]}",
        )
    return x


def _labels(labels: ArrayLike, *, rows: int) -> npt.NDArray[np.generic]:
    found = np.asarray(labels)
    if found.ndim != 1:
        raise InputError(
            "models.not_one_dimensional",
            location=Location(field="labels"),
            field="labels",
            shape=found.shape,
        )
    if len(found) != rows:
        raise InputError(
            "models.lengths_differ", columns="X, labels", lengths=f"X {rows}, labels {len(found)}"
        )
    return found


def _moments(x: Floats) -> tuple[Floats, Floats]:
    """Column means and population standard deviations, exactly 0 for a constant column.

    A constant column's mean can miss its value in the last bit, which would give it a
    tiny, meaningless deviation; its max equal to its min says it is constant.
    """
    mean = x.mean(axis=0)
    squares = np.zeros_like(mean)
    for start in range(0, len(x), CHUNK):  # (x - mean) of all rows at once would copy X
        squares += ((x[start : start + CHUNK] - mean) ** 2).sum(axis=0)
    std = np.sqrt(squares / len(x))
    return mean, np.where(x.max(axis=0) == x.min(axis=0), 0.0, std)


def _scale(std: Floats) -> Floats:
    """The unit of each column: its standard deviation, 1 for a constant one (its z stays 0)."""
    return np.where(std > 0, std, 1.0)


def _sample_rows(n: int, size: int, seed: int) -> npt.NDArray[np.intp]:
    """All rows up to `size`; else `size` of them without replacement, in row order."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def _kmeans(kmeans: Any, sample: Floats, k: int, *, seed: int) -> tuple[Floats, Ints]:
    """Centres and labels of k-means (Lloyd 1982, k-means++ seeding) on `sample`.

    `kmeans` is scikit-learn's KMeans, imported by the caller before it limits threads.
    """
    fitted = kmeans(n_clusters=k, n_init=N_INIT, random_state=seed).fit(sample)
    return fitted.cluster_centers_, fitted.labels_


def _silhouette(sample: Floats, labels: Ints, seed: int) -> float:
    """The mean of s(i) over the rows (Rousseeuw 1987), on at most 10,000 of them."""
    size = SILHOUETTE_SAMPLE if len(sample) > SILHOUETTE_SAMPLE else None
    # the same seed draws the same rows for every k, so the ks are scored on one sub-sample
    from sklearn import config_context  # type: ignore[import-untyped]
    from sklearn.metrics import silhouette_score  # type: ignore[import-untyped]

    with config_context(working_memory=SILHOUETTE_MEMORY):  # scikit-learn's config is per thread
        return float(silhouette_score(sample, labels, sample_size=size, random_state=seed))


def nearest(x: Floats, centers: Floats, *, mean: Floats, scale: Floats) -> Ints:
    """Each row's nearest centre (an index) in standardized, clipped space, by chunks.

    Never an n × k × d array.

    Distances are summed per row, not through a matrix product, so a row's label does not
    depend on the chunk it is in or the order of the centres.
    """
    z_centers = (centers - mean) / scale
    labels = np.empty(len(x), dtype=np.int64)
    for start in range(0, len(x), CHUNK):
        z = np.clip((x[start : start + CHUNK] - mean) / scale, -CLIP, CLIP)
        distances = np.stack([_squared_norms(z - c) for c in z_centers])
        labels[start : start + CHUNK] = distances.argmin(axis=0)
    return labels


def _squared_norms(d: Floats) -> Floats:
    return np.asarray(np.einsum("ij,ij->i", d, d), dtype=np.float64)
