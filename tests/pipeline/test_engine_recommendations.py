"""Recommendations where the data is, on DuckDB and on a real local Spark, against the run's.

Witness: `pipeline.recommendations`, the run in memory: `learn` on the whole purchase
matrix the engine hands over, and `columns` on it, as `pipeline.needs.needs` calls them.
The engine's fit from its counts must be that fit to the bit, and every customer's
recommendations those strings. The workspace is `tests.pipeline.test_engines`'.
"""

from __future__ import annotations

import numpy as np
import pytest

from segmint.core.config import load as load_settings
from segmint.features.customer import customer_features
from segmint.models import recommend
from segmint.pipeline import recommendations
from segmint.pipeline.recommendations_scored import recommendations_on
from segmint.store.relations import execute, sources
from tests.pipeline.test_engines import AS_OF, day_of, engine, features, shop

__all__ = ["engine", "features", "shop"]  # the fixtures, shared with the engines' tests
pytestmark = pytest.mark.xdist_group("spark")  # one Java process for the whole suite


def assert_same_learnt(got: recommendations.Learnt, want: recommendations.Learnt) -> None:
    for name in ("products", "names", "categories"):
        assert getattr(got, name).equals(getattr(want, name)), name
    for name in ("buyers", "repeat"):
        assert getattr(got, name).dtype == getattr(want, name).dtype, name
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
    a, b = got.similarity, want.similarity
    assert (a.shape, a.dtype) == (b.shape, b.dtype)
    for part in ("indptr", "indices"):
        np.testing.assert_array_equal(getattr(a, part), getattr(b, part), err_msg=part)
    np.testing.assert_array_equal(a.data.view(np.uint32), b.data.view(np.uint32))  # the bits


@pytest.mark.parametrize("label", list(AS_OF))
def test_recommendations_are_the_runs_to_the_bit(engine, shop, features, label):
    """The fit from the engine's counts is `learn`'s; each customer's columns `columns`'."""
    settings = load_settings(shop.folder).recommend
    src, table, day = sources(engine, timezone=shop.zone), features[label], day_of(label)
    want, counts, days = recommendations.learn(
        engine, src, table["customer_id"], day=day, settings=settings
    )
    wanted = recommendations.columns(
        want,
        counts,
        days,
        top_category=table["top_category"].to_numpy(zero_copy_only=False),
        day=day,
        settings=settings,
    )
    t = customer_features(src, day)
    got, made = recommendations_on(engine, src, t, day=day, settings=settings)
    assert_same_learnt(got, want)
    found = execute(engine, made.order_by("customer_id"))
    assert found["customer_id"].to_pylist() == table["customer_id"].to_pylist()
    for column in ("recommended", "next_category"):
        assert found[column].to_pylist() == list(wanted[column]), column

    # not vacuous: neighbours learnt, products offered for their co-purchases (not only
    # the popular ones), recent purchases held back, some repeat items, a top category skipped
    recommended = wanted["recommended"]
    assert want.similarity.nnz > len(want.products) and want.repeat.any()
    assert all(r is not None for r in recommended)
    assert len(set(recommended)) > len(recommended) // 10
    recent = days.copy()
    recent.data = (recent.data - 1 > day - settings.recent_days).astype(np.float32)
    assert recommend.recent_exclusions(recent, want.repeat).nnz > 0
    category = dict(zip(want.products.to_pylist(), want.categories.to_pylist(), strict=True))
    first = [category[r.split(",")[0]] for r in recommended]
    nexts = wanted["next_category"]
    assert all(c is not None for c in nexts)
    assert 0 < sum(c != f for c, f in zip(nexts, first, strict=True)) < len(nexts)  # top skipped
