"""Window measures equal the catalog features they generalise, customer by customer."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from segmint.features.windows import EMPTY, window_measures
from segmint.segments.rules.tree import Filter
from segmint.store.relations import execute, sources
from tests.segments.rules.trees import window

AS_OF = dt.date(2026, 6, 30)
DAY = (AS_OF - dt.date(1970, 1, 1)).days

# The witness of each window: the catalog feature of the same definition.
CASES = [
    (window("count", "orders", 30), "orders_30d"),
    (window("count", "orders", 365), "orders_365d"),
    (window("sum", "orders", 365), "revenue_365d"),
    (window("sum", "orders", 30), "revenue_30d"),
    (window("share", "orders", 90, Filter("discounted")), "discount_share_90d"),
    (
        window("streak", "events", None, Filter("type", ("product_view",)), without="orders"),
        "view_streak_days",
    ),
    (window("count", "events", 7, Filter("type", ("page_view", "product_view"))), "page_views_7d"),
    (window("count", "events", 30, Filter("type", ("email_open",))), "email_opens_30d"),
    (window("count", "events", 90, Filter("type", ("call",))), "calls_90d"),
    (window("count", "tickets", 365, Filter("complaint")), "complaints_365d"),
    (window("count", "tickets", 365), "tickets_365d"),
    (window("count", "tickets", 3650, Filter("open")), "open_tickets"),  # all opened since 2016
]


@pytest.fixture(scope="module")
def measured(rules_demo):
    """Each window per snapshot customer (a missing one as `EMPTY` says), and the snapshot."""
    ws = rules_demo
    src = sources(ws.engine, timezone=ws.settings.timezone)
    tables = window_measures(src, DAY, [w for w, _ in CASES])
    snapshot = ws.snapshot().to_pandas().set_index("customer_id")
    found = pd.DataFrame(index=snapshot.index)
    for table in tables.values():
        found = found.join(execute(ws.engine, table).to_pandas().set_index("customer_id"))
    for w, _ in CASES:
        if w.measure in EMPTY:
            found[w.key] = found[w.key].where(found[w.key].notna(), EMPTY[w.measure])
    return found, snapshot


@pytest.mark.parametrize(("w", "feature"), CASES, ids=[f for _, f in CASES])
def test_window_equals_the_catalog_feature(measured, w, feature):
    found, snapshot = measured
    got, want = found[w.key], snapshot[feature]
    assert (got.isna() == want.isna()).all()
    both = got.notna()
    assert (got[both] == want[both]).all(), (got[both] != want[both]).sum()
    assert want.astype(bool).any()  # the feature is not all zero: the case tests something


def test_one_table_per_source_and_one_column_per_distinct_window(rules_demo):
    ws = rules_demo
    src = sources(ws.engine, timezone=ws.settings.timezone)
    twice = [w for w, _ in CASES] + [window("count", "orders", 30)]
    tables = window_measures(src, DAY, twice, names={CASES[0][0].key: "n30"})
    assert set(tables) == {"orders", "events", "tickets"}
    assert tables["orders"].columns[:2] == ("customer_id", "n30")
    assert len(tables["orders"].columns) == 1 + 5
