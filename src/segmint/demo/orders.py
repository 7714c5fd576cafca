"""Orders and their item lines: what each purchase cost, with what discount, and what was in it.

Amounts are integer cents (fen) until they become `decimal128(18, 2)`, so an order's
lines add up to its amount plus its discount exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from segmint.demo import columns
from segmint.demo.clock import DAY_US, Clock, by_time, pick
from segmint.demo.process import CANCELLED, Timeline, TruthParams
from segmint.demo.tables import (
    CHANNELS,
    CITIES,
    DISCOUNT_RATES,
    LINES_PER_ORDER,
    OFFLINE_CHANNEL,
    PRODUCTS,
    QUANTITY,
)

if TYPE_CHECKING:
    from segmint.demo.people import Customers

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

STATUSES = ("paid", "completed", "refunded", "cancelled")
PAID, COMPLETED, REFUNDED, VOID = range(4)
PAID_DAYS = 7  # orders of the last week are paid, not yet completed
OWN_CHANNEL = 0.85  # orders placed in the channel the customer signed up in
DISCOUNTED = (0.15, 0.80)  # orders with a discount: other customers, discount-sensitive ones
NEAREST_PRODUCT = 0.7  # lines whose product is the one priced nearest below the line's price
MIN_LINE_CENTS = 100  # an order is split into lines of at least one yuan


@dataclass(frozen=True, slots=True)
class Orders:
    """The orders and order_items tables, and per order what events and truth need."""

    table: pa.Table
    items: pa.Table
    owner: Ints
    at: Ints
    kind: Ints
    channel: Ints
    revenue_cents: Ints  # amount of paid and completed orders, else 0
    first_product: Ints  # index into the flattened PRODUCTS of each order's first line


def product_table() -> tuple[list[str], list[str], list[str], Ints]:
    """Flattened PRODUCTS: ids P<category><item>, names, categories, list prices in cents."""
    ids, names, categories, cents = [], [], [], []
    for c, (category, products) in enumerate(PRODUCTS):
        for j, (name, price) in enumerate(sorted(products, key=lambda p: p[1])):
            ids.append(f"P{c + 1:02d}{j + 1:03d}")
            names.append(name)
            categories.append(category)
            cents.append(price * 100)
    return ids, names, categories, np.asarray(cents, dtype=np.int64)


def channel_names() -> list[str]:
    """Channel values, indexed like CHANNELS."""
    return [c for c, _, _ in CHANNELS]


def draw_orders(
    rng: np.random.Generator,
    timeline: Timeline,
    *,
    people: Customers,
    nu: Floats,
    sensitive: Bools,
    favourite: Ints,
    clock: Clock,
    params: TruthParams,
) -> Orders:
    """Number the orders in time order and draw amount, discount, status, channel and items.

    The amount paid is the Gamma-Gamma spend, Gamma(p, rate ν), in whole cents and at
    least one yuan; a discount is a share of the list price on top of it. Each order's
    first line is in the customer's `favourite` category (index into PRODUCTS).
    """
    order = by_time(timeline.at, origin=clock.start_us)
    owner, at, kind = timeline.owner[order], timeline.at[order], timeline.kind[order]
    m = owner.size
    amount = np.maximum(np.round(rng.gamma(params.p, 1.0, m) / nu[owner] * 100), 100)
    amount = amount.astype(np.int64)
    rate = np.asarray(DISCOUNT_RATES)[rng.integers(0, len(DISCOUNT_RATES), m)]
    offered = rng.random(m) < np.where(sensitive[owner], DISCOUNTED[1], DISCOUNTED[0])
    discount = np.where(offered, np.round(amount * rate / (1 - rate)), 0).astype(np.int64)
    status = np.where(at >= clock.end_us - PAID_DAYS * DAY_US, PAID, COMPLETED)
    status = np.where(rng.random(m) < params.refunded_share, REFUNDED, status)
    status = np.where(kind == CANCELLED, VOID, status)
    channel = _channels(rng, people.channel[owner])
    ids = columns.serial_ids("O", np.arange(1, m + 1), digits=11)
    items, first_product = _items(rng, ids, amount + discount, favourite[owner])
    stores = [s for _, s, _ in CHANNELS] + [f"{c}店" for c, _, _ in CITIES]
    store = np.where(channel == OFFLINE_CHANNEL, len(CHANNELS) + people.city[owner], channel)
    table = pa.table(
        {
            "order_id": ids,
            "customer_id": people.ids.take(owner),
            "ordered_at": columns.timestamps(at),
            "amount": columns.money(amount),
            "discount": columns.money(discount),
            "currency": pa.repeat(pa.scalar("CNY"), m),
            "status": columns.lookup(STATUSES, status),
            "channel": columns.lookup(channel_names(), channel),
            "store": columns.lookup(stores, store),
            "refund": columns.money(np.where(status == REFUNDED, amount, 0)),  # paid back in full
        }
    )
    revenue = np.where(status <= COMPLETED, amount, 0)
    return Orders(table, items, owner, at, kind, channel, revenue, first_product)


def _channels(rng: np.random.Generator, own: Ints) -> Ints:
    other = pick(rng, [w for _, _, w in CHANNELS], own.size)
    return np.where(rng.random(own.size) < OWN_CHANNEL, own, other)


def _items(
    rng: np.random.Generator, order_ids: pa.ChunkedArray, gross: Ints, favourite: Ints
) -> tuple[pa.Table, Ints]:
    """1-4 lines per order whose quantity x unit price add up to `gross` cents exactly.

    Each line takes at least half its equal share of the order, so every unit price is
    positive; the last line (quantity 1) takes the remainder. The lines of one order are
    in distinct categories, so (order_id, product_id) is unique.
    """
    k = np.minimum(
        1 + pick(rng, LINES_PER_ORDER, gross.size), np.maximum(gross // MIN_LINE_CENTS, 1)
    )
    starts = np.cumsum(k) - k
    line = np.repeat(np.arange(gross.size), k)  # the order of each line
    position = np.arange(line.size) - starts[line]
    last = position == (k - 1)[line]
    weight = rng.gamma(2.0, 1.0, line.size)
    share = 0.5 / k[line] + 0.5 * weight / np.add.reduceat(weight, starts)[line]
    quantity = np.where(last, 1, 1 + pick(rng, QUANTITY, line.size))
    unit = (share * gross[line] // quantity).astype(np.int64)
    others = np.add.reduceat(np.where(last, 0, unit * quantity), starts)
    unit = np.where(last, (gross - others)[line], unit)
    stride = (1 + 2 * rng.integers(0, 3, gross.size))[line]
    product = _products(rng, unit, _categories(favourite[line], stride, position))
    ids, names, categories, _ = product_table()
    table = pa.table(
        {
            "order_id": order_ids.take(line),
            "product_id": columns.lookup(ids, product),
            "product_name": columns.lookup(names, product),
            "category": columns.lookup(categories, product),
            "quantity": pa.array(quantity.astype(np.int32)),
            "unit_price": columns.money(unit),
        }
    )
    return table, product[starts]


def _categories(favourite: Ints, stride: Ints, position: Ints) -> Ints:
    """The first line in the customer's favourite category, later ones `stride` apart.

    Strides 1, 3 and 5 are prime to the 8 categories, so up to 8 lines never repeat one.
    """
    return (favourite + position * stride) % len(PRODUCTS)


def _products(rng: np.random.Generator, unit: Ints, category: Ints) -> Ints:
    """Mostly the product of the line's category priced nearest below its unit price."""
    per = len(PRODUCTS[0][1])
    _, _, _, cents = product_table()
    # One search over (category, price) keys; 10**12 cents separates the categories.
    keys = np.repeat(np.arange(len(PRODUCTS)), per) * 10**12 + cents
    found = np.searchsorted(keys, category * 10**12 + unit, side="right") - 1
    nearest = np.maximum(found, category * per)
    drawn = category * per + rng.integers(0, per, unit.size)
    return np.where(rng.random(unit.size) < NEAREST_PRODUCT, nearest, drawn)
