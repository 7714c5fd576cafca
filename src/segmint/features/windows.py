"""The window measures of segment rules as engine-neutral expressions, one table per source.

A rule's ``count(orders, 30, channel = 'tmall')`` or ``streak(events, type =
'product_view', without = orders)`` is a `Window` of the checked rule tree; this module
computes every window a set of rules reads, all windows of one source in one aggregate
pass with conditional aggregates, plus the streaks. The definitions are the catalog's
(`segmint.core.catalog`), so ``count(orders, 30)`` is orders_30d:

- A window of N days covers the N days ending on as_of inclusive
  (`segmint.features.orders.within`); nothing after as_of is read.
- Orders: count, share, absent and streak read the counted orders
  (`segmint.features.orders.up_to`: neither pending, cancelled nor refunded, amount
  >= 0). ``sum`` is net revenue: the amount, net of partial refunds, of every row that is
  neither pending, cancelled nor refunded, negative (refund) rows included, as
  revenue_Nd. Events: every event. Tickets: by the day they were opened.
- Filters: orders ``channel`` / ``store`` (one of the values), ``category`` (the order
  has a line in one of the categories), ``discounted`` (discount > 0); events ``type``,
  ``channel``; tickets ``category``, ``complaint`` (is_complaint), ``open`` (not closed
  by as_of). A row with an empty filter column does not pass.
- count: the rows passing the filters, 0 when none. sum: their net revenue, 0 when none.
  share: rows passing / all rows of the window, empty (null) when the window has none.
  absent: true when no row passes. streak: the consecutive days ending on as_of on which
  the source has a row passing the filters and ``without``'s source (orders: counted
  orders) has none; 0 when as_of itself is not such a day (`activity.view_streaks`
  generalised).

A customer with no row of a source is missing from its table; `EMPTY` says what each
measure is for her, so a caller's left join can fill it in. The windows are read through
`WindowSpec` (the rule tree's `Window` has that shape): features sit below segments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import ibis
import ibis.expr.types as ir

from segmint.features.orders import share, up_to, within
from segmint.store.relations import Sources


class FilterSpec(Protocol):
    """A condition on a window's rows (`segments.rules.tree.Filter`)."""

    @property
    def column(self) -> str: ...  # noqa: D102

    @property
    def values(self) -> tuple[str, ...]: ...  # noqa: D102


class WindowSpec(Protocol):
    """A window measure (`segments.rules.tree.Window`)."""

    @property
    def measure(self) -> str: ...  # noqa: D102

    @property
    def source(self) -> str: ...  # noqa: D102

    @property
    def days(self) -> int | None: ...  # noqa: D102

    @property
    def filters(self) -> Sequence[FilterSpec]: ...  # noqa: D102

    @property
    def without(self) -> str | None: ...  # noqa: D102

    @property
    def key(self) -> str: ...  # noqa: D102


SOURCES = ("orders", "events", "tickets")
MONEY = "decimal(18, 2)"
# A measure's value for a customer with no row of its source (share stays empty).
EMPTY: dict[str, object] = {"count": 0, "sum": 0, "absent": True, "streak": 0}


@dataclass(frozen=True)
class _Rows:
    """A source's rows up to as_of with ``day``, ``counted`` (and for orders ``revenue``).

    ``categories``: the flag column of each set of categories an order filter names,
    joined by `_flagged` onto whichever of these rows a measure reads.
    """

    table: ir.Table
    as_of: int
    categories: Mapping[tuple[str, ...], str] = field(default_factory=dict)


_FilterFn = Callable[[_Rows, ir.Table, FilterSpec], ir.BooleanValue]

# What each filter tests, by (source, filter): the table `check` reads its names from.
_FILTERS: dict[tuple[str, str], _FilterFn] = {
    ("orders", "channel"): lambda r, t, f: t.channel.isin(f.values),
    ("orders", "store"): lambda r, t, f: t.store.isin(f.values),
    ("orders", "category"): lambda r, t, f: t[r.categories[f.values]],
    ("orders", "discounted"): lambda r, t, f: t.discount > 0,
    ("events", "type"): lambda r, t, f: t.type.isin(f.values),
    ("events", "channel"): lambda r, t, f: t.channel.isin(f.values),
    ("tickets", "category"): lambda r, t, f: t.category.isin(f.values),
    ("tickets", "complaint"): lambda r, t, f: t.is_complaint,
    ("tickets", "open"): lambda r, t, f: t.closed_day.isnull() | (t.closed_day > r.as_of),
}


def window_measures(
    sources: Sources,
    as_of: int,
    windows: Sequence[WindowSpec],
    *,
    names: Mapping[str, str] | None = None,
) -> dict[str, ir.Table]:
    """Every window's value per customer, one table per source the windows read.

    Parameters
    ----------
    sources : Sources
        The canonical relations (`segmint.store.relations.sources`).
    as_of : int
        The day the windows end on (days since 1970-01-01).
    windows : sequence of WindowSpec
        The checked window nodes; equal keys are computed once.
    names : mapping of str to str, optional
        The column of each window key (default: the key itself).

    Returns
    -------
    dict of str to ibis Table
        By source name: ``customer_id`` and one column per window of that source, for
        the customers with a row of the source in its longest window (every customer
        with a streak is among them); `EMPTY` gives the others' values.
    """
    distinct = {w.key: w for w in windows}.values()
    named = dict(names or {})
    tables: dict[str, ir.Table] = {}
    for source in SOURCES:
        of_source = [w for w in distinct if w.source == source]
        if of_source:
            columns = {w.key: named.get(w.key, w.key) for w in of_source}
            tables[source] = _source_table(sources, source, as_of, of_source, columns)
    return tables


def _source_table(
    sources: Sources,
    source: str,
    as_of: int,
    windows: list[WindowSpec],
    columns: dict[str, str],
) -> ir.Table:
    rows = _rows(sources, source, as_of, windows)
    sums = [w for w in windows if w.measure != "streak"]
    span = max([_days(w) for w in sums] + [1])  # a streak needs as_of's own rows only
    t = rows.table.filter(within(rows.table.day, as_of, span))
    if sums:
        t = _flagged(sources, t, rows.categories)
        metrics = {columns[w.key]: _MEASURES[w.measure](rows, t, w) for w in sums}
        table = t.group_by("customer_id").aggregate(**metrics)
    else:
        table = t.select("customer_id").distinct()
    for w in windows:
        if w.measure == "streak":
            streaks = _streaks(sources, rows, w, columns[w.key])
            table = table.left_join(streaks, "customer_id").drop("customer_id_right")
            table = table.mutate(**{columns[w.key]: table[columns[w.key]].fill_null(0)})
    return table


def _rows(sources: Sources, source: str, as_of: int, windows: Sequence[WindowSpec]) -> _Rows:
    """`source`'s rows up to as_of, and the category sets its windows' filters name."""
    if source == "orders":
        wanted = {f.values for w in windows for f in w.filters if f.column == "category"}
        flags = {values: f"_category_{i}" for i, values in enumerate(sorted(wanted))}
        return _Rows(up_to(sources.orders, as_of), as_of, flags)
    if source == "events":
        events = sources.events.filter(sources.events.day <= as_of)
        return _Rows(events.mutate(counted=ibis.literal(True)), as_of)
    t = sources.tickets.filter(sources.tickets.opened_day <= as_of)
    return _Rows(t.mutate(day=t.opened_day, counted=ibis.literal(True)), as_of)


def _flagged(sources: Sources, orders: ir.Table, flags: Mapping[tuple[str, ...], str]) -> ir.Table:
    """`orders` with one flag per set of categories: the order has a line in one of them."""
    if not flags:
        return orders
    items = sources.items.semi_join(orders, "order_id")  # the lines of these orders only
    lines = items.group_by("order_id").aggregate(
        **{
            name: items.count(where=items.category.isin(values)) > 0
            for values, name in flags.items()
        }
    )
    t = orders.left_join(lines, "order_id").drop("order_id_right")
    return t.mutate(**{name: t[name].fill_null(False) for name in flags.values()})


def _passes(rows: _Rows, t: ir.Table, window: WindowSpec) -> ir.BooleanValue:
    """The row passes the window's filters (an empty filter column: it does not)."""
    test: ir.BooleanValue = ibis.literal(True)
    for f in window.filters:
        test = test & _FILTERS[(window.source, f.column)](rows, t, f).fill_null(False)
    return test


def _count(rows: _Rows, t: ir.Table, w: WindowSpec) -> ir.Value:
    return t.count(where=t.counted & within(t.day, rows.as_of, _days(w)) & _passes(rows, t, w))


def _sum(rows: _Rows, t: ir.Table, w: WindowSpec) -> ir.Value:
    revenue = t.revenue & within(t.day, rows.as_of, _days(w)) & _passes(rows, t, w)
    zero = ibis.literal(0).cast(MONEY)
    return t.amount.sum(where=revenue).cast(MONEY).fill_null(zero)


def _share(rows: _Rows, t: ir.Table, w: WindowSpec) -> ir.Value:
    whole = t.count(where=t.counted & within(t.day, rows.as_of, _days(w)))
    return share(_count(rows, t, w), whole)


def _absent(rows: _Rows, t: ir.Table, w: WindowSpec) -> ir.Value:
    return _count(rows, t, w) == 0


_MEASURES: dict[str, Callable[[_Rows, ir.Table, WindowSpec], ir.Value]] = {
    "count": _count,
    "sum": _sum,
    "share": _share,
    "absent": _absent,
}


def _days(window: WindowSpec) -> int:
    if window.days is None:
        raise ValueError(f"the window {window.key!r} has no length in days")
    return window.days


def _streaks(sources: Sources, rows: _Rows, window: WindowSpec, column: str) -> ir.Table:
    """customer_id and `column`: the customers whose streak is at least 1 day.

    The good days, newest first, form the streak while day n (0-based) is as_of - n.
    """
    as_of, t = rows.as_of, _flagged(sources, rows.table, rows.categories)
    passing = t.filter(t.counted & _passes(rows, t, window)).select("customer_id", "day")
    breaks = _breaks(sources, window.without, as_of)
    # only a customer whose as_of is itself a good day has a streak: look at those alone
    starters = passing.filter(passing.day == as_of).select("customer_id").distinct()
    if breaks is not None:
        starters = starters.anti_join(breaks.filter(breaks.day == as_of), "customer_id")
    days = passing.semi_join(starters, "customer_id").distinct()
    if breaks is not None:
        days = days.anti_join(breaks.semi_join(starters, "customer_id"), ["customer_id", "day"])
    n = ibis.row_number().over(group_by=days.customer_id, order_by=ibis.desc(days.day))
    ranked = days.mutate(n=n)
    streak = ranked.filter(as_of - ranked.day == ranked.n)
    return streak.group_by("customer_id").aggregate(**{column: streak.count()})


def _breaks(sources: Sources, without: str | None, as_of: int) -> ir.Table | None:
    """customer_id, day of the rows that break a streak (orders: the counted ones)."""
    if without is None:
        return None
    t = _rows(sources, without, as_of, ()).table
    return t.filter(t.counted).select("customer_id", "day")
