"""Features of a customer's service tickets: volume, complaints, satisfaction, open tickets.

Resolution is counted in local days from opening to closing, over the tickets opened in
the last 365 days and closed by as_of (so, like the counts, it moves only when a ticket
leaves the 365 days or a new one arrives).
"""

from __future__ import annotations

import ibis.expr.types as ir

from segmint.features.orders import within


def service_features(tickets: ir.Table, as_of: int) -> ir.Table:
    """One row per customer with a ticket opened up to as_of."""
    t = tickets.filter(tickets.opened_day <= as_of)
    recent = within(t.opened_day, as_of, 365)
    closed = recent & t.closed_day.notnull() & (t.closed_day <= as_of)
    return t.group_by("customer_id").aggregate(
        tickets_365d=t.count(where=recent),
        complaints_365d=t.count(where=recent & t.is_complaint),
        avg_satisfaction=t.satisfaction.mean(),
        open_tickets=t.count(where=t.closed_day.isnull() | (t.closed_day > as_of)),
        avg_resolution_days=(t.closed_day - t.opened_day).mean(where=closed),
    )
