"""What customers do besides buying: views, messages and calls (events), and service tickets.

Activity follows the purchase process: views come before orders, engagement is eight
times more frequent while a customer is alive than after dropout, and a few customers
browse products for weeks without ordering (the truth's `browsing_without_buying`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from segmint.core.schema import EVENT_TYPES
from segmint.demo import columns
from segmint.demo.clock import DAY_US, HOUR_US, SECOND_US, WEEK_US, Clock, by_time, pick
from segmint.demo.orders import Orders, channel_names, product_table
from segmint.demo.process import CANCELLED, Timeline
from segmint.demo.tables import ENGAGEMENT, TICKET_CATEGORIES

if TYPE_CHECKING:
    from segmint.demo.people import Customers

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Events = tuple[Ints, Ints, Ints]  # owner, time, code (see _code)

VIEWS_PER_ORDER = 1.0  # mean page or product views in the two days before an order
PRODUCT_VIEWS = 0.75  # of those, views of the order's first product
ENGAGEMENT_PER_WEEK = (0.12, 0.015)  # while alive, after dropout
QUIET_DAYS = 21  # browsing without buying: no order in this many days before the end,
BROWSING_DAYS = 30  # and a run of 5+ product views within the last this many days
TICKETS_PER_ORDER = 0.02  # an order in fifty brings a question or a complaint
STUCK = 0.1  # tickets that wait on a part, a refund or a courier: twenty times as long
SATISFACTION = {True: (1, (0.45, 0.35, 0.20)), False: (3, (0.15, 0.35, 0.50))}  # complaint?
RATED = 0.7  # closed tickets with a satisfaction rating


def draw_events(
    rng: np.random.Generator,
    orders: Orders,
    *,
    people: Customers,
    timeline: Timeline,
    clock: Clock,
    share: float,
    removed: Bools | None = None,
) -> tuple[pa.Table, Bools]:
    """The events table in time order, and which customers browse without buying.

    `removed` marks orders a drop takes away (`segmint.demo.drops`): the views before
    them go too, leaving gaps in the event ids. Everything is drawn and numbered as if
    those orders were there, so the drop changes no other customer's events.
    """
    last_order = np.full(people.signup_us.size, clock.start_us, dtype=np.int64)
    np.maximum.at(last_order, orders.owner, orders.at)
    browse, browsing = _browsing(rng, last_order, people=people, clock=clock, share=share)
    views, source = _before_orders(rng, orders, people=people)
    parts = [
        views,
        _engagement(rng, people=people, timeline=timeline, clock=clock),
        browse,
    ]
    owner, at, code = (np.concatenate(p) for p in zip(*parts, strict=True))
    order = by_time(at, origin=clock.start_us)
    numbers = np.arange(1, order.size + 1)
    if removed is not None:
        gone = np.zeros(owner.size, dtype=bool)
        gone[: source.size] = removed[source]  # the views come first in `parts`
        order, numbers = order[~gone[order]], numbers[~gone[order]]
    owner, at, code = owner[order], at[order], code[order]
    kind, channel, product = code % 16, code // 16 % 16, code // 256 - 1
    ids, _, _, _ = product_table()
    table = pa.table(
        {
            "event_id": columns.serial_ids("E", numbers, digits=11),
            "customer_id": people.ids.take(owner),
            "occurred_at": columns.timestamps(at),
            "type": columns.lookup(EVENT_TYPES, kind),
            "channel": columns.lookup(_event_channels(), channel),
            "product_id": columns.lookup(ids, np.maximum(product, 0), valid=product >= 0),
            "properties": pa.nulls(owner.size, pa.string()),
        }
    )
    return table, browsing


def _event_channels() -> list[str]:
    """Sales channels first (same indices), then the engagement channels."""
    names = channel_names()
    return names + [c for c in dict.fromkeys(c for _, c, _ in ENGAGEMENT) if c and c not in names]


def _type(name: str) -> int:
    return EVENT_TYPES.index(name)


def _code(kind: Ints, channel: Ints, product: Ints) -> Ints:
    """Type, channel and product (-1 for none) of each event packed in one integer.

    One array to concatenate and reorder by time instead of three.
    """
    code: Ints = kind + 16 * channel + 256 * (product + 1)
    return code


def _before_orders(
    rng: np.random.Generator, orders: Orders, *, people: Customers
) -> tuple[Events, Ints]:
    """Page and product views in the two days before an order, and the order of each."""
    k = rng.poisson(VIEWS_PER_ORDER, orders.owner.size)
    source = np.repeat(np.arange(orders.owner.size), k)
    owner = orders.owner[source]
    lead = rng.integers(600, 48 * 3_600, source.size) * SECOND_US
    at = np.maximum(orders.at[source] - lead, people.signup_us[owner])
    product = rng.random(source.size) < PRODUCT_VIEWS
    kind = np.where(product, _type("product_view"), _type("page_view"))
    viewed = np.where(product, orders.first_product[source], -1)
    return (owner, at, _code(kind, orders.channel[source], viewed)), source


def _engagement(
    rng: np.random.Generator, *, people: Customers, timeline: Timeline, clock: Clock
) -> Events:
    """E-mail, WeChat, social, calls and visits, uniform in time, fewer after dropout."""
    signup = people.signup_us
    alive_until = np.where(timeline.dropout_at >= 0, timeline.dropout_at, clock.end_us)
    spans = ((signup, alive_until), (alive_until, np.full_like(signup, clock.end_us)))
    owners, times = [], []
    for (lo, hi), rate in zip(spans, ENGAGEMENT_PER_WEEK, strict=True):
        k = rng.poisson(rate * (hi - lo) / WEEK_US)
        start = np.repeat(lo, k)
        owners.append(np.repeat(np.arange(signup.size), k))
        times.append(start + (rng.random(start.size) * (np.repeat(hi, k) - start)).astype(np.int64))
    owner, at = np.concatenate(owners), np.concatenate(times)
    drawn = pick(rng, [w for _, _, w in ENGAGEMENT], owner.size)
    # Customers without an e-mail address get a WeChat message instead of an e-mail.
    email = np.array([t.startswith("email") for t, _, _ in ENGAGEMENT])[drawn]
    wechat = next(i for i, (t, _, _) in enumerate(ENGAGEMENT) if t == "wechat_message")
    drawn = np.where(email & ~people.has_email[owner], wechat, drawn)
    kind = np.array([_type(t) for t, _, _ in ENGAGEMENT])[drawn]
    names = _event_channels()
    fixed = np.array([names.index(c) if c else -1 for _, c, _ in ENGAGEMENT])[drawn]
    channel = np.where(fixed >= 0, fixed, people.channel[owner])
    return owner, at - at % SECOND_US, _code(kind, channel, np.full(owner.size, -1))


def _browsing(
    rng: np.random.Generator, last_order: Ints, *, people: Customers, clock: Clock, share: float
) -> tuple[Events, Bools]:
    """Runs of 5+ product views over 1-10 days, late in the window, with no order after."""
    end = clock.end_us
    quiet = last_order < end - QUIET_DAYS * DAY_US
    chosen = quiet & (rng.random(quiet.size) < share)
    who = np.flatnonzero(chosen)
    views = 5 + rng.poisson(4, who.size)
    span = ((1 + 9 * rng.random(who.size)) * DAY_US).astype(np.int64)
    lo = np.maximum(last_order[who] + DAY_US, end - BROWSING_DAYS * DAY_US)
    first = lo + (rng.random(who.size) * (end - span - lo)).astype(np.int64)
    owner = np.repeat(who, views)
    at = np.repeat(first, views) + (rng.random(owner.size) * np.repeat(span, views)).astype(
        np.int64
    )
    product = rng.integers(0, len(product_table()[0]), owner.size)
    kind = np.full(owner.size, _type("product_view"))
    events = (owner, at - at % SECOND_US, _code(kind, people.channel[owner], product))
    return events, chosen


def draw_tickets(
    rng: np.random.Generator, orders: Orders, *, people: Customers, clock: Clock, rate: float
) -> pa.Table:
    """Service tickets: a few per hundred customers, more for those who order more.

    Tickets open between sign-up and 30 days after the last order and close after about
    20 hours (a tenth of them, stuck, after about 17 days); complaints are rated lower; a
    ticket still open at the end has no `closed_at` and no rating.
    """
    n = people.signup_us.size
    bought = np.bincount(orders.owner[orders.kind != CANCELLED], minlength=n)
    last_order = np.full(n, clock.start_us, dtype=np.int64)
    np.maximum.at(last_order, orders.owner, orders.at)
    owner = np.repeat(np.arange(n), rng.poisson(rate + TICKETS_PER_ORDER * bought))
    lo = people.signup_us[owner]
    hi = np.minimum(last_order[owner] + 30 * DAY_US, clock.end_us)
    opened = lo + (rng.random(owner.size) * (hi - lo)).astype(np.int64)
    opened -= opened % SECOND_US
    owner, opened = owner[order := by_time(opened, origin=clock.start_us)], opened[order]
    category = pick(rng, [w for _, w, _ in TICKET_CATEGORIES], owner.size)
    complaint = rng.random(owner.size) < np.array([c for _, _, c in TICKET_CATEGORIES])[category]
    hours = rng.lognormal(math.log(20.0), 1.0, owner.size)
    hours = np.where(rng.random(owner.size) < STUCK, 20 * hours, hours)
    closed = opened + np.maximum((hours * HOUR_US).astype(np.int64) // SECOND_US, 60) * SECOND_US
    done = closed < clock.end_us
    satisfaction = np.where(
        complaint, _rating(rng, True, owner.size), _rating(rng, False, owner.size)
    )
    rated = done & (rng.random(owner.size) < RATED)
    return pa.table(
        {
            "ticket_id": columns.serial_ids("T", np.arange(1, owner.size + 1), digits=7),
            "customer_id": people.ids.take(owner),
            "opened_at": columns.timestamps(opened),
            "closed_at": columns.timestamps(closed, valid=done),
            "category": columns.lookup([c for c, _, _ in TICKET_CATEGORIES], category),
            "is_complaint": pa.array(complaint),
            "satisfaction": pa.array(satisfaction.astype(np.int32), mask=~rated),
        }
    )


def _rating(rng: np.random.Generator, complaint: bool, size: int) -> Ints:
    low, weights = SATISFACTION[complaint]
    return low + pick(rng, weights, size)
