"""Profile clusters against planted groups, independent NumPy computations and brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from segmint.core.errors import InputError, NotFittedError
from segmint.models import cluster
from segmint.models.cluster import ProfileClusters, match_labels, traits

SIZES = (900, 700, 500, 300, 200)  # unequal on purpose: numbering is by size
PLANTED = 5  # group g is shifted in column g (up for even g, down for odd), 7 noise columns


def planted(rng: np.random.Generator, *, noise_columns: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Five Gaussian groups in 5 + noise_columns dimensions, rows shuffled."""
    truth = np.repeat(np.arange(PLANTED), SIZES)
    centres = np.zeros((PLANTED, PLANTED + noise_columns))
    for g in range(PLANTED):
        centres[g, g] = 6.0 if g % 2 == 0 else -6.0
    x = centres[truth] + rng.normal(size=(truth.size, centres.shape[1]))
    order = rng.permutation(truth.size)
    return x[order], truth[order]


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return planted(np.random.default_rng(20240611))


@pytest.fixture(scope="module")
def fitted(data) -> ProfileClusters:
    return ProfileClusters().fit(data[0])


def rousseeuw(z: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette width written out from Rousseeuw (1987): s = (b - a) / max(a, b)."""
    distances = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    widths = []
    for i, own in enumerate(labels):
        mates = (labels == own) & (np.arange(len(z)) != i)
        a = distances[i, mates].mean()
        b = min(distances[i, labels == other].mean() for other in set(labels) - {own})
        widths.append((b - a) / max(a, b))
    return float(np.mean(widths))


# --- fit: the planted groups, k and the silhouette -----------------------------------------


def test_fit_recovers_the_planted_groups_and_their_number(data, fitted):
    """Witness: a recovered simulation (5 planted Gaussian groups, 7 noise columns)."""
    assert fitted.n_clusters_ == PLANTED
    assert adjusted_rand_score(data[1], fitted.labels_) >= 0.95


def test_fit_on_a_sample_still_recovers_the_planted_groups(data):
    """Witness: the planted groups, with k-means fitted on 800 of the 2,600 rows."""
    model = ProfileClusters(sample_size=800, random_state=3).fit(data[0])
    assert model.n_clusters_ == PLANTED
    assert adjusted_rand_score(data[1], model.labels_) >= 0.95


def test_silhouettes_cover_the_range_and_the_best_is_chosen(fitted):
    """Witness: the stated criterion, the k of the highest silhouette."""
    assert sorted(fitted.silhouettes_) == list(range(3, 9))
    assert fitted.n_clusters_ == max(fitted.silhouettes_, key=fitted.silhouettes_.__getitem__)


def test_silhouette_of_the_chosen_k_is_rousseeuws_mean_width():
    """Witness: s(i) written out in NumPy on the standardized rows and the fitted labels."""
    x, _ = planted(np.random.default_rng(5), noise_columns=3)
    x = x[:600]
    model = ProfileClusters().fit(x)
    z = np.clip((x - x.mean(axis=0)) / x.std(axis=0), -cluster.CLIP, cluster.CLIP)
    expected = rousseeuw(z, model.labels_)
    assert model.silhouettes_[model.n_clusters_] == pytest.approx(expected, rel=1e-9)


def test_standardization_is_the_population_mean_and_std(data, fitted):
    """Witness: numpy's mean and std (ddof 0) of each column."""
    np.testing.assert_allclose(fitted.mean_, data[0].mean(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fitted.scale_, data[0].std(axis=0), rtol=1e-12)


def test_centres_are_the_means_of_their_clusters_in_raw_units(data, fitted):
    """Witness: a Lloyd fixed point, each centre the mean of its rows (all rows are the sample),
    as k-means sees them: standardized values clipped to ±3, in raw units again."""
    mean, scale = fitted.mean_, fitted.scale_
    x = np.clip((data[0] - mean) / scale, -cluster.CLIP, cluster.CLIP) * scale + mean
    means = np.stack([x[fitted.labels_ == j].mean(axis=0) for j in range(fitted.n_clusters_)])
    np.testing.assert_allclose(fitted.centers_, means, atol=1e-6)


def test_fit_is_deterministic_and_leaves_x_alone(data):
    """Witness: two fits of one random_state agree in everything; X is not written."""
    x = data[0].copy()
    first = ProfileClusters(sample_size=1000, random_state=11).fit(x)
    second = ProfileClusters(sample_size=1000, random_state=11).fit(x.copy())
    assert first.silhouettes_ == second.silhouettes_
    np.testing.assert_array_equal(first.centers_, second.centers_)
    np.testing.assert_array_equal(first.labels_, second.labels_)
    np.testing.assert_array_equal(x, data[0])


def test_labels_are_numbered_by_cluster_size(data, fitted):
    """Witness: the counts of the labels, and the largest planted group as label 0."""
    assert fitted.labels_.dtype == np.int64
    counts = np.bincount(fitted.labels_)
    assert len(counts) == fitted.n_clusters_
    assert np.all(np.diff(counts) <= 0)
    largest = data[1] == 0  # the planted group of 900
    assert np.mean(fitted.labels_[largest] == 0) > 0.99


def test_predict_gives_the_training_rows_their_labels(data, fitted):
    """Witness: labels_ from fit, on all rows and on a shuffled part of them."""
    np.testing.assert_array_equal(fitted.predict(data[0]), fitted.labels_)
    rows = np.random.default_rng(1).permutation(len(data[0]))[:77]
    np.testing.assert_array_equal(fitted.predict(data[0][rows]), fitted.labels_[rows])


def test_a_constant_column_gets_scale_one_and_no_say(data):
    """Witness: the planted groups are still recovered; the column's scale is 1."""
    x = np.column_stack([data[0], np.full(len(data[0]), 7.3)])
    model = ProfileClusters().fit(x)
    assert model.scale_[-1] == 1.0
    np.testing.assert_allclose(model.centers_[:, -1], 7.3)
    assert adjusted_rand_score(data[1], model.labels_) >= 0.95


def test_a_tie_of_silhouettes_goes_to_the_smaller_k(data, monkeypatch):
    """Witness: the stated tie rule, with every k scored alike."""
    monkeypatch.setattr(cluster, "_silhouette", lambda *args: 0.25)
    model = ProfileClusters(min_clusters=4, max_clusters=6).fit(data[0])
    assert model.silhouettes_ == {4: 0.25, 5: 0.25, 6: 0.25}
    assert model.n_clusters_ == 4
    assert len(model.centers_) == 4


def test_fewer_distinct_rows_than_max_clusters_try_only_the_ks_that_fit():
    """Witness: the silhouette needs k below the number of distinct rows (6 here)."""
    rows = np.random.default_rng(2).normal(size=(6, 3))
    model = ProfileClusters().fit(np.repeat(rows, 2, axis=0))
    assert sorted(model.silhouettes_) == [3, 4, 5]


# --- fit: what it refuses ------------------------------------------------------------------


@pytest.mark.parametrize(
    "x",
    [np.random.default_rng(0).normal(size=(3, 4)), np.ones((50, 4))],
    ids=["as_many_rows_as_min_clusters", "identical_rows"],
)
def test_too_few_distinct_rows_are_refused(x):
    with pytest.raises(InputError) as caught:
        ProfileClusters().fit(x)
    assert caught.value.code == "models.too_few_profiles"
    distinct = len(np.unique(x, axis=0))
    assert f"have {distinct} distinct profile" in caught.value.message


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_clusters": 1}, "min_clusters"),
        ({"min_clusters": 2.5}, "min_clusters"),
        ({"max_clusters": 1}, "max_clusters"),
        ({"min_clusters": 5, "max_clusters": 4}, "max_clusters"),
        ({"sample_size": 1}, "sample_size"),
        ({"random_state": -1}, "random_state"),
        ({"random_state": True}, "random_state"),
    ],
)
def test_out_of_range_parameters_carry_the_invalid_parameter_code(data, params, field):
    with pytest.raises(InputError) as caught:
        ProfileClusters(**params).fit(data[0])
    assert caught.value.code == "models.invalid_parameter"
    assert caught.value.location.field == field


def test_max_clusters_below_min_clusters_names_the_range():
    with pytest.raises(InputError, match=r"in the range \[5, inf\)\. Got 4 instead"):
        ProfileClusters(min_clusters=5, max_clusters=4).fit(np.eye(10))


def test_nan_is_refused_with_its_row_and_column(data, fitted):
    x = data[0].copy()
    x[7, 3] = np.nan
    x[9, 0] = np.inf
    for call in (ProfileClusters().fit, fitted.predict):
        with pytest.raises(InputError) as caught:
            call(x)
        assert caught.value.code == "models.not_finite"
        assert caught.value.location.index == 7
        assert "2 customers (first: index 7, X[7, 3] nan)" in caught.value.message


def test_a_vector_is_not_a_matrix():
    with pytest.raises(InputError) as caught:
        ProfileClusters().fit(np.arange(10.0))
    assert caught.value.code == "models.not_a_matrix"


def test_predict_before_fit_says_to_fit():
    with pytest.raises(NotFittedError):
        ProfileClusters().predict(np.eye(3))


def test_predict_with_other_columns_is_refused(data, fitted):
    with pytest.raises(InputError) as caught:
        fitted.predict(data[0][:, :4])
    assert caught.value.code == "models.columns_differ"
    assert "has 4 columns, but ProfileClusters was fitted on 12" in caught.value.message


# --- match_labels ----------------------------------------------------------------------------


def test_match_labels_gives_permuted_perturbed_centres_their_old_ids():
    """Witness: the permutation that shuffled the centres."""
    rng = np.random.default_rng(8)
    previous = rng.normal(size=(6, 4)) * [1.0, 10.0, 100.0, 1000.0]
    scale = np.array([1.0, 10.0, 100.0, 1000.0])
    ids = np.array([3, 8, 1, 5, 9, 2])
    order = rng.permutation(6)
    current = previous[order] + rng.normal(scale=0.01, size=(6, 4)) * scale
    np.testing.assert_array_equal(
        match_labels(previous, current, scale=scale, previous_ids=ids), ids[order]
    )


def test_match_labels_gives_an_extra_cluster_the_next_new_id():
    previous = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    current = np.array([[50.0, 50.0], [0.1, 9.9], [9.8, 0.2], [0.0, 0.1], [-60.0, 0.0]])
    got = match_labels(previous, current, scale=np.ones(2), previous_ids=np.array([4, 9, 2]))
    np.testing.assert_array_equal(got, [10, 2, 9, 4, 11])


def test_match_labels_retires_the_ids_of_vanished_clusters():
    previous = np.array([[0.0], [10.0], [20.0]])
    got = match_labels(
        previous, np.array([[19.0], [1.0]]), scale=np.ones(1), previous_ids=[7, 8, 9]
    )
    np.testing.assert_array_equal(got, [9, 7])


@pytest.mark.parametrize("previous", [np.empty((0, 3)), np.empty(0)])
def test_match_labels_on_a_first_run_numbers_from_one(previous):
    got = match_labels(previous, np.ones((4, 3)), scale=np.ones(3), previous_ids=np.empty(0))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, [1, 2, 3, 4])


def test_match_labels_minimizes_the_total_scaled_distance():
    """Witness: brute force over every assignment, on distances divided by the scale."""
    rng = np.random.default_rng(13)
    scale = np.array([1.0, 500.0])
    for _ in range(20):
        previous = rng.normal(size=(5, 2)) * scale
        current = rng.normal(size=(5, 2)) * scale
        cost = np.sqrt((((previous[:, None] - current[None]) / scale) ** 2).sum(axis=2))
        best = min(itertools.permutations(range(5)), key=lambda p: cost[p, range(5)].sum())
        got = match_labels(previous, current, scale=scale, previous_ids=np.arange(5))
        assert cost[got, range(5)].sum() == pytest.approx(cost[best, range(5)].sum())


# --- traits ------------------------------------------------------------------------------------


def test_traits_put_each_planted_column_first_with_its_sign(data):
    """Witness: the simulation, where group g differs only in column g (up for even g)."""
    found = traits(data[0], data[1])
    assert sorted(found) == list(range(PLANTED))
    for g, its in found.items():
        assert its[0].feature == g
        assert np.sign(its[0].z) == (1 if g % 2 == 0 else -1)


def test_traits_z_mean_and_overall_are_the_plain_numpy_values(data):
    """Witness: each group's mean, the overall mean and std, computed directly."""
    x, labels = data
    for g, its in traits(x, labels, top=12, min_z=0.0).items():
        mean = x[labels == g].mean(axis=0)
        z = (mean - x.mean(axis=0)) / x.std(axis=0)
        assert len(its) == 12
        for trait in its:
            j = trait.feature
            assert trait.z == pytest.approx(z[j], rel=1e-9, abs=1e-12)
            assert trait.mean == pytest.approx(mean[j], rel=1e-9, abs=1e-12)
            assert trait.overall == pytest.approx(x[:, j].mean(), rel=1e-9, abs=1e-12)


def test_traits_are_the_top_columns_by_abs_z_above_the_threshold():
    """Witness: a sort of every column by (-|z|, column), cut at min_z and top."""
    rng = np.random.default_rng(21)
    x = rng.normal(size=(400, 9)) + rng.integers(0, 3, size=(400, 1)) * rng.normal(size=9)
    labels = rng.integers(0, 3, size=400) * 10  # any labels, not only 0..k-1
    found = traits(x, labels, top=3, min_z=0.2)
    assert sorted(found) == [0, 10, 20]
    for g, its in found.items():
        z = (x[labels == g].mean(axis=0) - x.mean(axis=0)) / x.std(axis=0)
        ranked = sorted(range(9), key=lambda j: (-abs(z[j]), j))
        assert [t.feature for t in its] == [j for j in ranked if abs(z[j]) >= 0.2][:3]


def test_a_constant_column_has_z_exactly_zero():
    """Witness: z = -1 by hand for the split column; 0.1 twenty times has a mean off 0.1."""
    x = np.column_stack([np.repeat([0.0, 5.0], 10), np.full(20, 0.1)])
    found = traits(x, np.repeat([0, 1], 10), top=2, min_z=0.0)
    assert [(t.feature, t.z) for t in found[0]] == [(0, -1.0), (1, 0.0)]
    assert [t.feature for t in traits(x, np.repeat([0, 1], 10))[0]] == [0]


def test_traits_refuse_labels_of_another_length(data):
    with pytest.raises(InputError) as caught:
        traits(data[0], data[1][:-1])
    assert caught.value.code == "models.lengths_differ"


def test_a_rare_flag_does_not_take_a_cluster_of_its_own():
    """Witness: the planted groups plus a 0/1 column set for 2 % of rows at random (its
    standardized 1 is about 7 deviations out): clipped to 3, it does not split off a
    cluster, and the five groups are found (adjusted Rand index >= 0.95)."""
    rng = np.random.default_rng(8)
    x, truth = planted(rng)
    rare = (rng.random(len(x)) < 0.02).astype(float)
    model = ProfileClusters().fit(np.column_stack([x, rare]))
    assert model.n_clusters_ == PLANTED
    assert adjusted_rand_score(truth, model.labels_) >= 0.95


def test_k_means_runs_on_one_thread_in_a_fresh_process():
    """Witness: threadpoolctl's own report from inside the fit, in a process that had not
    imported scikit-learn (a limit set before its OpenMP is loaded would not hold)."""
    import subprocess
    import sys

    probe = """
import numpy as np
from threadpoolctl import threadpool_info
from segmint.models import cluster
fit = cluster._kmeans
seen = []
def spy(*args, **kwargs):
    seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp")
    return fit(*args, **kwargs)
cluster._kmeans = spy
x = np.random.default_rng(0).normal(size=(300, 4))
cluster.ProfileClusters(min_clusters=3, max_clusters=3).fit(x)
print(sorted(set(seen)))
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[1]", done.stdout + done.stderr
