"""Synthetic CRM data drawn from a stated process, so every later result has a known truth.

The same generator makes the demo, the test data and the benchmark data at any size.
Purchases follow the BG/NBD model of Fader, Hardie & Lee (2005) exactly and spend per
order the Gamma-Gamma model (`segmint.demo.process`); everything around them (names,
items, events, tickets, duplicates, discounts) makes the data look like a Chinese
online shop's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from segmint.core.errors import InputError
from segmint.core.schema import TABLES
from segmint.demo import columns
from segmint.demo.activity import draw_events, draw_tickets
from segmint.demo.clock import SECOND_US, WEEK_US, Clock, local_day
from segmint.demo.drops import Drops, draw_drops, truth_columns, without_removed
from segmint.demo.orders import Orders, draw_orders
from segmint.demo.people import Customers, draw_customers
from segmint.demo.personas import PERSONAS, draw_personas
from segmint.demo.process import (
    CANCELLED,
    BgNbdDraw,
    Timeline,
    TruthParams,
    draw_timeline,
    simulate_bg_nbd,
)

__all__ = ["BgNbdDraw", "Dataset", "TruthParams", "generate", "simulate_bg_nbd"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Dataset:
    """Synthetic canonical tables and the truth they were drawn from.

    Attributes
    ----------
    customers, orders, order_items, events, tickets : pyarrow.Table
        The canonical tables: exactly the columns of `segmint.core.schema.TABLES`,
        typed as `segmint.demo.columns.ARROW_TYPES` says.
    truth : pyarrow.Table
        One row per customer, see `generate`.
    params : TruthParams
    as_of : datetime.date
        The last day of the window; nothing is dated after local midnight ending it, or
        after the moment the data were made when `generate` was given one.
    start : datetime.date
        The first day on which customers sign up.
    seed : int
    """

    customers: pa.Table
    orders: pa.Table
    order_items: pa.Table
    events: pa.Table
    tickets: pa.Table
    truth: pa.Table
    params: TruthParams
    as_of: dt.date
    start: dt.date
    seed: int
    ends_at: dt.datetime | None = None  # the observation end (UTC): nothing is dated later

    def tables(self) -> dict[str, pa.Table]:
        """The canonical tables by kind, in `segmint.core.schema.KINDS` order."""
        return {kind: getattr(self, kind) for kind in TABLES}


def generate(
    n_customers: int,
    *,
    seed: int = 0,
    as_of: dt.date = dt.date(2026, 6, 30),
    params: TruthParams | None = None,
    start: dt.date | None = None,
) -> Dataset:
    """Draw `n_customers` customers and everything they do, with the truth behind it.

    Each customer's first order is at sign-up; repeat orders follow BG/NBD
    (`simulate_bg_nbd`) to the end of `as_of` and their amounts Gamma-Gamma. Times are
    local shopping hours in Asia/Shanghai stored as UTC: a repeat order lands on the
    local day the process puts it and at a drawn time of that day. With the default
    parameters there are about 10 orders (1.7 item lines each), 16 events and 0.25
    service tickets per customer. Customers are numbered in sign-up order; orders,
    events and tickets in time order. A few valued customers stop or slow down on a
    known day (`TruthParams.drop_share`): their orders from then on are removed, which
    leaves gaps in the order and event numbers and changes nothing else.

    Parameters
    ----------
    n_customers : int
        At least 1.
    seed : int
        Seeds the one `numpy.random.Generator` every draw comes from: the same seed and
        arguments give the same tables.
    as_of : datetime.date or datetime.datetime
        The last day observed; an aware datetime is the moment the data are made: its
        local day is the last, and nothing is dated after the moment (so a data set
        made today does not run on to midnight).
    params : TruthParams, optional
        The process; `TruthParams()` when omitted.
    start : datetime.date, optional
        The first sign-up day; three years before `as_of` when omitted.

    Returns
    -------
    Dataset
        `truth` has one row per customer: `customer_id`; the process draws `lam`
        (purchases per week while alive), `p_drop`, `nu` and `spend_mean` = p/ν
        (yuan); the BG/NBD summary `x`, `t_x`, `T` (weeks from the first order to the
        end); `alive` at the end, `dropout_at` (time of the last BG/NBD purchase of a
        dropped-out customer, else null), `won_back` and `won_back_at` (a won-back
        customer is alive and keeps its `dropout_at`); `persona` (the planted profile
        group, `segmint.demo.personas`), `discount_sensitive`,
        `browsing_without_buying`, `duplicate_of` (the original's id, else null);
        `n_orders` (orders not cancelled: 1 + x, plus a win-back burst, less what a
        drop removed) and `revenue` (amounts of orders neither cancelled nor
        refunded); `drop_eligible` (valued, with a history, alive on the drop day),
        `drop` ("stopped", "slowed" or null) and `drop_at` (local midnight of the drop
        day, else null), see `segmint.demo.drops`. For a dropped customer `x`, `t_x`,
        `alive` and `dropout_at` are the BG/NBD draw before the drop removed orders.

    Raises
    ------
    InputError
        For fewer than one customer, `start` not before `as_of`, or a naive datetime.

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), for BG/NBD; Fader, Hardie & Lee
    (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis", Journal of
    Marketing Research 42(4), 415-430, for the Gamma-Gamma spend model.

    Examples
    --------
    >>> data = generate(100, seed=1)
    >>> data.customers.num_rows, data.truth.column_names[:3]
    (100, ['customer_id', 'lam', 'p_drop'])
    """
    if n_customers < 1:
        raise InputError("demo.too_few_customers", got=n_customers)
    params = params or TruthParams()
    day, until_us = _window_end(as_of)
    clock = Clock(start or _years_before(day, 3), day, until_us=until_us)
    rng = np.random.default_rng(seed)
    drawn = draw_personas(rng, n_customers, discount_share=params.discount_sensitive_share)
    people = draw_customers(
        rng,
        n_customers,
        clock=clock,
        growth=params.signup_growth,
        duplicate_share=params.duplicate_share,
        channel=drawn.channel,
    )
    T = (clock.end_us - people.signup_us) / WEEK_US  # noqa: N806
    draw = simulate_bg_nbd(T, params=params, rng=rng)
    nu = rng.gamma(params.q, 1.0 / params.gamma, n_customers)
    sensitive = drawn.sensitive
    timeline = draw_timeline(rng, people.signup_us, draw, clock=clock, params=params)
    orders = draw_orders(
        rng,
        timeline,
        people=people,
        nu=nu,
        sensitive=sensitive,
        favourite=drawn.favourite,
        clock=clock,
        params=params,
    )
    # A generator of its own, spawned without drawing from `rng`: the drop's draws leave
    # every other draw as it is, so drop_share only changes the dropped customers' data.
    drops = draw_drops(
        rng.spawn(1)[0],
        orders,
        draw=draw,
        timeline=timeline,
        signup_us=people.signup_us,
        clock=clock,
        params=params,
    )
    events, browsing = draw_events(
        rng,
        orders,
        people=people,
        timeline=timeline,
        clock=clock,
        share=params.browsing_share,
        removed=drops.removed,
    )
    tickets = draw_tickets(
        rng, orders, people=people, clock=clock, rate=params.tickets_per_customer
    )
    orders = without_removed(orders, drops.removed)
    truth = _truth(
        people,
        draw,
        T,
        nu=nu,
        params=params,
        timeline=timeline,
        orders=orders,
        sensitive=sensitive,
        persona=drawn.persona,
        browsing=browsing,
        drops=drops,
    )
    return Dataset(
        customers=people.table,
        orders=orders.table,
        order_items=orders.items,
        events=events,
        tickets=tickets,
        truth=truth,
        params=params,
        as_of=day,
        start=clock.start,
        seed=seed,
        ends_at=dt.datetime.fromtimestamp(clock.end_us / 1e6, dt.UTC),
    )


def _window_end(as_of: dt.date) -> tuple[dt.date, int | None]:
    """The last local day, and for a moment (an aware datetime) its UTC microseconds."""
    if not isinstance(as_of, dt.datetime):
        return as_of, None
    if as_of.tzinfo is None:
        raise InputError("demo.naive_moment", got=as_of.isoformat())
    until_us = int(as_of.timestamp()) * SECOND_US  # whole seconds, as every time here
    return local_day(until_us), until_us


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _truth(
    people: Customers,
    draw: BgNbdDraw,
    T: Floats,  # noqa: N803
    *,
    nu: Floats,
    params: TruthParams,
    timeline: Timeline,
    orders: Orders,
    sensitive: Bools,
    persona: Ints,
    browsing: Bools,
    drops: Drops,
) -> pa.Table:
    """One row per customer: what was drawn for it and what it did (see `generate`)."""
    n = T.size
    counted = orders.kind != CANCELLED
    revenue = np.zeros(n, dtype=np.int64)
    np.add.at(revenue, orders.owner, orders.revenue_cents)
    original = people.duplicate_of
    return pa.table(
        {
            "customer_id": people.ids,
            "lam": draw.lam,
            "p_drop": draw.p_drop,
            "nu": nu,
            "spend_mean": params.p / nu,
            "x": draw.x,
            "t_x": draw.t_x,
            "T": T,
            "alive": ~draw.dropped | (timeline.won_back_at >= 0),
            "dropout_at": columns.timestamps(timeline.dropout_at, valid=timeline.dropout_at >= 0),
            "won_back": timeline.won_back_at >= 0,
            "won_back_at": columns.timestamps(
                timeline.won_back_at, valid=timeline.won_back_at >= 0
            ),
            "discount_sensitive": sensitive,
            "persona": columns.lookup([p.key for p in PERSONAS], persona),
            "browsing_without_buying": browsing,
            "duplicate_of": people.ids.take(pa.array(np.maximum(original, 0), mask=original < 0)),
            "n_orders": np.bincount(orders.owner[counted], minlength=n),
            "revenue": columns.money(revenue),
            **truth_columns(drops),
        }
    )
