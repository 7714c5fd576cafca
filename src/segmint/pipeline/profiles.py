"""Profile clusters of a run: the customers' profile matrix, the clusters and their facts.

The matrix has one row per customer who bought and one column per profile feature:
spend, orders, basket, discounts, browsing, e-mail, service use and age, the
share of spend in each category, of orders in each channel, and gender. Counts and money
are log-scaled, so a few large buyers do not make clusters of their own. The clusters
keep the ids of the previous run's nearest ones, so "cluster 3" keeps its meaning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from segmint.core.config_needs import ClusterSettings
from segmint.core.facts import Cluster, ProfileFacts, Silhouette, Trait
from segmint.models import cluster

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

# Not recency: it grows every day, so a cluster would move daily; it is the lifecycle's.
NUMERIC = (
    "monetary",
    "frequency",
    "aov",
    "discount_share",
    "page_views_30d",
    "email_opens_30d",
    "tickets_365d",
    "age",
)
LOGGED = frozenset({"monetary", "frequency", "aov", "page_views_30d", "email_opens_30d"})
LONG = ("category_share", "channel_share", "gender")  # one column per value
MOST_VALUES = 12  # per long kind: the values most customers have; the rest are left out


@dataclass(frozen=True)
class Profile:
    """The buyers' profile matrix, one column per name of ``features``.

    ``values`` as the models see them (log-scaled), ``raw`` in the features' own units;
    ``fill``, per column, what an empty value was put at (as the models see it).
    """

    features: tuple[str, ...]
    values: Floats
    raw: Floats
    fill: Floats


def profile(
    columns: dict[str, Any],
    long: dict[str, pa.Table],
    *,
    ids: pa.ChunkedArray | pa.Array,
    features: Sequence[str] | None = None,
    fill: Sequence[float] | None = None,
) -> Profile:
    """The profile matrix of customers `ids` (the buyers, in run order).

    `columns` holds their catalog features and ``age`` as arrays aligned with `ids`;
    `long` holds, per kind of LONG, a table customer_id, value, share (or `columns`
    holds a share column by its profile name, ``kind:value``, as an engine pivots it).
    `features` fixes the columns (a run's placing of everyone, an update); by default
    they are NUMERIC and the most common values of each kind among `ids`. An empty value
    (an age without a birthday) is put at the column's mean, neutral to k-means: the
    run's (`fill`, as the models see the columns) when the columns are fixed, so a
    customer is placed alone as among everyone.
    """
    names = list(features) if features is not None else [*NUMERIC, *_common(long, ids)]
    raw = np.zeros((len(ids), len(names)))
    placed = {kind: _placed(table, ids) for kind, table in long.items()}
    for j, name in enumerate(names):
        kind, _, value = name.partition(":")
        if name in columns or not value:
            raw[:, j] = columns[name]
        else:
            raw[:, j] = _share(placed[kind], value, len(ids))
    values = raw.copy()
    for j, name in enumerate(names):
        if name in LOGGED:
            values[:, j] = np.log1p(np.maximum(raw[:, j], 0.0))
    empty = np.isnan(values)
    if fill is None:  # each column's mean of its known values; 0 when none is known
        known = (~empty).sum(axis=0)
        sums = np.where(empty, 0.0, values).sum(axis=0)
        fill = np.divide(sums, known, out=np.zeros(len(names)), where=known > 0)
    means = np.asarray(fill, dtype=np.float64)
    values = np.where(empty, means, values)
    raw = np.where(
        np.isnan(raw), np.where([n in LOGGED for n in names], np.expm1(means), means), raw
    )
    return Profile(tuple(names), values, raw, means)


def profile_of(
    buyers: pa.Table,
    people: pa.Table,
    categories: pa.Table,
    channels: pa.Table,
    *,
    features: Sequence[str] | None = None,
    fill: Sequence[float] | None = None,
) -> Profile:
    """The profile matrix of the customers in `buyers` (their features), in its order.

    `people` holds customer_id, gender and age (`features.profile.demographics`),
    `categories` and `channels` each customer's shares (`category_spend`,
    `order_channels`); `features` and `fill` as `profile` takes them.
    """
    ids = buyers["customer_id"]
    columns = {name: floats(buyers[name]) for name in NUMERIC if name != "age"}
    columns["age"] = floats(pc.take(people["age"], pc.index_in(ids, people["customer_id"])))
    gender = pa.table({"customer_id": people["customer_id"], "value": people["gender"]})
    long = {
        "category_share": _long(categories, "category"),
        "channel_share": _long(channels, "channel"),
        "gender": gender.append_column("share", pa.repeat(pa.scalar(1.0), gender.num_rows)),
    }
    return profile(columns, long, ids=ids, features=features, fill=fill)


def floats(column: Any) -> Floats:
    """A feature column as the models read it (`run.model_columns`): NaN for empty."""
    return np.asarray(pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False))


def _long(table: pa.Table, value: str) -> pa.Table:
    return pa.table(
        {"customer_id": table["customer_id"], "value": table[value], "share": table["share"]}
    )


def _common(long: dict[str, pa.Table], ids: pa.ChunkedArray | pa.Array) -> list[str]:
    """Per kind of LONG, its values most of the customers `ids` have (at most MOST_VALUES)."""
    names = []
    for kind in LONG:
        mine = long[kind].filter(pc.is_in(long[kind]["customer_id"], ids))
        counts = pc.value_counts(mine["value"])
        pairs = sorted(
            zip(
                counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True
            ),
            key=lambda p: (-p[1], str(p[0])),
        )
        names += [f"{kind}:{value}" for value, _ in pairs[:MOST_VALUES] if value is not None]
    return names


def _placed(table: pa.Table, ids: pa.ChunkedArray | pa.Array) -> tuple[Any, Any, Floats]:
    """A long table's rows of `ids`: each one's position in `ids`, its value and share.

    One lookup per kind of share, whatever the number of its columns.
    """
    at = pc.index_in(table["customer_id"], ids)
    kept = pc.is_valid(at)
    return (
        pc.filter(at, kept).to_numpy(zero_copy_only=False),
        np.asarray(pc.filter(table["value"], kept).to_numpy(zero_copy_only=False), dtype=object),
        np.nan_to_num(pc.filter(table["share"], kept).to_numpy(zero_copy_only=False)),
    )


def _share(placed: tuple[Any, Any, Floats], value: str, n: int) -> Floats:
    """One value's share for each of `n` customers (0 for a customer without it)."""
    at, values, shares = placed
    out = np.zeros(n)
    mine = values == value
    out[at[mine]] = shares[mine]
    return out


def fit(
    sample: Profile, *, buyers: int, settings: ClusterSettings, previous: ProfileFacts | None
) -> ProfileFacts | None:
    """The clusters of a run's `buyers`, fitted on the profiles of a sample of them.

    None with too few buyers. The fit, its columns, their means and the traits are the
    sample's (`clusters_scored.sampled` draws it, at most ``settings.sample`` buyers);
    everyone is then placed at the nearest centre (`place`), and `counted` says how many each holds.
    """
    if buyers < max(settings.min, 2) * 10:  # fewer than ten a cluster: nothing to describe
        return None
    model = cluster.ProfileClusters(
        min_clusters=settings.min,
        max_clusters=settings.max,
        sample_size=max(len(sample.values), 2),  # all of it: the sample is drawn already
        random_state=0,
    ).fit(sample.values)
    ids = cluster.match_labels(
        _aligned(previous, sample.features, model.mean_),
        model.centers_,
        scale=model.scale_,
        previous_ids=np.asarray([c.cluster for c in previous.clusters] if previous else []),
    )
    return _facts(sample, model, ids)


def counted(facts: ProfileFacts, sizes: dict[int, int]) -> ProfileFacts:
    """`facts` with each cluster's customers: `sizes`, by cluster id, of everyone placed."""
    members = tuple(
        c.model_copy(update={"customers": sizes.get(c.cluster, 0)}) for c in facts.clusters
    )
    return facts.model_copy(update={"clusters": members})


def _aligned(previous: ProfileFacts | None, features: tuple[str, ...], mean: Floats) -> Floats:
    """The previous run's centres in this run's columns (a column it lacked: today's mean)."""
    if previous is None:
        return np.zeros((0, len(features)))
    where = {name: j for j, name in enumerate(previous.features)}
    centres = np.tile(mean, (len(previous.clusters), 1))
    for j, name in enumerate(features):
        if name in where:
            centres[:, j] = [c.center[where[name]] for c in previous.clusters]
    return centres


TRAITS = 4  # traits kept per cluster: what a description names


def _telling(trait: cluster.Trait, features: tuple[str, ...]) -> bool:
    """A trait worth naming: a share above everyone's, or any other feature.

    A share below ("little 家居") only follows from one above it elsewhere ("73 % of
    spend in 美妆").
    """
    return trait.z > 0 or ":" not in features[trait.feature]


def _facts(matrix: Profile, model: cluster.ProfileClusters, ids: Ints) -> ProfileFacts:
    found = {
        index: [t for t in ranked if _telling(t, matrix.features)][:TRAITS]
        for index, ranked in cluster.traits(matrix.values, model.labels_, top=3 * TRAITS).items()
    }
    overall = matrix.raw.mean(axis=0)
    members = []
    for index, cid in enumerate(ids):
        mine = model.labels_ == index
        means = matrix.raw[mine].mean(axis=0)  # shown in the features' own units
        traits = tuple(
            Trait(
                feature=matrix.features[t.feature],
                z=round(t.z, 4),
                mean=float(means[t.feature]),
                overall=float(overall[t.feature]),
            )
            for t in found.get(index, ())
        )
        members.append(
            Cluster(
                cluster=int(cid),
                customers=int(mine.sum()),
                center=tuple(float(c) for c in model.centers_[index]),
                traits=traits,
            )
        )
    return ProfileFacts(
        features=matrix.features,
        mean=tuple(float(m) for m in model.mean_),
        scale=tuple(float(s) for s in model.scale_),
        silhouettes=tuple(
            Silhouette(k=k, score=round(float(v), 6)) for k, v in model.silhouettes_.items()
        ),
        clusters=tuple(sorted(members, key=lambda c: c.cluster)),
    )


def place(matrix: Profile, facts: ProfileFacts) -> Ints:
    """Each customer's cluster id by the nearest of a run's centres (an update's)."""
    at = cluster.nearest(
        matrix.values,
        np.asarray([c.center for c in facts.clusters]),
        mean=np.asarray(facts.mean),
        scale=np.asarray(facts.scale),
    )
    ids: Ints = np.asarray([c.cluster for c in facts.clusters], dtype=np.int64)[at]
    return ids
