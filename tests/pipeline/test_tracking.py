"""A run's tracking series against the orders table, read and counted with pandas.

Witness: the canonical tables read with plain DuckDB (`tests/pipeline/oracle.py`), the
counted orders as docs/features.md defines them, one purchase per customer and local day,
all but each customer's first; the calibration fit is refitted here from that log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from segmint.core.facts import RunFacts
from segmint.models.clv import BetaGeo, ParetoNBD
from segmint.pipeline.tracking import MAX_POINTS, grid
from segmint.workspace import Workspace
from tests.conftest import built_demo, copied
from tests.pipeline import oracle

AS_OF = dt.date(2026, 6, 30)
SHORT = dt.date(2023, 12, 31)  # six months into the data: too short for a holdout
MODELS = {"bg_nbd": BetaGeo, "pareto_nbd": ParetoNBD}


@dataclass(frozen=True)
class Built:
    facts: dict[dt.date, RunFacts]  # as read back from the store
    returned: dict[dt.date, RunFacts]  # as the runs returned them
    purchases: pd.DataFrame  # customer_id, day: one row per counted purchase day


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    made = built_demo(tmp_path_factory, "tracking", customers=1500, seed=11, as_of=AS_OF)
    folder = copied(made, tmp_path_factory.mktemp("tracking"))
    with Workspace(folder) as ws:
        returned = {AS_OF: ws.run(as_of=AS_OF).facts, SHORT: ws.run(as_of=SHORT).facts}
        stored = {r.as_of: r.facts for r in ws.runs() if r.run_id > 1}
        zone = ws.settings.timezone
    orders = oracle.load(folder / "segmint.duckdb", zone=zone).orders  # the workspace is closed
    counted = orders[~orders.status.isin(oracle.NOT_REVENUE) & (orders.cents >= 0)]
    purchases = counted[["customer_id", "day"]].drop_duplicates()
    return Built(stored, returned, purchases.astype({"day": "int64"}))


def actual_by_pandas(purchases: pd.DataFrame, as_of: dt.date, days: pd.Series) -> list[int]:
    """Repeat purchase days (all but each customer's first) up to each of `days`."""
    log = purchases[purchases.day <= oracle.as_day(as_of)]
    first = log.groupby("customer_id").day.transform("min")
    repeats = log.day[log.day > first]
    return [int((repeats <= d).sum()) for d in days]


@pytest.mark.parametrize("as_of", [AS_OF, SHORT])
def test_actual_is_every_repeat_purchase_day_in_the_orders(built, as_of):
    tracking = built.facts[as_of].clv.tracking
    log = built.purchases[built.purchases.day <= oracle.as_day(as_of)]
    assert oracle.as_day(tracking.start) == log.day.min()
    days = pd.Series(tracking.days) + oracle.as_day(tracking.start)
    assert list(tracking.actual) == actual_by_pandas(built.purchases, as_of, days)


@pytest.mark.parametrize("as_of", [AS_OF, SHORT])
def test_the_grid_is_weekly_from_the_calibration_end_to_as_of(built, as_of):
    tracking = built.facts[as_of].clv.tracking
    days = np.array(tracking.days)
    assert days[0] == 0 and np.all(np.diff(days) > 0) and len(days) <= MAX_POINTS
    assert tracking.start + dt.timedelta(days=int(days[-1])) == as_of
    cut = (tracking.calibration_end - tracking.start).days
    assert cut in days
    assert set((days[1:-1] - cut) % 7) == {0}
    assert len(tracking.actual) == len(tracking.expected) == len(days)


@pytest.mark.parametrize("as_of", [AS_OF, SHORT])
def test_expected_rises_and_ends_near_actual(built, as_of):
    tracking = built.facts[as_of].clv.tracking
    expected = np.array(tracking.expected)
    assert expected[0] == 0.0 == tracking.actual[0]
    assert np.all(np.diff(expected) >= 0)
    assert expected[-1] == pytest.approx(tracking.actual[-1], rel=0.15)


def test_the_holdout_is_tracked_by_the_calibration_fit(built):
    """Witness: the chosen model refitted on a calibration summary made here with pandas;
    at the calibration end it expects sum E[X(T_i)] of the customers acquired by then."""
    clv = built.facts[AS_OF].clv
    tracking = clv.tracking
    assert clv.chosen_by == "holdout" and tracking.fitted_on == "calibration"
    cut = oracle.as_day(AS_OF) - clv.holdout_days
    assert tracking.calibration_end == oracle.EPOCH + dt.timedelta(days=cut)
    log = built.purchases[built.purchases.day <= cut].groupby("customer_id").day
    first, last, days = log.min(), log.max(), log.size()
    T = (cut - first.to_numpy()) / 7.0
    model = MODELS[clv.model]().fit(days - 1, (last - first) / 7.0, T)
    at_cut = tracking.expected[
        tracking.days.index((tracking.calibration_end - tracking.start).days)
    ]
    assert at_cut == pytest.approx(model.expected_purchases_new(T).sum(), rel=1e-6)
    assert model.params_ != pytest.approx(tuple(clv.fit("purchases").params.values()), rel=1e-3)


def test_short_history_is_tracked_in_sample_by_the_stored_fit(built):
    """Witness: the stored fit's E[X(τ)] summed customer by customer."""
    clv = built.facts[SHORT].clv
    tracking = clv.tracking
    assert clv.chosen_by == "log_likelihood" and tracking.fitted_on == "all_history"
    assert tracking.calibration_end == SHORT
    model = MODELS[clv.model]()
    model.params_ = model._params(**clv.fit("purchases").params)
    first = built.purchases[built.purchases.day <= oracle.as_day(SHORT)]
    first = first.groupby("customer_id").day.min().to_numpy()
    for days, expected in zip(tracking.days, tracking.expected, strict=True):
        t = oracle.as_day(tracking.start) + days
        ages = (t - first[first < t]) / 7.0
        assert expected == pytest.approx(model.expected_purchases_new(ages).sum(), rel=1e-9)


def test_the_series_reads_back_as_the_run_returned_it(built):
    assert built.facts == built.returned


def test_a_long_history_is_tracked_every_few_weeks():
    start, as_of = 0, 3_650  # ten years
    points = grid(start, calibration_end=as_of - 90, as_of=as_of)
    steps = np.diff(points[1:-1])
    assert len(points) <= MAX_POINTS and set(steps) == {7 * 3}
    assert points[0] == start and points[-1] == as_of and as_of - 90 in points
    assert np.all(np.diff(points) > 0)
