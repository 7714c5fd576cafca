"""A customer's orders and revenue month by month: the Customer 360's orders over time.

Counted as the features count them (`features.orders.up_to`): an order counts unless it
is unpaid, cancelled or refunded, and revenue is net of refunds, each on its local day.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from segmint.core.config import Settings
from segmint.features.orders import up_to
from segmint.segments.results import MonthlyOrders
from segmint.store import relations
from segmint.store.engine import Store

MONTHS = 24  # the months shown, ending with the month of as_of


def monthly_orders(
    engine: Store,
    settings: Settings,
    customer_id: str,
    *,
    as_of: dt.date,
    months: int = MONTHS,
) -> list[MonthlyOrders]:
    """Counted orders and revenue of `customer_id` in each of the `months` months to `as_of`."""
    src = relations.restricted(relations.sources(engine, timezone=settings.timezone), [customer_id])
    o = up_to(src.orders, (as_of - relations.EPOCH).days)
    daily = o.group_by("day").aggregate(
        orders=o.count(where=o.counted), revenue=o.amount.sum(where=o.revenue)
    )
    counted: Counter[dt.date] = Counter()
    revenue: dict[dt.date, Decimal] = {}
    for row in relations.execute(engine, daily).to_pylist():
        month = _month(relations.EPOCH + dt.timedelta(days=row["day"]))
        counted[month] += row["orders"]
        revenue[month] = revenue.get(month, Decimal(0)) + (row["revenue"] or Decimal(0))
    shown = _months(_month(as_of), months)
    return [
        MonthlyOrders(month=m, orders=counted[m], revenue=revenue.get(m, Decimal(0))) for m in shown
    ]


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _months(last: dt.date, count: int) -> list[dt.date]:
    """The first days of the `count` months ending with `last`'s, oldest first."""
    index = last.year * 12 + last.month - 1
    return [dt.date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]
