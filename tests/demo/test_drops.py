"""Valued customers whose buying drops on a known day: who, when, how much, and nothing else."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from segmint.core.errors import InputError
from segmint.demo.generate import Dataset, TruthParams, generate

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
SHARE, KEPT = 0.3, 0.25  # a large drop share, so each group has hundreds of customers
WEEK = dt.timedelta(weeks=1)


@pytest.fixture(scope="module")
def dropping() -> Dataset:
    return generate(60_000, seed=21, params=TruthParams(drop_share=SHARE, drop_kept_share=KEPT))


@pytest.fixture(scope="module")
def undisturbed() -> Dataset:
    return generate(60_000, seed=21, params=TruthParams(drop_share=0.0))


def _np(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_numpy(zero_copy_only=False))


def _drop_moment(data: Dataset) -> dt.datetime:
    """Local midnight beginning the 90th day before the end (the last 90 days follow it)."""
    day = data.as_of - dt.timedelta(days=data.params.drop_days - 1)
    return dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI).astimezone(dt.UTC)


def _end(data: Dataset) -> dt.datetime:
    local = dt.datetime.combine(data.as_of + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
    return local.astimezone(dt.UTC)


def _ids(data: Dataset, kind: str | None) -> pa.Array:
    drop = data.truth.column("drop")
    chosen = pc.is_null(drop) if kind is None else pc.equal(drop, kind)
    return data.truth.column("customer_id").filter(pc.fill_null(chosen, False)).combine_chunks()


def _counted_after(data: Dataset, ids: pa.Array) -> np.ndarray:
    """Per customer of `ids`, orders not cancelled from the drop moment on."""
    orders = data.orders
    after = pc.and_(
        pc.greater_equal(orders.column("ordered_at"), pa.scalar(_drop_moment(data))),
        pc.not_equal(orders.column("status"), "cancelled"),
    )
    owner = pc.index_in(orders.filter(after).column("customer_id"), value_set=ids)
    return np.bincount(_np(owner.drop_null()), minlength=len(ids))


def _rows_of(table: pa.Table, ids: pa.Array) -> pa.Table:
    return table.filter(pc.is_in(table.column("customer_id"), value_set=ids))


def test_eligible_customers_are_valued_have_a_history_and_are_alive_at_the_drop(
    dropping: Dataset,
) -> None:
    """Witness: the stated rule, recomputed from the truth and the customers table."""
    truth, moment = dropping.truth, _drop_moment(dropping)
    signup = dropping.customers.column("signup_at")
    history = pc.less_equal(signup, pa.scalar(moment - dt.timedelta(days=180)))
    dropout = truth.column("dropout_at")
    alive = pc.or_(pc.is_null(dropout), pc.greater_equal(dropout, pa.scalar(moment)))
    rule = pc.and_(
        pc.and_(pc.greater_equal(truth.column("lam"), 0.125), history),
        pc.and_(pc.fill_null(alive, True), pc.invert(truth.column("won_back"))),
    )
    assert dropping.customers.column("customer_id").equals(truth.column("customer_id"))
    assert truth.column("drop_eligible").equals(rule)
    assert 0.06 < pc.mean(rule).as_py() < 0.12  # about 9 % with the default process


def test_the_dropped_share_of_eligible_customers_is_drop_share(dropping: Dataset) -> None:
    """Witness: Binomial(eligible, drop_share), then Binomial(dropped, 1/2) for stopped.

    4 standard errors: a right generator fails for about 1 seed in 16,000.
    """
    truth = dropping.truth
    eligible = _np(truth.column("drop_eligible"))
    dropped = _np(pc.is_valid(truth.column("drop")))
    assert not (dropped & ~eligible).any()
    n, k = eligible.sum(), dropped.sum()
    assert abs(k / n - SHARE) < 4 * math.sqrt(SHARE * (1 - SHARE) / n), (k, n)
    stopped = len(_ids(dropping, "stopped"))
    assert abs(stopped / k - 0.5) < 4 * math.sqrt(0.25 / k), (stopped, k)
    assert set(pc.unique(truth.column("drop")).drop_null().to_pylist()) == {"stopped", "slowed"}


def test_drop_at_is_local_midnight_of_the_drop_day_for_dropped_customers_only(
    dropping: Dataset,
) -> None:
    drop_at = dropping.truth.column("drop_at")
    assert drop_at.type == pa.timestamp("us", tz="UTC")
    assert pc.is_valid(drop_at).equals(pc.is_valid(dropping.truth.column("drop")))
    assert set(drop_at.drop_null().to_pylist()) == {_drop_moment(dropping)}
    # The default 90 days: an 84-day window ending on the last day lies wholly after it.
    assert _end(dropping) - _drop_moment(dropping) == dt.timedelta(days=90)


def test_stopped_customers_have_no_order_from_the_drop_on(dropping: Dataset) -> None:
    stopped = _ids(dropping, "stopped")
    assert len(stopped) > 500
    orders = _rows_of(dropping.orders, stopped)
    last = pc.max(orders.column("ordered_at")).as_py()
    assert last < _drop_moment(dropping)  # not even a cancelled attempt


def test_slowed_customers_keep_the_stated_share_of_the_purchases_they_would_have_made(
    dropping: Dataset, undisturbed: Dataset
) -> None:
    """Witness: the same seed without drops; each later purchase is kept with probability 1/4.

    The kept count is Binomial(purchases without the drop, 1/4): 4 standard errors.
    """
    slowed = _ids(dropping, "slowed")
    kept = _counted_after(dropping, slowed).sum()
    would = _counted_after(undisturbed, slowed).sum()
    assert would > 1_000
    assert abs(kept / would - KEPT) < 4 * math.sqrt(KEPT * (1 - KEPT) / would), (kept, would)


def test_after_the_drop_slowed_customers_buy_the_stated_fraction_of_their_own_rate(
    dropping: Dataset,
) -> None:
    """Witness: a customer alive at the drop with rate λ and dropout probability p makes
    (1 - exp(-λpw)) / p purchases in the w weeks after it on average: purchases arrive at
    rate λ while she is alive, and she is alive s weeks later with probability
    exp(-λps) (BG/NBD, Fader, Hardie & Lee 2005, section 2; memoryless, so the past
    does not matter). Slowed customers make 1/4 of that, the others all of it; stopped
    ones none. The mean of (made - expected) is held to 4 standard errors of the group.
    """
    truth = dropping.truth
    weeks = (_end(dropping) - _drop_moment(dropping)) / WEEK
    groups = {"slowed": KEPT, "stopped": 0.0, None: 1.0}
    for kind, fraction in groups.items():
        ids = _ids(dropping, kind)
        rows = _rows_of(truth, ids)
        if kind is None:  # the eligible customers who did not drop
            rows = rows.filter(rows.column("drop_eligible"))
            ids = rows.column("customer_id").combine_chunks()
        lam, p = _np(rows.column("lam")), _np(rows.column("p_drop"))
        expected = fraction * (1 - np.exp(-lam * p * weeks)) / p
        gap = _counted_after(dropping, ids) - expected
        error = gap.std() / math.sqrt(gap.size) if fraction else 0.0
        assert abs(gap.mean()) <= 4 * error, (kind, gap.mean(), error, expected.mean())


def test_customers_not_dropped_keep_exactly_the_data_of_the_undisturbed_draw(
    dropping: Dataset, undisturbed: Dataset
) -> None:
    """Witness: the same seed with drop_share = 0; the drop only removes rows.

    Customers, tickets and the truth's process draws are the same for everyone; orders,
    item lines and events the same for every customer not dropped, ids included; a
    dropped customer's orders before the drop are the same too.
    """
    assert dropping.customers.equals(undisturbed.customers)
    assert dropping.tickets.equals(undisturbed.tickets)
    kept = _ids(dropping, None)
    for kind in ("orders", "events"):
        assert _rows_of(getattr(dropping, kind), kept).equals(
            _rows_of(getattr(undisturbed, kind), kept)
        ), kind
    moment = pa.scalar(_drop_moment(dropping))
    before = [
        data.orders.filter(pc.less(data.orders.column("ordered_at"), moment))
        for data in (dropping, undisturbed)
    ]
    assert before[0].equals(before[1])
    ids = dropping.orders.column("order_id")
    items = undisturbed.order_items
    assert dropping.order_items.equals(items.filter(pc.is_in(items.column("order_id"), ids)))
    process = ["customer_id", "lam", "p_drop", "nu", "x", "t_x", "alive", "dropout_at"]
    assert dropping.truth.select(process).equals(undisturbed.truth.select(process))
    observed = ["n_orders", "revenue"]
    assert (
        _rows_of(dropping.truth, kept)
        .select(observed)
        .equals(_rows_of(undisturbed.truth, kept).select(observed))
    )


def test_views_before_removed_orders_go_with_them(dropping: Dataset, undisturbed: Dataset) -> None:
    """Only events of dropped customers disappear, and only from two days before the drop."""
    ids = dropping.events.column("event_id")
    gone = undisturbed.events.filter(
        pc.invert(pc.is_in(undisturbed.events.column("event_id"), ids))
    )
    assert gone.num_rows > 0
    dropped = _ids(dropping, "stopped").to_pylist() + _ids(dropping, "slowed").to_pylist()
    assert set(gone.column("customer_id").to_pylist()) <= set(dropped)
    assert set(gone.column("type").to_pylist()) <= {"page_view", "product_view"}
    earliest = pc.min(gone.column("occurred_at")).as_py()
    assert earliest >= _drop_moment(dropping) - dt.timedelta(days=2)


def test_without_drops_no_customer_is_dropped_but_eligibility_is_still_told(
    undisturbed: Dataset,
) -> None:
    truth = undisturbed.truth
    assert truth.column("drop").null_count == truth.num_rows
    assert truth.column("drop_at").null_count == truth.num_rows
    assert pc.sum(truth.column("drop_eligible")).as_py() > 3_000


def test_the_same_seed_drops_the_same_customers() -> None:
    params = TruthParams(drop_share=0.5)
    first, again = generate(3_000, seed=2, params=params), generate(3_000, seed=2, params=params)
    assert first.truth.equals(again.truth) and first.orders.equals(again.orders)
    assert first.truth.column("drop").null_count < first.truth.num_rows


@pytest.mark.parametrize("name", ["drop_share", "drop_kept_share"])
def test_drop_shares_outside_zero_to_one_are_refused(name: str) -> None:
    with pytest.raises(InputError, match=rf"TruthParams.{name} is 1.5; it must be a share"):
        TruthParams(**{name: 1.5})
