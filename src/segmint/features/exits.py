"""The days a customer's windows next move with no new data: a row leaves or arrives.

A window of N days ending on as_of (`orders.within`) loses its oldest row on the day that
row is N days old, and gains a row stored for a later day on that day. Per source and
window this is one conditional minimum; the live view reads them to know when a
customer's date-relative segments may change (`segments.timing.Exit`). Every row of the
source counts, whatever its status or filters, so the day is never later than a change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ibis.expr.types as ir

from segmint.store.relations import Sources

_DAY = {"orders": "day", "events": "day", "tickets": "opened_day"}


def exits(src: Sources, as_of: int, windows: Mapping[str, Sequence[int]]) -> ir.Table | None:
    """customer_id and, per source, ``<source>_<N>`` and ``<source>_after`` (days).

    ``<source>_<N>``: the day the oldest row in the N-day window leaves it (empty when
    the window has none); ``<source>_after``: the first day after as_of with a row.
    None when no window is asked for.
    """
    parts = [_source(src, source, as_of, days) for source, days in windows.items() if days]
    if not parts:
        return None
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.outer_join(part, "customer_id")
        joined = joined.mutate(
            customer_id=joined.customer_id.fill_null(joined.customer_id_right)
        ).drop("customer_id_right")
    return joined


def _source(src: Sources, source: str, as_of: int, days: Sequence[int]) -> ir.Table:
    table: ir.Table = getattr(src, source)
    day = table[_DAY[source]]
    return table.group_by("customer_id").aggregate(
        **{
            f"{source}_{n}": day.min(where=(day > as_of - n) & (day <= as_of)) + n
            for n in sorted(set(days))
        },
        **{f"{source}_after": day.min(where=day > as_of)},
    )
