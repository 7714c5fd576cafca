"""Valued customers whose buying drops on a known day: the truth a drop alert is measured by.

A stated departure from BG/NBD (`segmint.demo.process`). On the drop day some valued
customers stop buying ("stopped") or keep only a share of their purchases ("slowed").
The drop only removes orders: everything is first drawn as without it, so the other
customers' orders, item lines, events and tickets stay exactly as they were, and so do
a dropped customer's orders before the drop day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from segmint.demo import columns
from segmint.demo.clock import DAY_US, SHANGHAI_UTC_OFFSET_US, Clock, epoch_day
from segmint.demo.orders import Orders
from segmint.demo.process import FIRST, BgNbdDraw, Timeline, TruthParams

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

VALUED_RATE = 0.125  # λ per week: at least one purchase expected in 8 weeks
HISTORY_DAYS = 180  # signed up at least this long before the drop: a history to fit
STOPPED_SHARE = 0.5  # of the dropped customers, those who stop; the others slow down
KINDS = ("stopped", "slowed")
STOPPED, SLOWED, NOT_DROPPED = 0, 1, -1  # indices into KINDS, or none


@dataclass(frozen=True, slots=True)
class Drops:
    """Who may drop, who does and how, and which orders of the full draw that removes."""

    day: dt.date  # the drop day: its local midnight is `at_us`
    at_us: int
    eligible: Bools  # per customer
    kind: Ints  # per customer: STOPPED, SLOWED or NOT_DROPPED
    removed: Bools  # per order of the orders drawn without the drop


def drop_day(as_of: dt.date, days: int) -> dt.date:
    """The day the drop takes effect: the last `days` days of the window begin with it."""
    return as_of - dt.timedelta(days=days - 1)


def draw_drops(
    rng: np.random.Generator,
    orders: Orders,
    *,
    draw: BgNbdDraw,
    timeline: Timeline,
    signup_us: Ints,
    clock: Clock,
    params: TruthParams,
) -> Drops:
    """Choose the dropped customers among the eligible ones, and the orders they lose.

    Each eligible customer drops with probability `params.drop_share`, and stops or
    slows down with probability 1/2 each. From local midnight of the drop day on, a
    stopped customer loses every order and a slowed one keeps each order (purchases and
    cancelled attempts alike) with probability `params.drop_kept_share`: keeping each
    arrival of a Poisson process independently with probability s leaves a Poisson
    process of rate s·λ, so she buys at s times her rate. Her dropout is untouched:
    she still leaves the shop as BG/NBD drew it.

    `rng` should be a generator of its own (`generate` spawns one): the draws here then
    leave every other draw of the data set as it is without drops.
    """
    day = drop_day(clock.as_of, params.drop_days)
    at_us = epoch_day(day) * DAY_US - SHANGHAI_UTC_OFFSET_US
    eligible = valued(draw, timeline, signup_us=signup_us, at_us=at_us)
    # Every customer and order gets a draw, eligible or not, so a larger drop_share
    # drops the same customers and more, and a slowed customer keeps the same orders.
    chosen = eligible & (rng.random(eligible.size) < params.drop_share)
    stops = rng.random(eligible.size) < STOPPED_SHARE
    kind = np.where(chosen, np.where(stops, STOPPED, SLOWED), NOT_DROPPED).astype(np.int64)
    kept = rng.random(orders.owner.size) < params.drop_kept_share
    how = kind[orders.owner]
    lost = (how == STOPPED) | ((how == SLOWED) & ~kept)
    removed = lost & (orders.at >= at_us) & (orders.kind != FIRST)
    return Drops(day=day, at_us=at_us, eligible=eligible, kind=kind, removed=removed)


def valued(draw: BgNbdDraw, timeline: Timeline, *, signup_us: Ints, at_us: int) -> Bools:
    """Customers who may drop: valued, with a history, and alive when the drop comes.

    Valued means λ of at least `VALUED_RATE`. Alive means not dropped out before the
    drop day; won-back customers are left out so each departure stays testable alone.
    """
    alive = (timeline.dropout_at < 0) | (timeline.dropout_at >= at_us)
    history = signup_us <= at_us - HISTORY_DAYS * DAY_US
    chosen: Bools = alive & history & (draw.lam >= VALUED_RATE) & (timeline.won_back_at < 0)
    return chosen


def without_removed(orders: Orders, removed: Bools) -> Orders:
    """The orders the drop leaves and their item lines; order ids keep their numbers.

    A gap in the order numbers is what a shop system shows when orders are deleted, and
    keeping the numbers keeps every other customer's orders identical.
    """
    if not removed.any():
        return orders
    keep = ~removed
    gone = orders.table.column("order_id").filter(pa.array(removed)).combine_chunks()
    items = orders.items.filter(pc.invert(pc.is_in(orders.items.column("order_id"), gone)))
    return Orders(
        table=orders.table.filter(pa.array(keep)),
        items=items,
        owner=orders.owner[keep],
        at=orders.at[keep],
        kind=orders.kind[keep],
        channel=orders.channel[keep],
        revenue_cents=orders.revenue_cents[keep],
        first_product=orders.first_product[keep],
    )


def truth_columns(drops: Drops) -> dict[str, pa.Array]:
    """The truth's `drop_eligible`, `drop` ("stopped", "slowed" or null) and `drop_at`."""
    dropped = drops.kind >= 0
    at = np.full(drops.kind.size, drops.at_us, dtype=np.int64)
    return {
        "drop_eligible": pa.array(drops.eligible),
        "drop": columns.lookup(KINDS, np.maximum(drops.kind, 0), valid=dropped),
        "drop_at": columns.timestamps(at, valid=dropped),
    }
