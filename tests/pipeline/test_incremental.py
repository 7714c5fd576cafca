"""A few customers' features, computed alone, equal the full run's: one definition each.

Witness: the full run's snapshot rows of the same customers, feature by feature (the
ground for updating customers between runs without a second copy of any feature).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.core.catalog import FEATURES
from segmint.demo.run import run_demo
from segmint.features.customer import EPOCH, customer_features
from segmint.store.relations import execute, restricted, sources
from segmint.workspace import Workspace

AS_OF = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    folder = tmp_path_factory.mktemp("incremental") / "demo"
    run_demo(folder, customers=600, seed=9, as_of=AS_OF)
    with Workspace(folder) as workspace:
        yield workspace


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_features_of_a_few_customers_alone_equal_the_full_runs(ws, data):
    snap = ws.snapshot().to_pandas().set_index("customer_id")
    ids = data.draw(
        st.lists(st.sampled_from(sorted(snap.index)), min_size=1, max_size=25, unique=True)
    )
    src = restricted(sources(ws.engine, timezone=ws.settings.timezone), ids)
    day = (AS_OF - EPOCH).days
    alone = execute(ws.engine, customer_features(src, day)).to_pandas().set_index("customer_id")
    assert sorted(alone.index) == sorted(ids)
    for feature in FEATURES:
        got, want = alone.loc[ids, feature.name], snap.loc[ids, feature.name]
        assert _filled(got) == _filled(want), feature.name


def _filled(values: pd.Series) -> list[object]:
    """The values, -1 for a missing one (fillna would warn on a column of only None)."""
    return [-1 if pd.isna(v) else v for v in values.tolist()]
